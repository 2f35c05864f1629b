"""Reporting values end to end with the example initiative: the list of what is owed, the
forgiving number reader, wrong input, not applicable, implausible values, corrections,
reporting on behalf, double "save", and what partners see afterwards (small numbers)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, text, update

from bot.services.initiative import apply_initiative
from bot.services.initiative_file import load_initiative_file
from storage.models import AuditEntry, Indicator, IndicatorValue, Obligation, Organisation, Role
from tests.conftest import RunningBot
from tests.fake_telegram import BotMessage, FakeUser
from tests.steps import member
from tests.test_agenda import EXAMPLE

# A Tuesday in the third week of the example initiative (start 2026-01-01, Lower Saxony).
JAN_20 = datetime(2026, 1, 20, 9, 0, tzinfo=UTC)
KITA_JANUARY = "Jan 2026 · Kita-Plätze · fällig 05.02."
STALE = "Dieser Knopf ist nicht mehr aktuell. Bitte beginnen Sie neu, z. B. mit /hilfe."


async def example(bot: RunningBot) -> None:
    bot.clock.now = JAN_20
    async with bot.sessions.begin() as session:
        await apply_initiative(session, load_initiative_file(EXAMPLE))


async def partner(
    bot: RunningBot, name: str, organisation: str, language: str = "de", role: Role = Role.PARTNER
) -> FakeUser:
    return await member(bot, name, role, organisation, language=language)


def button_starting(message: BotMessage, prefix: str) -> str:
    found = [b for row in message.buttons for b in row if b.startswith(prefix)]
    assert found, f"no button starting with {prefix!r} in {message.buttons}"
    return found[0]


async def open_item(user: FakeUser, label: str, command: str = "/melden") -> BotMessage:
    """/melden and choose `label`; returns the message that now asks for the value."""
    await user.send(command)
    listing = await user.next_message()
    await user.press_and_read(listing, button_starting(listing, label))
    return listing


async def report(
    user: FakeUser, label: str, answer: str, note: str | None = None, command: str = "/melden"
) -> str:
    """Report `answer` (typed) for `label` without trouble; returns the confirmation."""
    await open_item(user, label, command)
    await user.send(answer)
    note_question = await user.next_message()
    if note is None:
        await user.press_and_read(note_question, note_question.buttons[0][0])  # no note
        confirm = note_question
    else:
        await user.send(note)
        confirm = await user.next_message()
    return await user.press_and_read(confirm, button_starting(confirm, "✅"))


async def values(bot: RunningBot) -> list[IndicatorValue]:
    async with bot.sessions() as session:
        rows = await session.scalars(select(IndicatorValue).order_by(IndicatorValue.id))
        return list(rows.all())


async def test_the_list_shows_what_is_owed_overdue_first(bot: RunningBot) -> None:
    await example(bot)
    anna = await partner(bot, "Anna Berger", "awo")
    await anna.send("/melden")
    listing = await anna.next_message()
    assert listing.text.startswith("Was möchten Sie melden? Offen für AWO Kreisverband Neustadt: 9")
    # One line per indicator: the current period, and how many older ones are open.
    assert (
        "• Teilnahmen an Elterncafés und Eltern-Kind-Gruppen: KW 4 (+3 ältere offen)"
        in listing.text
    )
    labels = [row[0] for row in listing.buttons]
    # The current week first (period, short name, its days), then its older ones by a tap.
    assert labels[:3] == [
        KITA_JANUARY,
        "KW 4 · Elterncafés · 19.01.–25.01.",
        "⋯ Elterncafés: 3 ältere",
    ]
    # Only what the AWO owes: the Stadt's school-entry figure is not among them.
    assert not any("Sprachstand" in label for label in labels)
    # Due in another year: the year is shown; nothing reported yet, so nothing to correct.
    assert "2026 · Fortbildung Sprache · fällig 30.01.2027" in labels
    assert labels[-1] == "Abbrechen"
    assert len({label[:30] for label in labels}) == len(labels)
    # The older weeks, latest first; the first is overdue, the third due tonight.
    older = await anna.press_and_read(listing, "⋯ Elterncafés: 3 ältere")
    assert older.startswith("Teilnahmen an Elterncafés und Eltern-Kind-Gruppen: 4 offen")
    labels = [row[0] for row in listing.buttons]
    assert labels[:4] == [
        "KW 4 · Elterncafés · 19.01.–25.01.",
        "KW 3 · Elterncafés · 12.01.–18.01.",
        "KW 2 · Elterncafés · 05.01.–11.01. ⏰",
        "KW 1 · Elterncafés · 29.12.2025–04.01. ⏰",
    ]


async def test_a_value_in_german_notation_after_wrong_input(bot: RunningBot) -> None:
    await example(bot)
    anna = await partner(bot, "Anna Berger", "awo")
    question = await open_item(anna, KITA_JANUARY)
    assert question.text == "Neue Kita-Plätze, Januar 2026.\nIhr Wert? (ganze Zahl, 0–500)"
    assert question.buttons == [["Trifft bei uns nicht zu"], ["Abbrechen"]]
    for wrong in ("zwölf", "12,5", "1.234", "-3", "1e5", "x" * 300):
        await anna.send(wrong)
        answer = await anna.next_message()
        assert answer.text == "Bitte eine ganze Zahl zwischen 0 und 500 eingeben, z. B. 12.", wrong
        again = await anna.next_message()
        assert again.text.startswith("Neue Kita-Plätze, Januar 2026.")
    await anna.send_photo()
    assert "ganze Zahl" in (await anna.next_message()).text
    assert await values(bot) == []
    await anna.send("12")
    note_question = await anna.next_message()
    assert "Anmerkung" in note_question.text
    summary = await anna.press_and_read(note_question, "Ohne Anmerkung")
    assert summary == (
        "Bitte prüfen: Neue Kita-Plätze · Januar 2026 · 12 Plätze\n"
        "Organisation: AWO Kreisverband Neustadt"
    )
    saved = await anna.press_and_read(note_question, "✅ Speichern")
    assert saved.startswith("✅ Gespeichert: Neue Kita-Plätze · Januar 2026 · 12 Plätze.")
    # One organisation alone: the initiative's figure would show the AWO's own.
    assert "sobald mindestens drei Organisationen gemeldet haben" in saved
    stale = await anna.callback_answer(await anna.press_data(note_question, "rep:save"))
    assert stale["text"] == STALE
    stored = await values(bot)
    assert [(v.value, v.revision, v.source) for v in stored] == [(12.0, 1, "chat")]
    async with bot.sessions() as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert "value.reported" in actions


async def test_english_notation_and_asking_back(bot: RunningBot) -> None:
    await example(bot)
    emma = await partner(bot, "Emma English", "caritas", language="en")
    label = "Jan 2026 · Counselling wait · due 5 Feb"
    question = await open_item(emma, label, "/report")
    assert question.text.endswith("Your value? (number, 0–52, decimals allowed)")
    await emma.send("1,234")  # 1234 weeks is out of range; 1.234 fits
    asked = await emma.next_message()
    assert asked.text == "“1,234” can be read two ways. Which do you mean?"
    assert asked.buttons == [["1.234 Wochen"], ["Type it again"]]
    await emma.press(asked, "1.234 Wochen")
    note_question = await emma.next_event(kinds=("edit",))
    assert note_question.text is not None and "note" in note_question.text
    summary = await emma.press_and_read(asked, "No note")
    assert "1.23 Wochen" in summary  # shown rounded; stored as typed
    await emma.press_and_read(asked, "✅ Save")
    assert [v.value for v in await values(bot)] == [1.234]


async def test_yes_no_scale_percent_and_not_applicable(bot: RunningBot) -> None:
    await example(bot)
    anna = await partner(bot, "Anna Berger", "awo")
    for label, press, typed, expected in (
        ("Q1 2026 · Angebote mehrsprachig", "Ja", None, 1.0),
        ("Q1 2026 · Zusammenarbeit", "4", None, 4.0),
        ("2026 · Fortbildung Sprache", None, "85 %", 85.0),
        (KITA_JANUARY, "Trifft bei uns nicht zu", None, None),
    ):
        question = await open_item(anna, label)
        if press is not None:
            await anna.press(question, press)
            await anna.next_event(kinds=("edit",))
            note_message = question
        else:
            await anna.send(typed or "")
            note_message = await anna.next_message()
        await anna.press_and_read(note_message, "Ohne Anmerkung")
        saved = await anna.press_and_read(note_message, "✅ Speichern")
        assert saved.startswith("✅ Gespeichert"), saved
        assert (await values(bot))[-1].value == expected
    stored = await values(bot)
    assert [v.not_applicable for v in stored] == [False, False, False, True]
    async with bot.sessions() as session:
        row = (
            await session.execute(
                text("SELECT value FROM v_indicator_values WHERE indicator_code = 'kita-plaetze'")
            )
        ).one()
    assert row.value is None  # not applicable: reported, without a number


async def test_wrong_answers_to_buttons_and_forged_presses(bot: RunningBot) -> None:
    await example(bot)
    anna = await partner(bot, "Anna Berger", "awo")
    question = await open_item(anna, "Q1 2026 · Zusammenarbeit")
    await anna.send("sehr gut")
    assert (await anna.next_message()).text == "Bitte wählen Sie einen Wert von 1 bis 5."
    forged = await anna.callback_answer(await anna.press_data(question, "rep:v:9"))
    assert forged["text"] == "Dieser Wert passt nicht. Bitte geben Sie ihn noch einmal ein."
    await anna.send("/abbrechen")
    await anna.next_message()
    async with bot.sessions() as session:
        foreign = await session.scalar(
            select(Obligation.id)
            .join(Indicator, Indicator.id == Obligation.indicator_id)
            .join(Organisation, Organisation.id == Obligation.organisation_id)
            .where(Indicator.code == "kita-plaetze", Organisation.code == "caritas")
        )
    answer = await anna.callback_answer(await anna.press_data(question, f"rep:o:{foreign}"))
    assert answer["text"] == "Das können Sie nur für Ihre eigene Organisation melden."
    observer = await partner(bot, "Olga Obs", "awo", role=Role.OBSERVER)
    await observer.send("/melden")
    assert "nicht für Ihre Rolle" in (await observer.next_message()).text
    assert await values(bot) == []


async def test_implausible_value_needs_a_note(bot: RunningBot) -> None:
    await example(bot)
    anna = await partner(bot, "Anna Berger", "awo")
    async with bot.sessions.begin() as session:
        kita = await session.scalar(select(Indicator.id).where(Indicator.code == "kita-plaetze"))
        awo = await session.scalar(text("SELECT id FROM organisations WHERE code = 'awo'"))
        for period, value in (("2025-10", 8.0), ("2025-11", 11.0), ("2025-12", 9.0)):
            session.add(
                IndicatorValue(
                    indicator_id=kita,
                    organisation_id=awo,
                    period=period,
                    value=value,
                    source="import",
                    reported_at=JAN_20,
                )
            )
    await open_item(anna, KITA_JANUARY)
    await anna.send("120")
    why = await anna.next_message()
    assert why.text.startswith("120 ist deutlich mehr als sonst bei Ihnen (zuletzt 8, 11, 9).")
    assert "Bitte keine personenbezogenen Daten von Klient*innen." in why.text
    assert why.buttons == [["Wert ändern"], ["Abbrechen"]]  # no way around a note
    await anna.send("Neue Einrichtung in der Nordstraße eröffnet")
    summary = await anna.next_message()
    assert "„Neue Einrichtung in der Nordstraße eröffnet“" in summary.text
    await anna.press_and_read(summary, "✅ Speichern")
    assert (await values(bot))[-1].note == "Neue Einrichtung in der Nordstraße eröffnet"
    # An indicator that does not ask for notes takes the same jump without one.
    async with bot.sessions.begin() as session:
        await session.execute(update(Indicator).values(note_on_implausible=False))
    await anna.send("/melden")
    listing = await anna.next_message()
    await anna.press_and_read(listing, "✏️ Gemeldeten Wert korrigieren")
    await anna.press_and_read(listing, "✏️ Jan 2026 · Kita-Plätze")
    await anna.press_and_read(listing, "Korrigieren")
    await anna.send("150")
    optional = await anna.next_message()
    assert optional.buttons[0] == ["Ohne Anmerkung"]


async def test_a_correction_adds_a_revision(bot: RunningBot) -> None:
    await example(bot)
    anna = await partner(bot, "Anna Berger", "awo")
    await report(anna, KITA_JANUARY, "12")
    await anna.send("/melden")
    listing = await anna.next_message()
    assert "• Neue Kita-Plätze · Jan 2026: 12 Plätze" in listing.text
    await anna.press_and_read(listing, "✏️ Gemeldeten Wert korrigieren")
    asked = await anna.press_and_read(listing, "✏️ Jan 2026 · Kita-Plätze")
    assert "Hierfür ist schon ein Wert gemeldet: 12 Plätze." in asked
    await anna.press_and_read(listing, "Korrigieren")
    await anna.send("14")
    note_question = await anna.next_message()
    await anna.press_and_read(note_question, "Ohne Anmerkung")
    await anna.press_and_read(note_question, "✅ Speichern")
    assert [(v.value, v.revision) for v in await values(bot)] == [(12.0, 1), (14.0, 2)]
    async with bot.sessions() as session:
        rows = (await session.execute(text("SELECT * FROM v_indicator_values"))).mappings().all()
        corrected = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "value.corrected")
        )
    assert [(r["indicator_code"], r["organisation_code"], r["period"]) for r in rows] == [
        ("kita-plaetze", "awo", "2026-01")
    ]
    assert (rows[0]["value"], rows[0]["revision"], rows[0]["unit"]) == (14.0, 2, "Plätze")
    assert corrected is not None and corrected.details["previous"] == 12.0


async def test_three_organisations_and_a_coordinator_on_behalf(bot: RunningBot) -> None:
    await example(bot)
    anna = await partner(bot, "Anna Berger", "awo")
    carl = await partner(bot, "Carl Caritas", "caritas")
    clara = await partner(bot, "Clara Koch", "koordination", role=Role.COORDINATOR)
    await report(anna, KITA_JANUARY, "12")
    second = await report(carl, KITA_JANUARY, "8")
    assert "sobald mindestens drei" in second  # two organisations: still hidden
    await clara.send("/melden")
    choice = await clara.next_message()
    assert choice.text == "Für welche Organisation möchten Sie melden oder korrigieren?"
    stadt = "Stadt Neustadt – Fachbereich Jugend, Familie und Bildung"
    assert f"Offen für {stadt}" in await clara.press_and_read(choice, stadt)
    asked = await clara.press_and_read(choice, button_starting(choice, KITA_JANUARY))
    assert asked.startswith("Sie melden für Stadt Neustadt")
    await clara.send("10")
    note_question = await clara.next_message()
    await clara.press_and_read(note_question, "Ohne Anmerkung")
    saved = await clara.press_and_read(note_question, "✅ Speichern")
    assert "Januar 2026 zusammen: 30 Plätze (von 3 Organisationen)." in saved
    assert "Seit Beginn zusammen 30 Plätze: 6 % des Ziels (500 Plätze bis 31.12.2027)." in saved
    on_behalf = (await values(bot))[-1]
    assert (on_behalf.source, on_behalf.value) == ("on_behalf", 10.0)
    # With three organisations and more, partners see the initiative's figure too.
    eva = await partner(bot, "Eva Evangelisch", "ev-kirche")
    fourth = await report(eva, KITA_JANUARY, "5")
    assert "Januar 2026 zusammen: 35 Plätze (von 4 Organisationen)." in fourth


async def test_the_hourly_job_writes_the_obligations_of_a_new_period(bot: RunningBot) -> None:
    await example(bot)
    (job,) = [j for j in bot.application.job_queue.jobs() if j.name == "write_obligations"]  # type: ignore[union-attr]
    await job.run(bot.application)
    async with bot.sessions() as session:
        before = set((await session.scalars(select(Obligation.period))).all())
    assert "2026-02" not in before and "2026-W04" in before
    bot.clock.now = datetime(2026, 2, 1, 0, 30, tzinfo=UTC)  # 01:30 in Berlin: February
    await job.run(bot.application)
    async with bot.sessions() as session:
        after = set((await session.scalars(select(Obligation.period))).all())
    assert after - before == {"2026-02", "2026-W05"}
