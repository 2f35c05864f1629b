"""`gwbot invite`: an invite code and deep link from the command line (e.g. the first admin)."""

from __future__ import annotations

import sys

from telegram import Bot

from bot.config import Settings
from bot.i18n import Translator
from bot.runtime import utc_now
from bot.services.errors import DomainError
from bot.services.invites import COMMAND_LINE, create_invite
from bot.telegram.runner import prepare_database
from storage.engine import make_sessionmaker
from storage.models import Role


async def invite_command(settings: Settings, org: str, role: str, uses: int, days: int) -> int:
    await prepare_database(settings)
    engine = settings.database.engine()
    try:
        async with make_sessionmaker(engine).begin() as session:
            new = await create_invite(
                session,
                organisation_code=org,
                role=Role(role),
                now=utc_now(),
                inviter=COMMAND_LINE,
                uses=uses,
                days=days,
            )
    except DomainError as error:
        # The command line speaks English, with the same texts the bot uses in chat.
        language = "en"
        message = Translator(language).t(language, error.key, **error.values)
        print(f"gwbot: {message}", file=sys.stderr)
        return 2
    finally:
        await engine.dispose()
    username = settings.bot.username or await _ask_telegram(settings)
    print(f"Invite for {new.organisation_name} ({new.organisation_code}) as {new.role.value},")
    print(f"{new.uses} use(s), valid until {new.expires_at:%Y-%m-%d %H:%M} UTC.")
    print(f"Code: {new.code}")
    if username:
        print(f"Link: https://t.me/{username}?start={new.code}")
    else:
        print("No link: set [bot] username or a token; the person can also send /start CODE.")
    return 0


async def _ask_telegram(settings: Settings) -> str | None:
    token = settings.bot.token_value
    if token is None:
        return None
    bot = Bot(
        token, base_url=settings.bot.api_base_url, base_file_url=settings.bot.api_file_url or ""
    )
    async with bot:
        return bot.username
