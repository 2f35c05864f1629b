"""The `gwbot` command line (DESIGN section 4)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import sys
import traceback
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings
from bot.config.logs import configure_logging, masked_output
from storage.models import Role

EXIT_CONFIG = 2
# Long-running commands whose log shows the schema upgrades at start.
SERVICES = ("run", "worker", "playground")

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
    common.add_argument(
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help="also show the database migrations' progress (quiet by default outside run)",
    )
    parser = argparse.ArgumentParser(
        prog="gwbot",
        description="Gemeinsam-Wirken-Bot: a Telegram bot for collective impact initiatives.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run",
        parents=[common],
        help="upgrade the database schema, then receive and answer updates",
        description=(
            "Upgrade the database schema, then receive and answer updates: by long polling,"
            " or by webhook when [bot] webhook_url is set."
        ),
    )
    run.add_argument(
        "--playground-without-token",
        action="store_true",
        help="without a bot token, start the playground instead of stopping (`make run`)",
    )
    playground = commands.add_parser(
        "playground",
        parents=[common],
        help="try the bot in the browser, without Telegram: the real bot on demo data",
        description="Start the real bot against a built-in fake Telegram, with a demo"
        " initiative and months of its history in a database of its own (never the configured"
        " one), and a web page on 127.0.0.1 where one plays demo people: partners, a"
        " coordinator, an admin, an observer and someone holding an invite link.",
    )
    playground.add_argument(
        "--port", type=int, default=8080, help="the page's port on 127.0.0.1 (8080; 0: any free)"
    )
    playground.add_argument(
        "--file",
        type=Path,
        default=Path("playground.db"),
        metavar="FILE",
        help="the playground's SQLite file (playground.db), built when missing",
    )
    playground.add_argument(
        "--fresh", action="store_true", help="build the demo data anew, forgetting what happened"
    )
    playground.add_argument(
        "--today",
        type=_demo_day,
        metavar="YYYY-MM-DD",
        help="when the demo data are built: the day of the demo year 2026 the history reaches"
        " and the clock starts at (default 2026-06-15; earlier days build faster)",
    )
    commands.add_parser(
        "worker",
        parents=[common],
        help="send due outbox deliveries without receiving updates (next to one `run`)",
    )
    commands.add_parser(
        "status",
        parents=[common],
        help="is the timed work running? exit code 1 while something is failing",
        description="Print the schema revision, each timed step's and the outbox dispatcher's"
        " last success and last error (per process kind: run, worker), the outbox's pending and"
        " failed deliveries and the open signals. Exit code 1 while something is failing: the"
        " schema is behind, a step's last run failed, or no dispatcher succeeded in the last"
        " 5 minutes; 0 otherwise.",
    )
    db = commands.add_parser("db", parents=[common], help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    db_commands.add_parser("upgrade", parents=[common], help="apply database migrations")
    db_commands.add_parser(
        "current",
        parents=[common],
        help="the database's schema revision and the newest; exit code 1 when behind",
    )
    revision = db_commands.add_parser(
        "revision",
        parents=[common],
        help="developers: write the next migration from the models' changes",
        description="Upgrade the configured database, compare the models (storage/models) with"
        " it and write the next numbered migration into storage/migrations/versions. Review it"
        " before committing: renames come out as drop and add, and views are not compared.",
    )
    revision.add_argument("-m", "--message", required=True, help="what the migration does")
    revision.add_argument(
        "--empty", action="store_true", help="write an empty migration, compare nothing"
    )
    reader = db_commands.add_parser(
        "grant-reader",
        parents=[common],
        help="PostgreSQL: a read-only role for BI tools that sees the views and nothing else",
        description="Create (if missing) a PostgreSQL role that logs in read-only and may"
        " SELECT from the views (v_...) of the bot's schema, and nothing else. Run it again"
        " after an upgrade that adds views; it changes nothing else.",
    )
    reader.add_argument("role", type=_role_name, metavar="NAME", help="e.g. gwbot_reader")
    reader.add_argument(
        "--password-env",
        metavar="VAR",
        help="set the role's password from this environment variable",
    )
    initiative = commands.add_parser(
        "initiative", parents=[common], help="set up the initiative from its file"
    )
    initiative_commands = initiative.add_subparsers(
        dest="initiative_command", required=True, metavar="COMMAND"
    )
    apply = initiative_commands.add_parser(
        "apply",
        parents=[common],
        help="create or update organisations, goals, indicators, glossary and reminders",
        description="Create or update the initiative from a TOML file (see"
        " examples/initiative.example.toml). Nothing is written unless the whole file is valid;"
        " applying it again changes nothing; entries removed from the file are deactivated.",
    )
    apply.add_argument("file", type=Path, metavar="FILE")
    apply.add_argument(
        "--dry-run",
        action="store_true",
        help="say what applying would change, and which reports would be overdue at once;"
        " write nothing",
    )
    apply.add_argument(
        "--lang",
        choices=("de", "en"),
        help="the language of what it says (default: the file's [initiative] default_language,"
        " else [bot] default_language)",
    )
    periods = commands.add_parser(
        "periods", parents=[common], help="reporting periods: waive what is still open"
    )
    periods_commands = periods.add_subparsers(
        dest="periods_command", required=True, metavar="COMMAND"
    )
    waive = periods_commands.add_parser(
        "waive",
        parents=[common],
        help="let organisations off the open reports of periods that ended before a day",
        description="Waive every report still open for a period that ends before DATE (of one"
        " organisation or indicator if given): it is no longer owed, reminded, escalated or"
        " counted as missing. Reported values stay; one reported anyway counts as reported.",
    )
    waive.add_argument("--before", required=True, type=date.fromisoformat, metavar="YYYY-MM-DD")
    waive.add_argument("--org", metavar="CODE", help="only this organisation")
    waive.add_argument("--indicator", metavar="CODE", help="only this indicator")
    waive.add_argument("--dry-run", action="store_true", help="say what, write nothing")
    privacy = commands.add_parser(
        "privacy", parents=[common], help="the key anonymous concerns and surveys need"
    )
    privacy_commands = privacy.add_subparsers(dest="privacy_command", required=True)
    privacy_commands.add_parser("init", parents=[common], help="create and print a new key")
    completeness = commands.add_parser(
        "completeness",
        parents=[common],
        help="who owes reports for a period, who reported, who was on time",
    )
    completeness.add_argument(
        "--period", metavar="P", help="e.g. 2026-11, 2026-W48, 2026-Q4 (default: the latest due)"
    )
    export = commands.add_parser(
        "export",
        parents=[common],
        help="write reported values, activities, concerns or pulse results to a CSV or XLSX file",
    )
    export.add_argument(
        "--what",
        choices=["values", "activities", "concerns", "pulse"],
        default="values",
        help="values (default); activities: one row per logged activity;"
        " concerns: every message of their threads, without reporters;"
        " pulse: results and comments of the surveys at least k people answered",
    )
    export.add_argument("--format", choices=["csv", "xlsx"], required=True, dest="file_format")
    export.add_argument("--since", type=date.fromisoformat, metavar="YYYY-MM-DD")
    export.add_argument("--until", type=date.fromisoformat, metavar="YYYY-MM-DD")
    export.add_argument(
        "--all-revisions", action="store_true", help="also earlier revisions (values only)"
    )
    export.add_argument("--lang", choices=["de", "en"], help="numbers and dates (initiative's)")
    export.add_argument("--out", type=Path, required=True, metavar="FILE")
    importing = commands.add_parser(
        "import", parents=[common], help="read values from a CSV or XLSX file"
    )
    importing.add_argument("what", choices=["values"])
    importing.add_argument("file", type=Path, metavar="FILE")
    importing.add_argument("--dry-run", action="store_true", help="check only; write nothing")
    importing.add_argument("--lang", choices=["de", "en"], help="how numbers are written")
    invite = commands.add_parser(
        "invite",
        parents=[common],
        help="print an invite code and deep link for an organisation and role",
    )
    invite.add_argument("--org", required=True, metavar="CODE", help="organisation code")
    invite.add_argument("--role", required=True, choices=[r.value for r in Role])
    invite.add_argument("--uses", type=int, default=1, help="how many people may use it (1)")
    invite.add_argument("--expires", type=int, default=14, metavar="DAYS", help="days valid (14)")
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("gwbot")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _demo_day(value: str) -> date:
    day = date.fromisoformat(value)
    if not date(2026, 1, 5) <= day <= date(2026, 12, 31):
        raise argparse.ArgumentTypeError("a day from 2026-01-05 to 2026-12-31")
    return day


def _role_name(value: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", value):
        raise argparse.ArgumentTypeError(
            f"{value!r}: lower-case letters, digits and _ only, starting with a letter or _"
        )
    return value


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(getattr(args, "config", None))
    except ConfigError as exc:
        print(f"gwbot: configuration problem:\n{exc}", file=sys.stderr)
        sys.exit(EXIT_CONFIG)
    # From here on nothing gwbot prints shows a secret, whoever wrote it: our messages quote
    # errors, and errors quote requests (a proxy echoing the path shows the token).
    with masked_output(_secrets(settings)):
        configure_logging(
            settings.logging.level, _secrets(settings), log_format=settings.logging.format
        )
        # Each command upgrades the schema first; the office reading its answer needs no
        # lines about migrations (the services keep them in their logs).
        quiet = args.command not in SERVICES and not getattr(args, "verbose", False)
        logging.getLogger("alembic").setLevel(logging.WARNING if quiet else logging.NOTSET)
        no_token = settings.bot.token_value is None
        if args.command == "run" and no_token and args.playground_without_token:
            args.command, args.port, args.file = "playground", 8080, None
            args.fresh, args.today = False, None
            args.because_no_token = True
        if args.command in ("run", "worker") and no_token:
            print(NO_TOKEN_HELP, file=sys.stderr)
            sys.exit(EXIT_CONFIG)
        try:
            code = _execute(args, settings)
        except Exception:
            # Printed here, while the output is masked, rather than by Python on the way out.
            traceback.print_exc()
            code = 1
    if code:
        sys.exit(code)


def _secrets(settings: Settings) -> list[str]:
    bot, privacy = settings.bot, settings.privacy
    secrets = [bot.token_value or "", settings.database.password or ""]
    for secret in (bot.webhook_secret, privacy.key):
        if secret is not None:
            secrets.append(secret.get_secret_value())
    return secrets


def _execute(args: argparse.Namespace, settings: Settings) -> int:
    """Run the command; expected outside faults become one clear line, not a traceback."""
    # Imported here so `gwbot --help` and configuration errors stay quick.
    from sqlalchemy.exc import DBAPIError
    from telegram.error import InvalidToken, NetworkError

    from bot.outbox.worker import DispatcherStopped
    from bot.telegram.runner import prepare_database

    async def db() -> int:
        if args.db_command == "grant-reader":
            from bot.cli.db import grant_reader_command

            return await grant_reader_command(settings, args.role, args.password_env)
        if args.db_command == "current":
            from bot.cli.db import current_command

            return await current_command(settings)
        await prepare_database(settings)
        if args.db_command == "revision":
            from bot.cli.db import revision_command

            return await revision_command(settings, args.message, autogenerate=not args.empty)
        return 0

    async def run() -> None:
        from bot.app import build_application
        from bot.telegram.runner import serve_until_signalled

        await prepare_database(settings)
        await serve_until_signalled(build_application(settings))

    async def initiative_apply() -> int:
        from bot.cli.initiative import apply_file

        return await apply_file(settings, args.file, args.dry_run, args.lang)

    async def periods() -> int:
        from bot.cli.periods import waive_command

        return await waive_command(
            settings,
            before=args.before,
            organisation=args.org,
            indicator=args.indicator,
            dry_run=args.dry_run,
        )

    async def invite() -> int:
        from bot.cli.invite import invite_command

        return await invite_command(settings, args.org, args.role, args.uses, args.expires)

    async def completeness() -> int:
        from bot.cli.completeness import completeness_command

        return await completeness_command(settings, args.period)

    async def export() -> int:
        from bot.cli.data import export_command

        return await export_command(
            settings,
            what=args.what,
            file_format=args.file_format,
            out=args.out,
            since=args.since,
            until=args.until,
            all_revisions=args.all_revisions,
            language=args.lang,
        )

    async def import_() -> int:
        from bot.cli.data import import_command

        return await import_command(
            settings, file=args.file, dry_run=args.dry_run, language=args.lang
        )

    async def privacy_init() -> int:
        from bot.cli.privacy import init_key

        return init_key(settings)

    async def worker() -> None:
        from bot.outbox.worker import run_worker

        await prepare_database(settings)
        await run_worker(settings)

    async def playground() -> None:
        from bot.demo.year import _local
        from bot.playground.history import TODAY
        from bot.playground.main import DEFAULT_FILE, run_playground

        await run_playground(
            settings,
            port=args.port,
            path=(args.file or DEFAULT_FILE).resolve(),
            fresh=args.fresh,
            today=_local(args.today, 10, 30) if args.today else TODAY,
            because_no_token=getattr(args, "because_no_token", False),
        )

    async def status() -> int:
        from bot.cli.status import status_command

        return await status_command(settings)

    commands = {
        "run": run,
        "playground": playground,
        "worker": worker,
        "status": status,
        "db": db,
        "initiative": initiative_apply,
        "periods": periods,
        "invite": invite,
        "completeness": completeness,
        "privacy": privacy_init,
        "export": export,
        "import": import_,
    }
    from bot.playground import PortBusy

    try:
        code = asyncio.run(commands[args.command]())
    except PortBusy as exc:
        return _fail(f"the playground's page: {exc}; choose another with --port", EXIT_CONFIG)
    except DispatcherStopped as exc:
        return _fail(f"the outbox dispatcher stopped for good: {exc}; the log above says why")
    except InvalidToken:
        return _fail(
            "Telegram did not accept the bot token. Check [bot] token or GWBOT_BOT__TOKEN"
            " (@BotFather shows the current one with /token).",
            EXIT_CONFIG,
        )
    except NetworkError as exc:
        return _fail(f"could not reach the Bot API at {settings.bot.api_base_url}: {exc}")
    except (DBAPIError, OSError) as exc:
        reason = getattr(exc, "orig", None) or exc
        return _fail(f"could not use the database {settings.database.safe_url}: {reason}")
    return code or 0


def _fail(message: str, code: int = 1) -> int:
    print(f"gwbot: {message}", file=sys.stderr)
    return code
