"""The batch board: every stage as a column, its officers as compact cards.

A column shows its latest officers first and at most ``COLUMN_CARDS`` of them; the rest
are counted and reached through the list filtered to that stage, so a board of 500 costs
little more than a page of 20 (bench figure 7). Stages the batch does not include, and
empty ones, are marked so the page can fold them away.
"""

from __future__ import annotations

from lifecycle.persistence import repository as repo
from lifecycle.services.context import Services
from lifecycle.services.views import batch_summary
from lifecycle.services.workflows import compiled
from lifecycle.services.worklist import Definitions, Filters, Glance, cards, glance, officers_query

JSONDict = dict[str, object]
COLUMN_CARDS = 12


def batch_board(services: Services, batch_ref: str) -> JSONDict:
    now = services.now()
    with services.db.reading() as session:
        batch = repo.batch_by_ref(session, batch_ref)
        definitions = Definitions(services, session)
        glances = glance(session, definitions, officers_query(Filters(), batch.id), now)
        by_state: dict[str, list[Glance]] = {}
        for one in glances:
            by_state.setdefault(one.state, []).append(one)
        # The batch's definition: its officers' newest, or (an empty batch) the track's.
        ids = {g.definition_id for g in glances}
        definition = (
            definitions.by_id[max(ids)].definition if ids
            else compiled(services, batch.track.slug).definition
        )
        skipped = set(definition.optional_states) - set(batch.optional_stages)
        columns: list[JSONDict] = []
        for state in definition.states:
            here = by_state.get(state.name, [])
            if state.name in skipped and not here:
                continue
            shown = sorted(here, key=Glance.latest_first)[:COLUMN_CARDS]
            columns.append({
                "state": state.name,
                "label": state.label,
                "count": len(here),
                "officers": cards(session, definitions, shown, now),
                "more": len(here) - len(shown),
                "overdue": sum(1 for g in here if g.overdue),
            })
        return {**batch_summary(session, batch), "columns": columns}
