"""Which updates belong to the quiet concern flow (handlers.concern.flow), and the daily cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import CallbackQuery, Chat, Message, Update, User

from bot.services.privacy_crypto import CROCKFORD, DailyKey, new_receipt
from handlers.concern.flow import RECEIPT_ALONE, ConcernDrafts, DailyCap, Step
from tests.clock import FakeClock

ANNA = User(id=42, first_name="Anna", is_bot=False)
PRIVATE = Chat(id=42, type="private")
GROUP = Chat(id=-100, type="group")


def text(content: str, chat: Chat = PRIVATE) -> Update:
    message = Message(1, datetime.now(UTC), chat, from_user=ANNA, text=content)
    return Update(1, message=message)


def press(data: str) -> Update:
    message = Message(2, datetime.now(UTC), PRIVATE, text="…")
    return Update(2, callback_query=CallbackQuery("q", ANNA, "ci", message=message, data=data))


def drafts() -> ConcernDrafts:
    return ConcernDrafts(FakeClock(), timedelta(minutes=30))


def test_the_command_and_its_buttons_are_quiet_for_anyone() -> None:
    flow = drafts()
    assert flow.claims(text("/anliegen"))
    assert flow.claims(text("/concern@gwbot_bot"))
    assert flow.claims(press("anl:k:anon"))
    assert flow.claims(press("anl:forged"))
    assert not flow.claims(press("mis:nudge:2026-11"))
    assert not flow.claims(text("/melden"))
    assert not flow.claims(text("Guten Morgen"))


def test_typed_text_is_quiet_only_while_a_draft_waits_for_it() -> None:
    flow = drafts()
    draft = flow.start(ANNA.id, Step.SEVERITY)
    assert not flow.claims(text("Hallo"))  # waits for a button
    flow.touch(draft, Step.TEXT)
    assert flow.claims(text("Die Absprachen kommen nicht an."))
    assert not flow.claims(text("Die Absprachen kommen nicht an.", GROUP))
    assert flow.claims(text("/abbrechen"))
    # Another command ends the draft, so what follows goes to that command.
    assert not flow.claims(text("/melden"))
    assert flow.get(ANNA.id) is None
    assert not flow.claims(text("12"))


def test_a_draft_expires_after_the_timeout() -> None:
    clock = FakeClock()
    flow = ConcernDrafts(clock, timedelta(minutes=30))
    flow.start(ANNA.id, Step.TEXT)
    clock.advance(minutes=31)
    assert flow.get(ANNA.id) is None
    assert not flow.claims(text("Noch da?"))


def test_receipts_sent_alone_are_recognised_and_sentences_are_not() -> None:
    flow = drafts()
    for shown in ("K7QM-2XRD-9TPA-HV4E", "kxqm-wrdz-tpah-vegb", "kxqm wrdz tpah vegb"):
        assert flow.claims(text(shown)), shown
    for sentence in ("Öffentlichkeitsarbeit", "ich habe eine frage zu", "Wann ist das Treffen?"):
        assert not flow.claims(text(sentence)), sentence


@settings(max_examples=300)
@given(st.text(alphabet=CROCKFORD, min_size=16, max_size=16))
def test_every_receipt_as_shown_is_recognised(raw: str) -> None:
    shown = "-".join(raw[i : i + 4] for i in range(0, 16, 4))
    for typed in (shown, shown.lower().replace("-", " "), raw.lower()):
        assert RECEIPT_ALONE.fullmatch(typed), typed
    assert RECEIPT_ALONE.fullmatch(new_receipt())


def test_the_daily_cap_counts_per_person_and_day() -> None:
    clock = FakeClock(datetime(2026, 11, 27, 9, tzinfo=UTC))
    cap = DailyCap(DailyKey(clock, ZoneInfo("Europe/Berlin")), {"concern": 2, "message": 5})
    for _ in range(2):
        assert not cap.reached(1, "concern")
        cap.count(1, "concern")
    assert cap.reached(1, "concern")
    assert not cap.reached(2, "concern") and not cap.reached(1, "message")
    clock.advance(days=1)
    assert not cap.reached(1, "concern")
