"""Use cases that set the programme up: definitions, users, divisions, batches, nominations."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecycle.definition import WorkflowDefinition
from lifecycle.definition import checksum as definition_checksum
from lifecycle.errors import ConfigurationError, Conflict, InvalidData
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import (
    Batch,
    BatchQuota,
    DefinitionVersion,
    Department,
    Division,
    Officer,
    Track,
    User,
)
from lifecycle.roles import COUNTRIES, COUNTRY_TIMEZONES, SECRETARIAT_TIMEZONE, Role
from lifecycle.services import validation as check
from lifecycle.services.context import Services, require_role
from lifecycle.services.officers import Outcome
from lifecycle.services.state_filters import officers_in_role
from lifecycle.state_roles import StateRole

DEFAULT_FUNDER = "Japan-ASEAN Integration Fund (JAIF)"
DEPARTMENTS = {
    "APSC": "ASEAN Political-Security Community Department",
    "AEC": "ASEAN Economic Community Department",
    "ASCC": "ASEAN Socio-Cultural Community Department",
}


class DefinitionSource(Protocol):
    """A parsed definition and the exact text it came from (``workflows.DefinitionFile``)."""

    @property
    def source(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def definition(self) -> WorkflowDefinition: ...


def publish_definitions(services: Services, files: Iterable[DefinitionSource]) -> list[str]:
    """Record every new (track, version); a published version may never change."""
    published: list[str] = []
    with services.transaction() as session:
        for code, name in DEPARTMENTS.items():
            if session.scalar(select(Department).where(Department.code == code)) is None:
                session.add(Department(code=code, name=name))
        for source in files:
            spec, checksum = source.definition, definition_checksum(source.text)
            track = session.scalar(select(Track).where(Track.slug == spec.track))
            if track is None:
                track = Track(slug=spec.track, title=spec.title, ref_prefix=spec.ref_prefix)
                session.add(track)
                session.flush()
            elif track.ref_prefix != spec.ref_prefix:
                raise ConfigurationError(
                    f"{source.source}: ref_prefix {spec.ref_prefix!r} differs from the "
                    f"published {track.ref_prefix!r}; officer references cannot change"
                )
            existing = session.scalar(
                select(DefinitionVersion).where(
                    DefinitionVersion.track_id == track.id,
                    DefinitionVersion.version == spec.version,
                )
            )
            if existing is None:
                session.add(
                    DefinitionVersion(
                        track_id=track.id,
                        version=spec.version,
                        checksum=checksum,
                        source_name=source.source,
                        source_text=source.text,
                        published_at=services.now(),
                    )
                )
                track.title = spec.title
                published.append(f"{spec.track} v{spec.version}")
            elif existing.checksum != checksum:
                raise ConfigurationError(
                    f"{source.source}: {spec.track} v{spec.version} was published with other "
                    "content; published versions are frozen: add a new version instead"
                )
    return published


def add_user(
    services: Services,
    *,
    name: str,
    email: str,
    role: str,
    timezone: str | None = None,
    password_hash: str | None = None,
) -> User:
    with services.transaction() as session:
        address = check.email(email)
        if session.scalar(select(User).where(User.email == address)) is not None:
            raise Conflict(f"a user with e-mail {address} already exists")
        user = User(
            name=check.required(name, "name"),
            email=address,
            role=check.role(role).value,
            timezone=check.timezone(timezone or SECRETARIAT_TIMEZONE),
            password_hash=password_hash,
            created_at=services.now(),
        )
        session.add(user)
        return user


def add_division(services: Services, *, name: str, department: str) -> Division:
    with services.transaction() as session:
        dept = session.scalar(select(Department).where(Department.code == department.upper()))
        if dept is None:
            raise InvalidData(f"department {department!r} is not one of {', '.join(DEPARTMENTS)}")
        title = check.required(name, "name")
        if session.scalar(select(Division).where(Division.name == title)) is not None:
            raise Conflict(f"division {title!r} already exists")
        division = Division(name=title, department_id=dept.id)
        session.add(division)
        session.flush()
        return division


EARLIEST_BATCH_DATE = date(1990, 1, 1)
LATEST_BATCH_DATE = date(2199, 12, 31)


def create_batch(
    services: Services,
    *,
    track: str,
    number: int,
    start: date,
    end: date,
    quotas: Mapping[str, int] | None = None,
    optional_stages: Iterable[str] = (),
    funder: str | None = None,
    milestones: Mapping[str, date] | None = None,
) -> str:
    with services.transaction() as session:
        track_row = repo.track_by_slug(session, track)
        definition = services.workflows.get(repo.latest_definition(session, track_row)).definition
        if number < 1:
            raise InvalidData(f"batch number must be 1 or more, not {number}")
        if end <= start:
            raise InvalidData(f"the batch must end after it starts ({start} .. {end})")
        # Reminders are planned weeks before and years after a batch (alumni follow-ups):
        # dates far outside this window are typing mistakes, and overflow the calendar.
        if not (start >= EARLIEST_BATCH_DATE and end <= LATEST_BATCH_DATE):
            raise InvalidData(
                f"batch dates must lie between {EARLIEST_BATCH_DATE} and {LATEST_BATCH_DATE} "
                f"({start} .. {end})"
            )
        stages = list(dict.fromkeys(optional_stages))
        for stage in stages:
            if stage not in definition.optional_states:
                allowed = ", ".join(sorted(definition.optional_states)) or "none"
                raise InvalidData(
                    f"{stage!r} is not an optional stage of {track}; optional stages: {allowed}"
                )
        ref = f"{track_row.ref_prefix}{number}"
        taken = session.scalar(
            select(Batch).where(Batch.track_id == track_row.id, Batch.number == number)
        )
        if taken is not None:
            raise Conflict(f"batch {ref} already exists")
        batch = Batch(
            track_id=track_row.id,
            number=number,
            start_date=start,
            end_date=end,
            funder=check.clean_text(funder) or DEFAULT_FUNDER,
            optional_stages=stages,
            milestones=_milestones(milestones or {}, start, end),
            created_at=services.now(),
        )
        for country, seats in (quotas or {}).items():
            if seats < 0:
                raise InvalidData(f"quota for {country} must be 0 or more, not {seats}")
            batch.quotas.append(BatchQuota(country=check.country(country), seats=seats))
        session.add(batch)
        return ref


def nominate(
    services: Services,
    *,
    batch: str,
    name: str,
    country: str,
    ministry: str,
    email: str,
    actor: str,
    position: str | None = None,
    timezone: str | None = None,
) -> Outcome:
    with services.transaction() as session:
        user = repo.user_by_email(session, actor)
        require_role(user, (Role.COORDINATOR,), "nominating an officer")
        intake = Intake(services, session, repo.batch_by_ref(session, batch))
        nomination = check_nomination(
            name=name, country=country, ministry=ministry, email=email, position=position,
            timezone=timezone,
        )
        clash = intake.clash(nomination.email)
        if clash is not None:
            raise Conflict(clash)
        full = intake.claim_seat(nomination.country)
        if full is not None:
            raise InvalidData(full)
        officer = intake.enrol(nomination)
        return Outcome(
            officer.ref,
            f"nominated {officer.name} as {officer.ref}",
            officer.state,
            officer.version,
        )


@dataclass(frozen=True)
class Nomination:
    """One nomination, checked and cleaned: country as its code, text in Unicode NFC."""

    name: str
    country: str
    ministry: str
    email: str
    position: str | None
    timezone: str


# The officers table's column sizes: longer text must be refused here, not by the database.
NOMINATION_LIMITS = {"name": 200, "ministry": 300, "position": 200}


def check_nomination(
    *,
    name: str | None,
    country: str | None,
    ministry: str | None,
    email: str | None,
    position: str | None = None,
    timezone: str | None = None,
) -> Nomination:
    """Check every field; all faults at once, in ``fields`` by field name.

    Names are normalised to NFC: the same Vietnamese name typed with combining accents
    or precomposed letters is one name (and one search result), in any script.
    """
    faults: dict[str, str] = {}

    def attempt(field: str, value: str | None, checker: Callable[[str], str]) -> str | None:
        try:
            return checker(check.required(value, field))
        except InvalidData as exc:
            faults[field] = exc.message
            return None

    def text(field: str) -> Callable[[str], str]:
        def nfc(value: str) -> str:
            value = unicodedata.normalize("NFC", value)
            if len(value) > NOMINATION_LIMITS[field]:
                raise InvalidData(
                    f"{field} is {len(value)} characters long; at most "
                    f"{NOMINATION_LIMITS[field]} fit"
                )
            return value

        return nfc

    code = attempt("country", country, check.country)
    address = attempt("email", email, check.email)
    clean_name = attempt("name", name, text("name"))
    clean_ministry = attempt("ministry", ministry, text("ministry"))
    clean_position = (
        attempt("position", position, text("position")) if check.clean_text(position) else None
    )
    zone = None
    if code is not None:
        zone = attempt("timezone", timezone or COUNTRY_TIMEZONES[code], check.timezone)
    if faults:
        raise InvalidData("; ".join(faults.values()), fields=faults)
    assert code and address and clean_name and clean_ministry and zone  # all checked above
    return Nomination(clean_name, code, clean_ministry, address, clean_position, zone)


class Intake:
    """A batch taking nominations in one transaction: the same rules for one or a sheet.

    Seats are counted once and then claimed in memory, so a sheet's rows are weighed
    against the quota together with the officers already nominated.
    """

    def __init__(self, services: Services, session: Session, batch: Batch) -> None:
        self.services, self.session, self.batch = services, session, batch
        self._taken: dict[str, int] = {}  # seats per country, officers already nominated
        self._claimed: dict[str, int] = {}  # seats claimed since, by this intake

    def clash(self, address: str) -> str | None:
        """Why ``address`` cannot be nominated (an officer has it already), or None."""
        officer = self.session.scalar(select(Officer).where(Officer.email == address))
        if officer is None:
            return None
        return f"an officer with e-mail {address} already exists: {officer.ref}"

    def claim_seat(self, code: str) -> str | None:
        """Take one of the country's seats, or say why its quota is full (None: taken)."""
        quota = next((q for q in self.batch.quotas if q.country == code), None)
        if quota is None:
            return None
        if code not in self._taken:
            # A declined or withdrawn officer's seat is free again for another nomination.
            holding = officers_in_role(
                self.services, self.session, StateRole.FREES_SEAT, holding=False
            )
            self._taken[code] = repo.seats_taken(self.session, self.batch, code, holding)
        claimed = self._claimed.get(code, 0)
        taken = self._taken[code] + claimed
        if taken >= quota.seats:
            earlier = f" ({claimed} by earlier rows)" if claimed else ""
            return (
                f"batch {self.batch.ref} quota for {code} ({COUNTRIES[code]}) is full: "
                f"{taken} of {quota.seats} seats taken{earlier}"
            )
        self._claimed[code] = claimed + 1
        return None

    def enrol(
        self,
        nomination: Nomination,
        *,
        source: str = "console",
        invitation_id: int | None = None,
    ) -> Officer:
        """Write the officer (checked by the caller) and plan its reminders. ``source``
        says where the nomination came from: "console", "sheet" or "ministry"."""
        published = repo.latest_definition(self.session, self.batch.track)
        definition = self.services.workflows.get(published).definition
        seq = repo.next_seq(self.session, self.batch)
        now = self.services.now()
        officer = Officer(
            ref=f"{self.batch.ref}-{seq:02d}",
            batch_id=self.batch.id,
            seq=seq,
            definition_id=published.id,
            name=nomination.name,
            country=nomination.country,
            ministry=nomination.ministry,
            position=nomination.position,
            email=nomination.email,
            timezone=nomination.timezone,
            state=definition.initial,
            state_since=now,
            nominated_at=now,
            updated_at=now,
            source=source,
            invitation_id=invitation_id,
        )
        self.session.add(officer)
        self.session.flush()
        self.services.officer_changed(self.session, officer)
        return officer


def _milestones(milestones: Mapping[str, date], start: date, end: date) -> dict[str, str]:
    for name, day in milestones.items():
        if not name.replace("_", "").isalnum():
            raise InvalidData(f"milestone name {name!r} must be letters, digits and _")
        if not start <= day <= end:
            raise InvalidData(f"milestone {name} {day} is outside the batch ({start} .. {end})")
    return {name: day.isoformat() for name, day in sorted(milestones.items())}


def set_milestone(services: Services, batch: str, name: str, day: date, *, actor: str) -> str:
    """Set a batch date (e.g. the study visit) and re-plan every officer's reminders."""
    with services.transaction() as session:
        user = repo.user_by_email(session, actor)
        require_role(user, (Role.COORDINATOR,), "setting batch dates")
        target = repo.batch_by_ref(session, batch)
        target.milestones = {
            **target.milestones,
            **_milestones({name: day}, target.start_date, target.end_date),
        }
        session.flush()
        # One call for the whole batch: the planner reads and writes every officer's
        # reminders in a few statements instead of a few per officer.
        services.officers_changed(session, list(repo.officers(session, target)))
        return f"{target.ref}: {name} is {day.isoformat()}"
