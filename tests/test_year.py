"""A year in the life (issue 23): the demo initiative of bot.demo.year through a whole year on
a virtual clock, every timed step running as production runs it and the outbox dispatcher
delivering to the fake Bot API, on SQLite and PostgreSQL (tests/year_simulation.py says when
the steps run and why). One test per database runs the year and checks every invariant,
naming all that broke: a year is too long to run once per invariant. The two start first, on
two workers (tests/conftest.py orders them).
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from bot.config import DatabaseSettings
from tests.conftest import PG_SCHEMA, _admin_sql, _with_database, postgres_url
from tests.year_simulation import EARLY, LATE, Observations, Year, run_apart

# Work that does not depend on the history may still vary a little between the two days: one
# organisation more since June (31 owing instead of 30), a few more people owing something.
# Half as much again is far above that and far below what a year of history adds (12 times
# the weeks).
GROWTH = 1.5
# Most lines of a failure to show.
SHOWN = 15
# A year takes 55 to 80 s per database on 2 cores, varying from run to run (~390 ticks, ~14,000
# deliveries to the fake Bot API, ~1,200 events, ~60,000 statements; see
# tests/year_simulation.py), around the 60 s it was meant to take (issue 23). Beside the rest
# of the suite it would push `.ci/run` towards its 10 minutes on a slower machine, so it runs
# in `make test-year` (both databases side by side), not in `make test`.
pytestmark = [pytest.mark.timeout(1200), pytest.mark.year]


def _run_year(
    label: str,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    migrated_sqlite_template: Path,
) -> Observations:
    directory = tmp_path_factory.mktemp("year")
    if label == "sqlite":
        path = directory / "gwbot.db"
        shutil.copyfile(migrated_sqlite_template, path)
        database = DatabaseSettings(url=f"sqlite+aiosqlite:///{path}")
        return run_apart(Year(database, "sqlite", directory).run())
    url = postgres_url()
    template = request.getfixturevalue("postgres_template")
    name = f"gwbot_year_{uuid.uuid4().hex[:12]}"
    run_apart(_admin_sql(url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    run_apart(_admin_sql(url, f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    try:
        database = DatabaseSettings(url=_with_database(url, name), schema=PG_SCHEMA)
        return run_apart(Year(database, "postgresql", directory).run())
    finally:
        run_apart(_admin_sql(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def listed(problems: list[str]) -> str:
    more = f"\n... and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
    return f"{len(problems)} times:\n" + "\n".join(problems[:SHOWN]) + more


def the_year_ran_whole(observed: Observations) -> None:
    assert observed.ticks > 365 and observed.events > 1000
    assert observed.delivered > 1000, observed.delivered


def no_timed_step_raises(observed: Observations) -> None:
    assert not observed.step_errors, listed(observed.step_errors)


def every_message_fits_telegram(observed: Observations) -> None:
    assert not observed.oversized, listed(observed.oversized)
    assert not observed.refused, listed(observed.refused)


def nothing_but_broadcasts_and_nudges_arrives_in_quiet_hours(observed: Observations) -> None:
    assert not observed.in_quiet_hours, listed(observed.in_quiet_hours)


def every_concern_is_announced_within_its_batch_interval(observed: Observations) -> None:
    assert observed.concerns > 10
    assert not observed.concerns_late, listed(observed.concerns_late)


def one_overdue_summary_per_coordinator_per_day(observed: Observations) -> None:
    assert observed.summaries, "no overdue summary all year"
    twice = [f"{day}: {name} got {n}" for (name, day), n in observed.summaries.items() if n > 1]
    assert not twice, listed(sorted(twice))


def melden_offers_every_current_period_every_day(observed: Observations) -> None:
    assert observed.melden_checks > 50 * 20
    assert not observed.melden_missing, listed(observed.melden_missing)


def growth(observed: Observations, what: str) -> str:
    early, late = observed.work[(what, EARLY.month)], observed.work[(what, LATE.month)]
    message = f"{what} on {observed.database}: {EARLY} {early}, {LATE} {late}"
    assert late.statements <= GROWTH * early.statements, message
    assert late.rows <= GROWTH * early.rows, message
    return message


def the_work_of_melden_does_not_grow_with_the_year(observed: Observations) -> None:
    growth(observed, "melden")


def the_work_of_agenda_does_not_grow_with_the_year(observed: Observations) -> None:
    growth(observed, "agenda")


def the_work_of_a_tick_does_not_grow_with_the_year(observed: Observations) -> None:
    growth(observed, "tick")


INVARIANTS = (
    the_year_ran_whole,
    no_timed_step_raises,
    every_message_fits_telegram,
    nothing_but_broadcasts_and_nudges_arrives_in_quiet_hours,
    every_concern_is_announced_within_its_batch_interval,
    one_overdue_summary_per_coordinator_per_day,
    melden_offers_every_current_period_every_day,
    the_work_of_melden_does_not_grow_with_the_year,
    the_work_of_agenda_does_not_grow_with_the_year,
    the_work_of_a_tick_does_not_grow_with_the_year,
)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_year_in_the_life(
    kind: str,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    migrated_sqlite_template: Path,
) -> None:
    """One year per database, every invariant checked; all that fail are named together
    (a year is too long to run once per invariant)."""
    observed = _run_year(kind, request, tmp_path_factory, migrated_sqlite_template)
    failed = []
    for invariant in INVARIANTS:
        try:
            invariant(observed)
        except AssertionError as broken:
            failed.append(f"{invariant.__name__.replace('_', ' ')}: {broken}")
    assert not failed, f"{len(failed)} of {len(INVARIANTS)} invariants broke:\n" + "\n\n".join(
        failed
    )
