"""Calendar feeds: secret, revocable iCalendar URLs for an officer, a supervisor or a batch.

Calendar apps poll a URL and cannot sign in, so the URL's token is the credential. Like
API tokens it is a random 256-bit secret of which only a SHA-256 is stored; revoking the
row kills the URL. What a feed shows is computed on every poll, so it follows the record.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecycle.audit_triggers import MIGRATE
from lifecycle.calendar_ics import FeedEvent, render
from lifecycle.errors import InvalidData, NotFound, PermissionDenied
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import Batch, CalendarFeed, Officer, Placement, User
from lifecycle.roles import SECRETARIAT_TIMEZONE, Role
from lifecycle.services import access
from lifecycle.services.context import Services
from lifecycle.services.facts import workflow_of
from lifecycle.services.inbox import deadline

KINDS = ("officer", "supervisor", "batch")
# The induction week is the week before work starts: the seven days before the batch's
# start date, when the induction_welcome reminder also goes out.
INDUCTION_DAYS = 7
DOMAIN = "attache.asean.org"  # the right-hand side of every UID: ours, not a host name


@dataclass(frozen=True)
class FeedInfo:
    id: int
    kind: str
    ref: str
    created_at: datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_feed(services: Services, kind: str, ref: str, *, actor: str) -> str:
    """A new feed's token, returned once: only its hash is kept."""
    token = secrets.token_urlsafe(32)
    with services.transaction() as session:
        user = repo.user_by_email(session, actor)
        subject = _subject(session, kind, ref)
        _check_may_subscribe(session, user, kind, subject)
        session.add(
            CalendarFeed(
                token_hash=_digest(token), subject_kind=kind, subject_ref=subject,
                created_by_id=user.id, created_at=services.now(),
            )
        )
    return token


def revoke_feed(services: Services, feed_id: int, *, actor: str) -> None:
    """Kill a feed's URL. Its creator may, and coordinators and admins may any."""
    with services.transaction() as session:
        user = repo.user_by_email(session, actor)
        feed = session.get(CalendarFeed, feed_id)
        if feed is None or feed.revoked_at is not None:
            raise NotFound(f"no active calendar feed {feed_id}")
        if user.role not in access.STAFF and feed.created_by_id != user.id:
            raise PermissionDenied(f"{user.email} may not revoke calendar feed {feed_id}")
        feed.revoked_at = services.now()


def my_feeds(services: Services, *, actor: str) -> list[FeedInfo]:
    """The active feeds this user created."""
    with services.db.reading() as session:
        user = repo.user_by_email(session, actor)
        rows = session.scalars(
            select(CalendarFeed)
            .where(CalendarFeed.created_by_id == user.id, CalendarFeed.revoked_at.is_(None))
            .order_by(CalendarFeed.id)
        ).all()
        return [FeedInfo(r.id, r.subject_kind, r.subject_ref, r.created_at) for r in rows]


def calendar_for_token(services: Services, token: str) -> bytes:
    """The .ics document a token opens; NotFound, saying nothing more, if it opens none."""
    with services.db.reading() as session:
        feed = session.scalar(
            select(CalendarFeed).where(CalendarFeed.token_hash == _digest(token))
        )
        if feed is None or feed.revoked_at is not None:
            raise NotFound("no such calendar")
        kind, ref = feed.subject_kind, feed.subject_ref
    return render(f"Attache: {ref}", feed_events(services, kind, ref), services.now())


def feed_events(services: Services, kind: str, ref: str) -> list[FeedEvent]:
    """Everything a feed about this subject shows, ordered by start."""
    with services.db.reading() as session:
        subject = _subject(session, kind, ref)
        events: list[FeedEvent] = []
        if kind == "officer":
            officer = repo.officer_by_ref(session, subject)
            events += _batch_events(officer.batch)
            events += _officer_events(services, session, officer, officer.timezone)
        elif kind == "supervisor":
            supervisor = repo.user_by_email(session, subject)
            batches: dict[int, Batch] = {}
            for officer in _supervised(session, supervisor):
                batches[officer.batch_id] = officer.batch
                events += _officer_events(services, session, officer, supervisor.timezone)
            for batch in batches.values():
                events += _batch_events(batch)
        else:
            batch = repo.batch_by_ref(session, subject)
            events += _batch_events(batch)
            for officer in session.scalars(
                select(Officer).where(Officer.batch_id == batch.id).order_by(Officer.seq)
            ):
                events += _officer_events(services, session, officer, SECRETARIAT_TIMEZONE)
    return sorted(events, key=lambda e: (_sort_key(e.start), e.uid))


def _sort_key(start: date | datetime) -> str:
    return start.isoformat() if isinstance(start, datetime) else f"{start.isoformat()}T00"


def _subject(session: Session, kind: str, ref: str) -> str:
    """The subject's canonical reference; NotFound if it does not exist."""
    if kind == "officer":
        return repo.officer_by_ref(session, ref).ref
    if kind == "supervisor":
        user = repo.user_by_email(session, ref)
        if user.role != Role.SUPERVISOR:
            raise InvalidData(f"{user.email} is a {user.role}, not a supervisor")
        return user.email
    if kind == "batch":
        return repo.batch_by_ref(session, ref).ref
    raise InvalidData(f"unknown calendar kind {kind!r}; kinds: {', '.join(KINDS)}")


def _check_may_subscribe(session: Session, user: User, kind: str, subject: str) -> None:
    role = Role(user.role)
    if role in access.STAFF:
        return
    if kind == "officer" and role == Role.OFFICER:
        # An officer sees only their own record: the same rule as everywhere else.
        access.visible_officer(session, role, user.id, user.email, subject)
        return
    if kind == "supervisor" and role == Role.SUPERVISOR and subject == user.email:
        return
    raise PermissionDenied(
        f"{user.email} ({role}) may not create a calendar feed for {kind} {subject}"
    )


def _supervised(session: Session, supervisor: User) -> list[Officer]:
    """Officers placed with the supervisor, now or before (as access.may_see counts)."""
    return list(
        session.scalars(
            select(Officer)
            .where(
                Officer.id.in_(
                    select(Placement.officer_id).where(Placement.supervisor_id == supervisor.id)
                )
            )
            .order_by(Officer.ref)
        )
    )


def _batch_events(batch: Batch) -> list[FeedEvent]:
    ref = batch.ref
    events = [
        FeedEvent(f"batch-{ref}-start@{DOMAIN}", f"{ref}: programme starts", batch.start_date),
        FeedEvent(f"batch-{ref}-end@{DOMAIN}", f"{ref}: programme ends", batch.end_date),
        FeedEvent(
            f"batch-{ref}-induction@{DOMAIN}", f"{ref}: induction week",
            batch.start_date - timedelta(days=INDUCTION_DAYS),
            end=batch.start_date - timedelta(days=1),
        ),
    ]
    visit = (batch.milestones or {}).get("study_visit")
    if visit:
        day = date.fromisoformat(str(visit)[:10])
        events.append(FeedEvent(f"batch-{ref}-study_visit@{DOMAIN}",
                                f"{ref}: study visit in Japan", day))
    return events


def _officer_events(
    services: Services, session: Session, officer: Officer, timezone: str
) -> list[FeedEvent]:
    definition = workflow_of(services, officer).definition
    labels = {state.name: state.label for state in definition.states}
    events = [
        FeedEvent(
            f"stage-{officer.ref}-{event.id}@{DOMAIN}",
            f"{officer.name} ({officer.ref}): {labels.get(event.to_state, event.to_state)}",
            event.occurred_at, timezone=timezone,
            description=f"Entered {event.to_state} ({event.trigger})",
        )
        for event in repo.audit_events(session, officer)
        if event.trigger != MIGRATE  # a change of definition version is no change of stage
    ]
    for spec in definition.signoffs:
        due = deadline(session, officer.id, spec.name)
        if due is not None:
            events.append(
                FeedEvent(
                    f"signoff-{officer.ref}-{spec.name}@{DOMAIN}",
                    f"{officer.name} ({officer.ref}): {spec.label} due",
                    due, timezone=timezone,
                )
            )
    return events
