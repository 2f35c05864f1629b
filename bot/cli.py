"""The `gwbot` command line (DESIGN section 4)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings
from bot.logs import configure_logging

EXIT_CONFIG = 2

NO_TOKEN_HELP = """\
The bot needs a token from Telegram before it can start.

How to get one: open Telegram, write to @BotFather, send /newbot and follow the two questions
(a display name, then a user name ending in "bot"). BotFather answers with a token that looks
like 123456789:AAH... Keep it secret. Then either put it into config.toml in this folder:

    [bot]
    token = "123456789:AAH..."

(copy config.example.toml to config.toml for a fully commented start), or set it in the
environment for this shell:

    export GWBOT_BOT__TOKEN="123456789:AAH..."

and run `make run` again."""


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        type=Path,
        default=argparse.SUPPRESS,
        metavar="FILE",
        help="configuration file (default: config.toml in the working directory, if present)",
    )
    parser = argparse.ArgumentParser(
        prog="gwbot",
        description="Gemeinsam-Wirken-Bot: a Telegram bot for collective impact initiatives.",
        parents=[common],
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "run",
        parents=[common],
        help="upgrade the database schema, then receive and answer updates",
        description="Upgrade the database schema, then receive and answer updates (polling).",
    )
    db = commands.add_parser("db", parents=[common], help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    db_commands.add_parser("upgrade", parents=[common], help="apply database migrations")
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(getattr(args, "config", None))
    except ConfigError as exc:
        print(f"gwbot: configuration problem:\n{exc}", file=sys.stderr)
        sys.exit(EXIT_CONFIG)
    configure_logging(settings.logging.level, _secrets(settings))
    if args.command == "db":
        asyncio.run(_db_upgrade(settings))
    elif args.command == "run":
        sys.exit(_run(settings))


def _secrets(settings: Settings) -> list[str]:
    secrets = [settings.bot.token_value or ""]
    if settings.privacy.key is not None:
        secrets.append(settings.privacy.key.get_secret_value())
    return secrets


async def _db_upgrade(settings: Settings) -> None:
    from bot.runner import prepare_database

    await prepare_database(settings)


def _run(settings: Settings) -> int:
    if settings.bot.token_value is None:
        print(NO_TOKEN_HELP, file=sys.stderr)
        return EXIT_CONFIG
    # Imported here so `gwbot --help` and `gwbot db upgrade` stay quick.
    from telegram.error import InvalidToken, NetworkError

    from bot.app import build_application
    from bot.runner import prepare_database, serve_until_signalled

    async def run() -> None:
        await prepare_database(settings)
        await serve_until_signalled(build_application(settings))

    try:
        asyncio.run(run())
    except InvalidToken:
        print(
            "gwbot: Telegram did not accept the bot token. Check [bot] token or GWBOT_BOT__TOKEN"
            " (ask @BotFather with /token for the current one).",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    except NetworkError as exc:
        print(
            f"gwbot: could not reach the Bot API at {settings.bot.api_base_url}: {exc}",
            file=sys.stderr,
        )
        return 1
    return 0
