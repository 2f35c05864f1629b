"""Logging and `gwbot`'s output that never show a secret or what users wrote.

httpx logs request URLs (they contain the token) at INFO; PTB logs whole updates and request
parameters at DEBUG. Both are held at WARNING/INFO whatever level is configured, and a filter
masks the secrets in anything that still gets through. Everything else `gwbot` prints (its
messages, errors quoting a proxy's answer, tracebacks) goes through the same mask.
"""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from datetime import UTC, datetime
from typing import TextIO
from urllib.parse import quote

from bot.telegram.quiet import QUIET

QUIET_LOGGERS = {
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    # PTB's DEBUG records carry update contents and request parameters.
    "telegram": logging.INFO,
    "apscheduler": logging.INFO,
    "aiosqlite": logging.INFO,
    "alembic.runtime.plugins": logging.WARNING,
    "asyncio": logging.INFO,
}
MASK = "[secret]"


class Mask:
    """Replaces every secret in a text, also URL-encoded (as request paths and bodies quote
    them), with MASK."""

    def __init__(self, secrets: Iterable[str]) -> None:
        forms = {form for secret in secrets if secret for form in (secret, quote(secret, safe=""))}
        # The longest first, so a secret containing another is masked whole.
        self.secrets = sorted(forms, key=len, reverse=True)

    def __bool__(self) -> bool:
        return bool(self.secrets)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text


class SecretsFilter(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.mask = Mask(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.mask:
            return True
        record.msg, record.args = self.mask(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            # Tracebacks of HTTP errors quote the request URL, token included.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        return True


class MaskedStream(io.TextIOBase):
    """A text stream that masks the secrets in what is written before passing it on."""

    def __init__(self, stream: TextIO, mask: Mask) -> None:
        super().__init__()
        self.stream, self.mask = stream, mask

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.stream.encoding

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.stream.write(self.mask(text))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()


@contextmanager
def masked_output(secrets: Iterable[str]) -> Iterator[None]:
    """Everything printed to stdout and stderr meanwhile has its secrets masked."""
    mask = Mask(secrets)
    with (
        redirect_stdout(MaskedStream(sys.stdout, mask)),
        redirect_stderr(MaskedStream(sys.stderr, mask)),
    ):
        yield


# `extra=CONTENT_FREE` marks a record that names nobody and nothing anybody wrote, so it may
# pass while an anonymous flow's update is handled (e.g. that a receipt had to be re-sent).
CONTENT_FREE = {"content_free": True}


class QuietFilter(logging.Filter):
    """Drops every record while an update of an anonymous flow (concerns, pulse answers) is
    handled (DESIGN section 6): not even "update 123 handled" may show who used it, or when.
    Only records marked CONTENT_FREE pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not QUIET.get() or getattr(record, "content_free", False) is True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message and, when
    there is one, the traceback. Secrets are masked before (SecretsFilter)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["traceback"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(
    level: str,
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
    log_format: str = "text",
) -> None:
    root = logging.getLogger()
    root.setLevel(level)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        JsonFormatter()
        if log_format == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(QuietFilter())
    handler.addFilter(SecretsFilter(secrets))
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    numeric = logging.getLevelName(level)
    for name, floor in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(max(floor, numeric))
