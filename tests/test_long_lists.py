"""A real initiative's long lists in the timed work (issue 23): a partner with dozens of open
reports and the coordinators' overdue summary for organisations weeks behind used to exceed
Telegram's 4,096 characters, and `OutgoingMessage` raised inside the 30-second tick every time, so
nothing after it ran (no concern batch, no pulse closing). Now they are delivered shortened at
an item boundary, saying how many more and where, and the rest of the tick runs."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import Translator
from bot.scheduling.jobs import ConcernWork, PulseWork, TimedSteps, TimedWork, step_alert
from bot.services.concern.batch import Waiting
from bot.services.concern.concerns import NewConcern, open_concern
from bot.services.concern.jobs import JobSettings
from bot.services.outbox import visible_length
from handlers.concern.texts import concern_texts
from handlers.report.reminder_texts import ReportingTexts
from storage.models import Delivery, Member, Obligation, Organisation, Role
from tests.conftest import RunningBot, apply_initiative_text
from tests.fake_telegram import parse_html
from tests.steps import coordinator

ORGANISATIONS = 6
INDICATORS = 12
# Realistic names of what partners count each week.
NAME = "Teilnehmende der Elterncafés und Sprachkurse im Stadtteil, Angebot Nr. {number}"
# Early April: every organisation owes every weekly figure since January.
NOW = datetime(2026, 4, 8, 9, 30, tzinfo=UTC)


def initiative() -> str:
    parts = [
        """
        [initiative]
        name = "Bündnis für Familien"
        timezone = "Europe/Berlin"
        default_language = "de"
        start = 2026-01-05

        [[organisations]]
        code = "koord"
        name = "Koordinierungsstelle"
        backbone = true

        [[goals]]
        code = "ziel"
        title = { de = "Familien stärken" }

        [[reminders]]
        code = "melden"
        kind = "reporting"
        offsets_days = [0, 7, 14, 21]
        escalate_after_days = 7
        """
    ]
    for number in range(ORGANISATIONS):
        parts.append(
            f"""
            [[organisations]]
            code = "org-{number}"
            name = "Familienzentrum & Kita <Nord> Nr. {number}"
            """
        )
    owing = ", ".join(f'"org-{number}"' for number in range(ORGANISATIONS))
    for number in range(INDICATORS):
        parts.append(
            f"""
            [[indicators]]
            code = "woche-{number}"
            name = {{ de = "{NAME.format(number=number)}" }}
            short_de = "Angebot Nr. {number}"
            type = "integer"
            frequency = "weekly"
            aggregation = "sum"
            goal = "ziel"
            level = "output"
            due_days = 2
            reported_by = [{owing}]
            """
        )
    return "\n".join(parts)


@pytest.fixture
async def sessions(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> async_sessionmaker[AsyncSession]:
    await apply_initiative_text(sessions, initiative(), tmp_path)
    async with sessions.begin() as session:
        organisations = {o.code: o for o in (await session.scalars(select(Organisation))).all()}
        session.add(
            Member(
                telegram_id=900,
                display_name="Clara Koordination",
                organisation=organisations["koord"],
                role=Role.COORDINATOR.value,
                language="de",
            )
        )
        session.add(
            Member(
                telegram_id=901,
                display_name="Anna Partnerin",
                organisation=organisations["org-0"],
                role=Role.PARTNER.value,
                language="de",
            )
        )
    return sessions


async def queued(sessions: async_sessionmaker[AsyncSession], kind: str) -> list[str]:
    async with sessions() as session:
        payloads = await session.scalars(select(Delivery.payload).where(Delivery.kind == kind))
        return [payload["text"] for payload in payloads]


def readable(text: str) -> str:
    """The text as Telegram shows it; fails where Telegram would refuse it."""
    shown = parse_html(text)[0]
    assert visible_length(text) <= 4096
    return shown


async def test_long_lists_are_shortened_and_the_rest_of_the_tick_still_runs(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    translator = Translator("de")
    # A named concern whose batch has ended waits to be announced by the same tick.
    async with sessions.begin() as session:
        anna = await session.scalar(select(Member.id).where(Member.telegram_id == 901))
        concern = await open_concern(
            session,
            NewConcern(anonymous=False, category="roles", severity="high", text="Wer macht was?"),
            key=None,
            reporter_id=anna,
            today=NOW.date(),
            now=datetime(2026, 4, 8, 7, 0, tzinfo=UTC),
            batch_minutes=60,
            waiting=Waiting(),
        )

    work = TimedWork(
        "run",
        sessions,
        lambda: NOW,
        ReportingTexts(translator),
        ConcernWork(concern_texts(translator), JobSettings(escalate_hours=48, retention_days=180)),
        PulseWork.of(translator),
        step_alert(translator),
        {},
    )
    await TimedSteps(work).tick()

    # The partner's reminder: whole items, then how many more and where to see them all.
    (reminder,) = await queued(sessions, "reporting_reminder")
    shown = readable(reminder)
    assert shown.startswith("⏰ Erinnerung: Für Familienzentrum & Kita <Nord> Nr. 0")
    items = re.findall(r"^• .+ · fällig \d\d\.\d\d\.2026$", shown, re.M)
    more = re.search(r"^… und (\d+) weitere – alle unter /melden$", shown, re.M)
    assert items and more, shown
    # Four reminder days (0, 7, 14 and 21 days after) bring four weeks of 12 figures each.
    assert len(items) + int(more.group(1)) == 4 * INDICATORS
    assert shown.endswith("Tippen Sie auf einen Punkt, um ihn gleich zu melden.")

    # The coordinators' summary: each organisation's line shortened, every line whole.
    (summary,) = await queued(sessions, "escalation")
    shown = readable(summary)
    lines = shown.split("\n")
    assert lines[0] == "⚠️ Seit mehr als 7 Tagen überfällig:"
    assert lines[-1] == "Alles Weitere: /ausstehend"
    organisations = [line for line in lines if line.startswith("Familienzentrum & Kita <Nord>")]
    assert len(organisations) == ORGANISATIONS
    assert all(re.search(r", … und \d+ weitere$", line) for line in organisations)
    # More are overdue than the summary reads (at most 20 per organisation): what is named and
    # what is counted add up to all of them.
    async with sessions() as session:
        # Seven days after the due day, which ends at local midnight (CEST: 22:00 UTC).
        overdue = await session.scalar(
            select(func.count())
            .select_from(Obligation)
            .join(Organisation)
            .where(
                Organisation.code == "org-0",
                Obligation.due_at <= datetime(2026, 4, 1, 22, 0, tzinfo=UTC),
            )
        )
    assert overdue is not None and overdue > 20
    for line in organisations:
        named = len(re.findall(r"\(KW \d+/2026\)", line))
        more = re.search(r"… und (\d+) weitere$", line)
        assert more and named + int(more.group(1)) == overdue, line

    # ... and the rest of the tick ran: the concern was announced.
    (notice,) = await queued(sessions, "concern_batch")
    assert f"#{concern.ticket}" in notice


async def test_members_of_a_large_initiative_are_all_listed_and_the_buttons_fit(
    bot: RunningBot,
) -> None:
    clara = await coordinator(bot)
    names = [
        f"Mitglied {n:03d} " + "Kita & Familienzentrum <Nord>, " * 3 + "Neustadt"
        for n in range(130)
    ]
    async with bot.sessions.begin() as session:
        organisation = Organisation(code="fz", name="Familienzentren & Kitas", kind="Verein")
        session.add(organisation)
        for number, name in enumerate(names):
            session.add(
                Member(
                    telegram_id=50_000 + number,
                    display_name=name,
                    organisation=organisation,
                    role=Role.PARTNER.value,
                    language="de",
                )
            )
    await clara.send("/mitglieder")
    parts = [await clara.next_message()]
    while not parts[-1].buttons:
        parts.append(await clara.next_message())
    text = "\n".join(part.text for part in parts)
    # Everyone is listed, across several messages; buttons for as many as Telegram takes.
    assert len(parts) > 1
    assert all(f"• {name} – Partner*in" in text for name in names)
    assert sum(len(row) for row in parts[-1].buttons) == 100
    assert parts[-1].text.endswith("für 31 weitere passen keine mehr in eine Nachricht.")
