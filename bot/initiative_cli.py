"""`gwbot initiative apply FILE`: check the whole file, then write it in one transaction."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.runner import prepare_database
from bot.services.initiative import ApplyReport, apply_initiative
from bot.services.initiative_file import InitiativeFileError, load_initiative_file
from storage.engine import make_sessionmaker

EXIT_INVALID = 2


async def apply_file(settings: Settings, path: Path) -> int:
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
    try:
        async with make_sessionmaker(engine).begin() as session:
            zone = ZoneInfo(parsed.initiative.timezone)
            report = await apply_initiative(session, parsed, today=datetime.now(zone).date())
    finally:
        await engine.dispose()
    print(describe(path, report))
    return 0


def describe(path: Path, report: ApplyReport) -> str:
    if not report.changed:
        return f"{path}: applied; nothing changed."
    lines = [f"{path}: applied."]
    for label, bucket in (
        ("created", report.created),
        ("updated", report.updated),
        ("deactivated", report.deactivated),
    ):
        for section, names in bucket.items():
            if names:
                lines.append(f"  {section}: {len(names)} {label} ({', '.join(names)})")
    return "\n".join(lines)
