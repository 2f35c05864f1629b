"""The initiative file (DESIGN section 4): TOML, validated as a whole before anything is written.

Every problem is reported with the file, the entry (`indicators[3] "kita-plaetze"`, counted
from 1 as a person counts) and the field.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from dataclasses import field as dataclass_field
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

from bot.i18n import Html, Translator

# A code travels in button data, which Telegram caps at 64 bytes: "act:p:" and 58 characters.
CODE_LENGTH = 58


def _code(value: str) -> str:
    if not re.fullmatch(rf"[a-z0-9][a-z0-9_-]{{0,{CODE_LENGTH - 1}}}", value):
        raise FileProblem("initiative.problem.not_a_code", value=value, length=CODE_LENGTH)
    return value


Code = Annotated[str, AfterValidator(_code)]
Name = Annotated[str, Field(min_length=1, max_length=300)]
# Phones cut button labels after about 30 characters; /melden's start with the period
# ("KW 49 · ", "Nov 2026 · "), so this much of the short names must tell indicators apart.
SHORT_NAME_DISTINCT = 20
SHORT_NAME_LENGTH = 60
SECTIONS = ("organisations", "goals", "indicators", "glossary", "reminders")


@dataclass(frozen=True)
class Problem:
    """One reason the file cannot be applied: where (file, entry, field, as written in the
    file) and why, as a catalog key (`initiative.problem.*`) with its values."""

    place: str
    key: str
    values: dict[str, Any] = dataclass_field(default_factory=dict)
    hint: str | None = None


class FileProblem(ValueError):
    """Raised by a validator: pydantic keeps it, and the problem is said in the reader's
    language."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


class InitiativeFileError(Exception):
    """The file cannot be applied; `found` holds every reason. `lines` says them in a
    language; `problems` (and the message) in English, for logs and tests."""

    def __init__(self, found: list[Problem], language: str | None = None) -> None:
        self.found = found
        # The language the file asks for, when it could be read that far.
        self.language = language
        self.problems = self.lines(Translator("en"), "en")
        super().__init__("\n".join(self.problems))

    def lines(self, translator: Translator, language: str) -> list[str]:
        def plain(key: str, values: dict[str, Any]) -> str:
            # A terminal: nothing is HTML-escaped; numbers are written the reader's way.
            kept = {k: v if isinstance(v, int | float) else Html(str(v)) for k, v in values.items()}
            return translator.t(language, key, **kept)

        lines = []
        for problem in self.found:
            line = f"{problem.place}: {plain(problem.key, problem.values)}"
            if problem.hint is not None:
                line += "\n    " + plain(problem.hint, problem.values)
            lines.append(line)
        return lines


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
            raise FileProblem("initiative.problem.time_zone", value=value) from None
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
            raise FileProblem("initiative.problem.holidays", value=value) from None
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
            raise FileProblem("initiative.problem.min_above_max", min=self.min, max=self.max)
        bounds = {"percent": (0, 100), "scale": (1, 5)}.get(self.type)
        for name, value in (("min", self.min), ("max", self.max)):
            if value is None:
                continue
            if self.type == "boolean":
                raise FileProblem("initiative.problem.bound_for_yes_no", name=name)
            if bounds and not bounds[0] <= value <= bounds[1]:
                raise FileProblem(
                    "initiative.problem.bound_outside",
                    name=name,
                    low=bounds[0],
                    high=bounds[1],
                    type=self.type,
                )
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
            raise FileProblem("initiative.problem.rrule", detail=str(exc)) from None
        return value

    @model_validator(mode="after")
    def _fields_of_the_kind(self) -> ReminderEntry:
        if self.kind == "reporting":
            if not self.offsets_days:
                raise FileProblem("initiative.problem.reporting_offsets")
            if self.rrule:
                raise FileProblem("initiative.problem.reporting_rrule")
            return self
        if not self.rrule or not self.starts:
            raise FileProblem("initiative.problem.needs_rrule", kind=self.kind)
        if self.kind in ("meeting", "custom") and self.text is None:
            raise FileProblem("initiative.problem.needs_text", kind=self.kind)
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
        raise InitiativeFileError([Problem(str(path), "initiative.problem.no_file")]) from None
    except tomllib.TOMLDecodeError as exc:
        problem = Problem(
            str(path), "initiative.problem.syntax", {"detail": str(exc)}, _syntax_hint(path, exc)
        )
        raise InitiativeFileError([problem]) from None
    language = _language_asked(raw)
    try:
        parsed = InitiativeFile.model_validate(raw)
    except ValidationError as exc:
        found = [_describe(path, raw, error) for error in exc.errors()]
        raise InitiativeFileError(found, language) from None
    found = [
        Problem(f"{path}: {place}", key, values) for place, key, values in _cross_references(parsed)
    ]
    if found:
        raise InitiativeFileError(found, language)
    return parsed


def _language_asked(raw: dict[str, Any]) -> str | None:
    section = raw.get("initiative")
    language = section.get("default_language") if isinstance(section, dict) else None
    return language if language in ("de", "en") else None


# The mistakes people make who write German numbers and dates, or text without quotes:
# `baseline = 6,5`, `start = 01.09.2026`, `name = AWO Neustadt`.
DECIMAL_COMMA = re.compile(r"=\s*-?\d+,\d+\s*(?:#.*)?$")
GERMAN_DATE = re.compile(r"=\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*(?:#.*)?$")
UNQUOTED_TEXT = re.compile(r"=\s*[^\s\"'\[{\d+\-#tf]")


def _syntax_hint(path: Path, error: tomllib.TOMLDecodeError) -> str | None:
    """What the line the parser stopped at most likely needs (a catalog key)."""
    found = re.search(r"\(at line (\d+)", str(error))
    if found is None:
        return None
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    number = int(found.group(1))
    line = lines[number - 1] if 0 < number <= len(lines) else ""
    if DECIMAL_COMMA.search(line):
        return "initiative.hint.decimal_comma"
    if GERMAN_DATE.search(line):
        return "initiative.hint.german_date"
    if UNQUOTED_TEXT.search(line) or re.search(r"=\s*(?!true|false)[a-z]", line):
        return "initiative.hint.quotes"
    return None


def _entry_label(raw: dict[str, Any], section: str, index: int) -> str:
    entries = raw.get(section)
    entry = entries[index] if isinstance(entries, list) and index < len(entries) else None
    name = None
    if isinstance(entry, dict):
        name = entry.get("code") or entry.get("term")
    return f"{section}[{index + 1}]" + (f' "{name}"' if isinstance(name, str) else "")


def _describe(path: Path, raw: dict[str, Any], error: Any) -> Problem:
    loc = list(error["loc"])
    if len(loc) >= 2 and loc[0] in SECTIONS and isinstance(loc[1], int):
        where = _entry_label(raw, loc[0], loc[1])
        field = ".".join(str(part) for part in loc[2:])
    else:
        where = f"[{loc[0]}]" if loc else "file"
        field = ".".join(str(part) for part in loc[1:])
    place = f"{path}: {where}" + (f": {field}" if field else "")
    context = error.get("ctx") or {}
    if isinstance(context.get("error"), FileProblem):
        return Problem(place, context["error"].key, context["error"].values)
    if error["type"] == "literal_error":
        expected = str(context.get("expected", "")).replace(" or ", ", ").replace("'", '"')
        return Problem(place, "initiative.problem.one_of", {"expected": expected})
    if error["type"] in PLAIN:
        return Problem(place, f"initiative.problem.{PLAIN[error['type']]}")
    return Problem(place, "initiative.problem.other", {"detail": str(error["msg"])})


# Pydantic's error types for the usual mistakes, said in plain words (`initiative.problem.*`).
PLAIN = {
    "extra_forbidden": "unknown_key",
    "missing": "missing",
    "int_parsing": "whole_number",
    "int_from_float": "whole_number",
    "int_type": "whole_number",
    "float_parsing": "number",
    "float_type": "number",
    "decimal_parsing": "number",
    "string_type": "text",
    "bool_parsing": "true_false",
    "bool_type": "true_false",
    "date_type": "date",
    "date_parsing": "date",
    "date_from_datetime_parsing": "date",
    "list_type": "list",
    "dict_type": "table",
    "model_type": "table",
}
CrossReference = tuple[str, str, dict[str, Any]]


def _cross_references(parsed: InitiativeFile) -> list[CrossReference]:
    problems: list[CrossReference] = []
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
                place = f'{section}[{index + 1}] "{code}"'
                problems.append((place, "initiative.problem.duplicate", {}))
            seen.add(code)
    organisations, goals = set(keyed["organisations"]), set(keyed["goals"])
    for index, indicator in enumerate(parsed.indicators):
        label = f'indicators[{index + 1}] "{indicator.code}"'
        if indicator.goal not in goals:
            problems.append(
                (f"{label}: goal", "initiative.problem.no_goal", {"code": indicator.goal})
            )
        problems += [
            (f"{label}: reported_by", "initiative.problem.no_organisation", {"code": code})
            for code in indicator.reported_by
            if code != "*" and code not in organisations
        ]
    problems += _alike_short_names(parsed.indicators)
    for index, reminder in enumerate(parsed.reminders):
        audience = reminder.audience.organisations if reminder.audience else None
        place = f'reminders[{index + 1}] "{reminder.code}": audience.organisations'
        problems += [
            (place, "initiative.problem.no_organisation", {"code": code})
            for code in audience or []
            if code not in organisations
        ]
    return problems


def _alike_short_names(indicators: list[IndicatorEntry]) -> list[CrossReference]:
    """Two indicators whose buttons would read alike on a phone."""
    problems: list[CrossReference] = []
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
                (
                    f'indicators[{index + 1}] "{indicator.code}": {field}',
                    "initiative.problem.alike_short",
                    {
                        "short": short,
                        "first": first + 1,
                        "other": other.code,
                        "other_short": other.short(language),
                        "length": SHORT_NAME_DISTINCT,
                        "field": field,
                    },
                )
            )
    return problems
