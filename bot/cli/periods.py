"""`gwbot periods waive --before DATE [--org CODE] [--indicator CODE] [--dry-run]`: let the
organisations off what is still open for periods that ended before DATE, in the initiative's
language."""

from __future__ import annotations

import sys
from datetime import date

from bot.config import Settings
from bot.i18n import Translator
from bot.runtime import utc_now
from bot.services.errors import DomainError
from bot.services.initiative import initiative_language
from bot.services.invites import COMMAND_LINE
from bot.services.missing.waivers import waive
from bot.telegram.runner import prepare_database
from handlers.missing.waiver_texts import DONE, WOULD, plain_translate, waiver_lines
from storage.engine import make_sessionmaker

EXIT_REFUSED = 2


async def waive_command(
    settings: Settings,
    *,
    before: date,
    organisation: str | None,
    indicator: str | None,
    dry_run: bool,
) -> int:
    await prepare_database(settings)
    engine = settings.database.engine()
    language: str = settings.bot.default_language
    try:
        async with make_sessionmaker(engine).begin() as session:
            language = await initiative_language(session) or language
            now = utc_now()
            # What waiving would find is what the dry run shows; then nothing stays written.
            found = await waive(
                session, COMMAND_LINE, before, now, organisation=organisation, indicator=indicator
            )
            if dry_run:
                await session.rollback()
    except DomainError as error:
        message = Translator(language).t(language, error.key, **error.values)
        print(f"gwbot: {message}", file=sys.stderr)
        return EXIT_REFUSED
    finally:
        await engine.dispose()
    t = plain_translate(Translator(language), language)
    lines = waiver_lines(t, found, language, WOULD if dry_run else DONE, indicator_names=False)
    print("\n".join(lines))
    return 0
