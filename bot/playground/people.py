"""The demo people one can be in the playground: members of the demo initiative in each role,
and an outsider who holds an invite link."""

from __future__ import annotations

from dataclasses import dataclass

from bot.demo import year
from storage.models import Role

# Outside the demo members' ids (year.TELEGRAM_IDS and on).
OUTSIDER_ID = 690_001
OUTSIDER_NAME = ("Lea", "Neumann")


@dataclass(frozen=True)
class Person:
    key: str
    telegram_id: int
    first_name: str
    last_name: str
    language: str
    # What the page shows under the name, in German and English.
    role_de: str
    role_en: str
    organisation: str
    # The organisation the outsider's invite is for (None for members).
    invited_to: str | None = None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def demo_people(seed: int = 1) -> list[Person]:
    """Two partners of two organisations that report on time, a coordinator, the admin, an
    observer and an outsider (invited as a partner of a third organisation)."""
    world = year.initiative(seed)
    members = world.members

    def easy(member: year.DemoMember) -> bool:
        # German, no quiet hours: what they are sent arrives while one watches.
        return member.language == "de" and member.quiet is None

    def first(role: Role) -> year.DemoMember:
        return next(m for m in members if m.role is role and easy(m))

    contacts: list[year.DemoMember] = []
    for organisation in world.organisations[1:]:
        if organisation.behaviour != "prompt" or organisation.since is not None:
            continue
        owes_weekly = any(
            i.frequency == "weekly" and organisation.code in i.reported_by for i in world.indicators
        )
        contact = next((m for m in members if m.organisation == organisation.code), None)
        if owes_weekly and contact is not None and easy(contact):
            contacts.append(contact)
        if len(contacts) == 2:
            break
    chosen = [
        (contacts[0], "Partner*in", "partner"),
        (contacts[1], "Partner*in", "partner"),
        (first(Role.COORDINATOR), "Koordinator*in", "coordinator"),
        (first(Role.ADMIN), "Admin", "admin"),
        (first(Role.OBSERVER), "Beobachter*in (Förderer)", "observer"),
    ]
    people = []
    for member, role_de, role_en in chosen:
        first_name, _, last_name = member.name.partition(" ")
        organisation_name = world.organisation(member.organisation).name
        people.append(
            Person(
                member.key, member.telegram_id, first_name, last_name, member.language,
                role_de, role_en, organisation_name,
            )
        )  # fmt: skip
    taken = {p.organisation for p in people}
    invited = next(
        o
        for o in world.organisations[1:]
        if o.behaviour == "prompt" and o.since is None and o.name not in taken
    )
    people.append(
        Person(
            "outsider", OUTSIDER_ID, *OUTSIDER_NAME, "de",
            "Neu, mit Einladungslink", "new, holding an invite link", invited.name, invited.code,
        )
    )  # fmt: skip
    return people
