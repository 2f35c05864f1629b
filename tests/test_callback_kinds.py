"""Typed callback data (bot.telegram.callback_data.CallbackData): every kind of button is
declared once, its pattern is the one the bot registers, and what its keyboards send fits
Telegram's 64 bytes and comes back as it went out. A button registered without a kind, or data
built by hand where a kind exists, fails here."""

from __future__ import annotations

import ast
import re
import string
from dataclasses import fields
from pathlib import Path

from bot.telegram.callback_data import MAX_DATA_BYTES, CallbackData
from handlers.activity import callbacks as activity_callbacks
from handlers.broadcast import callbacks as broadcast_callbacks
from handlers.concern import callbacks as concern_callbacks
from handlers.export import callbacks as export_callbacks
from handlers.joining import callbacks as joining_callbacks
from handlers.members import callbacks as members_callbacks
from handlers.missing import callbacks as missing_callbacks
from handlers.progress import callbacks as progress_callbacks
from handlers.pulse import callbacks as pulse_callbacks
from handlers.reminders import callbacks as reminders_callbacks
from handlers.report import callbacks as report_callbacks
from handlers.settings import callbacks as settings_callbacks
from handlers.signals import callbacks as signals_callbacks
from storage.types import INTEGER_MAX
from tests.conftest import RunningBot
from tests.test_forged_buttons import all_handlers, button_patterns

ROOT = Path(__file__).resolve().parents[1]
KINDS = [kind for kind in CallbackData.kinds if kind.__module__.startswith("handlers.")]
# The features' modules of kinds, imported so that KINDS holds them all.
MODULES = [
    activity_callbacks,
    broadcast_callbacks,
    concern_callbacks,
    export_callbacks,
    joining_callbacks,
    members_callbacks,
    missing_callbacks,
    progress_callbacks,
    pulse_callbacks,
    reminders_callbacks,
    report_callbacks,
    settings_callbacks,
    signals_callbacks,
]
# The longest value a field's regex takes that a keyboard may send, per regex.
LONGEST = {
    r"\d+": str(INTEGER_MAX),
    r"\d{4}-\d{2}-\d{2}": "2026-12-31",
    r"\w+": "in_progress",
    r"[\w-]+": "reply-2026-12-31-99",
}


def largest(kind: type[CallbackData]) -> CallbackData:
    """The kind with each field at its longest: ids at the database's limit, words long, choices
    at their longest alternative."""
    values = {}
    regexes = re.findall(r"\(([^()]*)\)", kind.pattern)
    for field, regex in zip(fields(kind), regexes, strict=True):  # type: ignore[arg-type]
        value = LONGEST.get(regex) or longest_match(regex)
        values[field.name] = int(value) if field.type in (int, "int") else value
    return kind(**values)


def longest_match(regex: str) -> str:
    """The longest of the regex's literal alternatives, digits and runs of "Z" or "9" it takes."""
    candidates = [*regex.split("|"), *string.digits, *(c * n for c in "Z9" for n in range(1, 13))]
    return max((c for c in candidates if re.fullmatch(regex, c)), key=len)


def test_every_kind_fits_and_comes_back() -> None:
    assert KINDS
    for kind in KINDS:
        button = largest(kind)
        data = button.pack()
        assert len(data.encode()) <= MAX_DATA_BYTES, data
        assert re.fullmatch(kind.pattern, data), (kind, data)
        assert kind.parse(data) == button


def test_a_value_its_pattern_refuses_is_not_packed() -> None:
    answer = concern_callbacks.ConcernAnswer("not a ticket", "tag")
    try:
        answer.pack()
    except ValueError:
        return
    raise AssertionError("packed a ticket the pattern refuses")


async def test_every_kind_is_registered_and_every_button_has_a_kind(bot: RunningBot) -> None:
    registered = {pattern.pattern for pattern in button_patterns(all_handlers(bot))}
    declared = {kind.pattern for kind in KINDS}
    assert declared <= registered, declared - registered
    loose = registered - declared
    assert not loose, f"buttons without a kind (bot.telegram.callback_data): {sorted(loose)}"


def built_data(tree: ast.AST) -> list[str]:
    """The literal beginnings of the callback data built in a module: `callback_data=` of an
    InlineKeyboardButton, `data=` of an outbox Button, and strings handed to helpers as data."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg in ("callback_data", "data"):
                    found.extend(_literal_start(keyword.value))
            found.extend(start for arg in node.args for start in _literal_start(arg))
    return found


def _literal_start(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return [first.value]
    return []


def test_converted_buttons_are_built_only_through_their_kind() -> None:
    prefixes = {re.match(r"\^?(\w+:)", kind.pattern)[1] for kind in KINDS}  # type: ignore[index]
    by_hand = [
        (path.relative_to(ROOT).as_posix(), start)
        for folder in ("bot", "handlers")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "fake_telegram" not in path.parts and path.name != "callbacks.py"
        for start in built_data(ast.parse(path.read_text()))
        if start.startswith(tuple(prefixes))
    ]
    assert not by_hand, by_hand
