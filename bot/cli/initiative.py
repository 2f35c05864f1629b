"""`gwbot initiative apply FILE [--dry-run]`: check the whole file, then write it in one
transaction, and say what it means for the organisations' reports - in the initiative's
language - so that nobody learns from a flood of reminders that eleven months are overdue."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.i18n import Html, Translator
from bot.runtime import utc_now
from bot.services.initiative import ApplyReport, Owing, apply_initiative, owing_after
from bot.services.initiative_file import InitiativeFileError, load_initiative_file
from bot.services.obligations import write_obligations
from bot.telegram.runner import prepare_database
from storage.engine import make_sessionmaker

EXIT_INVALID = 2
# Per line: the key as applied and as a dry run would say it.
OVERDUE = {False: "apply.overdue", True: "apply.overdue_dry"}
REMOVED = {False: "apply.removed", True: "apply.removed_dry"}


async def apply_file(
    settings: Settings, path: Path, dry_run: bool = False, language: str | None = None
) -> int:
    """`language`: --lang; else the file's [initiative] default_language, once it can be read
    that far; else [bot] default_language."""
    translator = Translator(settings.bot.default_language)
    try:
        parsed = load_initiative_file(path)
    except InitiativeFileError as exc:
        language = language or exc.language or settings.bot.default_language
        t = plain(translator, language)
        print(t("initiative.not_applied", path=path, count=len(exc.found)), file=sys.stderr)
        for problem in exc.lines(translator, language):
            print(f"  {problem}", file=sys.stderr)
        return EXIT_INVALID
    language = language or parsed.initiative.default_language
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
    print(describe(plain(translator, language), path, report, dry_run))
    lines = consequences(translator, language, owing, local_today, dry_run)
    if lines:
        print("\n".join(lines))
    return 0


def plain(translator: Translator, language: str) -> Callable[..., str]:
    """Texts for a terminal: values are not HTML-escaped (numbers are still formatted and
    choose the plural form)."""

    def t(key: str, **values: Any) -> str:
        kept = {k: v if isinstance(v, int | float) else Html(str(v)) for k, v in values.items()}
        return translator.t(language, key, **kept)

    return t


def describe(t: Callable[..., str], path: Path, report: ApplyReport, dry_run: bool = False) -> str:
    if not report.changed:
        return t("initiative.checked_unchanged" if dry_run else "initiative.unchanged", path=path)
    lines = [t("initiative.would_change" if dry_run else "initiative.applied", path=path)]
    for key, bucket in (
        ("initiative.created", report.created),
        ("initiative.updated", report.updated),
        ("initiative.deactivated", report.deactivated),
    ):
        for section, names in bucket.items():
            if names:
                lines.append(
                    "  " + t(key, section=section, count=len(names), names=", ".join(names))
                )
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
