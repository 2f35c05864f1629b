"""How meeting and custom reminders read, and the hooks that send them."""

from __future__ import annotations

from datetime import date

from babel.dates import get_day_names
from babel.lists import format_list

from bot.i18n import LANGUAGES, Translator
from bot.presentation.keyboards import Translate
from bot.services import schedules
from bot.services.outbox import Button, OutgoingMessage
from bot.services.recurrence import rhythm_of
from bot.services.schedules import DueSchedule, Hook, Render
from handlers.reminders.callbacks import Rsvp


def rhythm_text(t: Translate, language: str, rrule: str) -> str:
    """A rule in words ("alle 2 Wochen dienstags, 9:00"), never the rule itself: one that
    cannot be said in a few words is named as such; lists show its next date beside it."""
    found = rhythm_of(rrule)
    if found is None:
        return t("rhythm.other")
    locale = language if language in LANGUAGES else "en"
    clock = f"{found.hour}:{found.minute:02d}"
    names = get_day_names("wide", locale=locale)
    if found.frequency == "daily":
        return t("rhythm.daily", count=found.interval, time=clock)
    if found.frequency == "weekly":
        # German says "dienstags": the adverb of the day.
        said = [names[d].lower() + "s" if locale == "de" else names[d] for d in found.weekdays]
        days = format_list(said, locale=locale)
        return t("rhythm.weekly", count=found.interval, days=days, time=clock)
    if found.nth is not None:
        return t(
            "rhythm.monthly_weekday",
            count=found.interval,
            nth=t(f"rhythm.nth.{found.nth}"),
            day=names[found.weekdays[0]],
            time=clock,
        )
    return t("rhythm.monthly_day", count=found.interval, day=found.monthday, time=clock)


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
