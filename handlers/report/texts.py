"""How reporting talks: the question with its hint, specific answers to wrong input, the
summary, and where the initiative stands after saving (DIALOGUES: "Reporting a value")."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_date
from babel.numbers import format_decimal

from bot.i18n import Html
from bot.i18n.formatting import format_date, format_number, format_value, shorten
from bot.services.outbox import Button
from bot.services.periods import Frequency, Period, due_date_of, label, short_label
from bot.services.progress.progress import Standing
from bot.services.report.backlog import Understood, Why
from bot.services.report.menu import IndicatorPage, Menu, MenuItem
from bot.services.report.number_reader import Kind, Reason, Rejected, Spec
from bot.services.report.reporting import Question
from handlers.report.callbacks import OpenItem
from handlers.report.drafts import ReportDraft

Translate = Callable[..., str]
# Telegram shows long button labels cut off on phones; ours end visibly.
BUTTON_TEXT = 60
# Of a name in the "older periods" button, so that the count stays visible.
OLDER_NAME = 22
WHY_KEYS = {
    Why.NO_PERIOD: "report.backlog.why.no_period",
    Why.NOT_OWED: "report.backlog.why.not_owed",
    Why.REPORTED: "report.backlog.why.reported",
    Why.CLOSED: "report.backlog.why.closed",
    Why.VALUE: "report.backlog.why.value",
    Why.TWICE: "report.backlog.why.twice",
}
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
    return Button(text=shorten(name, BUTTON_TEXT), data=OpenItem(obligation_id).pack())


def period_label(code: str, language: str) -> str:
    try:
        return label(Period.parse(code), language)
    except ValueError:  # a forged button: show what it says
        return code


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


def summary(t: Translate, asked: Question, draft: ReportDraft, language: str) -> str:
    note = draft.note
    return t(
        "report.summary_note" if note else "report.summary",
        name=asked.name(language),
        period=period_label(asked.period, language),
        value=value_text(t, asked, draft.value, language),
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


def compact_period(t: Translate, code: str, language: str, today: date) -> str:
    """The period at the start of a button: `KW 49`, `Nov 2026`, `Q4 2026`, `2026`; a week of
    another year than today's with its year (`KW 49/2025`)."""
    try:
        period = Period.parse(code)
    except ValueError:  # a forged button: show what it says
        return code
    if period.frequency is not Frequency.WEEKLY:
        return short_label(period, language)
    key = "report.period.week" if period.year == today.year else "report.period.week_year"
    # A year is a name, not an amount: 2026, never 2.026.
    return t(key, week=period.number, year=str(period.year))


def _day(day: date, language: str, today: date) -> str:
    """`05.02.` / `5 Feb` as people write them on a button; another year keeps its year."""
    same_year = day.year == today.year
    if language == "de":
        return day.strftime("%d.%m." if same_year else "%d.%m.%Y")
    return babel_date(day, "d MMM" if same_year else "d MMM yyyy", locale="en")


def item_label(t: Translate, item: MenuItem, language: str, now: datetime, zone: ZoneInfo) -> str:
    """A button for an item that differs from its neighbours in its first 30 characters: period
    first, the short name, then the week's days or the due day:
    "KW 49 · Elterncafés · 30.11.–06.12.", "Nov 2026 · Kita-Plätze · fällig 05.12."."""
    today = now.astimezone(zone).date()
    period = compact_period(t, item.period, language, today)
    try:
        parsed: Period | None = Period.parse(item.period)
    except ValueError:
        parsed = None
    if parsed is not None and parsed.frequency is Frequency.WEEKLY:
        first = _day(parsed.first_day, language, parsed.last_day)
        last = _day(parsed.last_day, language, today)
        tail = t("report.button.week_days", first=first, last=last)
    else:
        tail = t("report.button.due", due=_day(due_date_of(item.due_at, zone), language, today))
    key = "report.button.item_overdue" if item.overdue(now) else "report.button.item"
    return shorten(t(key, period=period, name=Html(item.short(language)), tail=tail), BUTTON_TEXT)


def fix_label(t: Translate, item: MenuItem, language: str, now: datetime, zone: ZoneInfo) -> str:
    period = compact_period(t, item.period, language, now.astimezone(zone).date())
    return shorten(
        t("report.button.fix", name=Html(item.short(language)), period=period), BUTTON_TEXT
    )


def older_label(t: Translate, item: MenuItem, language: str) -> str:
    return t(
        "report.button.older",
        name=Html(shorten(item.short(language), OLDER_NAME)),
        count=item.older_open,
    )


def menu_text(t: Translate, found: Menu, language: str, now: datetime, zone: ZoneInfo) -> str:
    if not found.items:
        lines = [t("report.nothing_open", organisation=found.organisation_name)]
    else:
        lines = [
            t("report.asks_item", organisation=found.organisation_name, count=found.open_total)
        ]
        today = now.astimezone(zone).date()
        for item in found.items:
            period = compact_period(t, item.period, language, today)
            key = "report.menu_line_older" if item.older_open else "report.menu_line"
            lines.append(t(key, name=item.name(language), period=period, count=item.older_open))
        if found.pages > 1:
            lines.append(t("report.page", page=found.page + 1, pages=found.pages))
        lines.append(t("report.search_hint"))
    if found.recent:
        lines.append("\n" + t("report.recent"))
        for recent in found.recent:
            owed = recent.item
            period = short_label(Period.parse(owed.period), language)
            shown_value = owed_value(t, owed.kind, owed.unit, recent.value, language)
            lines.append(
                t("report.recent_line", name=owed.name(language), period=period, value=shown_value)
            )
    return "\n".join(lines)


def indicator_text(t: Translate, found: IndicatorPage, name: str) -> str:
    if not found.items:
        return t("report.indicator_nothing_open", name=name)
    lines = [t("report.indicator_items", name=name, count=found.open_total)]
    if found.pages > 1:
        lines.append(t("report.page", page=found.page + 1, pages=found.pages))
    lines.append(t("report.backlog.hint"))
    return "\n".join(lines)


def backlog_text(t: Translate, understood: Understood, language: str) -> str:
    lines = [
        t(
            "report.backlog.understood",
            name=understood.name(language),
            organisation=understood.organisation_name,
        )
    ]
    for item in understood.taken:
        lines.append(
            t(
                "report.backlog.taken",
                period=period_label(item.period, language),
                value=owed_value(t, understood.kind, understood.unit, item.value, language),
            )
        )
    if understood.refused:
        lines.append(t("report.backlog.not_taken"))
        for refused in understood.refused:
            lines.append(
                t(
                    "report.backlog.refused",
                    typed=shorten(refused.typed, BUTTON_TEXT),
                    value=shorten(refused.value, BUTTON_TEXT),
                    why=t(WHY_KEYS[refused.why]),
                )
            )
    if not understood.taken:
        lines.append(t("report.backlog.nothing"))
    return "\n".join(lines)
