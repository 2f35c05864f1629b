"""Every answer reaches a member in their own language: refusals and domain errors too, which
the error handler renders in a context PTB builds afresh (bot.context `from_error`)."""

from __future__ import annotations

import ast
import string
from pathlib import Path

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.app import runtime_of
from bot.i18n import Translator
from bot.services.errors import DomainError
from bot.telegram.context import BotContext
from bot.telegram.errors import ALERT_LIMIT
from storage.models import Role
from tests.conftest import RunningBot
from tests.steps import member

ROOT = Path(__file__).resolve().parents[1]
ERROR_CLASSES = {"DomainError", "NotFound"}


def raised_keys() -> set[str]:
    """The key of every DomainError the code raises: `DomainError("key")`, a key kept in a
    module constant (`STALE = "error.stale_button"`), and the refusals of the role table."""
    keys: set[str] = set()
    for package in ("bot", "handlers"):
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            constants = {
                target.id: node.value.value
                for node in ast.walk(tree)
                if isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
                for target in node.targets
                if isinstance(target, ast.Name)
            }
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Call) and node.args):
                    continue
                name = node.func.id if isinstance(node.func, ast.Name) else None
                first = node.args[0]
                if name in ERROR_CLASSES | {"Roles"}:
                    if name == "Roles":
                        first = node.args[1] if len(node.args) > 1 else first
                    if isinstance(first, ast.Constant) and isinstance(first.value, str):
                        keys.add(first.value)
                    elif isinstance(first, ast.Name) and first.id in constants:
                        keys.add(constants[first.id])
    return keys


def sample_values(translator: Translator, key: str) -> dict[str, object]:
    """1,596 for every placeholder (the count of a text with plural forms too)."""
    catalog = translator.catalogs["en"]
    if key in catalog.plurals:
        text = catalog.translations.ngettext(key, key, 2)
    else:
        text = catalog.translations.gettext(key)
    return {name: 1596 for _, name, _, _ in string.Formatter().parse(text) if name}


async def raise_the_key(update: Update, context: BotContext) -> None:
    """A stand-in handler: refuses with the key it is given, as the services do."""
    if update.callback_query:
        key = (update.callback_query.data or "").removeprefix("boom:")
    else:
        key = (context.args or [""])[0]
    raise DomainError(key, **sample_values(context.runtime.translator, key))


def test_the_scan_finds_the_refusals_of_every_kind() -> None:
    keys = raised_keys()
    assert {"error.stale_button", "report.changed_meanwhile", "members.not_allowed"} <= keys
    assert {"broadcast.too_long", "error.not_a_member", "invite.limits"} <= keys


async def test_every_domain_error_reaches_an_english_member_in_english(bot: RunningBot) -> None:
    translator = runtime_of(bot.application).translator
    # Ahead of the features in group 0, after identity (group -1) has found the member.
    features = bot.application.handlers[0]
    features.insert(0, CommandHandler("boom", raise_the_key))
    features.insert(0, CallbackQueryHandler(raise_the_key, pattern=r"^boom:"))
    emma = await member(bot, "Emma English", Role.COORDINATOR, language="en")
    # Telegram says German: the stored choice must win in the error handler too.
    emma.language_code = "de"
    await emma.send("/help")
    menu = await emma.next_message()
    for key in sorted(raised_keys()):
        values = sample_values(translator, key)
        english, german = translator.t("en", key, **values), translator.t("de", key, **values)
        assert english != german, key
        await emma.send(f"/boom {key}")
        assert (await emma.next_message()).html == english, key
        if len(english) <= ALERT_LIMIT:
            answer = await emma.callback_answer(await emma.press_data(menu, f"boom:{key}"))
            assert (answer["text"], answer["show_alert"]) == (english, True), key


async def test_a_forged_button_is_refused_in_english(bot: RunningBot) -> None:
    emma = await member(bot, "Emma English", language="en")
    await emma.send("/help")
    query = await emma.press_data(await emma.next_message(), "admin:delete_everything")
    assert (await emma.callback_answer(query))["text"] == (
        "This button is out of date. Please start again, for example with /help."
    )
