"""Several dispatchers on one database: every reminder is delivered exactly once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import event

from lifecycle.clock import FakeClock
from lifecycle.persistence import outbox
from lifecycle.services import Services
from tests.integration.reminders.conftest import BACKLOG_AT, rows, second_services


def test_a_claim_that_loses_the_race_claims_the_next_rows(
    backlog_url: str, services: Services
) -> None:
    """A rival claims the very rows this claim is about to take (between its choosing
    and its marking them): this claim takes the next due rows, rather than coming back
    empty-handed and so ending its dispatcher's pass while due rows remain."""
    rival = second_services(backlog_url, FakeClock(BACKLOG_AT))
    rival_rows: list[str] = []

    def rival_claims_first(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE REMINDERS") and not rival_rows:
            with rival.transaction() as session:
                got = outbox.claim(session, "rival", BACKLOG_AT, timedelta(minutes=5), 4)
                rival_rows.extend(row.key for row in got)

    event.listen(services.db.engine, "before_cursor_execute", rival_claims_first)
    try:
        with services.transaction() as session:
            mine = [r.key for r in outbox.claim(session, "mine", BACKLOG_AT,
                                                 timedelta(minutes=5), 4)]
    finally:
        event.remove(services.db.engine, "before_cursor_execute", rival_claims_first)
        rival.db.dispose()

    assert 4 == len(rival_rows)
    assert 4 == len(mine)
    assert set() == set(mine) & set(rival_rows)
    claimed = {r.key: r.claimed_by for r in rows(services) if r.status == outbox.SENDING}
    assert {k: "rival" for k in rival_rows} | {k: "mine" for k in mine} == claimed
