"""Actions on a whole batch: each officer in its own transaction, each result reported."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from lifecycle.errors import AttacheError, InvalidData, TransitionNotAllowed
from lifecycle.persistence import repository as repo
from lifecycle.services.context import Services, require_role
from lifecycle.services.facts import workflow_of
from lifecycle.services.officers import Outcome, advance, tick
from lifecycle.services.remind_now import send_now

BulkAction = Literal["advance", "tick", "remind"]
BULK_ACTIONS: tuple[str, ...] = get_args(BulkAction)
MAX_SELECTED = 200  # one request's worth: a whole batch, not the whole programme


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


def act_on_each(
    services: Services,
    refs: Sequence[str],
    action: str,
    *,
    actor: str,
    trigger: str | None = None,
    item: str | None = None,
    reason: str | None = None,
) -> list[BulkResult]:
    """``action`` on each selected officer: ``advance`` by ``trigger``, ``tick`` the
    checklist ``item``, or ``remind`` (send their next reminder now).

    The request itself is judged first and refused whole (nothing done) if it is wrong;
    then each officer runs in its own transaction, as in ``advance_batch``, so one
    blocked officer never undoes or half-does another. Results come in selection order.
    """
    chosen = list(dict.fromkeys(r.strip().upper() for r in refs if r.strip()))
    if not chosen:
        raise InvalidData("select at least one officer")
    if len(chosen) > MAX_SELECTED:
        raise InvalidData(f"select at most {MAX_SELECTED} officers at once, not {len(chosen)}")
    if action not in BULK_ACTIONS:
        raise InvalidData(f"action must be one of {', '.join(BULK_ACTIONS)}, not {action!r}")
    if action == "advance" and not trigger:
        raise InvalidData("advancing needs a trigger (what to do, e.g. start_placement)")
    if action == "tick" and not item:
        raise InvalidData("ticking needs a checklist item (e.g. passport)")

    def one(ref: str) -> Outcome:
        if action == "advance":
            assert trigger is not None
            return advance(services, ref, trigger, actor=actor, reason=reason)
        if action == "tick":
            assert item is not None
            return tick(services, ref, item, actor=actor)
        return send_now(services, ref, actor=actor)

    results: list[BulkResult] = []
    for ref in chosen:
        try:
            results.append(BulkResult(ref, True, one(ref).message))
        except AttacheError as exc:
            results.append(BulkResult(ref, False, exc.message, exc.exit_code))
    return results


def summary(results: Sequence[BulkResult], done_word: str = "done") -> str:
    """ "4 done, 1 not: JD17-03: reason" — one line for the page's flash."""
    ok = [r for r in results if r.ok]
    failed = [r for r in results if not r.ok]
    line = f"{len(ok)} {done_word}"
    if failed:
        line += f", {len(failed)} not: " + "; ".join(f"{r.ref}: {r.message}" for r in failed)
    return line
