"""What /report (/melden) offers (issue 23): one item per indicator with something open - its
current period if open, else the latest open one - with how many older periods are open, paged;
one indicator's open periods, latest first, paged; what a typed search finds.

The work does not grow with the history: per indicator the offered obligation and a COUNT of
the older ones come from SQL, pages are LIMIT/OFFSET, and only a few reported values are read.
Access (bot.services.obligations.reachable_organisation): another organisation only for
coordinators as they are now; closed periods' open items only for coordinators; waived
obligations are not offered (storage/queries/obligations.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import DomainError, NotFound
from bot.services.members import MemberInfo
from bot.services.obligations import reachable_organisation
from bot.services.report.search import fold, read_search
from storage.models import ClosedPeriod, Indicator, IndicatorValue, Obligation
from storage.queries.obligations import missing, reported

# Indicators per page of the menu: each takes a button, and one more for its older periods.
MENU_PAGE = 6
# Periods per page of one indicator's list.
PERIODS_PAGE = 8
# Lines of "recently reported" under the menu, and corrections offered.
RECENT = 5
CORRECTIONS = 12
# Search results offered as buttons.
FOUND = 10


@dataclass(frozen=True)
class MenuItem:
    """An obligation as /report offers it."""

    obligation_id: int
    indicator_id: int
    indicator_code: str
    name_de: str
    name_en: str
    short_de: str
    short_en: str
    kind: str
    unit: str
    frequency: str
    period: str
    due_at: datetime
    # How many earlier periods of this indicator are open as well.
    older_open: int = 0
    reported: bool = False

    def name(self, language: str) -> str:
        return self.name_de if language == "de" else self.name_en

    def short(self, language: str) -> str:
        """The name on buttons: the short name, else the name."""
        if language == "de":
            return self.short_de or self.name_de
        return self.short_en or self.name_en

    def overdue(self, now: datetime) -> bool:
        return not self.reported and self.due_at < now


@dataclass(frozen=True)
class Recent:
    item: MenuItem
    value: float | None  # None: not applicable


@dataclass(frozen=True)
class Menu:
    organisation_id: int
    organisation_name: str
    items: list[MenuItem]
    pages: int
    open_total: int
    page: int = 0
    # The latest reported items (latest period first), for "Zuletzt gemeldet".
    recent: list[Recent] | None = None


@dataclass(frozen=True)
class IndicatorPage:
    organisation_id: int
    organisation_name: str
    indicator_id: int
    items: list[MenuItem]
    pages: int
    open_total: int
    page: int = 0


def _open(organisation_id: int, coordinator: bool) -> list[ColumnElement[bool]]:
    """Conditions of an open obligation the viewer may report."""
    where: list[ColumnElement[bool]] = [
        Obligation.organisation_id == organisation_id,
        Indicator.active.is_(True),
        missing(),
    ]
    if not coordinator:
        where.append(Obligation.period.not_in(select(ClosedPeriod.period)))
    return where


def _item(
    obligation: Obligation, indicator: Indicator, older: int = 0, done: bool = False
) -> MenuItem:
    return MenuItem(
        obligation_id=obligation.id,
        indicator_id=indicator.id,
        indicator_code=indicator.code,
        name_de=indicator.name_de,
        name_en=indicator.name_en,
        short_de=indicator.short_de,
        short_en=indicator.short_en,
        kind=indicator.type,
        unit=indicator.unit,
        frequency=indicator.frequency,
        period=obligation.period,
        due_at=obligation.extended_until or obligation.due_at,
        older_open=older,
        reported=done,
    )


def _pages(total: int, size: int) -> int:
    return max(1, -(-total // size))


def _check_page(page: int, pages: int) -> None:
    # A button of a list that has shrunk since, or a forged one.
    if not 0 <= page < pages:
        raise DomainError("report.page_gone")


async def menu(
    session: AsyncSession,
    organisation_id: int,
    viewer: MemberInfo,
    now: datetime,
    page: int = 0,
    *,
    with_recent: bool = True,
) -> Menu:
    """The organisation's open items, one per indicator (latest started open period), in the
    order of the initiative file; `page` of them. `now` is when the menu is shown (the items
    offered do not depend on it: only started periods have obligations)."""
    organisation, coordinator = await reachable_organisation(session, organisation_id, viewer)
    where = _open(organisation_id, coordinator)
    per_indicator = (
        select(
            Obligation.indicator_id.label("indicator_id"),
            func.max(Obligation.period_start).label("latest"),
            func.count().label("open"),
        )
        .join(Indicator, Indicator.id == Obligation.indicator_id)
        .where(*where)
        .group_by(Obligation.indicator_id)
        .subquery()
    )
    indicators, open_total = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(per_indicator.c.open), 0)).select_from(
                per_indicator
            )
        )
    ).one()
    pages = _pages(indicators, MENU_PAGE)
    _check_page(page, pages)
    rows = await session.execute(
        select(Obligation, Indicator, per_indicator.c.open)
        .join(per_indicator, per_indicator.c.indicator_id == Obligation.indicator_id)
        .join(Indicator, Indicator.id == Obligation.indicator_id)
        .where(
            Obligation.organisation_id == organisation_id,
            Obligation.period_start == per_indicator.c.latest,
        )
        .order_by(Indicator.position, Indicator.id)
        .limit(MENU_PAGE)
        .offset(page * MENU_PAGE)
    )
    items = [_item(o, i, count - 1) for o, i, count in rows]
    recent = await recently_reported(session, organisation_id, RECENT) if with_recent else None
    return Menu(
        organisation_id=organisation.id,
        organisation_name=organisation.name,
        items=items,
        pages=pages,
        open_total=int(open_total),
        page=page,
        recent=recent,
    )


async def indicator_items(
    session: AsyncSession,
    organisation_id: int,
    indicator_id: int,
    viewer: MemberInfo,
    page: int = 0,
) -> IndicatorPage:
    """One indicator's open periods for the organisation, latest first; `page` of them."""
    organisation, coordinator = await reachable_organisation(session, organisation_id, viewer)
    indicator = await session.get(Indicator, indicator_id)
    if indicator is None or not indicator.active:
        raise NotFound("report.unknown")
    where = [*_open(organisation_id, coordinator), Obligation.indicator_id == indicator_id]
    total = await session.scalar(
        select(func.count())
        .select_from(Obligation)
        .join(Indicator, Indicator.id == Obligation.indicator_id)
        .where(*where)
    )
    pages = _pages(total or 0, PERIODS_PAGE)
    _check_page(page, pages)
    rows = await session.scalars(
        select(Obligation)
        .join(Indicator, Indicator.id == Obligation.indicator_id)
        .where(*where)
        .order_by(Obligation.period_start.desc())
        .limit(PERIODS_PAGE)
        .offset(page * PERIODS_PAGE)
    )
    return IndicatorPage(
        organisation_id=organisation.id,
        organisation_name=organisation.name,
        indicator_id=indicator.id,
        items=[_item(o, indicator) for o in rows],
        pages=pages,
        open_total=total or 0,
        page=page,
    )


async def next_item(
    session: AsyncSession, organisation_id: int, viewer: MemberInfo, now: datetime
) -> tuple[MenuItem | None, int]:
    """The first item of the organisation's menu and how many are open in all."""
    found = await menu(session, organisation_id, viewer, now, with_recent=False)
    return (found.items[0] if found.items else None), found.open_total


def _reported_obligations(organisation_id: int) -> Select[Obligation, Indicator]:
    return (
        select(Obligation, Indicator)
        .join(Indicator, Indicator.id == Obligation.indicator_id)
        .where(Obligation.organisation_id == organisation_id, Indicator.active, reported())
        .order_by(Obligation.period_end.desc(), Indicator.position, Indicator.id)
    )


async def recently_reported(
    session: AsyncSession, organisation_id: int, limit: int = RECENT
) -> list[Recent]:
    """The organisation's latest reported items (latest period first) with their values."""
    rows = list(await session.execute(_reported_obligations(organisation_id).limit(limit)))
    values = await _latest_values(session, organisation_id, [o for o, _ in rows])
    return [Recent(_item(o, i, done=True), values.get((o.indicator_id, o.period))) for o, i in rows]


async def corrections(
    session: AsyncSession, organisation_id: int, viewer: MemberInfo
) -> tuple[str, list[MenuItem]]:
    """The organisation's name and its latest reported items, to correct one."""
    organisation, _ = await reachable_organisation(session, organisation_id, viewer)
    rows = await session.execute(_reported_obligations(organisation_id).limit(CORRECTIONS))
    return organisation.name, [_item(o, i, done=True) for o, i in rows]


async def _latest_values(
    session: AsyncSession, organisation_id: int, obligations: list[Obligation]
) -> dict[tuple[int, str], float | None]:
    if not obligations:
        return {}
    keys = [
        and_(IndicatorValue.indicator_id == o.indicator_id, IndicatorValue.period == o.period)
        for o in obligations
    ]
    rows = await session.execute(
        select(
            IndicatorValue.indicator_id,
            IndicatorValue.period,
            IndicatorValue.revision,
            IndicatorValue.value,
            IndicatorValue.not_applicable,
        ).where(IndicatorValue.organisation_id == organisation_id, or_(*keys))
    )
    newest: dict[tuple[int, str], tuple[int, float | None]] = {}
    for indicator_id, period, revision, value, not_applicable in rows:
        key = (indicator_id, period)
        if key not in newest or revision > newest[key][0]:
            newest[key] = (revision, None if not_applicable else value)
    return {key: value for key, (_, value) in newest.items()}


async def search(
    session: AsyncSession, organisation_id: int, viewer: MemberInfo, text: str
) -> list[MenuItem]:
    """What a typed "Kita-Plätze November", "Elterncafés KW 36" or "kw49" finds: open items
    first (then reported ones, to correct), latest period first; at most FOUND + 1."""
    typed = read_search(text)
    if typed.empty:
        return []
    indicator_ids = None
    if typed.words:
        indicator_ids = [i for i, _ in await indicators_named(session, typed.words)]
        if not indicator_ids:
            return []
    return await find(
        session, organisation_id, viewer, [p.pattern() for p in typed.periods], indicator_ids
    )


async def find(
    session: AsyncSession,
    organisation_id: int,
    viewer: MemberInfo,
    periods: list[str],
    indicator_ids: list[int] | None,
) -> list[MenuItem]:
    """Open (and reported, to correct) items of `indicator_ids` (None: any) and of `periods`
    (codes or LIKE patterns; none: any); open ones first, latest period first."""
    _, coordinator = await reachable_organisation(session, organisation_id, viewer)
    where: list[ColumnElement[bool]] = [
        Obligation.organisation_id == organisation_id,
        Indicator.active.is_(True),
        or_(missing(), reported()),
    ]
    if not coordinator:
        where.append(or_(reported(), Obligation.period.not_in(select(ClosedPeriod.period))))
    if indicator_ids is not None:
        where.append(Obligation.indicator_id.in_(indicator_ids))
    if periods:
        where.append(
            or_(
                *(
                    Obligation.period.like(p) if "%" in p else Obligation.period == p
                    for p in periods
                )
            )
        )
    done = reported()
    rows = await session.execute(
        select(Obligation, Indicator, done)
        .join(Indicator, Indicator.id == Obligation.indicator_id)
        .where(*where)
        .order_by(done, Obligation.period_start.desc(), Indicator.position, Indicator.id)
        .limit(FOUND + 1)
    )
    return [_item(o, i, done=bool(d)) for o, i, d in rows]


async def indicators_named(session: AsyncSession, words: list[str]) -> list[tuple[int, str]]:
    """Active indicators (id, frequency) whose names, short names or code contain every word
    (compared without case and accents, see `fold`)."""
    rows = await session.execute(
        select(
            Indicator.id,
            Indicator.frequency,
            Indicator.code,
            Indicator.name_de,
            Indicator.name_en,
            Indicator.short_de,
            Indicator.short_en,
        )
        .where(Indicator.active)
        .order_by(Indicator.position, Indicator.id)
    )
    found = []
    for indicator_id, frequency, *names in rows:
        text = fold(" ".join(names))
        if all(word in text for word in words):
            found.append((indicator_id, frequency))
    return found


async def indicator_name(session: AsyncSession, indicator_id: int, language: str) -> str:
    indicator = await session.get(Indicator, indicator_id)
    if indicator is None:
        raise NotFound("report.unknown")
    return indicator.name_de if language == "de" else indicator.name_en
