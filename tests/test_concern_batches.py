"""Anonymous concerns reach the database only at the end of their batch (DESIGN section 6,
"against a database reader with time"): before, nothing in the tables, the view or the desk
tells that one was written; the reporter still reads and answers it by the receipt; at the end
of the batch the timed job writes all of it in one transaction; a clean stop writes what waits.
Every update, quiet or not, is marked handled, so the ids of processed_updates have no gaps."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy import text as sql

from bot.app import runtime_of
from storage.models import Concern, ConcernMessage, ProcessedUpdate
from tests.concern_steps import RECEIPT, raise_concern
from tests.conftest import RunningBot
from tests.steps import coordinator, member, run_jobs

# 10:17 UTC: the batch ends at 11:00 UTC, 12:00 in Berlin.
WRITTEN_AT = datetime(2026, 3, 17, 10, 17, 43, tzinfo=UTC)


async def stored(bot: RunningBot) -> tuple[int, int, list[str]]:
    """How many concern rows and message rows the tables hold, and the tickets v_concerns shows."""
    async with bot.sessions() as session:
        concerns = len((await session.scalars(select(Concern.id))).all())
        messages = len((await session.scalars(select(ConcernMessage.id))).all())
        shown = (await session.scalars(sql("SELECT ticket FROM v_concerns"))).all()
    return concerns, messages, sorted(shown)


async def transactions(bot: RunningBot, table: str) -> set[int]:
    """PostgreSQL: the transactions (xmin) that wrote the rows of `table` as they are now."""
    async with bot.sessions() as session:
        found = await session.scalars(sql(f"SELECT xmin::text::bigint FROM {table}"))
        return set(found.all())


async def test_anonymous_concerns_wait_for_the_end_of_their_batch(bot: RunningBot) -> None:
    bot.clock.now = WRITTEN_AT
    clara = await coordinator(bot)
    anna = await member(bot, "Anna Berger")
    ben = await member(bot, "Ben Roth", organisation="caritas", organisation_name="Caritas")

    first = await raise_concern(anna, "Die Absprachen kommen bei uns nicht an.", notify=True)
    assert "mit der nächsten Sammelnachricht um 12:00 Uhr" in first.message.text
    second = await raise_concern(ben, "Uns fehlen die Mittel.", notify=False)
    # The reporter reads the waiting concern with the code and answers it.
    assert second.receipt
    await ben.send(second.receipt)
    thread = await ben.next_message()
    assert f"Anliegen #{second.ticket}" in thread.text
    assert "Uns fehlen die Mittel." in thread.text
    await ben.press(thread, "↩️ Antworten")
    await ben.next_message()
    await ben.send("Nachtrag: es geht um die Sprachkurse.")
    assert (await ben.next_message()).text.startswith(f"✅ Ihre Nachricht zu #{second.ticket}")
    await ben.send(second.receipt)
    assert "Nachtrag: es geht um die Sprachkurse." in (await ben.next_message()).text

    # Nothing in the tables, the view or the desk tells that anyone wrote.
    assert await stored(bot) == (0, 0, [])
    await clara.send("/anliegenliste")
    assert (await clara.next_message()).text == "🔒 Keine offenen Anliegen."
    await run_jobs(bot)
    await clara.expect_no_message()
    assert await stored(bot) == (0, 0, [])

    # At the end of the batch the timed job writes it all, and only then it is shown.
    bot.clock.now = datetime(2026, 3, 17, 11, 0, 5, tzinfo=UTC)
    # The job's first step, alone: then the rows are as that one transaction wrote them.
    await runtime_of(bot.application).concern_buffer.write_due(bot.clock())
    if runtime_of(bot.application).engine.dialect.name == "postgresql":
        written = await transactions(bot, "concerns") | await transactions(bot, "concern_messages")
        assert len(written) == 1, "the batch was written in more than one transaction"
        # ... after every update was handled, not in any of the reporters' own.
        assert min(written) > max(await transactions(bot, "processed_updates"))
    await run_jobs(bot)
    notice = await clara.next_message()
    assert f"#{first.ticket}" in notice.text and f"#{second.ticket}" in notice.text
    assert await stored(bot) == (2, 3, sorted([first.ticket, second.ticket]))
    async with bot.sessions() as session:
        rows = {c.ticket: c for c in (await session.scalars(select(Concern))).all()}
    assert rows[first.ticket].contact is not None and rows[second.ticket].contact is None
    await clara.send("/anliegenliste")
    listing = await clara.next_message()
    assert listing.has_button(next(b for r in listing.buttons for b in r if first.ticket in b))

    # A clean stop writes what waits rather than losing it; it is shown once its batch is over.
    third = await raise_concern(anna, "Noch etwas.", notify=False)
    await bot.stop()
    concerns, _, shown = await stored(bot)
    assert concerns == 3 and third.ticket not in shown

    # Every update was marked handled, the quiet ones too: no gaps tell which were quiet.
    async with bot.sessions() as session:
        marked = set((await session.scalars(select(ProcessedUpdate.update_id))).all())
    delivered = {update["update_id"] for update in bot.fake.update_log}
    assert marked == delivered
    assert RECEIPT.search(first.message.text)
