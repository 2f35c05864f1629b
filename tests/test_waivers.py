"""Waiving past periods on SQLite and PostgreSQL: a waived obligation is not owed, reminded,
escalated or counted as missing (completeness, /report, the views, signals); one reported
anyway counts as reported; who waived is in the audit log; bad input changes nothing; and
`gwbot periods waive` as an operator runs it."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cli.main import main
from bot.i18n import Translator
from bot.i18n.formatting import format_number
from bot.presentation.message_fit import MESSAGE_LIMIT, visible_length
from bot.services import obligations
from bot.services.errors import DomainError
from bot.services.invites import COMMAND_LINE
from bot.services.members import MemberInfo
from bot.services.missing import completeness, waivers
from bot.services.reminders.withdrawal import drop_settled_reminders
from bot.services.signals import reporting as signals_reporting
from bot.services.signals.signal_types import Thresholds
from handlers.missing.waiver_texts import CONFIRM, waiver_lines
from storage.engine import make_engine, make_sessionmaker
from storage.models import AuditEntry, Indicator, Member, Obligation, Organisation, Role
from storage.queries.obligations import counted
from tests.conftest import apply_initiative_text
from tests.test_reporting_reminders import INITIATIVE, report, run, sent


async def listed(session: AsyncSession, organisation_id: int) -> list[tuple[str, str]]:
    """(indicator, period) of the obligations an organisation has in its lists: waived ones
    only if reported anyway; latest period first."""
    rows = await session.execute(
        select(Indicator.code, Obligation.period)
        .join(Indicator, Indicator.id == Obligation.indicator_id)
        .where(Obligation.organisation_id == organisation_id, Indicator.active, counted())
        .order_by(Obligation.period.desc())
    )
    return [(code, period) for code, period in rows]


# Monday 6 April 2026, 10:00 in Berlin: March and Q1 are over, week 14 is not due yet.
APRIL_6 = datetime(2026, 4, 6, 8, tzinfo=UTC)
APRIL = date(2026, 4, 1)


@pytest.fixture
async def sessions(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> async_sessionmaker[AsyncSession]:
    """Org A owes monthly and quarterly figures (A1 is its contact), Org B monthly and weekly
    ones; K coordinates."""
    await apply_initiative_text(sessions, INITIATIVE, tmp_path)
    async with sessions.begin() as session:
        orgs = {o.code: o for o in (await session.scalars(select(Organisation))).all()}
        for number, (name, code, role) in enumerate(
            (
                ("A1", "a", Role.PARTNER),
                ("B1", "b", Role.PARTNER),
                ("K", "koord", Role.COORDINATOR),
            )
        ):
            session.add(
                Member(
                    telegram_id=800 + number,
                    display_name=name,
                    organisation=orgs[code],
                    role=role.value,
                    language="de",
                    reporting_contact=name == "A1",
                )
            )
    return sessions


async def waive(
    sessions: async_sessionmaker[AsyncSession], before: date, now: datetime, **only: str
) -> waivers.Waivable:
    async with sessions.begin() as session:
        return await waivers.waive(session, COMMAND_LINE, before, now, **only)  # type: ignore[arg-type]


async def coordinator(sessions: async_sessionmaker[AsyncSession], name: str = "K") -> MemberInfo:
    async with sessions() as session:
        member = await session.scalar(select(Member).where(Member.display_name == name))
        assert member is not None
        return MemberInfo(
            id=member.id,
            display_name=name,
            role=Role(member.role),
            language="de",
            organisation_code="koord",
            organisation_name="Koordination",
        )


async def view(sessions: async_sessionmaker[AsyncSession], sql: str) -> list[tuple[Any, ...]]:
    async with sessions() as session:
        return [tuple(row) for row in await session.execute(text(sql))]


async def test_waived_obligations_are_neither_reminded_nor_escalated(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # 2 April: three days before March is due, A1 and B1 are reminded of it; the reminders
    # wait in the outbox (nothing sends them here).
    await run(sessions, datetime(2026, 4, 2, 8, tzinfo=UTC))
    assert any("März 2026" in t for n, t in await sent(sessions, "reporting_reminder") if n == "A1")
    found = await waive(sessions, APRIL, APRIL_6)
    # A: January to March and Q1; B: January to March and weeks 1 to 13 (week 14 ends 5 April).
    assert [(g.organisation_code, g.indicator_code, g.count) for g in found.groups] == [
        ("a", "monat", 3),
        ("a", "quartal", 1),
        ("b", "monat", 3),
        ("b", "woche", 13),
    ]
    async with sessions.begin() as session:
        assert await drop_settled_reminders(session, APRIL_6) == 2  # they ask for March only
    before = len(await sent(sessions, "reporting_reminder"))
    escalated = len(await sent(sessions, "escalation"))  # 2 April named January to March
    day = APRIL_6
    while day < datetime(2026, 4, 15, tzinfo=UTC):
        await run(sessions, day)
        day += timedelta(days=1)
    reminded = [text for _, text in (await sent(sessions, "reporting_reminder"))[before:]]
    # Week 14 (due 7 April) is still owed and reminded; nothing waived is.
    assert any("KW 14/2026" in t for t in reminded)
    for waived in ("Januar", "Februar", "März", "Q1 2026", "KW 13/2026", "KW 1/2026"):
        assert not any(waived in t for t in reminded), waived
    # 14 April: week 14 is 7 days overdue, and the escalation names only what is owed.
    (escalation,) = [t for _, t in (await sent(sessions, "escalation"))[escalated:]]
    assert "KW 14/2026" in escalation
    assert "KW 13/2026" not in escalation and "März" not in escalation


async def test_waived_obligations_are_not_missing_and_one_reported_anyway_counts(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await report(sessions, "monat", "b", "2026-02")  # reported before: never waived
    async with sessions.begin() as session:
        await obligations.ensure_obligations(session, APRIL_6)
    found = await waive(sessions, APRIL, APRIL_6, organisation="a")
    assert found.count == 4
    await report(sessions, "monat", "a", "2026-01")  # reported although waived
    async with sessions() as session:
        january = await completeness.completeness(session, "2026-01")
        february = await completeness.completeness(session, "2026-02")
        periods = await completeness.recent_periods(session, APRIL_6, limit=30)
        a = await obligations.organisation_of(session, "a")
        open_for_a = await listed(session, a)
        overdue = await signals_reporting.detect_overdue(
            session, date(2026, 5, 1), Thresholds(overdue_days=3)
        )
    # January: A's report counts as reported, B's missing one as missing.
    assert [(i.organisation_name, i.reported) for i in january.items] == [
        ("Org A", True),
        ("Org B", False),
    ]
    # February: A's waived one is not expected, B reported.
    assert [(i.organisation_name, i.reported) for i in february.items] == [("Org B", True)]
    assert february.percent == 100 and not february.missing
    assert "2026-Q1" not in periods  # only A owed Q1, and it was waived
    assert ("monat", "2026-01") in open_for_a  # reported: listed as done
    assert [p for code, p in open_for_a if code == "quartal"] == ["2026-Q2"]
    assert [p for code, p in open_for_a if code == "monat"] == ["2026-04", "2026-01"]
    b = await obligations_id(sessions, "b")
    assert [f.organisation_id for f in overdue] == [b]  # A owes nothing overdue any more
    rows = await view(
        sessions,
        "SELECT period, organisation_code, reported FROM v_reporting_completeness"
        " WHERE indicator_code = 'monat' AND period < '2026-04' ORDER BY period, organisation_code",
    )
    assert rows == [
        ("2026-01", "a", 1),
        ("2026-01", "b", 0),
        ("2026-02", "b", 1),
        ("2026-03", "b", 0),
    ]
    progress = await view(
        sessions,
        "SELECT period, reporting_orgs, expected_orgs FROM v_indicator_progress"
        " WHERE indicator_code = 'quartal' OR (indicator_code = 'monat' AND period < '2026-04')"
        " ORDER BY period",
    )
    # Q1: only A owed it, and it was waived; Q2 is owed.
    assert progress == [("2026-01", 1, 2), ("2026-02", 1, 1), ("2026-03", 0, 1), ("2026-Q2", 0, 1)]
    async with sessions() as session:
        (entry,) = (
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == "obligations.waived")
            )
        ).all()
    assert entry.actor_id is None and entry.subject == "2026-04-01"
    assert entry.details["by"] == "command line" and entry.details["organisations"] == {"a": 4}


async def obligations_id(sessions: async_sessionmaker[AsyncSession], code: str) -> int:
    async with sessions() as session:
        return await obligations.organisation_of(session, code)


async def test_bad_input_is_refused_and_changes_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        await obligations.ensure_obligations(session, APRIL_6)
    k = await coordinator(sessions)
    partner = k.model_copy(update={"role": Role.PARTNER})
    refusals = [
        ({"before": APRIL, "organisation": "xyz"}, k, "waive.unknown_organisation"),
        ({"before": APRIL, "indicator": "xyz"}, k, "waive.unknown_indicator"),
        ({"before": date(2026, 4, 7)}, k, "waive.future"),  # today is 6 April in Berlin
        ({"before": date(2026, 1, 1)}, k, "waive.nothing"),  # nothing ends before the start
        ({"before": APRIL, "indicator": "woche", "organisation": "a"}, k, "waive.nothing"),
        ({"before": APRIL}, partner, "missing.not_allowed"),
        ({"before": APRIL}, None, "missing.not_allowed"),
    ]
    for values, actor, key in refusals:
        async with sessions.begin() as session:
            with pytest.raises(DomainError) as refused:
                await waivers.waive(session, actor, now=APRIL_6, **values)  # type: ignore[arg-type]
        assert refused.value.key == key, values
    async with sessions() as session:
        assert (
            await session.scalar(select(func.count()).where(Obligation.waived_at.is_not(None))) == 0
        )
        assert await session.scalar(select(func.count()).select_from(AuditEntry)) == 0
    # A coordinator in chat: their id in the audit log.
    async with sessions.begin() as session:
        done = await waivers.waive(session, k, APRIL, APRIL_6)
    assert done.count == 20
    async with sessions() as session:
        entry = await session.scalar(select(AuditEntry))
    assert entry is not None and entry.actor_id == k.id and entry.details["by"] == "member"


def test_gwbot_periods_waive(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "i.toml").write_text(INITIATIVE, encoding="utf-8")
    for module in ("bot.cli.initiative", "bot.cli.periods"):
        monkeypatch.setattr(f"{module}.utc_now", lambda: APRIL_6)
    main(["initiative", "apply", str(tmp_path / "i.toml")])
    capsys.readouterr()

    def waived() -> int:
        async def count() -> int:
            engine = make_engine("sqlite+aiosqlite:///gwbot.db")
            async with make_sessionmaker(engine)() as session:
                found = await session.scalar(
                    select(func.count()).where(Obligation.waived_at.is_not(None))
                )
            await engine.dispose()
            return found or 0

        return asyncio.run(count())

    for arguments, message in (
        (["--before", "2026-04-01", "--org", "xyz"], "„xyz“ gibt es nicht"),
        (["--before", "2026-04-01", "--indicator", "xyz"], "„xyz“ gibt es nicht"),
        (["--before", "2026-05-01"], "Der 2026-05-01 liegt in der Zukunft"),
        (["--before", "2025-12-01"], "ist nichts mehr offen"),
    ):
        with pytest.raises(SystemExit) as refused:
            main(["periods", "waive", *arguments])
        assert refused.value.code == 2
        assert message in capsys.readouterr().err, arguments
    main(["periods", "waive", "--before", "2026-04-01", "--org", "a", "--dry-run"])
    assert capsys.readouterr().out.splitlines() == [
        "Probelauf: 4 offene Meldungen aus Zeiträumen bis zum 31.03.2026 würden erlassen:",
        "• Org A: 4 (monat 3, quartal 1)",
    ]
    assert waived() == 0
    main(["periods", "waive", "--before", "2026-04-01", "--indicator", "woche"])
    assert capsys.readouterr().out.splitlines() == [
        "✅ 13 offene Meldungen aus Zeiträumen bis zum 31.03.2026 erlassen.",
        "• Org B: 13 (woche 13)",
    ]
    assert waived() == 13


@pytest.mark.parametrize("organisations", [1, 12, 60, 400])
def test_a_waiver_of_any_size_fits_one_message(organisations: int) -> None:
    """The confirmation names organisations and indicators; when that is too long, the
    organisations' counts; when even that is, the first ones and how many more."""
    groups = [
        waivers.Group(
            f"org-{o}",
            f"Evangelisch-lutherische Kirchengemeinde Nummer {o} & Freunde e. V.",
            f"kennzahl-{i}",
            f"Teilnahmen an Elterncafés und Eltern-Kind-Gruppen, Variante {i}",
            "x",
            48,
        )
        for o in range(organisations)
        for i in range(7)
    ]
    translator = Translator("de")
    lines = waiver_lines(
        lambda key, **values: translator.t("de", key, **values),
        waivers.Waivable(date(2026, 12, 1), groups),
        "de",
        CONFIRM,
    )
    text = "\n".join([*lines, translator.t("de", "missing.waive.explain")])
    assert visible_length(text) <= MESSAGE_LIMIT
    assert lines[0] == (
        f"🧹 {format_number(336 * organisations, 'de')} offene Meldungen aus Zeiträumen bis zum"
        " 30.11.2026 erlassen?"
    )
    shown = [line for line in lines[1:] if line.startswith("• ")]
    if organisations == 1:
        assert "Variante 6 48" in text and "kennzahl" not in text
        return
    assert all(line.endswith(": 336") for line in shown)
    if organisations == 12:
        assert len(shown) == 12
    else:
        assert lines[-1] == f"… und {organisations - len(shown)} weitere Organisationen"
