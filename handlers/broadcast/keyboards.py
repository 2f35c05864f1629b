"""Keyboards of the broadcast flow, of /news and of delivery reports."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n.formatting import format_date
from bot.presentation.keyboards import Translate
from bot.presentation.message_fit import fit_keyboard
from bot.services.broadcast.broadcasts import NewsItem
from bot.services.roster import OrganisationChoice
from handlers.broadcast.callbacks import (
    AskAcknowledgement,
    AudienceEveryone,
    AudienceOrganisations,
    AudienceOwing,
    AudienceRole,
    BroadcastCancel,
    BroadcastEdit,
    BroadcastSend,
    ChosenRole,
    OlderNews,
    OrganisationsDone,
    OwingPeriod,
    ToggleOrganisation,
)
from handlers.broadcast.texts import ack_data, status_data, unconfirmed_data
from storage.models import Role


def _button(t: Translate, key: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(t(key), callback_data=data)


def _cancel(t: Translate) -> list[InlineKeyboardButton]:
    return [_button(t, "broadcast.button.cancel", BroadcastCancel().pack())]


def audience(t: Translate) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_button(t, "broadcast.button.all", AudienceEveryone().pack())],
            [
                _button(t, "broadcast.button.role", AudienceRole().pack()),
                _button(t, "broadcast.button.organisations", AudienceOrganisations().pack()),
            ],
            [_button(t, "broadcast.button.owing", AudienceOwing().pack())],
            _cancel(t),
        ]
    )


def roles(t: Translate) -> InlineKeyboardMarkup:
    buttons = [_button(t, f"role.{r.value}", ChosenRole(r.value).pack()) for r in Role]
    return InlineKeyboardMarkup([buttons[:2], buttons[2:], _cancel(t)])


def organisations(
    t: Translate, choices: Sequence[OrganisationChoice], selected: Collection[int]
) -> tuple[InlineKeyboardMarkup, int]:
    """A button per organisation, as many as fit beside "done" and "cancel"; and how many did
    not fit."""
    rows, left_out = fit_keyboard(
        [
            InlineKeyboardButton(
                f"✅ {c.name}" if c.id in selected else c.name,
                callback_data=ToggleOrganisation(c.id).pack(),
            )
            for c in choices
        ],
        reserved=2,
    )
    done = [_button(t, "broadcast.button.done", OrganisationsDone().pack())]
    return InlineKeyboardMarkup([*rows, done, _cancel(t)]), left_out


def periods(t: Translate, labels: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(text, callback_data=OwingPeriod(code).pack()) for code, text in labels
    ]
    return InlineKeyboardMarkup(
        [*(buttons[i : i + 2] for i in range(0, len(buttons), 2)), _cancel(t)]
    )


def ack_question(t: Translate) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _button(t, "broadcast.button.ack_yes", AskAcknowledgement("yes").pack()),
                _button(t, "broadcast.button.ack_no", AskAcknowledgement("no").pack()),
            ],
            _cancel(t),
        ]
    )


def confirm(t: Translate) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_button(t, "broadcast.button.send", BroadcastSend().pack())],
            [_button(t, "broadcast.button.edit", BroadcastEdit().pack()), *_cancel(t)],
        ]
    )


def unconfirmed(t: Translate, broadcast_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[_button(t, "broadcast.button.unconfirmed", unconfirmed_data(broadcast_id))]]
    )


def news(
    t: Translate,
    language: str,
    items: Sequence[NewsItem],
    *,
    coordinator: bool,
    older_offset: int | None,
) -> InlineKeyboardMarkup | None:
    rows = []
    for item in items:
        day = format_date(item.created_on, language)
        if item.acknowledged is False:
            label = t("news.button.ack", date=day)
            rows.append([InlineKeyboardButton(label, callback_data=ack_data(item.id))])
        if coordinator:
            label = t("news.button.status", date=day)
            rows.append([InlineKeyboardButton(label, callback_data=status_data(item.id))])
    if older_offset is not None:
        rows.append([_button(t, "news.button.older", OlderNews(older_offset).pack())])
    return InlineKeyboardMarkup(rows) if rows else None


def without(markup: InlineKeyboardMarkup | None, data: str) -> InlineKeyboardMarkup | None:
    """The same keyboard without the button that sends `data` (e.g. once it was pressed)."""
    if markup is None:
        return None
    rows = [[b for b in row if b.callback_data != data] for row in markup.inline_keyboard]
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(rows) if rows else None
