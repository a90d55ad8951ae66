"""The officer facts kept for a transaction (guards and planner share one read) never
go stale: every way of writing a fact inside the transaction is seen by the next read."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, delete, insert

from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import AuditEvent, ChecklistTick, User
from lifecycle.services import Services
from lifecycle.services.facts import load_facts, officer_rows
from tests.support import COORDINATOR, nominate, seed_programme


def test_facts_follow_every_write_in_the_transaction(services: Services) -> None:
    """A tick added, a tick deleted in bulk, a transition recorded, a savepoint rolled
    back: each read after it answers as a fresh query would."""
    seed_programme(services)
    (ref,) = nominate(services)
    now = services.now()
    with services.transaction() as session:
        officer = repo.officer_by_ref(session, ref)
        coordinator = repo.user_by_email(session, COORDINATOR)
        assert frozenset() == load_facts(session, officer).ticked

        session.add(
            ChecklistTick(
                officer_id=officer.id,
                item_key="asean_introduction",
                ticked_by_id=coordinator.id,
                ticked_at=now,
            )
        )
        assert frozenset({"asean_introduction"}) == load_facts(session, officer).ticked

        session.execute(delete(ChecklistTick).where(ChecklistTick.officer_id == officer.id))
        assert frozenset() == load_facts(session, officer).ticked

        ticks = cast(Table, ChecklistTick.__table__)  # a plain Table, no ORM entity
        session.execute(
            insert(ticks).values(
                officer_id=officer.id, item_key="passport", ticked_by_id=coordinator.id,
                ticked_at=now,
            )
        )  # fmt: skip
        assert frozenset({"passport"}) == load_facts(session, officer).ticked
        session.execute(delete(ticks))
        assert frozenset() == load_facts(session, officer).ticked

        session.add(
            AuditEvent(
                officer_id=officer.id,
                trigger="accept",
                from_state="nominated",
                to_state="accepted",
                actor_id=coordinator.id,
                occurred_at=now,
            )
        )
        assert [("nominated", "accepted")] == [
            (t.from_state, t.to_state) for t in officer_rows(session, officer).transitions
        ]

        savepoint = session.begin_nested()
        session.execute(
            insert(ChecklistTick).values(
                officer_id=officer.id, item_key="visa", ticked_by_id=coordinator.id, ticked_at=now
            )
        )
        assert frozenset({"visa"}) == load_facts(session, officer).ticked
        savepoint.rollback()
        assert frozenset() == load_facts(session, officer).ticked


def test_a_renamed_signer_is_read_again(services: Services) -> None:
    """Names of people are part of the facts (who returned a sign-off): a user changed
    in the transaction drops what was kept."""
    seed_programme(services)
    (ref,) = nominate(services)
    with services.transaction() as session:
        officer = repo.officer_by_ref(session, ref)
        officer_rows(session, officer)
        coordinator = session.get(User, repo.user_by_email(session, COORDINATOR).id)
        assert coordinator is not None
        coordinator.name = "Siti R."
        session.flush()
        assert "attache.facts" not in session.info
