"""Plausibility: far off both the usual level and the latest value, never on small counts."""

from __future__ import annotations

from statistics import median

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services.report.plausibility import MIN_HISTORY, is_implausible


def test_the_dialogue_example() -> None:
    # DIALOGUES: "120 ist deutlich mehr als sonst bei Ihnen (zuletzt 8, 11, 9)".
    assert is_implausible(120, [8, 11, 9])
    assert not is_implausible(12, [8, 11, 9])


def test_without_enough_history_nothing_is_implausible() -> None:
    assert MIN_HISTORY == 3
    assert not is_implausible(1_000_000, [])
    assert not is_implausible(1_000_000, [1])
    assert not is_implausible(1_000_000, [1, 2])


@pytest.mark.parametrize(
    ("value", "earlier", "expected"),
    [
        (20, [100, 110, 90], True),  # a fifth of the usual: symmetric to a jump up
        (40, [100, 110, 90], False),  # down to 40 %, within the factor of 3
        (300, [100, 110, 90], False),  # just under 3 times the usual (100) and the latest (90)
        (301, [100, 100, 100], True),
        (4, [1, 1, 1], False),  # small counts: 1 -> 4 is no story
        (12, [0, 0, 0], True),  # from nothing to a dozen
        (9, [0, 0, 0], False),
        (0, [30, 25, 35], True),  # a sudden zero
        (0, [0, 0, 0], False),
        (-15, [-2, 3, 1], True),  # a change of sign counts by the difference alone
        (-5, [-2, 3, 1], False),
    ],
)
def test_far_off_in_either_direction(value: float, earlier: list[float], expected: bool) -> None:
    assert is_implausible(value, earlier) is expected


def test_a_lasting_change_needs_explaining_only_once() -> None:
    history = [8, 11, 9]
    assert is_implausible(120, history)
    assert not is_implausible(118, [*history, 120])


def test_a_one_off_dip_does_not_make_normal_values_look_odd() -> None:
    assert not is_implausible(95, [100, 100, 10])
    assert is_implausible(1000, [100, 100, 10])


def test_the_difference_floor_can_be_lowered_for_small_magnitudes() -> None:
    assert not is_implausible(0.9, [0.1, 0.12, 0.11])
    assert is_implausible(0.9, [0.1, 0.12, 0.11], min_difference=0.1)
    assert not is_implausible(0, [0, 0, 0], min_difference=0)


FINITE = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False)


@given(st.lists(FINITE, min_size=MIN_HISTORY, max_size=30), FINITE)
def test_never_raises_and_the_latest_value_is_always_plausible(
    earlier: list[float], value: float
) -> None:
    assert isinstance(is_implausible(value, earlier), bool)
    assert not is_implausible(earlier[-1], earlier)


@given(
    st.lists(st.integers(0, 1000), min_size=MIN_HISTORY, max_size=30),
    st.integers(-9, 9),
    st.booleans(),
)
def test_values_close_to_the_usual_or_the_latest_are_plausible(
    earlier: list[int], offset: int, near_latest: bool
) -> None:
    value = (earlier[-1] if near_latest else median(earlier)) + offset
    assert not is_implausible(value, earlier)
