"""Early-warning signal `no_members` (issue 23), end to end: an organisation owes reports that
are due, and nobody of it is in the bot, so no reminder reaches anyone there. A check-in from
that signal says why nobody was asked; someone joining resolves it. Not raised before anything
is due, nor where `contacts_left` already tells the story."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text, update

from storage.models import Member, Role
from tests.conftest import RunningBot
from tests.steps import member
from tests.test_signals import NOV_27, owe, signals_shown, team

KIRCHE = "Ev.-luth. Kirchengemeinde St. Marien"


async def test_an_owing_organisation_without_members_raises_a_signal(bot: RunningBot) -> None:
    clara, _, _ = await team(bot)
    await owe(bot, "ev-kirche", NOV_27 - timedelta(days=3))
    await owe(bot, "ev-kirche", NOV_27 - timedelta(days=3), period="2026-09")
    await owe(bot, "mgh", NOV_27 + timedelta(days=3))  # nothing due yet: no signal
    head, shown = await signals_shown(clara)
    assert head.startswith("🔔 1 offene")
    (signal,) = shown
    assert signal.startswith(
        f"👥 {KIRCHE}: Niemand aus dieser Organisation ist im Bot. Fällig: 2 Meldungen."
    )
    assert "/mitglieder" in signal
    async with bot.sessions() as session:
        rows = (await session.execute(text("SELECT * FROM v_signals"))).all()
    assert [tuple(row)[1:] for row in rows] == [
        ("engagement", "ev-kirche", "2026-11-27", "open", "no_members", 2.0, None)
    ]

    # Asking them how things are reaches nobody, and the coordinator is told why.
    query = await clara.press(clara.messages[-1], "📨 Nachfragen")
    answer = await clara.callback_answer(query)
    assert answer["text"] == (
        f"📨 Niemand gefragt – {KIRCHE}: noch niemand im Bot. Einladen: /mitglieder"
    )
    assert answer.get("show_alert") is True

    # Someone joins (here: an observer is no one who reports, but a member all the same).
    await member(bot, "Eva Evangelisch", Role.OBSERVER, "ev-kirche")
    head, _ = await signals_shown(clara)
    assert head.startswith("🔔 Keine offenen")


async def test_contacts_who_left_are_told_by_their_own_signal(bot: RunningBot) -> None:
    clara, _, _ = await team(bot)
    eva = await member(bot, "Eva Evangelisch", organisation="ev-kirche")
    async with bot.sessions.begin() as session:
        await session.execute(
            update(Member)
            .where(Member.telegram_id == eva.id)
            .values(reporting_contact=True, active=False, left_at=NOV_27)
        )
    await owe(bot, "ev-kirche", NOV_27 - timedelta(days=3))
    _, shown = await signals_shown(clara)
    (signal,) = shown
    assert signal.startswith(f"👤 {KIRCHE}: Kein Meldekontakt mehr")
