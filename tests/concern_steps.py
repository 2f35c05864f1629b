"""Steps shared by the concern tests: raising a concern as a user, the coordinators' desk.
Each step reads what the user would read."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select

from storage.models import Concern, Delivery
from tests.conftest import RunningBot
from tests.fake_telegram import BotMessage, FakeUser
from tests.steps import run_jobs

TICKET = re.compile(r"#([0-9A-Z]{8})")
RECEIPT = re.compile(r"[0-9A-Z]{4}(?:-[0-9A-Z]{4}){3}")
NOTIFY_YES = "Ja, hier benachrichtigen"
NOTIFY_NO = "Nein, ich frage mit dem Code nach"


@dataclass(frozen=True)
class Raised:
    ticket: str
    receipt: str | None
    # The last message of the flow: the receipt message (anonymous) or the confirmation.
    message: BotMessage


async def raise_concern(
    user: FakeUser,
    text: str = "Die Absprachen zur Elternarbeit kommen bei uns nicht an.",
    *,
    anonymous: bool = True,
    category: str = "Kommunikation",
    severity: str = "Dringend",
    notify: bool | None = True,
) -> Raised:
    """The whole flow by buttons; `notify=None` leaves the notification question open."""
    await user.send("/anliegen")
    intro = await user.next_message()
    assert intro.text.startswith("🔒 Hier können Sie ein Anliegen")
    assert (
        await user.press_and_read(intro, "Anonym schreiben" if anonymous else "Mit meinem Namen")
        == "Worum geht es?"
    )
    assert await user.press_and_read(intro, category) == "Wie dringend ist es?"
    asks = await user.press_and_read(intro, severity)
    assert "keine personenbezogenen Daten von Klient*innen" in asks
    await user.send(text)
    summary = await user.next_message()
    assert summary.text.startswith("Bitte prüfen:")
    sent = await user.press_and_read(summary, "✅ Absenden")
    found = TICKET.search(sent)
    assert found, sent
    receipt = RECEIPT.search(sent)
    if anonymous:
        assert receipt, sent
        if notify is not None:
            await user.press(summary, NOTIFY_YES if notify else NOTIFY_NO)
            await user.next_event(kinds=("edit",))  # the question's buttons go away
            await user.next_message()
    return Raised(found[1], receipt[0] if receipt else None, summary)


async def batch_over(bot: RunningBot, *coordinators: FakeUser) -> None:
    """Let the concerns' batch (an hour) end: the timed job writes what waited for it, and the
    coordinators read its notice. Only then do new concerns show in /anliegenliste."""
    bot.clock.advance(hours=1)
    await run_jobs(bot)
    for person in coordinators:
        assert (await person.next_message()).text.startswith("📬 Neues bei den Anliegen")


def button_with(message: BotMessage, fragment: str) -> str:
    """The label of the button that contains `fragment` (list buttons carry more)."""
    labels = [label for row in message.buttons for label in row if fragment in label]
    assert len(labels) == 1, message.buttons
    return labels[0]


async def open_desk(user: FakeUser, ticket: str) -> BotMessage:
    """/anliegenliste, then the concern's button: returns the detail message."""
    await user.send("/anliegenliste")
    listing = await user.next_message()
    await user.press_and_read(listing, button_with(listing, ticket))
    return listing


async def desk_reply(clara: FakeUser, detail: BotMessage, text: str) -> str:
    """A coordinator answers from a concern's detail and sends it from the preview; returns
    the confirmation they read (the detail is shown again after it)."""
    await clara.press(detail, "↩️ Antworten")
    assert (await clara.next_message()).text.startswith("Ihre Antwort zu #")
    await clara.send(text)
    preview = await clara.next_message()
    assert preview.text.startswith("So geht Ihre Antwort zu #") and text in preview.text
    confirmation = await clara.press_and_read(preview, "✅ Senden")
    assert text in (await clara.next_message()).text
    return confirmation


async def sealed_deliveries_gone(bot: RunningBot) -> None:
    """The dispatcher records outcomes on its own: once it is idle, no delivery with a sealed
    chat is left."""
    await bot.settle()
    async with bot.sessions() as session:
        left = await session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.contact.is_not(None))
        )
    assert not left, "a delivery to an anonymous reporter outlived its sending"


async def concern_row(bot: RunningBot, ticket: str) -> Concern | None:
    async with bot.sessions() as session:
        return await session.scalar(select(Concern).where(Concern.ticket == ticket))
