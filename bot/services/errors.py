"""Domain errors: each names a translation key, so handlers can tell the user what to do."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Something the user asked for cannot be done; `key` says why, in their language."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


class NotFound(DomainError):
    pass
