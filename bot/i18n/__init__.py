"""Translations from gettext catalogs (`bot/locales/<lang>/LC_MESSAGES/gwbot.po`).

Message ids are stable keys such as `help.member`; each catalog gives the text. The `.po`
files are compiled in memory with Babel at start-up, so there is no build step and no `.mo`
file to forget. Values passed into a text are HTML-escaped unless wrapped in `Html`; numbers
are written the reader's way (`1.596` in German, `1,596` in English).

A text with a count has plural forms (`msgid_plural`, `msgstr[0]`, `msgstr[1]`, chosen by the
catalog's `Plural-Forms` header): `t(key, count=n)` picks the form for `n` ("1 Person",
"2 Personen"), so text builders need nothing but `t`. A sentence with two counts takes the
second as a fragment with plural forms of its own.
"""

from __future__ import annotations

import gettext
import html
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.i18n.formatting import format_number

log = logging.getLogger(__name__)

LANGUAGES = ("de", "en")
DOMAIN = "gwbot"


class Html(str):
    """A text fragment that is already valid Telegram HTML and must not be escaped again."""

    __slots__ = ()


@dataclass(frozen=True)
class Catalog:
    language: str
    translations: gettext.GNUTranslations
    keys: frozenset[str]
    # The keys whose texts have plural forms (msgid_plural).
    plurals: frozenset[str]


def _load_catalog(language: str) -> Catalog:
    path = resources.files("bot") / "locales" / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as fh:
        po = read_po(fh, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, po)
    buffer.seek(0)
    keys = frozenset(
        message.id if isinstance(message.id, str) else message.id[0]
        for message in po
        if message.id and message.string
    )
    plurals = frozenset(message.id[0] for message in po if message.pluralizable)
    return Catalog(language, gettext.GNUTranslations(buffer), keys, plurals)


class Translator:
    def __init__(self, default_language: str, languages: Iterable[str] = LANGUAGES) -> None:
        self.default_language = default_language
        self.catalogs = {language: _load_catalog(language) for language in languages}

    def has(self, language: str, key: str) -> bool:
        return key in self.catalogs[language].keys

    def t(self, language: str, key: str, /, **values: Any) -> str:
        """The text for `key` in `language` with `values` filled in (HTML-escaped, numbers in
        the reader's format); for a text with plural forms, the form `values["count"]` asks for."""
        language = self._language_for(language, key)
        catalog = self.catalogs[language]
        if key in catalog.plurals:
            count = values.get("count")
            if not isinstance(count, int) or isinstance(count, bool):
                raise TypeError(f"{key} has plural forms: pass the number as count=")
            text = catalog.translations.ngettext(key, key, count)
        else:
            text = catalog.translations.gettext(key)
        return _fill(text, language, values) if values else text

    def _language_for(self, language: str, key: str) -> str:
        if language not in self.catalogs:
            language = self.default_language
        if not self.has(language, key):
            log.error("translation key %r missing in %s", key, language)
            language = self.default_language if self.has(self.default_language, key) else language
        return language


def _fill(text: str, language: str, values: dict[str, Any]) -> str:
    return text.format(**{name: _escape(value, language) for name, value in values.items()})


def _escape(value: Any, language: str) -> str:
    if isinstance(value, Html):
        return value
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return format_number(value, language)
    return html.escape(str(value), quote=False)


def resolve_language(stored: str | None, telegram_code: str | None, default_language: str) -> str:
    """The member's own choice, else Telegram's app language if we speak it, else the default
    (the initiative's, else the configured one)."""
    if stored in LANGUAGES:
        return stored
    if telegram_code:
        primary = telegram_code.split("-")[0].lower()
        if primary in LANGUAGES:
            return primary
    return default_language
