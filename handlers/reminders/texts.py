"""How meeting and custom reminders read, and the hooks that send them."""

from __future__ import annotations

from datetime import date

from bot.i18n import LANGUAGES, Translator
from bot.services import schedules
from bot.services.outbox import Button, OutgoingMessage
from bot.services.schedules import DueSchedule, Hook, Render
from handlers.reminders.callbacks import Rsvp


def rsvp_data(schedule_id: int, day: date, answer: str) -> str:
    return Rsvp(schedule_id, f"{day:%Y%m%d}", answer).pack()


def render(translator: Translator) -> Render:
    def messages(schedule: DueSchedule, day: date) -> dict[str, OutgoingMessage]:
        result = {}
        for language in LANGUAGES:
            text = schedule.text_en if language == "en" and schedule.text_en else schedule.text_de
            key = "reminders.meeting" if schedule.kind == "meeting" else "reminders.custom"
            buttons = []
            if schedule.kind == "meeting":
                buttons = [
                    [
                        Button(
                            text=translator.t(language, "reminders.button.yes"),
                            data=rsvp_data(schedule.id, day, "yes"),
                        ),
                        Button(
                            text=translator.t(language, "reminders.button.no"),
                            data=rsvp_data(schedule.id, day, "no"),
                        ),
                    ]
                ]
            result[language] = OutgoingMessage(
                text=translator.t(language, key, text=text), buttons=buttons
            )
        return result

    return messages


def reminder_hooks(translator: Translator) -> dict[str, Hook]:
    """Meeting and custom reminders."""
    hook = schedules.reminder_hook(render(translator))
    return {"meeting": hook, "custom": hook}
