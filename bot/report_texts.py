"""How reporting talks: the question with its hint, specific answers to wrong input, the
summary, and where the initiative stands after saving (DIALOGUES: "Reporting a value")."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal

from bot.formatting import format_date, format_number, format_value, shorten
from bot.i18n import Html
from bot.services.number_reader import Kind, Reason, Rejected, Spec
from bot.services.obligations import Owed
from bot.services.outbox import Button
from bot.services.periods import Period, due_date_of, label, short_label
from bot.services.progress import Standing
from bot.services.reporting import Question

Translate = Callable[..., str]
# Telegram shows long button labels cut off on phones; ours end visibly.
BUTTON_TEXT = 60
HINT_KEYS = {
    Kind.INTEGER: ("report.hint.integer", "report.hint.integer_between"),
    Kind.DECIMAL: ("report.hint.decimal", "report.hint.decimal_between"),
    Kind.PERCENT: ("report.hint.percent", "report.hint.percent_between"),
}
INVALID_KEYS = {
    Kind.INTEGER: ("report.invalid.integer", "report.invalid.integer_between"),
    Kind.DECIMAL: ("report.invalid.decimal", "report.invalid.decimal_between"),
    Kind.PERCENT: ("report.invalid.percent", "report.invalid.percent_between"),
}
# What the period's figure is, in words: "zusammen", "im Mittel", ...
PERIOD_KEYS = {
    "sum": "report.standing.period_sum",
    "mean": "report.standing.period_mean",
    "max": "report.standing.period_max",
    "min": "report.standing.period_min",
}


def open_report_button(name: str, obligation_id: int) -> Button:
    """A button that opens /report on exactly this item (entry point `rep:o:<id>`)."""
    return Button(text=shorten(name, BUTTON_TEXT), data=f"rep:o:{obligation_id}")


def period_label(code: str, language: str) -> str:
    try:
        return label(Period.parse(code), language)
    except ValueError:  # a forged button: show what it says
        return code


def button_label(t: Translate, item: Owed, language: str, now: datetime, zone: ZoneInfo) -> str:
    period = short_label(Period.parse(item.period), language)
    due = due_date_of(item.due_at, zone)
    day = format_date(due, language)
    if language == "de" and due.year == now.astimezone(zone).year:
        day = day[:6]  # "05.02." as people write it; another year keeps its year
    key = "report.button.overdue" if item.overdue(now) else "report.button.item"
    return t(key, name=Html(item.name(language)), period=period, due=day)


def hint(t: Translate, spec: Spec, language: str) -> str:
    low, high = spec.bounds
    if spec.kind is Kind.BOOLEAN:
        return t("report.hint.boolean")
    if spec.kind is Kind.SCALE:
        return t("report.hint.scale")
    plain, between = HINT_KEYS[spec.kind]
    if low is not None and high is not None:
        return t(between, low=format_number(low, language), high=format_number(high, language))
    return t(plain)


def example(spec: Spec, language: str) -> str:
    low, high = spec.bounds
    wanted = 2.5 if spec.kind is Kind.DECIMAL else 12.0
    if high is not None:
        wanted = min(wanted, high)
    if low is not None:
        wanted = max(wanted, low)
    return format_number(wanted, language)


def rejected(t: Translate, spec: Spec, answer: Rejected, language: str) -> str:
    """What to type instead: "Bitte eine ganze Zahl zwischen 0 und 5.000 eingeben, z. B. 12." """
    if answer.reason is Reason.NOT_YES_NO or spec.kind is Kind.BOOLEAN:
        return t("report.invalid.yes_no")
    if answer.reason is Reason.NOT_ON_SCALE or spec.kind is Kind.SCALE:
        return t("report.invalid.scale")
    low, high = spec.bounds
    plain, between = INVALID_KEYS[spec.kind]
    values = {"example": example(spec, language)}
    if low is not None and high is not None:
        return t(
            between, low=format_number(low, language), high=format_number(high, language), **values
        )
    return t(plain, **values)


def ask(t: Translate, asked: Question, language: str) -> str:
    text = t(
        "report.asks_value",
        name=asked.name(language),
        period=period_label(asked.period, language),
        hint=hint(t, asked.spec, language),
    )
    if asked.on_behalf:
        text = t("report.on_behalf", organisation=asked.organisation_name) + "\n" + text
    return text


def value_text(t: Translate, asked: Question, value: float | None, language: str) -> str:
    return owed_value(t, asked.kind.value, asked.unit, value, language)


def owed_value(t: Translate, kind: str, unit: str, value: float | None, language: str) -> str:
    """A reported value as people read it: `12 Plätze`, `85 %`, `ja`, `trifft nicht zu`."""
    if value is None:
        return t("report.not_applicable")
    if kind == Kind.BOOLEAN:
        return t("report.yes" if value else "report.no")
    if kind == Kind.SCALE:
        return format_number(value, language)
    return format_value(value, kind, unit, language)


def reading(asked: Question, value: float, language: str) -> str:
    """One way to read what was typed, with every decimal it has (`1.234`, not `1.23`)."""
    number = format_decimal(value, format="#,##0.######", locale=language)
    return f"{number} {asked.unit}".strip()


def implausible(
    t: Translate, asked: Question, value: float, earlier: Sequence[float], language: str
) -> str:
    key = (
        "report.implausible_more"
        if value > sorted(earlier)[len(earlier) // 2]
        else ("report.implausible_less")
    )
    recent = ", ".join(format_number(v, language) for v in earlier[-3:])
    return t(key, value=format_number(value, language), recent=recent)


def summary(t: Translate, asked: Question, draft: dict[str, Any], language: str) -> str:
    note = draft.get("note") or ""
    return t(
        "report.summary_note" if note else "report.summary",
        name=asked.name(language),
        period=period_label(asked.period, language),
        value=value_text(t, asked, draft.get("value"), language),
        note=note,
        organisation=asked.organisation_name,
    )


def saved(
    t: Translate, asked: Question, standing: Standing, language: str, value: float | None
) -> str:
    period = period_label(asked.period, language)
    lines = [
        t(
            "report.saved",
            name=asked.name(language),
            period=period,
            value=value_text(t, asked, value, language),
        )
    ]
    kind, unit = standing.kind, standing.unit
    if standing.period_value is not None:
        lines.append(
            t(
                PERIOD_KEYS["mean" if kind in ("boolean", "scale") else standing.aggregation],
                period=period,
                value=format_value(standing.period_value, kind, unit, language),
                count=standing.period_organisations,
            )
        )
    elif standing.period_organisations:
        lines.append(t("report.standing.hidden"))
    if standing.progress is not None and standing.target_value is not None:
        by = format_date(standing.target_by, language) if standing.target_by else "–"
        key = (
            "report.standing.cumulative"
            if standing.target_mode == "cumulative"
            else ("report.standing.level")
        )
        assert standing.current is not None
        lines.append(
            t(
                key,
                current=format_value(standing.current, kind, unit, language),
                percent=format_number(round(100 * standing.progress), language),
                target=format_value(standing.target_value, kind, unit, language),
                by=by,
            )
        )
    return "\n".join(lines)
