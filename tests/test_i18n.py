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


def forms(translator: Translator, language: str, key: str) -> list[str]:
    """The raw text of `key`, or its singular and plural forms."""
    catalog = translator.catalogs[language]
    if key in catalog.plurals:
        return [catalog.translations.ngettext(key, key, n) for n in (1, 2)]
    return [catalog.translations.gettext(key)]


def test_both_languages_have_the_same_keys(translator: Translator) -> None:
    german, english = (translator.catalogs[lang].keys for lang in LANGUAGES)
    assert german - english == set(), "missing in English"
    assert english - german == set(), "missing in German"
    assert translator.catalogs["de"].plurals == translator.catalogs["en"].plurals


def test_placeholders_match_across_languages(translator: Translator) -> None:
    for key in translator.catalogs["de"].keys:
        de, en = (
            set().union(*map(placeholders, forms(translator, lang, key))) for lang in LANGUAGES
        )
        assert de == en, key


# A placeholder, maybe adjectives ("offene", "weitere"), then a German noun (capitalised): a
# count of something, whose noun needs the form for that count ("1 Person", "2 Personen").
COUNTED_NOUN = re.compile(r"\{(\w+)\}(?:</b>)?(?: [a-zäöüß]+(?:e|en|er|es))* [A-ZÄÖÜ]")
# Placeholders followed by a capitalised word that are no count ("{hour} Uhr", "{period}
# höchster Wert"), and figures that are never 1: limits and lengths of texts (a text over a
# limit), the most an invitation allows, the anonymity threshold (at least MIN_K), a reach
# (below 5 it reads "< 5").
NOT_COUNTS = {"hour", "end", "time", "batch", "command", "period", "mark", "megabytes"}
NOT_COUNTS |= {"organisation"}  # "<b>{organisation}</b> möchten Sie"
NEVER_ONE = {"limit", "length", "max", "detail", "max_uses", "max_days", "k", "reach"}
# "Person(en)", "Woche(n)", "report(s)": a form left to the reader.
BRACKETED_PLURAL = re.compile(r"\w\((?:en|n|e|s)\)")


def test_every_count_has_its_plural_forms(translator: Translator) -> None:
    catalog = translator.catalogs["de"]
    missing = set()
    for key in catalog.keys:
        for language in LANGUAGES:
            assert not any(
                BRACKETED_PLURAL.search(text) for text in forms(translator, language, key)
            ), key
        if key in catalog.plurals:
            continue
        text = catalog.translations.gettext(key)
        counted = {match[1] for match in COUNTED_NOUN.finditer(text)} - NOT_COUNTS - NEVER_ONE
        if counted:
            missing.add(key)
    assert missing == set(), "counts without plural forms"


@pytest.mark.parametrize(
    ("count", "german", "english"),
    [
        (0, "✅ 0 offene Meldungen", "✅ 0 open reports"),
        (1, "✅ 1 offene Meldung", "✅ 1 open report"),
        (2, "✅ 2 offene Meldungen", "✅ 2 open reports"),
        (1596, "✅ 1.596 offene Meldungen", "✅ 1,596 open reports"),
    ],
)
def test_a_count_takes_its_form_and_the_readers_digits(
    translator: Translator, count: int, german: str, english: str
) -> None:
    assert translator.t("de", "waive.done", count=count, day="1.12.").startswith(german)
    assert translator.t("en", "waive.done", count=count, day="1 Dec").startswith(english)


def test_numbers_in_texts_are_written_the_readers_way(translator: Translator) -> None:
    assert "1.596 Zeichen" in translator.t("de", "broadcast.too_long", length=1596, limit=100000)
    assert "100.000" in translator.t("de", "broadcast.too_long", length=1596, limit=100000)
    assert "1,596 characters" in translator.t("en", "broadcast.too_long", length=1596, limit=1)


def test_a_text_with_plural_forms_needs_its_count(translator: Translator) -> None:
    with pytest.raises(TypeError):
        translator.t("de", "waive.done", count="2", day="1.12.")


# Texts the same in both languages on purpose: names, a bilingual question, words German
# borrows. Texts of only placeholders, markup, emoji and punctuation need no entry here.
SAME_IN_BOTH = {
    "language.de",
    "language.en",
    "join.asks_language",
    "export.button.xlsx",
    "progress.level.impact",
    "progress.level.outcome",
    "progress.level.output",
    "settings.button.pause",
    "signals.button.details",
}
NO_WORDS = re.compile(r"\{\w+\}|<[^>]+>")


def test_german_texts_are_translated(translator: Translator) -> None:
    same = set()
    for key in translator.catalogs["de"].keys:
        german, english = (forms(translator, lang, key) for lang in LANGUAGES)
        if german == english and any(
            any(c.isalpha() for c in NO_WORDS.sub("", text)) for text in german
        ):
            same.add(key)
    assert same == SAME_IN_BOTH


KEY_SHAPE = re.compile(r"[a-z]+(\.[a-z0-9_]*[a-z0-9])+")
# File names look like keys ("initiative.toml").
FILE_NAMES = (".toml", ".csv", ".xlsx", ".json", ".db")


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
                    and not node.value.endswith(FILE_NAMES)
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
        for text in forms(translator, "de", key):
            words = set(text.replace(",", " ").replace(".", " ").split())
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


@pytest.mark.parametrize(
    ("key", "values", "german", "english"),
    [
        ("missing.nudged.people", {"count": 0}, "0 Personen", "0 people"),
        ("missing.nudged.people", {"count": 1}, "1 Person", "1 person"),
        ("missing.nudged.organisations", {"count": 2}, "2 Organisationen", "2 organisations"),
        ("invite.people", {"count": 1596}, "1.596 Personen", "1,596 people"),
        ("reminders.every", {"count": 1}, "jede Woche", "every week"),
        ("reminders.every", {"count": 2}, "alle 2 Wochen", "every 2 weeks"),
        ("signals.count.days_dative", {"count": 1}, "1 Tag", "1 day"),
        ("signals.count.days_dative", {"count": 1596}, "1.596 Tagen", "1,596 days"),
        ("export.done", {"count": 1}, "📎 Hier ist die Datei mit 1 Wert.", None),
        ("export.done", {"count": 0}, "📎 Hier ist die Datei mit 0 Werten.", None),
    ],
)
def test_counts_read_right_in_both_languages(
    translator: Translator, key: str, values: dict[str, int], german: str, english: str | None
) -> None:
    assert translator.t("de", key, **values) == german
    if english is not None:
        assert translator.t("en", key, **values) == english


def test_sentences_with_two_counts_take_each_form(translator: Translator) -> None:
    def nudged(language: str, people: int, organisations: int) -> str:
        return translator.t(
            language,
            "missing.nudged",
            people=translator.t(language, "missing.nudged.people", count=people),
            organisations=translator.t(
                language, "missing.nudged.organisations", count=organisations
            ),
        )

    assert nudged("de", 1, 1).startswith("⏰ 1 Person aus 1 Organisation erinnert.")
    assert nudged("de", 1596, 2).startswith("⏰ 1.596 Personen aus 2 Organisationen erinnert.")
    assert nudged("en", 1, 1).startswith("⏰ Reminded 1 person from 1 organisation.")
    assert nudged("en", 2, 1596).startswith("⏰ Reminded 2 people from 1,596 organisations.")


def test_invitations_and_years_read_naturally(translator: Translator) -> None:
    created = translator.t(
        "de",
        "invite.created",
        organisation="AWO",
        role="Partner*in",
        uses=translator.t("de", "invite.people", count=1),
        until="1.12.2026",
        link="https://t.me/x",
    )
    assert "für bis zu 1 Person, gültig bis 1.12.2026" in created
    # A year is passed as text: a name, not an amount.
    assert translator.t("de", "report.period.week_year", week=48, year="2026") == "KW 48/2026"
