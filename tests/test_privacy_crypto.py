"""The cryptographic core of anonymous concerns and pulse surveys (DESIGN section 6)."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services.privacy_crypto import (
    CROCKFORD,
    RECEIPT_RE,
    DailyKey,
    PrivacyKey,
    SealError,
    generate_key,
    new_receipt,
    normalise_receipt,
    random_id,
)
from tests.clock import FakeClock

KEY_TEXT = generate_key()
KEY = PrivacyKey.from_text(KEY_TEXT)
OTHER = PrivacyKey.from_text(generate_key())
CODE = "K7QM-2XRD-9TPA-HV4E"
BERLIN = ZoneInfo("Europe/Berlin")


# --- the key -------------------------------------------------------------------------------


def test_generated_key_is_32_random_bytes_of_url_safe_base64() -> None:
    text = generate_key()
    assert len(base64.urlsafe_b64decode(text)) == 32
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}=", text)
    assert generate_key() != text


def test_key_round_trip_is_deterministic() -> None:
    again = PrivacyKey.from_text(f"  {KEY_TEXT}\n")
    assert again.receipt_hash(CODE) == KEY.receipt_hash(CODE)
    assert again.participation("s1", 7) == KEY.participation("s1", 7)
    assert again.open_contact(KEY.seal_contact(42, "de")) == (42, "de")


def test_key_without_padding_is_accepted() -> None:
    unpadded = PrivacyKey.from_text(KEY_TEXT.rstrip("="))
    assert unpadded.receipt_hash(CODE) == KEY.receipt_hash(CODE)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("this is not base64!", "not URL-safe base64"),
        (base64.b64encode(b"\xfb" * 32).decode(), "not URL-safe base64"),  # '+' and '/'
        (base64.urlsafe_b64encode(b"x" * 16).decode(), "must be 32 bytes, got 16"),
        (base64.urlsafe_b64encode(b"x" * 33).decode(), "must be 32 bytes, got 33"),
    ],
)
def test_bad_keys_are_rejected_with_a_short_message(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        PrivacyKey.from_text(text)
    assert caught.value.__cause__ is None
    assert not text.strip() or text.strip() not in str(caught.value)


def test_repr_and_str_hide_the_key() -> None:
    assert repr(KEY) == "PrivacyKey(***)"
    assert str(KEY) == "PrivacyKey(***)"
    assert KEY_TEXT.rstrip("=") not in f"{KEY!r} {KEY!s} {[KEY]}"


def test_subkeys_differ_per_purpose() -> None:
    # Same input under the receipt and participation subkeys must not give the same hash.
    assert KEY.receipt_hash(CODE) != KEY.participation(CODE, 0)


# --- receipts --------------------------------------------------------------------------------


def test_receipt_is_80_bits_of_crockford_in_groups() -> None:
    assert len(CROCKFORD) == 32 and len(set(CROCKFORD)) == 32  # 5 bits per character
    code = new_receipt()
    assert RECEIPT_RE.fullmatch(code)
    assert len(code.replace("-", "")) == 16  # 16 x 5 = 80 bits
    assert not set("ILOU") & set(code)


def test_receipts_are_unique() -> None:
    codes = {new_receipt() for _ in range(10_000)}
    assert len(codes) == 10_000


@pytest.mark.parametrize(
    "typed",
    [
        CODE,
        "k7qm 2xrd 9tpa hv4e",
        "K7QM2XRD9TPAHV4E",
        "k7qm-2xrd-9tpa-hv4e.",
        "  K7QM - 2XRD - 9TPA - HV4E  ",
        "k7qm–2xrd–9tpa–hv4e",  # en dash from a phone keyboard
        "Code: K7QM-2XRD-9TPA-HV4E",
        "my code is K7QM-2XRD-9TPA-HV4E, thanks",
        "my code is k7qm2xrd9tpahv4e",
        "K7QM2 XRD9T PAHV4E",  # odd grouping, but only one reading
        '"K7QM-2XRD-9TPA-HV4E"',
    ],
)
def test_normalise_accepts_what_people_type(typed: str) -> None:
    assert normalise_receipt(typed) == CODE


def test_normalise_maps_crockford_confusables() -> None:
    assert normalise_receipt("KOQM-2XRD-9TPA-HVIL") == "K0QM-2XRD-9TPA-HV11"
    assert normalise_receipt("koqm 2xrd 9tpa hvil") == "K0QM-2XRD-9TPA-HV11"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "hello",
        "K7QM-2XRD-9TPA",  # too short
        "K7QM2XRD9TPAHV4EX",  # too long
        "K7QM-2XRD-9TPA-HV4U",  # U is never a receipt character
        "K7QM-2XRD-9TPA-HV4!",
        "K7QM_2XRD_9TPA_HV4E",
        "Code K7QM 2XRD 9TPA HV4E",  # "CODE" + 3 groups reads as a code too: refuse to guess
        "K7QM-2XRD-9TPA-HV4E and 1111-2222-3333-4444",  # two codes
        "K7QM-2XRD-9TPA-HV4E " * 20,  # far too long to be a reply with a receipt
    ],
)
def test_normalise_rejects_what_cannot_be_a_receipt(typed: str) -> None:
    assert normalise_receipt(typed) is None


def test_new_receipts_are_already_canonical() -> None:
    for _ in range(200):
        code = new_receipt()
        assert normalise_receipt(code) == code


@given(
    raw=st.text(alphabet=CROCKFORD, min_size=16, max_size=16),
    lower=st.booleans(),
    separators=st.lists(st.sampled_from(["", " ", "-", " - ", "  "]), min_size=3, max_size=3),
)
def test_normalise_is_stable_under_retyping(raw: str, lower: bool, separators: list[str]) -> None:
    groups = [raw[i : i + 4] for i in range(0, 16, 4)]
    canonical = "-".join(groups)
    typed = groups[0] + "".join(sep + g for sep, g in zip(separators, groups[1:], strict=True))
    assert normalise_receipt(typed.lower() if lower else typed) == canonical
    assert normalise_receipt(canonical) == canonical


def test_receipt_hash_is_stable_per_key_and_differs_across_keys() -> None:
    stored = KEY.receipt_hash(CODE)
    assert re.fullmatch(r"[0-9a-f]{64}", stored)
    assert KEY.receipt_hash(CODE) == stored
    assert KEY.receipt_hash("k7qm 2xrd 9tpa hv4e") == stored  # hashed in canonical form
    assert OTHER.receipt_hash(CODE) != stored
    assert KEY.receipt_hash(new_receipt()) != stored
    with pytest.raises(ValueError, match="not a receipt"):
        KEY.receipt_hash("nonsense")


# --- sealed chat references ----------------------------------------------------------------

CHAT_IDS = st.integers(min_value=-(2**52), max_value=2**52) | st.sampled_from(
    [0, -1, -1001234567890, 2**63 - 1, -(2**63)]
)


@given(chat_id=CHAT_IDS, language=st.sampled_from(["de", "en"]))
def test_seal_round_trip(chat_id: int, language: str) -> None:
    token = KEY.seal_contact(chat_id, language)
    assert re.fullmatch(r"[A-Za-z0-9_-]{51}", token)
    assert KEY.open_contact(token) == (chat_id, language)


def test_two_seals_of_one_chat_share_nothing() -> None:
    first, second = KEY.seal_contact(123456789, "de"), KEY.seal_contact(123456789, "de")
    assert first != second
    assert KEY.open_contact(first) == KEY.open_contact(second) == (123456789, "de")


def test_chat_id_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="64 bits"):
        KEY.seal_contact(2**63, "de")


# The first 50 of the 51 characters carry whole bits of the sealed bytes; the last one also
# two padding bits, which a decoder may ignore.
@given(position=st.integers(min_value=0, max_value=49), data=st.data())
def test_tampered_token_is_refused(position: int, data: st.DataObject) -> None:
    token = KEY.seal_contact(987654321, "de")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    replacement = data.draw(st.sampled_from(alphabet.replace(token[position], "")))
    tampered = token[:position] + replacement + token[position + 1 :]
    with pytest.raises(SealError):
        KEY.open_contact(tampered)


@pytest.mark.parametrize("token", ["", "abc", "!" * 51, "A" * 51, "A" * 64, "ä" * 51, "A" * 52])
def test_foreign_tokens_are_refused(token: str) -> None:
    with pytest.raises(SealError):
        KEY.open_contact(token)


def test_only_the_url_safe_alphabet_is_accepted() -> None:
    # The standard library would read '+' as '-': an alias of a valid token is still refused.
    token = KEY.seal_contact(42, "de")
    while "-" not in token and "_" not in token:
        token = KEY.seal_contact(42, "de")
    with pytest.raises(SealError, match="malformed"):
        KEY.open_contact(token.replace("-", "+").replace("_", "/"))


def test_token_of_another_key_is_refused() -> None:
    with pytest.raises(SealError, match="another key"):
        KEY.open_contact(OTHER.seal_contact(42, "de"))


def test_seal_error_is_a_value_error() -> None:
    assert issubclass(SealError, ValueError)


# --- daily cap key ---------------------------------------------------------------------------


def test_daily_tag_is_stable_within_a_day_and_changes_with_the_day() -> None:
    clock = FakeClock(datetime(2026, 3, 10, 8, 0, tzinfo=UTC))
    daily = DailyKey(clock, ZoneInfo("UTC"))
    morning = daily.tag("member-1")
    assert re.fullmatch(r"[0-9a-f]{64}", morning)
    clock.advance(hours=15)  # 23:00, same day
    assert daily.tag("member-1") == morning
    assert daily.tag("member-2") != morning
    clock.advance(hours=2)  # next day
    assert daily.tag("member-1") != morning


def test_daily_key_is_not_restored_when_the_day_comes_back() -> None:
    clock = FakeClock(datetime(2026, 3, 10, 8, 0, tzinfo=UTC))
    daily = DailyKey(clock, ZoneInfo("UTC"))
    before = daily.tag("m")
    clock.advance(days=1)
    daily.tag("m")
    clock.advance(days=-1)
    assert daily.tag("m") != before


def test_daily_day_follows_the_local_zone() -> None:
    # 22:30 UTC is 23:30 in Berlin (day 10); 23:30 UTC is already 00:30 on day 11 there.
    clock = FakeClock(datetime(2026, 3, 10, 22, 30, tzinfo=UTC))
    berlin, utc = DailyKey(clock, BERLIN), DailyKey(clock, ZoneInfo("UTC"))
    berlin_before, utc_before = berlin.tag("m"), utc.tag("m")
    assert berlin.today() == datetime(2026, 3, 10).date()
    clock.advance(hours=1)
    assert berlin.today() == datetime(2026, 3, 11).date()
    assert berlin.tag("m") != berlin_before
    assert utc.tag("m") == utc_before


def test_daily_keys_are_random_not_derived() -> None:
    clock = FakeClock(datetime(2026, 3, 10, 8, 0, tzinfo=UTC))
    assert DailyKey(clock, BERLIN).tag("m") != DailyKey(clock, BERLIN).tag("m")
    assert "***" in repr(DailyKey(clock, BERLIN))


def test_daily_key_needs_an_aware_clock() -> None:
    daily = DailyKey(lambda: datetime(2026, 3, 10, 8, 0), BERLIN)
    with pytest.raises(ValueError, match="aware"):
        daily.tag("m")


# --- participation and ids -----------------------------------------------------------------


def test_participation_is_stable_and_separate_per_survey_and_member() -> None:
    first = KEY.participation("survey-a", 17)
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    assert KEY.participation("survey-a", 17) == first
    assert PrivacyKey.from_text(KEY_TEXT).participation("survey-a", 17) == first
    assert KEY.participation("survey-b", 17) != first
    assert KEY.participation("survey-a", 18) != first
    assert OTHER.participation("survey-a", 17) != first
    # The encoding is unambiguous: shifting text between survey id and member does not collide.
    assert KEY.participation("s:1", 2) != KEY.participation("s", 12)
    assert KEY.participation("1", 23) != KEY.participation("12", 3)


def test_random_ids_are_22_url_safe_characters_and_unique() -> None:
    ids = [random_id() for _ in range(1000)]
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22}", value) for value in ids)
    assert len(set(ids)) == 1000


def test_a_contact_opens_to_its_chat_and_language_and_never_repeats() -> None:
    key = PrivacyKey.from_text(generate_key())
    first, second = key.seal_contact(-1001234567890, "en"), key.seal_contact(-1001234567890, "en")
    assert first != second
    assert "1001234567890" not in first
    assert key.open_contact(first) == (-1001234567890, "en")
    assert key.open_contact(second) == (-1001234567890, "en")
    other = PrivacyKey.from_text(generate_key())
    with pytest.raises(SealError):
        other.open_contact(first)
    with pytest.raises(SealError):
        key.open_contact(first[:-2] + ("A" if first[-2] != "A" else "B") + first[-1])


def test_a_reply_tag_is_bound_to_ticket_and_chat() -> None:
    key = PrivacyKey.from_text(generate_key())
    tag = key.reply_tag("K7QM2XRD", 42)
    assert tag == key.reply_tag("K7QM2XRD", 42)
    assert tag != key.reply_tag("K7QM2XRD", 43)
    assert tag != key.reply_tag("K7QM2XRE", 42)
    assert len(tag) == 16
