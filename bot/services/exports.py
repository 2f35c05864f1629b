"""Exports (DESIGN section 4): columns with stable English codes; numbers and dates in the
reader's language.

Values: one row per value, so a file can be edited and imported back. A value belongs to the
range when its period overlaps it: "2026" holds every figure about 2026, whenever it was
reported.

Concerns: one row per message of a thread, and nothing about who wrote it (DESIGN section 6).

Pulse: one row per question and one per comment of the surveys that reached their k; surveys
below k are left out entirely (bot.services.pulse.results keeps that rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.services.outbox import local_zone
from bot.services.periods import Period
from bot.services.pulse import results as pulse_results
from bot.services.table_files import Value, write_csv, write_xlsx
from storage.models import (
    Concern,
    ConcernMessage,
    Indicator,
    IndicatorValue,
    Member,
    Organisation,
    ValueSource,
)

VALUE_COLUMNS = (
    "indicator",
    "organisation",
    "period",
    "value",
    "not_applicable",
    "unit",
    "note",
    "revision",
    "reported_at",
    "reported_by",
    "source",
    "indicator_name",
    "organisation_name",
)
CONCERN_COLUMNS = (
    "ticket",
    "category",
    "severity",
    "status",
    "opened_on",
    "anonymous",
    "last_activity_on",
    "message_number",
    "message_from",
    "message_on",
    "message_text",
)
PULSE_COLUMNS = (
    "survey_id",
    "opened_on",
    "closes_on",
    "question_code",
    "question",
    "responses",
    "mean_score",
    *(f"count_{score}" for score in pulse_results.SCORES),
    "comment",
)


@dataclass(frozen=True)
class Export:
    columns: tuple[str, ...]
    rows: list[list[Value]]
    zone: ZoneInfo

    def file(self, file_format: str, language: str, title: str) -> bytes:
        if file_format == "xlsx":
            return write_xlsx(self.columns, self.rows, sheet_title=title, zone=self.zone)
        return write_csv(self.columns, self.rows, language, self.zone)


async def values(
    session: AsyncSession,
    *,
    language: str,
    on_behalf: str,
    since: date | None = None,
    until: date | None = None,
    all_revisions: bool = False,
) -> Export:
    """Reported values whose period overlaps [since, until]; the latest revision of each unless
    `all_revisions`. `on_behalf` is how the reader's language says "entered on behalf"."""
    reporter = aliased(Organisation)
    query = (
        select(IndicatorValue, Indicator, Organisation, reporter.name)
        .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
        .join(Organisation, Organisation.id == IndicatorValue.organisation_id)
        .outerjoin(Member, Member.id == IndicatorValue.reported_by)
        .outerjoin(reporter, reporter.id == Member.organisation_id)
        .order_by(Indicator.position, Indicator.code, IndicatorValue.period, Organisation.code)
        .order_by(IndicatorValue.revision)
    )
    if not all_revisions:
        latest = aliased(IndicatorValue)
        query = query.where(
            IndicatorValue.revision
            == select(func.max(latest.revision))
            .where(
                latest.indicator_id == IndicatorValue.indicator_id,
                latest.organisation_id == IndicatorValue.organisation_id,
                latest.period == IndicatorValue.period,
            )
            .scalar_subquery()
        )
    english = language == "en"
    rows: list[list[Value]] = []
    for value, indicator, organisation, reporter_name in await session.execute(query):
        period = Period.parse(value.period)
        if (since and period.last_day < since) or (until and period.first_day > until):
            continue
        rows.append(
            [
                indicator.code,
                organisation.code,
                value.period,
                _typed(value.value, indicator.type),
                value.not_applicable,
                indicator.unit,
                value.note,
                value.revision,
                value.reported_at,
                _reported_by(value.source, reporter_name or "", on_behalf),
                value.source,
                indicator.name_en if english else indicator.name_de,
                organisation.name,
            ]
        )
    return Export(VALUE_COLUMNS, rows, await local_zone(session))


async def concerns(
    session: AsyncSession, *, since: date | None = None, until: date | None = None
) -> Export:
    """Every message of the concerns whose opened_on..last_activity_on overlaps [since, until].

    The columns are picked one by one, never whole rows: the reporter (member, receipt hash,
    sealed chat), the answering coordinator and the batch times must not reach a file that
    leaves the bot, not even for named concerns. `message_from` is `reporter` or
    `coordination`; days only, as in v_concerns.
    """
    query = select(
        Concern.ticket,
        Concern.category,
        Concern.severity,
        Concern.status,
        Concern.opened_on,
        Concern.anonymous,
        Concern.last_activity_on,
        ConcernMessage.position,
        ConcernMessage.author,
        ConcernMessage.written_on,
        ConcernMessage.text,
    ).join(ConcernMessage, ConcernMessage.concern_id == Concern.id)
    if since is not None:
        query = query.where(Concern.last_activity_on >= since)
    if until is not None:
        query = query.where(Concern.opened_on <= until)
    # Sorted here, not in SQL, so the order of tickets does not follow PostgreSQL's collation.
    found = sorted(
        await session.execute(query), key=lambda row: (row.opened_on, row.ticket, row.position)
    )
    rows: list[list[Value]] = [list(row) for row in found]
    return Export(CONCERN_COLUMNS, rows, await local_zone(session))


async def pulse(
    session: AsyncSession,
    *,
    since: date | None = None,
    until: date | None = None,
    language: str = "de",
) -> Export:
    """The surveys that reached their k and whose opened_on..closes_on overlaps [since, until]:
    per survey one row per question (responses, mean rounded to 4 decimals as in
    v_pulse_results, how many gave each score), then one row per comment (only `comment` and
    the survey's columns filled). Question texts in `language`."""
    zone = await local_zone(session)
    rows: list[list[Value]] = []
    for survey in await pulse_results.shown_surveys(session, since=since, until=until, zone=zone):
        head: list[Value] = [
            survey.survey_id,
            survey.opened_on,
            survey.closes_at.astimezone(zone).date(),
        ]
        for question in survey.questions:
            counts = [question.distribution[score] for score in pulse_results.SCORES]
            rows.append(
                [
                    *head,
                    question.code,
                    question.text(language),
                    question.responses,
                    round(question.mean, 4),
                    *counts,
                    None,
                ]
            )
        blank: list[Value] = [None] * (len(PULSE_COLUMNS) - len(head) - 1)
        rows += [[*head, *blank, comment] for comment in survey.comments]
    return Export(PULSE_COLUMNS, rows, zone)


def _typed(value: float | None, kind: str) -> Value:
    """Whole numbers as integers (`12`, not `12.0`); yes/no as booleans (ja/nein)."""
    if value is None:
        return None
    if kind == "boolean":
        return bool(value)
    if kind in ("integer", "scale") or value.is_integer():
        return int(value)
    return value


def _reported_by(source: str, organisation: str, on_behalf: str) -> str:
    if source == ValueSource.ON_BEHALF:
        return on_behalf
    if source == ValueSource.IMPORT:
        return ""
    return organisation
