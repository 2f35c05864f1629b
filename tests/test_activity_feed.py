"""The activity feed and the coordinators' gaps (issue 15) on SQLite and PostgreSQL: the service
(order, paging, filters, gaps) and /aktivitaeten end to end through the fake Bot API server
(paging, the goal and organisation filters, small reach shown as "< 5", the gaps for
coordinators only, forged buttons answered as stale and changing nothing)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.activity import feed as service
from bot.services.errors import DomainError
from bot.services.initiative import apply_initiative
from bot.services.initiative_file import load_initiative_file
from storage.models import Goal, Organisation, Role
from tests import factories
from tests.conftest import RunningBot
from tests.fake_telegram import BotMessage, FakeUser
from tests.steps import coordinator, member

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "initiative.example.toml"
TODAY = date(2026, 6, 15)
NOON = datetime(2026, 6, 15, 10, tzinfo=UTC)
STALE = "Dieser Knopf ist nicht mehr aktuell. Bitte beginnen Sie neu, z. B. mit /hilfe."
BILDUNG, FAMILIEN, SCHULE = "fruehe-bildung", "familien-erreichen", "schulstart"


async def set_up(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        await apply_initiative(session, load_initiative_file(EXAMPLE))


async def add_activity(
    sessions: async_sessionmaker[AsyncSession],
    title: str,
    day: date,
    *,
    organisation: str = "awo",
    goal: str = BILDUNG,
    reach: int | None = None,
    district: str | None = None,
    target_group: str | None = None,
    partners: Sequence[str] = (),
    description: str = "",
) -> int:
    async with sessions.begin() as session:
        return await factories.add_activity(
            session,
            organisation,
            day,
            title,
            goal,
            partners=tuple(partners),
            target_group=target_group,
            district=district,
            reach=reach,
            description=description,
        )


async def organisation_id(sessions: async_sessionmaker[AsyncSession], code: str) -> int:
    async with sessions() as session:
        found = await session.scalar(select(Organisation.id).where(Organisation.code == code))
    assert found is not None
    return found


async def goal_id(sessions: async_sessionmaker[AsyncSession], code: str) -> int:
    async with sessions() as session:
        found = await session.scalar(select(Goal.id).where(Goal.code == code))
    assert found is not None
    return found


# --- the service ---------------------------------------------------------------------------


async def test_the_feed_is_newest_first_and_pages(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await set_up(sessions)
    for i in range(6):
        await add_activity(sessions, f"Aktivität {i}", TODAY - timedelta(days=i))
    # Two on one day: the later entry comes first.
    await add_activity(sessions, "Früher eingetragen", TODAY - timedelta(days=10))
    await add_activity(sessions, "Später eingetragen", TODAY - timedelta(days=10))
    async with sessions() as session:
        first, more = await service.feed(session)
        second, more_after = await service.feed(session, offset=5)
        everything, _ = await service.feed(session, limit=100)
    assert [i.title for i in first] == [f"Aktivität {i}" for i in range(5)]
    assert more
    assert [i.title for i in second] == ["Aktivität 5", "Später eingetragen", "Früher eingetragen"]
    assert not more_after
    days = [(i.day, i.id) for i in everything]
    assert days == sorted(days, reverse=True)


async def test_an_item_carries_what_the_feed_shows(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await set_up(sessions)
    await add_activity(
        sessions,
        "Elterncafé",
        TODAY,
        goal=FAMILIEN,
        reach=12,
        district="Nordstadt",
        target_group="Alleinerziehende",
        partners=["mgh", "caritas"],
        description="Jeden Dienstag.",
    )
    async with sessions() as session:
        (item,), more = await service.feed(session)
    assert not more
    assert item.organisation == "AWO Kreisverband Neustadt"
    assert (item.goal_title("de"), item.goal_title("en")) == (
        "Familien früh erreichen",
        "Reach families early",
    )
    assert (item.target_group, item.district, item.reach) == ("Alleinerziehende", "Nordstadt", 12)
    assert item.partners == ("Caritasverband Neustadt e. V.", "Mehrgenerationenhaus Neustadt e. V.")
    assert item.description == "Jeden Dienstag."


async def test_the_feed_filters_by_goal_and_organisation(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await set_up(sessions)
    await add_activity(sessions, "Kita-Fest", TODAY, goal=BILDUNG)
    await add_activity(sessions, "Hausbesuche", TODAY, goal=FAMILIEN, organisation="caritas")
    await add_activity(sessions, "Lesepaten", TODAY, goal=SCHULE, organisation="mgh")
    await add_activity(
        sessions, "Sprachkurs", TODAY, goal=BILDUNG, organisation="stadt", partners=["caritas"]
    )
    async with sessions() as session:
        by_goal, _ = await service.feed(session, goal_code=BILDUNG)
        by_organisation, _ = await service.feed(session, organisation_code="caritas")
        both, _ = await service.feed(session, goal_code=BILDUNG, organisation_code="caritas")
        offered = await service.filters(session)
        with pytest.raises(DomainError) as unknown_goal:
            await service.feed(session, goal_code="gibt-es-nicht")
        with pytest.raises(DomainError) as unknown_organisation:
            await service.feed(session, organisation_id=999_999)
    assert {i.title for i in by_goal} == {"Kita-Fest", "Sprachkurs"}
    # An organisation's activities include those it took part in as a partner.
    assert {i.title for i in by_organisation} == {"Hausbesuche", "Sprachkurs"}
    assert [i.title for i in both] == ["Sprachkurs"]
    assert unknown_goal.value.key == unknown_organisation.value.key == "error.stale_button"
    # Only goals and organisations with activities are offered, goals in the agenda's order.
    assert [g.code for g in offered.goals] == [BILDUNG, FAMILIEN, SCHULE]
    assert [o.code for o in offered.organisations] == ["awo", "caritas", "mgh", "stadt"]


async def test_the_gaps(sessions: async_sessionmaker[AsyncSession]) -> None:
    await set_up(sessions)
    window_start = TODAY - timedelta(weeks=service.GAP_WEEKS) + timedelta(days=1)
    # Just inside the window: no gap.
    await add_activity(sessions, "Kita-Fest", window_start, goal=BILDUNG, district=" nordstadt ")
    # Just before it: a gap, with the day of the last activity.
    await add_activity(sessions, "Hausbesuche", window_start - timedelta(days=1), goal=FAMILIEN)
    # Planned, not yet happened: neither the goal nor the district counts as active.
    await add_activity(
        sessions, "Einschulungsfest", TODAY + timedelta(days=3), goal=SCHULE, district="Südstadt"
    )
    await add_activity(sessions, "Lesepaten", TODAY - timedelta(days=400), district="Altstadt")
    async with sessions() as session:
        found = await service.gaps(session, TODAY)
        short = await service.gaps(session, TODAY, weeks=1)
    assert found.weeks == service.GAP_WEEKS == 8
    assert [(g.goal.code, g.last_activity) for g in found.goals] == [
        (FAMILIEN, window_start - timedelta(days=1)),
        (SCHULE, None),
    ]
    assert found.has_districts
    assert found.districts == ("Südstadt", "Weststadt", "Am Lindenhof", "Ortsteil Bergfeld")
    assert [g.goal.code for g in short.goals] == [BILDUNG, FAMILIEN, SCHULE]


async def test_gaps_without_districts_or_activities(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        found = await service.gaps(session, TODAY)
    assert found.goals == ()
    assert not found.has_districts
    assert found.districts == ()


# --- end to end ------------------------------------------------------------------------------


async def example(bot: RunningBot) -> None:
    bot.clock.now = NOON
    await set_up(bot.sessions)


async def open_feed(user: FakeUser, command: str = "/aktivitaeten") -> BotMessage:
    await user.send(command)
    return await user.next_message()


def labels(message: BotMessage) -> list[str]:
    return [label for row in message.buttons for label in row]


async def test_the_feed_in_chat_pages_and_hides_small_numbers(bot: RunningBot) -> None:
    await example(bot)
    await add_activity(
        bot.sessions,
        "Elterncafé Nordstadt",
        TODAY - timedelta(days=1),
        goal=FAMILIEN,
        reach=3,
        district="Nordstadt",
        target_group="Alleinerziehende",
        partners=["caritas"],
        description="Austausch <b>bei</b> Kaffee.",
    )
    await add_activity(bot.sessions, "Kita-Fest", TODAY - timedelta(days=2), reach=12)
    for i in range(4):
        await add_activity(bot.sessions, f"Sprechstunde {i}", TODAY - timedelta(days=10 + i))
    await add_activity(bot.sessions, "Sommerfest", TODAY + timedelta(days=5), organisation="mgh")
    anna = await member(bot, "Anna Berger")
    first = await open_feed(anna)
    text = first.text
    assert text.startswith("📋 Aktivitäten im Bündnis")
    assert "20.06.2026 (geplant) · Mehrgenerationenhaus Neustadt e. V.\nSommerfest" in text
    assert (
        "14.06.2026 · AWO Kreisverband Neustadt\nElterncafé Nordstadt\n"
        "Ziel: Familien früh erreichen\n"
        "Zielgruppe: Alleinerziehende · Stadtteil: Nordstadt · erreicht: < 5\n"
        "Mit: Caritasverband Neustadt e. V.\n"
        "Austausch <b>bei</b> Kaffee."
    ) in text
    assert "Kita-Fest\nZiel: Frühe Bildung stärken\nerreicht: 12" in text
    assert "Sprechstunde 1" in text and "Sprechstunde 2" not in text
    assert labels(first) == ["Nach Ziel", "Nach Organisation", "Ältere anzeigen"]
    await anna.press(first, "Ältere anzeigen")
    older = await anna.next_message()
    assert "Sprechstunde 2" in older.text and "Sprechstunde 3" in older.text
    assert "Kita-Fest" not in older.text
    assert labels(older) == ["Nach Ziel", "Nach Organisation"]


async def test_filtering_by_goal_and_organisation_in_chat(bot: RunningBot) -> None:
    await example(bot)
    await add_activity(bot.sessions, "Kita-Fest", TODAY, goal=BILDUNG)
    await add_activity(bot.sessions, "Hausbesuche", TODAY, goal=FAMILIEN, organisation="caritas")
    await add_activity(bot.sessions, "Lesepaten", TODAY, goal=SCHULE, partners=["caritas"])
    anna = await member(bot, "Anna Berger")
    feed = await open_feed(anna)
    await anna.press(feed, "Nach Ziel")
    goals = await anna.next_message()
    assert goals.text == "Aktivitäten zu welchem Ziel?"
    assert labels(goals) == [
        "Frühe Bildung stärken",
        "Familien früh erreichen",
        "Gut vorbereitet in die Schule",
        "Alle Aktivitäten",
    ]
    await anna.press(goals, "Familien früh erreichen")
    by_goal = await anna.next_message()
    assert by_goal.text.startswith("📋 Aktivitäten zum Ziel „Familien früh erreichen“")
    assert "Hausbesuche" in by_goal.text
    assert "Kita-Fest" not in by_goal.text and "Lesepaten" not in by_goal.text
    assert "Alle Aktivitäten" in labels(by_goal)
    await anna.press(feed, "Nach Organisation")
    organisations = await anna.next_message()
    assert organisations.text == "Aktivitäten welcher Organisation?"
    await anna.press(organisations, "Caritasverband Neustadt e. V.")
    by_organisation = await anna.next_message()
    assert by_organisation.text.startswith("📋 Aktivitäten mit Caritasverband Neustadt e. V.")
    assert "Hausbesuche" in by_organisation.text and "Lesepaten" in by_organisation.text
    assert "Kita-Fest" not in by_organisation.text
    await anna.press(by_organisation, "Alle Aktivitäten")
    everything = await anna.next_message()
    assert all(t in everything.text for t in ("Kita-Fest", "Hausbesuche", "Lesepaten"))


async def test_the_feed_in_english(bot: RunningBot) -> None:
    await example(bot)
    await add_activity(bot.sessions, "Kita-Fest", TODAY, reach=1234, district="Nordstadt")
    anna = await member(bot, "Anna Berger", language="en")
    feed = await open_feed(anna, "/activities")
    assert feed.text.startswith("📋 Activities of the initiative")
    assert "15 Jun 2026 · AWO Kreisverband Neustadt\nKita-Fest" in feed.text
    assert "Goal: Strengthen early education\nDistrict: Nordstadt · reached: 1,234" in feed.text
    assert labels(feed) == ["By goal", "By organisation"]


async def test_an_empty_feed(bot: RunningBot) -> None:
    await example(bot)
    anna = await member(bot, "Anna Berger")
    assert (await open_feed(anna)).text == "Es sind noch keine Aktivitäten eingetragen."


async def test_forged_filters_are_stale_and_change_nothing(bot: RunningBot) -> None:
    await example(bot)
    await add_activity(bot.sessions, "Kita-Fest", TODAY)
    anna = await member(bot, "Anna Berger")
    feed = await open_feed(anna)
    # A goal that does not exist, and one that exists but has no activities to show.
    without_activities = await goal_id(bot.sessions, SCHULE)
    idle_organisation = await organisation_id(bot.sessions, "stadtwerke")
    for data in (
        "acf:g:999999:0",
        f"acf:g:{without_activities}:0",
        f"acf:o:{idle_organisation}:0",
    ):
        answer = await anna.callback_answer(await anna.press_data(feed, data))
        assert answer["text"] == STALE
        assert answer.get("show_alert")
    await anna.expect_no_message()


async def test_gaps_for_coordinators_only(bot: RunningBot) -> None:
    await example(bot)
    await add_activity(bot.sessions, "Kita-Fest", TODAY - timedelta(days=3), district="Nordstadt")
    await add_activity(bot.sessions, "Hausbesuche", date(2026, 3, 2), goal=FAMILIEN)
    clara = await coordinator(bot)
    feed = await open_feed(clara)
    assert labels(feed) == ["Nach Ziel", "Nach Organisation", "🔍 Lücken"]
    await clara.press(feed, "🔍 Lücken")
    gaps = (await clara.next_message()).text
    assert gaps.startswith("🔍 Lücken · Stand 15.06.2026")
    assert "Ziele ohne Aktivität in den letzten 8 Wochen:" in gaps
    assert "• Familien früh erreichen (zuletzt am 02.03.2026)" in gaps
    assert "• Gut vorbereitet in die Schule (noch nie)" in gaps
    assert "Frühe Bildung" not in gaps
    assert "Stadtteile, in denen noch keine Aktivität eingetragen ist:" in gaps
    assert "• Altstadt" in gaps and "• Weststadt" in gaps and "Nordstadt" not in gaps
    # A partner has no such button; pressing a forged one is refused and shows nothing.
    anna = await member(bot, "Anna Berger")
    partner_feed = await open_feed(anna)
    assert "🔍 Lücken" not in labels(partner_feed)
    answer = await anna.callback_answer(await anna.press_data(partner_feed, "acf:gaps"))
    assert answer["text"] == "Die Lücken sehen nur Koordinator*innen."
    await anna.expect_no_message()


async def test_an_admin_sees_the_gaps_in_english(bot: RunningBot) -> None:
    await example(bot)
    for code in (BILDUNG, FAMILIEN, SCHULE):
        await add_activity(bot.sessions, "Treffen", TODAY, goal=code, district="Altstadt")
    admin = await member(bot, "Ada Admin", Role.ADMIN, "koordination", language="en")
    feed = await open_feed(admin, "/activities")
    await admin.press(feed, "🔍 Gaps")
    gaps = (await admin.next_message()).text
    assert gaps.startswith("🔍 Gaps · as of 15 Jun 2026")
    assert "Every goal had activities in the last 8 weeks." in gaps
    assert "Districts where no activity has been logged yet:\n• Nordstadt" in gaps
