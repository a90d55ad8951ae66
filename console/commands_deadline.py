"""``attache deadline``: one officer's agreed due date for a sign-off or a checklist."""

from __future__ import annotations

import click

from console.commands_setup import pass_state
from console.context import CliState
from console.output import ok


@click.group("deadline")
def deadline() -> None:
    """One officer's own due date for a sign-off or checklist (an agreed extension)."""


@deadline.command("set")
@click.argument("officer_ref", metavar="OFFICER")
@click.argument("name", metavar="NAME")
@click.argument("day", metavar="DATE")
@click.option("--reason", required=True, help="Why it moves (kept with the old and new dates).")
@click.option(
    "--as", "actor", required=True, metavar="EMAIL", help="The coordinator acting (their e-mail)."
)
@pass_state
def deadline_set(
    state: CliState, officer_ref: str, name: str, day: str, reason: str, actor: str
) -> None:
    """Move OFFICER's due date for NAME (e.g. placement.final) to DATE, later than now;
    their reminders are re-planned from it."""
    from lifecycle.services.validation import iso_date
    from notifications.extensions import set_deadline

    ok(set_deadline(state.services(), officer_ref, name, iso_date(day, "DATE"), reason=reason,
                    actor=actor).message)
