"""What a reminder template can use: the documented context, as types.

``docs/templates.md`` describes the same contract for the coordinators who edit
templates; keep the two in step. Every template gets ``recipient``, ``programme``,
``reminder`` and ``links``; templates about one officer also get ``officer``, ``batch``
and ``stage`` (and ``supervisor`` for sign-offs); ``coordinator_digest`` gets ``items``;
the notices to a ministry's focal point (``nomination_*``) get ``nomination``.
Dates in ``reminder`` and ``items`` are already in the recipient's zone.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, NotRequired, TypedDict

# The template names Attache ships; a coordinator's folder may add more.
TEMPLATE_NAMES: tuple[str, ...] = (
    "induction_welcome",
    "activity_report_due",
    "signoff_due",
    "signoff_overdue",
    "signoff_escalation",
    "travel_documents_due",
    "visit_report_due",
    "alumni_followup",
    "coordinator_digest",
    "nomination_received",
    "nomination_decided",
)

# The three files that make one template NAME: NAME.subject.j2, NAME.txt.j2, NAME.html.j2.
TemplatePart = Literal["subject", "txt", "html"]
TEMPLATE_PARTS: tuple[TemplatePart, ...] = ("subject", "txt", "html")

# Alumni are "officer" too; "nominator" is a home ministry's focal point (no account).
Role = Literal["coordinator", "supervisor", "officer", "nominator"]


class Recipient(TypedDict):
    name: str
    email: str
    role: Role
    timezone: str  # IANA name, e.g. "Asia/Yangon"


class Officer(TypedDict):
    ref: str  # e.g. "AO-17-KH-01"
    name: str
    email: str
    country: Literal["KH", "LA", "MM", "VN"]
    country_name: str  # "Cambodia", "Lao PDR", "Myanmar", "Viet Nam"
    ministry: str
    position: str
    state: str  # the workflow state's machine name, e.g. "placement"
    state_label: str  # its human label, e.g. "Divisional placement"


class Batch(TypedDict):
    ref: str
    number: int
    track: str  # machine name of the track, e.g. "junior_diplomats"
    track_title: str
    start: date
    end: date


class Stage(TypedDict):
    name: str
    label: str


class Person(TypedDict):
    name: str
    email: str


class Reminder(TypedDict):
    rule: str  # the rule that fired, e.g. "signoff.overdue"
    kind: str  # "upcoming", "due", "overdue", "escalation", "digest" or "followup"
    due_local: datetime  # aware, in the recipient's zone: format with | longdate
    occurrence: int  # 1 for the first sending of this reminder, 2 for the repeat...
    days_overdue: int | None  # working days late; None when not yet late
    subject_item: str  # what it is about: "placement.final", "passport", ...
    missing: list[str]  # outstanding items, e.g. ["visa", "itinerary"]


class ItemLink(TypedDict):
    label: str  # the checklist item's label, e.g. "Visa for Japan"
    action: Literal["tick", "upload"]
    url: str  # a signed link: "Mark done" (tick) or the officer's page (upload)


class Links(TypedDict):
    officer: str
    signoff: str
    survey: str  # may be "": templates must cope with no survey link
    # Signed links that act without a password (each opens a confirmation page first);
    # "" or [] where the reminder has none. To a supervisor about a sign-off:
    approve: str
    return_with_comment: str
    # To an officer: one per outstanding item of the reminder's checklist, and their page.
    item_links: list[ItemLink]
    my_page: str
    # To a ministry's focal point: their signed page of the batch's nominations.
    nomination_page: str


class Nomination(TypedDict):
    decision: Literal["accepted", "declined"] | None  # None: not decided yet
    reason: str  # the coordinator's reason for a decline (may be "")


class Programme(TypedDict):
    name: str
    secretariat: str


class DigestItem(TypedDict):
    officer_ref: str
    officer_name: str
    what: str
    due_local: datetime
    days_overdue: int | None
    responsible: str


class TemplateContext(TypedDict):
    recipient: Recipient
    programme: Programme
    reminder: Reminder
    links: Links
    officer: NotRequired[Officer]
    batch: NotRequired[Batch]
    stage: NotRequired[Stage]
    supervisor: NotRequired[Person]
    items: NotRequired[list[DigestItem]]
    nomination: NotRequired[Nomination]  # the nomination_* notices
