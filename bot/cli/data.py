"""`gwbot export` and `gwbot import`: values (and, for export, activities, concerns and pulse
results) as CSV or XLSX files, for spreadsheets and for figures from the years before the bot."""

from __future__ import annotations

import asyncio
import sys
from datetime import date
from pathlib import Path

from bot.config import Settings
from bot.i18n import Translator
from bot.runtime import utc_now
from bot.services.export.kinds import export_table
from bot.services.imports import Problem, import_values
from bot.services.initiative import initiative_language
from bot.services.table_reader import TableError, read_table
from bot.telegram.runner import prepare_database
from storage.engine import make_sessionmaker

PROBLEMS = {
    "missing_column": "the column is missing",
    "unknown_indicator": "no indicator has the code {detail!r}",
    "unknown_organisation": "no organisation has the code {detail!r}",
    "bad_period": "{detail!r} is no period (e.g. 2026-11, 2026-W48, 2026-Q4, 2026)",
    "wrong_frequency": "{detail!r} is not a period of this indicator's frequency",
    "missing_value": "no value (write one, or not_applicable = yes)",
    "bad_value": "the value does not fit the indicator ({detail})",
    "ambiguous_value": "{detail!r} can be read two ways; write it without thousands separators",
    "note_too_long": "the note has {detail} characters; at most 500 fit",
}
TABLE_PROBLEMS = {
    "not_a_table": "this is no CSV or XLSX file",
    "empty": "the file is empty",
    "too_large": "the file is too large (at most 5 MB and 50,000 rows)",
    "bad_encoding": "the text encoding is unknown; save it as UTF-8 CSV",
    "duplicate_column": "a column name appears twice",
    "unnamed_cell": "a value stands in a column without a name (a decimal comma in a"
    " comma-separated file?)",
}


EXPORTED = {
    "values": "values",
    "activities": "activities",
    "concerns": "concern messages",
    "pulse": "pulse rows (questions and comments)",
}
# What an export holds instead of revisions, for refusing --all-revisions.
NO_REVISIONS = {
    "activities": "an activity export holds each activity as it stands now",
    "concerns": "a concern export holds every message",
    "pulse": "a pulse export holds the results of the surveys that reached their k",
}


async def export_command(
    settings: Settings,
    *,
    what: str,
    file_format: str,
    out: Path,
    since: date | None,
    until: date | None,
    all_revisions: bool,
    language: str | None,
) -> int:
    if what in NO_REVISIONS and all_revisions:
        # Refused rather than ignored: whoever asks for revisions expects something the file
        # would silently not hold. Activities, concern threads and surveys have no revisions.
        print(f"gwbot: --all-revisions is for values only; {NO_REVISIONS[what]}", file=sys.stderr)
        return 2
    await prepare_database(settings)
    engine = settings.database.engine()
    try:
        async with make_sessionmaker(engine)() as session:
            language = language or await initiative_language(session) or "de"
            table = await export_table(
                session,
                what,
                language=language,
                on_behalf=Translator(language).t(language, "export.on_behalf"),
                since=since,
                until=until,
                all_revisions=all_revisions,
            )
    finally:
        await engine.dispose()
    await asyncio.to_thread(out.write_bytes, table.file(file_format, language, what))
    print(f"{out}: {len(table.rows)} {EXPORTED[what]} written.")
    return 0


async def import_command(
    settings: Settings, *, file: Path, dry_run: bool, language: str | None
) -> int:
    try:
        table = read_table(await asyncio.to_thread(file.read_bytes), file.name)
    except OSError as error:
        print(f"gwbot: {file}: {error.strerror}", file=sys.stderr)
        return 2
    except TableError as error:
        where = f" (row {error.row})" if error.row else ""
        print(
            f"gwbot: {file}{where}: {TABLE_PROBLEMS.get(error.code, error.code)}", file=sys.stderr
        )
        return 2
    await prepare_database(settings)
    engine = settings.database.engine()
    try:
        async with make_sessionmaker(engine).begin() as session:
            language = language or await initiative_language(session) or "de"
            outcome = await import_values(
                session, table, language=language, now=utc_now(), dry_run=dry_run
            )
            if outcome.problems:
                await session.rollback()
    finally:
        await engine.dispose()
    if outcome.problems:
        print(f"gwbot: {file} was not imported; nothing was written:", file=sys.stderr)
        for problem in outcome.problems:
            print(f"  {describe(problem)}", file=sys.stderr)
        return 2
    verb = "would be written (dry run)" if dry_run else "written"
    counts = f"{outcome.written} values {verb}, {outcome.unchanged} unchanged"
    print(f"{file}: {outcome.rows} rows; {counts}.")
    return 0


def describe(problem: Problem) -> str:
    column = f", column {problem.column}" if problem.column else ""
    text = PROBLEMS.get(problem.code, problem.code).format(detail=problem.detail)
    return f"row {problem.row}{column}: {text}"
