"""How reporting reminders and escalations read (DIALOGUES tone: what is missing, one tap)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from functools import partial

from bot.formatting import format_date
from bot.i18n import LANGUAGES, Html, Translator
from bot.message_fit import fit_list
from bot.report_texts import open_report_button, period_label
from bot.services.outbox import OutgoingMessage
from bot.services.reporting_reminders import Item

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

    def escalation(self, items: Sequence[Item], days: int) -> dict[str, OutgoingMessage]:
        return {language: self._escalation(items, days, language) for language in LANGUAGES}

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

    def _escalation(self, items: Sequence[Item], days: int, language: str) -> OutgoingMessage:
        t = partial(self.translator.t, language)
        groups: dict[str, list[str]] = {}
        for item in items:
            entry = f"{_name(item, language)} ({period_label(item.period, language)})"
            groups.setdefault(item.organisation_name, []).append(html.escape(entry, quote=False))
        lines = [
            t(
                "escalation.line",
                organisation=name,
                items=Html(
                    fit_list(
                        entries,
                        lambda count: t("escalation.more_items", count=count),
                        separator=", ",
                        limit=LINE_LIMIT,
                    )
                ),
            )
            for name, entries in groups.items()
        ]
        text = fit_list(
            lines,
            lambda count: t("escalation.more", count=count),
            lambda joined: t("escalation.text", days=days, lines=joined),
        )
        return OutgoingMessage(text=text)
