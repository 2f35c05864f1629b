"""Every text exists in German and English, and every key the code uses exists."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.commands import COMMANDS
from bot.i18n import LANGUAGES, Html, Translator, resolve_language
from storage.models import Role

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def translator() -> Translator:
    return Translator("de")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_have_the_same_keys(translator: Translator) -> None:
    german, english = (translator.catalogs[lang].keys for lang in LANGUAGES)
    assert german - english == set(), "missing in English"
    assert english - german == set(), "missing in German"


def test_placeholders_match_across_languages(translator: Translator) -> None:
    for key in translator.catalogs["de"].keys:
        de, en = (translator.t(lang, key) for lang in LANGUAGES)
        assert placeholders(de) == placeholders(en), key


KEY_SHAPE = re.compile(r"[a-z]+(\.[a-z0-9_]*[a-z0-9])+")


def keys_used_in_code() -> set[str]:
    """String literals passed as the key of `.t(...)` in bot/ and handlers/: the first
    argument of `context.t(key)`, the second of `translator.t(language, key)`."""
    keys = set()
    for package in ("bot", "handlers"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "t"
                    and node.args
                ):
                    continue
                first = node.args[0]
                key = (
                    node.args[1]
                    if not isinstance(first, ast.Constant) and len(node.args) > 1
                    else first
                )
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    keys.add(key.value)
    return keys


def keys_in_tables(catalog_keys: frozenset[str]) -> set[str]:
    """Keys written as plain strings, e.g. in a table that picks one by kind: any string
    constant shaped like a key whose first part some catalog key starts with."""
    prefixes = {key.split(".")[0] for key in catalog_keys}
    keys = set()
    for package in ("bot", "handlers"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and KEY_SHAPE.fullmatch(node.value)
                    and node.value.split(".")[0] in prefixes
                ):
                    keys.add(node.value)
    return keys


def test_every_key_the_code_uses_exists(translator: Translator) -> None:
    used = keys_used_in_code() | keys_in_tables(translator.catalogs["de"].keys)
    used |= {entry.description_key for entry in COMMANDS}
    used |= {f"role.{role}" for role in Role}
    assert len(used) > 10, "the scan found too few keys to be trusted"
    for language in LANGUAGES:
        assert used - translator.catalogs[language].keys == set(), language


def test_german_uses_sie_not_du(translator: Translator) -> None:
    for key in translator.catalogs["de"].keys:
        words = set(translator.t("de", key).replace(",", " ").replace(".", " ").split())
        assert not words & {"du", "Du", "dein", "Dein", "dich", "dir"}, key


def test_values_are_escaped_unless_marked_html(translator: Translator) -> None:
    text = translator.t("de", "start.member", name="<Anna & Co>", commands=Html("<b>x</b>"))
    assert "&lt;Anna &amp; Co&gt;" in text
    assert "<b>x</b>" in text


def test_unknown_language_falls_back_to_the_default(translator: Translator) -> None:
    assert translator.t("fr", "cancel.nothing") == translator.t("de", "cancel.nothing")


@pytest.mark.parametrize(
    ("stored", "telegram", "expected"),
    [
        ("en", "de", "en"),
        (None, "en-GB", "en"),
        (None, "de-AT", "de"),
        (None, "fr", "de"),
        (None, None, "de"),
    ],
)
def test_language_is_the_choice_then_telegram_then_default(
    stored: str | None, telegram: str | None, expected: str
) -> None:
    assert resolve_language(stored, telegram, "de") == expected


@given(st.one_of(st.none(), st.text(max_size=12)), st.sampled_from(LANGUAGES))
def test_resolved_language_is_always_one_we_speak(telegram: str | None, default: str) -> None:
    assert resolve_language(None, telegram, default) in LANGUAGES
