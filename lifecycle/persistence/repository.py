"""Look-ups by the names users type: officer refs and e-mails, batch refs, divisions."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    SQLColumnExpression,
    String,
    Table,
    any_,
    bindparam,
    func,
    literal_column,
    null,
    select,
    tuple_,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import InstrumentedAttribute, Session, contains_eager, defaultload, lazyload
from sqlalchemy.orm.attributes import flag_modified, set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from lifecycle.attention import NOTHING, Attention
from lifecycle.audit_triggers import MIGRATE
from lifecycle.errors import NotFound
from lifecycle.persistence.tables import (
    AlumniSurvey,
    AuditEvent,
    Batch,
    ChecklistTick,
    DeadlineExtension,
    DefinitionVersion,
    Division,
    Document,
    Officer,
    OfficerAttention,
    Placement,
    Signoff,
    SignoffAssignment,
    SupervisorAbsence,
    Track,
    User,
)
from lifecycle.roles import Role

BATCH_REF = re.compile(r"^(?P<prefix>[A-Za-z]{1,4})(?P<number>\d+)$")


# Look-ups every use case starts with, built once: building a statement (the eager
# loads' options above all) cost more CPU than SQLAlchemy's cached compile and the query.
_USER_BY_EMAIL = select(User).where(User.email == bindparam("key"))


# The batch comes joined; its quotas (eagerly loaded with every batch, for listings)
# are only wanted when nominating: load them on access instead of with every officer.
# The definition's source text (kilobytes of YAML) is read only when the process
# first compiles that definition (WorkflowRegistry), not with every officer.
OFFICER_LOADING = (
    defaultload(Officer.batch).lazyload(Batch.quotas),
    defaultload(Officer.definition).defer(DefinitionVersion.source_text),
)


def _officer_by(column: InstrumentedAttribute[str]) -> Select[Officer]:
    return select(Officer).where(column == bindparam("key")).options(*OFFICER_LOADING)


_OFFICER_BY_REF, _OFFICER_BY_EMAIL = _officer_by(Officer.ref), _officer_by(Officer.email)
# The track comes from the join the ref needs (not joined a second time); the quotas,
# which only nominating reads, on access instead of by a second query every time.
_BATCH_BY_REF = (
    select(Batch)
    .join(Batch.track)
    .options(contains_eager(Batch.track), lazyload(Batch.quotas))
    .where(Track.ref_prefix == bindparam("prefix"), Batch.number == bindparam("number"))
)


def user_by_email(session: Session, email: str) -> User:
    user = session.scalar(_USER_BY_EMAIL, {"key": email.strip().lower()})
    if user is None:
        raise NotFound(f"no user with e-mail {email!r}")
    return user


def officer_by_ref(session: Session, ref_or_email: str) -> Officer:
    key = ref_or_email.strip()
    if "@" in key:
        officer = session.scalar(_OFFICER_BY_EMAIL, {"key": key.lower()})
    else:
        officer = session.scalar(_OFFICER_BY_REF, {"key": key.upper()})
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
            _BATCH_BY_REF, {"prefix": match["prefix"].upper(), "number": int(match["number"])}
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


def ticked_items(session: Session, officer_ids: Sequence[int]) -> dict[int, set[str]]:
    """The ticked item keys of many officers, by officer id (in chunks of ROWS_CHUNK)."""
    found: dict[int, set[str]] = {}
    for chunk in id_chunks(officer_ids):
        for officer_id, key in session.execute(
            select(ChecklistTick.officer_id, ChecklistTick.item_key)
            .where(ChecklistTick.officer_id.in_(chunk))
        ):
            found.setdefault(officer_id, set()).add(key)
    return found


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


class SignoffRow(NamedTuple):
    decision: str
    signer: str  # the signer's name
    comment: str | None


class Contact(NamedTuple):
    name: str
    email: str
    timezone: str


class Cover(NamedTuple):
    """A substitute standing in for the officer's supervisor from one date to another
    (both included)."""

    starts_on: date
    ends_on: date
    substitute: Contact


class Transition(NamedTuple):
    from_state: str
    to_state: str
    occurred_at: datetime
    # A migration to another definition version: no move, the stay goes on (see
    # lifecycle.audit_triggers).
    migrated: bool = False


@dataclass
class OfficerRows:
    """What the guards and the reminder rules read of one officer besides its own row."""

    ticked: set[str] = field(default_factory=set)
    signoffs: dict[str, SignoffRow] = field(default_factory=dict)  # the latest per name
    supervisor: Contact | None = None  # of the open placement; None when not placed
    placed: bool = False
    transitions: list[Transition] = field(default_factory=list)  # in order
    deadlines: dict[str, date] = field(default_factory=dict)  # agreed dates: the latest wins
    expiries: dict[str, date] = field(default_factory=dict)  # current documents' expiry dates
    # Who stands in for the supervisor: the absences' substitutes (not cancelled), and
    # the assignee of each sign-off a coordinator reassigned (the latest per name).
    covers: list[Cover] = field(default_factory=list)
    assigned: dict[str, Contact] = field(default_factory=dict)
    # What the planner last stored of what the officer waits on (lifecycle.attention),
    # so a re-plan writes officer_attention only when that changed.
    waits: Attention = NOTHING

    def signing_contact(self, signoff: str | None, day: date) -> Contact | None:
        """Who is asked for ``signoff`` (None: anything of the supervisor's) on ``day``:
        its assignee, else a substitute covering that day, else the supervisor."""
        if signoff is not None and signoff in self.assigned:
            return self.assigned[signoff]
        for cover in self.covers:
            if cover.starts_on <= day <= cover.ends_on:
                return cover.substitute
        return self.supervisor


# Parts of the one query officer_rows sends, in the order its rows come back.
(
    _TRANSITION, _TICK, _SIGNOFF, _PLACEMENT, _DEADLINE, _EXPIRY, _COVER, _ASSIGNED, _WAITS,
) = range(9)
ROWS_CHUNK = 500  # officer ids per IN list: well inside every driver's parameter limit


def id_chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    """``ids`` in slices of ROWS_CHUNK, one IN list each."""
    for start in range(0, len(ids), ROWS_CHUNK):
        yield ids[start:start + ROWS_CHUNK]


def officer_rows(session: Session, officer_ids: Collection[int]) -> dict[int, OfficerRows]:
    """The transitions, ticks, latest sign-offs and open placement of each officer.

    One UNION ALL query per ROWS_CHUNK officers instead of one query per table and
    officer: an advance reads all of it, and planning a batch's reminders reads it for
    every officer of the batch.
    """
    found = {officer_id: OfficerRows() for officer_id in officer_ids}
    ids = list(found)
    for start in range(0, len(ids), ROWS_CHUNK):
        chunk = ids[start : start + ROWS_CHUNK]
        # On the session's connection: a plain read, no ORM object, no autoflush (the
        # caller flushes: lifecycle.services.facts does).
        connection = session.connection()
        if len(chunk) == 1:
            found_rows = connection.execute(_ONE_OFFICER_ROWS, {"id": chunk[0]})
        elif connection.dialect.name == "postgresql":
            found_rows = connection.execute(_OFFICERS_ROWS_ARRAY, {"ids": chunk})
        else:
            found_rows = connection.execute(_OFFICERS_ROWS, {"ids": chunk})
        for part, _, officer_id, a, b, c, d, at in found_rows:
            rows = found[officer_id]
            if part == _TRANSITION:
                rows.transitions.append(Transition(a, b, at, c == MIGRATE))
            elif part == _TICK:
                rows.ticked.add(a)
            elif part == _SIGNOFF:
                rows.signoffs[a] = SignoffRow(b, d, c)  # ordered by id: the latest wins
            elif part in (_DEADLINE, _EXPIRY):
                day = b if isinstance(b, date) else date.fromisoformat(str(b)[:10])
                (rows.deadlines if part == _DEADLINE else rows.expiries)[a] = day
            elif part == _COVER:
                starts, ends = str(d).split("/")
                cover = Cover(_day(starts), _day(ends), Contact(a, b, c))
                rows.covers.append(cover)
            elif part == _ASSIGNED:
                rows.assigned[d] = Contact(a, b, c)  # ordered by id: the latest wins
            elif part == _WAITS:
                rows.waits = Attention.from_json(json.loads(a))
            else:
                rows.placed = True
                rows.supervisor = Contact(a, b, c)
    return found


def _day(text: str) -> date:
    return date.fromisoformat(text[:10])


def _rows_query(many: bool, array: bool = False) -> CompoundSelect[Any]:
    """Built once (see below): building it per call cost more than running it. With
    ``array`` (PostgreSQL), the ids are one array parameter, ``= ANY(:ids)``: the
    statement's text is then the same for any number of officers, and SQLAlchemy
    need not expand and render one parameter per id in each of its nine parts (180
    for a batch) on every call."""

    def of(column: SQLColumnExpression[int]) -> ColumnElement[bool]:
        if array:
            return column == any_(bindparam("ids", type_=ARRAY(Integer)))
        return column.in_(bindparam("ids", expanding=True)) if many else column == bindparam("id")

    def part(n: int) -> ColumnElement[int]:
        return literal_column(str(n)).label("part")

    text = type_coerce(null(), String)
    supervisor = User.__table__.alias("supervisor")
    signer = User.__table__.alias("signer")
    substitute = User.__table__.alias("substitute")
    assignee = User.__table__.alias("assignee")
    query = union_all(
        # First: its column types are the union's (the instant's UTC handling).
        select(
            part(_TRANSITION), AuditEvent.id, AuditEvent.officer_id, AuditEvent.from_state,
            AuditEvent.to_state, AuditEvent.trigger, text, AuditEvent.occurred_at,
        ).where(of(AuditEvent.officer_id)),
        select(
            part(_TICK), ChecklistTick.id, ChecklistTick.officer_id, ChecklistTick.item_key,
            text, text, text, null(),
        ).where(of(ChecklistTick.officer_id)),
        select(
            part(_SIGNOFF), Signoff.id, Signoff.officer_id, Signoff.name, Signoff.decision,
            Signoff.comment, signer.c.name, null(),
        )
        .join(signer, signer.c.id == Signoff.signer_id)
        .where(of(Signoff.officer_id)),
        select(
            part(_PLACEMENT), Placement.id, Placement.officer_id, supervisor.c.name,
            supervisor.c.email, supervisor.c.timezone, text, null(),
        )
        .join(supervisor, supervisor.c.id == Placement.supervisor_id)
        .where(of(Placement.officer_id), Placement.ended_at.is_(None)),
        select(
            part(_DEADLINE), DeadlineExtension.id, DeadlineExtension.officer_id,
            DeadlineExtension.subject, sql_cast(DeadlineExtension.due_on, String), text, text,
            null(),
        ).where(of(DeadlineExtension.officer_id)),
        select(
            part(_EXPIRY), Document.id, Document.officer_id, Document.item_key,
            sql_cast(Document.expires_on, String), text, text, null(),
        ).where(
            of(Document.officer_id), Document.replaced_at.is_(None),
            Document.expires_on.is_not(None),
        ),
        # The open placement's supervisor's absences; the window as "start/end".
        select(
            part(_COVER), SupervisorAbsence.id, Placement.officer_id, substitute.c.name,
            substitute.c.email, substitute.c.timezone,
            sql_cast(SupervisorAbsence.starts_on, String) + "/"
            + sql_cast(SupervisorAbsence.ends_on, String),
            null(),
        )
        .join(Placement, Placement.supervisor_id == SupervisorAbsence.supervisor_id)
        .join(substitute, substitute.c.id == SupervisorAbsence.substitute_id)
        .where(
            of(Placement.officer_id), Placement.ended_at.is_(None),
            SupervisorAbsence.cancelled_at.is_(None),
        ),
        select(
            part(_ASSIGNED), SignoffAssignment.id, SignoffAssignment.officer_id,
            assignee.c.name, assignee.c.email, assignee.c.timezone, SignoffAssignment.name,
            null(),
        )
        .join(Placement, Placement.id == SignoffAssignment.placement_id)
        .join(assignee, assignee.c.id == SignoffAssignment.assignee_id)
        .where(of(SignoffAssignment.officer_id), Placement.ended_at.is_(None)),
        select(
            part(_WAITS), OfficerAttention.officer_id, OfficerAttention.officer_id,
            sql_cast(OfficerAttention.waits_on, String), text, text, text, null(),
        ).where(of(OfficerAttention.officer_id)),
    )  # fmt: skip
    return query.order_by(query.selected_columns.part, query.selected_columns.id)


_ONE_OFFICER_ROWS, _OFFICERS_ROWS = _rows_query(many=False), _rows_query(many=True)
_OFFICERS_ROWS_ARRAY = _rows_query(many=True, array=True)


_COORDINATORS = (
    select(User.name, User.email, User.timezone)
    .where(User.role == Role.COORDINATOR)
    .order_by(User.id)
)


def coordinators(session: Session) -> list[Contact]:
    # Plain columns on the session's connection: the ORM layer cost more than the query.
    return [Contact(*row) for row in session.connection().execute(_COORDINATORS)]


def answered_survey_rounds_of(
    session: Session, officer_ids: Collection[int]
) -> dict[int, frozenset[int]]:
    """``answered_survey_rounds`` of many officers (those with none are left out)."""
    found: dict[int, set[int]] = {}
    ids = list(officer_ids)
    for start in range(0, len(ids), ROWS_CHUNK):
        query = select(AlumniSurvey.officer_id, AlumniSurvey.round_months).where(
            AlumniSurvey.officer_id.in_(ids[start : start + ROWS_CHUNK]),
            AlumniSurvey.answered_at.is_not(None),
        )
        for officer_id, months in session.execute(query):
            found.setdefault(officer_id, set()).add(months)
    return {officer_id: frozenset(months) for officer_id, months in found.items()}


def officers_by_id(session: Session, officer_ids: Collection[int]) -> list[Officer]:
    """The officers with these ids (with their batch, track and definition), in one
    query per ROWS_CHUNK: ``session.get`` finds them in the identity map afterwards."""
    ids = list(officer_ids)
    found: list[Officer] = []
    for start in range(0, len(ids), ROWS_CHUNK):
        query = (
            select(Officer)
            .options(*OFFICER_LOADING)
            .where(Officer.id.in_(ids[start : start + ROWS_CHUNK]))
        )
        found += session.scalars(query)
    return found


def officers(
    session: Session, batch: Batch | None = None, state: str | None = None
) -> list[Officer]:
    query = select(Officer).options(*OFFICER_LOADING).order_by(Officer.batch_id, Officer.seq)
    if batch is not None:
        query = query.where(Officer.batch_id == batch.id)
    if state is not None:
        query = query.where(Officer.state == state)
    return list(session.scalars(query))


def officers_on(
    session: Session, definition: DefinitionVersion, batch: Batch | None = None
) -> list[Officer]:
    """The officers running on one published definition (of one batch, if given)."""
    query = (
        select(Officer)
        .options(*OFFICER_LOADING)
        .where(Officer.definition_id == definition.id)
        .order_by(Officer.batch_id, Officer.seq)
    )
    if batch is not None:
        query = query.where(Officer.batch_id == batch.id)
    return list(session.scalars(query))


def definition_version(session: Session, track: Track, version: int) -> DefinitionVersion:
    found = session.scalar(
        select(DefinitionVersion).where(
            DefinitionVersion.track_id == track.id, DefinitionVersion.version == version
        )
    )
    if found is None:
        published = session.scalars(
            select(DefinitionVersion.version)
            .where(DefinitionVersion.track_id == track.id)
            .order_by(DefinitionVersion.version)
        )
        listing = ", ".join(f"v{n}" for n in published) or "none"
        raise NotFound(
            f"{track.slug} has no published version {version} (published: {listing}); "
            "publish a new version with attache init --workflows DIR"
        )
    return found


def seats_taken(
    session: Session, batch: Batch, country: str, holding: ColumnElement[bool]
) -> int:
    """The batch's officers from ``country`` for whom ``holding`` is true."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Officer)
            .where(Officer.batch_id == batch.id, Officer.country == country, holding)
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


_OFFICERS = cast(Table, Officer.__table__)
# One statement for every officer of a batch, each row's version checked: a pair
# (id, version) per officer in one IN list (as VALUES on SQLite). An executemany was one
# UPDATE per officer for the server to parse, plan and run (20 per batch re-plan, bench
# 4a), pipelined on PostgreSQL but still a statement each.
_BUMP = (
    update(_OFFICERS)
    .where(tuple_(_OFFICERS.c.id, _OFFICERS.c.version).in_(bindparam("seen", expanding=True)))
    .values(version=_OFFICERS.c.version + 1, updated_at=bindparam("now"))
)
BUMP_CHUNK = 400  # officers per UPDATE: two parameters each, inside SQLite's 999


def touch_many(session: Session, officers: Sequence[Officer], now: datetime) -> None:
    """``touch`` and flush many officers with one UPDATE (per BUMP_CHUNK officers).

    The ORM sends one UPDATE per versioned row (it checks each row's count), which was
    a seventh of re-planning a batch; this checks the same versions in one statement
    (every (id, version) pair must match a row) and tells the session the new ones, so
    later flushes check against them."""
    session.flush()  # the officers' own pending changes first, checked by the ORM
    if not officers:
        return
    connection = session.connection()
    bumped = 0
    for start in range(0, len(officers), BUMP_CHUNK):
        chunk = officers[start : start + BUMP_CHUNK]
        seen = [(o.id, o.version) for o in chunk]
        bumped += connection.execute(_BUMP, {"seen": seen, "now": now}).rowcount
    if bumped != len(officers):
        raise StaleDataError("an officer's version changed since it was read")
    for officer in officers:
        set_committed_value(officer, "version", officer.version + 1)
        set_committed_value(officer, "updated_at", now)
