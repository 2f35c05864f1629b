"""Early-warning signals (issue 16, first step): overdue reports and silent organisations,
raised when their trace appears and not on normal noise; acknowledge, snooze, resolution;
refused to partners; v_signals the same on both databases."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, date, datetime, timedelta
from functools import partial

from sqlalchemy import delete, select, text, update

from bot.config.sections import SignalSettings
from bot.i18n import LANGUAGES, Translator
from bot.i18n.formatting import format_date
from bot.services.signals.signal_types import Thresholds
from bot.services.signals.signals import OpenSignal
from handlers.signals.texts import reason_text, thresholds
from storage.models import (
    Indicator,
    IndicatorValue,
    Member,
    Obligation,
    Organisation,
    ReportingReminder,
    Schedule,
)
from tests.conftest import RunningBot
from tests.fake_telegram import FakeUser
from tests.steps import coordinator, member, run_jobs
from tests.test_agenda import set_up

NOV_27 = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


async def owe(bot: RunningBot, organisation: str, due: datetime, period: str = "2026-10") -> None:
    """An obligation of `organisation`, due at `due`, not reported."""
    async with bot.sessions.begin() as session:
        indicator = await session.scalar(select(Indicator.id).order_by(Indicator.id).limit(1))
        org = await session.scalar(select(Organisation.id).where(Organisation.code == organisation))
        assert indicator is not None and org is not None
        # The timed work may have written it already (obligations of every period so far).
        written = await session.scalar(
            select(Obligation).where(
                Obligation.indicator_id == indicator,
                Obligation.organisation_id == org,
                Obligation.period == period,
            )
        )
        if written is not None:
            written.due_at = due
            return
        session.add(
            Obligation(
                indicator_id=indicator,
                organisation_id=org,
                period=period,
                period_start=date(2026, 10, 1),
                period_end=date(2026, 10, 31),
                due_at=due,
            )
        )


async def team(bot: RunningBot) -> tuple[FakeUser, FakeUser, FakeUser]:
    bot.clock.now = NOV_27
    await set_up(bot)
    clara = await coordinator(bot)
    anna = await member(bot, "Anna Berger", organisation="awo")
    carla = await member(bot, "Carla Wendt", organisation="caritas")
    return clara, anna, carla


async def signals_shown(clara: FakeUser) -> tuple[str, list[str]]:
    """/signale: the head line and the signals' texts."""
    await clara.send("/signale")
    head = (await clara.next_message()).text
    count = int(head.split()[1]) if head.startswith("🔔 ") and head.split()[1].isdigit() else 0
    return head, [(await clara.next_message()).text for _ in range(count)]


async def test_an_overdue_report_raises_a_signal_a_late_one_does_not(bot: RunningBot) -> None:
    clara, _, _ = await team(bot)
    await owe(bot, "awo", NOV_27 - timedelta(days=22))
    await owe(bot, "caritas", NOV_27 - timedelta(days=7))  # a single late report: noise
    head, shown = await signals_shown(clara)
    assert head.startswith("🔔 1 offenes Frühwarnsignal")
    (signal,) = shown
    assert "AWO Kreisverband Neustadt" in signal
    assert "1 Meldung seit mehr als 14 Tagen überfällig, die älteste seit 22 Tagen" in signal

    # Acknowledged: it stays quiet while the report is missing ...
    listing = clara.messages[-1]
    assert (await clara.press_and_read(listing, "✅ Gesehen")).startswith("✅ Als gesehen")
    head, shown = await signals_shown(clara)
    assert head.startswith("🔔 Keine offenen Frühwarnsignale. (1 gesehen")
    # ... and is resolved once it arrives.
    async with bot.sessions.begin() as session:
        obligation = await session.scalar(select(Obligation).limit(1))
        assert obligation is not None
        session.add(
            IndicatorValue(
                indicator_id=obligation.indicator_id,
                organisation_id=obligation.organisation_id,
                period=obligation.period,
                value=3,
            )
        )
    await signals_shown(clara)
    async with bot.sessions() as session:
        rows = (await session.execute(text("SELECT status, reason_code FROM v_signals"))).all()
    assert [tuple(row) for row in rows] == [("resolved", "overdue")]


async def test_a_snoozed_signal_comes_back_when_its_time_is_up(bot: RunningBot) -> None:
    clara, _, _ = await team(bot)
    await owe(bot, "awo", NOV_27 - timedelta(days=30))
    await signals_shown(clara)
    listing = clara.messages[-1]
    assert await clara.press_and_read(listing, "💤 Später") == "💤 Zurückgestellt bis 11.12.2026."
    head, _ = await signals_shown(clara)
    assert "1 zurückgestellt" in head and head.startswith("🔔 Keine offenen")
    bot.clock.advance(days=14)
    head, shown = await signals_shown(clara)
    assert head.startswith("🔔 1 offene") and "seit 44 Tagen" in shown[0]


async def test_an_organisation_silent_for_weeks_raises_a_signal(bot: RunningBot) -> None:
    clara, anna, carla = await team(bot)
    long_ago = NOV_27 - timedelta(days=90)
    async with bot.sessions.begin() as session:
        await session.execute(update(Member).values(joined_at=long_ago))
        for user, last in ((anna, date(2026, 10, 10)), (carla, date(2026, 11, 24))):
            await session.execute(
                update(Member).where(Member.telegram_id == user.id).values(last_active_on=last)
            )
    head, shown = await signals_shown(clara)
    assert head.startswith("🔔 1 offene")
    assert "AWO Kreisverband Neustadt" in shown[0] and "Seit 48 Tagen" in shown[0]
    # Anna writes again: the trace is gone, the signal resolves.
    await anna.send("/hilfe")
    await anna.next_message()
    head, _ = await signals_shown(clara)
    assert head.startswith("🔔 Keine offenen")


async def test_signals_are_for_coordinators_only(bot: RunningBot) -> None:
    clara, anna, _ = await team(bot)
    await owe(bot, "awo", NOV_27 - timedelta(days=22))
    await signals_shown(clara)
    await anna.send("/signale")
    assert "nicht für" in (await anna.next_message()).text
    async with bot.sessions() as session:
        signal_id = await session.scalar(text("SELECT signal_id FROM v_signals"))
    query = await anna.press_data(clara.messages[-1], f"sig:a:{signal_id}")
    answer = await anna.callback_answer(query)
    assert answer["text"] == "Frühwarnsignale sehen nur Koordinator*innen."
    async with bot.sessions() as session:
        status = await session.scalar(text("SELECT status FROM v_signals"))
    assert status == "open"


async def test_v_signals_reads_the_same_on_both_databases(bot: RunningBot) -> None:
    clara, _, _ = await team(bot)
    await owe(bot, "awo", NOV_27 - timedelta(days=22))
    await signals_shown(clara)
    async with bot.sessions() as session:
        result = await session.execute(text("SELECT * FROM v_signals"))
        columns, rows = list(result.keys()), [tuple(row) for row in result]
    assert columns == [
        "signal_id",
        "kind",
        "organisation_code",
        "opened_on",
        "status",
        "reason_code",
        "value",
        "baseline_value",
    ]
    assert [row[1:] for row in rows] == [
        ("reporting", "awo", "2026-11-27", "open", "overdue", 22.0, 14.0)
    ]


async def test_details_and_a_check_in_from_a_signal(bot: RunningBot) -> None:
    clara, anna, _ = await team(bot)
    await owe(bot, "awo", NOV_27 - timedelta(days=22))
    await signals_shown(clara)
    signal = clara.messages[-1]
    await clara.press(signal, "🏢 Organisation")
    details = await clara.next_message()
    assert details.text.startswith("🏢 AWO Kreisverband Neustadt\nMitglieder: 1")
    assert "Zuletzt im Chat aktiv: noch nie" in details.text
    query = await clara.press(signal, "📨 Nachfragen")
    answer = await clara.callback_answer(query)
    assert answer["text"] == "📨 1 Person bei AWO Kreisverband Neustadt gefragt."
    check_in = await anna.next_message()
    assert check_in.text.startswith("👋 Die Koordinierungsstelle fragt nach: Wie läuft es bei AWO")


async def test_the_weekly_summary_goes_out_only_when_something_is_open(bot: RunningBot) -> None:
    clara, _, _ = await team(bot)
    friday_nine = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)  # 09:00 in Berlin: reminder hour
    bot.clock.now = friday_nine - timedelta(minutes=5)
    async with bot.sessions.begin() as session:
        session.add(
            Schedule(
                code="fruehwarnung",
                kind="signals",
                rrule="FREQ=WEEKLY;BYDAY=FR;BYHOUR=9;BYMINUTE=0",
                starts=date(2026, 11, 6),
                next_fire_at=friday_nine,
            )
        )
        # Everyone joined this week: nothing was owed before (the example starts in January).
        await session.execute(update(Organisation).values(active_since=date(2026, 11, 23)))
    bot.clock.now = friday_nine
    await run_jobs(bot)
    await clara.expect_no_message()  # nothing open: no summary
    # That look also wrote what the example initiative owes since January: here only one
    # report of awo is missing.
    async with bot.sessions.begin() as session:
        await session.execute(delete(ReportingReminder))
        await session.execute(delete(Obligation))
    await owe(bot, "awo", friday_nine - timedelta(days=22))
    bot.clock.advance(days=7)
    await run_jobs(bot)
    summary = await clara.next_message()
    # The same look may first bring the overdue summary and the example's steering meeting.
    while not summary.text.startswith("🔔"):
        assert summary.text.startswith(("⚠️", "📅")), summary.text
        summary = await clara.next_message()
    assert summary.text.startswith("🔔 Wochenüberblick: 1 offenes Frühwarnsignal")
    assert "AWO Kreisverband Neustadt: 1 Meldung seit" in summary.text
    assert "Was tun" not in summary.text


SAMPLES = [
    ("overdue", "awo", 22, 14, {"count": 2}),
    ("on_time_fell", "awo", 33, 83, {"recent": 6, "earlier": 12, "compared": "own"}),
    ("on_time_fell", "awo", 33, 80, {"recent": 6, "earlier": 40, "compared": "initiative"}),
    ("silent", "awo", 48, 28, {"members": 3, "last": "2026-10-10"}),
    ("silent", "awo", None, 28, {"members": 3, "last": None}),
    ("contacts_left", "awo", 3, None, {"count": 1, "members": 2, "left_day": "2026-11-24"}),
    ("contacts_left", "awo", None, None, {"count": 2, "members": 0, "left_day": None}),
    ("acks_fell", "awo", 20, 75, {"recent": 6, "earlier": 8, "weeks": 6}),
    ("rsvps_fell", "awo", 20, 75, {"recent": 6, "earlier": 8, "weeks": 6}),
    (
        "activities_stopped",
        "awo",
        8,
        4,
        {"active_weeks": 6, "lookback_weeks": 12, "last": "2026-10-01"},
    ),
    (
        "pulse_fell",
        None,
        2.4,
        3.55,
        {
            "question": "trust",
            "question_de": "Vertrauen?",
            "question_en": "Trust?",
            "survey_day": "2026-11-02",
            "previous_day": "2026-10-05",
            "others_count": 1,
        },
    ),
    ("concerns_rising", None, 4, 1, {"category": "communication", "window_days": 28}),
]


def test_every_reason_reads_well_in_both_languages() -> None:
    translator = Translator("de")
    for reason, organisation, value, baseline, details in SAMPLES:
        signal = OpenSignal(
            1,
            "any",
            reason,
            "AWO Kreisverband Neustadt" if organisation else None,
            date(2026, 11, 27),
            value,
            baseline,
            details,
        )
        for language in LANGUAGES:
            text = reason_text(partial(translator.t, language), signal, language)
            assert "{" not in text and "signals." not in text and "concern." not in text, text
            if reason == "pulse_fell":
                assert ("3,55" if language == "de" else "3.55") in text
                assert format_date(date(2026, 11, 2), language) in text
            if reason == "concerns_rising":
                assert ("Kommunikation" if language == "de" else "Communication") in text


def test_every_threshold_is_configurable() -> None:
    configured = thresholds(SignalSettings(pulse_drop=0.8, engagement_weeks=4))
    assert (configured.pulse_drop, configured.engagement_weeks) == (0.8, 4)
    assert set(SignalSettings.model_fields) == {f.name for f in fields(Thresholds)}
