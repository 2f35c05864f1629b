"""Cryptographic core of anonymous concerns and pulse surveys (DESIGN section 6).

Pure functions and small key objects: no database, no Telegram. One secret from `[privacy] key`
feeds independent HKDF subkeys, so a leak or misuse of one purpose tells nothing about another.
The daily cap key is deliberately not derived from it: it lives in memory for one day only, so
once the day is over nobody - not even someone holding the config key - can recompute the tags.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
# Crockford base32: no I, L, O, U, so what people read aloud or retype survives.
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_CHARS = 16  # 16 x 5 bits = 80 bits
RECEIPT_RE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){3}")
_CONFUSABLES = str.maketrans({"O": "0", "I": "1", "L": "1"})
# Chunks of letters/digits joined by spaces or any dash a phone keyboard may substitute.
_RUN = re.compile(r"[0-9A-Za-z]+(?:[\s\-\u2010-\u2015\u2212]+[0-9A-Za-z]+)*")
_SEPARATOR = re.compile(r"[\s\-\u2010-\u2015\u2212]+")
_MAX_TYPED = 300  # longer messages are not a receipt; also bounds the chunk search below

_URLSAFE_B64 = re.compile(r"[A-Za-z0-9_-]*={0,2}")

_NONCE_BYTES = 12
_CONTACT_AAD = b"gwbot/contact/v1"
_CONTACT_BYTES = _NONCE_BYTES + 8 + 2 + 16


class SealError(ValueError):
    """A chat token that was tampered with, truncated, or sealed with another key."""


def generate_key() -> str:
    """A new `[privacy] key`: 32 random bytes as URL-safe base64 (44 characters)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def random_id() -> str:
    """A random row id: 128 bits as URL-safe base64 without padding, always 22 characters.

    Random rather than sequential so ids reveal neither order nor count of anonymous rows.
    """
    return secrets.token_urlsafe(16)


def new_receipt() -> str:
    """A receipt code of 80 random bits, grouped for copying: `K7QM-2XRD-9TPA-HV4E`."""
    raw = "".join(secrets.choice(CROCKFORD) for _ in range(RECEIPT_CHARS))
    return "-".join(raw[i : i + 4] for i in range(0, RECEIPT_CHARS, 4))


def normalise_receipt(typed: str) -> str | None:
    """The canonical receipt in `typed`, or None if there is none or it is ambiguous.

    Accepts lower case, spaces or missing dashes, Crockford's confusables (O->0, I/L->1) and
    surrounding words or punctuation ("my code is k7qm 2xrd 9tpa hv4e."). The code must be
    whole chunks of one run of letters and digits. Almost any word is valid base32, so words
    next to the code give extra readings; one that keeps the typed 4-character groups wins,
    and if several readings remain we refuse rather than guess (the caller asks again).
    """
    if len(typed) > _MAX_TYPED:
        return None
    readings: dict[str, bool] = {}  # canonical code -> some reading keeps the 4-groups
    for run in _RUN.finditer(typed):
        chunks = _SEPARATOR.split(run.group())
        for start in range(len(chunks)):
            joined, aligned = "", True
            for chunk in chunks[start:]:
                joined += chunk
                aligned = aligned and len(joined) % 4 == 0
                if len(joined) >= RECEIPT_CHARS:
                    break
            raw = joined.upper().translate(_CONFUSABLES)
            if len(raw) == RECEIPT_CHARS and all(char in CROCKFORD for char in raw):
                code = "-".join(raw[i : i + 4] for i in range(0, RECEIPT_CHARS, 4))
                readings[code] = readings.get(code, False) or aligned
    best = [code for code, aligned in readings.items() if aligned] or list(readings)
    return best[0] if len(best) == 1 else None


class PrivacyKey:
    """The `[privacy] key` and its purpose-bound subkeys; never shows the secret."""

    __slots__ = ("_chat", "_participation", "_receipt", "_reply")

    def __init__(self, secret: bytes) -> None:
        if len(secret) != KEY_BYTES:
            raise ValueError(f"privacy key must be {KEY_BYTES} bytes, got {len(secret)}")
        self._receipt = _derive(secret, b"gwbot/privacy/receipt/v1")
        self._chat = AESGCM(_derive(secret, b"gwbot/privacy/chat/v1"))
        self._participation = _derive(secret, b"gwbot/privacy/participation/v1")
        self._reply = _derive(secret, b"gwbot/privacy/reply/v1")

    @classmethod
    def from_text(cls, text: str) -> PrivacyKey:
        """Parse the config value (as printed by `generate_key`; padding may be left off)."""
        cleaned = text.strip()
        if not cleaned:
            raise ValueError("privacy key is empty")
        secret = _urlsafe_b64decode(cleaned)
        if secret is None:
            raise ValueError("privacy key is not URL-safe base64")
        return cls(secret)

    def __repr__(self) -> str:
        return "PrivacyKey(***)"

    __str__ = __repr__

    def receipt_hash(self, code: str) -> str:
        """Keyed hash (HMAC-SHA256, 64 hex chars) of a receipt; the only thing stored.

        `code` may be in any form `normalise_receipt` accepts; ValueError if it is no receipt.
        Keyed, because 80 bits are fine against guessing online but a plain hash of a
        database copy could be attacked offline without the key.
        """
        canonical = normalise_receipt(code)
        if canonical is None:
            raise ValueError("not a receipt code")
        return hmac.new(self._receipt, canonical.encode("ascii"), hashlib.sha256).hexdigest()

    def seal_contact(self, chat_id: int, language: str) -> str:
        """A chat and the language to write in, sealed together (`open_contact` reverses it);
        a fresh nonce each call, so two seals of the same chat share nothing. AES-GCM rather
        than Fernet: Fernet tokens carry their creation time in clear, which would date the
        concern to the second.

        The language travels inside the seal: stored in clear, a lone English speaker's
        concerns would share a value nobody else's have."""
        code = language.encode("ascii")
        if len(code) != 2:
            raise ValueError("language must be a two-letter code")
        try:
            plain = chat_id.to_bytes(8, "big", signed=True) + code
        except OverflowError:
            raise ValueError("chat id does not fit in 64 bits") from None
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = nonce + self._chat.encrypt(nonce, plain, _CONTACT_AAD)
        return base64.urlsafe_b64encode(sealed).decode("ascii").rstrip("=")

    def open_contact(self, token: str) -> tuple[int, str]:
        """(chat id, language) from `seal_contact`; SealError if it is not one of ours."""
        sealed = _urlsafe_b64decode(token)
        if sealed is None or len(sealed) != _CONTACT_BYTES:
            raise SealError("contact token is malformed")
        nonce, body = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
        try:
            plain = self._chat.decrypt(nonce, body, _CONTACT_AAD)
        except InvalidTag:
            raise SealError("contact token was altered or sealed with another key") from None
        return int.from_bytes(plain[:8], "big", signed=True), plain[8:].decode("ascii")

    def reply_tag(self, ticket: str, chat_id: int) -> str:
        """A short tag that lets exactly this chat answer on this ticket: it goes into the
        reporter's "answer" button, so pressing it proves the chat without storing it."""
        message = f"{ticket}:{chat_id}".encode()
        digest = hmac.new(self._reply, message, hashlib.sha256).digest()[:12]
        return base64.urlsafe_b64encode(digest).decode("ascii")

    def participation(self, survey_id: str, member_id: int) -> str:
        """Keyed hash (64 hex chars) of one member's part in one survey: stable, so a second
        answer is found, yet unrelated across surveys and not reversible without the key."""
        # Length prefix: no two (survey, member) pairs can encode to the same bytes.
        message = f"{len(survey_id)}:{survey_id}:{member_id}".encode()
        return hmac.new(self._participation, message, hashlib.sha256).hexdigest()


class DailyKey:
    """An in-memory key that is replaced when the local day changes, for the daily abuse cap.

    The key is random, never stored and not derived from the config key, so yesterday's tags
    cannot be recomputed by anyone. A restart forgets today's key too: counts kept under the
    old tags no longer match, i.e. a restart resets the cap for the rest of that day.
    """

    __slots__ = ("_clock", "_day", "_key", "_zone")

    def __init__(self, clock: Callable[[], datetime], zone: ZoneInfo) -> None:
        self._clock = clock
        self._zone = zone
        self._day: date | None = None
        self._key = b""

    def __repr__(self) -> str:
        return f"DailyKey(day={self._day}, ***)"

    def today(self) -> date:
        """The local day the tags currently belong to (rotating the key if it has changed)."""
        now = self._clock()
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("an aware datetime is needed; naive times are ambiguous")
        day = now.astimezone(self._zone).date()
        if day != self._day:
            # Dropping the reference is all Python allows; the old key is unreachable after this.
            self._key = secrets.token_bytes(KEY_BYTES)
            self._day = day
        return day

    def tag(self, member_ref: str) -> str:
        """HMAC-SHA256 (64 hex chars) of `member_ref` under today's key."""
        self.today()
        return hmac.new(self._key, member_ref.encode(), hashlib.sha256).hexdigest()


def _urlsafe_b64decode(text: str) -> bytes | None:
    # Strict: the standard library maps '+' and '/' onto the URL-safe alphabet and skips
    # stray characters, so check the alphabet ourselves. Padding may be left off.
    if not _URLSAFE_B64.fullmatch(text):
        return None
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):  # e.g. a length no encoder produces
        return None


def _derive(secret: bytes, info: bytes) -> bytes:
    # No salt: the input is already 32 uniformly random bytes; `info` separates the purposes.
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=info).derive(secret)
