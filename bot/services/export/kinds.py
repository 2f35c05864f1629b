"""Which export writes what: one choice for `gwbot export` and /export alike."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import exports
from bot.services.activity import export as activity_export
from bot.services.exports import Export


async def export_table(
    session: AsyncSession,
    what: str,
    *,
    language: str,
    on_behalf: str,
    since: date | None,
    until: date | None,
    all_revisions: bool = False,
) -> Export:
    """The table of `what`; `on_behalf` names entries made for an organisation (values)."""
    if what == "activities":
        return await activity_export.activities(
            session, since=since, until=until, language=language
        )
    if what == "concerns":
        return await exports.concerns(session, since=since, until=until)
    if what == "pulse":
        return await exports.pulse(session, since=since, until=until, language=language)
    return await exports.values(
        session,
        language=language,
        on_behalf=on_behalf,
        since=since,
        until=until,
        all_revisions=all_revisions,
    )
