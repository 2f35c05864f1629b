"""The pulse survey's privacy promise (DESIGN section 6) under test: several people answer with
DEBUG logging on; every table (but `members`) and the log are free of who answered and when,
and the answers cannot be tied to participation by order or by transaction: one batch of k is
one transaction, and the answer left over at closing is not written."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import PulseAnswer
from tests.conftest import RunningBot
from tests.pulse_steps import THANKS, answer, counts, start_survey
from tests.steps import coordinator, member
from tests.test_concern_privacy import (
    dump,
    every_update_marked,
    forms_of,
    leaks,
    member_rows,
    watch,
)
from tests.test_pulse import close

STARTED_AT = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
ANSWERED_AT = datetime(2026, 11, 24, 9, 17, 43, tzinfo=UTC)
PULSE_TABLES = ("pulse_participation", "pulse_answers", "pulse_comments")


async def test_pulse_answers_leave_no_trace_and_no_link(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = watch(bot, monkeypatch)
    bot.clock.now = STARTED_AT
    clara = await coordinator(bot)
    names = ["Hieronymus", "Walburga", "Kunigunde", "Pankratius", "Eulalia", "Severin"]
    people = [
        await member(
            bot,
            f"{name} Testperson",
            user_id=7_700_000_003 + 104_729 * n,
            username=f"{name.lower()}_gw",
        )
        for n, name in enumerate(names)
    ]
    ids = [p.id for p in people]
    before = await member_rows(bot, ids)
    await start_survey(clara)
    await clara.next_message()

    bot.clock.now = ANSWERED_AT
    for n, person in enumerate(people):
        comment = f"Anmerkung Nummer {n}" if n % 2 else None
        assert await answer(person, [n % 5 + 1, 5 - n % 5, 3, n % 2 + 1], comment) == THANKS
        if n < 4:
            assert await counts(bot) == (0, 0), "written before k people answered"
    assert await counts(bot) == (5, 20)
    await bot.settle()
    await every_update_marked(bot, ids)
    await close(bot)
    assert await counts(bot) == (5, 20), "the sixth answer was written alone at closing"

    secrets: dict[str, str] = {}
    for name, person in zip(names, people, strict=True):
        secrets[f"id {person.id}"] = str(person.id)
        secrets[f"username {name}"] = f"{name.lower()}_gw"
        secrets[f"first name {name}"] = name
    for form in forms_of(ANSWERED_AT):
        secrets[f"time {form}"] = form
    tables = await dump(bot, skip={"members"})
    for name, rows in tables.items():
        found = leaks(repr(rows), secrets)
        assert not found, f"table {name} holds {found}"
    found = leaks(log.getvalue(), secrets)
    assert not found, f"the log holds {found}"
    assert await member_rows(bot, ids) == before, "the members' rows changed"

    # Nothing in an answer row points to a person or to the moment it was given.
    assert {tuple(sorted(row)) for row in tables["pulse_answers"]} == {
        ("id", "question_code", "score", "survey_id")
    }
    async with bot.sessions() as session:
        answer_ids = (await session.scalars(select(PulseAnswer.id))).all()
        assert len({len(i) for i in answer_ids}) == 1 and not any(i.isdigit() for i in answer_ids)
        if session.get_bind().dialect.name == "postgresql":
            # One batch, written in one transaction: who took part and what was answered
            # share it, so the order of transactions ties no answer to a participant.
            answers = await _transactions(session, "pulse_answers")
            taken = await _transactions(session, "pulse_participation")
            comments = await _transactions(session, "pulse_comments")
            assert len(answers) == 1 and answers == taken == comments
        else:
            # No rowid: the stored order is the random id's, not the order of answering.
            for table in PULSE_TABLES:
                ddl = await session.scalar(
                    text("SELECT sql FROM sqlite_master WHERE name = :name"), {"name": table}
                )
                assert "WITHOUT ROWID" in str(ddl).upper(), table


async def _transactions(session: AsyncSession, table: str) -> set[str]:
    rows = await session.scalars(text(f"SELECT DISTINCT xmin::text FROM {table}"))
    return set(rows.all())
