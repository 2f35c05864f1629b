"""/missing end to end with the example initiative: the overview, nudges only to those who owe
(reporting contacts first), a nudge opening /report on its item, extensions, closing a period,
the "who still owes" broadcast audience, and the small-number rule in /agenda."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from openpyxl import load_workbook
from sqlalchemy import select, update

from bot.app import runtime_of
from bot.services.initiative import apply_initiative
from bot.services.initiative_file import load_initiative_file
from bot.services.missing.completeness_export import COMPLETENESS_COLUMNS
from storage.models import Delivery, Indicator, IndicatorValue, Member, Organisation, Role
from tests.conftest import RunningBot
from tests.fake_telegram import FakeUser
from tests.steps import run_jobs
from tests.test_agenda import EXAMPLE
from tests.test_reporting import partner

# Two days after January's monthly figures were due (end of 5 February).
FEB_7 = datetime(2026, 2, 7, 9, 0, tzinfo=UTC)
CARITAS = "Caritasverband Neustadt e. V."
STADT = "Stadt Neustadt – Fachbereich Jugend, Familie und Bildung"


async def example(bot: RunningBot) -> None:
    bot.clock.now = FEB_7
    async with bot.sessions.begin() as session:
        await apply_initiative(session, load_initiative_file(EXAMPLE))


async def reported(
    bot: RunningBot, organisation: str, value: float, code: str = "kita-plaetze"
) -> None:
    async with bot.sessions.begin() as session:
        indicator = await session.scalar(select(Indicator.id).where(Indicator.code == code))
        org = await session.scalar(select(Organisation.id).where(Organisation.code == organisation))
        session.add(
            IndicatorValue(
                indicator_id=indicator,
                organisation_id=org,
                period="2026-01",
                value=value,
                reported_at=datetime(2026, 2, 2, 10, tzinfo=UTC),
            )
        )


async def contact(bot: RunningBot, user: FakeUser) -> None:
    async with bot.sessions.begin() as session:
        await session.execute(
            update(Member).where(Member.telegram_id == user.id).values(reporting_contact=True)
        )


async def test_missing_nudges_exactly_who_owes(bot: RunningBot) -> None:
    await example(bot)
    clara = await partner(bot, "Clara Koch", "koordination", role=Role.COORDINATOR)
    anna = await partner(bot, "Anna Berger", "awo")
    alex = await partner(bot, "Alex Arndt", "awo")
    carl = await partner(bot, "Carl Caritas", "caritas")
    cora = await partner(bot, "Cora Caritas", "caritas")
    sam = await partner(bot, "Sam Stadt", "stadt")
    await contact(bot, anna)
    await reported(bot, "awo", 12)
    await clara.send("/ausstehend")
    overview = await clara.next_message()
    assert overview.text.startswith(
        "Januar 2026 · 1 von 8 Meldungen da (13 %), davon 1 pünktlich.\nEs fehlen:"
    )
    assert "• AWO Kreisverband Neustadt: Wartezeit auf ein Erstgespräch" in overview.text
    assert f"• {CARITAS}: Neue Kita-Plätze, Wartezeit" in overview.text
    await clara.press(overview, "⏰ Alle Säumigen erinnern")
    done = await clara.next_message()
    assert done.text.startswith("⏰ 4 Personen aus 3 Organisationen erinnert.")
    nudge = await anna.next_message()
    assert nudge.text.startswith("⏰ Für Januar 2026 fehlt von AWO Kreisverband Neustadt noch:")
    assert nudge.buttons == [["Wartezeit auf ein Erstgespräch in der Familienberatung"]]
    for user in (carl, cora):
        assert len((await user.next_message()).buttons) == 2
    assert "Stadt Neustadt" in (await sam.next_message()).text
    await alex.expect_no_message()  # the AWO named Anna as its reporting contact
    opened = await anna.press_and_read(nudge, nudge.buttons[0][0])
    assert opened.startswith("Wartezeit auf ein Erstgespräch in der Familienberatung, Januar 2026.")
    # Partners cannot nudge, extend or close.
    answer = await anna.callback_answer(await anna.press_data(nudge, "mis:nudge:2026-01"))
    assert answer["text"] == "Das dürfen nur Koordinator*innen."


async def test_a_nudge_names_the_organisations_nobody_could_be_reached_in(
    bot: RunningBot,
) -> None:
    await example(bot)
    clara = await partner(bot, "Clara Koch", "koordination", role=Role.COORDINATOR)
    anna = await partner(bot, "Anna Berger", "awo")
    carl = await partner(bot, "Carl Caritas", "caritas")
    await partner(bot, "Olga Observer", "stadtwerke", role=Role.OBSERVER)
    async with bot.sessions.begin() as session:
        await session.execute(
            update(Member).where(Member.telegram_id == carl.id).values(blocked=True)
        )
    await clara.send("/ausstehend")
    overview = await clara.next_message()
    await clara.press(overview, "⏰ Alle Säumigen erinnern")
    done = (await clara.next_message()).text
    assert done.startswith("⏰ 1 Person aus 1 Organisation erinnert.")
    assert (
        "⚠️ Nicht erreicht (4):\n"
        f"• {CARITAS}: alle haben den Bot blockiert\n"
        "• Ev.-luth. Kirchengemeinde St. Marien: noch niemand im Bot\n"
        f"• {STADT}: noch niemand im Bot\n"
        "• Stadtwerke Neustadt GmbH: nur Beobachter*innen im Bot\n"
        "Einladen: /mitglieder"
    ) in done
    assert (await anna.next_message()).text.startswith("⏰ Für Januar 2026 fehlt")
    # Nobody reachable at all is not "nothing missing".
    async with bot.sessions.begin() as session:
        await session.execute(
            update(Member).where(Member.telegram_id == anna.id).values(blocked=True)
        )
    await clara.press(overview, "⏰ Alle Säumigen erinnern")
    nobody = (await clara.next_message()).text
    assert nobody.startswith("⚠️ Niemand erinnert: in keiner der säumigen Organisationen")
    assert "• AWO Kreisverband Neustadt: alle haben den Bot blockiert" in nobody
    assert "Es fehlt nichts" not in nobody


async def test_extension_and_closing_a_period(bot: RunningBot) -> None:
    await example(bot)
    clara = await partner(bot, "Clara Koch", "koordination", role=Role.COORDINATOR)
    carl = await partner(bot, "Carl Caritas", "caritas")
    await clara.send("/ausstehend")
    overview = await clara.next_message()
    await clara.press(overview, "Frist verlängern")
    await clara.next_event(kinds=("edit",))
    await clara.press(overview, CARITAS)
    await clara.next_event(kinds=("edit",))
    await clara.press(overview, "+7 Tage")
    await clara.next_event(kinds=("edit",))  # the overview gets its buttons back
    assert "🔒 Zeitraum schließen" in [row[0] for row in overview.buttons]
    extended = await clara.next_message()
    assert extended.text == (
        f"✅ Frist für {CARITAS} (Januar 2026) um 7 Tage verlängert, bis 12.02.2026."
    )
    await carl.send("/melden")
    listing = await carl.next_message()
    await carl.press_and_read(listing, "⋯ Kita-Plätze: 1 ältere")
    assert "Jan 2026 · Kita-Plätze · fällig 12.02." in [row[0] for row in listing.buttons]
    await carl.send("/abbrechen")
    await carl.next_message()
    await clara.press(overview, "🔒 Zeitraum schließen")
    question = await clara.next_message()
    assert question.text.startswith("Zeitraum Januar 2026 schließen?")
    assert (
        await clara.press_and_read(question, "Ja, schließen") == "🔒 Januar 2026 ist geschlossen."
    )
    await carl.send("/melden")
    listing = await carl.next_message()
    assert "⋯ Kita-Plätze: 1 ältere" not in [row[0] for row in listing.buttons]
    await carl.send("Kita-Plätze Januar")
    assert (await carl.next_message()).text.startswith("Dazu habe ich nichts gefunden")
    assert not any("Jan 2026" in row[0] for row in listing.buttons)
    await clara.send("/ausstehend")
    again = await clara.next_message()
    assert "🔒 Dieser Zeitraum ist geschlossen." in again.text


async def test_a_broadcast_to_everyone_who_still_owes(bot: RunningBot) -> None:
    await example(bot)
    clara = await partner(bot, "Clara Koch", "koordination", role=Role.COORDINATOR)
    anna = await partner(bot, "Anna Berger", "awo")
    eva = await partner(bot, "Eva Evangelisch", "ev-kirche")
    mo = await partner(bot, "Mo Mehrgenerationenhaus", "mgh")
    await reported(bot, "awo", 12)
    await reported(bot, "awo", 3.5, code="wartezeit-beratung")
    await clara.send("/rundruf")
    question = await clara.next_message()
    await clara.press_and_read(question, "Wer noch Meldungen schuldet")
    await clara.press_and_read(question, "Januar 2026")
    await clara.send("Bitte denken Sie an die Januar-Zahlen.")
    ack = await clara.next_message()
    await clara.press_and_read(ack, "Nein")
    confirm = await clara.next_message()
    assert "an 1 Person (wer für Januar 2026 noch Meldungen schuldet)" in confirm.text
    # Three organisations that owe have nobody in the bot: the coordinator is told who.
    assert (
        "⚠️ Nicht erreicht (3):\n"
        f"• {CARITAS}: noch niemand im Bot\n"
        f"• {STADT}: noch niemand im Bot\n"
        "• Stadtwerke Neustadt GmbH: noch niemand im Bot\n"
        "Einladen: /mitglieder"
    ) in confirm.text
    await clara.press_and_read(confirm, "✅ Senden")
    assert "Januar-Zahlen" in (await eva.next_message()).text
    await anna.expect_no_message()  # the AWO reported everything for January
    await mo.expect_no_message()  # the MGH owes no monthly figures


async def test_agenda_shows_the_initiatives_figure_from_three_organisations(
    bot: RunningBot,
) -> None:
    await example(bot)
    clara = await partner(bot, "Clara Koch", "koordination", role=Role.COORDINATOR)
    anna = await partner(bot, "Anna Berger", "awo")
    await reported(bot, "awo", 12)
    await reported(bot, "caritas", 8)
    await anna.send("/ziele")
    # Two organisations: hidden from partners, and said so.
    assert (
        "Ziel 500 Plätze insgesamt bis 31.12.2027; 📊 noch zu wenige Meldungen"
        in (await anna.next_message()).text
    )
    await clara.send("/ziele")
    assert (
        "📊 20 Plätze, 4 % des Ziels (Stand: Januar 2026, 2 von 2 gemeldet)"
        in (await clara.next_message()).text
    )
    await reported(bot, "stadt", 10)
    await anna.send("/ziele")
    assert (
        "📊 30 Plätze, 6 % des Ziels (Stand: Januar 2026, 3 von 3 gemeldet)"
        in (await anna.next_message()).text
    )


async def test_the_status_comes_as_a_file_with_the_missing_first(bot: RunningBot) -> None:
    await example(bot)
    clara = await partner(bot, "Clara Koch", "koordination", role=Role.COORDINATOR)
    anna = await partner(bot, "Anna Berger", "awo")
    await reported(bot, "awo", 12)
    await clara.send("/ausstehend")
    overview = await clara.next_message()
    assert overview.buttons[0] == ["⏰ Alle Säumigen erinnern", "📄 Als Datei"]
    await clara.press(overview, "📄 Als Datei")
    document = await clara.next_message()
    assert document.kind == "document" and document.file_name == "meldestand-2026-01.xlsx"
    assert document.text == (
        "📄 Meldestand Januar 2026: 7 von 8 Meldungen fehlen – die fehlenden stehen oben."
    )
    assert document.content is not None
    sheet = load_workbook(io.BytesIO(document.content), read_only=True)["Meldestand"]
    header, *rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    assert header == COMPLETENESS_COLUMNS
    assert len(rows) == 8 and [row[5] for row in rows] == [False] * 7 + [True]
    assert rows[-1][1:] == (
        "AWO Kreisverband Neustadt",
        "kita-plaetze",
        "Neue Kita-Plätze",
        datetime(2026, 2, 5),
        True,
        True,
    )
    # Only coordinators get it.
    answer = await anna.callback_answer(await anna.press_data(overview, "mis:file:2026-01"))
    assert answer["text"] == "Das dürfen nur Koordinator*innen."
    await anna.expect_no_message()
    # A forged period gets an answer, not an empty file.
    answer = await clara.callback_answer(await clara.press_data(overview, "mis:file:1999-99"))
    assert answer["text"] == "Für diese Auswahl gibt es keine Meldepflichten."
    await clara.expect_no_message()


async def test_a_nudge_waits_out_quiet_hours_and_is_dropped_once_reported(
    bot: RunningBot,
) -> None:
    await example(bot)  # 10:00 in Berlin
    clara = await partner(bot, "Clara Koch", "koordination", role=Role.COORDINATOR)
    anna = await partner(bot, "Anna Berger", "awo")
    sam = await partner(bot, "Sam Stadt", "stadt")
    async with bot.sessions.begin() as session:
        await session.execute(
            update(Member)
            .where(Member.telegram_id.in_([anna.id, sam.id]))
            .values(quiet_start=8, quiet_end=12)
        )
    await reported(bot, "awo", 12)
    await clara.send("/ausstehend")
    await clara.press(await clara.next_message(), "⏰ Alle Säumigen erinnern")
    assert (await clara.next_message()).text.startswith("⏰ 2 Personen aus 2 Organisationen")
    await anna.expect_no_message()  # her quiet hours
    await sam.expect_no_message()
    # Meanwhile the AWO's last report for January arrives.
    await reported(bot, "awo", 14, code="wartezeit-beratung")
    bot.clock.advance(hours=2, minutes=1)  # quiet hours are over
    runtime_of(bot.application).outbox_wake.set()
    nudge = await sam.next_message()
    assert nudge.text.startswith("⏰ Für Januar 2026 fehlt von Stadt Neustadt")
    await anna.expect_no_message()  # nothing missing any more: her nudge was dropped
    async with bot.sessions() as session:
        state = await session.scalar(
            select(Delivery.state)
            .join(Member, Member.id == Delivery.member_id)
            .where(Member.telegram_id == anna.id)
        )
    assert state == "dropped"


async def test_coordinators_waive_earlier_periods_in_chat(bot: RunningBot) -> None:
    """The example applied in December: eleven months are open at once. A coordinator waives
    them in /ausstehend; nobody is reminded of them, escalated or counted as missing."""
    bot.clock.now = datetime(2026, 12, 7, 9, tzinfo=UTC)  # Monday, 10:00 in Berlin
    async with bot.sessions.begin() as session:
        await apply_initiative(session, load_initiative_file(EXAMPLE))
    clara = await partner(bot, "Clara Koch", "koordination", role=Role.COORDINATOR)
    anna = await partner(bot, "Anna Berger", "awo")
    await clara.send("/ausstehend")
    overview = await clara.next_message()
    assert overview.text.startswith("November 2026 · 0 von 8 Meldungen da")
    await clara.press(overview, "🧹 Frühere Zeiträume erlassen")
    question = await clara.next_message()
    assert question.buttons[:2] == [
        ["bis Ende November 2026 (367)"],
        ["bis Ende Oktober 2026 (334)"],
    ]
    # Partners cannot, and a forged day changes nothing.
    refused = await anna.callback_answer(await anna.press_data(question, "mis:wvy:2026-12-01"))
    assert refused["text"] == "Das dürfen nur Koordinator*innen."
    forged = await clara.callback_answer(await clara.press_data(question, "mis:wvy:2026-13-01"))
    assert forged["text"].startswith("Dieser Knopf ist nicht mehr aktuell.")
    confirmation = await clara.press_and_read(question, "bis Ende November 2026 (367)")
    assert confirmation.startswith(
        "🧹 367 offene Meldungen aus Zeiträumen bis zum 30.11.2026 erlassen?\n"
        "• AWO Kreisverband Neustadt: 76 (Neue Kita-Plätze 11, Teilnahmen an Elterncafés und"
        " Eltern-Kind-Gruppen 48, Wartezeit auf ein Erstgespräch in der Familienberatung 11,"
        " Angebote in mindestens drei Sprachen beschrieben 3, Einschätzung: Zusammenarbeit von"
        " Kita und Grundschule im Stadtteil (1–5) 3)\n"
        "• Bürgerstiftung Neustadt: 3 (Angebote in mindestens drei Sprachen beschrieben 3)\n"
    )
    assert confirmation.endswith("Wer doch noch meldet, zählt als gemeldet.")
    assert await clara.press_and_read(question, "✅ Ja, erlassen") == (
        "✅ 367 offene Meldungen aus Zeiträumen bis zum 30.11.2026 erlassen."
    )
    # Pressed again: nothing left to waive, nothing changes.
    again = await clara.callback_answer(await clara.press_data(question, "mis:wvy:2026-12-01"))
    assert again["text"].startswith("Für Zeiträume, die vor dem 2026-12-01 enden, ist nichts")
    # Not missing: /ausstehend now starts at the first period still owed.
    await clara.send("/ausstehend")
    assert (await clara.next_message()).text.startswith("KW 49/2026 · 0 von 5 Meldungen da")
    # Not reminded, not escalated: Anna hears of week 49 only, the coordinators of nothing.
    await run_jobs(bot)
    reminder = await anna.next_message()
    assert "KW 49/2026" in reminder.text
    assert "November" not in reminder.text and "KW 48/2026" not in reminder.text
    await clara.expect_no_message()
