"""`gwbot initiative apply FILE [--dry-run]`: check the whole file, then write it in one
transaction, and say what it means for the organisations' reports - in the initiative's
language - so that nobody learns from a flood of reminders that eleven months are overdue."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.i18n import Html, Translator
from bot.runner import prepare_database
from bot.runtime import utc_now
from bot.services.initiative import ApplyReport, Owing, apply_initiative, owing_after
from bot.services.initiative_file import InitiativeFileError, load_initiative_file
from bot.services.obligations import write_obligations
from storage.engine import make_sessionmaker

EXIT_INVALID = 2
# Per line: the key as applied and as a dry run would say it.
OVERDUE = {False: "apply.overdue", True: "apply.overdue_dry"}
REMOVED = {False: "apply.removed", True: "apply.removed_dry"}


async def apply_file(settings: Settings, path: Path, dry_run: bool = False) -> int:
    try:
        parsed = load_initiative_file(path)
    except InitiativeFileError as exc:
        count = len(exc.problems)
        print(
            f"gwbot: {path} was not applied ({count} problem{'s' * (count != 1)}):", file=sys.stderr
        )
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_INVALID
    await prepare_database(settings)
    engine = settings.database.engine()
    now = utc_now()
    local_today = now.astimezone(ZoneInfo(parsed.initiative.timezone)).date()
    try:
        async with make_sessionmaker(engine).begin() as session:
            report = await apply_initiative(session, parsed, today=local_today)
            # What is owed from now on is written with the file, so what we say is what is.
            written = await write_obligations(session, now)
            owing = await owing_after(session, report, written, now)
            if dry_run:
                await session.rollback()
    finally:
        await engine.dispose()
    print(describe(path, report, dry_run))
    language = parsed.initiative.default_language
    lines = consequences(Translator(language), language, owing, local_today, dry_run)
    if lines:
        print("\n".join(lines))
    return 0


def describe(path: Path, report: ApplyReport, dry_run: bool = False) -> str:
    if not report.changed:
        return f"{path}: {'checked' if dry_run else 'applied'}; nothing changed."
    lines = [f"{path}: dry run; applying it would change:" if dry_run else f"{path}: applied."]
    for label, bucket in (
        ("created", report.created),
        ("updated", report.updated),
        ("deactivated", report.deactivated),
    ):
        for section, names in bucket.items():
            if names:
                lines.append(f"  {section}: {len(names)} {label} ({', '.join(names)})")
    return "\n".join(lines)


def consequences(
    translator: Translator, language: str, owing: list[Owing], today: date, dry_run: bool
) -> list[str]:
    """Per organisation: reports overdue at once, open ones removed before a later start."""

    def t(key: str, count: int, **values: Any) -> str:
        # Plain text for a terminal: nothing is HTML-escaped.
        plain = {name: Html(str(value)) for name, value in values.items()}
        return translator.t(language, key, count=count, **plain)

    lines = []
    for entry in owing:
        if entry.overdue:
            lines.append(t(OVERDUE[dry_run], entry.overdue, organisation=entry.organisation_name))
        if entry.removed:
            lines.append(t(REMOVED[dry_run], entry.removed, organisation=entry.organisation_name))
    if any(entry.overdue for entry in owing):
        day = Html(today.replace(day=1).isoformat())
        lines.append(translator.t(language, "apply.waive_hint", day=day))
    if dry_run:
        lines.append(translator.t(language, "apply.dry_run"))
    return lines
