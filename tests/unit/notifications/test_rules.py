"""The pure reminder rules: alumni follow-up survey rounds, their chasers, and answers."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest

from lifecycle.guards import OfficerFacts, SignoffFact
from notifications.rules import (
    SURVEY_CHASE_DAYS,
    Occurrence,
    PlanFacts,
    ReminderRule,
    load_rules,
    needs_answered_surveys,
    plan,
)
from notifications.workdays import WorkingCalendar
from tests import strategies

DEFINITION = next(d for d in strategies.DEFINITIONS if d.track == "junior-diplomats")
RULES = load_rules(DEFINITION)
CALENDAR = WorkingCalendar()
GRADUATED_ON = date(2024, 2, 15)


def _followups(
    state: str = "graduated", answered: frozenset[int] = frozenset()
) -> list[Occurrence]:
    facts = PlanFacts(
        OfficerFacts(state=state),
        {"start": date(2023, 2, 1), "end": date(2024, 1, 31)},
        entered={"graduated": GRADUATED_ON},
        answered_surveys=answered,
    )
    return [o for o in plan(DEFINITION, RULES, facts, CALENDAR) if o.kind == "followup"]


def _summary(occurrences: list[Occurrence]) -> list[tuple[str, int, str | None, date]]:
    return sorted((o.rule, o.occurrence, o.about, o.due) for o in occurrences)


@pytest.mark.parametrize("state", ["graduated", "alumni"])
def test_each_survey_round_is_invited_and_chased(state: str) -> None:
    """Each round (6, 12, 24 months) gets an invitation about ``alumni_survey.<n>m`` and a
    chaser SURVEY_CHASE_DAYS later, with the same template, about and occurrence."""
    expected = [
        ("alumni_followup", 1, "alumni_survey.6m", date(2024, 8, 15)),
        ("alumni_followup", 2, "alumni_survey.12m", date(2025, 2, 15)),
        ("alumni_followup", 3, "alumni_survey.24m", date(2026, 2, 15)),
        ("alumni_followup.chase", 1, "alumni_survey.6m", date(2024, 8, 29)),
        ("alumni_followup.chase", 2, "alumni_survey.12m", date(2025, 3, 1)),
        ("alumni_followup.chase", 3, "alumni_survey.24m", date(2026, 3, 1)),
    ]
    occurrences = _followups(state)
    assert sorted(expected) == _summary(occurrences)
    assert {("alumni_followup", ("officer",), 30)} == {
        (o.template, o.to, o.expires_after_days) for o in occurrences
    }
    assert 14 == SURVEY_CHASE_DAYS


def test_an_answered_round_is_neither_invited_nor_chased() -> None:
    """Answering the 12-month round drops its invitation and chaser; the other rounds keep
    their occurrence numbers (and so their reminder keys)."""
    expected = [
        ("alumni_followup", 1, "alumni_survey.6m", date(2024, 8, 15)),
        ("alumni_followup", 3, "alumni_survey.24m", date(2026, 2, 15)),
        ("alumni_followup.chase", 1, "alumni_survey.6m", date(2024, 8, 29)),
        ("alumni_followup.chase", 3, "alumni_survey.24m", date(2026, 3, 1)),
    ]
    assert sorted(expected) == _summary(_followups(answered=frozenset({12})))
    assert [] == _followups(answered=frozenset({6, 12, 24}))


def test_a_followup_rule_with_its_own_about_is_not_a_survey() -> None:
    """Only a months-counted follow-up without ``about`` is a survey invitation: one with
    an explicit ``about`` is planned as written, with no chaser and no skipping."""
    rule = ReminderRule.model_validate(
        {
            "name": "career_update",
            "template": "alumni_followup",
            "kind": "followup",
            "about": "career",
            "to": ["officer"],
            "anchor": {"enter": "graduated"},
            "offsets": [6],
            "unit": "months",
            "while_in": ["graduated"],
        }
    )
    facts = PlanFacts(
        OfficerFacts(state="graduated"),
        {},
        entered={"graduated": GRADUATED_ON},
        answered_surveys=frozenset({6}),
    )
    expected = [("career_update", 1, "career", date(2024, 8, 15))]
    assert expected == _summary(plan(DEFINITION, (rule,), facts, CALENDAR))


def test_answered_rounds_matter_only_where_a_survey_rule_applies() -> None:
    """The planner reads the answered rounds only in the states a survey rule covers."""
    assert [True, True, False, False] == [
        needs_answered_surveys(RULES, s) for s in ("graduated", "alumni", "placement", "accepted")
    ]


def _facts() -> PlanFacts:
    return PlanFacts(
        OfficerFacts(
            state="placement",
            ticked=frozenset({"asean_introduction"}),
            signoffs={"placement.midterm": SignoffFact("approved", "m@asean.example", None)},
            has_placement=True,
            enabled_optional=frozenset({"diplomatic_training"}),
        ),
        {"start": date(2023, 2, 1), "end": date(2024, 1, 31)},
        entered={"placement": date(2023, 2, 1)},
        left={"induction": date(2023, 2, 1)},
        answered_surveys=frozenset({6}),
    )


# One changed value for every field of PlanFacts and of its OfficerFacts.
CHANGES: dict[str, Any] = {
    "state": "study_visit",
    "ticked": frozenset(),
    "signoffs": {"placement.midterm": SignoffFact("returned", "m@asean.example", "more")},
    "has_placement": False,
    "enabled_optional": frozenset(),
    "batch_dates": {"start": date(2023, 2, 1), "end": date(2024, 1, 30)},
    "entered": {"placement": date(2023, 2, 2)},
    "left": {},
    "answered_surveys": frozenset({6, 12}),
    "deadlines": {"placement.midterm": date(2023, 8, 31)},
    "document_expiries": {"passport": date(2027, 3, 1)},
}


def test_every_fact_counts_in_the_signature_plans_are_shared_by() -> None:
    """Officers whose facts have equal signatures share one plan, so each field of the
    facts (including one added later) must change the signature when it changes."""
    fields = {f.name for f in dataclasses.fields(PlanFacts) if f.name != "lifecycle"}
    fields |= {f.name for f in dataclasses.fields(OfficerFacts)}
    assert fields == set(CHANGES)
    base = _facts()
    assert base.signature() == _facts().signature()
    for name, value in CHANGES.items():
        if name in {f.name for f in dataclasses.fields(OfficerFacts)}:
            changed = dataclasses.replace(
                base, lifecycle=dataclasses.replace(base.lifecycle, **{name: value})
            )
        else:
            changed = dataclasses.replace(base, **{name: value})
        assert 2 == len({base.signature(), changed.signature()}), name  # hashable, unequal
