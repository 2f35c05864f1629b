"""Periods and names as people type them in /report (issue 23): "Kita-Plätze November",
"Elterncafés KW 36", "kw49" to find an item; "KW 36: 12, KW 37: 15; KW 38: 9" or
"Sept: 4, Okt: 5" to report a backlog of one indicator in one message.

Pure functions, no database. User input never raises: whatever is not understood is returned
as such, so the chat can say what it did not take.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from bot.services.periods import Frequency, Period, period_containing

# Longer messages are no backlog a person typed; the rest is listed as not taken.
MAX_TEXT = 4000
MAX_PAIRS = 60
# Words of a search shorter than this, and these, say nothing about an indicator.
MIN_WORD = 3
STOP_WORDS = frozenset({"und", "der", "die", "das", "für", "fuer", "the", "and", "for", "von"})

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "januar jan jänner jaenner january",
        "februar feb february",
        "märz maerz mrz mär mar march",
        "april apr",
        "mai may",
        "juni jun june",
        "juli jul july",
        "august aug",
        "september sept sep",
        "oktober okt oct october",
        "november nov",
        "dezember dez dec december",
    ),
    start=1,
):
    for _name in _names.split():
        MONTHS[_name] = _number
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_YEAR = r"(?P<year>(?:19|20)\d{2})"

# Each alternative names its frequency; `year` (optional except for a year alone) completes it.
_PERIOD = re.compile(
    r"(?<![\w])(?:"
    rf"(?P<code_week>(?:19|20)\d{{2}})-W(?P<code_week_number>\d{{1,2}})"
    rf"|(?P<code_quarter>(?:19|20)\d{{2}})-Q(?P<code_quarter_number>[1-4])"
    rf"|(?P<code_month>(?:19|20)\d{{2}})-(?P<code_month_number>\d{{2}})"
    rf"|(?:kw|woche|week|wk)\s*\.?\s*(?P<week>\d{{1,2}})(?:\s*/\s*(?P<week_year>(?:19|20)\d{{2}}))?"
    rf"|w(?P<w>\d{{1,2}})(?:\s*/\s*(?P<w_year>(?:19|20)\d{{2}}))?"
    rf"|q\s*(?P<quarter>[1-4])(?:\s*[/ ]\s*(?P<quarter_year>(?:19|20)\d{{2}}))?"
    rf"|(?P<month>{_MONTH_NAMES})\.?(?:\s*/?\s*(?P<month_year>(?:19|20)\d{{2}}))?"
    rf"|(?P<month_number>\d{{1,2}})\s*/\s*(?P<month_number_year>(?:19|20)\d{{2}})"
    rf"|{_YEAR}"
    r")(?![\w])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Typed:
    """A period as typed: its frequency and number, the year if given."""

    frequency: Frequency
    number: int
    year: int | None

    def resolve(self, today: date) -> Period | None:
        """The period meant: with its year; without, the latest one that has started."""
        if self.year is not None:
            return _period(self.frequency, self.year, self.number)
        current = period_containing(self.frequency, today)
        for year in (current.year, current.year - 1):
            found = _period(self.frequency, year, self.number)
            if found is not None and found.first_day <= today:
                return found
        return None

    def pattern(self) -> str:
        """The code, or a LIKE pattern of the codes of every year when no year was typed."""
        if self.year is not None:
            found = _period(self.frequency, self.year, self.number)
            return found.code if found else "-"
        return {
            Frequency.WEEKLY: f"%-W{self.number:02d}",
            Frequency.MONTHLY: f"%-{self.number:02d}",
            Frequency.QUARTERLY: f"%-Q{self.number}",
        }.get(self.frequency, "-")


def _period(frequency: Frequency, year: int, number: int) -> Period | None:
    try:
        return Period(frequency, year, number)
    except ValueError:
        return None


def _typed(match: re.Match[str]) -> Typed | None:
    groups = match.groupdict()

    def year(name: str) -> int | None:
        value = groups.get(name)
        return int(value) if value else None

    for prefix, frequency in (
        ("code_week", Frequency.WEEKLY),
        ("code_quarter", Frequency.QUARTERLY),
        ("code_month", Frequency.MONTHLY),
    ):
        if groups[prefix]:
            return Typed(frequency, int(groups[f"{prefix}_number"]), int(groups[prefix]))
    if groups["week"]:
        return Typed(Frequency.WEEKLY, int(groups["week"]), year("week_year"))
    if groups["w"]:
        return Typed(Frequency.WEEKLY, int(groups["w"]), year("w_year"))
    if groups["quarter"]:
        return Typed(Frequency.QUARTERLY, int(groups["quarter"]), year("quarter_year"))
    if groups["month"]:
        return Typed(Frequency.MONTHLY, MONTHS[groups["month"].lower()], year("month_year"))
    if groups["month_number"]:
        return Typed(Frequency.MONTHLY, int(groups["month_number"]), year("month_number_year"))
    if groups["year"]:
        return Typed(Frequency.YEARLY, 1, int(groups["year"]))
    return None


def fold(text: str) -> str:
    """For comparing names: no case, no accents, umlauts as typed without them (ä, ae -> a)."""
    text = text.casefold().replace("ß", "ss")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return text.replace("ae", "a").replace("oe", "o").replace("ue", "u")


@dataclass(frozen=True)
class SearchText:
    """A typed search: words to find in indicator names, and the periods typed."""

    words: list[str]
    periods: list[Typed]

    @property
    def empty(self) -> bool:
        return not self.words and not self.periods


def read_search(text: str) -> SearchText:
    text = text[:MAX_TEXT]
    periods: list[Typed] = []
    rest: list[str] = []
    position = 0
    for match in _PERIOD.finditer(text):
        typed = _typed(match)
        if typed is None:
            continue
        periods.append(typed)
        rest.append(text[position : match.start()])
        position = match.end()
    rest.append(text[position:])
    words = [
        fold(word)
        for word in re.split(r"[\W_]+", " ".join(rest))
        if len(word) >= MIN_WORD and word.casefold() not in STOP_WORDS and not word.isdigit()
    ]
    return SearchText(words=words, periods=periods)


@dataclass(frozen=True)
class Pair:
    """A period typed with the text of its value (not read yet: that needs the indicator)."""

    typed: str
    period: Period | None  # None: no period of this indicator's frequency
    value: str


@dataclass(frozen=True)
class Backlog:
    pairs: list[Pair]
    # Parts that name no period ("hallo", "12" before the first period).
    unreadable: list[str]

    @property
    def understood(self) -> bool:
        return any(p.period is not None and p.value for p in self.pairs)


_LEAD = ":=–— \t\r\n"
_TRAIL = ",;/ \t\r\n"


def read_backlog(text: str, frequency: Frequency | str, today: date) -> Backlog:
    """Pairs of period and value as typed: "KW 36: 12, KW 37: 15; KW 38: 9". A year alone
    counts as a period only before ":" or "=" (else "2026" could be a value)."""
    frequency = Frequency(frequency)
    text = text[:MAX_TEXT]
    found = []
    for match in _PERIOD.finditer(text):
        typed = _typed(match)
        if typed is None:
            continue
        if match.group("year") and not re.match(r"\s*[:=]", text[match.end() :]):
            continue
        found.append((match, typed))
    unreadable: list[str] = []
    head = text[: found[0][0].start() if found else len(text)].strip(_TRAIL + _LEAD)
    if head:
        unreadable.append(head)
    pairs: list[Pair] = []
    for index, (match, typed) in enumerate(found[:MAX_PAIRS]):
        end = found[index + 1][0].start() if index + 1 < len(found) else len(text)
        value = text[match.end() : end].strip(_TRAIL).lstrip(_LEAD).strip(_TRAIL)
        period = typed.resolve(today) if typed.frequency is frequency else None
        pairs.append(Pair(typed=match.group(0).strip(), period=period, value=value))
    if len(found) > MAX_PAIRS:
        unreadable.append(text[found[MAX_PAIRS][0].start() :].strip())
    return Backlog(pairs=pairs, unreadable=unreadable)
