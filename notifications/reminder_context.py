"""Builds a template's context (see ``template_context``) from a reminder row."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import NominationInvitation, Officer, Reminder
from lifecycle.registry import WorkflowRegistry
from lifecycle.roles import COUNTRIES
from lifecycle.services import action_links, alumni, nominations, surveys
from lifecycle.services import facts as officer_facts
from notifications.rules import deadline_of
from notifications.template_context import DigestItem, Links, TemplateContext
from notifications.workdays import WorkingCalendar

DUE_TIME = time(9, 0)
# The alumni_followup rule's occurrences say which round they invite to: "alumni_survey.6m".
SURVEY_ABOUT = re.compile(r"alumni_survey\.(\d+)m")
_PREPARED = "attache.prepared_officers"  # session.info key
PROGRAMME = {
    "name": "ASEAN Secretariat Attachment Programme",
    "secretariat": "ASEAN Secretariat, Jakarta",
}


class ContextBuilder:
    def __init__(
        self, workflows: WorkflowRegistry, calendar: WorkingCalendar, base_url: str
    ) -> None:
        self.workflows = workflows
        self.calendar = calendar
        self.base_url = base_url.rstrip("/")

    def prepare(self, session: Session, rows: Collection[Reminder]) -> None:
        """Read, in a few queries, what ``build`` will need for each of ``rows``: their
        officers (kept in the session's identity map) and those officers' facts (kept
        in its facts cache). A claim's reminders were composed one query after another
        each, seven or so a reminder; this is what made dispatching slow (bench 4d)."""
        ids = {row.officer_id for row in rows if row.officer_id is not None}
        if ids:
            officers = repo.officers_by_id(session, ids)
            officer_facts.officers_rows(session, officers)
            # The identity map holds its objects weakly: keep them for the session's
            # life, or session.get would read each officer again.
            session.info.setdefault(_PREPARED, []).extend(officers)

    def build(self, session: Session, row: Reminder, now: datetime) -> TemplateContext:
        zone = ZoneInfo(row.recipient_timezone)
        deadline = self._deadline(session, row)
        due_local = (
            datetime.combine(deadline, DUE_TIME, zone) if deadline else row.due_at.astimezone(zone)
        )
        overdue = (
            self.calendar.working_days_between(deadline, now.astimezone(zone).date())
            if deadline and row.kind in ("overdue", "escalation")
            else None
        )
        context: dict[str, object] = {
            "recipient": {
                "name": row.recipient_name,
                "email": row.recipient_email,
                "role": row.recipient_role,
                "timezone": row.recipient_timezone,
            },
            "programme": dict(PROGRAMME),
            "reminder": {
                "rule": row.rule,
                "kind": row.kind,
                "due_local": due_local,
                "occurrence": row.occurrence,
                "days_overdue": overdue,
                "subject_item": row.about or "",
                "missing": [],
            },
            "links": _no_links(),
        }
        if row.officer_id is None and row.kind == "notice":
            self._add_nomination(session, row, context)
            return context  # type: ignore[return-value]
        if row.officer_id is None:
            context["items"] = self.digest_items(session, now, zone)
            return context  # type: ignore[return-value]
        officer = session.get(Officer, row.officer_id)
        assert officer is not None
        self._add_officer(session, officer, row, context)
        definition = self.workflows.get(officer.definition).definition
        acting = action_links.links_for(session, row, officer, definition, now, self.base_url)
        context["links"].update(  # type: ignore[attr-defined]
            approve=acting.approve,
            return_with_comment=acting.return_with_comment,
            item_links=[{"label": i.label, "action": i.action, "url": i.url} for i in acting.items],
            my_page=acting.my_page,
        )
        survey = SURVEY_ABOUT.fullmatch(row.about or "")
        if survey and int(survey.group(1)) in alumni.ROUNDS:
            definition = self.workflows.get(officer.definition).definition
            link = surveys.link_for(
                session, officer, definition, int(survey.group(1)), now, self.base_url
            )
            context["links"]["survey"] = link  # type: ignore[index]
        return context  # type: ignore[return-value]

    def _deadline(self, session: Session, row: Reminder) -> date | None:
        """The due date of what the reminder is about (a sign-off or checklist), if any."""
        from notifications.planner import plan_facts

        if row.officer_id is None or not row.about:
            return None
        officer = session.get(Officer, row.officer_id)
        assert officer is not None
        definition = self.workflows.get(officer.definition).definition
        spec = definition.signoff(row.about) or definition.checklist(row.about)
        if spec is None or spec.due is None:
            return None
        due = deadline_of(
            row.about, spec.due, definition, plan_facts(session, officer), self.calendar
        )
        return None if due is None else self.calendar.add_working_days(due, 0)

    def _add_officer(
        self, session: Session, officer: Officer, row: Reminder, context: dict[str, object]
    ) -> None:
        definition = self.workflows.get(officer.definition).definition
        state = definition.state(officer.state)
        batch = officer.batch
        context["officer"] = {
            "ref": officer.ref,
            "name": officer.name,
            "email": officer.email,
            "country": officer.country,
            "country_name": COUNTRIES[officer.country],
            "ministry": officer.ministry,
            "position": officer.position or "",
            "state": officer.state,
            "state_label": state.label,
        }
        context["batch"] = {
            "ref": batch.ref,
            "number": batch.number,
            "track": batch.track.slug,
            "track_title": batch.track.title,
            "start": batch.start_date,
            "end": batch.end_date,
        }
        context["stage"] = {"name": state.name, "label": state.label}
        rows = officer_facts.officer_rows(session, officer)  # read once per session
        if rows.supervisor is not None:  # the open placement's
            context["supervisor"] = {
                "name": rows.supervisor.name,
                "email": rows.supervisor.email,
            }
        checklist = definition.checklist(row.about or "")
        if checklist is not None:
            ticked = rows.ticked
            missing = [i.label for i in checklist.items if i.key not in ticked]
            context["reminder"]["missing"] = missing  # type: ignore[index]
        link = f"{self.base_url}/officers/{officer.ref}"
        context["links"] = _no_links() | {"officer": link, "signoff": f"{link}#signoffs"}

    def _add_nomination(
        self, session: Session, row: Reminder, context: dict[str, object]
    ) -> None:
        """A notice to a ministry's focal point about one nomination (``about``: its ref)."""
        officer = repo.officer_by_ref(session, row.about or "")
        self._add_officer(session, officer, row, context)
        invitation = session.get(NominationInvitation, officer.invitation_id)
        assert invitation is not None  # notices are only queued for invited nominations
        decision, reason = nominations.decision_of(session, self.workflows, officer)
        context["nomination"] = {"decision": decision, "reason": reason or ""}
        context["links"] = _no_links() | {
            "nomination_page": nominations.invitation_link(session, invitation, self.base_url)
        }

    def digest_items(self, session: Session, now: datetime, zone: ZoneInfo) -> list[DigestItem]:
        """Everything overdue today: sign-offs and checklists past their due date."""
        from notifications.open_tasks import open_tasks  # planner imports this module's peers

        today = now.astimezone(zone).date()
        items: list[DigestItem] = []
        for officer in session.scalars(select(Officer).order_by(Officer.ref)):
            definition = self.workflows.get(officer.definition).definition
            for task in open_tasks(session, officer, definition, self.calendar):
                if task.due is None or task.due >= today:
                    continue
                items.append(
                    {
                        "officer_ref": officer.ref,
                        "officer_name": officer.name,
                        "what": task.label,
                        "due_local": datetime.combine(task.due, DUE_TIME, zone),
                        "days_overdue": self.calendar.working_days_between(task.due, today),
                        "responsible": task.responsible,
                    }
                )
        return items


def _no_links() -> Links:
    return {
        "officer": "",
        "signoff": "",
        "survey": "",
        "approve": "",
        "return_with_comment": "",
        "item_links": [],
        "my_page": "",
        "nomination_page": "",
    }
