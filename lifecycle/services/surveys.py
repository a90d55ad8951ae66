"""Follow-up surveys: the alumnus's personal link, the form it opens, and the answer.

Alumni have no account: the signed link (``lifecycle.signed_tokens``) is the credential.
A link is refused, changing nothing, when it is not one we signed or names no current
link of a round (NotFound, 404: "not valid"), when its round was already answered
(Conflict, 409) and when it has run out (Expired, 410). Only an accepted answer writes:
the answers, a career record if the alumnus reports a new position, a testimonial if
they wrote one, and the officer's version bump (which re-plans their reminders, so the
round's chaser is cancelled), all in one transaction.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lifecycle import signed_tokens
from lifecycle.definition import WorkflowDefinition
from lifecycle.errors import Conflict, Expired, InvalidData, NotFound
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import (
    AlumniSurvey,
    CareerRecord,
    InstanceSecret,
    Officer,
    Testimonial,
)
from lifecycle.roles import Role
from lifecycle.services import alumni, career_fields
from lifecycle.services.context import Services, require_role
from lifecycle.services.facts import workflow_of
from lifecycle.services.instance_secrets import SURVEY_LINKS, instance_secret
from lifecycle.services.validation import clean_text

SURVEY_PATH = "/surveys/"
SURVEY = signed_tokens.Purpose.SURVEY
INVALID = (
    "this survey link is not valid: check that the whole link was copied, or ask the "
    "ASEAN Secretariat for a new one"
)


class SurveyAnswered(Conflict):
    """The round was answered already: its link is spent. (Any other Conflict while
    answering, e.g. a coordinator saving the same officer at that instant, saved
    nothing and is worth sending again.)"""


@dataclass(frozen=True)
class SurveyRound:
    """One round as the officer page lists it."""

    round_months: int
    opens_on: date
    last_day: date  # at the Secretariat: the link stops working at midnight after it
    answered_at: datetime | None
    closed: bool  # past its last day: only a re-issued link reopens it


@dataclass(frozen=True)
class SurveyForm:
    """What the public page shows the alumnus: only what the form needs."""

    name: str
    round_months: int
    open_until: datetime  # the last minute answers are taken
    timezone: str
    position: str  # their latest known position, to ask "still the same?"
    organisation: str


@dataclass(frozen=True)
class SurveyAnswers:
    """What the form sends. ``same_position`` False needs the new position's details."""

    same_position: bool
    position: str | None = None
    organisation: str | None = None
    country: str | None = None
    since: str | None = None
    kind: str | None = None
    testimonial: str | None = None
    may_publish: bool = False


@dataclass(frozen=True)
class SurveyReceipt:
    name: str
    round_months: int
    career_record_id: int | None
    testimonial_id: int | None


# -- links -----------------------------------------------------------------------------


def link_for(
    session: Session,
    officer: Officer,
    definition: WorkflowDefinition,
    round_months: int,
    now: datetime,
    base_url: str,
) -> str:
    """The officer's current link to round ``round_months`` (for a reminder's
    ``links.survey``).

    Reminders are composed in a read-only session that is rolled back, so whatever is
    missing (the round, for an officer graduated before surveys existed; the
    installation's secret) is made and committed in a short transaction of its own
    first: a link must never name a row that was rolled back.
    """
    _check_round(round_months)
    survey = session.scalar(
        select(AlumniSurvey).where(
            AlumniSurvey.officer_id == officer.id, AlumniSurvey.round_months == round_months
        )
    )
    secret = _secret_or_none(session)
    if survey is None or secret is None:
        try:
            survey, secret = _made(session, officer.id, definition, round_months, now)
        except IntegrityError:  # another process made them at the same moment: use theirs
            survey, secret = _made(session, officer.id, definition, round_months, now)
    claim = signed_tokens.Claim(survey.id, survey.nonce, survey.expires_at)
    return base_url.rstrip("/") + SURVEY_PATH + signed_tokens.sign(secret, SURVEY, claim)


def _made(
    session: Session,
    officer_id: int,
    definition: WorkflowDefinition,
    round_months: int,
    now: datetime,
) -> tuple[AlumniSurvey, str]:
    with Session(session.get_bind(), expire_on_commit=False) as side, side.begin():
        officer = side.get(Officer, officer_id)
        assert officer is not None  # the caller's session holds it
        survey = _round(side, officer, definition, round_months, now)
        return survey, instance_secret(side, SURVEY_LINKS, now)


def survey_link(
    services: Services,
    ref: str,
    round_months: int,
    *,
    actor: str,
    base_url: str,
    reissue: bool = False,
) -> str:
    """A coordinator copies an alumnus's link, or re-issues it: a new nonce kills every
    earlier link of that round, and a round already closed is reopened for
    ``ROUND_OPEN_DAYS`` from today (for an alumnus who asks late)."""
    _check_round(round_months)
    now = services.now()
    with services.transaction() as session:
        user = repo.user_by_email(session, actor)
        require_role(user, (Role.COORDINATOR,), "handing out survey links")
        officer = alumni.alumnus(services, session, ref)
        definition = workflow_of(services, officer).definition
        survey = _round(session, officer, definition, round_months, now)
        if reissue:
            if survey.answered_at is not None:
                raise Conflict(
                    f"{officer.ref}'s {round_months}-month survey was answered on "
                    f"{_day(survey.answered_at, officer.timezone)}; there is nothing to re-issue"
                )
            survey.nonce = alumni.new_nonce()
            if survey.expires_at <= now:
                survey.expires_at = alumni.round_closes(services.today())
        return base_url.rstrip("/") + SURVEY_PATH + _token(session, survey, now)


def survey_rounds(services: Services, ref: str, *, actor: str) -> list[SurveyRound]:
    with services.db.reading() as session:
        user = repo.user_by_email(session, actor)
        require_role(user, (Role.COORDINATOR,), "reading survey rounds")
        officer = repo.officer_by_ref(session, ref)
        rows = session.scalars(
            select(AlumniSurvey)
            .where(AlumniSurvey.officer_id == officer.id)
            .order_by(AlumniSurvey.round_months)
        ).all()
        now = services.now()
        return [
            SurveyRound(
                r.round_months,
                r.opens_on,
                _last_day(r.expires_at),
                r.answered_at,
                now >= r.expires_at,
            )
            for r in rows
        ]


# -- the public form -------------------------------------------------------------------


def survey_form(services: Services, token: str) -> SurveyForm:
    """What the link opens; refused (nothing written) if the link may not be answered."""
    now = services.now()
    with services.db.reading() as session:
        survey = _open_survey(session, token, now)
        officer = survey.officer
        latest = session.scalar(
            select(CareerRecord)
            .where(CareerRecord.officer_id == officer.id)
            .order_by(CareerRecord.from_date.desc(), CareerRecord.id.desc())
            .limit(1)
        )
        return SurveyForm(
            officer.name,
            survey.round_months,
            survey.expires_at - timedelta(minutes=1),
            officer.timezone,
            latest.position if latest else officer.position or "",
            latest.organisation if latest else officer.ministry,
        )


def answer_survey(services: Services, token: str, answers: SurveyAnswers) -> SurveyReceipt:
    """Take the alumnus's answer: once, while the link is current and open."""
    now = services.now()
    with services.transaction() as session:
        survey = _open_survey(session, token, now)
        officer = survey.officer
        career = _career(answers, services.today())
        text = career_fields.plain_text(
            answers.testimonial, "testimonial", career_fields.TESTIMONIAL_LIMIT, lines=True
        )
        # The conditional UPDATE is what makes an answer single-use under concurrency:
        # of two submissions racing, the second finds answered_at set (PostgreSQL
        # re-checks the WHERE after waiting on the first's row lock; SQLite serialises
        # writers) and changes no row.
        taken = session.execute(
            update(AlumniSurvey)
            .where(
                AlumniSurvey.id == survey.id,
                AlumniSurvey.answered_at.is_(None),
                AlumniSurvey.nonce == survey.nonce,
            )
            .values(answered_at=now, answers=_stored(answers, career, text))
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            raise SurveyAnswered("this survey was answered a moment ago; nothing more was saved")
        record_id = testimonial_id = None
        if career is not None:
            record = CareerRecord(
                officer_id=officer.id,
                **career,
                source="survey",
                recorded_by_id=None,
                survey_id=survey.id,
                created_at=now,
            )
            session.add(record)
            session.flush()
            record_id = record.id
        if text is not None:
            said = Testimonial(
                officer_id=officer.id,
                text=text,
                may_publish=answers.may_publish,
                source="survey",
                recorded_by_id=None,
                survey_id=survey.id,
                created_at=now,
            )
            session.add(said)
            session.flush()
            testimonial_id = said.id
        services.officer_changed(session, officer)
        return SurveyReceipt(officer.name, survey.round_months, record_id, testimonial_id)


# -- internals -------------------------------------------------------------------------


def _check_round(round_months: int) -> None:
    if round_months not in alumni.ROUNDS:
        raise InvalidData(
            f"round {round_months} is not one of {', '.join(map(str, alumni.ROUNDS))} (months "
            "after graduation)",
            fields={"round": "unknown"},
        )


def _round(
    session: Session,
    officer: Officer,
    definition: WorkflowDefinition,
    round_months: int,
    now: datetime,
) -> AlumniSurvey:
    _check_round(round_months)
    rounds = alumni.open_survey_rounds(session, officer, definition, now)
    return rounds[alumni.ROUNDS.index(round_months)]


def _token(session: Session, survey: AlumniSurvey, now: datetime) -> str:
    secret = instance_secret(session, SURVEY_LINKS, now)
    claim = signed_tokens.Claim(survey.id, survey.nonce, survey.expires_at)
    return signed_tokens.sign(secret, SURVEY, claim)


def _open_survey(session: Session, token: str, now: datetime) -> AlumniSurvey:
    """The round a token opens, if it may be answered now; else the one refusal."""
    try:
        claim = signed_tokens.read(_secret_or_none(session) or "", SURVEY, token)
    except signed_tokens.InvalidToken:
        raise NotFound(INVALID) from None
    survey = session.get(AlumniSurvey, claim.row_id)
    if survey is None:
        raise NotFound(INVALID)
    # A re-issued link's old nonce lands here too: same words, as it is just as dead.
    if not hmac.compare_digest(survey.nonce, claim.nonce):
        raise NotFound(INVALID)
    zone = survey.officer.timezone
    if survey.answered_at is not None:
        raise SurveyAnswered(
            f"this survey was already answered on {_day(survey.answered_at, zone)}; thank "
            "you. To change an answer, write to the ASEAN Secretariat"
        )
    if now >= min(claim.expires_at, survey.expires_at):
        last_moment = survey.expires_at - timedelta(seconds=1)
        raise Expired(
            f"this survey closed at the end of {_day(last_moment, zone)}; if you would "
            "still like to answer, ask the ASEAN Secretariat for a new link"
        )
    return survey


def _secret_or_none(session: Session) -> str | None:
    # Reading a link never creates the secret: with none yet, no link can be genuine.
    return session.scalar(select(InstanceSecret.value).where(InstanceSecret.name == SURVEY_LINKS))


def _career(answers: SurveyAnswers, today: date) -> dict[str, object] | None:
    if answers.same_position:
        return None
    missing = [
        label
        for label, value in (
            ("new position", answers.position),
            ("organisation", answers.organisation),
            ("country", answers.country),
            ("since", answers.since),
        )
        if not clean_text(value)
    ]
    if missing:
        raise InvalidData(
            "you said your position changed: please also give your " + ", ".join(missing),
            fields={name: "required" for name in missing},
        )
    return career_fields.career_fields(
        answers.kind or "other",
        answers.position or "",
        answers.organisation or "",
        answers.country or "",
        answers.since or "",
        today,
    )


def _stored(
    answers: SurveyAnswers, career: dict[str, object] | None, text: str | None
) -> dict[str, str]:
    """The answers as kept on the round: strings only, what the alumnus actually said."""
    stored = {"same_position": "yes" if answers.same_position else "no"}
    if career is not None:
        stored |= {key: str(value) for key, value in career.items()}
    if text is not None:
        stored |= {"testimonial": text, "may_publish": "yes" if answers.may_publish else "no"}
    return stored


def _last_day(expires_at: datetime) -> date:
    return (expires_at - timedelta(seconds=1)).astimezone(alumni.JAKARTA).date()


def _day(instant: datetime, zone: str) -> str:
    return f"{instant.astimezone(ZoneInfo(zone)):%-d %B %Y}"
