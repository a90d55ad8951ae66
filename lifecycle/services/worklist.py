"""Officers as a coordinator works through them: filtered, sorted and paged lists, the
"needs attention" view across batches, and the cards of the batch board.

Two passes keep a long list cheap. The *light* pass reads the officers the filters
admit with what each waits on (``officer_attention``, kept by the reminder planner) in
one query, and judges from it what is overdue, due this week or returned, and how late
each officer is. When SQL can judge every filter and the order (no free-text search, no
"blocked by"), it reads only the page, and a count: "needs attention" over thousands of
officers is an index range scan. Only the officers on the page (or in a board column's
first cards) then get a full *card*: their guards judged, their checklists counted,
their actions listed, from one more query (facts.officers_rows).

What a state means comes from the definition: a final state is never "late", a sign-off
is due in its ``stage``, a checklist in its ``open_in`` states (lifecycle.attention).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, case, func, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from lifecycle.attention import Attention
from lifecycle.definition import WorkflowDefinition
from lifecycle.engine import CompiledWorkflow
from lifecycle.errors import InvalidData
from lifecycle.guards import unmet
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import (
    Batch,
    DefinitionVersion,
    Officer,
    OfficerAttention,
    Track,
)
from lifecycle.roles import COUNTRIES, Role
from lifecycle.services.context import Services, require_role
from lifecycle.services.facts import facts_from, officers_rows
from lifecycle.services.search import SEARCHERS, fold

DUE_SOON = timedelta(days=7)
_NEVER = datetime.max.replace(tzinfo=UTC)  # a sort key's "not late": after every deadline
PER_PAGE = 20
MAX_PER_PAGE = 100
SORTS = ("late", "ref", "name", "stage")
Sort = Literal["late", "ref", "name", "stage"]


@dataclass(frozen=True)
class Filters:
    """What a list shows; every field round-trips through the URL's query string."""

    batch: str | None = None
    stage: str | None = None
    country: str | None = None
    overdue: bool = False
    blocked_by: str | None = None  # a checklist's or sign-off's name
    attention: bool = False  # overdue, blocked past a deadline, or returned
    q: str = ""
    sort: Sort = "ref"
    page: int = 1
    per_page: int = PER_PAGE

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise InvalidData(f"sort must be one of {', '.join(SORTS)}, not {self.sort!r}")
        if self.country is not None and self.country not in COUNTRIES:
            raise InvalidData(
                f"country must be one of {', '.join(COUNTRIES)}, not {self.country!r}"
            )
        if self.page < 1:
            raise InvalidData(f"page must be 1 or more, not {self.page}")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise InvalidData(f"per_page must be 1 to {MAX_PER_PAGE}, not {self.per_page}")

    def query(self, **changes: object) -> dict[str, str]:
        """These filters (with ``changes``) as URL parameters, defaults left out."""
        chosen = replace(self, **changes)  # type: ignore[arg-type]
        params = {
            "batch": chosen.batch, "stage": chosen.stage, "country": chosen.country,
            "overdue": "1" if chosen.overdue else None,
            "blocked_by": chosen.blocked_by,
            "attention": "1" if chosen.attention else None,
            "q": chosen.q or None,
            "sort": chosen.sort if chosen.sort != "ref" else None,
            "page": str(chosen.page) if chosen.page != 1 else None,
            "per_page": str(chosen.per_page) if chosen.per_page != PER_PAGE else None,
        }
        return {k: v for k, v in params.items() if v is not None}


@dataclass(slots=True)
class Glance:
    """What the light pass knows of one officer."""

    id: int
    ref: str
    name: str
    country: str
    batch: str
    batch_id: int
    seq: int
    definition_id: int
    state: str
    overdue: list[str] = field(default_factory=list)  # labels of sign-offs and checklists
    due_soon: list[str] = field(default_factory=list)
    returned: list[str] = field(default_factory=list)
    late_since: datetime | None = None  # the oldest deadline missed

    def days_late(self, now: datetime) -> int:
        return 0 if self.late_since is None else max(1, (now - self.late_since).days)

    def latest_first(self) -> tuple[bool, datetime, bool, int, int]:
        """A sort key: the oldest missed deadline first, then those returned, then by
        number; the order ``_LATEST_FIRST`` gives in SQL."""
        late = self.late_since is not None
        return (not late, self.late_since or _NEVER, not self.returned, self.batch_id, self.seq)

    @property
    def needs_attention(self) -> bool:
        return bool(self.overdue or self.returned)


@dataclass(frozen=True)
class Worklist:
    cards: list[dict[str, object]]
    total: int
    filters: Filters
    stages: list[tuple[str, str]]  # (name, label) of the stages the filters can name
    blockers: list[tuple[str, str]]  # (name, label) of the checklists and sign-offs
    bulk: dict[str, list[tuple[str, str]]]  # what the bulk menu offers: Definitions.menu

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.filters.per_page))


_Named = list[tuple[str, str]]  # (name, label) pairs


class Definitions:
    """The compiled workflow of each published definition, read once."""

    def __init__(self, services: Services, session: Session) -> None:
        rows = session.scalars(select(DefinitionVersion)).all()
        self.by_id: dict[int, CompiledWorkflow] = {d.id: services.workflows.get(d) for d in rows}
        self._waiting: dict[tuple[int, str], tuple[_Named, _Named]] = {}

    def of(self, glance: Glance) -> WorkflowDefinition:
        return self.by_id[glance.definition_id].definition

    def stages(self) -> list[tuple[str, str]]:
        seen: dict[str, str] = {}
        for workflow in self.by_id.values():
            for state in workflow.definition.states:
                seen.setdefault(state.name, state.label)
        return list(seen.items())

    def waiting_in(
        self, definition_id: int, state: str
    ) -> tuple[_Named, _Named]:
        """The sign-offs due in ``state`` and the checklists open in it, as (name,
        label); none in a final state, which waits for nothing. Worked out once per
        state, not once per officer."""
        key = (definition_id, state)
        found = self._waiting.get(key)
        if found is None:
            definition = self.by_id[definition_id].definition
            final = state in definition.final_states
            found = self._waiting[key] = (
                [(s.name, s.label) for s in definition.signoffs if s.stage == state and not final],
                [(c.name, c.label) for c in definition.checklists
                 if state in c.open_in and not final],
            )
        return found

    def menu(self) -> dict[str, list[tuple[str, str]]]:
        """The bulk menu's choices: coordinators' triggers and the checklist items they
        may tick, as (name, label), and which triggers ask for a reason."""
        triggers: dict[str, str] = {}
        items: dict[str, str] = {}
        reasons: dict[str, str] = {}
        for workflow in self.by_id.values():
            for trigger in workflow.definition.triggers:
                if Role.COORDINATOR in trigger.roles:
                    triggers.setdefault(trigger.name, trigger.label)
                    if trigger.reason_required:
                        reasons.setdefault(trigger.name, trigger.label)
            for checklist in workflow.definition.checklists:
                if Role.COORDINATOR in checklist.roles:
                    for item in checklist.items:
                        items.setdefault(item.key, f"{checklist.label}: {item.label}")
        return {
            "triggers": list(triggers.items()), "items": list(items.items()),
            "reason_required": list(reasons.items()),
        }

    def blockers(self) -> list[tuple[str, str]]:
        seen: dict[str, str] = {}
        for workflow in self.by_id.values():
            for checklist in workflow.definition.checklists:
                seen.setdefault(checklist.name, checklist.label)
            for signoff in workflow.definition.signoffs:
                seen.setdefault(signoff.name, signoff.label)
        return list(seen.items())


def bulk_menu(services: Services) -> dict[str, list[tuple[str, str]]]:
    """What the bulk bar offers (Definitions.menu), for a page that has no worklist."""
    with services.db.reading() as session:
        return Definitions(services, session).menu()


def worklist(services: Services, filters: Filters, *, actor: str) -> Worklist:
    """One page of the officers ``filters`` admit, as cards, and how many there are."""
    now = services.now()
    with services.db.reading() as session:
        require_role(repo.user_by_email(session, actor), SEARCHERS, "listing officers")
        definitions = Definitions(services, session)
        batch_id = repo.batch_by_ref(session, filters.batch).id if filters.batch else None
        query = officers_query(filters, batch_id, now)
        start = (filters.page - 1) * filters.per_page
        if filters.q.strip() or filters.blocked_by or filters.sort not in ("ref", "late"):
            # Judged in Python: every officer SQL admits is read, then narrowed.
            glances = glance(session, definitions, query, now)
            if filters.q.strip():
                glances = _matching(session, glances, filters.q)
            if filters.blocked_by:
                glances = _blocked_by(session, definitions, glances, filters.blocked_by)
            glances = _sorted(glances, filters.sort, definitions)
            total = len(glances)
            page = glances[start:start + filters.per_page]
        else:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            if filters.sort == "late":
                query = query.order_by(None).order_by(*_latest_first(now))
            page = glance(session, definitions, query.offset(start).limit(filters.per_page), now)
        return Worklist(
            cards=cards(session, definitions, page, now),
            total=total,
            filters=filters,
            stages=definitions.stages(),
            blockers=definitions.blockers(),
            bulk=definitions.menu(),
        )


OfficersQuery = Select[*tuple[Any, ...]]  # officers_query's eleven columns


def officers_query(
    filters: Filters, batch_id: int | None = None, now: datetime | None = None
) -> OfficersQuery:
    """The light pass's rows, narrowed by what SQL can judge: batch, stage, country, and
    (given ``now``) overdue and needs attention."""
    query = (
        select(Officer.id, Officer.ref, Officer.name, Officer.country, Track.ref_prefix,
               Batch.number, Officer.batch_id, Officer.seq, Officer.definition_id, Officer.state,
               OfficerAttention.waits_on)
        .join(Batch, Batch.id == Officer.batch_id)
        .join(Track, Track.id == Batch.track_id)
        .outerjoin(OfficerAttention, OfficerAttention.officer_id == Officer.id)
        .order_by(Officer.batch_id, Officer.seq)
    )
    if batch_id is not None:
        query = query.where(Officer.batch_id == batch_id)
    if filters.stage:
        query = query.where(Officer.state == filters.stage)
    if filters.country:
        query = query.where(Officer.country == filters.country)
    if now is not None and filters.overdue:
        query = query.where(OfficerAttention.first_deadline < now)
    if now is not None and filters.attention:
        query = query.where(OfficerAttention.attention_from < now)
    return query


def _latest_first(now: datetime) -> list[ColumnElement[Any] | InstrumentedAttribute[int]]:
    """Glance.latest_first in SQL: the oldest missed deadline first, then those
    returned, then by number."""
    late = OfficerAttention.first_deadline < now
    return [
        case((late, 0), else_=1),
        case((late, OfficerAttention.first_deadline), else_=None),
        case((OfficerAttention.returned == true(), 0), else_=1),
        Officer.batch_id,
        Officer.seq,
    ]


def glance(
    session: Session, definitions: Definitions, query: OfficersQuery, now: datetime
) -> list[Glance]:
    """The light pass over the officers ``query`` reads, in its order."""
    glances = []
    for oid, ref, name, country, prefix, number, batch_id, seq, definition, state, waits_on \
            in session.execute(query):
        one = Glance(oid, ref, name, country, f"{prefix}{number}", batch_id, seq, definition, state)
        if waits_on:
            _judge(one, definitions, Attention.from_json(waits_on), now)
        glances.append(one)
    return glances


def _judge(glance: Glance, definitions: Definitions, waits: Attention, now: datetime) -> None:
    """Overdue, due this week and returned, as labels in the definition's order."""
    signoffs, checklists = definitions.waiting_in(glance.definition_id, glance.state)
    glance.returned += [label for name, label in signoffs if name in waits.returned]
    for name, label in (*signoffs, *checklists):
        deadline = waits.deadlines.get(name)
        if deadline is None:
            continue
        if deadline < now:
            glance.overdue.append(label)
            if glance.late_since is None or deadline < glance.late_since:
                glance.late_since = deadline
        elif deadline < now + DUE_SOON:
            glance.due_soon.append(label)


def _matching(session: Session, glances: list[Glance], q: str) -> list[Glance]:
    words = fold(q).split()
    ids = [g.id for g in glances]
    haystacks: dict[int, str] = {}
    for chunk in repo.id_chunks(ids):
        for oid, name, ref, email, ministry, position in session.execute(
            select(Officer.id, Officer.name, Officer.ref, Officer.email, Officer.ministry,
                   Officer.position).where(Officer.id.in_(chunk))
        ):
            haystacks[oid] = fold(" ".join((name, ref, email, ministry, position or "")))
    return [g for g in glances if all(w in haystacks.get(g.id, "") for w in words)]


def _blocked_by(
    session: Session, definitions: Definitions, glances: list[Glance], name: str
) -> list[Glance]:
    """Those with a way out of their stage held back by the checklist or sign-off ``name``."""
    known = {n for n, _ in definitions.blockers()}
    if name not in known:
        raise InvalidData(
            f"blocked_by must name a checklist or sign-off ({', '.join(sorted(known))}), "
            f"not {name!r}"
        )
    candidates = [
        g for g in glances
        if any(guard.arg == name
               for t in definitions.of(g).triggers_from(g.state) for guard in t.guards)
    ]
    if not candidates:
        return []
    officers = {o.id: o for o in _officers(session, [g.id for g in candidates])}
    rows = officers_rows(session, list(officers.values()))
    held: list[Glance] = []
    for glance in candidates:
        officer = officers[glance.id]
        facts = facts_from(officer, rows[officer.id])
        definition = definitions.of(glance)
        if any(
            guard.arg == name and unmet(guard, facts, definition)
            for t in definition.triggers_from(glance.state) for guard in t.guards
        ):
            held.append(glance)
    return held


def _sorted(glances: list[Glance], sort: Sort, definitions: Definitions) -> list[Glance]:
    if sort == "late":  # the latest first; those on time after, in reference order
        return sorted(glances, key=Glance.latest_first)
    if sort == "name":
        return sorted(glances, key=lambda g: (fold(g.name), g.ref))
    if sort == "stage":
        def position(g: Glance) -> int:
            return [s.name for s in definitions.of(g).states].index(g.state)
        return sorted(glances, key=lambda g: (position(g), g.batch_id, g.seq))
    return glances  # already by batch and sequence: reference order


def _officers(session: Session, ids: Sequence[int]) -> list[Officer]:
    found: list[Officer] = []
    for chunk in repo.id_chunks(ids):
        found += session.scalars(
            select(Officer).options(*repo.OFFICER_LOADING).where(Officer.id.in_(chunk))
        )
    return found


def cards(
    session: Session, definitions: Definitions, glances: Sequence[Glance], now: datetime
) -> list[dict[str, object]]:
    """The full cards of ``glances``, in their order: guards, checklists and actions."""
    if not glances:
        return []
    officers = {o.id: o for o in _officers(session, [g.id for g in glances])}
    rows = officers_rows(session, list(officers.values()))
    result: list[dict[str, object]] = []
    for glance in glances:
        officer = officers[glance.id]
        workflow = definitions.by_id[glance.definition_id]
        definition = workflow.definition
        facts = facts_from(officer, rows[officer.id])
        options = workflow.options(facts)
        label = {t.name: t for t in definition.triggers}
        checklists = [
            {
                "name": c.name, "label": c.label,
                "done": sum(1 for i in c.items if i.key in facts.ticked), "total": len(c.items),
            }
            for c in definition.checklists if glance.state in c.open_in
        ]
        result.append({
            "ref": officer.ref,
            "name": officer.name,
            "country": officer.country,
            "batch": glance.batch,
            "state": officer.state,
            "state_label": definition.state(officer.state).label,
            "source": officer.source,  # console, sheet or ministry: where the nomination came from
            "version": officer.version,
            "actions": [
                {"trigger": t, "label": label[t].label, "reason_required": label[t].reason_required}
                for t in options.allowed
            ],
            "blocked": options.blocked,
            "blocked_labels": {t: label[t].label for t in options.blocked},
            "overdue": glance.overdue,
            "due_soon": glance.due_soon,
            "returned": glance.returned,
            "checklists": checklists,
            "days_late": glance.days_late(now),
        })
    return result
