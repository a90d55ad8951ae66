"""Alumni follow-up: career records, testimonials and the follow-up survey rounds.

What the funder's outcome figures count is what happened after the programme:
promotions (officer to director), postings (consul abroad, ambassador to ASEAN) and
what alumni say about it. Coordinators record these by hand; alumni report them through
the follow-up surveys (``lifecycle.services.surveys``), opened here on graduation.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecycle.audit_triggers import MIGRATE
from lifecycle.definition import WorkflowDefinition
from lifecycle.errors import NotFound, TransitionNotAllowed
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import (
    AlumniSurvey,
    AuditEvent,
    CareerRecord,
    Officer,
    Testimonial,
    User,
)
from lifecycle.roles import SECRETARIAT_TIMEZONE, Role
from lifecycle.services import access
from lifecycle.services.career_fields import (
    TESTIMONIAL_LIMIT,
    bounded,
    career_fields,
    country_name,
)
from lifecycle.services.context import Services, require_role
from lifecycle.services.facts import workflow_of
from lifecycle.state_roles import StateRole

ROUNDS = (6, 12, 24)  # months after graduation
# A round's link works for this many days from the day it opens: the invitation goes
# out that day and the chaser two weeks later, and the 6- and 12-month rounds never
# overlap, so an alumnus is never asked two surveys at once.
ROUND_OPEN_DAYS = 60
JAKARTA = ZoneInfo(SECRETARIAT_TIMEZONE)


@dataclass(frozen=True)
class CareerEntry:
    """One career record as the adapters show it."""

    id: int
    officer_ref: str
    kind: str
    position: str
    organisation: str
    country: str
    country_name: str
    from_date: date
    source: str  # coordinator | survey
    recorded_by: str | None  # the coordinator's e-mail; None for a survey answer
    created_at: datetime


@dataclass(frozen=True)
class TestimonialEntry:
    id: int
    officer_ref: str
    text: str
    may_publish: bool
    source: str
    recorded_by: str | None
    created_at: datetime


# -- survey rounds (opened in the graduating transaction) -------------------------------


def graduated_on(session: Session, officer: Officer, definition: WorkflowDefinition) -> date:
    """The day (at the Secretariat) the officer graduated."""
    at = session.scalar(
        select(AuditEvent.occurred_at)
        .where(
            AuditEvent.officer_id == officer.id,
            AuditEvent.to_state == definition.the_state(StateRole.GRADUATION),
            AuditEvent.trigger != MIGRATE,  # a migration of a graduate graduates nobody
        )
        .order_by(AuditEvent.occurred_at.desc())
        .limit(1)
    )
    # Inside the graduating transaction the audit event is not written yet: the state
    # was set a moment ago, so its start is the graduation.
    return (at or officer.state_since).astimezone(JAKARTA).date()


def round_closes(opens_on: date) -> datetime:
    """When a round opened on ``opens_on`` stops taking answers: midnight at the
    Secretariat, ``ROUND_OPEN_DAYS`` days on."""
    return datetime.combine(opens_on + timedelta(days=ROUND_OPEN_DAYS), time(0), JAKARTA)


def open_survey_rounds(
    session: Session, officer: Officer, definition: WorkflowDefinition, now: datetime
) -> list[AlumniSurvey]:
    """``officer``'s follow-up rounds, opening any missing (idempotent: a second call,
    or one for an officer graduated before this feature, adds only what is missing)."""
    have = {
        s.round_months: s
        for s in session.scalars(select(AlumniSurvey).where(AlumniSurvey.officer_id == officer.id))
    }
    missing = [m for m in ROUNDS if m not in have]
    start = graduated_on(session, officer, definition) if missing else None
    for months in missing:
        assert start is not None
        opens_on = start + relativedelta(months=months)
        have[months] = AlumniSurvey(
            officer_id=officer.id,
            round_months=months,
            opens_on=opens_on,
            expires_at=round_closes(opens_on),
            nonce=new_nonce(),
            created_at=now,
        )
        session.add(have[months])
    if missing:
        session.flush()
    return [have[m] for m in ROUNDS]


def new_nonce() -> str:
    return secrets.token_urlsafe(12)


# -- career records --------------------------------------------------------------------


def add_career_record(
    services: Services,
    ref: str,
    *,
    kind: str,
    position: str,
    organisation: str,
    country: str,
    from_date: str | date,
    actor: str,
) -> CareerEntry:
    """A coordinator (or admin) records a step in an alumnus's career."""
    with services.transaction() as session:
        user = repo.user_by_email(session, actor)
        require_role(user, (Role.COORDINATOR,), "recording a career step")
        officer = alumnus(services, session, ref)
        record = CareerRecord(
            officer_id=officer.id,
            **career_fields(kind, position, organisation, country, from_date, services.today()),
            source="coordinator",
            recorded_by_id=user.id,
            created_at=services.now(),
        )
        session.add(record)
        session.flush()
        services.officer_changed(session, officer)
        return _entry(session, record)


def correct_career_record(
    services: Services,
    record_id: int,
    *,
    actor: str,
    officer_ref: str | None = None,
    kind: str | None = None,
    position: str | None = None,
    organisation: str | None = None,
    country: str | None = None,
    from_date: str | date | None = None,
) -> CareerEntry:
    """Correct a record (one typed in, or one an alumnus reported): the fields given."""
    with services.transaction() as session:
        user = repo.user_by_email(session, actor)
        require_role(user, (Role.COORDINATOR,), "correcting a career record")
        record = _record(session, record_id, officer_ref)
        fields = career_fields(
            kind if kind is not None else record.kind,
            position if position is not None else record.position,
            organisation if organisation is not None else record.organisation,
            country if country is not None else record.country,
            from_date if from_date is not None else record.from_date,
            services.today(),
        )
        for name, value in fields.items():
            setattr(record, name, value)
        services.officer_changed(session, record.officer)
        return _entry(session, record)


def delete_career_record(
    services: Services, record_id: int, *, actor: str, officer_ref: str | None = None
) -> str:
    """Remove a record entered by mistake; returns what was removed, in words.
    ``officer_ref``, when given, must be the record's officer (a form names both)."""
    with services.transaction() as session:
        user = repo.user_by_email(session, actor)
        require_role(user, (Role.COORDINATOR,), "deleting a career record")
        record = _record(session, record_id, officer_ref)
        officer = record.officer
        said = f"{record.position}, {record.organisation} (from {record.from_date})"
        session.delete(record)
        services.officer_changed(session, officer)
        return f"{officer.ref}: career record {record_id} deleted: {said}"


def career_records(services: Services, ref: str, *, actor: str | None) -> list[CareerEntry]:
    """The officer's career after the programme, oldest first, to whoever may see them."""
    with services.db.reading() as session:
        officer = _visible(session, ref, actor)
        rows = session.scalars(
            select(CareerRecord)
            .where(CareerRecord.officer_id == officer.id)
            .order_by(CareerRecord.from_date, CareerRecord.id)
        ).all()
        return [_entry(session, r) for r in rows]


# -- testimonials ----------------------------------------------------------------------


def add_testimonial(
    services: Services, ref: str, *, text: str, may_publish: bool, actor: str
) -> TestimonialEntry:
    """A coordinator records what an alumnus said, and whether they agreed to be quoted."""
    with services.transaction() as session:
        user = repo.user_by_email(session, actor)
        require_role(user, (Role.COORDINATOR,), "recording a testimonial")
        officer = alumnus(services, session, ref)
        row = Testimonial(
            officer_id=officer.id,
            text=bounded(text, "testimonial", TESTIMONIAL_LIMIT, lines=True),
            may_publish=may_publish,
            source="coordinator",
            recorded_by_id=user.id,
            created_at=services.now(),
        )
        session.add(row)
        session.flush()
        services.officer_changed(session, officer)
        return _testimonial(session, row, officer.ref)


def testimonials(services: Services, ref: str, *, actor: str | None) -> list[TestimonialEntry]:
    with services.db.reading() as session:
        officer = _visible(session, ref, actor)
        rows = session.scalars(
            select(Testimonial)
            .where(Testimonial.officer_id == officer.id)
            .order_by(Testimonial.created_at, Testimonial.id)
        ).all()
        return [_testimonial(session, r, officer.ref) for r in rows]


# -- shared ----------------------------------------------------------------------------


def alumnus(services: Services, session: Session, ref: str) -> Officer:
    """The officer, if they have graduated (follow-up is about life after the programme)."""
    officer = repo.officer_by_ref(session, ref)
    graduated = workflow_of(services, officer).definition.ordered_states_with(StateRole.GRADUATED)
    if officer.state not in graduated:
        raise TransitionNotAllowed(
            f"{officer.ref} is {officer.state}; alumni follow-up starts once an officer "
            f"is {' or '.join(graduated)}"
        )
    return officer


def _visible(session: Session, ref: str, actor: str | None) -> Officer:
    # No actor: the operator at the CLI, who reads the database directly anyway (as
    # `attache officer show` does).
    if actor is None:
        return repo.officer_by_ref(session, ref)
    user = repo.user_by_email(session, actor)
    return access.visible_officer(session, Role(user.role), user.id, user.email, ref)


def _record(session: Session, record_id: int, officer_ref: str | None = None) -> CareerRecord:
    record = session.get(CareerRecord, record_id)
    if record is None or (
        officer_ref is not None and record.officer.ref != officer_ref.strip().upper()
    ):
        whose = f" of {officer_ref.strip().upper()}" if officer_ref else ""
        raise NotFound(f"no career record {record_id}{whose}")
    return record


def _recorder(session: Session, user_id: int | None) -> str | None:
    user = session.get(User, user_id) if user_id is not None else None
    return user.email if user else None


def _entry(session: Session, r: CareerRecord) -> CareerEntry:
    return CareerEntry(
        r.id,
        r.officer.ref,
        r.kind,
        r.position,
        r.organisation,
        r.country,
        country_name(r.country),
        r.from_date,
        r.source,
        _recorder(session, r.recorded_by_id),
        r.created_at,
    )


def _testimonial(session: Session, t: Testimonial, ref: str) -> TestimonialEntry:
    return TestimonialEntry(
        t.id,
        ref,
        t.text,
        t.may_publish,
        t.source,
        _recorder(session, t.recorded_by_id),
        t.created_at,
    )
