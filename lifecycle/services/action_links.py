"""Links in reminders that act: "Approve", "Return with a comment", "Mark done", and an
officer's "Upload", which opens their own page.

A link names one action on one officer by one person: its signed token (see
``lifecycle.signed_tokens``, purpose ACTION) carries the reminder it came in, which says
the officer and the person, and the action with its subject ("approve placement.final").
Issuing one writes nothing, so composing a reminder stays a read.

Following a link is two steps, because mail scanners fetch every link in a message:
``inspect`` (the GET: what the link would do; it changes nothing) and ``follow`` (the
POST from the confirmation page). ``follow`` spends the link and runs the console's own
use case in the same transaction, so the guards, the records and the reminders'
re-planning are the console's, the sign-off says "via e-mail link", and a refusal
spends nothing.

A link is dead, and says why, when it was used; revoked; issued before its person last
signed in (the console is their way in now); past its 14 days; or when its reason went
away: the sign-off was given some other way, the item was ticked, the officer moved on.
The reason is worked out each time it is followed, never written, so a GET never writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecycle import signed_tokens
from lifecycle.definition import WorkflowDefinition
from lifecycle.errors import Expired, NotFound, PermissionDenied
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import ActionLink, Officer, Reminder, User
from lifecycle.roles import Role
from lifecycle.services import accounts
from lifecycle.services import officers as act
from lifecycle.services.context import Services, require_role
from lifecycle.services.facts import latest_signoffs, officer_rows, workflow_of
from lifecycle.services.instance_secrets import ACTION_LINKS, existing_secret, lasting_secret
from lifecycle.services.stand_ins import stand_in

LIFETIME = timedelta(days=14)
LINK_PATH = "/links/"
VIA_EMAIL_LINK = "email_link"
PURPOSE = signed_tokens.Purpose.ACTION
INVALID = (
    "this link is not valid: check that the whole link was copied from the e-mail, or "
    "sign in to Attache and do it there"
)


class Action(StrEnum):
    APPROVE = "approve"
    RETURN = "return"
    TICK = "tick"
    OPEN = "open"  # signs the officer in to their own page (to upload, to read)


class LinkGone(Expired):
    """A genuine link that can no longer act: used, revoked, replaced, past its date or
    no longer needed (HTTP 410)."""


@dataclass(frozen=True)
class LinkedAction:
    """What a live link would do, for its confirmation page."""

    action: Action
    officer_ref: str
    officer_name: str
    subject: str
    subject_label: str
    person_name: str
    person_email: str
    expires_at: datetime  # in the person's zone

    @property
    def needs_comment(self) -> bool:
        return self.action is Action.RETURN

    @property
    def title(self) -> str:
        return {
            Action.APPROVE: f"Approve the {self.subject_label} of {self.officer_name}",
            Action.RETURN: f"Return the {self.subject_label} of {self.officer_name} with a "
            "comment",
            Action.TICK: f"Mark \u201c{self.subject_label}\u201d as done",
            Action.OPEN: f"Open {self.officer_name}'s page in Attache",
        }[self.action]

    @property
    def button(self) -> str:
        return {
            Action.APPROVE: "Approve",
            Action.RETURN: "Return with this comment",
            Action.TICK: "Mark done",
            Action.OPEN: "Open my page",
        }[self.action]


@dataclass(frozen=True)
class Followed:
    """What following a link did: the console's message, and for OPEN a signed-in
    session for the officer and the page to show them."""

    target: LinkedAction
    message: str
    signed_in: accounts.SignedIn | None = None

    @property
    def landing(self) -> str:
        ref, _, anchor = self.target.subject.partition("#")
        return f"/officers/{ref}" + (f"#{anchor}" if anchor else "")


@dataclass(frozen=True)
class ItemLink:
    """One outstanding checklist item in an officer's reminder, with its link."""

    label: str
    action: Literal["tick", "upload"]
    url: str


# ---- issuing -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderLinks:
    """The action links one reminder carries; "" or () where it has none."""

    approve: str = ""
    return_with_comment: str = ""
    items: tuple[ItemLink, ...] = ()
    my_page: str = ""


def links_for(
    session: Session,
    row: Reminder,
    officer: Officer,
    definition: WorkflowDefinition,
    now: datetime,
    base_url: str,
) -> ReminderLinks:
    """"Approve" and "Return with a comment" in a supervisor's sign-off reminder; one
    link per outstanding checklist item, and their page, in an officer's reminder."""
    about = row.about or ""
    signoff, checklist = definition.signoff(about), definition.checklist(about)
    to_supervisor = row.recipient_role == Role.SUPERVISOR and signoff is not None
    to_officer = row.recipient_role == Role.OFFICER and row.recipient_email == officer.email
    if not (to_supervisor or to_officer):
        return ReminderLinks()
    secret = lasting_secret(session, ACTION_LINKS, now)

    def url(action: Action, subject: str) -> str:
        claim = signed_tokens.Claim(row.id, "", now + LIFETIME, f"{action} {subject}")
        return base_url.rstrip("/") + LINK_PATH + signed_tokens.sign(secret, PURPOSE, claim)

    if to_supervisor:
        assert signoff is not None
        return ReminderLinks(
            approve=url(Action.APPROVE, signoff.name),
            return_with_comment=url(Action.RETURN, signoff.name),
        )
    items: tuple[ItemLink, ...] = ()
    if checklist is not None and Role.OFFICER in checklist.roles:
        ticked = officer_rows(session, officer).ticked  # read once per session
        # An item done by a file gets an "Upload" link: it signs the officer in to
        # their page at that item (a link of its own, so each is spent on its own).
        items = tuple(
            ItemLink(item.label, "upload", url(Action.OPEN, f"{officer.ref}#item-{item.key}"))
            if item.upload is not None
            else ItemLink(item.label, "tick", url(Action.TICK, item.key))
            for item in checklist.items
            if item.key not in ticked
        )
    return ReminderLinks(items=items, my_page=url(Action.OPEN, officer.ref))


# ---- following -----------------------------------------------------------------------


def inspect(services: Services, token: str) -> LinkedAction:
    """What ``token`` would do now; NotFound, LinkGone or PermissionDenied if nothing."""
    with services.db.reading() as session:
        return _live(session, services, token, services.now())[0]


def follow(services: Services, token: str, *, comment: str | None = None) -> Followed:
    """Spend the link and do what it names, in one transaction: all of it or nothing."""
    now = services.now()
    with services.transaction() as session:
        target, row = _live(session, services, token, now)
        session.add(
            ActionLink(
                reminder_id=row.id,
                action=target.action.value,
                subject=target.subject,
                officer_id=row.officer_id,
                person_email=target.person_email,
                spent_at=now,
                spent_how="used",
            )
        )
        session.flush()  # a second click racing this one stops here (unique key)
        actor = _actor(session, target, now)
        joined = services.within(session)
        signed_in = None
        match target.action:
            case Action.APPROVE | Action.RETURN:
                message = act.sign_off(
                    joined, target.officer_ref, target.subject, actor=actor.email,
                    approve=target.action is Action.APPROVE, comment=comment,
                    via=VIA_EMAIL_LINK,
                ).message
            case Action.TICK:
                message = act.tick(
                    joined, target.officer_ref, target.subject, actor=actor.email,
                    via=VIA_EMAIL_LINK,
                ).message
            case Action.OPEN:
                signed_in = accounts.open_session(session, actor, now)
                message = f"signed in as {actor.name} from an e-mail link"
        return Followed(target, message, signed_in)


def revoke(services: Services, email: str, *, actor: str) -> str:
    """A coordinator voids every link ``email`` was sent so far (a lost phone, a
    forwarded mail); links in reminders sent later work again."""
    with services.transaction() as session:
        require_role(repo.user_by_email(session, actor), [Role.COORDINATOR], "revoking links")
        person = repo.user_by_email(session, email)
        person.links_revoked_at = services.now()
        return f"every link sent to {person.email} before now is void"


def _live(
    session: Session, services: Services, token: str, now: datetime
) -> tuple[LinkedAction, Reminder]:
    claim = _claim(session, token)
    action, _, subject = claim.scope.partition(" ")
    row = session.get(Reminder, claim.row_id)
    if action not in set(Action) or row is None or row.officer_id is None:
        raise NotFound(INVALID)
    officer = session.get(Officer, row.officer_id)
    assert officer is not None  # reminders.officer_id is a foreign key
    zone = ZoneInfo(row.recipient_timezone)
    spent = session.scalar(
        select(ActionLink).where(
            ActionLink.reminder_id == row.id,
            ActionLink.action == action,
            ActionLink.subject == subject,
        )
    )
    if spent is not None:
        how = "used" if spent.spent_how == "used" else "revoked"
        raise LinkGone(
            f"this link was already {how} on {_when(spent.spent_at, zone)}; each link "
            "works once. Sign in to Attache to see where things stand"
        )
    if claim.expires_at <= now:
        raise LinkGone(
            f"this link expired on {_when(claim.expires_at, zone)}; use the link in a newer "
            "reminder, or sign in to Attache"
        )
    person = session.scalar(select(User).where(User.email == row.recipient_email))
    issued_at = claim.expires_at - LIFETIME
    if person is not None and person.links_revoked_at and issued_at < person.links_revoked_at:
        raise LinkGone(
            f"this link was void from {_when(person.links_revoked_at, zone)}, when you "
            "signed in to Attache (or a coordinator revoked your links); do it there, or "
            "use the link in a newer reminder"
        )
    definition = workflow_of(services, officer).definition
    label = _still_needed(session, officer, definition, Action(action), subject, row, now)
    target = LinkedAction(
        action=Action(action),
        officer_ref=officer.ref,
        officer_name=officer.name,
        subject=subject,
        subject_label=label,
        person_name=row.recipient_name,
        person_email=row.recipient_email,
        expires_at=claim.expires_at.astimezone(zone),
    )
    return target, row


def _claim(session: Session, token: str) -> signed_tokens.Claim:
    # Reading a link never creates the secret: with none yet, no link can be genuine.
    secret = existing_secret(session, ACTION_LINKS)
    try:
        return signed_tokens.read(secret or "", PURPOSE, token)
    except signed_tokens.InvalidToken:
        raise NotFound(INVALID) from None


def _still_needed(
    session: Session,
    officer: Officer,
    definition: WorkflowDefinition,
    action: Action,
    subject: str,
    row: Reminder,
    now: datetime,
) -> str:
    """The subject's label if the action still has a reason to be done; else why not."""
    if action is Action.OPEN:
        if officer.email != row.recipient_email:
            raise PermissionDenied(f"this link was for {row.recipient_email}, not {officer.name}")
        return "your page"
    if action is Action.TICK:
        checklist = definition.checklist_of_item(subject)
        if checklist is None:
            raise NotFound(INVALID)
        item = next(i for i in checklist.items if i.key == subject)
        done = next((t for t in repo.ticks(session, officer) if t.item_key == subject), None)
        if done is not None:
            raise LinkGone(
                f"\u201c{item.label}\u201d was already marked done by {done.ticked_by.name} on "
                f"{done.ticked_at:%Y-%m-%d}; nothing is left to do here"
            )
        if officer.state not in checklist.open_in:
            raise LinkGone(
                f"the {checklist.label} checklist is closed now that {officer.name} is in "
                f"{definition.state(officer.state).label}"
            )
        return item.label
    spec = definition.signoff(subject)
    if spec is None:
        raise NotFound(INVALID)
    if officer.state != spec.stage:
        raise LinkGone(
            f"{officer.name} has moved on to {definition.state(officer.state).label}: the "
            f"{spec.label} can no longer be given"
        )
    latest = latest_signoffs(repo.signoffs(session, officer)).get(spec.name)
    if latest is not None and latest.decision == "approved":
        raise LinkGone(
            f"the {spec.label} was already approved by {latest.signer.name} on "
            f"{latest.signed_at:%Y-%m-%d}; nothing is left to do here"
        )
    placement = repo.open_placement(session, officer)
    # The supervisor, or whoever stands in for them today (a substitute while they are
    # away, the assignee of a reassigned sign-off): a substitute's link lapses with the
    # absence it was sent in.
    cover = stand_in(session, placement, spec.name, now) if placement is not None else None
    signers = {placement.supervisor.email} if placement is not None else set()
    signers |= {cover.email} if cover is not None else set()
    if row.recipient_email not in signers:
        now_with = placement.supervisor.name if placement else "nobody"
        covered = f" ({cover.name} standing in)" if cover is not None else ""
        raise PermissionDenied(
            f"this link was for {row.recipient_name}, and {officer.name}'s supervisor is now "
            f"{now_with}{covered}: only they can sign off the {spec.label}"
        )
    return spec.label


def _actor(session: Session, target: LinkedAction, now: datetime) -> User:
    """The person the link was sent to. An officer without an account gets one (no
    password): their e-mail address is on their record, and the link proves it is
    theirs."""
    user = session.scalar(select(User).where(User.email == target.person_email))
    if user is not None:
        return user
    officer = repo.officer_by_ref(session, target.officer_ref)
    user = User(
        name=officer.name,
        email=officer.email,
        role=Role.OFFICER.value,
        timezone=officer.timezone,
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user


def _when(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).strftime("%d %B %Y, %H:%M")
