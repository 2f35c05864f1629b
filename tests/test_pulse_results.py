"""Pulse survey results on SQLite and PostgreSQL (DESIGN section 6): of a survey still open or
closed below k nothing leaves the results, the export or v_pulse_results, not even the count;
closed at and above k the means, distributions and comments; the trend over three surveys
skips one below k; the chart; the export on the command line (CSV, XLSX) and in chat."""

from __future__ import annotations

import asyncio
import csv
import io
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cli.main import main
from bot.config import DatabaseSettings
from bot.services import exports
from bot.services.errors import NotFound
from bot.services.privacy_crypto import random_id
from bot.services.pulse.results import (
    SurveyResults,
    SurveySummary,
    TrendPoint,
    recent_surveys,
    survey_results,
)
from handlers.pulse.chart import pulse_chart, pulse_figure
from storage.models import PulseAnswer, PulseComment, PulseParticipation, PulseSurvey, Role
from tests.conftest import RunningBot
from tests.export_steps import export_this_year_as_csv, point_cli_at
from tests.test_completeness import sessions  # noqa: F401 (a fixture)
from tests.test_reporting import example, partner

QUESTIONS = [
    {"code": "trust", "de": "Ich vertraue den Partnern.", "en": "I trust the partners."},
    {"code": "communication", "de": "Wir informieren uns gut.", "en": "We inform each other."},
    {"code": "roles", "de": "Die Rollen sind klar.", "en": "Roles are clear."},
]
CODES = [q["code"] for q in QUESTIONS]


@dataclass(frozen=True)
class Given:
    """A survey as the test wrote it: one tuple of scores (in QUESTIONS order) per person."""

    id: int
    people: list[tuple[int, ...]]
    comments: dict[str, str]  # random id -> text


async def add_survey(
    sessions: async_sessionmaker[AsyncSession],  # noqa: F811
    opened_on: date,
    people: Sequence[tuple[int, ...]],
    comments: Sequence[str] = (),
    *,
    k: int = 5,
    closed: bool = True,
    questions: list[dict[str, str]] = QUESTIONS,
) -> Given:
    async with sessions.begin() as session:
        survey = PulseSurvey(
            opened_on=opened_on,
            closes_at=datetime.combine(opened_on, datetime.min.time(), UTC)
            + timedelta(days=7, hours=9),
            closed=closed,
            k=k,
            questions=questions,
        )
        session.add(survey)
        await session.flush()
        for person in people:
            session.add(PulseParticipation(hash=random_id(), survey_id=survey.id))
            for question, score in zip(questions, person, strict=True):
                session.add(
                    PulseAnswer(
                        id=random_id(),
                        survey_id=survey.id,
                        question_code=question["code"],
                        score=score,
                    )
                )
        written = {random_id(): comment for comment in comments}
        for comment_id, comment in written.items():
            session.add(PulseComment(id=comment_id, survey_id=survey.id, text=comment))
        return Given(survey.id, list(people), written)


# Five people: exactly k. trust 4,5,3,4,4 -> 4.0; communication 2,3,3,4,1 -> 2.6; roles 5 x 5.
AT_K = [(4, 2, 5), (5, 3, 5), (3, 3, 5), (4, 4, 5), (4, 1, 5)]
# Six people: trust 4,4,3,5,2,4 -> 22/6 = 3.6667; communication 1..5 and 3 -> 3.0; roles -> 2.5
ABOVE_K = [(4, 1, 2), (4, 2, 2), (3, 3, 3), (5, 4, 3), (2, 5, 2), (4, 3, 3)]
# Four people: one short of k.
BELOW_K = [(1, 1, 1), (1, 2, 1), (2, 1, 1), (1, 1, 2)]
SECRET = "Frau Weber aus der Kita Sonnenschein blockiert alles."


async def close_survey(
    sessions: async_sessionmaker[AsyncSession],  # noqa: F811
    survey_id: int,
) -> None:
    async with sessions.begin() as session:
        await session.execute(
            update(PulseSurvey).where(PulseSurvey.id == survey_id).values(closed=True)
        )


def in_order(given: Given) -> list[str]:
    return [given.comments[key] for key in sorted(given.comments)]


def png_size(content: bytes) -> tuple[int, int]:
    assert content[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", content[16:24])
    return width, height


async def results(
    sessions: async_sessionmaker[AsyncSession],  # noqa: F811
    survey_id: int,
) -> SurveyResults:
    async with sessions() as session:
        return await survey_results(session, survey_id)


async def view_rows(
    sessions: async_sessionmaker[AsyncSession],  # noqa: F811
) -> list[tuple[object, ...]]:
    async with sessions() as session:
        rows = await session.execute(
            text(
                "SELECT survey_id, question_code, responses, mean_score FROM v_pulse_results"
                " ORDER BY survey_id, question_code"
            )
        )
        return [tuple(row) for row in rows]


async def test_below_k_nothing(
    sessions: async_sessionmaker[AsyncSession],  # noqa: F811
) -> None:
    few = await add_survey(sessions, date(2026, 2, 2), BELOW_K, [SECRET, "Mehr Zeit bitte."])
    found = await results(sessions, few.id)
    assert found == SurveyResults(
        survey_id=few.id,
        opened_on=date(2026, 2, 2),
        closes_at=datetime(2026, 2, 9, 9, tzinfo=UTC),
        closed=True,
        k=5,
        responses=None,
        shown=False,
        questions=[],
        comments=[],
    )
    assert SECRET not in repr(found)
    async with sessions() as session:
        assert await recent_surveys(session) == [
            SurveySummary(few.id, date(2026, 2, 2), found.closes_at, True, None, False)
        ]
        export = await exports.pulse(session)
    assert export.rows == []
    assert await view_rows(sessions) == []


async def test_at_and_above_k_the_numbers_and_the_comments(
    sessions: async_sessionmaker[AsyncSession],  # noqa: F811
) -> None:
    at_k = await add_survey(sessions, date(2026, 2, 2), AT_K, ["Gut so.", SECRET, "Weiter!"])
    above = await add_survey(sessions, date(2026, 3, 2), ABOVE_K, closed=False)
    first = await results(sessions, at_k.id)
    assert (first.responses, first.shown, first.k) == (5, True, 5)
    assert [q.code for q in first.questions] == CODES
    trust, communication, roles = first.questions
    assert (trust.responses, trust.mean) == (5, 4.0)
    assert trust.distribution == {1: 0, 2: 0, 3: 1, 4: 3, 5: 1}
    assert (trust.text_de, trust.text_en) == (QUESTIONS[0]["de"], QUESTIONS[0]["en"])
    assert trust.text("en") == "I trust the partners."
    assert communication.mean == pytest.approx(2.6)
    assert communication.distribution == {1: 1, 2: 1, 3: 2, 4: 1, 5: 0}
    assert roles.distribution == {1: 0, 2: 0, 3: 0, 4: 0, 5: 5}
    # Ordered by the comments' random ids: nothing about who wrote first.
    assert first.comments == in_order(at_k)
    # Still open: nothing of it, not even how many answered so far.
    running = await results(sessions, above.id)
    assert (running.responses, running.shown, running.closed) == (None, False, False)
    assert running.questions == [] and running.comments == []
    async with sessions() as session:
        assert [(s.responses, s.shown) for s in await recent_surveys(session)] == [
            (None, False),
            (5, True),
        ]
    await close_survey(sessions, above.id)
    second = await results(sessions, above.id)
    assert (second.responses, second.shown, second.closed) == (6, True, True)
    trust, communication, roles = second.questions
    assert trust.mean == pytest.approx(22 / 6)
    assert trust.distribution == {1: 0, 2: 1, 3: 1, 4: 3, 5: 1}
    assert communication.mean == 3.0 and roles.mean == 2.5
    assert second.comments == []
    async with sessions() as session:
        assert [s.survey_id for s in await recent_surveys(session)] == [above.id, at_k.id]
        assert [s.responses for s in await recent_surveys(session, limit=1)] == [6]
    with pytest.raises(NotFound) as unknown:
        await results(sessions, above.id + 100)
    assert unknown.value.key == "pulse.unknown"


async def test_trend_over_three_surveys_skips_the_one_below_k(
    sessions: async_sessionmaker[AsyncSession],  # noqa: F811
) -> None:
    january = await add_survey(sessions, date(2026, 1, 5), AT_K)
    february = await add_survey(sessions, date(2026, 2, 2), BELOW_K, [SECRET])
    # March also asks a new question; its trend starts there.
    march_questions = [*QUESTIONS, {"code": "goals", "de": "Ziele", "en": "Goals"}]
    march = await add_survey(
        sessions,
        date(2026, 3, 2),
        [(*person, 4) for person in ABOVE_K],
        questions=march_questions,
    )
    found = await results(sessions, march.id)
    trust = found.questions[0]
    assert trust.trend == [
        TrendPoint(january.id, date(2026, 1, 5), 4.0),
        TrendPoint(march.id, date(2026, 3, 2), 22 / 6),
    ]
    assert [p.survey_id for p in found.questions[2].trend] == [january.id, march.id]
    assert found.questions[3].trend == [TrendPoint(march.id, date(2026, 3, 2), 4.0)]
    # The trend looks back, never ahead; and a survey below k has none.
    assert [p.survey_id for p in (await results(sessions, january.id)).questions[0].trend] == [
        january.id
    ]
    assert (await results(sessions, february.id)).questions == []


async def test_v_pulse_results_rows_and_rounded_means(
    sessions: async_sessionmaker[AsyncSession],  # noqa: F811
) -> None:
    """The same rows and values on SQLite and PostgreSQL (this test runs on both)."""
    at_k = await add_survey(sessions, date(2026, 1, 5), AT_K)
    below = await add_survey(sessions, date(2026, 2, 2), BELOW_K)
    above = await add_survey(sessions, date(2026, 3, 2), ABOVE_K, closed=False)
    assert above.id not in {row[0] for row in await view_rows(sessions)}, "open, yet shown"
    await close_survey(sessions, above.id)
    rows = await view_rows(sessions)
    assert rows == [
        (at_k.id, "communication", 5, 2.6),
        (at_k.id, "roles", 5, 5.0),
        (at_k.id, "trust", 5, 4.0),
        (above.id, "communication", 6, 3.0),
        (above.id, "roles", 6, 2.5),
        (above.id, "trust", 6, 3.6667),
    ]
    assert below.id not in {row[0] for row in rows}
    assert all(isinstance(row[3], float) for row in rows)
    # The view and the results agree.
    for survey in (at_k, above):
        for question in (await results(sessions, survey.id)).questions:
            assert (survey.id, question.code, question.responses, round(question.mean, 4)) in rows


async def test_the_chart_is_a_phone_sized_png_in_the_reader_language(
    sessions: async_sessionmaker[AsyncSession],  # noqa: F811
) -> None:
    await add_survey(sessions, date(2026, 1, 5), AT_K)
    await add_survey(sessions, date(2026, 2, 2), BELOW_K)
    march = await add_survey(sessions, date(2026, 3, 2), ABOVE_K)
    found = await results(sessions, march.id)
    assert png_size(pulse_chart(found, "de", title="Stimmungsbild")) == (1200, 900)
    for language, days in (
        ("de", ["05.01.2026", "02.03.2026"]),
        ("en", ["5 Jan 2026", "2 Mar 2026"]),
    ):
        figure = pulse_figure(found, language)
        figure.canvas.draw()
        axes = figure.axes[0]
        assert [label.get_text() for label in axes.get_xticklabels()] == days
        (legend,) = figure.legends
        assert [t.get_text() for t in legend.get_texts()] == [q[language] for q in QUESTIONS]
        assert len(axes.get_lines()) == 3
    # Below k there is nothing to draw.
    few = await add_survey(sessions, date(2026, 4, 6), BELOW_K)
    empty = pulse_figure(await results(sessions, few.id), "de")
    assert empty.axes[0].get_lines() == []
    assert png_size(pulse_chart(await results(sessions, few.id), "de")) == (1200, 900)


def question_rows(given: Given, opened: date, closes: date, language: str) -> list[list[object]]:
    rows: list[list[object]] = []
    for index, question in enumerate(QUESTIONS):
        scores = [person[index] for person in given.people]
        rows.append(
            [
                given.id,
                opened,
                closes,
                question["code"],
                question[language],
                len(scores),
                round(sum(scores) / len(scores), 4),
                *(scores.count(score) for score in range(1, 6)),
                None,
            ]
        )
    return rows


def comment_rows(given: Given, opened: date, closes: date) -> list[list[object]]:
    return [[given.id, opened, closes, *[None] * 9, comment] for comment in in_order(given)]


async def test_export_holds_only_surveys_that_reached_k_in_the_date_range(
    sessions: async_sessionmaker[AsyncSession],  # noqa: F811
) -> None:
    january = await add_survey(sessions, date(2026, 1, 26), AT_K, ["Gut so.", "=1+1"])
    await add_survey(sessions, date(2026, 2, 16), BELOW_K, [SECRET])
    march = await add_survey(sessions, date(2026, 3, 2), ABOVE_K)
    # Still open, so left out however many answered.
    await add_survey(sessions, date(2026, 3, 9), ABOVE_K, [SECRET], closed=False)
    jan, feb2, mar, mar9 = date(2026, 1, 26), date(2026, 2, 2), date(2026, 3, 2), date(2026, 3, 9)
    first = question_rows(january, jan, feb2, "de") + comment_rows(january, jan, feb2)
    second = question_rows(march, mar, mar9, "de")

    async def exported(
        since: date | None, until: date | None, language: str = "de"
    ) -> list[list[object]]:
        async with sessions() as session:
            table = await exports.pulse(session, since=since, until=until, language=language)
        assert table.columns == exports.PULSE_COLUMNS
        assert len(table.columns) == 13
        return [list(row) for row in table.rows]

    assert await exported(None, None) == first + second
    assert len(first) == 5 and first[3][-1] is not None and first[0][-1] is None
    # opened_on..closes_on overlaps the range, ends included.
    assert await exported(date(2026, 2, 2), date(2026, 3, 1)) == first
    assert await exported(date(2026, 2, 3), date(2026, 3, 1)) == []
    assert await exported(date(2026, 2, 3), date(2026, 3, 2)) == second
    assert await exported(None, date(2026, 1, 25)) == []
    english = await exported(None, None, "en")
    assert [row[4] for row in english[:3]] == [q["en"] for q in QUESTIONS]
    assert SECRET not in repr(english)


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
async def test_gwbot_export_pulse_reads_back(
    sessions: async_sessionmaker[AsyncSession],  # noqa: F811
    database: DatabaseSettings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    file_format: str,
) -> None:
    shown = await add_survey(sessions, date(2026, 3, 2), ABOVE_K, ["Gut so.", "=1+1"])
    await add_survey(sessions, date(2026, 4, 6), BELOW_K, [SECRET])
    point_cli_at(monkeypatch, database)
    out = tmp_path / f"stimmung.{file_format}"
    command = ["export", "--what", "pulse", "--format", file_format, "--out", str(out)]
    await asyncio.to_thread(main, command)
    assert capsys.readouterr().out == f"{out}: 5 pulse rows (questions and comments) written.\n"
    opened, closes = date(2026, 3, 2), date(2026, 3, 9)
    expected = question_rows(shown, opened, closes, "de") + comment_rows(shown, opened, closes)
    content = out.read_bytes()
    if file_format == "csv":
        text = content.decode("utf-8-sig")
        table = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
        assert table[0] == list(exports.PULSE_COLUMNS)
        assert [row[:7] for row in table[1:4]] == [
            [str(shown.id), "02.03.2026", "09.03.2026", code, question, "6", mean]
            for code, question, mean in (
                ("trust", QUESTIONS[0]["de"], "3,6667"),
                ("communication", QUESTIONS[1]["de"], "3"),
                ("roles", QUESTIONS[2]["de"], "2,5"),
            )
        ]
        assert table[1][7:] == ["0", "1", "1", "3", "1", ""]
        comments = [row[-1] for row in table[4:]]
        assert comments == [("'" + c if c.startswith("=") else c) for c in in_order(shown)]
        assert all(cell == "" for row in table[4:] for cell in row[3:-1])
    else:
        workbook = load_workbook(io.BytesIO(content), read_only=True)
        assert workbook.sheetnames == ["pulse"]
        sheet = workbook.active
        assert sheet is not None
        cells = list(sheet.iter_rows(values_only=True))
        assert cells[0] == exports.PULSE_COLUMNS

        def excel(value: object) -> object:
            if isinstance(value, date):
                return datetime(value.year, value.month, value.day)
            return value

        # Read-only openpyxl leaves out empty cells at the end of a row.
        width = len(exports.PULSE_COLUMNS)
        read = [[*row, *[None] * (width - len(row))] for row in cells[1:]]
        assert read == [[excel(v) for v in r] for r in expected]
        text = " ".join(str(value) for row in cells for value in row)
    assert SECRET not in text


async def test_export_of_pulse_results_in_chat(bot: RunningBot) -> None:
    await example(bot)  # today is 20 January 2026
    clara = await partner(bot, "Clara Koch", "koordination", role=Role.COORDINATOR)
    old = await add_survey(bot.sessions, date(2025, 11, 3), AT_K, ["Letztes Jahr."])
    shown = await add_survey(bot.sessions, date(2026, 1, 5), AT_K, ["Gut so."])
    await add_survey(bot.sessions, date(2026, 1, 12), BELOW_K, [SECRET])
    exported = await export_this_year_as_csv(clara, "Stimmungsbilder (anonyme Umfragen)")
    assert exported.done == (
        "📎 Hier ist die Datei mit 4 Zeilen aus Stimmungsbildern. Sie enthält nur Umfragen,"
        " an denen genug Personen teilgenommen haben, und nichts darüber, wer was geantwortet"
        " hat."
    )
    document, text, table = exported.document, exported.text, exported.table
    assert document.file_name == "stimmungsbilder-2026.csv"
    assert document.text.startswith("Stimmungsbilder · 2026 · ")
    assert table[0] == list(exports.PULSE_COLUMNS)
    assert [(row[0], row[3], row[6], row[-1]) for row in table[1:]] == [
        (str(shown.id), "trust", "4", ""),
        (str(shown.id), "communication", "2,6", ""),
        (str(shown.id), "roles", "5", ""),
        (str(shown.id), "", "", "Gut so."),
    ]
    assert SECRET not in text and "Letztes Jahr." not in text and str(old.id) != table[1][0]
