"""Rank keys: order, density and the edge cases of the integer part."""

from __future__ import annotations

import random

import pytest

from lanekit.domain.cards.positions import ZERO_KEY, key_between, keys_between, validate


def test_first_key_of_an_empty_lane() -> None:
    assert key_between(None, None) == ZERO_KEY == "i0"


def test_appending_increments_the_integer_part_and_stays_short() -> None:
    keys: list[str] = []
    last: str | None = None
    for _ in range(5000):
        last = key_between(last, None)
        keys.append(last)
    assert keys[:3] == ["i0", "i1", "i2"]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    assert max(len(k) for k in keys) <= 4


def test_prepending_goes_into_negative_integers() -> None:
    keys: list[str] = []
    first: str | None = None
    for _ in range(5000):
        first = key_between(None, first)
        keys.append(first)
    assert keys[:3] == ["i0", "hz", "hy"]
    assert keys == sorted(keys, reverse=True)
    assert max(len(k) for k in keys) <= 4


def test_carry_across_heads() -> None:
    assert key_between("iz", None) == "j00"
    assert key_between("hz", None) == "i0"
    assert key_between(None, "j00") == "iz"
    assert key_between(None, "i0") == "hz"


def test_between_neighbours_extends_the_fraction() -> None:
    assert key_between("i0", "i1") == "i0i"
    assert key_between("i0", "i0i") == "i09"
    assert key_between("i0i", "i1") == "i0r"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_inserts_keep_a_strict_order(seed: int) -> None:
    rng = random.Random(seed)
    lane: list[str] = []
    for _ in range(3000):
        at = rng.randint(0, len(lane))
        low = lane[at - 1] if at else None
        high = lane[at] if at < len(lane) else None
        key = key_between(low, high)
        assert (low is None or low < key) and (high is None or key < high)
        lane.insert(at, key)
    assert lane == sorted(lane)
    assert len(set(lane)) == len(lane)
    assert max(len(k) for k in lane) < 40


def test_repeatedly_inserting_at_the_same_spot_grows_slowly() -> None:
    low, high = "i0", "i1"
    for _ in range(200):
        high = key_between(low, high)
    assert len(high) <= 210
    assert low < high


def test_keys_between_is_sorted_and_inside_the_bounds() -> None:
    for low, high in [(None, None), ("i0", None), (None, "i0"), ("i0", "i1"), ("i5", "k123")]:
        keys = keys_between(low, high, 25)
        assert len(keys) == 25
        assert keys == sorted(keys)
        assert len(set(keys)) == 25
        assert all((low is None or low < k) and (high is None or k < high) for k in keys)
    assert keys_between("i0", "i1", 0) == []


@pytest.mark.parametrize("bad", ["", "i", "i0A", "i10", "j0", "i0-", "0" * 19])
def test_malformed_keys_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        validate(bad)


def test_low_must_be_below_high() -> None:
    with pytest.raises(ValueError):
        key_between("i1", "i0")
    with pytest.raises(ValueError):
        key_between("i1", "i1")
