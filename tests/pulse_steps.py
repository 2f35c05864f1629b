"""Steps shared by the pulse survey tests: starting a survey as a coordinator and answering it
as a member, reading what they would read."""

from __future__ import annotations

from sqlalchemy import func, select, text

from storage.models import PulseAnswer, PulseParticipation, PulseSurvey
from tests.conftest import RunningBot
from tests.fake_telegram import BotMessage, FakeUser

START = "Jetzt teilnehmen"
NO_COMMENT = "Ohne Anmerkung abschließen"
THANKS = (
    "✅ Danke! Ihre Antworten werden anonym gespeichert, sobald mindestens 5 Personen"
    " geantwortet haben."
)
# What those hear whose answers waited for their batch when they had to be dropped.
AGAIN = "📊 Der Bot wurde neu gestartet, bevor genug Personen geantwortet hatten"
NOT_COUNTED = "📊 Das Stimmungsbild ist beendet. Bis zum Schluss haben nicht genug weitere"


async def start_survey(clara: FakeUser) -> str:
    """/stimmung -> new survey -> start; returns the confirmation."""
    await clara.send("/stimmung")
    overview = await clara.next_message()
    assert (await clara.press_and_read(overview, "➕ Neues Stimmungsbild starten")).startswith(
        "Ein Stimmungsbild an alle Mitglieder"
    )
    return await clara.press_and_read(overview, "✅ Starten")


async def answer(
    user: FakeUser,
    scores: list[int],
    comment: str | None = None,
    invitation: BotMessage | None = None,
) -> str:
    """Answer from the invitation (the next message), or from `invitation` - any message with
    a button to take part; returns the last text."""
    if invitation is None:
        invitation = await user.next_message()
        assert invitation.text.startswith("📊 Wie läuft unsere Zusammenarbeit?"), invitation.text
    label = next(b for row in invitation.buttons for b in row if b.startswith(("Jetzt", "📝")))
    text = await user.press_and_read(invitation, label)
    for number, score in enumerate(scores, start=1):
        assert text.startswith(f"Frage {number} von {len(scores)}:"), text
        text = await user.press_and_read(invitation, str(score))
    assert text.startswith("Möchten Sie noch etwas anmerken?"), text
    if comment is None:
        return await user.press_and_read(invitation, NO_COMMENT)
    await user.send(comment)
    return (await user.next_message()).text


async def counts(bot: RunningBot) -> tuple[int, int]:
    """(participation rows, answer rows) as written so far."""
    async with bot.sessions() as session:
        taken = await session.scalar(select(func.count()).select_from(PulseParticipation))
        answers = await session.scalar(select(func.count()).select_from(PulseAnswer))
    return int(taken or 0), int(answers or 0)


async def surveys(bot: RunningBot) -> list[PulseSurvey]:
    async with bot.sessions() as session:
        return list((await session.scalars(select(PulseSurvey).order_by(PulseSurvey.id))).all())


async def view_rows(bot: RunningBot) -> list[tuple[object, ...]]:
    """What a reader of v_pulse_results sees."""
    async with bot.sessions() as session:
        rows = await session.execute(
            text(
                "SELECT survey_id, question_code, responses, mean_score FROM v_pulse_results"
                " ORDER BY survey_id, question_code"
            )
        )
        return [tuple(row) for row in rows]
