"""Every stateless button of the running bot, pressed by people its roles exclude: a partner
on the coordination office's buttons, someone who left on every member's button. Each is told
why, politely, and nothing changes - no "the fault is ours", no traceback, no trace. The
policy is written here again, apart from the registration table, so a button registered
without its roles, or with the wrong ones, fails.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select, update
from telegram.ext import CallbackQueryHandler

from storage.models import AuditEntry, Member, Role
from tests.conftest import RunningBot
from tests.steps import member

# Pressed only by coordinators and admins (prefixes of the callback data).
COORDINATORS_ONLY = (
    "mis:", "exp:", "cdk:", "sig:", "pln:", "mem:", "bcs:", "bcu:", "rem:", "acf:gaps", "vf:",
)  # fmt: skip
# Buttons whose flow decides who may press (drafts in memory, a survey's invitation).
OWN_FLOW = ("anl:", "pls:")
FAULT = "der Fehler liegt bei uns"
# "Das dürfen nur Koordinator*innen.", "Anliegen beantwortet die Koordinierungsstelle.", ...
REFUSED = re.compile(r"\bnur\b|Koordinierungsstelle|nicht für Ihre Rolle")
# One value per kind of group in the patterns; the first alternative of a choice.
SAMPLES = {
    r"\d+": "1",
    r"\d{8}": "20260105",
    r"\d{4}-\d{2}-\d{2}": "2026-01-05",
    r"[0-9A-Z]{8}": "ABCDEFGH",
    r"[\w-]+": "2026-01",
    r"\w+": "x",
}


def sample(pattern: str) -> str:
    """Callback data that the pattern accepts."""

    def group(found: re.Match[str]) -> str:
        inner = found.group(1)
        return SAMPLES.get(inner) or SAMPLES.get(inner.split("|")[0]) or inner.split("|")[0]

    data = re.sub(r"\(((?:[^()])*)\)", group, pattern.removeprefix("^").removesuffix("$"))
    assert re.fullmatch(pattern, data), (pattern, data)
    return data


def stateless_buttons(bot: RunningBot) -> list[str]:
    patterns = [
        handler.pattern.pattern
        for handlers in bot.application.handlers.values()
        for handler in handlers
        if isinstance(handler, CallbackQueryHandler) and isinstance(handler.pattern, re.Pattern)
    ]
    return [sample(str(pattern)) for pattern in patterns]


async def changes(bot: RunningBot) -> tuple[int, int]:
    async with bot.sessions() as session:
        audit = await session.scalar(select(func.count()).select_from(AuditEntry))
        active = await session.scalar(select(func.count()).where(Member.active))
    return audit or 0, active or 0


async def test_every_stateless_button_refuses_whom_its_roles_exclude(bot: RunningBot) -> None:
    buttons = stateless_buttons(bot)
    assert len(buttons) > 50, buttons
    paul = await member(bot, "Paul Partner", Role.PARTNER)
    await paul.send("/hilfe")
    await paul.next_message()
    before = await changes(bot)
    for data in buttons:
        if not data.startswith(COORDINATORS_ONLY):
            continue
        answer = await paul.callback_answer(await paul.press_data(paul.messages[-1], data))
        assert answer.get("show_alert") and REFUSED.search(answer["text"]), (data, answer)

    # Paul leaves (deactivated by the office); his old chat still has buttons.
    async with bot.sessions.begin() as session:
        await session.execute(update(Member).where(Member.telegram_id == paul.id).values(active=0))
    for data in buttons:
        if data.startswith(OWN_FLOW):
            continue
        answer = await paul.callback_answer(await paul.press_data(paul.messages[-1], data))
        assert answer.get("show_alert"), (data, answer)
        assert answer["text"].startswith("Sie sind hier nicht mehr als Mitglied"), (data, answer)
    for data in buttons:
        if data.startswith(OWN_FLOW):
            answer = await paul.callback_answer(await paul.press_data(paul.messages[-1], data))
            assert FAULT not in answer.get("text", ""), (data, answer)
    assert all(FAULT not in m.text for m in paul.messages)
    audit, active = await changes(bot)
    assert (audit, active) == (before[0], before[1] - 1)
