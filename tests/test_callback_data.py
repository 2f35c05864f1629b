"""The check every button's data passes before its handler: numbers a database integer holds."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any, cast

import pytest

from bot.services.errors import DomainError
from bot.telegram.callback_data import numbers_checked


async def press(data: str) -> str:
    async def handler(update: Any, context: Any) -> str:
        return "handled"

    context = SimpleNamespace(matches=[re.fullmatch(r"mem:(\d+):(\w+)", data)])
    return cast(str, await numbers_checked(handler)(cast(Any, None), cast(Any, context)))


async def test_numbers_up_to_the_largest_database_integer_reach_the_handler() -> None:
    assert await press("mem:2147483647:x") == "handled"
    assert await press("mem:0:role") == "handled"


@pytest.mark.parametrize("data", ["mem:2147483648:x", "mem:1:99999999999999999999"])
async def test_bigger_numbers_are_refused_as_a_stale_button(data: str) -> None:
    with pytest.raises(DomainError) as refused:
        await press(data)
    assert refused.value.key == "error.stale_button"
