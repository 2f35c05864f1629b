"""How a file of values sent in chat is answered: the summary before saving, its buttons, and
the problems in words a person understands (row, column, what is wrong). Every answer is one
message that fits Telegram, however many rows, organisations or problems the file has."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Html
from bot.i18n.formatting import format_number
from bot.presentation.message_fit import fit_list
from bot.services.imports import Problem
from bot.services.periods import Frequency, Period, label
from bot.services.report.value_files import OrganisationCount, Preview
from handlers.report.callbacks import CancelFile, SaveFile

Translate = Callable[..., str]
# The order periods are named in: the longest first, as a year's report reads.
FREQUENCIES = (Frequency.YEARLY, Frequency.QUARTERLY, Frequency.MONTHLY, Frequency.WEEKLY)


def summary(t: Translate, preview: Preview, file_name: str, language: str) -> str:
    """What saving would write, per organisation, and the periods the file covers."""
    key = "valuefile.summary" if preview.written else "valuefile.nothing_new"
    return fit_list(
        [organisation_line(t, count, language) for count in preview.organisations],
        lambda left: t("valuefile.more_organisations", count=left),
        lambda lines: t(
            key,
            name=file_name,
            rows=t("valuefile.rows", count=preview.rows),
            written=t("valuefile.values", count=preview.written),
            unchanged=preview.unchanged,
            count=preview.unchanged,
            organisations=lines,
            periods=Html("\n".join(periods(t, preview.periods, language))),
        ),
    )


def problems(t: Translate, preview: Preview, file_name: str, language: str) -> str:
    """Why nothing can be saved: each problem on a line, as many as fit, then how many more."""
    return fit_list(
        [problem(t, found, language) for found in preview.problems],
        lambda left: t("valuefile.more_problems", count=left),
        lambda lines: t(
            "valuefile.problems",
            name=file_name,
            rows=t("valuefile.rows", count=preview.rows),
            count=len(preview.problems),
            problems=lines,
        ),
    )


def problem(t: Translate, found: Problem, language: str) -> str:
    """`Zeile 7, Spalte „value“: „600“ ist größer als erlaubt (höchstens 500).`"""
    what = t(f"valuefile.problem.{found.code}", detail=found.detail)
    if found.code == "bad_value":
        low, high = found.bounds
        what = t(
            f"valuefile.reason.{found.reason}",
            value=found.value,
            low="" if low is None else format_number(low, language),
            high="" if high is None else format_number(high, language),
        )
    row = format_number(found.row, language)
    if found.column:
        return t("valuefile.at_cell", row=row, column=found.column, text=Html(what))
    return t("valuefile.at_row", row=row, text=Html(what))


def periods(t: Translate, codes: Sequence[str], language: str) -> list[str]:
    """One line per frequency: the first and the last period and how many there are."""
    found: dict[Frequency, list[Period]] = {}
    for code in codes:
        period = Period.parse(code)
        found.setdefault(period.frequency, []).append(period)
    lines = []
    for frequency in FREQUENCIES:
        if not (chosen := sorted(found.get(frequency, []), key=_order)):
            continue
        kind = t(f"valuefile.frequency.{frequency.value}")
        first, last = label(chosen[0], language), label(chosen[-1], language)
        if len(chosen) == 1:
            lines.append(t("valuefile.period_one", kind=kind, first=first))
        else:
            count = format_number(len(chosen), language)
            lines.append(
                t("valuefile.period_range", kind=kind, first=first, last=last, count=count)
            )
    return lines


def keyboard(t: Translate, token: int) -> InlineKeyboardMarkup:
    """[Speichern] [Abbrechen]; `token` names this summary, so an older one's buttons are
    recognised as stale once a newer file was sent."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t("valuefile.button.save"), callback_data=SaveFile(token).pack()
                ),
                InlineKeyboardButton(
                    t("valuefile.button.cancel"), callback_data=CancelFile(token).pack()
                ),
            ]
        ]
    )


def organisation_line(t: Translate, count: OrganisationCount, language: str) -> str:
    return t(
        "valuefile.organisation",
        name=count.name,
        written=format_number(count.written, language),
        unchanged=format_number(count.unchanged, language),
    )


def _order(period: Period) -> tuple[int, int]:
    return period.year, period.number
