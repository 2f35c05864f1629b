"""The weekly activity digest end to end (issue 15, point 2): a `digest` schedule fires with a
controlled clock, the week's activities arrive per goal with their counts, small reach reads
"< 5", members who switched it off (in /einstellungen) get nothing, a quiet week sends nothing."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.i18n import Translator
from bot.services.activity.digest import Entry, GoalWeek, Week
from bot.services.outbox import MESSAGE_LIMIT, visible_length
from handlers.activity.digest_texts import digest_text
from storage.models import (
    Activity,
    ActivityPartner,
    Delivery,
    Goal,
    Member,
    Organisation,
    Schedule,
    ScheduleRun,
)
from tests.conftest import RunningBot
from tests.fake_telegram import FakeUser
from tests.steps import member, run_jobs

# A Friday, 9:00 in Berlin: the members' reminder hour, so the digest goes out at once.
FRIDAY = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
DIGEST_RULE = "FREQ=WEEKLY;BYDAY=FR;BYHOUR=9;BYMINUTE=0"


async def member_id(bot: RunningBot, user: FakeUser) -> int:
    async with bot.sessions() as session:
        found = await session.scalar(select(Member.id).where(Member.telegram_id == user.id))
        assert found is not None
        return found


async def organisation_id(bot: RunningBot, code: str) -> int:
    async with bot.sessions() as session:
        found = await session.scalar(select(Organisation.id).where(Organisation.code == code))
        assert found is not None
        return found


async def digest_schedule(bot: RunningBot) -> None:
    async with bot.sessions.begin() as session:
        session.add(
            Schedule(
                code="wochenrueckblick",
                kind="digest",
                rrule=DIGEST_RULE,
                starts=date(2026, 1, 9),
                next_fire_at=bot.clock(),
            )
        )


async def goals(bot: RunningBot) -> tuple[int, int, int]:
    async with bot.sessions.begin() as session:
        rows = [
            Goal(code="bildung", title_de="Frühe Bildung", title_en="Early education", position=1),
            Goal(code="eltern", title_de="Starke Eltern", title_en="Strong parents", position=2),
            Goal(code="gesund", title_de="Gesund aufwachsen", title_en="Healthy", position=3),
        ]
        session.add_all(rows)
        await session.flush()
        return rows[0].id, rows[1].id, rows[2].id


async def activity(
    bot: RunningBot,
    *,
    organisation: str,
    goal: int,
    title: str,
    day: date,
    reach: int | None = None,
    partners: tuple[str, ...] = (),
) -> None:
    org = await organisation_id(bot, organisation)
    partner_ids = [await organisation_id(bot, code) for code in partners]
    async with bot.sessions.begin() as session:
        row = Activity(
            organisation_id=org,
            member_id=None,
            activity_date=day,
            title=title,
            goal_id=goal,
            reach=reach,
        )
        session.add(row)
        await session.flush()
        session.add_all(ActivityPartner(activity_id=row.id, organisation_id=p) for p in partner_ids)


async def digests(bot: RunningBot) -> list[Delivery]:
    async with bot.sessions() as session:
        return list(
            await session.scalars(
                select(Delivery).where(Delivery.kind == "digest").order_by(Delivery.id)
            )
        )


async def people(bot: RunningBot) -> tuple[FakeUser, FakeUser, FakeUser]:
    bot.clock.now = FRIDAY
    anna = await member(bot, "Anna Berger")
    ben = await member(
        bot, "Ben Miller", organisation="caritas", organisation_name="Caritas", language="en"
    )
    carla = await member(bot, "Carla Roth", organisation="sv", organisation_name="SV Nordstadt")
    return anna, ben, carla


async def switch_off(bot: RunningBot, user: FakeUser) -> None:
    async with bot.sessions.begin() as session:
        found = await session.scalar(select(Member).where(Member.telegram_id == user.id))
        assert found is not None
        found.activity_digest = False


async def test_the_digest_arrives_per_goal_and_not_for_those_who_switched_it_off(
    bot: RunningBot,
) -> None:
    anna, ben, carla = await people(bot)
    await switch_off(bot, carla)
    education, parents, _healthy = await goals(bot)
    for n in range(6):  # more than the five titles a goal lists
        await activity(
            bot,
            organisation="awo",
            goal=education,
            title=f"Vorlesestunde {n}",
            day=date(2026, 11, 21 + n),
            reach=10,
            partners=("sv",) if n == 0 else (),
        )
    await activity(
        bot, organisation="caritas", goal=parents, title="Hausbesuch", day=date(2026, 11, 24)
    )
    await activity(
        bot,
        organisation="caritas",
        goal=parents,
        title="Elterncafé <Nord>",
        day=date(2026, 11, 25),
        reach=3,
    )
    # Before the week: not in this digest.
    await activity(
        bot, organisation="awo", goal=parents, title="Altes Treffen", day=date(2026, 11, 20)
    )
    await digest_schedule(bot)
    await run_jobs(bot)

    text = (await anna.next_message()).text
    assert text.startswith("📋 Wochenrückblick 21.11.2026 bis 27.11.2026")
    education_part, parents_part = text.split("Starke Eltern")
    assert "Frühe Bildung\n6 Aktivitäten · AWO Kreisverband Neustadt, SV Nordstadt" in text
    assert "erreicht: 60 Personen" in education_part
    assert "• Vorlesestunde 5 – AWO Kreisverband Neustadt, 26.11.2026" in education_part
    assert "Vorlesestunde 1" in education_part and "Vorlesestunde 0" not in education_part
    assert "… und 1 weitere" in education_part
    assert "2 Aktivitäten · Caritas · erreicht: < 5 Personen" in parents_part
    assert "• Elterncafé <Nord> – Caritas, 25.11.2026" in parents_part
    assert "Altes Treffen" not in text
    assert "Gesund aufwachsen" not in text  # no activity, no section
    assert "/einstellungen" in text

    english = (await ben.next_message()).text
    assert english.startswith("📋 Weekly digest 21 Nov 2026 to 27 Nov 2026")
    assert "Early education\n6 activities" in english
    assert "Strong parents\n2 activities · Caritas · reached: < 5 people" in english

    sent = await digests(bot)
    assert len(sent) == 2
    assert {d.member_id for d in sent} == {await member_id(bot, anna), await member_id(bot, ben)}
    await carla.expect_no_message()
    async with bot.sessions() as session:
        (run,) = await session.scalars(select(ScheduleRun))
        assert run.recipients == 2


async def test_a_week_without_activities_sends_nothing(bot: RunningBot) -> None:
    anna, _, _ = await people(bot)
    education, _, _ = await goals(bot)
    await activity(
        bot, organisation="awo", goal=education, title="Lesefest", day=date(2026, 11, 27)
    )
    await digest_schedule(bot)
    await run_jobs(bot)
    assert "1 Aktivität · AWO Kreisverband Neustadt" in (await anna.next_message()).text
    assert len(await digests(bot)) == 3  # Anna, Ben, Carla

    bot.clock.advance(days=7)
    await run_jobs(bot)
    assert len(await digests(bot)) == 3
    async with bot.sessions() as session:
        runs = list(await session.scalars(select(ScheduleRun).order_by(ScheduleRun.id)))
        assert [run.recipients for run in runs] == [3, 0]
        schedule = await session.scalar(select(Schedule))
        assert schedule is not None and schedule.next_fire_at is not None
        assert schedule.next_fire_at == FRIDAY + timedelta(days=14)


async def test_the_settings_switch_the_digest_off_and_on(bot: RunningBot) -> None:
    anna, ben, carla = await people(bot)
    await anna.send("/einstellungen")
    menu = await anna.next_message()
    assert "Wochenrückblick: an" in menu.text
    assert menu.buttons[-2:] == [["Wochenrückblick ausschalten"], ["Fertig"]]

    text = await anna.press_and_read(menu, "Wochenrückblick ausschalten")
    assert text.startswith("✅ Gespeichert.")
    assert "Wochenrückblick: aus" in text
    assert menu.buttons[-2] == ["Wochenrückblick einschalten"]
    async with bot.sessions() as session:
        stored = await session.get(Member, await member_id(bot, anna))
        assert stored is not None and stored.activity_digest is False

    education, _, _ = await goals(bot)
    await activity(bot, organisation="awo", goal=education, title="Lesefest", day=FRIDAY.date())
    await digest_schedule(bot)
    await run_jobs(bot)
    assert "1 activity · AWO Kreisverband Neustadt" in (await ben.next_message()).text
    sent = await digests(bot)
    assert len(sent) == 2
    assert {d.member_id for d in sent} == {await member_id(bot, ben), await member_id(bot, carla)}

    text = await anna.press_and_read(menu, "Wochenrückblick einschalten")
    assert "Wochenrückblick: an" in text
    assert menu.buttons[-2] == ["Wochenrückblick ausschalten"]
    async with bot.sessions() as session:
        stored = await session.get(Member, await member_id(bot, anna))
        assert stored is not None and stored.activity_digest is True
    assert "gespeichert" in await anna.press_and_read(menu, "Fertig")


def test_a_long_week_still_fits_one_message() -> None:
    translator = Translator("de")
    entries = tuple(Entry("T" * 120, "O" * 200, date(2026, 11, 27)) for _ in range(5))
    goal = GoalWeek(1, "Z" * 300, "Z" * 300, 40, ("O" * 200,) * 3, 2, entries)
    week = Week(date(2026, 11, 21), date(2026, 11, 27), (goal,) * 30)
    for language in ("de", "en"):
        text = digest_text(translator, language, week)
        assert visible_length(text) <= MESSAGE_LIMIT
        assert "< 5" in html.unescape(text)
    assert "weitere Ziele" in digest_text(translator, "de", week)
