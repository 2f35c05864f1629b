"""/melden scales (issue 23): with a year of weekly and monthly open obligations a partner
reaches the current period in one tap and older ones by paging; labels differ in their first
30 characters; typing finds items; after saving "Noch offen" and [Nächster Punkt]; a backlog in
one message; short names in the initiative file; the readers never raise."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.initiative import apply_initiative
from bot.services.initiative_file import InitiativeFileError, load_initiative_file
from bot.services.members import MemberInfo
from bot.services.obligations import ensure_obligations
from bot.services.periods import Frequency, Period
from bot.services.report import menu as report_menu
from bot.services.report.search import read_backlog, read_search
from storage.models import Member, Organisation, Role
from tests.conftest import RunningBot
from tests.fake_telegram import BotMessage
from tests.steps import coordinator
from tests.test_agenda import EXAMPLE
from tests.test_initiative_file import MINIMAL, write
from tests.test_reporting import button_starting, partner, values

# A year into the example initiative (start 2026-01-01): Wednesday of week 49.
DEC_2 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


async def a_year(bot: RunningBot) -> None:
    bot.clock.now = DEC_2
    async with bot.sessions.begin() as session:
        await apply_initiative(session, load_initiative_file(EXAMPLE))
        await ensure_obligations(session, DEC_2)


def statements_into(statements: list[str]):  # type: ignore[no-untyped-def]
    def listen(*args: object) -> None:
        statements.append(str(args[2]))

    return listen


def labels(message: BotMessage) -> list[str]:
    return [text for row in message.buttons for text in row]


def distinct_on_a_phone(message: BotMessage) -> None:
    shown = labels(message)
    assert len({label[:30] for label in shown}) == len(shown), shown


async def viewer(sessions: async_sessionmaker[AsyncSession], name: str) -> MemberInfo:
    async with sessions() as session:
        member = await session.scalar(select(Member).where(Member.display_name == name))
        assert member is not None
        organisation = await session.get(Organisation, member.organisation_id)
        assert organisation is not None
        return MemberInfo(
            id=member.id,
            display_name=name,
            role=Role(member.role),
            language="de",
            organisation_code=organisation.code,
            organisation_name=organisation.name,
        )


async def test_the_current_period_is_one_tap_away_after_a_year(bot: RunningBot) -> None:
    await a_year(bot)
    anna = await partner(bot, "Anna Berger", "awo")
    await anna.send("/melden")
    listing = await anna.next_message()
    assert "Offen für AWO Kreisverband Neustadt: 82" in listing.text
    assert "• Teilnahmen an Elterncafés und Eltern-Kind-Gruppen: KW 49 (+48 ältere offen)" in (
        listing.text
    )
    shown = labels(listing)
    assert "KW 49 · Elterncafés · 30.11.–06.12." in shown
    assert "Dez 2026 · Kita-Plätze · fällig 05.01.2027" in shown
    distinct_on_a_phone(listing)
    # Older weeks by paging: latest first, 8 a page, back and forth.
    first = await anna.press_and_read(listing, "⋯ Elterncafés: 48 ältere")
    assert first.startswith("Teilnahmen an Elterncafés und Eltern-Kind-Gruppen: 49 offen")
    assert "Seite 1 von 7" in first
    assert labels(listing)[0] == "KW 49 · Elterncafés · 30.11.–06.12."
    distinct_on_a_phone(listing)
    second = await anna.press_and_read(listing, "Weitere anzeigen ▶️")
    assert "Seite 2 von 7" in second
    assert labels(listing)[0] == "KW 41 · Elterncafés · 05.10.–11.10. ⏰"
    distinct_on_a_phone(listing)
    await anna.press_and_read(listing, "◀️ Zurück")
    assert labels(listing)[1] == "KW 48 · Elterncafés · 23.11.–29.11. ⏰"
    # An older week straight away, and after saving what is left and the next item.
    await anna.press_and_read(listing, button_starting(listing, "KW 42"))
    await anna.send("7")
    note = await anna.next_message()
    await anna.press_and_read(note, "Ohne Anmerkung")
    saved = await anna.press_and_read(note, "✅ Speichern")
    assert saved.startswith("✅ Gespeichert: Teilnahmen an Elterncafés und Eltern-Kind-Gruppen")
    assert saved.endswith("Noch offen: 81")
    assert labels(note) == ["Nächster Punkt ▶️", "Fertig"]
    asked = await anna.press_and_read(note, "Nächster Punkt ▶️")
    assert asked.startswith("<b>Neue Kita-Plätze</b>, Dezember 2026.") or asked.startswith(
        "Neue Kita-Plätze, Dezember 2026."
    )
    assert [(v.period, v.value) for v in await values(bot)] == [("2026-W42", 7.0)]


async def test_the_menu_reads_no_more_when_the_history_grows(bot: RunningBot) -> None:
    """The menu service offers each indicator's current period, whatever the day, and runs the
    same statements with a year of history as with a month."""
    await a_year(bot)
    await partner(bot, "Anna Berger", "awo")
    anna = await viewer(bot.sessions, "Anna Berger")
    counts = []
    for day in (datetime(2026, 2, 2, 9, tzinfo=UTC), DEC_2):
        async with bot.sessions() as session:
            awo = await session.scalar(select(Organisation.id).where(Organisation.code == "awo"))
            assert awo is not None
            statements: list[str] = []
            sync = session.sync_session.get_bind()
            listen = statements_into(statements)
            event.listen(sync, "before_cursor_execute", listen)
            found = await report_menu.menu(session, awo, anna, day)
            event.remove(sync, "before_cursor_execute", listen)
            counts.append(len(statements))
        weekly = [i for i in found.items if i.frequency == "weekly"]
        assert [i.period for i in weekly] == ["2026-W49"]
        assert weekly[0].older_open == 48
    assert counts[0] == counts[1]
    async with bot.sessions() as session:
        page = await report_menu.indicator_items(session, awo, weekly[0].indicator_id, anna, 6)
    assert [i.period for i in page.items] == ["2026-W01"]
    assert (page.pages, page.open_total) == (7, 49)


async def test_typing_finds_items(bot: RunningBot) -> None:
    await a_year(bot)
    anna = await partner(bot, "Anna Berger", "awo")
    await anna.send("/melden")
    await anna.next_message()
    await anna.send("Kita-Plätze November")
    asked = await anna.next_message()  # exactly one: straight to the value question
    assert "Neue Kita-Plätze" in asked.text and "November 2026" in asked.text
    await anna.send("/abbrechen")
    await anna.next_message()
    await anna.send("/melden")
    await anna.next_message()
    await anna.send("kw36")
    found = await anna.next_message()
    assert found.text.startswith("Gefunden (1)") is False or "KW 36" in labels(found)[0]
    await anna.send("/abbrechen")
    await anna.next_message()
    await anna.send("/melden")
    await anna.next_message()
    await anna.send("Blumenkohl im Juli")
    hint = await anna.next_message()
    assert hint.text.startswith("Dazu habe ich nichts gefunden: „Blumenkohl im Juli“.")
    # State unchanged: the next search still works.
    await anna.send("Elterncafés KW 36")
    asked = await anna.next_message()
    assert "KW 36/2026" in asked.text
    assert await values(bot) == []


async def test_a_backlog_in_one_message(bot: RunningBot) -> None:
    await a_year(bot)
    anna = await partner(bot, "Anna Berger", "awo")
    await anna.send("/melden")
    listing = await anna.next_message()
    await anna.press_and_read(listing, "⋯ Elterncafés: 48 ältere")
    await anna.send("das weiß ich nicht")
    assert (await anna.next_message()).text.startswith("Dazu habe ich nichts gefunden")
    assert await values(bot) == []
    await anna.send("KW 36: 12, KW 37: 15; KW 38: 9,5 KW 39: 4 KW 60: 3")
    understood = await anna.next_message()
    assert understood.text.startswith("<b>Teilnahmen") or understood.text.startswith(
        "Teilnahmen an Elterncafés und Eltern-Kind-Gruppen für AWO"
    )
    assert "• KW 36/2026: 12" in understood.text
    assert "• KW 39/2026: 4" in understood.text
    assert "Nicht übernommen:" in understood.text
    assert "KW 38 9,5 – Wert nicht lesbar oder außerhalb des Bereichs" in understood.text
    assert "KW 60 3 – kein Zeitraum dieser Kennzahl" in understood.text
    assert labels(understood) == ["✅ Alle speichern", "Abbrechen"]
    saved = await anna.press_and_read(understood, "✅ Alle speichern")
    assert saved.startswith("✅ Gespeichert: 3 Werte (KW 36/2026, KW 37/2026, KW 39/2026).")
    assert "Noch offen: 79" in saved
    stored = sorted((v.period, v.value, v.source) for v in await values(bot))
    assert stored == [
        ("2026-W36", 12.0, "chat"),
        ("2026-W37", 15.0, "chat"),
        ("2026-W39", 4.0, "chat"),
    ]
    # Again: reported ones are not taken twice, nothing else readable: no save button.
    await anna.send("/melden")
    listing = await anna.next_message()
    await anna.press_and_read(listing, "⋯ Elterncafés: 45 ältere")
    await anna.send("KW 36: 13")
    again = await anna.next_message()
    assert "KW 36 13 – schon gemeldet (einzeln korrigieren)" in again.text
    assert labels(again) == ["Abbrechen"]
    stale = await anna.callback_answer(await anna.press_data(understood, "rep:bl:save"))
    assert "nicht mehr aktuell" in stale["text"]
    assert len(await values(bot)) == 3


async def test_a_coordinator_stays_with_the_organisation(bot: RunningBot) -> None:
    await a_year(bot)
    clara = await coordinator(bot)
    await clara.send("/melden")
    choice = await clara.next_message()
    await clara.press_and_read(choice, "Caritasverband Neustadt e. V.")
    await clara.press_and_read(choice, "KW 49 · Elterncafés · 30.11.–06.12.")
    await clara.send("KW 47: 3, KW 48: 4")
    understood = await clara.next_message()
    saved = await clara.press_and_read(understood, "✅ Alle speichern")
    assert "Noch offen: 80" in saved
    asked = await clara.press_and_read(understood, "Nächster Punkt ▶️")
    assert "Sie melden für <b>Caritasverband" in asked or "Sie melden für Caritasverband" in asked
    async with bot.sessions() as session:
        caritas = await session.scalar(
            select(Organisation.id).where(Organisation.code == "caritas")
        )
    assert {v.organisation_id for v in await values(bot)} == {caritas}
    # Demoted meanwhile: the old buttons are refused and nothing changes.
    async with bot.sessions.begin() as session:
        member = await session.scalar(select(Member).where(Member.display_name == "Clara Koch"))
        assert member is not None
        member.role = Role.PARTNER.value
    answer = await clara.callback_answer(await clara.press_data(understood, "rep:p:0"))
    assert answer["text"]
    assert len(await values(bot)) == 2


async def test_forged_pages_are_answered(bot: RunningBot) -> None:
    await a_year(bot)
    anna = await partner(bot, "Anna Berger", "awo")
    await anna.send("/melden")
    listing = await anna.next_message()
    for data in ("rep:p:7", "rep:i:1:99", "rep:i:9999:0"):
        answer = await anna.callback_answer(await anna.press_data(listing, data))
        assert answer["text"] in (
            "Diese Liste hat sich inzwischen geändert. Bitte beginnen Sie neu mit /melden.",
            "Diese Meldung gibt es nicht (mehr). Bitte beginnen Sie neu mit /melden.",
        ), data
    assert await values(bot) == []


def test_alike_short_names_are_refused(tmp_path: Path) -> None:
    second = """
    [[indicators]]
    code = "plaetze-neu"
    name = { de = "Plätze (neu gezählt ab Juni)", en = "Places, new" }
    type = "integer"
    frequency = "monthly"
    aggregation = "sum"
    goal = "ziel"
    """
    text = MINIMAL.replace(
        'name = { de = "Plätze", en = "Places" }',
        'name = { de = "Plätze (neu gezählt ab Januar)", en = "Places" }',
    )
    with pytest.raises(InitiativeFileError) as refused:
        load_initiative_file(write(tmp_path, text + second))
    (problem,) = refused.value.problems
    assert 'indicators[2] "plaetze-neu": short_de:' in problem
    assert 'indicators[1] "plaetze"' in problem and "short_de" in problem
    fixed = second.replace('type = "integer"', 'short_de = "Plätze neu"\n    type = "integer"')
    assert load_initiative_file(write(tmp_path, text + fixed)).indicators[1].short("de") == (
        "Plätze neu"
    )


@given(st.text(max_size=300))
def test_the_readers_never_raise(text: str) -> None:
    read_search(text)
    for frequency in Frequency:
        read_backlog(text, frequency, date(2026, 12, 2))


@given(st.text(alphabet="abcdefghijklmnoprstuvxyzäöüß !?.,;#", max_size=200))
def test_garbage_is_no_backlog(text: str) -> None:
    # Without digits no period of a week can be typed: nothing understood.
    assert not read_backlog(text, "weekly", date(2026, 12, 2)).understood


@given(st.lists(st.tuples(st.integers(1, 48), st.integers(0, 999)), min_size=1, max_size=20))
def test_typed_pairs_are_read_back(pairs: list[tuple[int, int]]) -> None:
    text = ", ".join(f"KW {week}: {value}" for week, value in pairs)
    found = read_backlog(text, "weekly", date(2026, 12, 2))
    assert [(p.period, p.value) for p in found.pairs] == [
        (Period(Frequency.WEEKLY, 2026, week), str(value)) for week, value in pairs
    ]
    assert found.unreadable == []
