"""Pulse answers are written only in batches of at least k people (issue 22, DESIGN section 6),
on SQLite and PostgreSQL: a batch is one transaction; what waits below k is never written, not
on a clean stop and not at closing, and those people are told through sealed deliveries; a
survey that closes below k keeps no answers; old data is cleaned up by the migration."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import DatabaseSettings
from bot.i18n import Translator
from bot.services.privacy_crypto import PrivacyKey, generate_key, random_id
from bot.services.pulse import pulse
from bot.services.pulse.pulse import Completed, Respondent
from handlers.pulse.flow import PulseBuffer, Waiting
from handlers.pulse.texts import closing_notices, dropped_notices
from storage.engine import make_engine, make_sessionmaker
from storage.migrate import alembic_config, upgrade_database
from storage.models import Delivery, PulseAnswer, PulseComment, PulseParticipation, PulseSurvey
from tests.clock import FakeClock

KEY = PrivacyKey.from_text(generate_key())
OPENED = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
CODES = ("trust", "communication", "roles")
QUESTIONS = [{"code": code, "de": code, "en": code} for code in CODES]
# The revision that cleans up after batches below k and k = 2.
CLEANUP = "0015_pulse_k"
AGAIN = {
    "de": "📊 Der Bot wurde neu gestartet, bevor genug Personen geantwortet hatten",
    "en": "📊 The bot was restarted before enough people had answered",
}
NOT_COUNTED = {
    "de": "📊 Das Stimmungsbild ist beendet. Bis zum Schluss haben nicht genug",
    "en": "📊 The pulse survey has ended. Not enough other people answered",
}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(OPENED)


@pytest.fixture
async def survey(sessions: async_sessionmaker[AsyncSession]) -> int:
    """An open survey with k = 5 that closes in a week."""
    async with sessions.begin() as session:
        row = PulseSurvey(
            opened_on=OPENED.date(),
            closes_at=OPENED + timedelta(days=7),
            k=5,
            questions=QUESTIONS,
        )
        session.add(row)
        await session.flush()
        return row.id


@pytest.fixture
def buffer(sessions: async_sessionmaker[AsyncSession], clock: FakeClock) -> PulseBuffer:
    return PulseBuffer(sessions, KEY, dropped_notices(Translator("de")), clock)


def person(survey_id: int, n: int) -> Waiting:
    """Person n's answers; even numbers speak German, odd ones English."""
    return Waiting(
        Completed(
            participation=pulse.participation(KEY, survey_id, 1000 + n),
            scores={code: n % 5 + 1 for code in CODES},
            comment=f"Anmerkung {n}" if n % 2 else None,
        ),
        Respondent(chat_id=7_700_000_000 + n, language="en" if n % 2 else "de"),
    )


async def written(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int, int]:
    """(participation, answers, comments) rows."""
    counts = []
    async with sessions() as session:
        for model in (PulseParticipation, PulseAnswer, PulseComment):
            counts.append(int(await session.scalar(select(func.count()).select_from(model)) or 0))
    taken, answers, comments = counts
    return taken, answers, comments


async def deliveries(sessions: async_sessionmaker[AsyncSession]) -> list[Delivery]:
    async with sessions() as session:
        return list((await session.scalars(select(Delivery).order_by(Delivery.id))).all())


def opened(rows: list[Delivery]) -> set[tuple[int, str]]:
    found = set()
    for row in rows:
        assert row.contact is not None
        found.add(KEY.open_contact(row.contact))
    return found


@pytest.mark.parametrize("waiting", [1, 4])
async def test_a_clean_stop_below_k_writes_nothing_and_asks_each_to_answer_again(
    sessions: async_sessionmaker[AsyncSession], buffer: PulseBuffer, survey: int, waiting: int
) -> None:
    people = [person(survey, n) for n in range(waiting)]
    for one in people:
        await buffer.add(survey, 5, one)
    await buffer.drop_all()
    assert await written(sessions) == (0, 0, 0)
    rows = await deliveries(sessions)
    assert opened(rows) == {(p.respondent.chat_id, p.respondent.language) for p in people}
    for row in rows:
        # Nobody named in clear: no member, no chat id, only the sealed chat.
        assert row.member_id is None and row.reference is None
        assert not any(str(p.respondent.chat_id) in repr(row.payload) for p in people)
        language = KEY.open_contact(row.contact or "")[1]
        assert row.payload["text"].startswith(AGAIN[language]), row.payload["text"]
        assert "01.12.2026" in row.payload["text"] or "1 Dec 2026" in row.payload["text"]
        [[button]] = row.payload["buttons"]
        assert button["data"] == f"pls:{survey}:go"
    # Their participation was never written: each may answer again.
    async with sessions() as session:
        for one in people:
            assert not buffer.waiting(survey, one.completed.participation)
            assert not await pulse.took_part(session, survey, one.completed.participation)


async def test_reaching_k_writes_one_batch_in_one_transaction(
    sessions: async_sessionmaker[AsyncSession], buffer: PulseBuffer, survey: int
) -> None:
    for n in range(4):
        await buffer.add(survey, 5, person(survey, n))
    assert await written(sessions) == (0, 0, 0)
    await buffer.add(survey, 5, person(survey, 4))
    assert await written(sessions) == (5, 15, 2)
    assert await deliveries(sessions) == []
    async with sessions() as session:
        if session.get_bind().dialect.name == "postgresql":
            transactions = set()
            for table in ("pulse_participation", "pulse_answers", "pulse_comments"):
                found = await session.scalars(text(f"SELECT DISTINCT xmin::text FROM {table}"))
                transactions |= set(found.all())
            assert len(transactions) == 1, "participation and answers in separate transactions"
    # The next person starts the next batch: nothing of theirs is written alone.
    await buffer.add(survey, 5, person(survey, 5))
    assert await written(sessions) == (5, 15, 2)


async def test_answers_waiting_when_the_survey_ends_are_dropped_and_their_people_told(
    sessions: async_sessionmaker[AsyncSession],
    buffer: PulseBuffer,
    survey: int,
    clock: FakeClock,
) -> None:
    people = [person(survey, n) for n in range(3)]
    for one in people:
        await buffer.add(survey, 5, one)
    await buffer.settle()  # still open: they keep waiting
    assert await deliveries(sessions) == []
    clock.advance(days=7)
    await buffer.settle()
    assert await written(sessions) == (0, 0, 0)
    rows = await deliveries(sessions)
    assert opened(rows) == {(p.respondent.chat_id, p.respondent.language) for p in people}
    for row in rows:
        language = KEY.open_contact(row.contact or "")[1]
        assert row.payload["text"].startswith(NOT_COUNTED[language])
        assert row.payload["buttons"] == []
    assert not any(buffer.waiting(survey, p.completed.participation) for p in people)


async def test_a_batch_completed_as_the_survey_closes_is_not_written(
    sessions: async_sessionmaker[AsyncSession], buffer: PulseBuffer, survey: int
) -> None:
    """The k-th answer arrives while another process closes the survey: no batch afterwards."""
    for n in range(4):
        await buffer.add(survey, 5, person(survey, n))
    async with sessions.begin() as session:
        await session.execute(update(PulseSurvey).values(closed=True))
    await buffer.add(survey, 5, person(survey, 4))
    assert await written(sessions) == (0, 0, 0)
    rows = await deliveries(sessions)
    assert len(rows) == 5
    assert all(row.payload["text"].startswith(tuple(NOT_COUNTED.values())) for row in rows)


async def add_answered(
    session: AsyncSession, survey_id: int, people: int, comments: list[str]
) -> None:
    """Rows as an earlier version wrote them, batches below k included."""
    for n in range(people):
        session.add(PulseParticipation(hash=random_id(), survey_id=survey_id))
        for code in CODES:
            session.add(
                PulseAnswer(id=random_id(), survey_id=survey_id, question_code=code, score=n % 5)
            )
    for comment in comments:
        session.add(PulseComment(id=random_id(), survey_id=survey_id, text=comment))


async def test_closing_below_k_deletes_raw_answers_and_comments(
    sessions: async_sessionmaker[AsyncSession], survey: int
) -> None:
    async with sessions.begin() as session:
        enough = PulseSurvey(
            opened_on=OPENED.date(), closes_at=OPENED + timedelta(days=7), k=3, questions=QUESTIONS
        )
        session.add(enough)
        await session.flush()
        await add_answered(session, survey, 4, ["Nur vier haben geantwortet"])
        await add_answered(session, enough.id, 3, ["Drei reichen hier"])
    ready, too_few = closing_notices(Translator("de"))
    async with sessions.begin() as session:
        closed = await pulse.close_due(session, OPENED + timedelta(days=7), ready, too_few)
    assert [(c.survey_id, c.responses, c.k) for c in closed] == [(survey, 4, 5), (enough.id, 3, 3)]
    async with sessions() as session:
        left = await session.execute(
            select(PulseAnswer.survey_id, func.count()).group_by(PulseAnswer.survey_id)
        )
        assert dict(left.all()) == {enough.id: 9}
        assert (await session.scalars(select(PulseComment.text))).all() == ["Drei reichen hier"]


async def test_surveys_store_k_of_at_least_3(sessions: async_sessionmaker[AsyncSession]) -> None:
    with pytest.raises(ValueError, match="k >= 3"):
        async with sessions.begin() as session:
            await pulse.open_survey(
                session,
                questions=[pulse.Question.model_validate(q) for q in QUESTIONS],
                k=2,
                days=7,
                now=OPENED,
                today=OPENED.date(),
                invitation=lambda _: {},
            )
    with pytest.raises(IntegrityError):
        async with sessions.begin() as session:
            session.add(
                PulseSurvey(opened_on=OPENED.date(), closes_at=OPENED, k=2, questions=QUESTIONS)
            )


async def test_the_migration_deletes_what_closed_below_k_and_raises_k_to_3(
    empty_database: DatabaseSettings,
) -> None:
    database = empty_database
    script = ScriptDirectory.from_config(alembic_config())
    before = script.get_revision(CLEANUP).down_revision
    assert isinstance(before, str)
    await upgrade_database(database.url, schema=database.schema_name, revision=before)
    engine = make_engine(database.url, schema=database.schema_name)
    sessions = make_sessionmaker(engine)
    surveys: dict[str, int] = {}
    async with sessions.begin() as session:
        for name, k, closed in (
            ("closed_below", 5, True),
            ("closed_at_k", 5, True),
            ("two_of_two", 2, True),
            ("open_below", 5, False),
        ):
            row = PulseSurvey(
                opened_on=date(2026, 2, 2),
                closes_at=OPENED,
                k=k,
                closed=closed,
                questions=QUESTIONS,
            )
            session.add(row)
            await session.flush()
            surveys[name] = row.id
        await add_answered(session, surveys["closed_below"], 4, ["Geheim"])
        await add_answered(session, surveys["closed_at_k"], 5, ["Sichtbar"])
        await add_answered(session, surveys["two_of_two"], 2, ["Zu zweit"])
        await add_answered(session, surveys["open_below"], 2, ["Läuft noch"])
    await engine.dispose()

    await upgrade_database(database.url, schema=database.schema_name)
    engine = make_engine(database.url, schema=database.schema_name)
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        ks = dict((await session.execute(select(PulseSurvey.id, PulseSurvey.k))).all())
        assert ks[surveys["two_of_two"]] == 3 and ks[surveys["closed_at_k"]] == 5
        answers = await session.execute(
            select(PulseAnswer.survey_id, func.count()).group_by(PulseAnswer.survey_id)
        )
        assert dict(answers.all()) == {surveys["closed_at_k"]: 15, surveys["open_below"]: 6}
        comments = (await session.scalars(select(PulseComment.text))).all()
        assert sorted(comments) == ["Läuft noch", "Sichtbar"]
        # Participation stays: it tells who took part, not what they answered.
        assert await session.scalar(select(func.count()).select_from(PulseParticipation)) == 13
        view = await session.execute(text("SELECT DISTINCT survey_id FROM v_pulse_results"))
        assert view.scalars().all() == [surveys["closed_at_k"]]
    await engine.dispose()
