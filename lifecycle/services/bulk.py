"""Actions on a whole batch: each officer in its own transaction, each result reported."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lifecycle.errors import AttacheError, TransitionNotAllowed
from lifecycle.persistence import repository as repo
from lifecycle.services.context import Services, require_role
from lifecycle.services.facts import workflow_of
from lifecycle.services.officers import advance


@dataclass(frozen=True)
class BulkResult:
    ref: str
    ok: bool
    message: str
    exit_code: int = 0


def advance_batch(
    services: Services,
    batch_ref: str,
    trigger: str,
    *,
    actor: str,
    reason: str | None = None,
    on_each: Callable[[BulkResult], None] | None = None,
) -> list[BulkResult]:
    """Fire ``trigger`` for every officer of the batch in a state it leaves.

    One officer's blocked guard must not undo the others' progress, so each runs in its
    own transaction; the caller gets every outcome, in reference order.
    """
    with services.db.reading() as session:
        user = repo.user_by_email(session, actor)
        batch = repo.batch_by_ref(session, batch_ref)
        ref_of_batch = batch.ref  # read now: the session closes before it is reported
        eligible: list[str] = []
        for officer in repo.officers(session, batch):
            spec = workflow_of(services, officer).definition.trigger(trigger)
            if spec is not None:
                require_role(user, spec.roles, f"'{trigger}'")
                if officer.state in spec.source:
                    eligible.append(officer.ref)
    if not eligible:
        raise TransitionNotAllowed(
            f"no officer of batch {ref_of_batch} is in a state that '{trigger}' leaves"
        )
    results: list[BulkResult] = []
    for ref in eligible:
        try:
            outcome = advance(services, ref, trigger, actor=actor, reason=reason)
            result = BulkResult(ref, True, outcome.message)
        except AttacheError as exc:
            result = BulkResult(ref, False, exc.message, exc.exit_code)
        results.append(result)
        if on_each is not None:
            on_each(result)
    return results
