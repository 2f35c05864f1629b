"""Forged button presses (DESIGN section 5): every button pattern of the registration table,
pressed with data that fits the pattern but names nothing (zero, someone else's id, numbers
beyond 64 bits, impossible dates, unknown codes), by a member of each role and by a stranger,
gets an answer and never an internal error with a traceback. Buttons of a conversation's
states are pressed inside their state, where their handlers see them."""

from __future__ import annotations

import asyncio
import logging
import re
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from telegram.ext import BaseHandler, CallbackQueryHandler, ConversationHandler

from bot.services.initiative import apply_initiative
from bot.services.initiative_file import load_initiative_file
from bot.telegram.conversations import AccessGuard
from handlers.activity import record as activity
from handlers.broadcast import broadcast
from handlers.members import invite
from handlers.reminders import add as reminder_add
from handlers.report import value as report_value
from handlers.report.states import State as ReportState
from handlers.settings import settings
from storage.models import Member, Role
from tests.conftest import RunningBot
from tests.factories import add_activity
from tests.fake_telegram import BotMessage, FakeUser
from tests.steps import member
from tests.test_agenda import EXAMPLE
from tests.test_reporting import JAN_20

# The two ways of receiving updates meet the same handlers: one is enough here.
# What a forger puts into a group of a pattern: numbers where the group takes digits only,
# words where it takes letters too; the first three of those it accepts. Numbers between 2**31
# and 2**64 are refused like 2**64 (tests/test_callback_data.py has the limit).
NUMBERS = (
    "0",  # no id is 0
    "1",  # an id most tables have: someone else's, or of another kind
    "18446744073709551616",  # beyond 64 bits
    "20261399",  # the 99th day of the 13th month
    "99",
)
WORDS = ("x", "2026-13", "ZZZZZZZZ")
PER_GROUP = 3
# Telegram refuses longer callback data.
MAX_DATA_BYTES = 64
GROUP = re.compile(r"\(([^()]*)\)")
Handler = BaseHandler[Any, Any, Any]


def button_patterns(
    handlers: Iterable[Handler], *, inside: bool = True
) -> Iterator[re.Pattern[str]]:
    """The patterns of the buttons among `handlers`; a conversation's states only if `inside`."""
    for handler in handlers:
        if isinstance(handler, ConversationHandler):
            if inside:
                for state in handler.states.values():
                    yield from button_patterns(state)
            yield from button_patterns(handler.entry_points)
            yield from button_patterns(handler.fallbacks)
        elif isinstance(handler, AccessGuard):  # a conversation's steps, behind its role check
            yield from button_patterns(handler.handlers)
        elif isinstance(handler, CallbackQueryHandler) and isinstance(handler.pattern, re.Pattern):
            yield handler.pattern


def forged_values(group: str) -> list[str]:
    def accepts(value: str) -> bool:
        return re.fullmatch(f"(?:{group})", value) is not None

    pool = WORDS if accepts("x") or accepts("ZZZZZZZZ") else NUMBERS
    accepted = [value for value in pool if accepts(value)]
    # A digit of a fixed range ([0-6]) is a choice of the keyboard: nothing to forge.
    return [] if all(len(value) == 1 for value in accepted) else accepted[:PER_GROUP]


def forgeries(pattern: re.Pattern[str]) -> list[str]:
    """Data fitting `pattern` with a forged group: each group in turn takes its forgeries while
    the others keep their first one (or, offering only words, their first word)."""
    source = pattern.pattern.removeprefix("^").removesuffix("$")
    literals, groups = GROUP.split(source)[::2], GROUP.findall(source)
    forged = [forged_values(group) for group in groups]
    first = [
        values[0] if values else group.split("|")[0]
        for values, group in zip(forged, groups, strict=True)
    ]
    found: list[str] = []
    for index, options in enumerate(forged):
        for option in options:
            values = [option if i == index else value for i, value in enumerate(first)]
            data = literals[0] + "".join(
                v + lit for v, lit in zip(values, literals[1:], strict=True)
            )
            if pattern.fullmatch(data) and len(data.encode()) <= MAX_DATA_BYTES:
                found.append(data)
    return list(dict.fromkeys(found))


def all_handlers(bot: RunningBot) -> list[Handler]:
    return [handler for group in bot.application.handlers.values() for handler in group]


def conversations(bot: RunningBot) -> list[ConversationHandler[Any]]:
    return [h for h in all_handlers(bot) if isinstance(h, ConversationHandler)]


def state_patterns(conversation: ConversationHandler[Any], state: object) -> list[re.Pattern[str]]:
    return list(dict.fromkeys(button_patterns(conversation.states[state])))


def own_patterns(conversation: ConversationHandler[Any], state: object) -> list[re.Pattern[str]]:
    """The state's buttons that no other state of its conversation has: a keyboard with one of
    them shows that the member got there."""
    others = {
        pattern
        for other in conversation.states
        if other != state
        for pattern in state_patterns(conversation, other)
    }
    return [pattern for pattern in state_patterns(conversation, state) if pattern not in others]


def test_forgeries_fill_every_group_of_a_pattern_in_turn() -> None:
    assert forgeries(re.compile(r"^rsvp:(\d+):(\d{8}):(yes|no)$")) == [
        "rsvp:0:20261399:yes",
        "rsvp:1:20261399:yes",
        "rsvp:18446744073709551616:20261399:yes",
    ]
    assert forgeries(re.compile(r"^mis:p:([\w-]+)$")) == [
        "mis:p:x",
        "mis:p:2026-13",
        "mis:p:ZZZZZZZZ",
    ]
    assert forgeries(re.compile(r"^mem:(\d+):role:(admin|partner)$"))[0] == "mem:0:role:admin"
    assert forgeries(re.compile(r"^radd:hour:(\d{1,2})$")) == [
        "radd:hour:0",
        "radd:hour:1",
        "radd:hour:99",
    ]
    # Buttons without anything to forge are pressed in the tests of their feature.
    assert forgeries(re.compile(r"^anl:ok$")) == []
    assert forgeries(re.compile(r"^exp:(values|pulse)$")) == []
    assert forgeries(re.compile(r"^radd:day:([0-6])$")) == []


# A member of each role, and a stranger (None); each role's presses are shared by two people,
# whom the bot serves side by side.
PRESSERS = (
    (Role.PARTNER, "awo"),
    (Role.OBSERVER, "buergerstiftung"),
    (Role.COORDINATOR, "koordination"),
    (Role.ADMIN, "koordination"),
    (None, ""),
)
LANES = 2


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Internal errors that were logged, each with where in our code it happened."""

    def where(record: logging.LogRecord) -> str:
        assert record.exc_info
        frames = traceback.extract_tb(record.exc_info[2])
        ours = [
            f"{'/'.join(frame.filename.rsplit('/', 2)[-2:])}:{frame.lineno}"
            for frame in frames
            if "site-packages" not in frame.filename
        ]
        return f"{record.exc_info[1]!r} at {' < '.join(ours)}"

    return [where(r) for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]


async def example(bot: RunningBot) -> None:
    bot.clock.now = JAN_20
    async with bot.sessions.begin() as session:
        await apply_initiative(session, load_initiative_file(EXAMPLE))


async def test_every_forged_button_is_answered_without_an_internal_error(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    await example(bot)
    # The buttons anyone may press at any time; those of conversation states follow below.
    patterns = dict.fromkeys(button_patterns(all_handlers(bot), inside=False))
    forged = [data for pattern in patterns for data in forgeries(pattern)]
    pressing: list[tuple[str, FakeUser, list[str]]] = []
    for role, organisation in PRESSERS:
        for lane in range(LANES):
            if role is None:
                user = bot.fake.user(first_name="Mallory")
            else:
                user = await member(bot, f"{role.value} {lane}", role, organisation)
            pressing.append((role.value if role else "stranger", user, forged[lane::LANES]))
    messages = []
    for _, user, _ in pressing:
        await user.send("/hilfe")
        messages.append(await user.next_message())
    caplog.set_level(logging.ERROR)
    pressed = {
        await user.press_data(message, data): (who, data)
        for (who, user, data_of_lane), message in zip(pressing, messages, strict=True)
        for data in data_of_lane
    }
    answers = bot.fake.callback_answers
    await bot.fake.changed.wait_for(lambda: all(q in answers for q in pressed) or None, 120)
    unanswered = [pressed[query] for query in pressed if query not in answers]
    problems = [*map(str, unanswered), *tracebacks(caplog)]
    assert not problems, "\n".join(problems)


@dataclass(frozen=True)
class Walk:
    """How a member of `role` gets into a state: commands and texts to send ("/..." and
    "> text") and buttons to press (a pattern of their data, or "label:" and the label's start)."""

    role: Role
    steps: tuple[str, ...]


SETTINGS = ("/einstellungen",)
ACTIVITY = ("/aktivitaet", "> Lesepaten gesucht", "act:d:0", r"act:g:.+")
# Every conversation state with a button a forger can fill in.
WALKS: dict[tuple[str | None, object], Walk] = {
    (settings.NAME, settings.State.LANGUAGE): Walk(Role.PARTNER, (*SETTINGS, "set:lang")),
    (settings.NAME, settings.State.HOUR): Walk(Role.PARTNER, (*SETTINGS, "set:hour")),
    (settings.NAME, settings.State.QUIET_FROM): Walk(Role.PARTNER, (*SETTINGS, "set:quiet")),
    (settings.NAME, settings.State.QUIET_TO): Walk(
        Role.PARTNER, (*SETTINGS, "set:quiet", r"set:quiet_from:\d+")
    ),
    (settings.NAME, settings.State.PAUSE): Walk(Role.PARTNER, (*SETTINGS, "set:pause")),
    (invite.NAME, invite.State.ORGANISATION): Walk(Role.COORDINATOR, ("/einladen",)),
    (invite.NAME, invite.State.USES): Walk(
        Role.COORDINATOR, ("/einladen", r"inv:org:\d+", "inv:role:partner")
    ),
    (broadcast.NAME, broadcast.State.PERIOD): Walk(Role.COORDINATOR, ("/rundruf", "bc:aud:owing")),
    (broadcast.NAME, broadcast.State.ORGANISATIONS): Walk(
        Role.COORDINATOR, ("/rundruf", "bc:aud:org")
    ),
    (report_value.NAME, ReportState.CHOOSE_ORG): Walk(Role.COORDINATOR, ("/melden",)),
    (report_value.NAME, ReportState.CHOOSE): Walk(Role.PARTNER, ("/melden",)),
    (report_value.NAME, ReportState.VALUE): Walk(
        Role.PARTNER, ("/melden", "label:Q1 2026 · Angebote")
    ),
    (report_value.NAME, ReportState.PICK): Walk(
        Role.PARTNER, ("/melden", "label:Jan 2026 · Wartezeit", "> 1.234")
    ),
    (reminder_add.NAME, reminder_add.State.HOUR): Walk(
        Role.COORDINATOR,
        ("/erinnerungen", "rem:add", "radd:kind:meeting", "radd:every:1", "radd:day:0"),
    ),
    (activity.NAME, activity.State.TITLE): Walk(Role.PARTNER, ACTIVITY[:1]),
    (activity.NAME, activity.State.GOAL): Walk(Role.PARTNER, ACTIVITY[:3]),
    (activity.NAME, activity.State.GROUP): Walk(Role.PARTNER, ACTIVITY),
    (activity.NAME, activity.State.DISTRICT): Walk(Role.PARTNER, (*ACTIVITY, "act:tg:none")),
    (activity.NAME, activity.State.PARTNERS): Walk(
        Role.PARTNER, (*ACTIVITY, "act:tg:none", "act:di:none", "act:r:none")
    ),
}
# Walks into a state after a forgery was taken, or to the next state.
Route = tuple[ConversationHandler[Any], object, Walk]


class Walker:
    """A member walking into conversation states; each step waits for the bot's reaction."""

    def __init__(self, bot: RunningBot, user: FakeUser) -> None:
        self.bot, self.user = bot, user
        self.since = 0  # events before this index belong to earlier steps

    def _button(self, wanted: re.Pattern[str] | str) -> tuple[BotMessage, str] | None:
        """The newest message shown since the last step with a button `wanted` fits."""
        for event in reversed(self.bot.fake.events[self.since :]):
            if event.chat_id != self.user.id or event.kind not in ("message", "edit"):
                continue
            assert event.message is not None
            for text in (text for row in event.message.buttons for text in row):
                data = event.message.button_data(text) or ""
                if (
                    wanted.fullmatch(data)
                    if isinstance(wanted, re.Pattern)
                    else text.startswith(wanted)
                ):
                    return event.message, data
        return None

    async def _wait_for_button(self, *wanted: re.Pattern[str] | str) -> tuple[BotMessage, str]:
        found = await self.bot.fake.changed.wait_for(
            lambda: next(filter(None, map(self._button, wanted)), None), 10
        )
        assert found, f"no button {wanted}:\n{self.bot.fake.describe_chat(self.user.id)}"
        return found

    async def walk(self, route: Route) -> BotMessage:
        """Walk the route; returns the message with the keyboard of its state."""
        conversation, state, walk = route
        for step in walk.steps:
            if step.startswith(("/", "> ")):
                self.since = len(self.bot.fake.events)
                await self.user.send(step.removeprefix("> "))
                continue
            label = step.removeprefix("label:") if step.startswith("label:") else None
            message, data = await self._wait_for_button(label or re.compile(step))
            self.since = len(self.bot.fake.events)
            await self.user.press_data(message, data)
        message, _ = await self._wait_for_button(*own_patterns(conversation, state))
        return message

    async def _answer(self, query: str) -> dict[str, Any] | None:
        answers = self.bot.fake.callback_answers
        return await self.bot.fake.changed.wait_for(lambda: answers.get(query), 10)

    async def forge(self, routes: list[Route]) -> list[str]:
        """Press each state's forgeries inside it; returns those that got no answer."""
        unanswered = []
        for route in routes:
            conversation, state, _ = route
            message = None
            for data in (d for p in state_patterns(conversation, state) for d in forgeries(p)):
                message = message or await self.walk(route)
                answer = await self._answer(await self.user.press_data(message, data))
                if answer is None:
                    unanswered.append(f"{conversation.name} {state}: {data}")
                if not (answer or {}).get("show_alert"):
                    message = None  # taken, not refused: walk there again
        return unanswered


async def test_forged_buttons_inside_conversations_are_answered_without_an_internal_error(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    await example(bot)
    lanes: dict[tuple[str | None, Role], list[Route]] = {}
    for conversation in conversations(bot):
        for state in conversation.states:
            if any(forgeries(p) for p in state_patterns(conversation, state)):
                # A new state with such a button needs its walk above.
                walk = WALKS[(conversation.name, state)]
                lanes.setdefault((conversation.name, walk.role), []).append(
                    (conversation, state, walk)
                )
    assert sum(map(len, lanes.values())) == len(WALKS)
    walkers = []
    for number, (_, role) in enumerate(lanes):
        organisation = "awo" if role is Role.PARTNER else "koordination"
        user = await member(bot, f"Walker {number}", role, organisation)
        walkers.append(Walker(bot, user))
        async with bot.sessions.begin() as session:
            # An activity of one's own puts its buttons under /aktivitaet's first question.
            own = await session.scalar(select(Member.id).where(Member.telegram_id == user.id))
            await add_activity(
                session, organisation, JAN_20.date(), "Lesepaten", "fruehe-bildung", member_id=own
            )
    caplog.set_level(logging.ERROR)
    unanswered = await asyncio.gather(
        *(walker.forge(routes) for walker, routes in zip(walkers, lanes.values(), strict=True))
    )
    problems = [*(u for lane in unanswered for u in lane), *tracebacks(caplog)]
    assert not problems, "\n".join(problems)


async def test_forged_and_stale_value_file_buttons_change_nothing(bot: RunningBot) -> None:
    """A file's [Speichern] names its summary: another number, someone else's summary, a
    partner's press or a press after [Abbrechen] is answered and writes nothing, and the
    coordinator's own summary can still be saved afterwards."""
    from tests.test_value_files import GOOD, SAVE, send_file, stored

    await example(bot)
    clara = await member(bot, "Clara Koch", Role.COORDINATOR, "koordination")
    carl = await member(bot, "Carl Koch", Role.COORDINATOR, "koordination")
    anna = await member(bot, "Anna Berger", Role.PARTNER, "awo")
    summary = await send_file(clara, "werte.csv", GOOD)
    data = summary.button_data(SAVE)
    assert data is not None
    token = data.removeprefix("vf:ok:")
    forged = [
        (clara, "vf:ok:0"),
        (clara, f"vf:ok:{int(token) + 1}"),
        (clara, f"vf:no:{int(token) + 1}"),
        (clara, "vf:ok:18446744073709551616"),
        (carl, data),  # another coordinator: his own draft is none
        (carl, f"vf:no:{token}"),
        (anna, data),
    ]
    answers = [
        await user.callback_answer(await user.press_data(summary, forgery))
        for user, forgery in forged
    ]
    assert all(answer.get("show_alert") and answer.get("text") for answer in answers)
    assert "Rolle" in answers[-1]["text"]  # the partner learns why
    assert await stored(bot) == []

    await clara.press(summary, SAVE)
    assert (await clara.next_message()).text.startswith("✅ 5 Werte gespeichert")
    again = await clara.callback_answer(await clara.press_data(summary, data))
    assert again["text"].startswith("Diese Übersicht gilt nicht mehr")
    assert len(await stored(bot)) == 5
