"""`gwbot initiative apply`: the example applies, broken files are refused with the promised
message and write nothing, applying again changes nothing, removed entries are deactivated."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli.main import main
from bot.config import DatabaseSettings
from bot.services.initiative import apply_initiative
from bot.services.initiative_file import InitiativeFileError, load_initiative_file
from storage.engine import make_engine, make_sessionmaker
from storage.migrate import upgrade_database
from storage.models import GlossaryTerm, Goal, Indicator, Organisation, Origin, Schedule

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "initiative.example.toml"

MINIMAL = """
[initiative]
name = "Bündnis Test"
start = 2026-01-01

[[organisations]]
code = "awo"
name = "AWO"

[[goals]]
code = "ziel"
title = { de = "Ziel", en = "Goal" }

[[indicators]]
code = "plaetze"
name = { de = "Plätze", en = "Places" }
type = "integer"
min = 0
max = 10
frequency = "monthly"
aggregation = "sum"
goal = "ziel"
"""


def write(tmp_path: Path, text: str, name: str = "initiative.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


async def apply(database: DatabaseSettings, path: Path):  # type: ignore[no-untyped-def]
    await upgrade_database(database.url, schema=database.schema_name)
    engine = make_engine(database.url, schema=database.schema_name)
    try:
        async with make_sessionmaker(engine).begin() as session:
            return await apply_initiative(session, load_initiative_file(path))
    finally:
        await engine.dispose()


async def rows(database: DatabaseSettings, model: type) -> list:  # type: ignore[type-arg]
    engine = make_engine(database.url, schema=database.schema_name)
    try:
        async with make_sessionmaker(engine)() as session:
            return list((await session.scalars(select(model))).all())
    finally:
        await engine.dispose()


async def test_the_example_applies_and_applying_again_changes_nothing(
    database: DatabaseSettings,
) -> None:
    report = await apply(database, EXAMPLE)
    assert len(report.created["organisations"]) >= 7
    assert len(report.created["indicators"]) >= 6
    indicators = await rows(database, Indicator)
    assert {i.type for i in indicators} == {"integer", "decimal", "percent", "boolean", "scale"}
    assert {i.level for i in indicators} == {"output", "outcome", "impact"}
    assert {i.target_mode for i in indicators} >= {"level", "cumulative"}
    kinds = {s.kind for s in await rows(database, Schedule)}
    assert kinds == {"reporting", "meeting", "custom", "pulse", "digest", "signals"}
    again = await apply(database, EXAMPLE)
    assert not again.changed


def broken(tmp_path: Path, old: str, new: str) -> Path:
    assert old in MINIMAL
    return write(tmp_path, MINIMAL.replace(old, new, 1))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'name = "AWO"',
            'name = "AWO"\ncolour = "rot"',
            'organisations[1] "awo": colour: unknown key',
        ),
        ("min = 0", 'min = "null"', 'indicators[1] "plaetze": min: must be a number, e.g. 6.5'),
        ("max = 10", "max = -1", 'indicators[1] "plaetze": min (0) is greater than max (-1)'),
        (
            'type = "integer"',
            'type = "text"',
            'indicators[1] "plaetze": type: must be one of "integer", "decimal", "percent"',
        ),
        ('"monthly"', '"daily"', 'indicators[1] "plaetze": frequency: must be one of'),
        ('"sum"', '"median"', 'indicators[1] "plaetze": aggregation: must be one of'),
        ('goal = "ziel"', 'goal = "ziel"\nlevel = "effect"', 'indicators[1] "plaetze": level:'),
        (
            'goal = "ziel"',
            'goal = "ziel"\ntarget = { value = 5, by = 2027-01-01, mode = "total" }',
            'indicators[1] "plaetze": target.mode: must be one of',
        ),
        ('goal = "ziel"', 'goal = "gibtsnicht"', 'indicators[1] "plaetze": goal: there is no goal'),
        (
            'goal = "ziel"',
            'goal = "ziel"\nreported_by = ["awo", "caritas"]',
            'indicators[1] "plaetze": reported_by: there is no organisation "caritas"',
        ),
        (
            'name = "AWO"',
            'name = "AWO"\n[[organisations]]\ncode = "awo"\nname = "AWO 2"',
            'organisations[2] "awo": duplicate',
        ),
        (
            "start = 2026-01-01",
            'start = 2026-01-01\ntimezone = "Europe/Neustadt"',
            "[initiative]: timezone: unknown time zone",
        ),
        (
            "start = 2026-01-01",
            'start = 2026-01-01\nholidays = "DE-XX"',
            "[initiative]: holidays: unknown holiday calendar",
        ),
        ('name = "Bündnis Test"\n', "", "[initiative]: name: missing"),
        (
            'type = "integer"\nmin = 0\nmax = 10',
            'type = "percent"\nmin = 0\nmax = 120',
            'indicators[1] "plaetze": max must lie within 0-100 for percent',
        ),
        (
            'code = "awo"',
            'code = "AWO Neustadt"',
            "organisations[1] \"AWO Neustadt\": code: 'AWO Neustadt' is not a code: use lowercase",
        ),
        ("start = 2026-01-01", "start = 2026-13-01", "TOML syntax error"),
    ],
)
def test_a_broken_file_names_file_entry_and_field(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    path = broken(tmp_path, old, new)
    with pytest.raises(InitiativeFileError) as info:
        load_initiative_file(path)
    assert any(problem.startswith(f"{path}: ") for problem in info.value.problems)
    assert message in str(info.value), info.value.problems


@pytest.mark.parametrize(
    ("old", "new", "hint"),
    [
        ("start = 2026-01-01", "start = 2026-01-01\nbaseline = 6,5", "6.5 rather than 6,5"),
        (
            "start = 2026-01-01",
            "start = 01.09.2026",
            "without quotes: 2026-09-01 rather than 01.09.2026.",
        ),
        ('name = "AWO"', "name = AWO Neustadt", 'text needs quotes: name = "AWO Neustadt"'),
    ],
)
def test_the_usual_toml_mistakes_get_a_hint(tmp_path: Path, old: str, new: str, hint: str) -> None:
    with pytest.raises(InitiativeFileError) as info:
        load_initiative_file(broken(tmp_path, old, new))
    assert "TOML syntax error" in str(info.value)
    assert hint in str(info.value)


def test_a_file_without_a_usual_mistake_gets_no_hint(tmp_path: Path) -> None:
    with pytest.raises(InitiativeFileError) as info:
        load_initiative_file(broken(tmp_path, "start = 2026-01-01", "start = 2026-13-01"))
    assert "Hint" not in str(info.value)


@pytest.mark.parametrize(
    ("reminder", "message"),
    [
        (
            'kind = "meeting"\nrrule = "FREQ=WEEKLY;BYDAY=XX"\nstarts = 2026-01-13\n'
            'text = { de = "x" }',
            "rrule: not a valid RRULE",
        ),
        (
            'kind = "meeting"\nstarts = 2026-01-13\ntext = { de = "x" }',
            "a meeting reminder needs rrule and starts",
        ),
        ('kind = "reporting"', "a reporting reminder needs offsets_days"),
        (
            'kind = "custom"\nrrule = "FREQ=DAILY"\nstarts = 2026-01-13',
            "a custom reminder needs a text",
        ),
        ('kind = "birthday"', 'reminders[1] "r": kind: must be one of "reporting", "meeting"'),
        (
            'kind = "meeting"\nrrule = "FREQ=DAILY"\nstarts = 2026-01-13\ntext = { de = "x" }\n'
            'audience = { organisations = ["caritas"] }',
            'audience.organisations: there is no organisation "caritas"',
        ),
    ],
)
def test_broken_reminders_are_refused(tmp_path: Path, reminder: str, message: str) -> None:
    path = write(tmp_path, f'{MINIMAL}\n[[reminders]]\ncode = "r"\n{reminder}\n')
    with pytest.raises(InitiativeFileError) as info:
        load_initiative_file(path)
    assert message in str(info.value), info.value.problems


def test_the_cli_refuses_a_broken_file_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(tmp_path, MINIMAL, "good.toml")
    main(["initiative", "apply", str(good)])
    assert "organisations: 1 neu (awo)" in capsys.readouterr().out
    bad = write(
        tmp_path, MINIMAL.replace('name = "AWO"', 'name = "AWO neu"\nfarbe = 1'), "bad.toml"
    )
    with pytest.raises(SystemExit) as info:
        main(["initiative", "apply", str(bad)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"gwbot: {bad} wurde nicht angewendet (1 Problem):" in err
    assert f'{bad}: organisations[1] "awo": farbe: unbekannter Schlüssel' in err
    assert "Traceback" not in err
    main(["initiative", "apply", str(good)])
    # The refused rename was not written.
    assert "nichts hat sich geändert" in capsys.readouterr().out


async def test_changes_update_and_removed_entries_are_deactivated(
    database: DatabaseSettings, tmp_path: Path
) -> None:
    extended = MINIMAL + '\n[[glossary]]\nterm = "Wirkung"\ndefinition = { de = "Veränderung" }\n'
    await apply(database, write(tmp_path, extended))
    engine = make_engine(database.url, schema=database.schema_name)
    async with make_sessionmaker(engine).begin() as session:
        session.add(Organisation(code="verein", name="Im Chat angelegt", kind="Verein"))
    await engine.dispose()

    renamed = MINIMAL.replace('name = "AWO"', 'name = "AWO Kreisverband"')
    without_indicator = renamed[: renamed.index("[[indicators]]")]
    report = await apply(database, write(tmp_path, without_indicator))
    assert report.updated["organisations"] == ["awo"]
    assert report.deactivated == {"indicators": ["plaetze"], "glossary": ["Wirkung"]}

    organisations = {o.code: o for o in await rows(database, Organisation)}
    assert organisations["awo"].name == "AWO Kreisverband"
    assert organisations["verein"].active  # made in chat: never touched by the file
    assert organisations["verein"].origin == Origin.CHAT
    (indicator,) = await rows(database, Indicator)
    assert not indicator.active  # deactivated, not deleted: its data stays
    (term,) = await rows(database, GlossaryTerm)
    assert not term.active
    assert [g.code for g in await rows(database, Goal)] == ["ziel"]


def test_the_cli_explains_a_syntax_error_in_the_configured_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(tmp_path, MINIMAL.replace("start = 2026-01-01", "start = 01.09.2026"), "bad.toml")
    with pytest.raises(SystemExit):
        main(["initiative", "apply", str(bad)])
    err = capsys.readouterr().err
    # The file could not be read, so [bot] default_language (German) speaks.
    assert f"gwbot: {bad} wurde nicht angewendet (1 Problem):" in err
    assert f"{bad}: TOML-Syntaxfehler:" in err
    assert "Tipp: Daten als Jahr-Monat-Tag ohne Anführungszeichen schreiben: 2026-09-01" in err
    with pytest.raises(SystemExit):
        main(["initiative", "apply", str(bad), "--lang", "en"])
    assert "Hint: dates are written year-month-day" in capsys.readouterr().err


def test_validation_errors_are_said_in_the_files_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(tmp_path, MINIMAL.replace("min = 0", 'min = "null"'), "bad.toml")
    with pytest.raises(SystemExit):
        main(["initiative", "apply", str(bad)])
    err = capsys.readouterr().err
    assert 'indicators[1] "plaetze": min: muss eine Zahl sein, z. B. 6.5 (mit Punkt)' in err
    assert "Input should be" not in err
