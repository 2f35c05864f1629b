"""What every button's data must satisfy before a handler reads it.

Callback data comes back from the client, so anyone can send any string that fits a button's
pattern. The numbers in ours are database ids, counts, days and pages; a number no INTEGER
column holds can only be forged, and querying with it fails in the driver (PostgreSQL: out of
int32 range, SQLite: OverflowError) instead of finding nothing. So it is refused here, once for
every button, as a stale button; smaller numbers that name nothing are the services' to refuse.
"""

from __future__ import annotations

import re
from functools import wraps
from typing import Any, ClassVar, Self

from telegram import Update

from bot.services.errors import DomainError
from bot.telegram.context import BotContext
from bot.telegram.identity import Callback
from storage.types import INTEGER_MAX


def numbers_checked(callback: Callback) -> Callback:
    """Run `callback` only when every number in the matched data fits a database integer."""

    @wraps(callback)
    async def checked(update: Update, context: BotContext) -> Any:
        match = context.matches[0] if context.matches else None
        if match is not None and any(_too_big(group) for group in match.groups()):
            raise DomainError("error.stale_button")
        return await callback(update, context)

    return checked


def _too_big(group: str | None) -> bool:
    return group is not None and group.isdecimal() and int(group) > INTEGER_MAX


# Telegram refuses longer callback data.
MAX_DATA_BYTES = 64
# A field of a template: <name> takes digits (an int field) or a word (a str field),
# <name=regex> what the regex takes.
_FIELD = re.compile(r"<(\w+)(?:=([^>]+))?>")


class CallbackData:
    """One kind of button, declared once: its data's template, the pattern the registration
    table matches it with, `pack()` for the keyboards and `parse()` for whoever reads it back.

    A kind is a frozen dataclass with a TEMPLATE such as "anl:r:<ticket=[0-9A-Z]{8}>:<tag>" and
    one field per placeholder. The pattern has plain groups in the template's order, so handlers
    read `context.matches[0]` as before and the tests sample every registered pattern alike."""

    TEMPLATE: ClassVar[str]
    pattern: ClassVar[str]
    kinds: ClassVar[list[type[CallbackData]]] = []

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.pattern = "^" + _FIELD.sub(lambda found: f"({cls._regex(found)})", cls.TEMPLATE) + "$"
        CallbackData.kinds.append(cls)

    @classmethod
    def _regex(cls, found: re.Match[str]) -> str:
        return found[2] or (r"\d+" if _is_int(cls, found[1]) else r"\w+")

    def pack(self) -> str:
        """The data of this button. A value its pattern would not take back is a bug here,
        not a button that silently does nothing."""
        data = _FIELD.sub(lambda found: str(getattr(self, found[1])), self.TEMPLATE)
        if re.fullmatch(self.pattern, data) is None or len(data.encode()) > MAX_DATA_BYTES:
            raise ValueError(f"{type(self).__name__}: {data!r} does not fit {self.pattern}")
        return data

    @classmethod
    def parse(cls, data: str) -> Self:
        found = re.fullmatch(cls.pattern, data)
        if found is None:
            raise ValueError(f"{cls.__name__}: {data!r} does not fit {cls.pattern}")
        names = [field[1] for field in _FIELD.finditer(cls.TEMPLATE)]
        values = {
            name: int(value) if _is_int(cls, name) else value
            for name, value in zip(names, found.groups(), strict=True)
        }
        return cls(**values)


def _is_int(kind: type[CallbackData], name: str) -> bool:
    # The class's own annotations: the pattern is made before @dataclass has run.
    return vars(kind).get("__annotations__", {})[name] in (int, "int")
