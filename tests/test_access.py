"""Who may do what is checked again at every step of a conversation, not only when it starts:
forged role buttons, members deactivated or demoted in the middle, and what the command line
may do that no chat may (issue 22, finding 1)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.errors import DomainError
from bot.services.invites import COMMAND_LINE, create_invite
from bot.services.members import find_member
from bot.services.report.menu import menu
from storage.models import (
    AuditEntry,
    ConversationState,
    Invite,
    Member,
    Organisation,
    Role,
    UserData,
)
from tests.conftest import RunningBot
from tests.factories import add_member
from tests.fake_telegram import BotMessage, FakeUser
from tests.steps import member
from tests.test_reporting import KITA_JANUARY, example, partner, report

# When the report menu is shown: the items it offers do not depend on it.
NOW = datetime(2026, 2, 2, 9, tzinfo=UTC)

REFUSED_ROLE = "Zu dieser Rolle können Sie nicht einladen."
NOT_A_MEMBER = "Sie sind hier nicht mehr als Mitglied eingetragen."


async def invite_roles(bot: RunningBot) -> list[str]:
    async with bot.sessions() as session:
        return list((await session.scalars(select(Invite.role))).all())


async def traces(bot: RunningBot, telegram_id: int) -> tuple[list[str], list[object]]:
    """The conversations and drafts stored for this Telegram user."""
    async with bot.sessions() as session:
        conversations = await session.scalars(
            select(ConversationState.name).where(ConversationState.key.contains(str(telegram_id)))
        )
        drafts = await session.scalars(select(UserData.data).where(UserData.user_id == telegram_id))
        return list(conversations.all()), list(drafts.all())


async def settled(user: FakeUser) -> None:
    """A barrier: one user's updates are handled in order, each up to its commit, so once
    /hilfe is answered everything before it is stored."""
    await user.send("/hilfe")
    # Messages still unread before the answer (/mitglieder's "not on board" list) are passed.
    while (await user.next_message()).text.startswith("🚪 Noch nicht an Bord"):
        pass


async def halfway_through_an_invite(user: FakeUser) -> BotMessage:
    """/einladen, the AWO, partners: the next button would create the invite."""
    await user.send("/einladen")
    question = await user.next_message()
    await user.press_and_read(question, "AWO Kreisverband Neustadt")
    assert await user.press_and_read(question, "Partner*in") == (
        "Für wie viele Personen soll der Link gelten? Er ist 14 Tage gültig."
    )
    return question


async def change_in_members(admin: FakeUser, name: str, *buttons: str) -> None:
    """The admin opens /mitglieder, the member, and presses `buttons` in turn."""
    await admin.send("/mitglieder")
    roster = await admin.next_message()
    await admin.press_and_read(roster, name)
    for label in buttons:
        await admin.press_and_read(roster, label)
    await settled(admin)


async def test_forged_buttons_are_refused_at_once(bot: RunningBot) -> None:
    """An admin role in a coordinator's invite; buttons that open other roles' conversations."""
    clara = await member(bot, "Clara Koch", Role.COORDINATOR)
    await clara.send("/einladen")
    question = await clara.next_message()
    await clara.press_and_read(question, "AWO Kreisverband Neustadt")
    assert question.buttons == [["Partner*in", "Beobachter*in"]]
    refusal = await clara.callback_answer(await clara.press_data(question, "inv:role:admin"))
    assert refusal["text"] == REFUSED_ROLE
    assert question.text == "In welcher Rolle?"  # still asking, with the allowed roles
    await clara.press_and_read(question, "Partner*in")
    await clara.press_and_read(question, "bis 50")
    assert await invite_roles(bot) == ["partner"]

    paul = await member(bot, "Paul Partner", Role.PARTNER)
    await settled(paul)
    for data in ("rem:add", "cdk:r:ABCDEFGH", "exp:values:csv:range"):
        answer = await paul.callback_answer(await paul.press_data(paul.messages[-1], data))
        assert answer["text"].startswith("Dieser Befehl ist nicht für Ihre Rolle (Partner*in)")
    await settled(paul)
    assert await traces(bot, paul.id) == ([], [])


async def test_a_member_deactivated_in_the_middle_of_an_invite_creates_nothing(
    bot: RunningBot,
) -> None:
    ada = await member(bot, "Ada Admin", Role.ADMIN, "koordination", "Koordinierungsstelle")
    clara = await member(bot, "Clara Koch", Role.COORDINATOR)
    question = await halfway_through_an_invite(clara)
    await settled(clara)
    assert (await traces(bot, clara.id))[0] == ["invite"]

    await change_in_members(
        ada, "Clara Koch (AWO Kreisverband Neustadt)", "Deaktivieren", "Ja, deaktivieren"
    )
    # Her open conversation and its draft are gone, from memory and from the database.
    assert await traces(bot, clara.id) == ([], [])
    answer = await clara.callback_answer(await clara.press(question, "bis 50"))
    assert answer["text"].startswith("Dieser Knopf ist nicht mehr aktuell")

    # Deactivated behind the bot's back (another admin's SQL): the next step checks again.
    ben = await member(bot, "Ben Berg", Role.COORDINATOR)
    question = await halfway_through_an_invite(ben)
    async with bot.sessions.begin() as session:
        await session.execute(
            update(Member).where(Member.telegram_id == ben.id).values(active=False)
        )
    answer = await ben.callback_answer(await ben.press(question, "bis 50"))
    assert answer["text"].startswith(NOT_A_MEMBER)
    await settled(ben)
    assert await traces(bot, ben.id) == ([], [])
    assert await invite_roles(bot) == []


async def test_a_demoted_coordinator_sees_no_other_organisations_figures(bot: RunningBot) -> None:
    await example(bot)
    anna = await partner(bot, "Anna Berger", "awo")
    await report(anna, KITA_JANUARY, "12")
    ada = await partner(bot, "Ada Admin", "koordination", role=Role.ADMIN)
    clara = await partner(bot, "Clara Koch", "koordination", role=Role.COORDINATOR)
    await clara.send("/melden")
    choice = await clara.next_message()
    assert choice.text == "Für welche Organisation möchten Sie melden oder korrigieren?"

    await change_in_members(
        ada, "Clara Koch (Koordinierungsstelle Frühe Chan…)", "Rolle ändern", "Partner*in"
    )
    assert await traces(bot, clara.id) == ([], [])
    answer = await clara.callback_answer(await clara.press(choice, "AWO Kreisverband Neustadt"))
    assert answer["text"].startswith("Dieser Knopf ist nicht mehr aktuell")
    assert choice.text == "Für welche Organisation möchten Sie melden oder korrigieren?"
    await settled(clara)
    assert "12 Plätze" not in "\n".join(m.text for m in clara.messages)


# The command line and the rules of create_invite (service level).


@pytest.fixture
async def people(sessions: async_sessionmaker[AsyncSession]) -> async_sessionmaker[AsyncSession]:
    await add_member(sessions, 1, name="Clara Koch", role=Role.COORDINATOR)
    await add_member(sessions, 2, name="Ada Admin", role=Role.ADMIN)
    return sessions


async def invite_as(
    sessions: async_sessionmaker[AsyncSession], inviter: object, role: Role
) -> list[AuditEntry]:
    async with sessions.begin() as session:
        await create_invite(
            session,
            organisation_code="awo",
            role=role,
            now=datetime(2026, 3, 2, 9, tzinfo=UTC),
            inviter=inviter,  # type: ignore[arg-type]
        )
    async with sessions() as session:
        return list((await session.scalars(select(AuditEntry))).all())


async def test_the_command_line_invites_every_role_and_says_so_in_the_audit_log(
    people: async_sessionmaker[AsyncSession],
) -> None:
    for role in Role:
        entries = await invite_as(people, COMMAND_LINE, role)
    assert [e.details["role"] for e in entries] == [role.value for role in Role]
    assert {(e.actor_id, e.details["by"]) for e in entries} == {(None, "command line")}


async def test_a_chat_member_invites_only_what_their_role_grants_as_stored_now(
    people: async_sessionmaker[AsyncSession],
) -> None:
    async with people() as session:
        clara = await find_member(session, 1)
        ada = await find_member(session, 2)
    assert clara is not None and ada is not None
    (entry,) = await invite_as(people, clara, Role.PARTNER)
    assert (entry.actor_id, entry.details["by"]) == (clara.id, "member")
    for inviter, role in ((clara, Role.ADMIN), (clara, Role.COORDINATOR), (None, Role.PARTNER)):
        with pytest.raises(DomainError) as refused:
            await invite_as(people, inviter, role)
        assert refused.value.key == "invite.role_not_allowed"
    # Ada was demoted, then deactivated, after her identity was read: the database decides.
    async with people.begin() as session:
        await session.execute(update(Member).where(Member.id == ada.id).values(role="coordinator"))
    with pytest.raises(DomainError):
        await invite_as(people, ada, Role.ADMIN)
    async with people.begin() as session:
        await session.execute(update(Member).where(Member.id == ada.id).values(active=False))
    with pytest.raises(DomainError):
        await invite_as(people, ada, Role.PARTNER)
    async with people() as session:
        assert (await session.scalars(select(Invite.role))).all() == ["partner"]


async def test_only_coordinators_see_what_another_organisation_reported(
    people: async_sessionmaker[AsyncSession],
) -> None:
    await add_member(people, 3, name="Paul Partner", organisation="caritas")
    async with people() as session:
        clara, paul = await find_member(session, 1), await find_member(session, 3)
        awo = await session.scalar(select(Organisation.id).where(Organisation.code == "awo"))
        assert clara is not None and paul is not None and awo is not None
        assert (
            await menu(session, awo, clara, NOW)
        ).organisation_name == "AWO Kreisverband Neustadt"
        with pytest.raises(DomainError) as refused:
            await menu(session, awo, paul, NOW)
        assert refused.value.key == "report.not_yours"
        demoted = clara.model_copy(
            update={"role": Role.PARTNER, "organisation_code": "koordination"}
        )
        with pytest.raises(DomainError):
            await menu(session, awo, demoted, NOW)
