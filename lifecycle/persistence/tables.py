"""The schema, as typed SQLAlchemy 2 models. Alembic migrations must match it exactly."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from lifecycle.persistence.types import UTCDateTime, UTCInstant

# Named constraints keep Alembic migrations portable (SQLite batch mode needs names).
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Track(Base):
    __tablename__ = "tracks"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    ref_prefix: Mapped[str] = mapped_column(String(8), unique=True)


class DefinitionVersion(Base):
    """A published workflow definition, kept verbatim so old officers keep their rules."""

    __tablename__ = "workflow_definitions"
    __table_args__ = (UniqueConstraint("track_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id"))
    version: Mapped[int] = mapped_column(Integer)
    checksum: Mapped[str] = mapped_column(String(64))
    source_name: Mapped[str] = mapped_column(String(500))
    source_text: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)

    track: Mapped[Track] = relationship(lazy="joined")


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class Division(Base):
    __tablename__ = "divisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    name: Mapped[str] = mapped_column(String(200), unique=True)

    department: Mapped[Department] = relationship(lazy="joined")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    timezone: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Links from reminders issued to this person before this instant are void: signing
    # in (or a coordinator's revocation) ends every link still lying in their mailbox.
    links_revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class Batch(Base):
    __tablename__ = "batches"
    __table_args__ = (
        UniqueConstraint("track_id", "number"),
        CheckConstraint("end_date > start_date", name="dates_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id"))
    number: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    funder: Mapped[str] = mapped_column(String(200))
    optional_stages: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Named dates reminders count from, e.g. {"study_visit": "2023-12-04"}.
    milestones: Mapped[dict[str, str]] = mapped_column(
        JSON, default=dict, server_default=text("'{}'")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    track: Mapped[Track] = relationship(lazy="joined")
    quotas: Mapped[list[BatchQuota]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="BatchQuota.country"
    )

    @property
    def ref(self) -> str:
        return f"{self.track.ref_prefix}{self.number}"


class BatchQuota(Base):
    """Seats per country in one batch, e.g. the extra Cambodian chairmanship officers."""

    __tablename__ = "batch_quotas"

    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), primary_key=True)
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    seats: Mapped[int] = mapped_column(Integer)


class Officer(Base):
    __tablename__ = "officers"
    __table_args__ = (
        UniqueConstraint("batch_id", "seq"),
        Index("ix_officers_batch_state", "batch_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(16), unique=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    seq: Mapped[int] = mapped_column(Integer)
    definition_id: Mapped[int] = mapped_column(ForeignKey("workflow_definitions.id"))
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    ministry: Mapped[str] = mapped_column(String(300))
    position: Mapped[str | None] = mapped_column(String(200), default=None)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(64))
    state_since: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the nomination was recorded: reports "as of" a date count an officer from
    # here (state_since moves with every transition, and nominating writes no audit event).
    nominated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Where the nomination came from: "console", "sheet" (an import) or "ministry" (a
    # focal point's invitation, ``invitation_id``).
    source: Mapped[str] = mapped_column(
        String(16), default="console", server_default=text("'console'")
    )
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("nomination_invitations.id"), default=None
    )
    # Optimistic concurrency: every change to the officer or anything the guards read
    # (ticks, sign-offs, placements) bumps this, so a stale writer fails instead of
    # overwriting.
    version: Mapped[int] = mapped_column(Integer)

    batch: Mapped[Batch] = relationship(lazy="joined")
    definition: Mapped[DefinitionVersion] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it)


class OfficerAttention(Base):
    """What an officer waits on in its stage (``lifecycle.attention``), kept by the
    reminder planner for every officer waiting on something with a deadline or
    returned; no row means nothing to chase. Its own table, not columns of
    ``officers``: writing it must not bump the officer's version."""

    __tablename__ = "officer_attention"
    __table_args__ = (Index("ix_officer_attention_from", "attention_from"),)

    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), primary_key=True)
    # The first deadline, or 1970 when a sign-off was returned: "needs attention" is
    # ``attention_from < now``, an index range.
    attention_from: Mapped[datetime] = mapped_column(UTCDateTime)
    first_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    returned: Mapped[bool] = mapped_column(Boolean)
    # {"deadlines": {name: ISO instant}, "returned": [sign-off names]}
    waits_on: Mapped[dict[str, object]] = mapped_column(JSON)


class Placement(Base):
    __tablename__ = "placements"
    __table_args__ = (Index("ix_placements_supervisor_open", "supervisor_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    division_id: Mapped[int] = mapped_column(ForeignKey("divisions.id"))
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))  # initial | move | extension
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    division: Mapped[Division] = relationship(lazy="joined")
    supervisor: Mapped[User] = relationship(foreign_keys=[supervisor_id], lazy="joined")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id], lazy="joined")


class ChecklistTick(Base):
    __tablename__ = "checklist_ticks"
    __table_args__ = (UniqueConstraint("officer_id", "item_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    item_key: Mapped[str] = mapped_column(String(64))
    ticked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    ticked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # How it was done when not in the console, the CLI or the API: "email_link".
    via: Mapped[str | None] = mapped_column(String(16), default=None)

    ticked_by: Mapped[User] = relationship(lazy="joined")


class Signoff(Base):
    """Each decision is a row; the latest one per (officer, name) is what counts."""

    __tablename__ = "signoffs"
    __table_args__ = (Index("ix_signoffs_officer_name", "officer_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    name: Mapped[str] = mapped_column(String(64))
    signer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[str] = mapped_column(String(16))  # approved | returned
    comment: Mapped[str | None] = mapped_column(Text, default=None)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    via: Mapped[str | None] = mapped_column(String(16), default=None)  # as ChecklistTick.via
    # The supervisor a substitute signed for (an absence's cover, or a coordinator's
    # reassignment of this sign-off); None when the officer's own supervisor signed.
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)

    signer: Mapped[User] = relationship(foreign_keys=[signer_id], lazy="joined")
    on_behalf_of: Mapped[User | None] = relationship(foreign_keys=[on_behalf_of_id], lazy="joined")


class AuditEvent(Base):
    """One row per transition; the database refuses UPDATE and DELETE on this table."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    trigger: Mapped[str] = mapped_column(String(64))
    from_state: Mapped[str] = mapped_column(String(64))
    to_state: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)

    actor: Mapped[User] = relationship(lazy="joined")


class Reminder(Base):
    """One reminder to one recipient: the outbox row that dispatchers claim and send.

    ``key`` is deterministic per (officer, rule, occurrence, recipient), so recomputing
    never duplicates, and it becomes the e-mail's stable Message-ID.
    """

    __tablename__ = "reminders"
    __table_args__ = (
        # The sweep asks for pending rows by time: this index never walks sent history.
        # Every pass first expires pending rows past their expiry, over this index too:
        # a pending row's next attempt is never after its expiry (outbox clamps it
        # wherever one is set), so a row past its expiry is among those due. An index
        # of its own on (status, expires_at) did that until migration 0015; a re-plan's
        # new rows then entered one index less (bench 4a), and the idle pass with 1M
        # pending stays flat (4c).
        Index("ix_reminders_sweep", "status", "next_attempt_at"),
        # One index serves an officer's rows and their keys' uniqueness (migration
        # 0017): every per-officer read (the re-plan's locked read, deadlines, send-now,
        # the listing) leads with officer_id, and a re-plan's new rows enter one B-tree
        # less than with an index on officer_id beside a unique key (bench 4a). A key
        # (the Message-ID's source) is still unique across the table: an officer's keys
        # begin with its ref and a slash (refs hold none), so two officers' keys never
        # meet; the rows of no officer have a unique index of their own, partial, which
        # an officer's new rows do not enter, and keys no planned key can take: a
        # digest's begin with "digest/" (no ref), a nomination notice's name a rule
        # with a dot (a planned rule's name has none).
        Index("uq_reminders_officer_key", "officer_id", "key", unique=True),
        Index(
            "uq_reminders_unowned_key",
            "key",
            unique=True,
            sqlite_where=text("officer_id IS NULL"),
            postgresql_where=text("officer_id IS NULL"),
        ),
    )

    # The instants are UTCInstant: integer microseconds on SQLite (migration 0016),
    # where text made them nearly half of a row a batch's re-plan writes by the hundred.
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    rule: Mapped[str] = mapped_column(String(100))
    occurrence: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    template: Mapped[str] = mapped_column(String(100))
    about: Mapped[str | None] = mapped_column(String(100), default=None)
    recipient_role: Mapped[str] = mapped_column(String(16))
    recipient_email: Mapped[str] = mapped_column(String(320))
    recipient_name: Mapped[str] = mapped_column(String(200))
    recipient_timezone: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(UTCInstant)
    send_at: Mapped[datetime] = mapped_column(UTCInstant)
    expires_at: Mapped[datetime] = mapped_column(UTCInstant)
    status: Mapped[str] = mapped_column(String(16))  # pending sending sent failed cancelled expired
    next_attempt_at: Mapped[datetime] = mapped_column(UTCInstant)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCInstant, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    sent_at: Mapped[datetime | None] = mapped_column(UTCInstant, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCInstant)
    updated_at: Mapped[datetime] = mapped_column(UTCInstant)


class WebSession(Base):
    """A signed-in browser. Only a hash of the cookie's token is stored, so a copy of
    the database cannot be replayed as a session; signing out deletes the row."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The synchronizer token every form of this session must carry back.
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")


class ApiToken(Base):
    """A bearer token for scripts. Shown once at creation; stored as a hash."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    user: Mapped[User] = relationship(lazy="joined")


class SignInFailure(Base):
    """One refused password. Counted per address over a window to slow guessing; kept
    in the database so every web worker sees the same count."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_email_at", "email", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CalendarFeed(Base):
    """A secret, revocable iCalendar subscription URL for an officer, a supervisor or a
    batch. Calendar apps cannot sign in, so the URL's token is the credential: only its
    hash is stored, and revoking the row kills the URL."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (Index("ix_calendar_feeds_subject", "subject_kind", "subject_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    subject_kind: Mapped[str] = mapped_column(String(16))  # officer | supervisor | batch
    subject_ref: Mapped[str] = mapped_column(String(320))  # officer ref, e-mail, batch ref
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class CareerRecord(Base):
    """One step in an alumnus's career after the programme: what the funder's outcome
    figures count. Entered by a coordinator or by the alumnus through a survey."""

    __tablename__ = "career_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # promotion | posting | other
    position: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(300))
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2, any country
    from_date: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16))  # coordinator | survey
    # Who typed it in; None when the alumnus answered a survey (they have no account).
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("alumni_surveys.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    officer: Mapped[Officer] = relationship(lazy="joined")


class Testimonial(Base):
    """What an alumnus says about the programme; quoted only with their consent."""

    __tablename__ = "testimonials"

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    may_publish: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(16))  # coordinator | survey
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("alumni_surveys.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AlumniSurvey(Base):
    """One follow-up survey round (6, 12 or 24 months after graduation) for one alumnus.

    The alumnus reaches it by a signed, expiring link; ``nonce`` is part of what is
    signed, so re-issuing a link (a new nonce) kills the old one, and ``answered_at``
    makes every link single-use.
    """

    __tablename__ = "alumni_surveys"
    __table_args__ = (UniqueConstraint("officer_id", "round_months"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    round_months: Mapped[int] = mapped_column(Integer)
    opens_on: Mapped[date] = mapped_column(Date)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    nonce: Mapped[str] = mapped_column(String(64))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    answers: Mapped[dict[str, str] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    officer: Mapped[Officer] = relationship(lazy="joined")


class Certificate(Base):
    """A graduation certificate, issued when an officer graduates. ``details`` freezes
    what it says (name, programme, batch, dates, division) so a reprint years later is
    the same document; ``code`` is what the public verification page checks."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), unique=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    graduated_on: Mapped[date] = mapped_column(Date)
    details: Mapped[dict[str, str]] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoked_reason: Mapped[str | None] = mapped_column(Text, default=None)

    officer: Mapped[Officer] = relationship(lazy="joined")


class InstanceSecret(Base):
    """Random keys made once per installation (e.g. for signing survey links), kept in
    the database so every worker process signs and checks with the same key without
    any configuration to get wrong."""

    __tablename__ = "instance_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ActionLink(Base):
    """A spent link from a reminder: used once, or revoked before it was.

    An action link is issued without a write (its token names the reminder, the action
    and the subject, and is signed; see ``lifecycle.services.action_links``), so this
    table holds only what ends one early: the first use, which the unique key makes the
    only one, or a revocation.
    """

    __tablename__ = "action_links"
    __table_args__ = (UniqueConstraint("reminder_id", "action", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reminder_id: Mapped[int] = mapped_column(ForeignKey("reminders.id"))
    action: Mapped[str] = mapped_column(String(16))  # approve | return | tick | open
    subject: Mapped[str] = mapped_column(String(100))  # the sign-off or checklist item
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    person_email: Mapped[str] = mapped_column(String(320))
    spent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    spent_how: Mapped[str] = mapped_column(String(16))  # used | revoked
    note: Mapped[str | None] = mapped_column(String(300), default=None)


class NominationInvitation(Base):
    """A home ministry's focal point, invited to nominate for one batch and one country.

    The signed link (``lifecycle.signed_tokens``, purpose INVITATION) is the focal
    point's credential: no account. Inviting the same address again for the same batch
    and country makes a new nonce, which kills the earlier link.
    """

    __tablename__ = "nomination_invitations"
    __table_args__ = (UniqueConstraint("batch_id", "country", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    country: Mapped[str] = mapped_column(String(2))
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str | None] = mapped_column(String(200), default=None)
    nonce: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    batch: Mapped[Batch] = relationship(lazy="joined")


class DeadlineExtension(Base):
    """One officer's own due date for a sign-off or a checklist, agreed with a reason
    (an extension): the latest row per (officer, subject) beats the definition's rule.
    Rows are never changed, so they are the record of every move: old date, new date,
    reason, who and when."""

    __tablename__ = "deadline_extensions"
    __table_args__ = (Index("ix_deadline_extensions_officer_subject", "officer_id", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    subject: Mapped[str] = mapped_column(String(100))  # the sign-off or checklist name
    due_on: Mapped[date] = mapped_column(Date)
    previous_due_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    set_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)

    set_by: Mapped[User] = relationship(lazy="joined")


class Document(Base):
    """One uploaded file for one checklist item of one officer. The bytes live in the
    document store under ``sha256``; uploading again sets ``replaced_at`` on the row it
    replaces, so the history keeps every version (current: ``replaced_at`` empty)."""

    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_officer_item", "officer_id", "item_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    item_key: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(255))
    expires_on: Mapped[date | None] = mapped_column(Date, default=None)
    # None: sent through a ministry's invitation (a focal point has no account).
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    uploaded_by: Mapped[User | None] = relationship(lazy="joined")


class SupervisorAbsence(Base):
    """A supervisor away from one date to another (both included, in their own time
    zone), and the supervisor who covers: the substitute receives the reminders due in
    the window and may sign off for them. Cancelling keeps the row (``cancelled_at``), so
    a sign-off given under it still shows whose absence it covered."""

    __tablename__ = "supervisor_absences"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="dates_in_order"),
        Index("ix_supervisor_absences_supervisor", "supervisor_id", "starts_on"),
        Index("ix_supervisor_absences_substitute", "substitute_id", "starts_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    substitute_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    supervisor: Mapped[User] = relationship(foreign_keys=[supervisor_id], lazy="joined")
    substitute: Mapped[User] = relationship(foreign_keys=[substitute_id], lazy="joined")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id], lazy="joined")


class SignoffAssignment(Base):
    """A coordinator hands one pending sign-off of one placement to another supervisor,
    with a reason. The placement (and so its history) is unchanged: the assignee signs on
    the officer's supervisor's behalf. The latest row per (placement, name) counts."""

    __tablename__ = "signoff_assignments"
    __table_args__ = (Index("ix_signoff_assignments_placement_name", "placement_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"))
    name: Mapped[str] = mapped_column(String(64))
    assignee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)

    assignee: Mapped[User] = relationship(foreign_keys=[assignee_id], lazy="joined")
    assigned_by: Mapped[User] = relationship(foreign_keys=[assigned_by_id], lazy="joined")
