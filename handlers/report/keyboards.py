"""Keyboards of /report: what is owed, the answer buttons, the summary."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.presentation.keyboards import Translate
from bot.presentation.message_fit import fit_keyboard
from bot.services.report.number_reader import Kind
from bot.services.roster import OrganisationChoice
from handlers.report.callbacks import (
    Cancel,
    Change,
    ChooseOrganisation,
    Correct,
    Corrections,
    Done,
    IndicatorPage,
    MenuPage,
    NoNote,
    NotApplicable,
    OpenItem,
    Pick,
    PressedValue,
    Save,
    SaveBacklog,
)


def _b(t: Translate, key: str, data: str, **values: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(t(key, **values), callback_data=data)


def _cancel(t: Translate) -> list[InlineKeyboardButton]:
    return [_b(t, "report.button.cancel", Cancel().pack())]


def organisations(
    t: Translate, choices: Sequence[OrganisationChoice]
) -> tuple[InlineKeyboardMarkup, int]:
    """A button per organisation, as many as fit beside "cancel"; and how many did not fit."""
    rows, left_out = fit_keyboard(
        [
            InlineKeyboardButton(c.name, callback_data=ChooseOrganisation(c.id).pack())
            for c in choices
        ],
        reserved=1,
    )
    return InlineKeyboardMarkup([*rows, _cancel(t)]), left_out


def owed(
    t: Translate, items: Sequence[tuple[int, str]], *, corrections: bool
) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(text, callback_data=OpenItem(i).pack())] for i, text in items]
    if corrections:
        rows.append([_b(t, "report.button.corrections", Corrections().pack())])
    return InlineKeyboardMarkup([*rows, _cancel(t)])


def menu(
    t: Translate,
    items: Sequence[tuple[int, str, int, str | None]],
    *,
    page: int,
    pages: int,
    corrections: bool,
) -> InlineKeyboardMarkup:
    """/report's menu: per indicator its offered item (`rep:o:<obligation>`) and, when older
    periods are open too, a button to list them (`rep:i:<indicator>:0`); then paging."""
    rows: list[list[InlineKeyboardButton]] = []
    for obligation_id, label, indicator_id, older in items:
        rows.append([InlineKeyboardButton(label, callback_data=OpenItem(obligation_id).pack())])
        if older is not None:
            rows.append(
                [InlineKeyboardButton(older, callback_data=IndicatorPage(indicator_id, 0).pack())]
            )
    rows += _paging(t, page, pages, lambda p: MenuPage(p).pack())
    if corrections:
        rows.append([_b(t, "report.button.corrections", Corrections().pack())])
    return InlineKeyboardMarkup([*rows, _cancel(t)])


def indicator(
    t: Translate, indicator_id: int, items: Sequence[tuple[int, str]], *, page: int, pages: int
) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(text, callback_data=OpenItem(i).pack())] for i, text in items]
    rows += _paging(t, page, pages, lambda p: IndicatorPage(indicator_id, p).pack())
    rows.append([_b(t, "report.button.overview", MenuPage(0).pack())])
    return InlineKeyboardMarkup([*rows, _cancel(t)])


def _paging(
    t: Translate, page: int, pages: int, data: Callable[[int], str]
) -> list[list[InlineKeyboardButton]]:
    row = []
    if page > 0:
        row.append(_b(t, "report.button.previous", data(page - 1)))
    if page + 1 < pages:
        row.append(_b(t, "report.button.more", data(page + 1)))
    return [row] if row else []


def found(t: Translate, items: Sequence[tuple[int, str]]) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(text, callback_data=OpenItem(i).pack())] for i, text in items]
    rows.append([_b(t, "report.button.overview", MenuPage(0).pack())])
    return InlineKeyboardMarkup([*rows, _cancel(t)])


def backlog(t: Translate, *, any_taken: bool) -> InlineKeyboardMarkup:
    first = [_b(t, "report.button.save_all", SaveBacklog().pack())] if any_taken else []
    return InlineKeyboardMarkup([[*first, *_cancel(t)]])


def after_saving(t: Translate, next_obligation: int | None) -> InlineKeyboardMarkup:
    row = [_b(t, "report.button.done", Done().pack())]
    if next_obligation is not None:
        row.insert(0, _b(t, "report.button.next", OpenItem(next_obligation).pack()))
    return InlineKeyboardMarkup([row])


def correction(t: Translate) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_b(t, "report.button.correct", Correct().pack()), *_cancel(t)]])


def answers(t: Translate, kind: Kind) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    if kind is Kind.BOOLEAN:
        rows.append(
            [
                _b(t, "report.yes", PressedValue(1).pack()),
                _b(t, "report.no", PressedValue(0).pack()),
            ]
        )
    elif kind is Kind.SCALE:
        rows.append(
            [
                InlineKeyboardButton(str(n), callback_data=PressedValue(n).pack())
                for n in range(1, 6)
            ]
        )
    rows.append([_b(t, "report.button.not_applicable", NotApplicable().pack())])
    return InlineKeyboardMarkup([*rows, _cancel(t)])


def readings(t: Translate, labels: Sequence[str]) -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(text, callback_data=Pick(i).pack())] for i, text in enumerate(labels)
    ]
    return InlineKeyboardMarkup([*rows, [_b(t, "report.button.retype", Change().pack())]])


def note(t: Translate, *, optional: bool) -> InlineKeyboardMarkup:
    first = (
        [_b(t, "report.button.no_note", NoNote().pack())]
        if optional
        else [_b(t, "report.button.change", Change().pack())]
    )
    return InlineKeyboardMarkup([first, _cancel(t)])


def confirm(t: Translate) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_b(t, "report.button.save", Save().pack())],
            [_b(t, "report.button.change", Change().pack()), *_cancel(t)],
        ]
    )
