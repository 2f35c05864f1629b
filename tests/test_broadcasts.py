"""Broadcasts end to end: /rundruf by buttons to every kind of audience, the length limit,
cancelling, acknowledgements, the author's delivery report, who has not confirmed, /news."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from storage.models import AuditEntry, Broadcast, Delivery, Member, Organisation, Role
from tests.conftest import RunningBot
from tests.fake_telegram import BotMessage, FakeUser
from tests.steps import coordinator, member

ACK = "Ja, mit Bestätigung"
NO_ACK = "Nein"
STALE = "Dieser Knopf ist nicht mehr aktuell. Bitte beginnen Sie neu, z. B. mit /hilfe."


async def compose(
    author: FakeUser, audience: list[str], message: str, answer: str = NO_ACK, **send: object
) -> BotMessage:
    """Walk through /rundruf up to the final question; returns it (with its send button)."""
    await author.send("/rundruf")
    question = await author.next_message()
    assert question.text == "📣 An wen soll der Rundruf gehen?"
    for button in audience:
        await author.press_and_read(question, button)
    assert question.text.startswith("Schreiben Sie jetzt den Text")
    await author.send(message, **send)  # type: ignore[arg-type]
    ack_question = await author.next_message()
    preview = await author.press_and_read(ack_question, answer)
    assert preview.startswith("📣 Rundruf · Koordinierungsstelle Neustadt")
    return await author.next_message()


async def deliveries(bot: RunningBot) -> list[Delivery]:
    """The broadcasts' deliveries (not the delivery reports to their authors)."""
    async with bot.sessions() as session:
        query = select(Delivery).where(Delivery.kind == "broadcast").order_by(Delivery.id)
        return list((await session.scalars(query)).all())


async def test_a_broadcast_to_everyone_arrives_with_formatting(bot: RunningBot) -> None:
    clara = await coordinator(bot)
    anna = await member(bot, "Anna Berger")
    emma = await member(bot, "Emma English", language="en")
    bold = [{"type": "bold", "offset": 0, "length": 12}]
    confirm = await compose(
        clara, ["Alle Mitglieder"], "Achtung: Das Treffen am Dienstag fällt aus.", entities=bold
    )
    assert confirm.text == (
        "So sieht Ihr Rundruf aus (oben). Er geht an 2 Personen (alle Mitglieder). Jetzt senden?"
    )
    sent = await clara.press_and_read(confirm, "✅ Senden")
    assert sent.startswith("📣 Ihr Rundruf geht jetzt an 2 Personen.")
    received = await anna.next_message()
    assert received.html == (
        "📣 <b>Rundruf</b> · Koordinierungsstelle Neustadt\n\n"
        "<b>Achtung: Das</b> Treffen am Dienstag fällt aus."
    )
    assert received.buttons == []  # no acknowledgement asked
    english = await emma.next_message()
    assert english.text.startswith("📣 Broadcast · Koordinierungsstelle Neustadt")
    report = await clara.next_message()  # the author is no recipient; the report follows
    assert "Ihr Rundruf vom" in report.text
    assert "✅ Zugestellt: 2 von 2" in report.text
    async with bot.sessions() as session:
        audit = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "broadcast.sent")
        )
        assert audit is not None and audit.details == {"audience": "all", "recipients": 2}


async def test_a_broadcast_to_one_role(bot: RunningBot) -> None:
    clara = await coordinator(bot)
    anna = await member(bot, "Anna Berger")
    olga = await member(bot, "Olga Obs", Role.OBSERVER)
    confirm = await compose(clara, ["Nach Rolle", "Beobachter*in"], "Nur für Beobachtende")
    assert "an 1 Person (Beobachter*in)" in confirm.text
    await clara.press_and_read(confirm, "✅ Senden")
    assert "Nur für Beobachtende" in (await olga.next_message()).text
    await clara.next_message()  # the report: everything was delivered
    await anna.expect_no_message()


async def test_a_broadcast_to_chosen_organisations(bot: RunningBot) -> None:
    clara = await coordinator(bot)
    anna = await member(bot, "Anna Berger", organisation="awo")
    carl = await member(bot, "Carl Caritas", organisation="caritas", organisation_name="Caritas")
    sven = await member(bot, "Sven Sport", organisation="sv", organisation_name="SV Nordstadt")
    await clara.send("/rundruf")
    question = await clara.next_message()
    await clara.press_and_read(question, "Nach Organisation")
    await clara.press_and_read(question, "Caritas")
    await clara.press_and_read(question, "SV Nordstadt")
    await clara.press_and_read(question, "✅ SV Nordstadt")  # tapped again: not chosen
    await clara.press_and_read(question, "AWO Kreisverband Neustadt")
    assert [row[0] for row in question.buttons[:4]] == [
        "✅ AWO Kreisverband Neustadt",
        "✅ Caritas",
        "Koordinierungsstelle Neustadt",
        "SV Nordstadt",
    ]
    await clara.press_and_read(question, "Weiter")
    await clara.send("Treffen der Wohlfahrtsverbände")
    ack_question = await clara.next_message()
    await clara.press_and_read(ack_question, NO_ACK)
    confirm = await clara.next_message()
    assert "an 2 Personen (AWO Kreisverband Neustadt, Caritas)" in confirm.text
    await clara.press_and_read(confirm, "✅ Senden")
    for user in (anna, carl):
        assert "Treffen der Wohlfahrtsverbände" in (await user.next_message()).text
    await clara.next_message()
    await sven.expect_no_message()
    async with bot.sessions() as session:
        assert await session.scalar(select(Broadcast.audience)) == "organisations:awo,caritas"


async def test_an_empty_choice_of_organisations_is_refused(bot: RunningBot) -> None:
    clara = await coordinator(bot)
    await member(bot, "Anna Berger")
    await clara.send("/rundruf")
    question = await clara.next_message()
    await clara.press_and_read(question, "Nach Organisation")
    answer = await clara.callback_answer(await clara.press(question, "Weiter"))
    assert answer["text"] == "Bitte wählen Sie mindestens eine Organisation."


async def test_an_audience_without_anyone_is_refused(bot: RunningBot) -> None:
    clara = await coordinator(bot)
    await member(bot, "Anna Berger")
    await clara.send("/rundruf")
    question = await clara.next_message()
    await clara.press_and_read(question, "Nach Rolle")
    answer = await clara.callback_answer(await clara.press(question, "Administrator*in"))
    assert "niemand" in answer["text"]


async def test_over_long_text_is_refused_with_its_length(bot: RunningBot) -> None:
    clara = await coordinator(bot)
    anna = await member(bot, "Anna Berger")
    await clara.send("/rundruf")
    question = await clara.next_message()
    await clara.press_and_read(question, "Alle Mitglieder")
    await clara.send("x" * 3751)
    refusal = await clara.next_message()
    assert refusal.text.startswith("Ihr Text hat 3.751 Zeichen; in einen Rundruf passen höchstens")
    await clara.send_photo()
    assert "als Text" in (await clara.next_message()).text
    await clara.send("x" * 3750)  # the longest that fits
    ack_question = await clara.next_message()
    await clara.press_and_read(ack_question, NO_ACK)
    confirm = await clara.next_message()
    await clara.press_and_read(confirm, "✅ Senden")
    assert (await anna.next_message()).text.endswith("x" * 3750)


async def test_cancel_sends_nothing(bot: RunningBot) -> None:
    clara = await coordinator(bot)
    anna = await member(bot, "Anna Berger")
    confirm = await compose(clara, ["Alle Mitglieder"], "Doch nicht")
    assert (
        await clara.press_and_read(confirm, "Abbrechen") == "Abgebrochen. Es wurde nichts gesendet."
    )
    stale = await clara.callback_answer(await clara.press_data(confirm, "bc:send"))
    assert stale["text"] == STALE
    await clara.send("/hilfe")
    await clara.next_message()
    assert await deliveries(bot) == []
    await anna.expect_no_message()


async def test_sending_twice_sends_once(bot: RunningBot) -> None:
    clara = await coordinator(bot)
    anna = await member(bot, "Anna Berger")
    confirm = await compose(clara, ["Alle Mitglieder"], "Einmal genügt")
    await clara.press(confirm, "✅ Senden")
    await clara.press(confirm, "✅ Senden")
    await anna.next_message()
    await clara.send("/hilfe")  # both presses are handled once this is answered
    await clara.next_message()
    assert len(await deliveries(bot)) == 1


async def test_partners_may_not_broadcast_or_see_the_status(bot: RunningBot) -> None:
    clara = await coordinator(bot)
    anna = await member(bot, "Anna Berger")
    confirm = await compose(clara, ["Alle Mitglieder"], "Hallo")
    await clara.press_and_read(confirm, "✅ Senden")
    received = await anna.next_message()
    await anna.send("/rundruf")
    assert "nicht für Ihre Rolle (Partner*in)" in (await anna.next_message()).text
    async with bot.sessions() as session:
        broadcast_id = await session.scalar(select(Broadcast.id))
    for data in (f"bcs:{broadcast_id}", f"bcu:{broadcast_id}"):
        answer = await anna.callback_answer(await anna.press_data(received, data))
        assert answer["text"] == "Das dürfen nur Koordinator*innen."


async def test_acknowledgements_count_once_and_only_for_recipients(bot: RunningBot) -> None:
    clara = await coordinator(bot)
    anna = await member(bot, "Anna Berger")
    ben = await member(bot, "Ben Berg", organisation="caritas", organisation_name="Caritas")
    confirm = await compose(clara, ["Alle Mitglieder"], "Bitte lesen", answer=ACK)
    await clara.press_and_read(confirm, "✅ Senden")
    report = await clara.next_message()  # comes once both are delivered, before any press
    assert "✅ Zugestellt: 2 von 2" in report.text
    assert "Gelesen bestätigt: 0 von 2" in report.text
    received = await anna.next_message()
    assert received.buttons == [["✅ Gelesen"]]
    assert "Bitte bestätigen Sie kurz" in received.text
    await ben.next_message()
    first = await anna.callback_answer(await anna.press(received, "✅ Gelesen"))
    assert first["text"] == "Danke, bestätigt."
    await anna.next_event(kinds=("edit",))
    assert received.buttons == []  # the button is gone once pressed
    data = f"ack:{(await deliveries(bot))[0].reference.split(':')[1]}"  # type: ignore[union-attr]
    again = await anna.callback_answer(await anna.press_data(received, data))
    assert again["text"] == "Sie hatten schon bestätigt."
    # Someone the broadcast did not reach cannot confirm it.
    newcomer = await member(bot, "Nora Neu")
    refused = await newcomer.callback_answer(await newcomer.press_data(received, data))
    assert refused["text"] == "Dieser Rundruf ging nicht an Sie."
    acknowledged = [d for d in await deliveries(bot) if d.acknowledged_at is not None]
    assert len(acknowledged) == 1
    await clara.press(report, "Wer hat noch nicht bestätigt?")
    unconfirmed = await clara.next_message()
    assert "<b>Caritas</b>\nNoch nicht bestätigt: Ben Berg" in unconfirmed.html
    assert "Anna Berger" not in unconfirmed.text


async def test_news_for_a_newcomer_and_the_status_for_coordinators(bot: RunningBot) -> None:
    clara = await coordinator(bot)
    await member(bot, "Anna Berger")
    await member(bot, "Carl Caritas", organisation="caritas", organisation_name="Caritas")
    for audience, message in (
        (["Alle Mitglieder"], "Erster Rundruf an alle"),
        (["Nach Organisation", "Caritas", "Weiter"], "Nur für die Caritas"),
        (["Alle Mitglieder"], "Zweiter Rundruf an alle"),
    ):
        confirm = await compose(clara, audience, message, answer=ACK)
        await clara.press_and_read(confirm, "✅ Senden")
        await clara.next_message()  # the delivery report
    nora = await member(bot, "Nora Neu")  # joins afterwards, at the AWO
    await nora.send("/neuigkeiten")
    news = await nora.next_message()
    assert news.text.index("Zweiter Rundruf an alle") < news.text.index("Erster Rundruf an alle")
    assert "Nur für die Caritas" not in news.text
    assert news.buttons == []  # she got none of them, so there is nothing to confirm
    await clara.send("/neuigkeiten")
    overview = await clara.next_message()
    assert "Nur für die Caritas" in overview.text  # the author sees her own
    status_button = next(row[0] for row in overview.buttons if row[0].startswith("📊"))
    await clara.press(overview, status_button)
    status = await clara.next_message()
    assert "✅ Zugestellt: 2 von 2" in status.text
    assert "Gelesen bestätigt: 0 von 2" in status.text


async def test_news_pages_and_english(bot: RunningBot) -> None:
    clara = await coordinator(bot)
    emma = await member(bot, "Emma English", language="en")
    for number in range(6):
        confirm = await compose(clara, ["Alle Mitglieder"], f"Nachricht {number}")
        await clara.press_and_read(confirm, "✅ Senden")
        await emma.next_message()
        await clara.next_message()
    await emma.send("/news")
    first = await emma.next_message()
    assert first.text.startswith("📣 Latest broadcasts")
    assert "Nachricht 5" in first.text and "Nachricht 0" not in first.text
    await emma.press(first, "Show older")
    older = await emma.next_message()
    assert "Nachricht 0" in older.text and "Nachricht 5" not in older.text
    assert older.buttons == []


@pytest.fixture
def fast_outbox(monkeypatch: pytest.MonkeyPatch) -> None:
    """200 messages at Telegram's real pace would take 7 s; the fake has no flood limit."""
    monkeypatch.setenv("GWBOT_OUTBOX__RATE", "1000")


async def many_members(bot: RunningBot, count: int, start: int) -> list[int]:
    """Members of four organisations, written in one transaction; returns their Telegram ids."""
    organisations = [("awo", "AWO"), ("caritas", "Caritas"), ("sv", "SV Nordstadt"), ("ev", "EV")]
    ids = [start + i for i in range(count)]
    async with bot.sessions.begin() as session:
        session.add_all(Organisation(code=code, name=name) for code, name in organisations)
    async with bot.sessions.begin() as session:
        orgs = {o.code: o.id for o in await session.scalars(select(Organisation))}
        for index, telegram_id in enumerate(ids):
            code = organisations[index % 4][0]
            session.add(
                Member(
                    telegram_id=telegram_id,
                    display_name=f"Person {index:03d}",
                    organisation_id=orgs[code],
                    role=Role.PARTNER.value,
                    language="de",
                )
            )
    return ids


async def test_a_broadcast_to_200_members_reports_what_became_of_it(
    fast_outbox: None, bot: RunningBot
) -> None:
    clara = await coordinator(bot)
    telegram_ids = await many_members(bot, 200, start=5_000_000)
    users = {i: bot.fake.user(user_id=i, first_name="P") for i in telegram_ids[:197]}
    # 10 had blocked the bot before (known), 5 block it now (Telegram refuses), and 3 have
    # chats Telegram does not know (undeliverable).
    async with bot.sessions.begin() as session:
        await session.execute(
            update(Member).where(Member.telegram_id.in_(telegram_ids[:10])).values(blocked=True)
        )
    for telegram_id in telegram_ids[10:15]:
        users[telegram_id].blocked = True
    confirm = await compose(clara, ["Alle Mitglieder"], "Wichtig für alle", answer=ACK)
    assert "an 200 Personen" in confirm.text
    await clara.press_and_read(confirm, "✅ Senden")
    report = await clara.next_message(timeout=30)
    assert "✅ Zugestellt: 182 von 200" in report.text  # 200 - 15 blocked - 3 unknown chats
    assert "🚫 Bot blockiert: 15" in report.text
    assert "⚠️ Nicht zustellbar: 3" in report.text
    assert "Gelesen bestätigt: 0 von 182" in report.text
    readers = [users[i] for i in telegram_ids[15:35]]
    for reader in readers:
        message = await reader.next_message()
        await reader.callback_answer(await reader.press(message, "✅ Gelesen"))
    await readers[0].callback_answer(await readers[0].press_data(message, "ack:1"))  # twice
    async with bot.sessions() as session:
        row = (await session.execute(text("SELECT * FROM v_broadcasts"))).mappings().one()
    created = bot.clock().strftime("%Y-%m-%dT%H:%M:%SZ")
    assert dict(row) == {
        "broadcast_id": 1,
        "created_at": created,
        "audience": "all",
        "recipients": 200,
        "sent": 182,
        "failed": 3,
        "blocked": 15,
        "pending": 0,
        "acknowledged": 20,
    }
    await clara.press(report, "Wer hat noch nicht bestätigt?")
    listing = await clara.next_message()
    assert "Person 035" in listing.text and "Person 015" not in listing.text
    assert "Nicht erreicht (Bot blockiert oder nicht zustellbar): Person 000" in listing.text


async def test_v_broadcasts_counts_each_state(bot: RunningBot) -> None:
    """The view's columns for a broadcast still on its way and one without recipients left."""
    clara = await coordinator(bot)
    anna = await member(bot, "Anna Berger")
    async with bot.sessions.begin() as session:
        author = await session.scalar(select(Member.id).where(Member.display_name == "Clara Koch"))
        anna_id = await session.scalar(select(Member.id).where(Member.telegram_id == anna.id))
        assert author and anna_id
        session.add(
            Broadcast(
                id=7, author_id=author, audience="role:partner", text="x", created_at=bot.clock()
            )
        )
        session.add(
            Delivery(
                member_id=anna_id,
                kind="broadcast",
                reference="broadcast:7",
                payload={"text": "x"},
                state="pending",
                not_before=bot.clock() + timedelta(days=1),
            )
        )
        session.add(
            Broadcast(id=8, author_id=author, audience="all", text="y", created_at=bot.clock())
        )
    async with bot.sessions() as session:
        rows = (
            await session.execute(text("SELECT * FROM v_broadcasts ORDER BY broadcast_id"))
        ).all()
    assert [tuple(r)[2:] for r in rows] == [
        ("role:partner", 1, 0, 0, 0, 1, 0),
        ("all", 0, 0, 0, 0, 0, 0),
    ]
    await clara.send("/hilfe")
    await clara.next_message()
