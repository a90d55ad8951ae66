"""E-nomination: a home ministry's focal point nominates in Attache and hears back.

A coordinator invites a focal point for one batch and one country; the invitation is a
signed link (``lifecycle.signed_tokens``, purpose INVITATION) and the focal point needs
no account. Through it they see their country's nominations for the batch, with their
states and the reasons for declines, and nominate more while the country's quota allows
(a declined nominee's seat is free again), with the same checks as the spreadsheet
import (``setup.check_nomination``, ``setup.Intake``). Nothing of other countries shows.

The focal point hears back by e-mail: an acknowledgement for each nomination, and the
decision when the Secretariat accepts or declines it (``nomination_notices``). Both go
through the reminders outbox, so they are sent exactly once, retried, and have a
Message-ID.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecycle import signed_tokens
from lifecycle.audit_triggers import MIGRATE
from lifecycle.document_types import check_size, media_type_of
from lifecycle.errors import Conflict, Expired, InvalidData, NotFound, PermissionDenied
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import AuditEvent, Document, NominationInvitation, Officer
from lifecycle.registry import WorkflowRegistry
from lifecycle.roles import COUNTRIES, COUNTRY_TIMEZONES, Role
from lifecycle.services import validation as check
from lifecycle.services.context import Services, require_role
from lifecycle.services.documents import CV_ITEM, is_referenced
from lifecycle.services.facts import workflow_of
from lifecycle.services.instance_secrets import INVITATIONS, existing_secret, instance_secret
from lifecycle.services.nomination_notices import RECEIVED, queue_notice
from lifecycle.services.officers import Outcome
from lifecycle.services.setup import Intake, check_nomination
from lifecycle.state_roles import StateRole

INVITATION_PATH = "/nominate/"
PURPOSE = signed_tokens.Purpose.INVITATION
DEFAULT_DAYS = 60
SOURCES = ("console", "sheet", "ministry")
INVALID = (
    "this invitation link is not valid: check that the whole link was copied, or ask the "
    "ASEAN Secretariat for a new one"
)
CV_TYPES = ("pdf", "docx")
CV_MAX_BYTES = 5 * 1024 * 1024



@dataclass(frozen=True)
class Invited:
    link: str  # shown once: it is the focal point's credential
    expires_at: datetime
    message: str


@dataclass(frozen=True)
class NominationRow:
    ref: str
    name: str
    position: str | None
    email: str
    state: str
    state_label: str
    decision: Literal["accepted", "declined"] | None  # None while waiting
    reason: str | None  # the decline's reason, as the coordinator wrote it
    nominated_at: datetime


@dataclass(frozen=True)
class MinistryPage:
    batch_ref: str
    track_title: str
    country: str
    country_name: str
    focal_point: str
    seats: int | None  # None: the batch sets no quota for the country
    seats_taken: int
    expires_at: datetime
    nominations: tuple[NominationRow, ...]

    @property
    def seats_left(self) -> int | None:
        return None if self.seats is None else max(self.seats - self.seats_taken, 0)


def invite(
    services: Services,
    *,
    batch: str,
    country: str,
    email: str,
    actor: str,
    base_url: str,
    name: str | None = None,
    days: int = DEFAULT_DAYS,
) -> Invited:
    """Invite ``email`` to nominate for ``batch`` and ``country``; inviting the same
    person again makes a new link and kills the earlier one."""
    now = services.now()
    if not 1 <= days <= 366:
        raise InvalidData(f"an invitation lasts 1 to 366 days, not {days}")
    with services.transaction() as session:
        user = repo.user_by_email(session, actor)
        require_role(user, (Role.COORDINATOR,), "inviting a ministry to nominate")
        target = repo.batch_by_ref(session, batch)
        code = check.country(country)
        address = check.email(email)
        if target.quotas and all(q.country != code for q in target.quotas):
            having = ", ".join(q.country for q in target.quotas)
            raise InvalidData(
                f"batch {target.ref} has no seats for {code} ({COUNTRIES[code]}); it has "
                f"seats for {having}"
            )
        row = session.scalar(
            select(NominationInvitation).where(
                NominationInvitation.batch_id == target.id,
                NominationInvitation.country == code,
                NominationInvitation.email == address,
            )
        )
        if row is None:
            row = NominationInvitation(
                batch_id=target.id, country=code, email=address, created_at=now
            )
            session.add(row)
        row.name = check.clean_text(name) or row.name
        row.nonce = secrets.token_urlsafe(24)
        row.created_by_id = user.id
        row.expires_at = now + timedelta(days=days)
        row.revoked_at = None
        session.flush()
        secret = instance_secret(session, INVITATIONS, now)
        claim = signed_tokens.Claim(row.id, row.nonce, row.expires_at)
        link = base_url.rstrip("/") + INVITATION_PATH + signed_tokens.sign(secret, PURPOSE, claim)
        return Invited(
            link,
            row.expires_at,
            f"invited {address} to nominate for {target.ref}, {COUNTRIES[code]}; the link "
            f"works until {row.expires_at:%Y-%m-%d}",
        )


def revoke(services: Services, *, batch: str, country: str, email: str, actor: str) -> str:
    with services.transaction() as session:
        require_role(repo.user_by_email(session, actor), (Role.COORDINATOR,),
                     "revoking an invitation")
        target = repo.batch_by_ref(session, batch)
        row = session.scalar(
            select(NominationInvitation).where(
                NominationInvitation.batch_id == target.id,
                NominationInvitation.country == check.country(country),
                NominationInvitation.email == check.email(email),
            )
        )
        if row is None:
            raise NotFound(f"no invitation of {email} for {target.ref}, {country}")
        row.revoked_at = services.now()
        return f"the invitation of {row.email} for {target.ref} no longer works"


def ministry_page(services: Services, token: str) -> MinistryPage:
    """What the focal point sees: their country's nominations for the batch."""
    with services.db.reading() as session:
        invitation = _live(session, token, services.now())
        return _page(services, session, invitation)


def submit(
    services: Services,
    token: str,
    *,
    name: str | None,
    ministry: str | None,
    email: str | None,
    position: str | None = None,
    country: str | None = None,
    batch: str | None = None,
    cv: tuple[str, bytes] | None = None,
) -> Outcome:
    """Nominate one officer through the invitation: the import's checks, the country's
    quota, the CV if one is sent (``(filename, content)``; a PDF or Word file of at most
    5 MB, judged by its content), and an acknowledgement to the focal point, all in one
    transaction; a CV stored for a nomination that then fails is deleted again."""
    created: list[str] = []
    try:
        return _submit(services, token, name, ministry, email, position, country, batch, cv,
                       created)
    except BaseException:
        for key in created:
            if not is_referenced(services, key):
                services.documents.delete(key)
        raise


def _submit(
    services: Services, token: str, name: str | None, ministry: str | None,
    email: str | None, position: str | None, country: str | None, batch: str | None,
    cv: tuple[str, bytes] | None, created: list[str],
) -> Outcome:
    now = services.now()
    with services.transaction() as session:
        invitation = _live(session, token, now)
        target = invitation.batch
        where = f"{target.ref}, {COUNTRIES[invitation.country]} ({invitation.country})"
        if batch is not None and batch.strip().upper() != target.ref.upper():
            raise PermissionDenied(
                f"this invitation is for {where}; nominating for {batch} needs an invitation "
                "for that batch"
            )
        if country is not None and country.strip().upper() != invitation.country:
            raise PermissionDenied(
                f"this invitation is for {where}; nominations for another country come "
                "from that country's own focal point"
            )
        nomination = check_nomination(
            name=name, country=invitation.country, ministry=ministry, email=email,
            position=position, timezone=COUNTRY_TIMEZONES[invitation.country],
        )
        intake = Intake(services, session, target)
        clash = intake.clash(nomination.email)
        if clash is not None:
            raise Conflict(clash)
        full = intake.claim_seat(nomination.country)
        if full is not None:
            raise InvalidData(full)
        if cv is not None:
            filename, content = cv
            check_size(len(content), CV_MAX_BYTES, f"the CV '{filename}'")
            media_type = media_type_of(content, CV_TYPES, f"the CV '{filename}'")
        officer = intake.enrol(nomination, source="ministry", invitation_id=invitation.id)
        if cv is not None:
            key, is_new = services.documents.put(content)
            if is_new:
                created.append(key)
            session.add(Document(
                officer_id=officer.id, item_key=CV_ITEM, sha256=key, size_bytes=len(content),
                media_type=media_type, filename=filename[:255], uploaded_by_id=None,
                uploaded_at=now,
            ))
        queue_notice(session, invitation, officer, RECEIVED, now)
        return Outcome(
            officer.ref,
            f"nominated {officer.name} as {officer.ref}; the ASEAN Secretariat will "
            f"decide and write to {invitation.email}",
            officer.state,
            officer.version,
        )


def invitation_link(session: Session, invitation: NominationInvitation, base_url: str) -> str:
    """The focal point's current link (for the notices, which point back to the page)."""
    secret = existing_secret(session, INVITATIONS) or ""
    claim = signed_tokens.Claim(invitation.id, invitation.nonce, invitation.expires_at)
    return base_url.rstrip("/") + INVITATION_PATH + signed_tokens.sign(secret, PURPOSE, claim)


def decision_of(
    session: Session, workflows: WorkflowRegistry, officer: Officer
) -> tuple[Literal["accepted", "declined"] | None, str | None]:
    """("accepted" | "declined" | None, the reason given) for a nomination."""
    definition = workflows.get(officer.definition).definition
    decided = session.scalar(
        select(AuditEvent)
        .where(
            AuditEvent.officer_id == officer.id,
            AuditEvent.from_state == definition.initial,
            AuditEvent.trigger != MIGRATE,  # a nomination migrated is still undecided
        )
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    )
    if decided is None:
        return None, None
    if definition.has_role(decided.to_state, StateRole.DECLINED):
        return "declined", decided.reason
    return "accepted", decided.reason


def _live(session: Session, token: str, now: datetime) -> NominationInvitation:
    try:
        claim = signed_tokens.read(existing_secret(session, INVITATIONS) or "", PURPOSE, token)
    except signed_tokens.InvalidToken:
        raise NotFound(INVALID) from None
    invitation = session.get(NominationInvitation, claim.row_id)
    if invitation is None:
        raise NotFound(INVALID)
    zone = ZoneInfo(COUNTRY_TIMEZONES[invitation.country])
    if not hmac.compare_digest(invitation.nonce, claim.nonce):
        raise Expired(
            "this invitation link was replaced by a newer one; use the link in the latest "
            "invitation from the ASEAN Secretariat"
        )
    if invitation.revoked_at is not None:
        raise Expired(
            f"this invitation was withdrawn on {invitation.revoked_at.astimezone(zone):%d %B %Y}; "
            "ask the ASEAN Secretariat if you still need to nominate"
        )
    if invitation.expires_at <= now:
        raise Expired(
            f"this invitation ran out on {invitation.expires_at.astimezone(zone):%d %B %Y}; "
            "ask the ASEAN Secretariat for a new one"
        )
    return invitation


def _page(services: Services, session: Session, invitation: NominationInvitation) -> MinistryPage:
    batch = invitation.batch
    quota = next((q.seats for q in batch.quotas if q.country == invitation.country), None)
    officers = session.scalars(
        select(Officer)
        .where(Officer.batch_id == batch.id, Officer.country == invitation.country)
        .order_by(Officer.seq)
    ).all()
    rows = []
    taken = 0
    for officer in officers:
        definition = workflow_of(services, officer).definition
        if not definition.has_role(officer.state, StateRole.FREES_SEAT):
            taken += 1
        decision, reason = decision_of(session, services.workflows, officer)
        rows.append(NominationRow(
            officer.ref, officer.name, officer.position, officer.email, officer.state,
            definition.state(officer.state).label, decision,
            reason if decision == "declined" else None, officer.nominated_at,
        ))
    return MinistryPage(
        batch.ref, batch.track.title, invitation.country, COUNTRIES[invitation.country],
        invitation.email, quota, taken, invitation.expires_at, tuple(rows),
    )
