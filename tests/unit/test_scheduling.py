"""The suite's order: slow tests at the front of each share worksteal deals out."""

from __future__ import annotations

from tests.scheduling import shares, slow_first


def test_shares_are_the_ones_worksteal_deals_out() -> None:
    """A third each, the remainder to the later workers, as xdist's first deal."""
    assert [688, 689, 689] == shares(2066, 3)
    assert [5] == shares(5, 1)
    assert [0, 1, 1] == shares(2, 3)


def test_each_share_starts_with_slow_tests_balanced_by_seconds() -> None:
    """Longest first, each to the share with the fewest seconds so far; the rest keep
    their order and fill the shares."""
    items = list("abcdefghijkl")  # 12 items: shares of 4
    seconds = {"c": 30.0, "k": 20.0, "l": 15.0, "e": 10.0}
    ordered = slow_first(items, 3, seconds.get)
    assert ["c", "a", "b", "d", "k", "f", "g", "h", "l", "e", "i", "j"] == ordered
    assert sorted(items) == sorted(ordered)


def test_one_worker_runs_the_slow_tests_first_longest_first() -> None:
    assert ["b", "c", "a", "d"] == slow_first(["a", "b", "c", "d"], 1, {"b": 3.0, "c": 1.0}.get)
    assert ["a", "b"] == slow_first(["a", "b"], 1, lambda _: None)
