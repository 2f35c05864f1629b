"""Keyboard builders: every finite choice is a button."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Html
from bot.i18n.formatting import shorten
from bot.presentation.message_fit import fit_keyboard
from bot.services.roster import Gap, OrganisationChoice, RosterEntry


def private_chat_link(label: str, bot_username: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, url=f"https://t.me/{bot_username}")]])


Translate = Callable[..., str]


def _rows(buttons: Sequence[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


def _back(t: Translate) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(t("settings.button.back"), callback_data="set:menu")]


def settings_menu(t: Translate, digest: bool = True) -> InlineKeyboardMarkup:
    steps = ("lang", "hour", "quiet", "pause")
    buttons = [
        InlineKeyboardButton(t(f"settings.button.{s}"), callback_data=f"set:{s}") for s in steps
    ]
    # One button switches the weekly digest: it says what pressing it does.
    toggle = t("settings.button.digest_off" if digest else "settings.button.digest_on")
    return InlineKeyboardMarkup(
        [
            *_rows(buttons, 2),
            [InlineKeyboardButton(toggle, callback_data="set:digest")],
            [InlineKeyboardButton(t("settings.button.done"), callback_data="set:done")],
        ]
    )


def language_choice(t: Translate) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t("language.de"), callback_data="set:lang:de"),
                InlineKeyboardButton(t("language.en"), callback_data="set:lang:en"),
            ],
            _back(t),
        ]
    )


def hour_choice(
    t: Translate, action: str, hours: Iterable[int], extra: Sequence[InlineKeyboardButton] = ()
) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(t("settings.hour", hour=h), callback_data=f"set:{action}:{h}")
        for h in hours
    ]
    return InlineKeyboardMarkup([*_rows(buttons, 4), *([list(extra)] if extra else []), _back(t)])


def quiet_start_choice(t: Translate, hours: Iterable[int]) -> InlineKeyboardMarkup:
    off = InlineKeyboardButton(t("settings.quiet.off"), callback_data="set:quiet_off")
    return hour_choice(t, "quiet_from", hours, [off])


def pause_choice(t: Translate, days: Iterable[int], paused: bool) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(t(f"settings.pause.days_{d}"), callback_data=f"set:pause:{d}")
        for d in days
    ]
    rows = [buttons]
    if paused:
        end = InlineKeyboardButton(t("settings.pause.end"), callback_data="set:pause:end")
        rows.append([end])
    return InlineKeyboardMarkup([*rows, _back(t)])


def consent(t: Translate) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t("join.button.agree"), callback_data="join:consent"),
                InlineKeyboardButton(t("join.button.decline"), callback_data="join:decline"),
            ]
        ]
    )


def join_language() -> InlineKeyboardMarkup:
    # Each language named in itself: the person has not chosen one yet.
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Deutsch", callback_data="join:lang:de"),
                InlineKeyboardButton("English", callback_data="join:lang:en"),
            ]
        ]
    )


def take_name(t: Translate, name: str) -> InlineKeyboardMarkup:
    # Html: button labels are plain text, so the name must not be HTML-escaped.
    label = t("join.button.take_name", name=Html(name))
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data="join:name")]])


def organisations(choices: Sequence[OrganisationChoice]) -> tuple[InlineKeyboardMarkup, int]:
    """A button per organisation, as many as Telegram takes; and how many did not fit."""
    rows, left_out = fit_keyboard(
        [InlineKeyboardButton(c.name, callback_data=f"inv:org:{c.id}") for c in choices]
    )
    return InlineKeyboardMarkup(rows), left_out


def roles(t: Translate, choices: Iterable[str], prefix: str) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(t(f"role.{r}"), callback_data=f"{prefix}:{r}") for r in choices]
    return InlineKeyboardMarkup(_rows(buttons, 2))


def invite_uses(t: Translate, choices: Iterable[int]) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(t("invite.uses", count=n), callback_data=f"inv:uses:{n}")
        for n in choices
    ]
    return InlineKeyboardMarkup([buttons])


def roster(entries: Sequence[RosterEntry]) -> tuple[InlineKeyboardMarkup, int]:
    """A button per member, as many as Telegram takes; and how many did not fit."""
    rows, left_out = fit_keyboard(
        [
            InlineKeyboardButton(f"{e.name} ({e.organisation_code})", callback_data=f"mem:{e.id}")
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
                callback_data=f"inv:new:{gap.organisation_id}",
            )
            for gap in gaps
        ]
    )
    return InlineKeyboardMarkup(rows)


def member_actions(t: Translate, entry: RosterEntry, *, admin: bool) -> InlineKeyboardMarkup:
    key = "members.button.contact_off" if entry.reporting_contact else "members.button.contact_on"
    rows = [[InlineKeyboardButton(t(key), callback_data=f"mem:{entry.id}:contact")]]
    if admin:
        rows.append(
            [
                InlineKeyboardButton(
                    t("members.button.role"), callback_data=f"mem:{entry.id}:role"
                ),
                InlineKeyboardButton(t("members.button.off"), callback_data=f"mem:{entry.id}:off"),
            ]
        )
    return InlineKeyboardMarkup(rows)


def confirm_deactivate(t: Translate, member_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t("members.button.off_confirm"), callback_data=f"mem:{member_id}:off:yes"
                ),
                InlineKeyboardButton(t("members.button.back"), callback_data=f"mem:{member_id}"),
            ]
        ]
    )
