"""The initiative file (DESIGN section 4): TOML, validated as a whole before anything is written.

Every problem is reported with the file, the entry (`indicators[3] "kita-plaetze"`, counted
from 1 as a person counts) and the field.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holiday_calendars
from dateutil.rrule import rrulestr
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

# A code travels in button data, which Telegram caps at 64 bytes: "act:p:" and 58 characters.
CODE_LENGTH = 58


def _code(value: str) -> str:
    if not re.fullmatch(rf"[a-z0-9][a-z0-9_-]{{0,{CODE_LENGTH - 1}}}", value):
        raise ValueError(
            f"{value!r} is not a code: use lowercase letters a-z, digits and '-', at most "
            f"{CODE_LENGTH} characters (e.g. 'ev-kirche')"
        )
    return value


Code = Annotated[str, AfterValidator(_code)]
Name = Annotated[str, Field(min_length=1, max_length=300)]
# Phones cut button labels after about 30 characters; /melden's start with the period
# ("KW 49 · ", "Nov 2026 · "), so this much of the short names must tell indicators apart.
SHORT_NAME_DISTINCT = 20
SHORT_NAME_LENGTH = 60
SECTIONS = ("organisations", "goals", "indicators", "glossary", "reminders")


class InitiativeFileError(Exception):
    """The file cannot be applied; `problems` lists every reason, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Texts(_Entry):
    """A text in German and (optionally) English; English falls back to German."""

    de: Annotated[str, Field(min_length=1)]
    en: str | None = None

    def english(self) -> str:
        return self.en or self.de


class InitiativeSection(_Entry):
    name: Name
    timezone: str = "Europe/Berlin"
    default_language: Literal["de", "en"] = "de"
    start: date
    holidays: str | None = None
    agenda: Texts | None = None
    districts: list[Name] = []
    target_groups: list[Name] = []

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}, e.g. 'Europe/Berlin'") from None
        return value

    @field_validator("holidays")
    @classmethod
    def _known_calendar(cls, value: str | None) -> str | None:
        if value is None:
            return None
        country, _, subdivision = value.partition("-")
        try:
            holiday_calendars.country_holidays(country, subdiv=subdivision or None)
        except NotImplementedError:
            raise ValueError(f"unknown holiday calendar {value!r}, e.g. 'DE' or 'DE-BY'") from None
        return value


class OrganisationEntry(_Entry):
    code: Code
    name: Name
    kind: str = ""
    backbone: bool = False
    # Other partners may be pointed to its activities ("Auch hier aktiv: ...").
    show_activities: bool = True
    # Owes reports from this day on; an organisation added to a running initiative without
    # it owes from the day it was added (history is not rewritten).
    since: date | None = None


class GoalEntry(_Entry):
    code: Code
    title: Texts
    description: Texts | None = None


class Target(_Entry):
    value: float
    by: date
    mode: Literal["level", "cumulative"]


class IndicatorEntry(_Entry):
    code: Code
    name: Texts
    # For buttons; without them the name is used.
    short_de: Annotated[str, Field(min_length=1, max_length=SHORT_NAME_LENGTH)] | None = None
    short_en: Annotated[str, Field(min_length=1, max_length=SHORT_NAME_LENGTH)] | None = None
    unit: str = ""
    type: Literal["integer", "decimal", "percent", "boolean", "scale"]
    min: float | None = None
    max: float | None = None
    frequency: Literal["weekly", "monthly", "quarterly", "yearly"]
    aggregation: Literal["sum", "mean", "max", "min"]
    goal: Code
    level: Literal["output", "outcome", "impact"] = "output"
    baseline: float | None = None
    target: Target | None = None
    due_days: int = Field(default=5, ge=0, le=90)
    note_on_implausible: bool = True
    reported_by: list[str] = ["*"]
    start: date | None = None

    def short(self, language: str) -> str:
        """The name on buttons: the short name, else the name (English falls back to German)."""
        if language == "de":
            return self.short_de or self.name.de
        if self.short_en:
            return self.short_en
        # Without an English name the German one is shown; so is its short name.
        return self.name.en or self.short_de or self.name.de

    @model_validator(mode="after")
    def _range_fits_the_type(self) -> IndicatorEntry:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min:g}) is greater than max ({self.max:g})")
        bounds = {"percent": (0, 100), "scale": (1, 5)}.get(self.type)
        for name, value in (("min", self.min), ("max", self.max)):
            if value is None:
                continue
            if self.type == "boolean":
                raise ValueError(f"{name} makes no sense for a yes/no indicator")
            if bounds and not bounds[0] <= value <= bounds[1]:
                raise ValueError(f"{name} must lie within {bounds[0]}-{bounds[1]} for {self.type}")
        return self


class GlossaryEntry(_Entry):
    term: Name
    definition: Texts


class Audience(_Entry):
    roles: list[Literal["partner", "coordinator", "admin", "observer"]] | None = None
    organisations: list[Code] | None = None


class Question(_Entry):
    code: Code
    text: Texts


class ReminderEntry(_Entry):
    code: Code
    kind: Literal["reporting", "meeting", "custom", "pulse", "digest", "signals"]
    rrule: str | None = None
    starts: date | None = None
    offsets_days: list[int] | None = None
    escalate_after_days: int | None = Field(default=None, ge=1)
    audience: Audience | None = None
    text: Texts | None = None
    questions: list[Question] | None = Field(default=None, min_length=3, max_length=5)

    @field_validator("rrule")
    @classmethod
    def _valid_rrule(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            rrulestr(value, dtstart=datetime(2026, 1, 1))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"not a valid RRULE ({exc})") from None
        return value

    @model_validator(mode="after")
    def _fields_of_the_kind(self) -> ReminderEntry:
        if self.kind == "reporting":
            if not self.offsets_days:
                raise ValueError("a reporting reminder needs offsets_days, e.g. [-3, 0, 3]")
            if self.rrule:
                raise ValueError("a reporting reminder follows due dates and takes no rrule")
            return self
        if not self.rrule or not self.starts:
            raise ValueError(f"a {self.kind} reminder needs rrule and starts")
        if self.kind in ("meeting", "custom") and self.text is None:
            raise ValueError(f"a {self.kind} reminder needs a text")
        return self


class InitiativeFile(_Entry):
    initiative: InitiativeSection
    organisations: list[OrganisationEntry] = []
    goals: list[GoalEntry] = []
    indicators: list[IndicatorEntry] = []
    glossary: list[GlossaryEntry] = []
    reminders: list[ReminderEntry] = []


def load_initiative_file(path: Path) -> InitiativeFile:
    """Read and check the whole file; raise InitiativeFileError listing every problem."""
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError:
        raise InitiativeFileError([f"{path}: the file does not exist"]) from None
    except tomllib.TOMLDecodeError as exc:
        hint = _syntax_hint(path, exc)
        message = f"{path}: TOML syntax error: {exc}" + (f"\n    {hint}" if hint else "")
        raise InitiativeFileError([message]) from None
    try:
        parsed = InitiativeFile.model_validate(raw)
    except ValidationError as exc:
        raise InitiativeFileError([_describe(path, raw, error) for error in exc.errors()]) from None
    problems = [f"{path}: {problem}" for problem in _cross_references(parsed)]
    if problems:
        raise InitiativeFileError(problems)
    return parsed


# The mistakes people make who write German numbers and dates, or text without quotes:
# `baseline = 6,5`, `start = 01.09.2026`, `name = AWO Neustadt`.
DECIMAL_COMMA = re.compile(r"=\s*-?\d+,\d+\s*(?:#.*)?$")
GERMAN_DATE = re.compile(r"=\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*(?:#.*)?$")
UNQUOTED_TEXT = re.compile(r"=\s*[^\s\"'\[{\d+\-#tf]")


def _syntax_hint(path: Path, error: tomllib.TOMLDecodeError) -> str | None:
    """What the line the parser stopped at most likely needs, in plain words."""
    found = re.search(r"\(at line (\d+)", str(error))
    if found is None:
        return None
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    number = int(found.group(1))
    line = lines[number - 1] if 0 < number <= len(lines) else ""
    if DECIMAL_COMMA.search(line):
        return "Hint: numbers take a decimal point, not a comma: 6.5 rather than 6,5."
    if date := GERMAN_DATE.search(line):
        day, month, year = date.groups()
        iso = f"{year}-{int(month):02d}-{int(day):02d}"
        return f"Hint: dates are written year-month-day, without quotes: {iso}."
    if UNQUOTED_TEXT.search(line) or re.search(r"=\s*(?!true|false)[a-z]", line):
        return 'Hint: text needs quotes: name = "AWO Neustadt".'
    return None


def _entry_label(raw: dict[str, Any], section: str, index: int) -> str:
    entries = raw.get(section)
    entry = entries[index] if isinstance(entries, list) and index < len(entries) else None
    name = None
    if isinstance(entry, dict):
        name = entry.get("code") or entry.get("term")
    return f"{section}[{index + 1}]" + (f' "{name}"' if isinstance(name, str) else "")


def _describe(path: Path, raw: dict[str, Any], error: Any) -> str:
    loc = list(error["loc"])
    if len(loc) >= 2 and loc[0] in SECTIONS and isinstance(loc[1], int):
        where = _entry_label(raw, loc[0], loc[1])
        field = ".".join(str(part) for part in loc[2:])
    else:
        where = f"[{loc[0]}]" if loc else "file"
        field = ".".join(str(part) for part in loc[1:])
    message = PLAIN.get(error["type"])
    if error["type"] == "literal_error":
        expected = (error.get("ctx") or {}).get("expected", "")
        message = f"must be one of {expected.replace(' or ', ', ')}".replace("'", '"')
    if message is None:
        message = str(error["msg"]).removeprefix("Value error, ")
    return f"{path}: {where}" + (f": {field}" if field else "") + f": {message}"


# Pydantic's wording for the usual mistakes, said the way the file's readers write it.
PLAIN = {
    "extra_forbidden": "unknown key",
    "missing": "missing",
    "int_parsing": "must be a whole number, e.g. 12",
    "int_from_float": "must be a whole number, e.g. 12",
    "int_type": "must be a whole number, e.g. 12",
    "float_parsing": "must be a number, e.g. 6.5 (with a point)",
    "float_type": "must be a number, e.g. 6.5 (with a point)",
    "decimal_parsing": "must be a number, e.g. 6.5 (with a point)",
    "string_type": 'must be text in quotes, e.g. "AWO Neustadt"',
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "date_type": "must be a date without quotes, e.g. 2026-09-01",
    "date_parsing": "must be a date without quotes, e.g. 2026-09-01",
    "date_from_datetime_parsing": "must be a date without quotes, e.g. 2026-09-01",
    "list_type": 'must be a list in brackets, e.g. ["awo", "caritas"]',
    "dict_type": 'must be a table, e.g. { de = "…", en = "…" }',
    "model_type": 'must be a table, e.g. { de = "…", en = "…" }',
}


def _cross_references(parsed: InitiativeFile) -> list[str]:
    problems: list[str] = []
    keyed = {
        "organisations": [o.code for o in parsed.organisations],
        "goals": [g.code for g in parsed.goals],
        "indicators": [i.code for i in parsed.indicators],
        "glossary": [g.term.casefold() for g in parsed.glossary],
        "reminders": [r.code for r in parsed.reminders],
    }
    for section, codes in keyed.items():
        seen: set[str] = set()
        for index, code in enumerate(codes):
            if code in seen:
                problems.append(f'{section}[{index + 1}] "{code}": duplicate, used above already')
            seen.add(code)
    organisations, goals = set(keyed["organisations"]), set(keyed["goals"])
    for index, indicator in enumerate(parsed.indicators):
        label = f'indicators[{index + 1}] "{indicator.code}"'
        if indicator.goal not in goals:
            problems.append(f'{label}: goal: there is no goal "{indicator.goal}"')
        problems += [
            f'{label}: reported_by: there is no organisation "{code}"'
            for code in indicator.reported_by
            if code != "*" and code not in organisations
        ]
    problems += _alike_short_names(parsed.indicators)
    for index, reminder in enumerate(parsed.reminders):
        audience = reminder.audience.organisations if reminder.audience else None
        problems += [
            f'reminders[{index + 1}] "{reminder.code}": audience.organisations: '
            f'there is no organisation "{code}"'
            for code in audience or []
            if code not in organisations
        ]
    return problems


def _alike_short_names(indicators: list[IndicatorEntry]) -> list[str]:
    """Two indicators whose buttons would read alike on a phone."""
    problems: list[str] = []
    for language, field in (("de", "short_de"), ("en", "short_en")):
        seen: dict[str, tuple[int, IndicatorEntry]] = {}
        for index, indicator in enumerate(indicators):
            short = indicator.short(language)
            key = short[:SHORT_NAME_DISTINCT].casefold()
            if key not in seen:
                seen[key] = (index, indicator)
                continue
            first, other = seen[key]
            problems.append(
                f'indicators[{index + 1}] "{indicator.code}": {field}: "{short}" reads like '
                f'indicators[{first + 1}] "{other.code}" ("{other.short(language)}") in its first '
                f"{SHORT_NAME_DISTINCT} characters, and phones show only those on a button; "
                f"give one of them a distinct {field} / Kurzname: gleicht in den ersten "
                f'{SHORT_NAME_DISTINCT} Zeichen dem von "{other.code}", bitte {field} angeben'
            )
    return problems
