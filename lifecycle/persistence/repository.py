"""Look-ups by the names users type: officer refs and e-mails, batch refs, divisions."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defaultload
from sqlalchemy.orm.attributes import flag_modified

from lifecycle.errors import NotFound
from lifecycle.persistence.tables import (
    AlumniSurvey,
    AuditEvent,
    Batch,
    ChecklistTick,
    DefinitionVersion,
    Division,
    Officer,
    Placement,
    Signoff,
    Track,
    User,
)

BATCH_REF = re.compile(r"^(?P<prefix>[A-Za-z]{1,4})(?P<number>\d+)$")


def user_by_email(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"no user with e-mail {email!r}")
    return user


def officer_by_ref(session: Session, ref_or_email: str) -> Officer:
    key = ref_or_email.strip()
    column = Officer.email if "@" in key else Officer.ref
    query = select(Officer).where(column == (key.lower() if "@" in key else key.upper()))
    # The batch comes joined; its quotas (eagerly loaded with every batch, for listings)
    # are only wanted when nominating: load them on access instead of with every officer.
    officer = session.scalar(query.options(defaultload(Officer.batch).lazyload(Batch.quotas)))
    if officer is None:
        raise NotFound(f"no officer {key!r}: name an officer by reference (e.g. JD17-03) or e-mail")
    return officer


def track_by_slug(session: Session, slug: str) -> Track:
    track = session.scalar(select(Track).where(Track.slug == slug))
    if track is None:
        known = ", ".join(session.scalars(select(Track.slug).order_by(Track.slug)))
        raise NotFound(f"no track {slug!r}; tracks: {known or 'none (run attache init)'}")
    return track


MAX_BATCH_NUMBER = 2**31 - 1


def batch_by_ref(session: Session, ref: str) -> Batch:
    match = BATCH_REF.match(ref.strip())
    batch = None
    # A number no INTEGER column can hold names no batch (and must not reach the driver).
    if match and int(match["number"]) <= MAX_BATCH_NUMBER:
        batch = session.scalar(
            select(Batch)
            .join(Track)
            .where(
                Track.ref_prefix == match["prefix"].upper(),
                Batch.number == int(match["number"]),
            )
        )
    if batch is None:
        known = ", ".join(b.ref for b in all_batches(session))
        raise NotFound(f"no batch {ref!r}; batches: {known or 'none yet'}")
    return batch


def all_batches(session: Session) -> list[Batch]:
    return list(session.scalars(select(Batch).join(Track).order_by(Track.slug, Batch.number)))


def division_by_name(session: Session, name: str) -> Division:
    division = session.scalar(
        select(Division).where(func.lower(Division.name) == name.strip().lower())
    )
    if division is None:
        known = "; ".join(session.scalars(select(Division.name).order_by(Division.name)))
        raise NotFound(f"no division {name!r}; divisions: {known or 'none yet'}")
    return division


def latest_definition(session: Session, track: Track) -> DefinitionVersion:
    definition = session.scalar(
        select(DefinitionVersion)
        .where(DefinitionVersion.track_id == track.id)
        .order_by(DefinitionVersion.version.desc())
        .limit(1)
    )
    if definition is None:
        raise NotFound(f"track {track.slug!r} has no published definition: run attache init")
    return definition


def open_placement(session: Session, officer: Officer) -> Placement | None:
    return session.scalar(
        select(Placement).where(Placement.officer_id == officer.id, Placement.ended_at.is_(None))
    )


def placements(session: Session, officer: Officer) -> list[Placement]:
    return list(
        session.scalars(
            select(Placement).where(Placement.officer_id == officer.id).order_by(Placement.id)
        )
    )


def ticks(session: Session, officer: Officer) -> list[ChecklistTick]:
    return list(
        session.scalars(
            select(ChecklistTick)
            .where(ChecklistTick.officer_id == officer.id)
            .order_by(ChecklistTick.id)
        )
    )


def signoffs(session: Session, officer: Officer) -> list[Signoff]:
    return list(
        session.scalars(
            select(Signoff).where(Signoff.officer_id == officer.id).order_by(Signoff.id)
        )
    )


def audit_events(session: Session, officer: Officer) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.officer_id == officer.id).order_by(AuditEvent.id)
        )
    )


def answered_survey_rounds(session: Session, officer: Officer) -> frozenset[int]:
    """The follow-up survey rounds (in months after graduation) the officer answered."""
    return frozenset(
        session.scalars(
            select(AlumniSurvey.round_months).where(
                AlumniSurvey.officer_id == officer.id, AlumniSurvey.answered_at.is_not(None)
            )
        )
    )


def officers(
    session: Session, batch: Batch | None = None, state: str | None = None
) -> list[Officer]:
    query = select(Officer).order_by(Officer.batch_id, Officer.seq)
    if batch is not None:
        query = query.where(Officer.batch_id == batch.id)
    if state is not None:
        query = query.where(Officer.state == state)
    return list(session.scalars(query))


def seats_taken(session: Session, batch: Batch, country: str, not_in: tuple[str, ...]) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Officer)
            .where(
                Officer.batch_id == batch.id,
                Officer.country == country,
                Officer.state.not_in(not_in),
            )
        )
        or 0
    )


def next_seq(session: Session, batch: Batch) -> int:
    current = session.scalar(select(func.max(Officer.seq)).where(Officer.batch_id == batch.id))
    return (current or 0) + 1


def touch(officer: Officer, now: datetime) -> None:
    """Force an UPDATE (and so a version bump) even if ``updated_at`` already equals now.

    Two changes within one clock tick would otherwise leave the version as it was, and a
    writer holding the older version would not be refused.
    """
    officer.updated_at = now
    flag_modified(officer, "updated_at")
