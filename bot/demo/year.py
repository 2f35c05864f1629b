"""A realistic initiative and a year of what happens in it, deterministic from a seed.

30 organisations (one coordination office, one joining in June, two nobody ever joins for),
80 members (partners, coordinators, an admin, observers; German and English; some with quiet
hours, some pausing in summer), weekly, monthly, quarterly and yearly indicators, organisations
that report on time, late or never, holidays of Lower Saxony, meetings, custom reminders,
pulse surveys, digests and signals from the initiative file, broadcasts, anonymous and named
concerns, activities.

Three steps, so benchmarks, the playground and the year test use the same data:
- `build_initiative(seed)`: the initiative file's text (apply it with `initiative apply`, or
  `apply_initiative_text`);
- `plan(seed)`: what people do, on which day, as `Event`s in time order;
- `apply(world, event)`: do one event through the real services (joining by invite, settings,
  reporting, broadcasts, concerns, activities), at the event's time.

Timed work (reminders, escalations, surveys, concern batches) is not in the plan: it is what
the bot does on its own when its timed steps run over the year (bot.scheduling.jobs).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import Translator
from bot.services.activity.activities import NewActivity, log_activity
from bot.services.broadcast import broadcasts
from bot.services.concern.batch import Waiting
from bot.services.concern.concerns import NewConcern, Opened, open_concern
from bot.services.invites import COMMAND_LINE, create_invite
from bot.services.joining.joining import join
from bot.services.members import MemberInfo, find_member
from bot.services.obligations import ensure_obligations
from bot.services.periods import due_day, periods_between
from bot.services.privacy_crypto import PrivacyKey
from bot.services.report import reporting
from bot.services.settings.settings import change_settings, pause
from handlers.broadcast.texts import recipient_messages
from storage.models import Indicator, Obligation, Organisation, Role

ZONE = ZoneInfo("Europe/Berlin")
YEAR = 2026
START = date(YEAR, 1, 1)
END = date(YEAR, 12, 31)
# The file is applied a little before the start, as a coordination office would.
APPLIED_AT = datetime(YEAR - 1, 12, 15, 10, 0, tzinfo=UTC)
JUNE_ORG = "quartiersladen-sued"
JUNE_START = date(YEAR, 6, 1)
COORDINATION = "koordination"
ORGANISATIONS = 30
MEMBERS = 80
TELEGRAM_IDS = 700_000

DISTRICTS = ["Altstadt", "Nordstadt", "Südstadt", "Weststadt", "Am Lindenhof", "Bergfeld"]
TARGET_GROUPS = [
    "Familien mit Kindern unter 3",
    "Familien mit Kindern von 3 bis 6",
    "Alleinerziehende",
    "Neu zugewanderte Familien",
    "Kita-Fachkräfte",
]
KINDS = [
    ("kita", "Kita", "Kita-Träger"),
    ("fz", "Familienzentrum", "Verein"),
    ("beratung", "Familienberatungsstelle", "Wohlfahrtsverband"),
    ("gs", "Grundschule", "Schule"),
    ("kg", "Kirchengemeinde", "Kirchengemeinde"),
    ("sv", "Sportverein", "Verein"),
    ("bib", "Stadtteilbibliothek", "Kommune"),
    ("mgh", "Mehrgenerationenhaus", "Verein"),
]
FIRST_NAMES = [
    "Anna", "Ben", "Clara", "David", "Emine", "Finn", "Greta", "Hakan", "Ida", "Jonas",
    "Katarzyna", "Lukas", "Mira", "Nils", "Olga", "Paul", "Rania", "Sven", "Tanja", "Ugo",
    "Vera", "Wiebke", "Yusuf", "Zofia",
]  # fmt: skip
LAST_NAMES = [
    "Adler", "Becker", "Çelik", "Dietrich", "Ehlers", "Fischer", "Günther", "Hoffmann",
    "Iwanowa", "Jansen", "Kowalski", "Lange", "Meyer", "Nowak", "Oltmanns", "Peters",
    "Quast", "Richter", "Schulz", "Thiele", "Ulrich", "Vogel", "Wagner", "Yılmaz",
]  # fmt: skip
QUIET_HOURS = [(20, 7), (18, 8), (22, 6), (21, 9), (19, 7)]
REMINDER_HOURS = [8, 9, 9, 9, 10]

Behaviour = Literal["prompt", "late", "never"]
EventKind = Literal["join", "pause", "report", "broadcast", "concern", "activity"]


@dataclass(frozen=True)
class DemoOrganisation:
    code: str
    name: str
    kind: str
    behaviour: Behaviour
    since: date | None = None
    backbone: bool = False


@dataclass(frozen=True)
class DemoIndicator:
    code: str
    name_de: str
    name_en: str
    unit: str
    type: str
    frequency: str
    aggregation: str
    goal: str
    level: str
    due_days: int
    low: float
    high: float
    reported_by: tuple[str, ...]


@dataclass(frozen=True)
class DemoMember:
    key: str
    telegram_id: int
    name: str
    role: Role
    organisation: str
    language: str
    reminder_hour: int
    quiet: tuple[int, int] | None


@dataclass(frozen=True)
class Event:
    """One thing a person does at `at` (UTC); `data` depends on `kind`."""

    at: datetime
    kind: EventKind
    actor: str
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Initiative:
    organisations: tuple[DemoOrganisation, ...]
    indicators: tuple[DemoIndicator, ...]
    members: tuple[DemoMember, ...]

    def member(self, key: str) -> DemoMember:
        return next(m for m in self.members if m.key == key)

    def organisation(self, code: str) -> DemoOrganisation:
        return next(o for o in self.organisations if o.code == code)


def initiative(seed: int = 1) -> Initiative:
    """Who takes part and what they report (the same for the same seed)."""
    rng = random.Random(seed)
    organisations = [
        DemoOrganisation(
            COORDINATION, "Koordinierungsstelle Frühe Chancen", "Koordinierungsstelle", "never",
            backbone=True,
        )
    ]  # fmt: skip
    names: set[str] = set()
    while len(organisations) < ORGANISATIONS - 1:
        prefix, kind, kind_label = rng.choice(KINDS)
        district = rng.choice(DISTRICTS)
        name = f"{kind} {district}"
        if name in names:
            continue
        names.add(name)
        code = f"{prefix}-{district.lower().replace(' ', '-').replace('ü', 'ue')}"
        if len(organisations) == 3:  # a long name, with characters HTML must escape
            name = f"{kind} & Familientreff <{district}> – Träger: Diakonisches Werk e. V."
        organisations.append(DemoOrganisation(code, name, kind_label, "prompt"))
    organisations.append(
        DemoOrganisation(JUNE_ORG, "Quartiersladen Südstadt", "Verein", "prompt", JUNE_START)
    )
    partners = organisations[1:]
    # Four never report, six report late; the rest on time, mostly.
    shuffled = rng.sample(partners[:-1], len(partners) - 1)
    behaviours: dict[str, Behaviour] = {o.code: "never" for o in shuffled[:4]}
    behaviours |= {o.code: "late" for o in shuffled[4:10]}
    organisations = [
        o if o.code not in behaviours else DemoOrganisation(
            o.code, o.name, o.kind, behaviours[o.code], o.since
        )
        for o in organisations
    ]  # fmt: skip
    codes = [o.code for o in organisations[1:]]

    def some(count: int) -> tuple[str, ...]:
        return tuple(sorted(rng.sample(codes, count)))

    indicators = (
        DemoIndicator(
            "eltern-cafe", "Teilnahmen an Elterncafés und Eltern-Kind-Gruppen",
            "Attendance at parent cafés and parent-child groups", "Teilnahmen", "integer",
            "weekly", "sum", "familien", "output", 2, 5, 60, some(14),
        ),
        DemoIndicator(
            "beratungen", "Beratungsgespräche mit Familien", "Counselling sessions with families",
            "Gespräche", "integer", "weekly", "sum", "familien", "output", 2, 2, 30, some(8),
        ),
        DemoIndicator(
            "kita-plaetze", "Neue Kita-Plätze", "New daycare places", "Plätze", "integer",
            "monthly", "sum", "bildung", "output", 5, 0, 12, some(10),
        ),
        DemoIndicator(
            "wartezeit", "Wartezeit auf ein Erstgespräch", "Waiting time for a first appointment",
            "Wochen", "decimal", "monthly", "max", "familien", "outcome", 5, 1, 9, some(6),
        ),
        DemoIndicator(
            "mehrsprachig", "Angebote in mindestens drei Sprachen beschrieben",
            "Services described in at least three languages", "Ja/Nein", "boolean",
            "quarterly", "mean", "familien", "output", 10, 0, 1, ("*",),
        ),
        DemoIndicator(
            "kita-schule", "Einschätzung: Zusammenarbeit von Kita und Grundschule (1–5)",
            "Rating: cooperation between daycare and primary school (1–5)", "Punkte", "scale",
            "quarterly", "mean", "schulstart", "outcome", 10, 1, 5, some(10),
        ),
        DemoIndicator(
            "fortbildung", "Anteil der Fachkräfte mit Fortbildung zu Sprachbildung",
            "Share of staff trained in language education", "%", "percent", "yearly", "min",
            "bildung", "outcome", 30, 20, 90, some(8),
        ),
    )  # fmt: skip
    return Initiative(tuple(organisations), indicators, tuple(_members(rng, organisations)))


def _members(rng: random.Random, organisations: Sequence[DemoOrganisation]) -> list[DemoMember]:
    roles = [Role.ADMIN] + [Role.COORDINATOR] * 3 + [Role.OBSERVER] * 3
    places = [COORDINATION] * len(roles)
    # Two organisations nobody ever joins for: they owe reports that nobody is reminded of.
    joined = [o.code for o in organisations[1:-3]] + [organisations[-1].code]
    places += joined * 2
    places += rng.choices(joined, k=MEMBERS - len(places))
    roles += [Role.PARTNER] * (MEMBERS - len(roles))
    members = []
    used: set[str] = set()
    for number, (role, place) in enumerate(zip(roles, places, strict=True)):
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        while name in used:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        used.add(name)
        members.append(
            DemoMember(
                key=f"m{number:02d}",
                telegram_id=TELEGRAM_IDS + number,
                name=name,
                role=role,
                organisation=place,
                # One in six uses English; the second coordinator always, so both are tested.
                language="en" if number == 2 or rng.random() < 1 / 6 else "de",
                reminder_hour=rng.choice(REMINDER_HOURS),
                # A third keeps quiet hours; the first coordinator too (concern notices wait).
                quiet=rng.choice(QUIET_HOURS) if number == 1 or rng.random() < 1 / 3 else None,
            )
        )
    return members


def build_initiative(seed: int = 1) -> str:
    """The initiative file (TOML) of the demo initiative."""
    world = initiative(seed)
    lines = [
        "[initiative]",
        'name = "Bündnis Frühe Chancen Neustadt"',
        'timezone = "Europe/Berlin"',
        'default_language = "de"',
        f"start = {START.isoformat()}",
        'holidays = "DE-NI"',
        'agenda = { de = "Jedes Kind in Neustadt soll gute Chancen von Anfang an haben.", '
        'en = "Every child in Neustadt should have good chances from the very start." }',
        f"districts = {_toml_list(DISTRICTS)}",
        f"target_groups = {_toml_list(TARGET_GROUPS)}",
    ]
    for organisation in world.organisations:
        lines += [
            "",
            "[[organisations]]",
            f'code = "{organisation.code}"',
            f"name = {_toml_string(organisation.name)}",
            f'kind = "{organisation.kind}"',
        ]
        if organisation.backbone:
            lines.append("backbone = true")
        if organisation.since:
            lines.append(f"since = {organisation.since.isoformat()}")
    for code, de, en in (
        ("familien", "Familien früh erreichen", "Reach families early"),
        ("bildung", "Frühe Bildung stärken", "Strengthen early education"),
        ("schulstart", "Gut vorbereitet in die Schule", "Starting school well prepared"),
    ):
        lines += ["", "[[goals]]", f'code = "{code}"', f'title = {{ de = "{de}", en = "{en}" }}']
    for indicator in world.indicators:
        lines += [
            "",
            "[[indicators]]",
            f'code = "{indicator.code}"',
            f'name = {{ de = "{indicator.name_de}", en = "{indicator.name_en}" }}',
            f'unit = "{indicator.unit}"',
            f'type = "{indicator.type}"',
            f'frequency = "{indicator.frequency}"',
            f'aggregation = "{indicator.aggregation}"',
            f'goal = "{indicator.goal}"',
            f'level = "{indicator.level}"',
            f"due_days = {indicator.due_days}",
            f"reported_by = {_toml_list(indicator.reported_by)}",
        ]
        if indicator.type in ("integer", "decimal", "percent"):
            # Room above what is usual, as a real file has; percent stops at 100.
            high = 100 if indicator.type == "percent" else int(indicator.high * 10)
            lines += ["min = 0", f"max = {high}"]
    lines += [
        "",
        "[[glossary]]",
        'term = "Wirkung"',
        'definition = { de = "Eine Veränderung bei den Zielgruppen.", '
        'en = "A change for the target groups." }',
        "",
        "[[reminders]]",
        'code = "meldungen"',
        'kind = "reporting"',
        "offsets_days = [-3, 0, 3]",
        "escalate_after_days = 7",
        "",
        "[[reminders]]",
        'code = "steuerungsrunde"',
        'kind = "meeting"',
        'rrule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;BYHOUR=9;BYMINUTE=0"',
        f"starts = {START.isoformat()}",
        'audience = { roles = ["partner", "coordinator", "admin"] }',
        'text = { de = "Heute um 10 Uhr ist Steuerungsrunde im Rathaus.", '
        'en = "Steering meeting today at 10:00 in the town hall." }',
        "",
        "[[reminders]]",
        'code = "kita-portal"',
        'kind = "custom"',
        'rrule = "FREQ=MONTHLY;BYDAY=3WE;BYHOUR=9;BYMINUTE=0"',
        f"starts = {START.isoformat()}",
        f"audience = {{ organisations = {_toml_list(_kitas(world))} }}",
        'text = { de = "Bitte tragen Sie Ihre freien Kita-Plätze im Kita-Portal ein.", '
        'en = "Please enter your free daycare places in the daycare portal." }',
        "",
        "[[reminders]]",
        'code = "stimmungsbild"',
        'kind = "pulse"',
        'rrule = "FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO;BYHOUR=10;BYMINUTE=0"',
        f"starts = {START.isoformat()}",
        "",
        "[[reminders]]",
        'code = "wochenrueckblick"',
        'kind = "digest"',
        'rrule = "FREQ=WEEKLY;BYDAY=FR;BYHOUR=14;BYMINUTE=0"',
        f"starts = {START.isoformat()}",
        "",
        "[[reminders]]",
        'code = "signale"',
        'kind = "signals"',
        'rrule = "FREQ=WEEKLY;BYDAY=MO;BYHOUR=8;BYMINUTE=0"',
        f"starts = {START.isoformat()}",
    ]
    return "\n".join(lines) + "\n"


def _kitas(world: Initiative) -> list[str]:
    return [o.code for o in world.organisations if o.code.startswith("kita-")] or [JUNE_ORG]


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _toml_list(items: Sequence[str]) -> str:
    return "[" + ", ".join(_toml_string(item) for item in items) + "]"


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE).astimezone(UTC)


def plan(seed: int = 1) -> list[Event]:
    """Everything people do in the demo year, in time order (the same for the same seed)."""
    world = initiative(seed)
    rng = random.Random(seed * 7919 + 1)
    events: list[Event] = []
    joined_on: dict[str, date] = {}
    for member in world.members:
        organisation = world.organisation(member.organisation)
        first = organisation.since or START
        day = first + timedelta(days=rng.randrange(1, 16 if organisation.since is None else 8))
        if member.key == "m00":  # the admin is there when the year begins
            day = START
        joined_on[member.key] = day
        events.append(
            Event(_local(day, rng.randrange(8, 18), rng.randrange(60)), "join", member.key)
        )
    partners = [m for m in world.members if m.role is Role.PARTNER]
    # Summer: a few pause their reminders for two or three weeks.
    for member in rng.sample(partners, 8):
        day = date(YEAR, 7, rng.randrange(1, 28))
        days = rng.choice([14, 21])
        events.append(Event(_local(day, 16), "pause", member.key, {"days": days}))
    events += _reports(world, rng, joined_on)
    coordinators = [m for m in world.members if m.role is Role.COORDINATOR]
    for month in range(1, 13):
        for _ in range(rng.choice([1, 1, 2])):
            day = date(YEAR, month, rng.randrange(2, 28))
            audience = rng.choice(["all", "role:partner", "role:coordinator,partner"])
            text = rng.choice(
                [
                    "Die Steuerungsrunde hat die Schwerpunkte für das nächste Quartal beschlossen."
                    " Das Protokoll liegt im gemeinsamen Ordner.",
                    "Erinnerung: Fachtag Sprachbildung am Donnerstag, Anmeldung bis Freitag.",
                    "Neue Fördermittel für Elterncafés: Anträge bis Monatsende an die"
                    " Koordinierungsstelle.",
                ]
            )
            events.append(
                Event(
                    _local(day, rng.choice([9, 11, 15, 21])),
                    "broadcast",
                    rng.choice(coordinators).key,
                    {"audience": audience, "text": text, "ask_ack": rng.random() < 0.5},
                )
            )
    for _ in range(24):
        member = rng.choice(partners)
        day = max(joined_on[member.key] + timedelta(days=1), date(YEAR, 1, 1))
        day += timedelta(days=rng.randrange(0, max(1, (END - day).days - 3)))
        events.append(
            Event(
                _local(day, rng.choice([8, 10, 13, 17, 19, 22]), rng.randrange(60)),
                "concern",
                member.key,
                {
                    "anonymous": rng.random() < 0.6,
                    "category": rng.choice(["communication", "roles", "resources", "data"]),
                    "severity": rng.choice(["low", "medium", "high"]),
                    "text": rng.choice(
                        [
                            "Die Absprachen zur Raumnutzung im Familienzentrum klappen nicht.",
                            "Wir wissen nicht, wer für die Übergänge Kita–Schule zuständig ist.",
                            "Die Meldungen kosten uns zu viel Zeit, können wir das vereinfachen?",
                        ]
                    ),
                },
            )
        )
    for _ in range(120):
        member = rng.choice(partners)
        day = joined_on[member.key] + timedelta(days=rng.randrange(1, 300))
        if day > END:
            continue
        others = [o.code for o in world.organisations[1:] if o.code != member.organisation]
        events.append(
            Event(
                _local(day, rng.randrange(9, 19)),
                "activity",
                member.key,
                {
                    "title": rng.choice(
                        ["Elterncafé", "Vorlesenachmittag", "Sprechstunde", "Fachtag", "Sommerfest"]
                    ),
                    "goal": rng.choice(["familien", "bildung", "schulstart"]),
                    "district": rng.choice(DISTRICTS),
                    "target_group": rng.choice(TARGET_GROUPS),
                    "reach": rng.randrange(5, 80),
                    "partners": tuple(rng.sample(others, rng.choice([0, 0, 1, 2]))),
                },
            )
        )
    return sorted(events, key=lambda e: (e.at, e.actor, e.kind))


def _reports(world: Initiative, rng: random.Random, joined_on: Mapping[str, date]) -> list[Event]:
    """Each organisation's reporting contact (its first partner) reports what it owes: on time,
    late, or never; even punctual ones forget one report in twelve."""
    events = []
    for organisation in world.organisations[1:]:
        if organisation.behaviour == "never":
            continue
        contact = next((m for m in world.members if m.organisation == organisation.code), None)
        if contact is None:
            continue
        since = max(organisation.since or START, START)
        for indicator in world.indicators:
            owing = "*" in indicator.reported_by or organisation.code in indicator.reported_by
            if not owing:
                continue
            base = rng.uniform(indicator.low, indicator.high)
            for period in periods_between(indicator.frequency, since, END):
                if rng.random() < 1 / 12:
                    continue
                # Holidays move few due days, by a day: the plan need not know them.
                due = due_day(period, indicator.due_days)
                if organisation.behaviour == "late":
                    day = due + timedelta(days=rng.randrange(3, 30))
                else:
                    day = period.last_day + timedelta(days=rng.randrange(0, indicator.due_days + 1))
                day = max(day, joined_on[contact.key] + timedelta(days=1))
                if day > END:
                    continue
                events.append(
                    Event(
                        _local(day, rng.randrange(8, 18), rng.randrange(60)),
                        "report",
                        contact.key,
                        {
                            "indicator": indicator.code,
                            "organisation": organisation.code,
                            "period": period.code,
                            "value": _value(indicator, base, rng),
                        },
                    )
                )
    return events


def _value(indicator: DemoIndicator, base: float, rng: random.Random) -> float:
    if indicator.type == "boolean":
        return float(rng.random() < 0.6)
    if indicator.type == "scale":
        return float(min(5, max(1, round(base + rng.uniform(-1, 1)))))
    value = max(0.0, base * rng.uniform(0.8, 1.2))
    return round(value, 1) if indicator.type == "decimal" else float(round(value))


@dataclass
class World:
    """What `apply` needs: the database, texts, and where anonymous concerns wait for their
    batch (the ConcernBuffer's `waiting` of the running bot, or one of the caller's)."""

    sessions: async_sessionmaker[AsyncSession]
    translator: Translator
    key: PrivacyKey | None
    waiting: Waiting = field(default_factory=Waiting)
    batch_minutes: int = 60
    seed: int = 1
    # Reporting writes what is owed first, as /melden does; a caller that writes the day's
    # obligations itself before the day's reports (the playground's history) saves that
    # look per report.
    obligations_written: bool = False
    _initiative: Initiative | None = None

    @property
    def initiative(self) -> Initiative:
        if self._initiative is None:
            self._initiative = initiative(self.seed)
        return self._initiative


@dataclass(frozen=True)
class Applied:
    """What an event did, where a caller wants to follow it up (a concern's ticket)."""

    event: Event
    opened: Opened | None = None


async def apply(world: World, event: Event) -> Applied:
    """Do `event` through the services, in one transaction, at `event.at`."""
    async with world.sessions.begin() as session:
        if event.kind == "join":
            await _join(session, world.initiative.member(event.actor), event.at)
            return Applied(event)
        actor = await find_member(session, world.initiative.member(event.actor).telegram_id)
        if actor is None:  # not (yet) a member: what they meant to do does not happen
            return Applied(event)
        if event.kind == "pause":
            today = event.at.astimezone(ZONE).date()
            await pause(session, actor.id, int(event.data["days"]), today)
        elif event.kind == "report":
            await _report(session, actor, event, world.obligations_written)
        elif event.kind == "broadcast":
            render = recipient_messages(
                world.translator,
                actor.organisation_name,
                str(event.data["text"]),
                bool(event.data["ask_ack"]),
            )
            draft = broadcasts.Draft(
                audience=str(event.data["audience"]),
                text=str(event.data["text"]),
                ask_ack=bool(event.data["ask_ack"]),
            )
            await broadcasts.send(session, actor, draft, event.at, render)
        elif event.kind == "concern":
            anonymous = bool(event.data["anonymous"]) and world.key is not None
            opened = await open_concern(
                session,
                NewConcern(
                    anonymous=anonymous,
                    category=event.data["category"],
                    severity=event.data["severity"],
                    text=str(event.data["text"]),
                ),
                key=world.key,
                reporter_id=None if anonymous else actor.id,
                today=event.at.astimezone(ZONE).date(),
                now=event.at,
                batch_minutes=world.batch_minutes,
                waiting=world.waiting,
            )
            return Applied(event, opened)
        elif event.kind == "activity":
            day = event.at.astimezone(ZONE).date()
            await log_activity(
                session,
                actor,
                NewActivity(
                    title=str(event.data["title"]),
                    activity_date=day,
                    goal_code=str(event.data["goal"]),
                    district=str(event.data["district"]),
                    target_group=str(event.data["target_group"]),
                    reach=int(event.data["reach"]),
                    partner_codes=tuple(event.data["partners"]),
                ),
                event.at,
            )
    return Applied(event)


async def _join(session: AsyncSession, member: DemoMember, now: datetime) -> None:
    invite = await create_invite(
        session,
        organisation_code=member.organisation,
        role=member.role,
        now=now,
        inviter=COMMAND_LINE,
    )
    joined = await join(
        session,
        code=invite.code,
        telegram_id=member.telegram_id,
        name=member.name,
        language=member.language,
        now=now,
    )
    quiet_start, quiet_end = member.quiet or (None, None)
    await change_settings(
        session,
        joined.id,
        reminder_hour=member.reminder_hour,
        quiet_start=quiet_start,
        quiet_end=quiet_end,
    )


async def _report(
    session: AsyncSession, actor: MemberInfo, event: Event, obligations_written: bool
) -> None:
    # /melden writes what is owed before it offers anything; so does reporting here.
    if not obligations_written:
        await ensure_obligations(session, event.at)
    obligation_id = await session.scalar(
        select(Obligation.id)
        .join(Indicator, Indicator.id == Obligation.indicator_id)
        .join(Organisation, Organisation.id == Obligation.organisation_id)
        .where(
            Indicator.code == event.data["indicator"],
            Organisation.code == event.data["organisation"],
            Obligation.period == event.data["period"],
        )
    )
    if obligation_id is None:  # not owed (e.g. waived or the file changed): nothing to do
        return
    asked = await reporting.question(session, obligation_id, actor)
    if asked.revision:
        return
    value = float(event.data["value"])
    note = "Ferienzeit" if await reporting.needs_note(session, asked, value) else ""
    entry = reporting.Entry(obligation_id=obligation_id, value=value, note=note, seen_revision=0)
    await reporting.save(session, actor, entry, event.at)
