"""The common agenda as members see it: goals, indicators by level, glossary."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.progress.progress import MIN_REPORTED_SHARE, overall
from storage.models import GlossaryTerm, Goal, Indicator, Initiative

LEVELS = ("output", "outcome", "impact")


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class IndicatorView(_View):
    name: str
    unit: str
    type: str
    level: str
    frequency: str
    baseline: float | None
    target_value: float | None
    target_by: date | None
    target_mode: str | None
    # The latest figure and progress; None while hidden by the small-number rule or unknown.
    current: float | None = None
    progress: float | None = None
    # Where the figure stands (bot.services.progress.progress): the period, how many of the expected
    # organisations reported then; `withheld`: reports exist, but too few to show a figure.
    as_of: str | None = None
    reported: int = 0
    expected: int = 0
    withheld: bool = False


class GoalView(_View):
    title: str
    description: str
    indicators: list[IndicatorView]

    def at_level(self, level: str) -> list[IndicatorView]:
        return [indicator for indicator in self.indicators if indicator.level == level]


class Term(_View):
    term: str
    definition: str


class AgendaView(_View):
    name: str
    agenda: str
    goals: list[GoalView]
    glossary: list[Term]


async def load_agenda(
    session: AsyncSession,
    language: str,
    *,
    coordinator: bool = False,
    min_share: float = MIN_REPORTED_SHARE,
) -> AgendaView | None:
    """The agenda in `language`, or None before the initiative file was applied. Figures of
    the whole initiative follow the small-number rule unless a coordinator asks."""
    initiative = await session.get(Initiative, 1)
    if initiative is None:
        return None
    english = language == "en"
    goals = (await session.scalars(select(Goal).where(Goal.active).order_by(Goal.position))).all()
    indicators = (
        await session.scalars(
            select(Indicator).where(Indicator.active).order_by(Indicator.position)
        )
    ).all()
    standings = {
        ind.id: await overall(session, ind.id, coordinator=coordinator, min_share=min_share)
        for ind in indicators
    }
    return AgendaView(
        name=initiative.name,
        agenda=initiative.agenda_en if english else initiative.agenda_de,
        goals=[
            GoalView(
                title=goal.title_en if english else goal.title_de,
                description=goal.description_en if english else goal.description_de,
                indicators=[
                    IndicatorView(
                        name=ind.name_en if english else ind.name_de,
                        unit=ind.unit,
                        type=ind.type,
                        level=ind.level,
                        frequency=ind.frequency,
                        baseline=ind.baseline,
                        target_value=ind.target_value,
                        target_by=ind.target_by,
                        target_mode=ind.target_mode,
                        current=standings[ind.id].current,
                        progress=standings[ind.id].progress,
                        as_of=standings[ind.id].as_of,
                        reported=standings[ind.id].reported,
                        expected=standings[ind.id].expected,
                        withheld=standings[ind.id].withheld,
                    )
                    for ind in indicators
                    if ind.goal_id == goal.id
                ],
            )
            for goal in goals
        ],
        glossary=await glossary(session, language),
    )


async def glossary(session: AsyncSession, language: str) -> list[Term]:
    rows = await session.scalars(
        select(GlossaryTerm).where(GlossaryTerm.active).order_by(GlossaryTerm.position)
    )
    return [
        Term(term=row.term, definition=row.definition_en if language == "en" else row.definition_de)
        for row in rows
    ]


def fold(text: str) -> str:
    """Spelling-tolerant form: case, umlauts written as ae/oe/ue, ß as ss, accents, dashes."""
    text = text.casefold().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    text = text.replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    return re.sub(r"[\s\-–—_]+", " ", text).strip()


class Lookup(_View):
    matches: list[Term]
    known: list[str]


async def look_up(session: AsyncSession, query: str, language: str) -> Lookup:
    """Glossary entries matching `query`: the exact term if there is one, else partial matches."""
    wanted = fold(query)
    terms = await glossary(session, language)
    matches = [term for term in terms if fold(term.term) == wanted]
    if not matches and wanted:
        matches = [t for t in terms if wanted in fold(t.term) or fold(t.term) in wanted]
    return Lookup(matches=matches, known=[term.term for term in terms])
