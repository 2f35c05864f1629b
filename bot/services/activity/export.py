"""Export of activities (issue 15, DESIGN section 4): one row per activity, for coordinators.

The columns follow v_activities (codes, partner codes sorted and comma-separated) plus the
names and the description people reading the file need. Nothing about who logged an activity:
no member, no name. The reach is the number as logged; showing small numbers as "< 5" is for
the members' views in chat, not for the coordinators' files.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.exports import Export
from bot.services.outbox import local_zone
from bot.services.table_files import Value
from storage.models import Activity, ActivityPartner, Goal, Organisation

ACTIVITY_COLUMNS = (
    "activity_id",
    "activity_date",
    "organisation",
    "organisation_name",
    "title",
    "goal",
    "goal_title",
    "target_group",
    "district",
    "reach",
    "partners",
    "description",
)


async def activities(
    session: AsyncSession,
    *,
    since: date | None = None,
    until: date | None = None,
    language: str = "de",
) -> Export:
    """The activities whose date lies in [since, until], ends included, by date and id; goal
    titles in `language`."""
    query = (
        select(
            Activity.id,
            Activity.activity_date,
            Organisation.code,
            Organisation.name,
            Activity.title,
            Goal.code,
            Goal.title_de,
            Goal.title_en,
            Activity.target_group,
            Activity.district,
            Activity.reach,
            Activity.description,
        )
        .join(Organisation, Organisation.id == Activity.organisation_id)
        .join(Goal, Goal.id == Activity.goal_id)
    )
    if since is not None:
        query = query.where(Activity.activity_date >= since)
    if until is not None:
        query = query.where(Activity.activity_date <= until)
    found = sorted(await session.execute(query), key=lambda row: (row[1], row[0]))
    partners = await _partner_codes(session, [row[0] for row in found])
    english = language == "en"
    rows: list[list[Value]] = []
    for (
        activity_id,
        activity_date,
        organisation_code,
        organisation_name,
        title,
        goal_code,
        title_de,
        title_en,
        target_group,
        district,
        reach,
        description,
    ) in found:
        rows.append(
            [
                activity_id,
                activity_date,
                organisation_code,
                organisation_name,
                title,
                goal_code,
                (title_en or title_de) if english else title_de,
                target_group,
                district,
                reach,
                ",".join(sorted(partners.get(activity_id, ()))) or None,
                description or None,
            ]
        )
    return Export(ACTIVITY_COLUMNS, rows, await local_zone(session))


async def _partner_codes(session: AsyncSession, activity_ids: list[int]) -> dict[int, list[str]]:
    codes: dict[int, list[str]] = defaultdict(list)
    # In chunks: a long history must not exceed the databases' limits on bound parameters.
    for start in range(0, len(activity_ids), 500):
        chunk = activity_ids[start : start + 500]
        query = (
            select(ActivityPartner.activity_id, Organisation.code)
            .join(Organisation, Organisation.id == ActivityPartner.organisation_id)
            .where(ActivityPartner.activity_id.in_(chunk))
        )
        for activity_id, code in await session.execute(query):
            codes[activity_id].append(code)
    return codes
