"""The chat commands (DESIGN section 3): names, German aliases, who may use them.

One table feeds the handler registration, the role checks, /help and the command menus, so a
command cannot be listed without existing or exist without being listed. Later features add
their rows here.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.models import Role

MEMBERS = frozenset(Role)
PARTNER_PLUS = frozenset({Role.PARTNER, Role.COORDINATOR, Role.ADMIN})
COORDINATOR_PLUS = frozenset({Role.COORDINATOR, Role.ADMIN})


@dataclass(frozen=True)
class Command:
    name: str
    alias: str | None
    # None: also for people who have not joined yet.
    roles: frozenset[Role] | None
    description_key: str
    # Shown in the menu of group chats (where it only points to the private chat).
    in_groups: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, self.alias) if self.alias else (self.name,)

    def display_name(self, language: str) -> str:
        return self.alias if language == "de" and self.alias else self.name

    def allows(self, role: Role | None) -> bool:
        if self.roles is None:
            return True
        return role is not None and role in self.roles


COMMANDS: tuple[Command, ...] = (
    Command("start", None, None, "command.start"),
    Command("help", "hilfe", None, "command.help", in_groups=True),
    Command("report", "melden", PARTNER_PLUS, "command.report"),
    Command("activity", "aktivitaet", PARTNER_PLUS, "command.activity"),
    Command("concern", "anliegen", MEMBERS, "command.concern"),
    Command("agenda", "ziele", MEMBERS, "command.agenda"),
    Command("progress", "fortschritt", MEMBERS, "command.progress"),
    Command("news", "neuigkeiten", MEMBERS, "command.news"),
    Command("pulse", "stimmung", MEMBERS, "command.pulse"),
    Command("activities", "aktivitaeten", MEMBERS, "command.activities"),
    Command("settings", "einstellungen", MEMBERS, "command.settings"),
    Command("mydata", "meinedaten", MEMBERS, "command.mydata"),
    Command("cancel", "abbrechen", MEMBERS, "command.cancel"),
    Command("broadcast", "rundruf", COORDINATOR_PLUS, "command.broadcast"),
    Command("missing", "ausstehend", COORDINATOR_PLUS, "command.missing"),
    Command("reminders", "erinnerungen", COORDINATOR_PLUS, "command.reminders"),
    Command("concerns", "anliegenliste", COORDINATOR_PLUS, "command.concerns"),
    Command("signals", "signale", COORDINATOR_PLUS, "command.signals"),
    Command("members", "mitglieder", COORDINATOR_PLUS, "command.members"),
    Command("export", None, COORDINATOR_PLUS, "command.export"),
    Command("invite", "einladen", COORDINATOR_PLUS, "command.invite"),
)


def command(name: str) -> Command:
    for entry in COMMANDS:
        if name in entry.names:
            return entry
    raise KeyError(name)


def all_names() -> list[str]:
    return [name for entry in COMMANDS for name in entry.names]


def available(role: Role | None) -> list[Command]:
    """The commands this role (None: not joined) may use, in table order."""
    return [entry for entry in COMMANDS if entry.allows(role)]
