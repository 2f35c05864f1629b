"""Translations from gettext catalogs (`bot/locales/<lang>/LC_MESSAGES/gwbot.po`).

Message ids are stable keys such as `help.member`; each catalog gives the text. The `.po`
files are compiled in memory with Babel at start-up, so there is no build step and no `.mo`
file to forget. Values passed into a text are HTML-escaped unless wrapped in `Html`.
"""

from __future__ import annotations

import gettext
import html
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

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
    return Catalog(language, gettext.GNUTranslations(buffer), keys)


class Translator:
    def __init__(self, default_language: str, languages: Iterable[str] = LANGUAGES) -> None:
        self.default_language = default_language
        self.catalogs = {language: _load_catalog(language) for language in languages}

    def has(self, language: str, key: str) -> bool:
        return key in self.catalogs[language].keys

    def t(self, language: str, key: str, /, **values: Any) -> str:
        """The text for `key` in `language` with `values` filled in (HTML-escaped)."""
        if language not in self.catalogs:
            language = self.default_language
        if not self.has(language, key):
            log.error("translation key %r missing in %s", key, language)
            language = self.default_language if self.has(self.default_language, key) else language
        text = self.catalogs[language].translations.gettext(key)
        if not values:
            return text
        return text.format(**{name: _escape(value) for name, value in values.items()})


def _escape(value: Any) -> str:
    return value if isinstance(value, Html) else html.escape(str(value), quote=False)


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
