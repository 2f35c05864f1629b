"""Pulse surveys end to end (issues 14 and 22): start, answer, the k threshold both ways, no
batch below k on a clean restart or at closing, a second answer refused, the trend over three
surveys, a schedule starting one, bad input."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from storage.models import Role, Schedule
from tests.conftest import RunningBot
from tests.fake_telegram import FakeUser
from tests.pulse_steps import (
    AGAIN,
    NOT_COUNTED,
    THANKS,
    answer,
    counts,
    start_survey,
    surveys,
    view_rows,
)
from tests.steps import coordinator, member, run_jobs

STALE = "Dieser Knopf ist nicht mehr aktuell. Bitte beginnen Sie neu, z. B. mit /hilfe."


# Invitations respect quiet hours: the tests run in the morning, whatever the real time.
MORNING = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


async def team(bot: RunningBot, size: int) -> tuple[FakeUser, list[FakeUser]]:
    bot.clock.now = MORNING
    clara = await coordinator(bot)
    people = [await member(bot, f"Person{n} Muster") for n in range(size)]
    return clara, people


async def close(bot: RunningBot) -> None:
    bot.clock.advance(days=7, minutes=1)
    await run_jobs(bot)


async def test_closing_below_k_writes_nothing_and_tells_those_who_answered(
    bot: RunningBot,
) -> None:
    clara, people = await team(bot, 4)
    assert (await start_survey(clara)).startswith("✅ Gestartet: 5 Mitglieder sind eingeladen.")
    await clara.next_message()  # her own invitation
    for person, score in zip(people, (1, 2, 4, 5), strict=True):
        assert await answer(person, [score] * 4, "Meine Anmerkung") == THANKS
    assert await counts(bot) == (0, 0), "answers were written before k people had answered"
    await close(bot)
    assert await counts(bot) == (0, 0), "the closing wrote a batch smaller than k"
    assert await view_rows(bot) == []
    notice = await clara.next_message()
    assert "aber weniger als 5 Personen haben geantwortet" in notice.text
    for person in people:  # told, each in their own chat; no results to look at
        assert (await person.next_message()).text.startswith(NOT_COUNTED)
        await person.expect_no_message()
    await clara.send("/stimmung")
    overview = await clara.next_message()
    assert "zu wenige Antworten, Ergebnisse verborgen" in overview.text
    assert overview.buttons == [["➕ Neues Stimmungsbild starten"]]
    (survey,) = await surveys(bot)
    query = await clara.press_data(overview, f"plr:{survey.id}")
    assert "Die Ergebnisse bleiben verborgen" in (await clara.callback_answer(query))["text"]


async def test_results_at_k_reach_everyone_with_text_chart_and_comments(bot: RunningBot) -> None:
    clara, people = await team(bot, 5)
    await start_survey(clara)
    await clara.next_message()
    comments = ["Mehr Austausch wäre gut.", None, "Danke für die Moderation!", None, None]
    for n, (person, text) in enumerate(zip(people, comments, strict=True)):
        assert await answer(person, [n % 5 + 1, 4, 3, 5], text) == THANKS
    assert await counts(bot) == (5, 20), "the k-th answer writes the batch"
    await close(bot)
    notice = await people[0].next_message()
    assert "ist abgeschlossen: 5 Antworten" in notice.text
    await people[0].press(notice, "📊 Ergebnisse ansehen")
    results = await people[0].next_message()
    assert "5 Antworten" in results.text
    assert "Wie sehr vertrauen Sie den anderen Partnern der Initiative?" in results.text
    assert "Ø 3 · 1: 1 · 2: 1 · 3: 1 · 4: 1 · 5: 1" in results.text
    assert "Ø 4 · 1: 0 · 2: 0 · 3: 0 · 4: 5 · 5: 0" in results.text
    assert "Mehr Austausch wäre gut." in results.text
    assert "Danke für die Moderation!" in results.text
    chart = await people[0].next_message()
    assert chart.kind == "photo"


async def test_a_clean_restart_writes_no_small_batch_and_asks_to_answer_again(
    bot: RunningBot,
) -> None:
    """Two reads of v_pulse_results around a restart tell nothing about anyone: nothing shows
    while the survey is open, and the answers waiting for their batch are not written."""
    clara, people = await team(bot, 6)
    await start_survey(clara)
    invitation = await clara.next_message()
    for person in people[:5]:
        assert await answer(person, [3, 4, 2, 5]) == THANKS
    assert await counts(bot) == (5, 20)
    assert await view_rows(bot) == [], "results of an open survey are visible"
    assert await answer(people[5], [1, 1, 1, 1], "Nur von mir") == THANKS
    assert await answer(clara, [5, 5, 5, 5], invitation=invitation) == THANKS

    await bot.restart()
    assert await counts(bot) == (5, 20), "answers below k were written on a clean stop"
    assert await view_rows(bot) == []
    again = await people[5].next_message()
    assert again.text.startswith(AGAIN), again.text
    assert (await clara.next_message()).text.startswith(AGAIN)
    assert await answer(people[5], [2, 2, 2, 2], invitation=again) == THANKS

    await close(bot)
    assert await counts(bot) == (5, 20)
    (survey,) = await surveys(bot)
    assert await view_rows(bot) == [
        (survey.id, code, 5, mean)
        for code, mean in (("communication", 4.0), ("goals", 5.0), ("roles", 2.0), ("trust", 3.0))
    ]
    texts = [(await people[5].next_message()).text for _ in range(2)]
    assert any(text.startswith(NOT_COUNTED) for text in texts), texts


async def test_a_second_answer_is_refused_kindly(bot: RunningBot) -> None:
    clara, people = await team(bot, 5)
    await start_survey(clara)
    invitation = await clara.next_message()
    assert await answer(clara, [3, 3, 3, 3], invitation=invitation) == THANKS
    (survey,) = await surveys(bot)
    query = await clara.press_data(invitation, f"pls:{survey.id}:go")
    assert "schon teilgenommen" in (await clara.callback_answer(query))["text"]
    for person in people:  # the batch is written; the refusal now comes from the database
        await answer(person, [4, 4, 4, 4])
    assert (await counts(bot))[0] == 5  # the sixth waits for the next batch
    query = await clara.press_data(invitation, f"pls:{survey.id}:go")
    assert "schon teilgenommen" in (await clara.callback_answer(query))["text"]
    assert (await counts(bot))[0] == 5


async def test_the_trend_runs_over_three_surveys(bot: RunningBot) -> None:
    clara, people = await team(bot, 5)
    for trust in (2, 3, 5):
        await start_survey(clara)
        await clara.next_message()
        for person in people:
            await answer(person, [trust, 3, 3, 3])
        await close(bot)
        await clara.next_message()  # results are in
        for person in people:
            await person.next_message()
    await clara.send("/stimmung")
    overview = await clara.next_message()
    assert len([row for row in overview.buttons if row[0].startswith("📊 Ergebnisse vom")]) == 3
    await clara.press(overview, overview.buttons[0][0])
    results = await clara.next_message()
    assert "Verlauf: 2 → 3 → 5" in results.text


async def test_a_pulse_schedule_starts_a_survey_with_its_own_questions(bot: RunningBot) -> None:
    clara, people = await team(bot, 1)
    questions = [
        {"code": f"q{n}", "de": f"Eigene Frage {n}?", "en": f"Own question {n}?"} for n in range(3)
    ]
    async with bot.sessions.begin() as session:
        session.add(
            Schedule(
                code="stimmungsbild",
                kind="pulse",
                rrule="FREQ=WEEKLY;BYDAY=MO;BYHOUR=10;BYMINUTE=0",
                starts=date(2026, 1, 5),
                questions=questions,
                next_fire_at=bot.clock() + timedelta(hours=1),
            )
        )
    await run_jobs(bot)
    assert await surveys(bot) == []
    bot.clock.advance(hours=1)
    await run_jobs(bot)
    (survey,) = await surveys(bot)
    assert [q["code"] for q in survey.questions] == ["q0", "q1", "q2"]
    invitation = await people[0].next_message()
    assert "3 kurze Fragen" in invitation.text
    text = await people[0].press_and_read(invitation, "Jetzt teilnehmen")
    assert "Eigene Frage 0?" in text
    await clara.next_message()


async def test_bad_input_is_answered_and_changes_nothing(bot: RunningBot) -> None:
    clara, people = await team(bot, 1)
    anna = people[0]
    await anna.send("/stimmung")
    overview = await anna.next_message()
    assert overview.buttons == []  # partners do not start surveys
    query = await anna.press_data(overview, "pln:go")
    assert "nur Koordinator*innen" in (await anna.callback_answer(query))["text"]
    assert await surveys(bot) == []

    await start_survey(clara)
    await clara.next_message()
    invitation = await anna.next_message()
    (survey,) = await surveys(bot)
    query = await anna.press_data(invitation, f"pls:{survey.id}:0:4")  # before starting
    assert (await anna.callback_answer(query))["text"] == STALE
    await anna.press_and_read(invitation, "Jetzt teilnehmen")
    query = await anna.press_data(invitation, f"pls:{survey.id}:2:4")  # skipping ahead
    assert (await anna.callback_answer(query))["text"] == STALE
    query = await anna.press_data(invitation, f"pls:{survey.id}:0:9")  # no such score
    assert (await anna.callback_answer(query))["text"] == STALE
    for score in (1, 2, 3, 4):
        await anna.press_and_read(invitation, str(score))
    await anna.send_photo()
    assert (await anna.next_message()).text.startswith(
        "Bitte schreiben Sie Ihre Anmerkung als Text"
    )
    await anna.send("x" * 1001)
    assert (await anna.next_message()).text.startswith("Das sind 1.001 Zeichen")
    await anna.send("/abbrechen")
    assert (await anna.next_message()).text.startswith("Abgebrochen. Es wurde nichts gespeichert")
    await anna.send("/stimmung")  # the way back in
    overview = await anna.next_message()
    assert await answer(anna, [5, 5, 5, 5], invitation=overview) == THANKS

    # A survey that has ended takes no answers.
    clara_invitation = clara.messages[-1]
    await close(bot)
    query = await clara.press_data(clara_invitation, f"pls:{survey.id}:go")
    assert (await clara.callback_answer(query))["text"] == "Diese Umfrage ist schon beendet."
    assert await counts(bot) == (0, 0)  # one answer is no batch


async def test_observers_and_admins_are_invited_too(bot: RunningBot) -> None:
    clara, _ = await team(bot, 0)
    olga = await member(bot, "Olga Observer", Role.OBSERVER)
    await start_survey(clara)
    assert (await olga.next_message()).text.startswith("📊 Wie läuft unsere Zusammenarbeit?")
