"""Logging that never shows the bot token or what users wrote.

httpx logs request URLs (they contain the token) at INFO; PTB logs whole updates and request
parameters at DEBUG. Both are held at WARNING/INFO whatever level is configured, and a filter
masks the token in anything that still gets through.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import TextIO

from bot.concern_flow import QUIET

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


class SecretsFilter(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [secret for secret in secrets if secret]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        record.msg, record.args = self._mask(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            # Tracebacks of HTTP errors quote the request URL, token included.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._mask(record.exc_text)
        return True

    def _mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text


# `extra=CONTENT_FREE` marks a record that names nobody and nothing anybody wrote, so it may
# pass while an anonymous flow's update is handled (e.g. that a receipt had to be re-sent).
CONTENT_FREE = {"content_free": True}


class QuietFilter(logging.Filter):
    """Drops every record while an update of an anonymous flow (concerns, pulse answers) is
    handled (DESIGN section 6): not even "update 123 handled" may show who used it, or when.
    Only records marked CONTENT_FREE pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not QUIET.get() or getattr(record, "content_free", False) is True


def configure_logging(
    level: str, secrets: Iterable[str] = (), stream: TextIO | None = None
) -> None:
    root = logging.getLogger()
    root.setLevel(level)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(QuietFilter())
    handler.addFilter(SecretsFilter(secrets))
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    numeric = logging.getLevelName(level)
    for name, floor in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(max(floor, numeric))
