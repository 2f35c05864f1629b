"""Keyboards of /mitglieder and /einladen."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Html
from bot.i18n.formatting import shorten
from bot.presentation.keyboards import Translate, rows_of
from bot.presentation.message_fit import fit_keyboard
from bot.services.roster import Gap, OrganisationChoice, RosterEntry
from handlers.members.callbacks import (
    AskDeactivate,
    AskRole,
    Deactivate,
    InviteFor,
    InviteOrganisation,
    InviteUses,
    Member,
    ToggleContact,
)


def organisations(choices: Sequence[OrganisationChoice]) -> tuple[InlineKeyboardMarkup, int]:
    """A button per organisation, as many as Telegram takes; and how many did not fit."""
    rows, left_out = fit_keyboard(
        [
            InlineKeyboardButton(c.name, callback_data=InviteOrganisation(c.id).pack())
            for c in choices
        ]
    )
    return InlineKeyboardMarkup(rows), left_out


def roles(t: Translate, choices: Iterable[str], data: Callable[[str], str]) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(t(f"role.{r}"), callback_data=data(r)) for r in choices]
    return InlineKeyboardMarkup(rows_of(buttons, 2))


def invite_uses(t: Translate, choices: Iterable[int]) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(t("invite.uses", count=n), callback_data=InviteUses(n).pack())
        for n in choices
    ]
    return InlineKeyboardMarkup([buttons])


# Characters of an organisation's name on a member's button: two buttons share a row.
ORGANISATION_LABEL = 32


def roster(entries: Sequence[RosterEntry]) -> tuple[InlineKeyboardMarkup, int]:
    """A button per member, as many as Telegram takes; and how many did not fit."""
    rows, left_out = fit_keyboard(
        [
            InlineKeyboardButton(
                # The organisation by its name, as people know it (its code is for files).
                f"{e.name} ({shorten(e.organisation_name, ORGANISATION_LABEL)})",
                callback_data=Member(e.id).pack(),
            )
            for e in entries
        ],
        width=2,
    )
    return InlineKeyboardMarkup(rows), left_out


def invite_for(t: Translate, gaps: Sequence[Gap]) -> InlineKeyboardMarkup:
    """One button per organisation not on board: /invite with it chosen (as many as Telegram
    takes; the rest are reached through /invite)."""
    rows, _ = fit_keyboard(
        [
            InlineKeyboardButton(
                shorten(t("members.button.invite", organisation=Html(gap.name)), 64),
                callback_data=InviteFor(gap.organisation_id).pack(),
            )
            for gap in gaps
        ]
    )
    return InlineKeyboardMarkup(rows)


def member_actions(t: Translate, entry: RosterEntry, *, admin: bool) -> InlineKeyboardMarkup:
    key = "members.button.contact_off" if entry.reporting_contact else "members.button.contact_on"
    rows = [[InlineKeyboardButton(t(key), callback_data=ToggleContact(entry.id).pack())]]
    if admin:
        rows.append(
            [
                InlineKeyboardButton(
                    t("members.button.role"), callback_data=AskRole(entry.id).pack()
                ),
                InlineKeyboardButton(
                    t("members.button.off"), callback_data=AskDeactivate(entry.id).pack()
                ),
            ]
        )
    return InlineKeyboardMarkup(rows)


def confirm_deactivate(t: Translate, member_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t("members.button.off_confirm"), callback_data=Deactivate(member_id).pack()
                ),
                InlineKeyboardButton(
                    t("members.button.back"), callback_data=Member(member_id).pack()
                ),
            ]
        ]
    )
