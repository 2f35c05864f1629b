"""Climate signals (issue 16) end to end, from data the features themselves wrote: pulse
surveys answered in chat and concerns raised with /anliegen. Initiative-wide, only from
surveys with at least k answers and from at least 3 concerns, day-level dates, no names."""

from __future__ import annotations

from storage.models import Role
from tests.concern_steps import batch_over, raise_concern
from tests.conftest import RunningBot
from tests.fake_telegram import FakeUser
from tests.pulse_steps import THANKS, answer, start_survey
from tests.steps import coordinator, member, run_jobs
from tests.test_pulse import MORNING
from tests.test_signals import signals_shown

NAMES = [f"Person{n} Muster" for n in range(5)]


async def survey(
    bot: RunningBot,
    clara: FakeUser,
    people: list[FakeUser],
    trust: int,
    onlookers: tuple[FakeUser, ...] = (),
) -> None:
    """Clara starts a survey, `people` answer with `trust` for the first question, it closes;
    everybody's messages about it are read (`onlookers` are invited and do not answer)."""
    await start_survey(clara)
    for person in (clara, *onlookers):
        await person.next_message()  # the invitation
    for person in people:
        assert await answer(person, [trust, 4, 4, 4]) == THANKS
    bot.clock.advance(days=7, minutes=1)
    await run_jobs(bot)
    await clara.next_message()  # results, or that they stay hidden
    if len(people) >= 5:
        for person in (*people, *onlookers):
            await person.next_message()  # the results are there
    else:
        for person in people:
            await person.next_message()  # their answers could not be counted


async def test_a_pulse_mean_that_fell_raises_a_signal_never_below_k(bot: RunningBot) -> None:
    bot.clock.now = MORNING
    clara = await coordinator(bot)
    people = [await member(bot, name) for name in NAMES]
    await survey(bot, clara, people, trust=4)
    # Four answers, below k = 5: however low, no signal.
    await survey(bot, clara, people[:4], trust=1, onlookers=(people[4],))
    # Vera joins now, so she reads nothing but the signals.
    vera = await coordinator(bot, "Vera Vogt")
    head, _ = await signals_shown(vera)
    assert head.startswith("🔔 Keine offenen")

    await survey(bot, clara, people, trust=2, onlookers=(vera,))
    head, shown = await signals_shown(vera)
    assert head.startswith("🔔 1 offene")
    (signal,) = shown
    assert signal.startswith("📉 Stimmungsbild für die ganze Initiative:")
    # Compared with the last survey at k, not the hidden one; surveys by their day.
    assert (
        "fiel im Mittel von 4 auf 2 (Umfrage vom 08.12.2026, verglichen mit der vom 24.11.2026)"
        in signal
    )
    assert not any(name.split()[0] in signal for name in NAMES)


async def test_concerns_of_one_category_rising_raise_a_signal_from_three_on(
    bot: RunningBot,
) -> None:
    bot.clock.now = MORNING
    clara = await coordinator(bot)
    people = [await member(bot, name, Role.PARTNER) for name in NAMES[:3]]
    for person in people[:2]:
        await raise_concern(person, category="Rollen & Zuständigkeiten")
    await batch_over(bot, clara)  # anonymous concerns are stored at the end of their batch
    head, _ = await signals_shown(clara)
    assert head.startswith("🔔 Keine offenen")  # two concerns: never a signal

    await raise_concern(people[2], category="Rollen & Zuständigkeiten", anonymous=False)
    await batch_over(bot, clara)
    head, shown = await signals_shown(clara)
    assert head.startswith("🔔 1 offene")
    (signal,) = shown
    assert signal.startswith("📈 Anliegen für die ganze Initiative: 3 zum Thema „Rollen")
    assert "in den 28 Tagen davor 0" in signal
    assert not any(name.split()[0] in signal for name in NAMES)
