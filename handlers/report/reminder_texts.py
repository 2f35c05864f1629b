"""How reporting reminders and escalations read (DIALOGUES tone: what is missing, one tap)."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from functools import partial

from bot.i18n import LANGUAGES, Html, Translator
from bot.i18n.formatting import format_date
from bot.presentation.message_fit import fit_list
from bot.services.outbox import OutgoingMessage
from bot.services.report.reminders import Item
from handlers.report.texts import open_report_button, period_label

BUTTONS = 5
# What one organisation's overdue items may fill of the coordinators' summary, so that one
# organisation far behind does not push all the others out of it.
LINE_LIMIT = 600


def _name(item: Item, language: str) -> str:
    return item.name_de if language == "de" else item.name_en


class ReportingTexts:
    def __init__(self, translator: Translator) -> None:
        self.translator = translator

    def items(self, items: Sequence[Item]) -> dict[str, OutgoingMessage]:
        return {language: self._reminder(items, language) for language in LANGUAGES}

    def escalation(
        self, items: Sequence[Item], days: int, more: Mapping[int, int] | None = None
    ) -> dict[str, OutgoingMessage]:
        """`more`: per organisation id, how many overdue reports there are beyond `items`."""
        return {
            language: self._escalation(items, days, more or {}, language) for language in LANGUAGES
        }

    def _reminder(self, items: Sequence[Item], language: str) -> OutgoingMessage:
        t = partial(self.translator.t, language)
        lines = [
            t(
                "reporting_reminder.item",
                name=_name(item, language),
                period=period_label(item.period, language),
                due=format_date(item.due_day, language),
            )
            for item in items
        ]
        text = fit_list(
            lines,
            lambda count: t("reporting_reminder.more", count=count),
            lambda joined: t(
                "reporting_reminder.text", organisation=items[0].organisation_name, items=joined
            ),
        )
        buttons = [
            [open_report_button(_name(item, language), item.obligation_id)]
            for item in items[:BUTTONS]
        ]
        return OutgoingMessage(text=text, buttons=buttons)

    def _escalation(
        self, items: Sequence[Item], days: int, more: Mapping[int, int], language: str
    ) -> OutgoingMessage:
        t = partial(self.translator.t, language)
        groups: dict[tuple[int, str], list[str]] = {}
        for item in items:
            entry = f"{_name(item, language)} ({period_label(item.period, language)})"
            key = (item.organisation_id, item.organisation_name)
            groups.setdefault(key, []).append(html.escape(entry, quote=False))
        lines = [
            t(
                "escalation.line",
                organisation=name,
                items=Html(self._entries(t, entries, more.get(organisation, 0))),
            )
            for (organisation, name), entries in groups.items()
        ]
        text = fit_list(
            lines,
            lambda count: t("escalation.more", count=count),
            lambda joined: t("escalation.text", count=days, lines=joined),
        )
        return OutgoingMessage(text=text)

    @staticmethod
    def _entries(t: Callable[..., str], entries: list[str], unread: int) -> str:
        """One organisation's overdue reports as fit its line; `unread` more were not read
        (then more were read than any line holds, so "… and N more" always follows)."""
        return fit_list(
            entries,
            lambda count: t("escalation.more_items", count=count + unread),
            separator=", ",
            limit=LINE_LIMIT,
            most=len(entries) - 1 if unread else None,
        )
