"""Alumni follow-up survey rounds: invited, chased while unanswered, silenced by an answer."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lifecycle.persistence import outbox
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import AlumniSurvey
from lifecycle.services import Services
from lifecycle.services import officers as act
from tests.integration.reminders.conftest import by_key
from tests.support import COORDINATOR, SUPERVISOR, TRAVEL, nominate, seed_programme, to_placement

OFFICER = "o0.kh@mfa.example"


def _graduate(services: Services) -> str:
    seed_programme(services)
    (ref,) = nominate(services)
    to_placement(services, ref)
    for signoff in ("placement.midterm", "placement.final"):
        act.sign_off(services, ref, signoff, actor=SUPERVISOR, approve=True)
    for item in TRAVEL:
        act.tick(services, ref, item, actor=COORDINATOR)
    act.advance(services, ref, "start_study_visit", actor=COORDINATOR)
    act.tick(services, ref, "visit_report", actor=COORDINATOR)
    act.advance(services, ref, "graduate", actor=COORDINATOR)
    return ref


def _answer(services: Services, ref: str, round_months: int) -> None:
    """What answering a round does: answered_at set, the officer's reminders re-planned."""
    now = services.now()
    with services.transaction() as session:
        officer = repo.officer_by_ref(session, ref)
        survey = session.scalar(
            select(AlumniSurvey).where(
                AlumniSurvey.officer_id == officer.id, AlumniSurvey.round_months == round_months
            )
        )
        if survey is None:  # graduation opens the rounds once that work lands (issue 6)
            survey = AlumniSurvey(
                officer_id=officer.id,
                round_months=round_months,
                opens_on=services.today(),
                expires_at=now + timedelta(days=800),
                nonce=f"test-{round_months}",
                created_at=now,
            )
            session.add(survey)
        survey.answered_at = now
        survey.answers = {"role": "Desk officer"}
        services.officer_changed(session, officer)


def _followups(services: Services) -> dict[str, str]:
    return {
        key.split("/", 1)[1]: row.status
        for key, row in by_key(services).items()
        if row.rule.startswith("alumni_followup")
    }


def test_answering_a_round_cancels_its_pending_chaser(services: Services) -> None:
    """Graduating plans an invitation and a chaser per round; answering the 6-month
    round cancels both of its rows in the same transaction, the other rounds stay."""
    ref = _graduate(services)
    rounds = {1: "6m", 2: "12m", 3: "24m"}
    expected = {
        f"{rule}/{n}/{OFFICER}": outbox.PENDING
        for n in rounds
        for rule in ("alumni_followup", "alumni_followup.chase")
    }
    assert expected == _followups(services)
    abouts = {
        (row.rule, row.occurrence): row.about
        for row in by_key(services).values()
        if row.rule.startswith("alumni_followup")
    }
    assert {
        (rule, n): f"alumni_survey.{months}"
        for n, months in rounds.items()
        for rule in ("alumni_followup", "alumni_followup.chase")
    } == abouts

    _answer(services, ref, 6)

    expected |= {
        f"alumni_followup/1/{OFFICER}": outbox.CANCELLED,
        f"alumni_followup.chase/1/{OFFICER}": outbox.CANCELLED,
    }
    assert expected == _followups(services)
