"""Roles end to end: /invite by buttons, who may invite whom, /members with reporting contacts,
role changes (with the member's menu following) and deactivation; the `gwbot invite` command."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.cli.main import main
from bot.services.invites import hash_code
from storage.engine import make_engine, make_sessionmaker
from storage.models import AuditEntry, Invite, Member, Organisation, Role
from tests.conftest import RunningBot
from tests.steps import member
from tests.test_agenda import set_up
from tests.test_joining import invite, join

LINK = re.compile(r"https://t\.me/gwbot_test_bot\?start=([\w-]+)")


async def stored(bot: RunningBot, telegram_id: int) -> Member:
    async with bot.sessions() as session:
        member = await session.scalar(select(Member).where(Member.telegram_id == telegram_id))
        assert member is not None
        return member


async def test_a_coordinator_invites_and_the_new_partner_joins(bot: RunningBot) -> None:
    coordinator = await member(bot, "Clara Koch", Role.COORDINATOR)
    await coordinator.send("/einladen")
    question = await coordinator.next_message()
    await coordinator.press_and_read(question, "AWO Kreisverband Neustadt")
    # Coordinators invite partners and observers only.
    assert question.buttons == [["Partner*in", "Beobachter*in"]]
    await coordinator.press_and_read(question, "Partner*in")
    created = await coordinator.press_and_read(question, "bis 1")
    match = LINK.search(created)
    assert match, created
    newcomer = bot.fake.user(first_name="Nora", last_name="Neu", language_code="de")
    welcome = await join(bot, newcomer, match.group(1), language="Deutsch")
    assert welcome.startswith("Fertig, Nora Neu.")
    assert (await stored(bot, newcomer.id)).role == "partner"


async def test_partners_and_observers_may_not_invite_or_manage(bot: RunningBot) -> None:
    partner = await member(bot, "Paul Partner", Role.PARTNER)
    for command in ("/einladen", "/mitglieder"):
        await partner.send(command)
        assert "nicht für Ihre Rolle (Partner*in)" in (await partner.next_message()).text
    code = await invite(bot, role=Role.OBSERVER)
    observer = bot.fake.user(first_name="Otto", last_name="Obs", language_code="de")
    await join(bot, observer, code, language="Deutsch")
    await observer.send("/ziele")
    assert "Agenda" in (await observer.next_message()).text
    await observer.send("/einladen")
    assert "nicht für Ihre Rolle (Beobachter*in)" in (await observer.next_message()).text


async def test_an_admin_makes_someone_coordinator_and_their_menu_changes(bot: RunningBot) -> None:
    admin = await member(bot, "Ada Admin", Role.ADMIN)
    code = await invite(bot)
    ben = bot.fake.user(first_name="Ben", last_name="Berg", language_code="de")
    await join(bot, ben, code, language="Deutsch")
    menu = dict(bot.fake.commands_for("chat", "", chat_id=ben.chat_id))
    assert "mitglieder" not in menu
    await admin.send("/mitglieder")
    roster = await admin.next_message()
    assert "• Ben Berg – Partner*in" in roster.text
    assert "Rolle: Partner*in" in await admin.press_and_read(
        roster, "Ben Berg (AWO Kreisverband Neustadt)"
    )
    await admin.press_and_read(roster, "Rolle ändern")
    assert "Rolle: Koordinator*in" in await admin.press_and_read(roster, "Koordinator*in")
    assert (await stored(bot, ben.id)).role == "coordinator"
    menu = dict(bot.fake.commands_for("chat", "", chat_id=ben.chat_id))
    assert menu["mitglieder"] == "Mitglieder nach Organisation, Rollen, Meldekontakte"
    async with bot.sessions() as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert "member.role" in actions


async def test_a_coordinator_marks_a_reporting_contact(bot: RunningBot) -> None:
    coordinator = await member(bot, "Clara Koch", Role.COORDINATOR)
    anna = await member(bot, "Anna Berger", Role.PARTNER)
    await coordinator.send("/mitglieder")
    roster = await coordinator.next_message()
    await coordinator.press_and_read(roster, "Anna Berger (AWO Kreisverband Neustadt)")
    assert roster.buttons == [["Als Meldekontakt markieren"]]  # no admin actions
    contact = await coordinator.press_and_read(roster, "Als Meldekontakt markieren")
    assert "Meldekontakt: ja" in contact
    assert (await stored(bot, anna.id)).reporting_contact


async def test_forged_member_buttons_change_nothing(bot: RunningBot) -> None:
    coordinator = await member(bot, "Clara Koch", Role.COORDINATOR)
    anna = await member(bot, "Anna Berger", Role.PARTNER)
    target = (await stored(bot, anna.id)).id
    await coordinator.send("/mitglieder")
    roster = await coordinator.next_message()
    for data in (f"mem:{target}:role:admin", f"mem:{target}:off:yes"):
        answer = await coordinator.callback_answer(await coordinator.press_data(roster, data))
        assert "Das dürfen nur" in answer["text"]
    answer = await anna.callback_answer(await anna.press_data(roster, f"mem:{target}:contact"))
    assert "Das dürfen nur" in answer["text"]
    row = await stored(bot, anna.id)
    assert (row.role, row.active, row.reporting_contact) == ("partner", True, False)


async def test_an_admin_deactivates_a_member(bot: RunningBot) -> None:
    admin = await member(bot, "Ada Admin", Role.ADMIN)
    anna = await member(bot, "Anna Berger", Role.PARTNER)
    await admin.send("/mitglieder")
    roster = await admin.next_message()
    await admin.press_and_read(roster, "Anna Berger (AWO Kreisverband Neustadt)")
    await admin.press_and_read(roster, "Deaktivieren")
    assert "ist deaktiviert" in await admin.press_and_read(roster, "Ja, deaktivieren")
    await anna.send("/hilfe")
    assert "Einladungslink" in (await anna.next_message()).text


def test_gwbot_invite_prints_code_and_link(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "i.toml").write_text(
        '[initiative]\nname = "B"\nstart = 2026-01-01\n'
        '[[organisations]]\ncode = "koordination"\nname = "Koordinierungsstelle"\nbackbone = true\n'
    )
    main(["initiative", "apply", str(tmp_path / "i.toml")])
    monkeypatch.setenv("GWBOT_BOT__USERNAME", "fruehe_chancen_bot")
    main(["invite", "--org", "koordination", "--role", "admin", "--uses", "2"])
    out = capsys.readouterr().out
    code = re.search(r"https://t\.me/fruehe_chancen_bot\?start=([\w-]+)", out)
    assert code, out
    assert len(code.group(1)) >= 16  # 96 random bits
    assert "2 use(s)" in out

    async def stored_invite() -> tuple[Invite | None, AuditEntry | None]:
        engine = make_engine("sqlite+aiosqlite:///gwbot.db")
        async with make_sessionmaker(engine)() as session:
            found = await session.scalar(
                select(Invite).where(Invite.code_hash == hash_code(code.group(1)))
            )
            audited = await session.scalar(
                select(AuditEntry).where(AuditEntry.action == "invite.created")
            )
        await engine.dispose()
        return found, audited

    invite_row, audited = asyncio.run(stored_invite())
    assert invite_row is not None
    assert (invite_row.role, invite_row.uses_left) == ("admin", 2)
    # No member behind it, and the audit log says plainly who it was.
    assert audited is not None
    assert (audited.actor_id, audited.details["by"]) == (None, "command line")
    with pytest.raises(SystemExit):
        main(["invite", "--org", "gibtsnicht", "--role", "partner"])
    assert "There is no active organisation “gibtsnicht”" in capsys.readouterr().err


async def test_organisations_not_on_board_are_listed_with_an_invite_button(
    bot: RunningBot,
) -> None:
    await set_up(bot)  # the example: eight organisations owe reports
    clara = await member(bot, "Clara Koch", Role.COORDINATOR, "koordination")
    await member(bot, "Anna Berger", Role.PARTNER, "awo")
    bea = await member(bot, "Bea Brandt", Role.PARTNER, "caritas")
    await member(bot, "Olga Obs", Role.OBSERVER, "stadtwerke")
    async with bot.sessions.begin() as session:
        await session.execute(
            update(Member).where(Member.telegram_id == bea.id).values(reporting_contact=True)
        )
    await clara.send("/mitglieder")
    await clara.next_message()  # the members, as before
    gaps = await clara.next_message()
    assert gaps.text == (
        "🚪 Noch nicht an Bord:\n"
        "• AWO Kreisverband Neustadt: kein Meldekontakt – Erinnerungen gehen an alle"
        " Mitglieder\n"
        "• Bürgerstiftung Neustadt: noch niemand im Bot\n"
        "• Ev.-luth. Kirchengemeinde St. Marien: noch niemand im Bot\n"
        "• Mehrgenerationenhaus Neustadt e. V.: noch niemand im Bot\n"
        "• Stadt Neustadt – Fachbereich Jugend, Familie und Bildung: noch niemand im Bot\n"
        "• Stadtwerke Neustadt GmbH: nur Beobachter*innen im Bot\n"
        "• SV Nordstadt 1921 e. V.: noch niemand im Bot\n"
        "Ein Knopf unten lädt für die Organisation ein."
    )
    assert len(gaps.buttons) == 7
    assert gaps.buttons[5] == ["✉️ Einladen: Stadtwerke Neustadt GmbH"]

    # The button starts /einladen with the organisation chosen.
    await clara.press(gaps, "✉️ Einladen: Stadtwerke Neustadt GmbH")
    question = await clara.next_message()
    assert question.text == "Einladung für Stadtwerke Neustadt GmbH – in welcher Rolle?"
    assert question.buttons == [["Partner*in", "Beobachter*in"]]
    await clara.press_and_read(question, "Partner*in")
    created = await clara.press_and_read(question, "bis 1")
    match = LINK.search(created)
    assert match, created
    newcomer = bot.fake.user(first_name="Nora", last_name="Neu", language_code="de")
    await newcomer.send(f"/start {match.group(1)}")
    notice = await newcomer.next_message()
    assert notice.text.startswith(
        "Willkommen! Sie wurden als Partner*in für Stadtwerke Neustadt GmbH eingeladen."
    )


async def test_a_forged_invite_button_is_refused(bot: RunningBot) -> None:
    await set_up(bot)
    paul = await member(bot, "Paul Partner", Role.PARTNER, "awo")
    await paul.send("/hilfe")
    message = await paul.next_message()
    async with bot.sessions() as session:
        stadtwerke = await session.scalar(
            select(Organisation.id).where(Organisation.code == "stadtwerke")
        )
    answer = await paul.callback_answer(await paul.press_data(message, f"inv:new:{stadtwerke}"))
    assert "nicht für Ihre Rolle (Partner*in)" in answer["text"]
    async with bot.sessions() as session:
        assert (await session.scalars(select(Invite))).all() == []
