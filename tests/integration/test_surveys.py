"""Alumni follow-up surveys: rounds opened on graduation, the signed personal link, and
the answer that updates the career record, on SQLite and PostgreSQL.

The issue's test: a link answered, expired, tampered with and reused; only the valid
one writes, and every refused one leaves the database exactly as it was.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import delete, select

from lifecycle import signed_tokens
from lifecycle.clock import FakeClock
from lifecycle.errors import (
    AttacheError,
    Conflict,
    Expired,
    InvalidData,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
)
from lifecycle.persistence import repository as repo
from lifecycle.persistence import tables
from lifecycle.persistence.tables import (
    AlumniSurvey,
    CareerRecord,
    InstanceSecret,
    Officer,
    Reminder,
)
from lifecycle.services import Services, alumni, setup, surveys
from lifecycle.services import officers as act
from lifecycle.services.facts import workflow_of
from lifecycle.services.instance_secrets import SURVEY_LINKS, instance_secret
from lifecycle.signed_tokens import Purpose
from notifications.reminder_context import ContextBuilder
from notifications.workdays import WorkingCalendar
from tests.alumni_support import graduated
from tests.support import COORDINATOR, SUPERVISOR, dump

BASE = "https://attache.asean.example"
NEW_POST = surveys.SurveyAnswers(
    same_position=False,
    position="Consul",
    organisation="ສະຖານກົງສຸນໃຫຍ່ ສປປ ລາວ",  # Lao script must round-trip
    country="Japan",
    since="2023-01-01",
    kind="posting",
    testimonial="The year at the Secretariat taught me how ASEAN really works.",
    may_publish=True,
)


def link(services: Services, ref: str, months: int = 6, *, reissue: bool = False) -> str:
    return surveys.survey_link(
        services, ref, months, actor=COORDINATOR, base_url=BASE, reissue=reissue
    )


def token_of(url: str) -> str:
    assert url.startswith(f"{BASE}/surveys/")
    return url.rsplit("/", 1)[1]


def refused(services: Services, token: str, error: type[AttacheError]) -> str:
    """Answering with ``token`` fails with ``error`` and changes nothing; its message."""
    before = dump(services)
    with pytest.raises(error) as caught:
        surveys.answer_survey(services, token, NEW_POST)
    assert before == dump(services)
    with pytest.raises(error):  # the form refuses it the same way
        surveys.survey_form(services, token)
    return caught.value.message


def career(services: Services, ref: str) -> list[tuple[str, str, str, str, str]]:
    return [
        (r.kind, r.position, r.organisation, r.country, r.source)
        for r in alumni.career_records(services, ref, actor=COORDINATOR)
    ]


def rounds(services: Services, ref: str) -> list[AlumniSurvey]:
    with services.db.reading() as session:
        officer = repo.officer_by_ref(session, ref)
        found = list(
            session.scalars(
                select(AlumniSurvey)
                .where(AlumniSurvey.officer_id == officer.id)
                .order_by(AlumniSurvey.round_months)
            )
        )
        session.expunge_all()  # kept as read: the reading session rolls back on exit
        return found


def edit(text: str, at: int) -> str:
    """``text`` with the character at ``at`` replaced by another URL-safe one."""
    return text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1 :]


def test_graduating_opens_the_three_rounds_once(services: Services, clock: FakeClock) -> None:
    """6, 12 and 24 months after the graduation day (Jakarta), each open 60 days."""
    [ref] = graduated(services)
    graduation_day = clock.now().astimezone(alumni.JAKARTA).date()
    expected = [
        (6, date(2023, 7, 2), datetime(2023, 8, 30, 17, 0, tzinfo=UTC)),
        (12, date(2024, 1, 2), datetime(2024, 3, 1, 17, 0, tzinfo=UTC)),
        (24, date(2025, 1, 2), datetime(2025, 3, 2, 17, 0, tzinfo=UTC)),
    ]
    assert date(2023, 1, 2) == graduation_day
    assert expected == [(r.round_months, r.opens_on, r.expires_at) for r in rounds(services, ref)]
    listed = surveys.survey_rounds(services, ref, actor=COORDINATOR)
    assert [date(2023, 8, 30), date(2024, 3, 1), date(2025, 3, 2)] == [r.last_day for r in listed]
    before = dump(services)
    with services.transaction() as session:
        officer = repo.officer_by_ref(session, ref)
        definition = workflow_of(services, officer).definition
        alumni.open_survey_rounds(
            session, officer, definition, clock.now() + timedelta(days=400)
        )
    assert before == dump(services)


def test_a_link_answered_expired_tampered_with_and_reused(
    services: Services, clock: FakeClock
) -> None:
    """The issue's test: only the valid answer writes a career record; each refused
    link says why in one line and leaves the database as it was."""
    [ref] = graduated(services)
    url = link(services, ref)
    token = token_of(url)
    payload, signature = token.split(".")
    with services.db.reading() as session:
        survey_id = session.scalars(select(AlumniSurvey.id)).first()
        secret = instance_secret(session, SURVEY_LINKS, clock.now())
    [six, *_] = rounds(services, ref)
    other = rounds(services, ref)[1]
    forged_for_other = signed_tokens.sign(
        secret, Purpose.SURVEY, signed_tokens.Claim(other.id, six.nonce, six.expires_at)
    )
    foreign_key = URLSafeSerializer("some other installation", salt=Purpose.SURVEY.value).dumps(
        {"s": survey_id, "n": six.nonce, "e": int(six.expires_at.timestamp())}
    )
    tampered = {
        "payload edited": f"{edit(payload, 5)}.{signature}",
        "signature edited": f"{payload}.{edit(signature, 3)}",
        "cut short": token[:-1],
        "garbage": "not-a-token",
        "signed with another secret": foreign_key,
        "another survey's id": forged_for_other,
    }
    for why, bad in tampered.items():
        assert surveys.INVALID == refused(services, bad, NotFound), why
    assert [] == career(services, ref)

    receipt = surveys.answer_survey(services, token, NEW_POST)
    assert (6, True) == (receipt.round_months, receipt.career_record_id is not None)
    assert [("posting", "Consul", "ສະຖານກົງສຸນໃຫຍ່ ສປປ ລາວ", "JP", "survey")] == career(services, ref)

    clock.advance(timedelta(days=3))
    reused = refused(services, token, Conflict)
    assert (
        "this survey was already answered on 2 January 2023; thank you. To change an "
        "answer, write to the ASEAN Secretariat" == reused
    )

    late = token_of(link(services, ref, 12))
    clock.set(datetime(2024, 3, 1, 16, 59, 59, tzinfo=UTC))  # its last second
    surveys.survey_form(services, late)
    clock.set(datetime(2024, 3, 1, 17, 0, tzinfo=UTC))  # midnight in Jakarta: closed
    expired = refused(services, late, Expired)
    assert expired.startswith("this survey closed at the end of 1 March 2024;"), expired
    assert 1 == len(career(services, ref))


def test_the_answer_is_kept_with_the_round_and_the_testimonial_with_consent(
    services: Services, clock: FakeClock
) -> None:
    """answered_at, the answers, a survey-sourced career record naming the round and
    a testimonial with its consent, all from one answer; recorded_by is nobody."""
    [ref] = graduated(services)
    surveys.answer_survey(services, token_of(link(services, ref)), NEW_POST)
    [six, twelve, _] = rounds(services, ref)
    assert clock.now() == six.answered_at
    assert None is twelve.answered_at
    assert {
        "same_position": "no",
        "kind": "posting",
        "position": "Consul",
        "organisation": "ສະຖານກົງສຸນໃຫຍ່ ສປປ ລາວ",
        "country": "JP",
        "from_date": "2023-01-01",
        "testimonial": NEW_POST.testimonial,
        "may_publish": "yes",
    } == six.answers
    with services.db.reading() as session:
        record = session.scalars(select(CareerRecord)).one()
        said = session.scalars(select(tables.Testimonial)).one()
        assert (six.id, None, six.id, None, True) == (
            record.survey_id,
            record.recorded_by_id,
            said.survey_id,
            said.recorded_by_id,
            said.may_publish,
        )


def test_still_in_the_same_position_writes_no_career_record(services: Services) -> None:
    [ref] = graduated(services)
    receipt = surveys.answer_survey(
        services, token_of(link(services, ref)), surveys.SurveyAnswers(same_position=True)
    )
    assert (None, None) == (receipt.career_record_id, receipt.testimonial_id)
    assert [] == career(services, ref)
    assert {"same_position": "yes"} == rounds(services, ref)[0].answers


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (
            surveys.SurveyAnswers(same_position=False, position="Director"),
            "you said your position changed: please also give your organisation, country, since",
        ),
        (
            surveys.SurveyAnswers(False, "Director", "MFA", "Atlantis", "2023-01-01", "promotion"),
            "country 'Atlantis' is not an ISO 3166 country: give its two-letter code (e.g. JP, "
            "ID) or its English name (e.g. Japan)",
        ),
        (
            surveys.SurveyAnswers(False, "Director", "MFA", "LA", "2030-01-01", "promotion"),
            "from date 2030-01-01 must lie between 1990-01-01 and today (2023-01-02)",
        ),
        (
            surveys.SurveyAnswers(True, testimonial="x" * 4001),
            "testimonial is 4001 characters long; at most 4000 are allowed",
        ),
    ],
    ids=["missing", "country", "future", "long"],
)
def test_an_answer_that_cannot_be_taken_changes_nothing_and_the_link_still_works(
    services: Services, answers: surveys.SurveyAnswers, message: str
) -> None:
    [ref] = graduated(services)
    token = token_of(link(services, ref))
    before = dump(services)
    with pytest.raises(InvalidData) as caught:
        surveys.answer_survey(services, token, answers)
    assert message == caught.value.message
    assert before == dump(services)
    surveys.answer_survey(services, token, surveys.SurveyAnswers(same_position=True))


def test_reissuing_kills_the_old_link_and_reopens_a_closed_round(
    services: Services, clock: FakeClock
) -> None:
    """A re-issued link has a new nonce: the old one is 'not valid'. A round already
    closed reopens for 60 days from today, for the alumnus who asks late."""
    [ref] = graduated(services)
    old = token_of(link(services, ref))
    assert old == token_of(link(services, ref))  # copying again gives the same link
    clock.set(datetime(2023, 10, 1, 2, 0, tzinfo=UTC))  # the 6-month round closed in August
    assert refused(services, old, Expired).startswith(
        "this survey closed at the end of 30 August 2023"
    )
    listed = surveys.survey_rounds(services, ref, actor=COORDINATOR)
    assert [True, False, False] == [r.closed for r in listed]
    new = token_of(link(services, ref, reissue=True))
    assert new != old
    assert not surveys.survey_rounds(services, ref, actor=COORDINATOR)[0].closed
    assert surveys.INVALID == refused(services, old, NotFound)
    assert datetime(2023, 11, 29, 17, 0, tzinfo=UTC) == rounds(services, ref)[0].expires_at
    surveys.answer_survey(services, new, surveys.SurveyAnswers(same_position=True))
    before = dump(services)
    with pytest.raises(Conflict) as caught:
        link(services, ref, reissue=True)
    assert (
        "JD17-01's 6-month survey was answered on 1 October 2023; there is nothing to "
        "re-issue" == caught.value.message
    )
    assert before == dump(services)


def test_answering_bumps_the_officer_and_cancels_the_rounds_chaser(services: Services) -> None:
    """The answer re-plans the officer's reminders in its transaction: the version goes
    up, and the answered round's invitation and chaser are cancelled."""
    [ref] = graduated(services)
    with services.db.reading() as session:
        version = repo.officer_by_ref(session, ref).version
    surveys.answer_survey(services, token_of(link(services, ref)), NEW_POST)
    with services.db.reading() as session:
        officer = repo.officer_by_ref(session, ref)
        bumped = officer.version
        followups = {
            (r.rule, r.about): r.status
            for r in session.scalars(select(Reminder).where(Reminder.officer_id == officer.id))
            if r.rule.startswith("alumni_followup")
        }
    assert version + 1 == bumped
    assert {
        ("alumni_followup", "alumni_survey.6m"): "cancelled",
        ("alumni_followup.chase", "alumni_survey.6m"): "cancelled",
        ("alumni_followup", "alumni_survey.12m"): "pending",
        ("alumni_followup.chase", "alumni_survey.12m"): "pending",
        ("alumni_followup", "alumni_survey.24m"): "pending",
        ("alumni_followup.chase", "alumni_survey.24m"): "pending",
    } == followups


def test_two_answers_at_once_write_once(services: Services) -> None:
    """Racing submissions of one link: one is taken, the other is refused (409)."""
    [ref] = graduated(services)
    token = token_of(link(services, ref))
    start = threading.Barrier(2)
    outcomes: list[Any] = []

    def answer() -> None:
        start.wait()
        try:
            outcomes.append(surveys.answer_survey(services, token, NEW_POST))
        except Conflict as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=answer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [surveys.SurveyReceipt, surveys.SurveyAnswered] == sorted(
        (type(o) for o in outcomes), key=lambda t: t is surveys.SurveyAnswered
    )
    assert 1 == len(career(services, ref))


def test_the_secret_is_made_once_even_by_racing_processes(services: Services) -> None:
    """Every caller, racing or not, reads back the same key."""
    now = datetime(2023, 1, 2, tzinfo=UTC)
    start = threading.Barrier(3)
    seen: list[str] = []

    def make() -> None:
        start.wait()
        with services.transaction() as session:
            seen.append(instance_secret(session, "race", now))

    threads = [threading.Thread(target=make) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert 3 == len(seen)
    assert 1 == len(set(seen))


def _context_link(services: Services, ref: str, about: str) -> str:
    builder = ContextBuilder(services.workflows, WorkingCalendar(), BASE + "/")
    with services.db.reading() as session:
        officer = repo.officer_by_ref(session, ref)
        row = Reminder(
            key="test",
            officer_id=officer.id,
            rule="alumni_followup",
            occurrence=2,
            kind="followup",
            template="alumni_followup",
            about=about,
            recipient_role="officer",
            recipient_email=officer.email,
            recipient_name=officer.name,
            recipient_timezone=officer.timezone,
            due_at=services.now(),
            send_at=services.now(),
            expires_at=services.now(),
            status="pending",
            next_attempt_at=services.now(),
            attempts=0,
            created_at=services.now(),
            updated_at=services.now(),
        )
        context: Any = builder.build(session, row, services.now())
    link: str = context["links"]["survey"]
    return link


def test_the_reminders_survey_link_opens_that_round(services: Services) -> None:
    """links.survey for 'alumni_survey.12m' is the officer's 12-month link, which the
    public form accepts; other reminders get no survey link."""
    [ref] = graduated(services)
    url = _context_link(services, ref, "alumni_survey.12m")
    assert link(services, ref, 12) == url
    assert 12 == surveys.survey_form(services, token_of(url)).round_months
    assert "" == _context_link(services, ref, "placement.final")


def test_an_officer_graduated_before_surveys_gets_rounds_when_first_reminded(
    services: Services,
) -> None:
    """No rounds and no secret yet: the reminder's link makes and commits both, even
    though reminders are composed in a read-only session, and the link works."""
    [ref] = graduated(services)
    with services.transaction() as session:
        session.execute(delete(AlumniSurvey))
        session.execute(delete(InstanceSecret))
    url = _context_link(services, ref, "alumni_survey.24m")
    assert [6, 12, 24] == [r.round_months for r in rounds(services, ref)]
    receipt = surveys.answer_survey(services, token_of(url), NEW_POST)
    assert 24 == receipt.round_months


def test_rounds_of_a_graduate_count_from_the_graduation_not_from_later(
    services: Services, clock: FakeClock
) -> None:
    """Opened later (e.g. once alumni), the rounds still count from the graduation day."""
    [ref] = graduated(services)
    with services.transaction() as session:
        session.execute(delete(AlumniSurvey))
    clock.advance(timedelta(days=90))
    act.advance(services, ref, "join_alumni", actor=COORDINATOR)
    with services.transaction() as session:
        officer = session.scalars(select(Officer)).one()
        definition = workflow_of(services, officer).definition
        opened = alumni.open_survey_rounds(session, officer, definition, clock.now())
        assert [date(2023, 7, 2), date(2024, 1, 2), date(2025, 1, 2)] == [
            r.opens_on for r in opened
        ]


def test_who_may_hand_out_links_and_for_which_rounds(services: Services) -> None:
    """Coordinators only, graduates only, rounds 6/12/24 only: each refusal in words,
    nothing written (not even the installation's secret)."""
    [ref] = graduated(services)
    nominee = setup.nominate(
        services,
        batch="JD17",
        name="Keo Sophea",
        country="KH",
        ministry="MFA",
        email="keo.sophea@mfa.example",
        actor=COORDINATOR,
    ).ref
    cases: list[tuple[str, str, int, type[AttacheError], str]] = [
        (
            SUPERVISOR,
            ref,
            6,
            PermissionDenied,
            f"{SUPERVISOR} is a supervisor; handing out survey links needs a coordinator",
        ),
        (
            COORDINATOR,
            ref,
            18,
            InvalidData,
            "round 18 is not one of 6, 12, 24 (months after graduation)",
        ),
        (
            COORDINATOR,
            nominee,
            6,
            TransitionNotAllowed,
            f"{nominee} is nominated; alumni follow-up starts once an officer is graduated or "
            "alumni",
        ),
    ]
    for actor, who, months, error, message in cases:
        before = dump(services)
        with pytest.raises(error) as caught:
            surveys.survey_link(services, who, months, actor=actor, base_url=BASE)
        assert (message, before) == (caught.value.message, dump(services))


def test_before_any_link_was_issued_no_token_reads(services: Services) -> None:
    """A fresh installation has no secret yet: reading a link never makes one."""
    [ref] = graduated(services)
    [six, *_] = rounds(services, ref)
    forged = signed_tokens.sign(
        "guessed", Purpose.SURVEY, signed_tokens.Claim(six.id, six.nonce, six.expires_at)
    )
    assert surveys.INVALID == refused(services, forged, NotFound)
