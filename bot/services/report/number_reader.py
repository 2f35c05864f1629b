"""Indicator values as people type them (DESIGN section 2, "Numbers").

A `.` or `,` followed by exactly three digits groups thousands when the language writes them so
(German `1.234`, English `1,234`); otherwise either mark is the decimal mark, because people type
whichever their keyboard offers (`12,5` and `12.5` are 12.5 in both languages). With both marks
in one number (`1.234,5`, `1,234.5`) the last one is the decimal mark; a mark that repeats
(`1,234,567`) groups in any language. Spaces group too.

When the language's reading does not fit the indicator but the other reading does (English
`1,234` where at most 10 is allowed), the result is `Ambiguous` and the bot asks back; when the
language's reading fits, it wins (German `1.234` is 1234 even for a decimal indicator).

Parsing is a strict pattern plus `Decimal`, never `float()`, which would accept `nan`, `inf`,
`1e5` and `1_000`. User input never raises.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

# Longer text is no value a person typed; it is refused before any pattern runs on it.
MAX_LENGTH = 40
# The mark each language groups thousands with; the other mark is always a decimal mark.
THOUSANDS_MARKS = {"de": ".", "en": ","}
# Babel, phones and word processors group digits with these (no-break, narrow, thin spaces).
SPACES = " \u00a0\u202f\u2009"
# Both languages are accepted whatever the member's language; `n` and `no` mean the same.
YES = frozenset({"ja", "j", "yes", "y"})
NO = frozenset({"nein", "n", "no"})

_SEPARATOR = re.compile(f"[.,{SPACES}]")
_NUMBER = re.compile(f"([+\\-\u2212]?)([0-9]+(?:[.,{SPACES}][0-9]+)*)")


class Kind(StrEnum):
    INTEGER = "integer"
    DECIMAL = "decimal"
    PERCENT = "percent"
    BOOLEAN = "boolean"
    SCALE = "scale"


# Kinds whose values may have decimals, so that `1,234` may also mean 1.234.
FRACTIONAL = frozenset({Kind.DECIMAL, Kind.PERCENT})
# Implied bounds where the indicator names none.
DEFAULT_BOUNDS = {Kind.PERCENT: (0.0, 100.0), Kind.SCALE: (1.0, 5.0)}


class Reason(StrEnum):
    NOT_A_NUMBER = "not_a_number"
    NOT_WHOLE = "not_whole"
    BELOW_MIN = "below_min"
    ABOVE_MAX = "above_max"
    NOT_YES_NO = "not_yes_no"
    NOT_ON_SCALE = "not_on_scale"
    TOO_LONG = "too_long"


@dataclass(frozen=True)
class Spec:
    """What an indicator accepts; percent defaults to 0-100 and scale to 1-5."""

    kind: Kind
    min_value: float | None = None
    max_value: float | None = None

    @property
    def bounds(self) -> tuple[float | None, float | None]:
        low, high = DEFAULT_BOUNDS.get(self.kind, (None, None))
        return (
            low if self.min_value is None else self.min_value,
            high if self.max_value is None else self.max_value,
        )


@dataclass(frozen=True)
class Read:
    value: float


@dataclass(frozen=True)
class Ambiguous:
    """Two readings: first the language's own (which does not fit), then the one that does."""

    readings: tuple[float, float]


@dataclass(frozen=True)
class Rejected:
    reason: Reason


def read_value(text: str, spec: Spec, language: str) -> Read | Ambiguous | Rejected:
    """Read what a member typed for an indicator of `spec` in their `language` (`de`/`en`)."""
    text = text.strip()
    if len(text) > MAX_LENGTH:
        return Rejected(Reason.TOO_LONG)
    if spec.kind is Kind.BOOLEAN:
        return _read_yes_no(text)
    if spec.kind is Kind.PERCENT and text.endswith("%"):
        text = text[:-1].rstrip()
    # Scales are chosen with buttons; any typed miss gets the one hint "a number from 1 to 5".
    not_a_number = Rejected(Reason.NOT_ON_SCALE if spec.kind is Kind.SCALE else Reason.NOT_A_NUMBER)
    match = _NUMBER.fullmatch(text)
    if match is None:
        return not_a_number
    sign, body = match.groups()
    readings = _readings(body, THOUSANDS_MARKS.get(language, ","))
    if readings is None:
        return not_a_number
    primary, alternative = readings
    if sign in ("-", "\u2212"):
        primary, alternative = -primary, None if alternative is None else -alternative
    first = _check(primary, spec)
    # Nobody writes 19 as `19.000`: only kinds with decimals get a second reading.
    if isinstance(first, Read) or alternative is None or spec.kind not in FRACTIONAL:
        return first
    if isinstance(_check(alternative, spec), Read):
        return Ambiguous((_as_float(primary), _as_float(alternative)))
    return first


def validate(value: float, spec: Spec) -> Read | Rejected:
    """Check a value that did not come as text (a pressed button, an import) like typed input."""
    if not math.isfinite(value):
        return Rejected(Reason.NOT_A_NUMBER)
    return _check(Decimal(value), spec)


def _as_float(number: Decimal) -> float:
    """The float the bot stores; `-0` becomes 0 so it never shows as `-0`."""
    return float(number) or 0.0


def _readings(body: str, thousands_mark: str) -> tuple[Decimal, Decimal | None] | None:
    """The language's reading of the digits and separators, and the other plausible one."""
    groups = _SEPARATOR.split(body)
    separators = _SEPARATOR.findall(body)
    # A mark that occurs twice cannot be a decimal mark, so it groups whatever the language.
    marks = {thousands_mark} | {mark for mark in ".," if separators.count(mark) > 1}
    whole = Decimal("".join(groups)) if _grouped(groups, separators, marks) else None
    fraction = None
    last = separators[-1] if separators else ""
    # In a mixed number like `1.234,5` the mark that is not the decimal mark groups thousands.
    if last in (".", ",") and _grouped(groups[:-1], separators[:-1], {".", ","} - {last}):
        fraction = Decimal(f"{''.join(groups[:-1])}.{groups[-1]}")
    if whole is not None:
        return whole, fraction
    if fraction is not None:
        return fraction, None
    return None


def _grouped(groups: list[str], separators: list[str], marks: set[str]) -> bool:
    """Whether the digits are grouped by thousands with one kind of separator (or not at all)."""
    if not separators:
        return True
    kinds = {" " if s in SPACES else s for s in separators}
    if len(kinds) > 1 or not kinds <= marks | {" "}:
        return False
    head, *tail = groups
    # `0.234` is never 234: a grouped number does not start with a zero.
    return 1 <= len(head) <= 3 and head[0] != "0" and all(len(g) == 3 for g in tail)


def _check(number: Decimal, spec: Spec) -> Read | Rejected:
    whole = number == number.to_integral_value()
    value = _as_float(number)
    # Bounds are compared as floats, as they are stored: Decimal(0.1) != Decimal("0.1").
    low, high = spec.bounds
    if spec.kind is Kind.BOOLEAN:
        return Read(value) if value in (0.0, 1.0) else Rejected(Reason.NOT_YES_NO)
    if spec.kind is Kind.SCALE:
        in_range = (low is None or value >= low) and (high is None or value <= high)
        return Read(value) if whole and in_range else Rejected(Reason.NOT_ON_SCALE)
    if spec.kind is Kind.INTEGER and not whole:
        return Rejected(Reason.NOT_WHOLE)
    if low is not None and value < low:
        return Rejected(Reason.BELOW_MIN)
    if high is not None and value > high:
        return Rejected(Reason.ABOVE_MAX)
    return Read(value)


def _read_yes_no(text: str) -> Read | Rejected:
    word = text.casefold().rstrip(".!")
    if word in YES:
        return Read(1.0)
    if word in NO:
        return Read(0.0)
    return Rejected(Reason.NOT_YES_NO)
