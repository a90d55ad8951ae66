"""``attache supervisor``: a supervisor away and who covers, and a sign-off handed on."""

from __future__ import annotations

import click

from console.commands_officer import as_option, version_option
from console.commands_setup import json_option, pass_state
from console.context import CliState
from console.output import emit_json, ok, table


@click.group("supervisor")
def supervisor() -> None:
    """Supervisors away (a substitute covers), and sign-offs reassigned."""


@supervisor.command("away")
@click.argument("email", metavar="EMAIL")
@click.option("--from", "starts", required=True, metavar="DATE", help="First day away.")
@click.option("--until", "ends", required=True, metavar="DATE", help="Last day away.")
@click.option(
    "--substitute", required=True, metavar="EMAIL", help="The supervisor who covers."
)
@click.option("--reason", help="Why (a mission, leave); shown with the absence.")
@as_option
@pass_state
def away(
    state: CliState, email: str, starts: str, ends: str, substitute: str,
    reason: str | None, actor: str,
) -> None:
    """EMAIL is away from DATE to DATE (both included): the substitute receives the
    reminders and may sign off on their behalf meanwhile."""
    from lifecycle.services.delegation import set_away
    from lifecycle.services.validation import iso_date

    absence = set_away(
        state.services(), email, iso_date(starts, "--from"), iso_date(ends, "--until"),
        substitute, actor=actor, reason=reason,
    )
    ok(f"absence #{absence.id}: {absence.supervisor_name} away {absence.starts_on:%Y-%m-%d} "
       f"to {absence.ends_on:%Y-%m-%d}; {absence.substitute_name} covers "
       f"{absence.officers} officer(s)")


@supervisor.command("absences")
@click.argument("email", metavar="EMAIL", required=False)
@click.option("--all", "include_past", is_flag=True, help="Include those over or cancelled.")
@json_option
@pass_state
def absences(state: CliState, email: str | None, include_past: bool, as_json: bool) -> None:
    """Absences now or to come (of EMAIL, away or covering, if given)."""
    from lifecycle.services.delegation import absences as listing

    found = listing(state.services(), email, include_past=include_past)
    if as_json:
        emit_json([a.to_dict() for a in found])
        return
    table(
        "Absences",
        ["#", "Away", "From", "Until", "Covered by", "Officers", "Reason"],
        [
            (a.id, a.supervisor, a.starts_on, a.ends_on, a.substitute, a.officers,
             "cancelled" if a.cancelled else a.reason or "")
            for a in found
        ],
    )


@supervisor.command("cancel-away")
@click.argument("absence_id", metavar="ID", type=int)
@as_option
@pass_state
def cancel_away(state: CliState, absence_id: int, actor: str) -> None:
    """Call off absence ID (see 'supervisor absences'): the supervisor gets their
    reminders back."""
    from lifecycle.services.delegation import cancel_away as cancel

    absence = cancel(state.services(), absence_id, actor=actor)
    ok(f"absence #{absence.id} of {absence.supervisor_name} cancelled")


@supervisor.command("reassign")
@click.argument("officer_ref", metavar="OFFICER")
@click.argument("name", metavar="NAME")
@click.option("--to", "assignee", required=True, metavar="EMAIL", help="The supervisor to sign.")
@click.option("--reason", required=True, help="Why it moves (kept with the sign-off).")
@as_option
@version_option
@pass_state
def reassign(
    state: CliState, officer_ref: str, name: str, assignee: str, reason: str, actor: str,
    expect_version: int | None,
) -> None:
    """Hand OFFICER's pending sign-off NAME to another supervisor, who signs it on the
    officer's supervisor's behalf."""
    from lifecycle.services.delegation import reassign_signoff

    ok(reassign_signoff(state.services(), officer_ref, name, assignee, reason=reason,
                        actor=actor, expected_version=expect_version).message)
