"""`gwbot completeness [--period P]`: who owes, who reported, who was on time."""

from __future__ import annotations

import sys

from bot.config import Settings
from bot.runtime import utc_now
from bot.services.missing.completeness import Completeness, completeness, recent_periods
from bot.services.obligations import ensure_obligations
from bot.services.periods import Period
from bot.telegram.runner import prepare_database
from storage.engine import make_sessionmaker


async def completeness_command(settings: Settings, period: str | None) -> int:
    if period is not None:
        try:
            Period.parse(period)
        except ValueError:
            print(
                f"gwbot: {period!r} is no period (e.g. 2026-11, 2026-W48, 2026-Q4, 2026)",
                file=sys.stderr,
            )
            return 2
    await prepare_database(settings)
    engine = settings.database.engine()
    try:
        async with make_sessionmaker(engine).begin() as session:
            now = utc_now()
            await ensure_obligations(session, now)
            periods = [period] if period else (await recent_periods(session, now))[:1]
            if not periods:
                print("No reporting obligations yet: apply the initiative file first.")
                return 0
            for code in periods:
                print(describe(await completeness(session, code)))
    finally:
        await engine.dispose()
    return 0


def describe(found: Completeness) -> str:
    expected = len(found.items)
    if not expected:
        return f"{found.period}: nothing is owed for this period."
    percent = found.percent
    closed = " (closed)" if found.closed else ""
    lines = [
        f"{found.period}{closed}: {found.reported} of {expected} reported ({percent}%), "
        f"{found.on_time} on time.",
        "",
        f"{'organisation':<40} {'indicator':<32} {'reported':<9} on time",
    ]
    for item in found.items:
        on_time = "-" if item.on_time is None else ("yes" if item.on_time else "no")
        reported = "yes" if item.reported else "NO"
        name, code = item.organisation_name[:40], item.indicator_code[:32]
        lines.append(f"{name:<40} {code:<32} {reported:<9} {on_time}")
    return "\n".join(lines)
