"""Early-warning signal `contacts_left` (issue 16), end to end: an organisation's reporting
contacts left - on their own through /meinedaten or deactivated by an admin - and nobody took
over. Not raised while another contact remains or when someone else leaves; resolved once a
coordinator marks a successor under /mitglieder."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text, update

from storage.models import Member, Role
from tests.conftest import RunningBot
from tests.fake_telegram import FakeUser
from tests.steps import member
from tests.test_mydata import leave_by_buttons
from tests.test_signals import NOV_27, signals_shown, team


async def make_contact(bot: RunningBot, *users: FakeUser) -> None:
    async with bot.sessions.begin() as session:
        for user in users:
            await session.execute(
                update(Member).where(Member.telegram_id == user.id).values(reporting_contact=True)
            )


async def test_a_contact_leaving_without_a_successor_raises_a_signal(bot: RunningBot) -> None:
    clara, anna, carla = await team(bot)
    bea = await member(bot, "Bea Brandt", organisation="awo")
    await make_contact(bot, anna, carla)
    await leave_by_buttons(anna)
    await leave_by_buttons(bea)  # not a contact: no signal for her

    bot.clock.advance(days=3)
    head, shown = await signals_shown(clara)
    assert head.startswith("🔔 1 offene")
    (signal,) = shown
    assert signal.startswith("👤 AWO Kreisverband Neustadt: Kein Meldekontakt mehr")
    assert "1 Meldekontakt ausgeschieden, zuletzt am 27.11.2026." in signal
    assert "Aktive Mitglieder im Bot: 0" in signal
    assert "/mitglieder" in signal
    # No signal names a person.
    assert "Anna" not in signal and "Berger" not in signal
    async with bot.sessions() as session:
        rows = (await session.execute(text("SELECT * FROM v_signals"))).all()
    assert [tuple(row)[1:] for row in rows] == [
        ("engagement", "awo", "2026-11-30", "open", "contacts_left", 3.0, None)
    ]


async def test_no_signal_while_another_contact_remains(bot: RunningBot) -> None:
    clara, anna, _ = await team(bot)
    bea = await member(bot, "Bea Brandt", organisation="awo")
    await make_contact(bot, anna, bea)
    await leave_by_buttons(anna)
    head, _ = await signals_shown(clara)
    assert head.startswith("🔔 Keine offenen")


async def test_a_deactivated_contact_counts_and_a_successor_resolves_it(bot: RunningBot) -> None:
    clara, anna, _ = await team(bot)
    ada = await member(bot, "Ada Admin", Role.ADMIN, organisation="kst", organisation_name="KST")
    bea = await member(bot, "Bea Brandt", organisation="awo")
    await make_contact(bot, anna)
    bot.clock.advance(days=1)
    await ada.send("/mitglieder")
    roster = await ada.next_message()
    await ada.press_and_read(roster, "Anna Berger (AWO Kreisverband Neustadt)")
    await ada.press_and_read(roster, "Deaktivieren")
    assert "ist deaktiviert" in await ada.press_and_read(roster, "Ja, deaktivieren")
    async with bot.sessions() as session:
        left_at = await session.scalar(select(Member.left_at).where(Member.telegram_id == anna.id))
    assert left_at == NOV_27 + timedelta(days=1)

    head, shown = await signals_shown(clara)
    assert head.startswith("🔔 1 offene")
    assert "zuletzt am 28.11.2026." in shown[0]
    assert "Aktive Mitglieder im Bot: 1" in shown[0]

    # Clara marks Bea as the new reporting contact: the signal resolves.
    await clara.send("/mitglieder")
    roster = await clara.next_message()
    # Below the members: the organisations of the example nobody joined yet.
    assert (await clara.next_message()).text.startswith("🚪 Noch nicht an Bord:")
    await clara.press_and_read(roster, "Bea Brandt (AWO Kreisverband Neustadt)")
    assert "Meldekontakt: ja" in await clara.press_and_read(roster, "Als Meldekontakt markieren")
    head, _ = await signals_shown(clara)
    assert head.startswith("🔔 Keine offenen")
    async with bot.sessions() as session:
        status = await session.scalar(text("SELECT status FROM v_signals"))
        bea_row = await session.scalar(select(Member).where(Member.telegram_id == bea.id))
    assert status == "resolved"
    assert bea_row is not None and bea_row.reporting_contact
