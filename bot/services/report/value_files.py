"""Values from a CSV or XLSX file sent in chat: the reader and the checks of `gwbot import
values`, first as a preview (nothing written), then, once the coordinator confirmed, for real.

The file itself is never stored: the preview keeps only its digest, and saving reads it again
(the handler downloads it once more) and refuses bytes that differ from what was previewed, so
what is written is exactly what the coordinator saw summed up. Saving is a new import of the
file's content: rows equal to what is stored change nothing, so a redelivered or repeated
confirmation writes nothing twice.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import DomainError
from bot.services.imports import Outcome, Problem, import_values
from bot.services.members import MemberInfo, require_coordinator
from bot.services.table_reader import Table, TableError, read_table
from storage.models import Organisation
from storage.queries.audit import record

# Telegram lets bots download up to 20 MB; a year of values for 30 organisations is ~200 KB.
MAX_FILE_BYTES = 2 * 1024 * 1024
# What the reader reads: CSV (Excel's "Unicode text" export is a tab-separated .txt) and XLSX.
SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm")
# Spreadsheets people send meaning values, which the reader cannot read: answered with how to
# save them as CSV or XLSX (bot/registry.py routes both kinds here).
OTHER_SPREADSHEETS = (".xls", ".ods", ".numbers")
REFUSAL = "valuefile.not_allowed"
AUDIT_ACTION = "values.imported"


@dataclass(frozen=True)
class OrganisationCount:
    name: str
    written: int
    unchanged: int


@dataclass(frozen=True)
class Preview:
    """What saving the file would do. With `problems` nothing can be saved."""

    digest: str
    rows: int
    written: int
    unchanged: int
    organisations: list[OrganisationCount] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class Saved:
    written: int
    unchanged: int


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def check_upload(actor: MemberInfo | None, file_name: str, size: int | None) -> MemberInfo:
    """Before downloading: only coordinators, only a table file's name, only a small file
    (`size` is what Telegram says; None when it does not say, then the download is checked)."""
    member = require_coordinator(actor, REFUSAL)
    if not file_name.lower().endswith(SUFFIXES):
        raise DomainError("valuefile.wrong_type", name=file_name)
    if size is not None and size > MAX_FILE_BYTES:
        raise DomainError("valuefile.too_large", megabytes=MAX_FILE_BYTES // (1024 * 1024))
    return member


async def read(content: bytes, file_name: str) -> Table:
    """The table in the file; DomainError `valuefile.table.<code>` when it is none."""
    if len(content) > MAX_FILE_BYTES:
        raise DomainError("valuefile.too_large", megabytes=MAX_FILE_BYTES // (1024 * 1024))
    try:
        # Parsing a workbook of thousands of rows takes a moment: not on the event loop.
        return await asyncio.to_thread(read_table, content, file_name)
    except TableError as error:
        raise DomainError(
            f"valuefile.table.{error.code}", row=error.row or 1, column=error.column or ""
        ) from None


async def preview(
    session: AsyncSession,
    actor: MemberInfo | None,
    content: bytes,
    file_name: str,
    *,
    language: str,
    now: datetime,
) -> Preview:
    """What `save` would write; writes nothing. `language` reads numbers written as text."""
    require_coordinator(actor, REFUSAL)
    table = await read(content, file_name)
    outcome = await import_values(session, table, language=language, now=now, dry_run=True)
    return Preview(
        digest=digest(content),
        rows=outcome.rows,
        written=outcome.written,
        unchanged=outcome.unchanged,
        organisations=await _organisations(session, outcome),
        periods=sorted(outcome.periods),
        problems=outcome.problems,
    )


async def save(
    session: AsyncSession,
    actor: MemberInfo | None,
    content: bytes,
    file_name: str,
    *,
    expected_digest: str,
    language: str,
    now: datetime,
) -> Saved:
    """Write the file's values as `actor`'s, with an audit entry, in the caller's transaction.

    Refused when the bytes are not those previewed, or when a row has become invalid since
    (an indicator removed meanwhile): raising inside the transaction writes nothing."""
    member = require_coordinator(actor, REFUSAL)
    if digest(content) != expected_digest:
        raise DomainError("valuefile.changed")
    table = await read(content, file_name)
    outcome = await import_values(session, table, language=language, now=now, actor=member.id)
    if outcome.problems:
        raise DomainError("valuefile.problems_since")
    if outcome.written:
        record(
            session,
            member.id,
            AUDIT_ACTION,
            file_name[:200],
            at=now,
            rows=outcome.rows,
            written=outcome.written,
            unchanged=outcome.unchanged,
            digest=expected_digest,
        )
    return Saved(outcome.written, outcome.unchanged)


async def _organisations(session: AsyncSession, outcome: Outcome) -> list[OrganisationCount]:
    ids = set(outcome.written_by_organisation) | set(outcome.unchanged_by_organisation)
    if not ids:
        return []
    names = dict(
        (
            await session.execute(
                select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
            )
        ).all()
    )
    counts = [
        OrganisationCount(
            names[i], outcome.written_by_organisation[i], outcome.unchanged_by_organisation[i]
        )
        for i in ids
    ]
    # Most new values first: that is what the coordinator checks.
    return sorted(counts, key=lambda c: (-c.written, -c.unchanged, c.name.casefold()))
