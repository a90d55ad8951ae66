"""Graduation certificates: issued on graduation, verified by a public code.

A certificate freezes what it says (``details``) when it is issued, so a reprint years
later is the same document even if the officer's record or a division is renamed. Its
code is 80 random bits from ``secrets`` in Crockford base32 (``K7QH-2M9X-4TRB-ZC0D``):
unguessable, and forgiving to type (case, spaces, hyphens, O/0 and I/L/1 all fold).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lifecycle.audit_triggers import MIGRATE
from lifecycle.definition import WorkflowDefinition
from lifecycle.errors import Conflict, InvalidData, NotFound, TransitionNotAllowed
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import AuditEvent, Certificate, Officer
from lifecycle.roles import COUNTRIES, SECRETARIAT_TIMEZONE, Role
from lifecycle.services import access
from lifecycle.services.context import Services, require_role
from lifecycle.services.facts import workflow_of
from lifecycle.services.state_filters import officers_in_role
from lifecycle.services.validation import clean_text
from lifecycle.state_roles import StateRole

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
CODE_LENGTH = 16  # 16 x 5 bits = 80 bits
GROUP = 4
# Letters people confuse with digits fold onto them, as Crockford's decoding says.
_FOLD = str.maketrans({"O": "0", "I": "1", "L": "1"})
# Longer than any code with generous spacing: such input is refused before any work.
MAX_INPUT = 64


@dataclass(frozen=True)
class CertificateView:
    """A certificate as the adapters show it, detached from the database session."""

    ref: str
    code: str
    graduated_on: date
    details: dict[str, str]
    issued_at: datetime
    revoked_at: datetime | None
    revoked_reason: str | None

    @property
    def status(self) -> str:
        return "revoked" if self.revoked_at is not None else "valid"

    def to_dict(self) -> dict[str, object]:
        return {
            "ref": self.ref,
            "code": self.code,
            "status": self.status,
            "graduated_on": self.graduated_on.isoformat(),
            "issued_at": self.issued_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "revoked_reason": self.revoked_reason,
            "details": dict(self.details),
        }


@dataclass(frozen=True)
class Verification:
    """What the public verification page may say: nothing beyond the certificate's face."""

    code: str
    name: str
    programme: str
    batch: str
    graduated_on: date
    status: str  # valid | revoked

    def to_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "name": self.name,
            "programme": self.programme,
            "batch": self.batch,
            "graduated_on": self.graduated_on.isoformat(),
            "status": self.status,
        }


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return _grouped(raw)


def _grouped(raw: str) -> str:
    return "-".join(raw[i : i + GROUP] for i in range(0, len(raw), GROUP))


def normalise(code: str) -> str | None:
    """The canonical form of a typed code, or None if it cannot be one."""
    if len(code) > MAX_INPUT:
        return None
    raw = "".join(code.split()).replace("-", "").upper().translate(_FOLD)
    if len(raw) != CODE_LENGTH or any(c not in ALPHABET for c in raw):
        return None
    return _grouped(raw)


def issue(
    session: Session, officer: Officer, now: datetime, *, graduated_at: datetime | None = None
) -> Certificate:
    """``officer``'s certificate, made now unless they have one (an officer has at most one).

    Called inside the graduating transaction, so a refused graduation issues nothing.
    """
    existing = session.scalar(select(Certificate).where(Certificate.officer_id == officer.id))
    if existing is not None:
        return existing
    graduated_on = (graduated_at or now).astimezone(ZoneInfo(SECRETARIAT_TIMEZONE)).date()
    certificate = Certificate(
        officer_id=officer.id,
        code=new_code(),
        graduated_on=graduated_on,
        details=_details(session, officer, graduated_on),
        issued_at=now,
    )
    session.add(certificate)
    session.flush()
    return certificate


def _details(session: Session, officer: Officer, graduated_on: date) -> dict[str, str]:
    batch = officer.batch
    placements = repo.placements(session, officer)
    divisions: list[str] = []
    for placement in placements:  # in order; a move back to a division names it once
        if placement.division.name not in divisions:
            divisions.append(placement.division.name)
    last = placements[-1].division if placements else None
    return {
        "ref": officer.ref,
        "name": officer.name,  # exactly as recorded, in whatever script
        "country": officer.country,
        "country_name": COUNTRIES.get(officer.country, officer.country),
        "ministry": officer.ministry,
        "programme": batch.track.title,
        "track": batch.track.slug,
        "batch": batch.ref,
        "batch_number": str(batch.number),
        "batch_start": batch.start_date.isoformat(),
        "batch_end": batch.end_date.isoformat(),
        "funder": batch.funder,
        "graduated_on": graduated_on.isoformat(),
        "division": last.name if last else "",
        "department": last.department.code if last else "",
        "department_name": last.department.name if last else "",
        "divisions": "; ".join(divisions),
    }


def _view(certificate: Certificate) -> CertificateView:
    return CertificateView(
        ref=certificate.officer.ref,
        code=certificate.code,
        graduated_on=certificate.graduated_on,
        details=dict(certificate.details),
        issued_at=certificate.issued_at,
        revoked_at=certificate.revoked_at,
        revoked_reason=certificate.revoked_reason,
    )


def _of(session: Session, officer: Officer) -> Certificate:
    certificate = session.scalar(select(Certificate).where(Certificate.officer_id == officer.id))
    if certificate is None:
        raise NotFound(
            f"{officer.ref} has no graduation certificate (they are {officer.state}; "
            "certificates are issued on graduation)"
        )
    return certificate


def verify(services: Services, code: str) -> Verification:
    """The public facts of the certificate ``code`` names; NotFound, saying nothing else."""
    canonical = normalise(code)
    if canonical is None:
        raise NotFound("no certificate with this code")
    with services.db.reading() as session:
        certificate = session.scalar(select(Certificate).where(Certificate.code == canonical))
        if certificate is None:
            raise NotFound("no certificate with this code")
        details = certificate.details
        return Verification(
            code=certificate.code,
            name=details["name"],
            programme=details["programme"],
            batch=details["batch"],
            graduated_on=certificate.graduated_on,
            status="revoked" if certificate.revoked_at is not None else "valid",
        )


def certificate_for(services: Services, ref: str, *, viewer: str) -> CertificateView:
    """The certificate, if ``viewer`` may see the officer: staff, the officer themself,
    or a supervisor they were placed with; viewers see reports only."""
    with services.db.reading() as session:
        user = repo.user_by_email(session, viewer)
        officer = access.visible_officer(session, Role(user.role), user.id, user.email, ref)
        return _view(_of(session, officer))


def for_printing(services: Services, ref: str, *, viewer: str) -> CertificateView:
    """As ``certificate_for``, but a revoked certificate is not printed again: a fresh
    copy of it would look valid to anyone who does not check the code."""
    view = certificate_for(services, ref, viewer=viewer)
    if view.revoked_at is not None:
        raise TransitionNotAllowed(
            f"{view.ref}'s certificate was revoked on {view.revoked_at:%Y-%m-%d}; a revoked "
            "certificate is not printed"
        )
    return view


def find(services: Services, ref: str) -> CertificateView | None:
    """The certificate of an officer the caller has already been allowed to see."""
    with services.db.reading() as session:
        officer = repo.officer_by_ref(session, ref)
        certificate = session.scalar(
            select(Certificate).where(Certificate.officer_id == officer.id)
        )
        return _view(certificate) if certificate is not None else None


def revoke(services: Services, ref: str, *, reason: str | None, actor: str) -> CertificateView:
    """Mark the certificate revoked: the public page says so from now on."""
    with services.transaction() as session:
        user = repo.user_by_email(session, actor)
        require_role(user, (Role.COORDINATOR,), "revoking a certificate")
        officer = repo.officer_by_ref(session, ref)
        certificate = _of(session, officer)
        text = clean_text(reason)
        if not text:
            raise InvalidData("revoking a certificate needs a reason (--reason TEXT)")
        if certificate.revoked_at is not None:
            raise Conflict(
                f"{officer.ref}'s certificate was already revoked on "
                f"{certificate.revoked_at:%Y-%m-%d}: {certificate.revoked_reason}"
            )
        # Conditional: of two coordinators revoking at once, one wins and the other is
        # told, rather than silently replacing the first one's reason.
        won = session.execute(
            update(Certificate)
            .where(Certificate.id == certificate.id, Certificate.revoked_at.is_(None))
            .values(revoked_at=services.now(), revoked_reason=text)
            .execution_options(synchronize_session=False)
        )
        if won.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(f"{officer.ref}'s certificate was revoked by someone else just now")
        session.refresh(certificate)
        return _view(certificate)


def issue_for(services: Services, ref: str, *, actor: str) -> tuple[CertificateView, bool]:
    """Issue one graduate's missing certificate; (certificate, whether it is new)."""
    with services.transaction() as session:
        user = repo.user_by_email(session, actor)
        require_role(user, (Role.COORDINATOR,), "issuing a certificate")
        officer = repo.officer_by_ref(session, ref)
        definition = workflow_of(services, officer).definition
        graduated = definition.ordered_states_with(StateRole.GRADUATED)
        if officer.state not in graduated:
            raise TransitionNotAllowed(
                f"{officer.ref} is {officer.state}; certificates are for officers who "
                f"graduated ({', '.join(graduated)})"
            )
        had = session.scalar(select(Certificate.id).where(Certificate.officer_id == officer.id))
        certificate = issue(
            session, officer, services.now(),
            graduated_at=_graduated_at(session, officer, definition),
        )
        return _view(certificate), had is None


def issue_missing(services: Services, *, actor: str) -> list[CertificateView]:
    """Certificates for every graduate without one (graduated before they existed)."""
    with services.transaction() as session:
        user = repo.user_by_email(session, actor)
        require_role(user, (Role.COORDINATOR,), "issuing certificates")
        missing = session.scalars(
            select(Officer)
            .where(
                officers_in_role(services, session, StateRole.GRADUATED),
                ~select(Certificate.id).where(Certificate.officer_id == Officer.id).exists(),
            )
            .order_by(Officer.ref)
        ).all()
        return [
            _view(issue(
                session, o, services.now(),
                graduated_at=_graduated_at(session, o, workflow_of(services, o).definition),
            ))
            for o in missing
        ]


def _graduated_at(
    session: Session, officer: Officer, definition: WorkflowDefinition
) -> datetime | None:
    """When the officer graduated, from the audit trail (the latest time)."""
    return session.scalar(
        select(AuditEvent.occurred_at)
        .where(
            AuditEvent.officer_id == officer.id,
            AuditEvent.to_state == definition.the_state(StateRole.GRADUATION),
            AuditEvent.trigger != MIGRATE,  # a migration of a graduate graduates nobody
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
