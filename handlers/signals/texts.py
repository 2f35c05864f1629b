"""How signals read: the reason with its figures, the weekly summary, and the `signals`
schedule hook that sends it to coordinators and admins when anything is open."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.sections import SignalSettings
from bot.i18n import LANGUAGES, Translator
from bot.i18n.formatting import format_date, format_number
from bot.presentation.message_fit import fit_list
from bot.services import schedules
from bot.services.audiences import Audience
from bot.services.outbox import OutgoingMessage
from bot.services.placement import Placement
from bot.services.schedules import Firing
from bot.services.signals import signals
from bot.services.signals.signals import OpenSignal, Thresholds

Translate = Callable[..., str]
DAY_DETAILS = ("last", "survey_day", "previous_day", "left_day")
# Reasons whose figure (days since) can be unknown read differently then.
UNDATED = {"silent": "silent_never", "contacts_left": "contacts_left_undated"}
# Reasons that say how many more questions or topics are affected.
WITH_MORE = ("pulse_fell", "concerns_rising")
# The summary names the most serious ones; /signale has them all.
SUMMARY_LINES = 20
# Per reason, the figures that count something, and what (`signals.count.<unit>`, with plural
# forms): "1 Meldung", "seit 3 Tagen". German days take the dative after "seit" and "in".
UNITS: dict[str, dict[str, str]] = {
    "overdue": {"count": "reports", "baseline": "days_dative", "value": "days_dative"},
    "silent": {"value": "days_dative", "baseline": "days", "members": "members"},
    "activities_stopped": {"value": "weeks", "baseline": "weeks", "lookback_weeks": "weeks"},
    "pulse_fell": {"others_count": "questions"},
    "concerns_rising": {"window_days": "days_dative", "others_count": "topics"},
    "on_time_fell": {"recent": "due_reports", "earlier": "reports"},
    "acks_fell": {"weeks": "weeks", "recent": "deliveries", "earlier": "deliveries"},
    "rsvps_fell": {"weeks": "weeks", "recent": "invitations", "earlier": "invitations"},
    "contacts_left": {"count": "contacts"},
    "no_members": {"value": "reports"},
}


def thresholds(config: SignalSettings) -> Thresholds:
    return Thresholds(**config.model_dump())


def _figure(value: float | None, language: str) -> str:
    if value is None:
        return "–"
    return format_number(round(value, 2), language)


def reason_text(t: Translate, signal: OpenSignal, language: str) -> str:
    details = signal.details
    values: dict[str, object] = {
        "organisation": signal.organisation or t("signals.initiative"),
        "value": _figure(signal.value, language),
        "baseline": _figure(signal.baseline_value, language),
        "since": format_date(signal.opened_on, language),
        **{k: v for k, v in details.items() if isinstance(v, int | str)},
    }
    # Days come as ISO text and are shown the reader's way; categories by their name.
    for key in DAY_DETAILS:
        if isinstance(details.get(key), str):
            values[key] = format_date(date.fromisoformat(details[key]), language)
    question = details.get("question_en" if language == "en" else "question_de")
    if isinstance(question, str):
        values["question"] = question
    if isinstance(details.get("category"), str):
        values["category"] = t(f"concern.category.{details['category']}")
    figures = {"value": signal.value, "baseline": signal.baseline_value, **details}
    for name, unit in UNITS.get(signal.reason_code, {}).items():
        figure = figures.get(name)
        if isinstance(figure, int | float) and not isinstance(figure, bool):
            values[name] = t(f"signals.count.{unit}", count=round(figure))
    key = f"signals.reason.{signal.reason_code}"
    if signal.reason_code in UNDATED and signal.value is None:
        key = f"signals.reason.{UNDATED[signal.reason_code]}"
    if signal.reason_code == "on_time_fell" and details.get("compared") == "initiative":
        key = "signals.reason.on_time_fell_initiative"
    text = t(key, **values)
    if details.get("others_count") and signal.reason_code in WITH_MORE:
        first, _, rest = text.partition("\n")
        more = t(f"signals.reason.{signal.reason_code}_more", **values)
        text = f"{first}\n{more}\n{rest}" if rest else f"{first}\n{more}"
    return text


def _headline(text: str) -> str:
    """The reason without its advice: the summary lists, /signale explains."""
    return text.split("\n", 1)[0]


def summary_text(t: Translate, found: Sequence[OpenSignal], language: str) -> str:
    """The most serious open signals, as many as fit; /signale has them all."""
    return fit_list(
        [f"• {_headline(reason_text(t, signal, language))}" for signal in found],
        lambda count: t("signals.summary_more", count=count),
        lambda joined: t("signals.summary", count=len(found), lines=joined),
        most=SUMMARY_LINES,
    )


def check_in_messages(translator: Translator) -> Callable[[str], dict[str, OutgoingMessage]]:
    """The check-in a coordinator sends from a signal, in every language."""

    def render(organisation: str) -> dict[str, OutgoingMessage]:
        return {
            language: OutgoingMessage(
                text=translator.t(language, "signals.check_in", organisation=organisation)
            )
            for language in LANGUAGES
        }

    return render


def signals_hooks(translator: Translator, config: SignalSettings) -> dict[str, schedules.Hook]:
    """`signals` schedules: a summary of the open signals to coordinators and admins, when
    anything is open."""

    async def fire(session: AsyncSession, firing: Firing, now: datetime) -> int:
        today = now.astimezone(firing.zone).date()
        await signals.refresh(session, today, thresholds(config))
        found = (await signals.overview(session)).open
        if not found:
            return 0
        messages = {}
        for language in LANGUAGES:
            t = partial(translator.t, language)
            messages[language] = OutgoingMessage(text=summary_text(t, found, language))
        people = await firing.batch.recipients(
            session, Audience.of("role", ["admin", "coordinator"])
        )
        return firing.deliver(
            people, kind="signals", messages=messages, placement=Placement.REMINDER, now=now
        )

    return {"signals": fire}
