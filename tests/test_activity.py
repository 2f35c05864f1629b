"""Logging activities end to end (issue 15): the whole flow by buttons and typing, every kind
of wrong input answered, the "also active here" hint shown and suppressed, own entries changed
and deleted; date and number reading as unit tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.services.activity.activities import parse_reach
from bot.services.errors import DomainError
from bot.services.typed_dates import parse_day
from storage.models import Activity, ActivityPartner, Goal, Organisation
from tests.conftest import RunningBot
from tests.fake_telegram import FakeUser
from tests.steps import member
from tests.test_agenda import EXAMPLE, set_up
from tests.test_mydata import open_mydata

NOV_27 = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
TITLE = "Elterncafé in der Kita Sonnenschein"
STALE = "Dieser Knopf ist nicht mehr aktuell. Bitte beginnen Sie neu, z. B. mit /hilfe."


async def example(bot: RunningBot) -> tuple[FakeUser, FakeUser]:
    bot.clock.now = NOV_27
    await set_up(bot)
    anna = await member(bot, "Anna Berger", organisation="awo")
    carla = await member(
        bot,
        "Carla Wendt",
        organisation="caritas",
        organisation_name="Caritasverband Neustadt e. V.",
    )
    return anna, carla


async def log(
    user: FakeUser,
    title: str = TITLE,
    *,
    day: str = "Heute",
    goal: str = "Familien früh erreichen",
    group: str = "Alleinerziehende",
    district: str = "Nordstadt",
    reach: str | None = "12",
    partners: tuple[str, ...] = (),
    description: str | None = None,
) -> str:
    """The whole flow; returns what the bot says after saving."""
    await user.send("/aktivitaet")
    await user.next_message()
    await user.send(title)
    flow = await user.next_message()
    assert flow.text.startswith("Wann war oder ist sie?")
    assert (await user.press_and_read(flow, day)) == "Zu welchem Ziel gehört sie?"
    assert (await user.press_and_read(flow, goal)) == "Für welche Zielgruppe?"
    assert (await user.press_and_read(flow, group)) == "In welchem Stadtteil?"
    text = await user.press_and_read(flow, district)
    assert text.startswith("Wie viele Menschen wurden erreicht?")
    if reach is None:
        text = await user.press_and_read(flow, "Überspringen")
    else:
        await user.send(reach)
        flow = await user.next_message()
        text = flow.text
    assert text.startswith("Welche Partnerorganisationen")
    for partner in partners:
        await user.press_and_read(flow, partner)
    text = await user.press_and_read(flow, "Weiter")
    assert text.startswith("Eine kurze Beschreibung")
    if description is None:
        summary_text = await user.press_and_read(flow, "Überspringen")
        summary = flow
    else:
        await user.send(description)
        summary = await user.next_message()
        summary_text = summary.text
    assert summary_text.startswith("Bitte prüfen:"), summary_text
    return await user.press_and_read(summary, "✅ Speichern")


async def stored(bot: RunningBot) -> list[Activity]:
    async with bot.sessions() as session:
        return list((await session.scalars(select(Activity).order_by(Activity.id))).all())


async def test_an_activity_is_logged_by_buttons_and_typing(bot: RunningBot) -> None:
    anna, _ = await example(bot)
    saved = await log(
        anna,
        partners=("Caritasverband Neustadt e. V.",),
        description="Offener Treff mit Frühstück, 14-täglich.",
    )
    assert saved.startswith(f"✅ Gespeichert: „{TITLE}“")
    assert "Auch hier aktiv" not in saved
    (activity,) = await stored(bot)
    assert (activity.title, activity.activity_date, activity.reach) == (
        TITLE,
        date(2026, 11, 27),
        12,
    )
    assert (activity.target_group, activity.district) == ("Alleinerziehende", "Nordstadt")
    assert activity.description == "Offener Treff mit Frühstück, 14-täglich."
    async with bot.sessions() as session:
        partners = (
            await session.scalars(
                select(Organisation.code)
                .join(ActivityPartner, ActivityPartner.organisation_id == Organisation.id)
                .where(ActivityPartner.activity_id == activity.id)
            )
        ).all()
        goal = await session.get(Goal, activity.goal_id)
    assert list(partners) == ["caritas"] and goal is not None and goal.code == "familien-erreichen"


async def test_other_and_typed_dates_and_no_reach(bot: RunningBot) -> None:
    anna, _ = await example(bot)
    await anna.send("/aktivitaet")
    await anna.next_message()
    await anna.send("Sprachkurs für Eltern")
    flow = await anna.next_message()
    await anna.send("3.12.2026")  # planned
    flow = await anna.next_message()
    assert flow.text == "Zu welchem Ziel gehört sie?"
    await anna.press_and_read(flow, "Frühe Bildung stärken")
    assert (await anna.press_and_read(flow, "Andere …")).startswith("Welche Zielgruppe?")
    await anna.send("Großeltern")
    flow = await anna.next_message()
    await anna.press_and_read(flow, "Keine Angabe")
    await anna.press_and_read(flow, "Überspringen")
    await anna.press_and_read(flow, "Weiter")
    summary = await anna.press_and_read(flow, "Überspringen")
    assert "03.12.2026" in summary and "Großeltern" in summary
    await anna.press_and_read(flow, "✅ Speichern")
    (activity,) = await stored(bot)
    assert (activity.activity_date, activity.target_group, activity.district, activity.reach) == (
        date(2026, 12, 3),
        "Großeltern",
        None,
        None,
    )


async def test_wrong_input_is_answered_and_nothing_is_saved(bot: RunningBot) -> None:
    anna, _ = await example(bot)
    await anna.send("/aktivitaet")
    await anna.next_message()
    await anna.send("x" * 121)
    assert (await anna.next_message()).text == (
        "Das sind 121 Zeichen; bitte kürzen Sie auf höchstens 120."
    )
    await anna.send_photo()
    assert (await anna.next_message()).text == "Bitte schreiben Sie ein paar Worte als Text."
    await anna.send("Lesepatenschaften")
    flow = await anna.next_message()
    await anna.send("32.13.2026")
    assert (await anna.next_message()).text.startswith("Das Datum verstehe ich nicht.")
    await anna.send("27.11.2031")
    assert (await anna.next_message()).text.startswith("Das Datum liegt mehr als ein Jahr")
    await anna.press_and_read(flow, "Gestern")
    query = await anna.press_data(flow, "act:g:erfunden")
    assert (await anna.callback_answer(query))["text"] == STALE
    await anna.press_and_read(flow, "Gut vorbereitet in die Schule")
    query = await anna.press_data(flow, "act:tg:99")
    assert (await anna.callback_answer(query))["text"] == STALE
    await anna.press_and_read(flow, "Kita-Fachkräfte")
    await anna.press_and_read(flow, "Südstadt")
    for wrong in ("viele", "-3", "100001"):
        await anna.send(wrong)
        answer = await anna.next_message()
        assert answer.text == "Bitte eine ganze Zahl zwischen 0 und 100.000 eingeben, z. B. 12."
    await anna.send("1.500")
    flow = await anna.next_message()
    query = await anna.press_data(flow, "act:p:unbekannt")
    assert (await anna.callback_answer(query))["text"] == STALE
    await anna.press_and_read(flow, "Weiter")
    await anna.send("y" * 1001)
    assert (await anna.next_message()).text.startswith("Das sind 1.001 Zeichen")
    await anna.send("/abbrechen")
    await anna.next_message()
    assert await stored(bot) == []


async def test_the_partner_hint_is_shown_and_suppressed_by_the_setting(
    bot: RunningBot, tmp_path: Path
) -> None:
    anna, carla = await example(bot)
    bot.clock.now = NOV_27 - timedelta(days=14)
    await log(carla, "Familienberatung vor Ort", district="Nordstadt", group="Kita-Fachkräfte")
    bot.clock.now = NOV_27
    saved = await log(anna)
    assert "🤝 Auch hier aktiv" in saved
    assert "Caritasverband Neustadt e. V. (gleiches Ziel, gleicher Stadtteil)" in saved

    # The initiative file says Caritas does not want to be pointed to.
    caritas = 'code = "caritas"\n'
    text = EXAMPLE.read_text(encoding="utf-8")
    assert caritas in text
    changed = tmp_path / "initiative.toml"
    changed.write_text(text.replace(caritas, caritas + "show_activities = false\n"), "utf-8")
    await set_up(bot, changed)
    assert "Auch hier aktiv" not in await log(anna, "Zweiter Termin")


async def test_own_entries_are_changed_and_deleted_and_others_refused(bot: RunningBot) -> None:
    anna, carla = await example(bot)
    await log(anna)
    (activity,) = await stored(bot)
    await anna.send("/aktivitaet")
    start = await anna.next_message()
    own = await anna.press_and_read(start, "✏️ Meine letzten Einträge")
    assert own.startswith("Ihre Einträge der letzten 30 Tage")
    label = next(b for row in start.buttons for b in row if TITLE in b)
    await anna.press_and_read(start, label)
    assert (await anna.press_and_read(start, "Erreichte ändern")).startswith("Wie viele")
    await anna.send("30")
    assert (await anna.next_message()).text == "✅ Geändert."
    assert (await stored(bot))[0].reach == 30
    _, data = await open_mydata(anna)
    assert [a["title"] for a in data["activities_logged"]] == [TITLE]

    await carla.send("/aktivitaet")
    other = await carla.next_message()
    for forged in (f"act:del:{activity.id}", f"act:dely:{activity.id}", f"act:m:{activity.id}"):
        query = await carla.press_data(other, forged)
        answer = await carla.callback_answer(query)
        assert answer["text"] == "Ändern und löschen können Sie nur Ihre eigenen Einträge."
    assert len(await stored(bot)) == 1

    await anna.send("/aktivitaet")
    start = await anna.next_message()
    await anna.press_and_read(start, "✏️ Meine letzten Einträge")
    await anna.press_and_read(start, next(b for row in start.buttons for b in row if TITLE in b))
    assert (await anna.press_and_read(start, "🗑 Löschen")).startswith("Wirklich löschen?")
    assert (await anna.press_and_read(start, "Ja, löschen")) == f"🗑 Gelöscht: „{TITLE}“."
    assert await stored(bot) == []


@pytest.mark.parametrize(
    ("typed", "language", "expected"),
    [
        ("27.11.2026", "de", date(2026, 11, 27)),
        ("3.12.", "de", date(2026, 12, 3)),
        ("2026-11-02", "de", date(2026, 11, 2)),
        ("27. November 2026", "de", date(2026, 11, 27)),
        ("1. Dez. 2026", "de", date(2026, 12, 1)),
        ("27 Nov 2026", "en", date(2026, 11, 27)),
        ("11/27/2026", "en", date(2026, 11, 27)),
    ],
)
def test_dates_are_read_as_people_type_them(typed: str, language: str, expected: date) -> None:
    assert parse_day(typed, language, date(2026, 11, 27)) == expected


@pytest.mark.parametrize("typed", ["", "gestern vielleicht", "31.02.2026", "2031-01-01"])
def test_unreadable_or_far_dates_are_refused(typed: str) -> None:
    with pytest.raises(DomainError):
        parse_day(typed, "de", date(2026, 11, 27))


def test_reach_is_a_whole_number() -> None:
    assert parse_reach(" 1.500 ") == 1500
    assert parse_reach("12") == 12
    for wrong in ("", "zwölf", "-1", "1,5", "1,5e3", "100001"):
        with pytest.raises(DomainError):
            parse_reach(wrong)
