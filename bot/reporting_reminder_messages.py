"""How reporting reminders and escalations read (DIALOGUES tone: what is missing, one tap)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.formatting import format_date
from bot.i18n import LANGUAGES, Html, Translator
from bot.report_texts import open_report_button, period_label
from bot.services.outbox import OutgoingMessage
from bot.services.reporting_reminders import Item

BUTTONS = 5
MAX_LINES = 30


def _name(item: Item, language: str) -> str:
    return item.name_de if language == "de" else item.name_en


class ReportingTexts:
    def __init__(self, translator: Translator) -> None:
        self.translator = translator

    def items(self, items: Sequence[Item]) -> dict[str, OutgoingMessage]:
        messages = {}
        for language in LANGUAGES:
            t = self.translator.t
            lines = [
                t(
                    language,
                    "reporting_reminder.item",
                    name=_name(item, language),
                    period=period_label(item.period, language),
                    due=format_date(item.due_day, language),
                )
                for item in items
            ]
            text = t(
                language,
                "reporting_reminder.text",
                organisation=items[0].organisation_name,
                items=Html("\n".join(lines)),
            )
            buttons = [
                [open_report_button(_name(item, language), item.obligation_id)]
                for item in items[:BUTTONS]
            ]
            messages[language] = OutgoingMessage(text=text, buttons=buttons)
        return messages

    def escalation(self, items: Sequence[Item], days: int) -> dict[str, OutgoingMessage]:
        messages = {}
        for language in LANGUAGES:
            t = self.translator.t
            groups: dict[str, list[str]] = {}
            for item in items:
                entry = f"{_name(item, language)} ({period_label(item.period, language)})"
                groups.setdefault(item.organisation_name, []).append(entry)
            lines = [
                t(language, "escalation.line", organisation=name, items=", ".join(entries))
                for name, entries in groups.items()
            ]
            if len(lines) > MAX_LINES:  # one message: the rest is under /ausstehend
                lines = [*lines[:MAX_LINES], "…"]
            text = t(language, "escalation.text", days=days, lines=Html("\n".join(lines)))
            messages[language] = OutgoingMessage(text=text)
        return messages
