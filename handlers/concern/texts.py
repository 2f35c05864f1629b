"""How concerns read: threads, the coordinators' list, notices to reporters and coordinators.

Texts take a plain translate function, so handlers (one language) and jobs (every language)
render alike. Day-level dates only: nothing here shows a time of an anonymous event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bot.i18n import LANGUAGES, Html, Translator
from bot.i18n.formatting import format_date, shorten
from bot.presentation.message_fit import fit_list, fits, split_list
from bot.services.concern.concerns import Thread
from bot.services.concern.desk import DeskView, ReporterNotice, Summary
from bot.services.concern.jobs import Batch, ConcernTexts
from bot.services.outbox import OutgoingMessage
from handlers.concern.callbacks import answer_data

Translate = Callable[..., str]
PARAGRAPH = "\n\n"
SEVERITY_MARK = {"high": "🔴", "medium": "🟠", "low": "⚪"}


def label(t: Translate, summary: Summary, language: str) -> str:
    """One line per concern, as a button label in the list."""
    return shorten(
        " · ".join(
            (
                f"{SEVERITY_MARK.get(summary.severity, '')} #{summary.ticket}",
                t(f"concern.category.{summary.category}"),
                t(f"concern.status.{summary.status}"),
                format_date(summary.opened_on, language)[:6].rstrip(" ."),
            )
        ),
        64,
    )


def _entries(t: Translate, thread: Thread, language: str, *, reporter_key: str) -> list[str]:
    """The thread's messages, oldest first."""
    return [
        t(
            reporter_key if m.author == "reporter" else "concern.thread.coordination",
            day=format_date(m.written_on, language),
            text=m.text,
        )
        for m in thread.messages
    ]


def _whole(render: Callable[[Html], str], entries: list[str]) -> list[str]:
    """Every message of the thread counts: one Telegram message if it fits, else several, the
    heading in the first, no message cut unless it alone is longer than a Telegram message."""
    text = render(Html(PARAGRAPH.join(entries)))
    if fits(text):
        return [text]
    return split_list([render(Html("")).rstrip(), *entries], separator=PARAGRAPH)


def reporter_thread(t: Translate, thread: Thread, language: str) -> list[str]:
    def render(messages: Html) -> str:
        return t(
            "concern.thread",
            ticket=thread.ticket,
            category=t(f"concern.category.{thread.category}"),
            status=t(f"concern.status.{thread.status}"),
            opened=format_date(thread.opened_on, language),
            messages=messages,
        )

    return _whole(render, _entries(t, thread, language, reporter_key="concern.thread.you"))


def desk_thread(t: Translate, view: DeskView, language: str) -> list[str]:
    thread = view.thread
    if view.reporter_name is not None:
        who = t(
            "concerns.who.named", name=view.reporter_name, organisation=view.reporter_organisation
        )
    else:
        who = t("concerns.who.anonymous" if thread.anonymous else "concerns.who.former")
    reach = "" if view.reachable else "\n" + t("concerns.reach.none")

    def render(messages: Html) -> str:
        return t(
            "concerns.detail",
            ticket=thread.ticket,
            category=t(f"concern.category.{thread.category}"),
            severity=t(f"concern.severity.{thread.severity}"),
            status=t(f"concern.status.{thread.status}"),
            opened=format_date(thread.opened_on, language),
            who=who,
            reach=Html(reach),
            messages=messages,
        )

    return _whole(render, _entries(t, thread, language, reporter_key="concern.thread.reporter"))


def _per_language(
    translator: Translator, build: Callable[[Translate, str], OutgoingMessage]
) -> dict[str, OutgoingMessage]:
    def in_language(language: str) -> Translate:
        return lambda key, **values: translator.t(language, key, **values)

    return {language: build(in_language(language), language) for language in LANGUAGES}


def reporter_notice(translator: Translator, key: str, ticket: str, **values: Any) -> ReporterNotice:
    """A notice to the reporter in every language (theirs is chosen when it is sent)."""

    def build(t: Translate, language: str) -> OutgoingMessage:
        extra = {
            name: t(f"concern.status.{value}") if name == "status" else value
            for name, value in values.items()
        }
        return OutgoingMessage(text=t(key, ticket=ticket, **extra))

    return ReporterNotice(
        messages=_per_language(translator, build),
        answer_label={
            language: translator.t(language, "concern.button.answer") for language in LANGUAGES
        },
        answer_data=answer_data,
    )


def _line(t: Translate, summary: Summary) -> str:
    return t(
        "concerns.batch.new",
        mark=SEVERITY_MARK.get(summary.severity, ""),
        ticket=summary.ticket,
        category=t(f"concern.category.{summary.category}"),
        severity=t(f"concern.severity.{summary.severity}"),
    )


def concern_texts(translator: Translator) -> ConcernTexts:
    def batch(found: Batch) -> dict[str, OutgoingMessage]:
        def build(t: Translate, language: str) -> OutgoingMessage:
            lines = [_line(t, s) for s in found.concerns]
            lines += [
                t("concerns.batch.messages", count=count, ticket=ticket)
                for ticket, count in found.messages.items()
            ]
            text = fit_list(
                lines,
                lambda count: t("concerns.batch.more", count=count),
                lambda joined: t("concerns.batch", lines=joined),
            )
            return OutgoingMessage(text=text)

        return _per_language(translator, build)

    def escalation(overdue: Sequence[Summary], hours: int) -> dict[str, OutgoingMessage]:
        def build(t: Translate, language: str) -> OutgoingMessage:
            text = fit_list(
                [_line(t, s) for s in overdue],
                lambda count: t("concerns.batch.more", count=count),
                lambda joined: t("concerns.escalation", count=hours, lines=joined),
            )
            return OutgoingMessage(text=text)

        return _per_language(translator, build)

    return ConcernTexts(batch=batch, escalation=escalation)
