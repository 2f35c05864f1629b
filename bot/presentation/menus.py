"""Command menus (setMyCommands) and the command list of /help, both from bot.commands."""

from __future__ import annotations

from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
)
from telegram.ext import ExtBot

from bot.commands import COMMANDS, available
from bot.i18n import LANGUAGES, Html, Translator
from storage.models import Role


def command_lines(translator: Translator, language: str, role: Role | None) -> Html:
    """The commands this role can use, one per line with what each does (for /help)."""
    return Html(
        "\n".join(
            f"/{entry.display_name(language)} – {translator.t(language, entry.description_key)}"
            for entry in available(role)
            if entry.name != "start"
        )
    )


def _menu(translator: Translator, language: str, *, groups: bool) -> list[BotCommand]:
    entries = [entry for entry in COMMANDS if entry.in_groups] if groups else available(None)
    return [
        BotCommand(entry.display_name(language), translator.t(language, entry.description_key))
        for entry in entries
    ]


def _member_menu(translator: Translator, language: str, role: Role) -> list[BotCommand]:
    return [
        BotCommand(entry.display_name(language), translator.t(language, entry.description_key))
        for entry in available(role)
        if entry.name != "start"
    ]


async def publish_member_menu(
    bot: ExtBot[Any], translator: Translator, chat_id: int, language: str, role: Role
) -> None:
    """The menu of one member's private chat: their role's commands in their language."""
    await bot.set_my_commands(
        _member_menu(translator, language, role), scope=BotCommandScopeChat(chat_id)
    )


async def publish_menus(bot: ExtBot[Any], translator: Translator) -> None:
    """Menus for people who have not joined and for groups, per language.

    The menu without a language code is what Telegram shows to apps in other languages: it
    uses the configured default language.
    """
    for groups, scope in (
        (False, BotCommandScopeDefault()),
        (True, BotCommandScopeAllGroupChats()),
    ):
        for language in LANGUAGES:
            menu = _menu(translator, language, groups=groups)
            await bot.set_my_commands(menu, scope=scope, language_code=language)
        fallback = _menu(translator, translator.default_language, groups=groups)
        await bot.set_my_commands(fallback, scope=scope)
