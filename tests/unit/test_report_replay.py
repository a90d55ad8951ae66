"""Replaying one officer's history up to a cutoff: pure, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from lifecycle.reporting.records import end_of
from lifecycle.reporting.replay import Event, replay

T0 = datetime(2023, 1, 10, 2, 0, tzinfo=UTC)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


NOMINATED = day(-10)
HISTORY = [
    Event("nominated", "accepted", day(0), None),
    Event("accepted", "induction", day(15), None),
    Event("induction", "placement", day(22), None),
    Event("placement", "diplomatic_training", day(200), None),
    Event("diplomatic_training", "placement", day(218), None),
    Event("placement", "study_visit", day(300), None),
]


def test_the_cutoff_is_midnight_after_the_day_in_jakarta() -> None:
    """As of 1 June: up to 17:00 UTC on 1 June (midnight in Jakarta, UTC+7)."""
    assert datetime(2024, 6, 1, 17, 0, tzinfo=UTC) == end_of(date(2024, 6, 1))


def test_the_stage_at_the_cutoff_is_the_last_one_entered_before_it() -> None:
    """An event exactly at the cutoff is after it (the cutoff is exclusive)."""
    assert "placement" == replay(HISTORY, "study_visit", NOMINATED, day(250)).state
    assert "diplomatic_training" == replay(HISTORY, "study_visit", NOMINATED, day(218)).state
    assert "study_visit" == replay(HISTORY, "study_visit", NOMINATED, day(301)).state


def test_visits_to_a_stage_add_up_once_it_is_left_for_good() -> None:
    """Placement before and after training counts as one total; the stage the officer
    is still in does not count at all, earlier visits included."""
    done = replay(HISTORY, "study_visit", NOMINATED, day(400))
    assert done is not None
    assert {
        "nominated": 10,
        "accepted": 15,
        "induction": 7,
        "placement": 178 + 82,
        "diplomatic_training": 18,
    } == done.days_in
    midway = replay(HISTORY, "study_visit", NOMINATED, day(250))
    assert midway is not None
    assert {"nominated": 10, "accepted": 15, "induction": 7, "diplomatic_training": 18} == (
        midway.days_in
    )


def test_first_entries_and_the_last_transition_are_kept() -> None:
    """Entering placement twice: the first time is what 'entered' remembers."""
    timeline = replay(HISTORY, "study_visit", NOMINATED, day(400))
    assert timeline is not None
    assert (day(22), HISTORY[-1]) == (timeline.entered["placement"], timeline.last)


def test_an_officer_not_yet_nominated_at_the_cutoff_is_not_there() -> None:
    """Counted from the nomination instant (exclusive cutoff); before the first decision
    the officer is in the stage that decision left, with no stay counted yet."""
    assert replay([], "nominated", day(5), day(5)) is None
    fresh = replay([], "nominated", day(5), day(6))
    assert fresh is not None and ("nominated", {}) == (fresh.state, fresh.days_in)
    assert replay(HISTORY, "study_visit", NOMINATED, NOMINATED) is None
    waiting = replay(HISTORY, "study_visit", NOMINATED, day(-1))
    assert waiting is not None
    assert ("nominated", {}, {"nominated": NOMINATED}) == (
        waiting.state,
        waiting.days_in,
        waiting.entered,
    )
