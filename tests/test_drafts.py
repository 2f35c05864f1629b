"""Drafts as typed models (issue 24): what the bot stored before them still loads, each one
starts from its defaults, and no handler reads a draft as a bare dict any more."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.telegram.drafts import Draft
from handlers.activity.own import ChangeDraft
from handlers.activity.record import ActivityDraft
from handlers.broadcast.broadcast import BroadcastDraft
from handlers.concern.desk import ReplyDraft
from handlers.export.export import RangeDraft
from handlers.joining.flow import JoinDraft
from handlers.members.invite import InviteDraft
from handlers.reminders.add import ReminderDraft
from handlers.report.drafts import ReportDraft
from handlers.report.value_file import ValueFileDraft
from handlers.settings.settings import SettingsDraft

REPO_ROOT = Path(__file__).resolve().parents[1]

# A draft of every flow as the version before typed drafts stored it.
STORED_BEFORE = [
    (ReportDraft, {"organisation": 3, "indicator": 7}),
    (ReportDraft, {"obligation": 12, "seen_revision": 0, "organisation": 3, "value": 99.0}),
    (ReportDraft, {"obligation": 12, "readings": [1.5, 1500.0], "value": None, "note": "x"}),
    (ReportDraft, {"organisation": 3, "indicator": 7, "backlog": [[12, "2026-W01", 4.0]]}),
    (
        ValueFileDraft,
        {"token": 41, "file_id": "f", "name": "a.csv", "digest": "d", "language": "de"},
    ),
    (SettingsDraft, {"quiet_from": 21}),
    (InviteDraft, {"organisation": 2, "role": "partner"}),
    (JoinDraft, {"code": "abc", "language": "en"}),
    (BroadcastDraft, {"organisations": [2, 1], "audience": "all", "text": "<b>Hi</b>"}),
    (BroadcastDraft, {"audience": "all", "text": "Hi", "ask_ack": True}),
    (
        ReminderDraft,
        {"kind": "meeting", "every_weeks": None, "nth": -1, "weekday": 1, "hour": 9},
    ),
    (ReminderDraft, {"kind": "custom", "audience": "all", "text": "Kaffee"}),
    (
        ActivityDraft,
        {"title": "Fest", "date": "2026-01-05", "goal": "g1", "target_group": None},
    ),
    (ActivityDraft, {"district": "Nord", "reach": 40, "partners": ["awo"], "description": ""}),
    (ChangeDraft, {"edit": 5, "field": "title"}),
    (ReplyDraft, {"ticket": "K7Q2", "text": "Danke"}),
    (RangeDraft, {"what": "values", "format": "csv"}),
]


@pytest.mark.parametrize(("model", "stored"), STORED_BEFORE)
def test_a_draft_stored_before_typed_drafts_loads_with_its_values(
    model: type[Draft], stored: dict[str, object]
) -> None:
    dumped = model.model_validate(stored).model_dump(mode="json")
    # Written back under the same keys with the same values, so a restart in between, in
    # either direction, loses nothing.
    assert {key: dumped[key] for key in stored} == stored


def test_a_reply_draft_stored_as_the_bare_ticket_still_loads() -> None:
    assert ReplyDraft.model_validate("K7Q2") == ReplyDraft(ticket="K7Q2")


@pytest.mark.parametrize("model", list(dict.fromkeys(m for m, _ in STORED_BEFORE)))
def test_every_draft_starts_from_its_defaults(model: type[Draft]) -> None:
    """A flow whose draft is gone reads its defaults, which survive a restart unchanged."""
    fresh = model()
    assert model.model_validate(fresh.model_dump(mode="json")) == fresh


def test_no_handler_reads_a_draft_as_a_dict() -> None:
    untyped = re.compile(r"draft\.get\(|draft\[|draft: dict")
    found = [
        f"{path.relative_to(REPO_ROOT)}:{number}"
        for folder in ("handlers", "bot")
        for path in sorted((REPO_ROOT / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if untyped.search(line)
    ]
    assert found == []
