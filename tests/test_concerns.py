"""Concerns end to end (issue 13): anonymous both ways with and without notifications, named,
batching, escalation, retention, the daily cap, groups, and bad input of every kind."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.config.logs import configure_logging
from storage.models import ConcernMessage, Role
from tests.concern_steps import (
    NOTIFY_NO,
    RECEIPT,
    TICKET,
    batch_over,
    concern_row,
    desk_reply,
    open_desk,
    raise_concern,
    sealed_deliveries_gone,
)
from tests.conftest import RunningBot
from tests.fake_telegram import BotMessage, FakeUser
from tests.steps import coordinator, member, run_jobs
from tests.test_mydata import open_mydata, press

STALE = "Dieser Knopf ist nicht mehr aktuell. Bitte beginnen Sie neu, z. B. mit /hilfe."


async def test_an_anonymous_concern_with_notifications_is_a_dialogue_both_ways(
    bot: RunningBot,
) -> None:
    clara = await coordinator(bot)
    anna = await member(bot, "Anna Berger")
    raised = await raise_concern(anna, notify=True)

    # Not at the second it was written: only once its batch is over.
    assert await concern_row(bot, raised.ticket) is None
    await run_jobs(bot)
    await clara.expect_no_message()
    bot.clock.advance(hours=1)
    await run_jobs(bot)
    batch = await clara.next_message()
    assert f"Neues Anliegen #{raised.ticket} · Kommunikation · Dringend" in batch.text
    row = await concern_row(bot, raised.ticket)
    assert row is not None and row.anonymous and row.reporter_id is None and row.contact
    assert row.receipt_hash != raised.receipt

    listing = await open_desk(clara, raised.ticket)
    assert "anonym" in listing.text and "kommen bei uns nicht an" in listing.text
    assert "Anna" not in listing.text and "AWO" not in listing.text
    assert await clara.press_and_read(listing, "✅ Gelesen bestätigen")
    acknowledged = await anna.next_message()
    assert acknowledged.text.startswith(
        f"🔒 Die Koordinierungsstelle hat Ihr Anliegen #{raised.ticket}"
    )

    confirmation = await desk_reply(
        clara, listing, "Danke für den Hinweis. Wollen wir am Dienstag telefonieren?"
    )
    assert confirmation == "✅ Antwort gespeichert und an die Person geschickt."
    reply = await anna.next_message()
    assert "Koordinierungsstelle" in reply.text and "Dienstag telefonieren" in reply.text
    assert "Clara" not in reply.text
    assert reply.has_button("↩️ Antworten")
    await sealed_deliveries_gone(bot)

    # The reporter answers by replying to the office's message.
    await anna.send("Ja, gern am Dienstag um 10 Uhr.", reply_to=reply)
    assert (await anna.next_message()).text.startswith(f"✅ Ihre Nachricht zu #{raised.ticket}")
    # ... and by the button.
    await anna.press(reply, "↩️ Antworten")
    assert (await anna.next_message()).text.startswith(
        f"Schreiben Sie Ihre Antwort zu #{raised.ticket}"
    )
    await anna.send("Nachtrag: Frau Meier kommt auch.")
    assert (await anna.next_message()).text.startswith("✅ Ihre Nachricht")

    bot.clock.advance(hours=1)
    await run_jobs(bot)
    assert f"2 neue Nachrichten zu #{raised.ticket}" in (await clara.next_message()).text
    await open_desk(clara, raised.ticket)
    detail = clara.messages[-1]
    assert "Dienstag um 10 Uhr" in detail.text and "Nachtrag" in detail.text
    assert "im Gespräch" in detail.text


async def test_without_notifications_replies_are_read_with_the_receipt(bot: RunningBot) -> None:
    clara = await coordinator(bot)
    anna = await member(bot, "Anna Berger")
    raised = await raise_concern(anna, notify=False, severity="Kann warten")
    await batch_over(bot, clara)
    row = await concern_row(bot, raised.ticket)
    assert row is not None and row.contact is None
    listing = await open_desk(clara, raised.ticket)
    assert "liest Antworten mit ihrem Code" in listing.text
    confirmation = await desk_reply(clara, listing, "Wir melden uns nächste Woche.")
    assert confirmation.startswith("✅ Antwort gespeichert. Die Person hat keine")
    await anna.expect_no_message()

    assert raised.receipt
    await anna.send(raised.receipt.lower().replace("-", " "))
    thread = await anna.next_message()
    assert f"Anliegen #{raised.ticket}" in thread.text
    assert "Wir melden uns nächste Woche." in thread.text and "Sie</b>" not in thread.text
    await anna.press(thread, "↩️ Antworten")
    await anna.next_message()
    await anna.send("Danke!")
    assert (await anna.next_message()).text.startswith("✅ Ihre Nachricht")
    await batch_over(bot)
    async with bot.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(ConcernMessage))
    assert count == 3

    await anna.send("ABCD-EFGH-JKMN-PQR5")
    assert (await anna.next_message()).text.startswith("Zu diesem Code gibt es kein Anliegen")


async def test_a_named_concern_shows_the_reporter_and_replies_reach_them(bot: RunningBot) -> None:
    clara = await coordinator(bot)
    anna = await member(bot, "Anna Berger")
    raised = await raise_concern(anna, anonymous=False, category="Ressourcen")
    assert raised.receipt is None
    assert "sieht Ihren Namen" in anna.messages[-1].text
    await batch_over(bot, clara)
    listing = await open_desk(clara, raised.ticket)
    assert "von Anna Berger (AWO Kreisverband Neustadt)" in listing.text
    await desk_reply(clara, listing, "Wir schauen uns das an.")
    reply = await anna.next_message()
    assert "Wir schauen uns das an." in reply.text
    await anna.press(reply, "↩️ Antworten")
    await anna.next_message()
    await anna.send("Danke")
    assert (await anna.next_message()).text.startswith("✅ Ihre Nachricht")

    # Someone else pressing the reporter's button (forged) is refused.
    ben = await member(bot, "Ben Roth")
    await ben.send("/hilfe")
    help_message = await ben.next_message()
    query = await ben.press_data(help_message, reply.button_data("↩️ Antworten") or "")
    assert (await ben.callback_answer(query))["text"] == STALE


async def test_a_reply_goes_out_only_when_sent_from_its_preview(bot: RunningBot) -> None:
    clara = await coordinator(bot)
    anna = await member(bot, "Anna Berger")
    raised = await raise_concern(anna, anonymous=False)
    await batch_over(bot, clara)
    listing = await open_desk(clara, raised.ticket)
    await clara.press(listing, "↩️ Antworten")
    await clara.next_message()
    await clara.send("Text, der für etwas anderes gedacht war")
    preview = await clara.next_message()
    assert preview.text == (
        f"So geht Ihre Antwort zu #{raised.ticket} an die Person:\n\n"
        "Text, der für etwas anderes gedacht war\n\nJetzt senden?"
    )
    assert preview.buttons == [["✅ Senden"], ["✏️ Ändern", "Abbrechen"]]
    await anna.expect_no_message()
    assert (await clara.press_and_read(preview, "✏️ Ändern")).startswith("Ihre Antwort zu #")
    await clara.send("Wir rufen Sie morgen an.")
    preview = await clara.next_message()
    assert "Wir rufen Sie morgen an." in preview.text
    assert await clara.press_and_read(preview, "✅ Senden") == (
        "✅ Antwort gespeichert und an die Person geschickt."
    )
    reply = await anna.next_message()
    assert "Wir rufen Sie morgen an." in reply.text and "anderes gedacht" not in reply.text

    # Cancelled from the preview: nothing is stored or sent.
    detail = await clara.next_message()
    await clara.press(detail, "↩️ Antworten")
    await clara.next_message()
    await clara.send("Doch nicht.")
    preview = await clara.next_message()
    assert await clara.press_and_read(preview, "Abbrechen") == (
        "Abgebrochen. Es wurde nichts gesendet."
    )
    stale = await clara.callback_answer(await clara.press_data(preview, "cdk:rs"))
    assert stale["text"] == STALE
    await anna.expect_no_message()
    async with bot.sessions() as session:
        texts = (await session.scalars(select(ConcernMessage.text))).all()
    assert [t for t in texts if "Wir rufen" in t or "Doch nicht" in t] == [
        "Wir rufen Sie morgen an."
    ]


async def test_the_receipt_comes_in_a_new_message_when_editing_fails(bot: RunningBot) -> None:
    log = io.StringIO()
    configure_logging("DEBUG", stream=log)
    anna = await member(bot, "Anna Berger", user_id=5_300_000_911)
    await anna.send("/anliegen")
    intro = await anna.next_message()
    for button in ("Anonym schreiben", "Ressourcen", "Kann warten"):
        await anna.press_and_read(intro, button)
    await anna.send("Die Mittel reichen nicht.")
    summary = await anna.next_message()
    # Telegram refuses to edit the confirmation into the receipt.
    bot.fake.faults.fail_next(
        "editMessageText", status=400, description="Bad Request: message can't be edited"
    )
    await anna.press(summary, "✅ Absenden")
    shown = await anna.next_message()
    receipt = RECEIPT.search(shown.text)
    assert receipt and shown.text.startswith("Danke. Ihr Anliegen")
    await anna.press(shown, NOTIFY_NO)
    await anna.next_event(kinds=("edit",))
    assert (await anna.next_message()).text.startswith("🔒 Gut. Nichts führt")
    await anna.send(receipt[0])
    assert "Die Mittel reichen nicht." in (await anna.next_message()).text
    # Logged that it happened, and nothing else: no receipt, no person.
    lines = [line for line in log.getvalue().splitlines() if "receipt" in line]
    assert len(lines) == 1 and "new message" in lines[0]
    assert receipt[0] not in log.getvalue() and str(anna.id) not in log.getvalue()


async def test_status_changes_reach_the_reporter_and_resolved_concerns_are_deleted_later(
    bot: RunningBot,
) -> None:
    # Midday, so that days counted in UTC and in Berlin agree whatever the real time.
    bot.clock.now = datetime(2026, 3, 2, 11, tzinfo=UTC)
    clara = await coordinator(bot)
    anna = await member(bot, "Anna Berger")
    raised = await raise_concern(anna)
    await batch_over(bot, clara)
    listing = await open_desk(clara, raised.ticket)
    await clara.press_and_read(listing, "Status ändern")
    await clara.press_and_read(listing, "erledigt")
    assert "erledigt" in listing.text
    notice = await anna.next_message()
    assert notice.text == f"🔒 Ihr Anliegen #{raised.ticket} hat jetzt den Status: erledigt."
    # Settled: the sealed way back to the reporter is gone (DESIGN section 6).
    row = await concern_row(bot, raised.ticket)
    assert row is not None and row.contact is None
    await clara.send("/anliegenliste")
    assert (await clara.next_message()).text == "🔒 Keine offenen Anliegen."

    bot.clock.advance(days=179)
    await run_jobs(bot)
    assert await concern_row(bot, raised.ticket) is not None
    bot.clock.advance(days=2)
    await run_jobs(bot)
    assert await concern_row(bot, raised.ticket) is None
    assert raised.receipt
    await anna.send(raised.receipt)
    assert "erledigte Anliegen werden nach 180 Tagen gelöscht" in (await anna.next_message()).text


async def test_unacknowledged_concerns_are_escalated_once_to_coordinators_and_admins(
    bot: RunningBot,
) -> None:
    clara = await coordinator(bot)
    adam = await coordinator(bot, "Adam Admin", Role.ADMIN)
    anna = await member(bot, "Anna Berger")
    raised = await raise_concern(anna)
    bot.clock.advance(hours=1)
    await run_jobs(bot)
    await clara.next_message()  # the batch: coordinators only
    await adam.expect_no_message()
    bot.clock.advance(hours=24)  # a day after the batch it came with
    await run_jobs(bot)
    for person in (clara, adam):
        escalation = await person.next_message()
        assert escalation.text.startswith("⚠️ Seit über 24 Stunden")
        assert f"#{raised.ticket}" in escalation.text
    bot.clock.advance(hours=5)
    await run_jobs(bot)
    await clara.expect_no_message()
    await adam.expect_no_message()


async def test_a_daily_cap_limits_new_concerns(bot: RunningBot) -> None:
    anna = await member(bot, "Anna Berger")
    for number in range(3):
        await raise_concern(anna, f"Anliegen Nummer {number}", notify=False)
    await anna.send("/anliegen")
    assert (await anna.next_message()).text.startswith("Sie haben heute schon 3 Anliegen")
    bot.clock.advance(days=1)
    await anna.send("/anliegen")
    assert (await anna.next_message()).text.startswith("🔒 Hier können Sie ein Anliegen")


async def test_concerns_are_refused_in_groups_and_to_non_members(bot: RunningBot) -> None:
    anna = await member(bot, "Anna Berger")
    group = bot.fake.group()
    await group.send(anna, "/anliegen")
    pointer = await group.next_message()
    assert "privat" in pointer.text.lower()
    stranger = bot.fake.user(first_name="Udo")
    await stranger.send("/anliegen")
    assert "Einladung" in (await stranger.next_message()).text


async def test_bad_input_is_answered_and_changes_nothing(bot: RunningBot) -> None:
    clara = await coordinator(bot)
    anna = await member(bot, "Anna Berger")
    await anna.send("/anliegen")
    intro = await anna.next_message()
    # Forged buttons before their step.
    query = await anna.press_data(intro, "anl:ok")
    assert (await anna.callback_answer(query))["text"] == STALE
    await anna.press_and_read(intro, "Anonym schreiben")
    query = await anna.press_data(intro, "anl:c:gossip")
    assert (await anna.callback_answer(query))["text"] == STALE
    await anna.press_and_read(intro, "Ziele & Prioritäten")
    await anna.press_and_read(intro, "Bald klären")
    await anna.send_document("beschwerde.pdf", b"%PDF-1.4")
    assert (await anna.next_message()).text.startswith("Bitte schreiben Sie Text")
    await anna.send("x" * 3501)
    assert (await anna.next_message()).text == (
        "Das sind 3.501 Zeichen; bitte kürzen Sie auf höchstens 3.500."
    )
    await anna.send("/abbrechen")
    assert (await anna.next_message()).text == "Abgebrochen. Es wurde nichts gespeichert."
    await anna.send("Noch ein Text")
    assert not (await anna.next_message()).text.startswith("Bitte prüfen")
    async with bot.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ConcernMessage)) == 0

    # Partners have no desk; forged desk buttons are refused.
    await anna.send("/anliegenliste")
    assert "nicht für" in (await anna.next_message()).text
    raised = await raise_concern(anna)
    await batch_over(bot, clara)
    query = await anna.press_data(raised.message, f"cdk:s:{raised.ticket}:resolved")
    answer = await anna.callback_answer(query)
    assert answer["text"].startswith("Anliegen beantwortet die Koordinierungsstelle")
    row = await concern_row(bot, raised.ticket)
    assert row is not None and row.status == "new"
    listing = await open_desk(clara, raised.ticket)
    query = await clara.press_data(listing, "cdk:s:ZZZZZZZZ:resolved")
    assert (await clara.callback_answer(query))["text"] == "Dieses Anliegen gibt es nicht mehr."


@pytest.mark.without_privacy_key
async def test_without_a_privacy_key_only_named_concerns_are_offered(bot: RunningBot) -> None:
    anna = await member(bot, "Anna Berger")
    await anna.send("/anliegen")
    intro = await anna.next_message()
    assert "Anonyme Anliegen hat die Initiative noch nicht eingerichtet" in intro.text
    assert not intro.has_button("Anonym schreiben")
    query = await anna.press_data(intro, "anl:k:anon")
    assert "noch nicht eingerichtet" in (await anna.callback_answer(query))["text"]
    raised = await raise_named_without_key(anna, intro)
    assert await concern_row(bot, raised) is not None


async def raise_named_without_key(anna: FakeUser, intro: BotMessage) -> str:
    """The flow from an intro that offers no anonymous concern; returns the ticket."""
    await anna.press_and_read(intro, "Mit meinem Namen")
    await anna.press_and_read(intro, "Sonstiges")
    await anna.press_and_read(intro, "Kann warten")
    await anna.send("Ein Anliegen mit Namen")
    summary = await anna.next_message()
    found = TICKET.search(await anna.press_and_read(summary, "✅ Absenden"))
    assert found
    return found[1]


async def test_english_reporters_get_english_texts(bot: RunningBot) -> None:
    await coordinator(bot)
    emma = await member(bot, "Emma English", language="en")
    await emma.send("/concern")
    intro = await emma.next_message()
    assert intro.text.startswith("🔒 Here you can raise a concern")
    assert intro.has_button("Write anonymously") and intro.has_button("I have a code")
    assert "whoever holds both the bot's privacy key and its database can decrypt it" in intro.text


async def test_named_concerns_are_in_mydata_and_outlive_their_reporter_nameless(
    bot: RunningBot,
) -> None:
    clara = await coordinator(bot)
    anna = await member(bot, "Anna Berger")
    named = await raise_concern(anna, "Bitte mehr Vorlauf bei Terminen.", anonymous=False)
    await raise_concern(anna, "Das bleibt anonym.", notify=False)
    await batch_over(bot, clara)
    listing = await open_desk(clara, named.ticket)
    await desk_reply(clara, listing, "Machen wir.")
    await anna.next_message()  # the reply

    offer, data = await open_mydata(anna)
    (concern,) = data["concerns_with_name"]
    assert concern["ticket"] == named.ticket
    assert [m["text"] for m in concern["messages"]] == [
        "Bitte mehr Vorlauf bei Terminen.",
        "Machen wir.",
    ]
    assert "Das bleibt anonym." not in json.dumps(data, ensure_ascii=False)
    assert await press(anna, offer, "Austreten und Daten löschen")
    await press(anna, offer, "Ja, austreten")

    _, clara_data = await open_mydata(clara)
    assert clara_data["concern_replies_written"][0]["text"] == "Machen wir."
    listing = await open_desk(clara, named.ticket)
    assert "von einem ehemaligen Mitglied" in listing.text and "Anna" not in listing.text
