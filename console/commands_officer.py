"""Commands on officers: nominate, list, show, advance, place, checklist, sign-off."""

from __future__ import annotations

from typing import Any

import click

from console.commands_setup import json_option, pass_state
from console.context import CliState
from console.output import emit_json, ok, stdout, table

# Each command imports the services it calls (see console.commands_setup for why).

as_option = click.option(
    "--as", "actor", required=True, metavar="EMAIL", help="The user acting (their e-mail)."
)
version_option = click.option(
    "--expect-version",
    type=int,
    metavar="N",
    help="Refuse (exit 5) unless the officer is still at version N (see 'officer show').",
)


@click.group()
def officer() -> None:
    """Attachment officers (named by reference, e.g. JD17-03, or by e-mail)."""


@officer.command("nominate")
@click.option("--batch", required=True, metavar="REF")
@click.option("--name", required=True)
@click.option("--country", required=True, help="KH, LA, MM or VN")
@click.option("--ministry", required=True)
@click.option("--email", required=True)
@click.option("--position")
@click.option("--timezone", help="default: the home capital's zone")
@as_option
@pass_state
def nominate(
    state: CliState,
    batch: str,
    name: str,
    country: str,
    ministry: str,
    email: str,
    position: str | None,
    timezone: str | None,
    actor: str,
) -> None:
    """Record a nomination from a home government."""
    from lifecycle.services import setup

    outcome = setup.nominate(
        state.services(),
        batch=batch,
        name=name,
        country=country,
        ministry=ministry,
        email=email,
        position=position,
        timezone=timezone,
        actor=actor,
    )
    ok(outcome.message)


@officer.command("list")
@click.option("--batch", metavar="REF")
@click.option("--state", "stage", metavar="STATE")
@json_option
@pass_state
def officer_list(state: CliState, batch: str | None, stage: str | None, as_json: bool) -> None:
    """List officers, by batch and stage."""
    from lifecycle.services import views

    rows = views.officer_list(state.services(), batch=batch, state=stage)
    if as_json:
        emit_json(rows)
        return
    table(
        "Officers",
        ["Ref", "Name", "Country", "Ministry", "State"],
        [(o["ref"], o["name"], o["country"], o["ministry"], o["state"]) for o in rows],
    )


@officer.command("show")
@click.argument("officer_ref", metavar="OFFICER")
@json_option
@pass_state
def officer_show(state: CliState, officer_ref: str, as_json: bool) -> None:
    """Show an officer: stage, what can happen next and what blocks it, history."""
    from lifecycle.services import views

    data = views.officer_detail(state.services(), officer_ref)
    if as_json:
        emit_json(data)
        return
    _print_officer(data)


def _print_officer(data: dict[str, Any]) -> None:
    from rich.panel import Panel
    from rich.text import Text

    head = Text.assemble(
        (f"{data['ref']} ", "bold"),
        data["name"],
        f"  ({data['country']}, {data['ministry']})\n",
        ("stage: ", "dim"),
        (data["label"], "bold cyan"),
        f" since {data['state_since'][:10]}  (version {data['version']})",
    )
    stdout.print(Panel(head, expand=False))
    if data["placement"]:
        p = data["placement"]
        stdout.print(
            Text(
                f"Placement: {p['division']} ({p['department']}), supervisor "
                f"{p['supervisor_name']} <{p['supervisor']}>, {p['start']} .. {p['end']}"
            )
        )
    stdout.print(Text("Can do now: " + (", ".join(data["allowed_triggers"]) or "nothing")))
    for trigger, reasons in data["blocked_triggers"].items():
        stdout.print(Text(f"Blocked: {trigger}", style="yellow"))
        for reason in reasons:
            stdout.print(Text(f"  - {reason}"))
    rows = [
        (c["label"], i["key"], "✓" if i["ticked"] else "·", i["label"])
        for c in data["checklist"]
        for i in c["items"]
    ]
    table("Checklist", ["Checklist", "Item", "", "Label"], rows)
    table(
        "Sign-offs",
        ["Name", "Status", "By", "Comment"],
        [(s["name"], s["status"], s["signer"], s["comment"]) for s in data["signoffs"]],
    )
    table(
        "History",
        ["When (UTC)", "What", "Who", "Detail"],
        [
            (
                h["at"][:16].replace("T", " "),
                h["kind"],
                h.get("actor", ""),
                _history_detail(h),
            )
            for h in data["history"]
        ],
    )


def _history_detail(entry: dict[str, Any]) -> str:
    kind = entry["kind"]
    if kind == "transition":
        reason = f" ({entry['reason']})" if entry["reason"] else ""
        return f"{entry['trigger']}: {entry['from']} -> {entry['to']}{reason}"
    if kind == "tick":
        return f"ticked {entry['item']}"
    if kind == "signoff":
        comment = f": {entry['comment']}" if entry["comment"] else ""
        return f"{entry['name']} {entry['decision']}{comment}"
    if kind == "deadline":
        return (f"due date for {entry['subject']} moved {entry['previous']} -> {entry['due']}: "
                f"{entry['reason']}")
    return f"{entry['placement']} placement in {entry['division']} with {entry['supervisor']}"


@officer.command("advance")
@click.argument("officer_ref", metavar="OFFICER")
@click.argument("trigger")
@as_option
@click.option("--reason", help="Required for decline and withdraw.")
@version_option
@pass_state
def officer_advance(
    state: CliState,
    officer_ref: str,
    trigger: str,
    actor: str,
    reason: str | None,
    expect_version: int | None,
) -> None:
    """Move an officer on by firing TRIGGER (e.g. accept, start_placement, graduate)."""
    from lifecycle.services import officers as actions

    outcome = actions.advance(
        state.services(),
        officer_ref,
        trigger,
        actor=actor,
        reason=reason,
        expected_version=expect_version,
    )
    ok(outcome.message)


@officer.command("place")
@click.argument("officer_ref", metavar="OFFICER")
@click.option("--division", required=True, metavar="NAME")
@click.option("--supervisor", required=True, metavar="EMAIL")
@as_option
@version_option
@pass_state
def officer_place(
    state: CliState,
    officer_ref: str,
    division: str,
    supervisor: str,
    actor: str,
    expect_version: int | None,
) -> None:
    """Place an officer in a division with a supervisor (or move them)."""
    from lifecycle.services import officers as actions

    outcome = actions.place(
        state.services(),
        officer_ref,
        division=division,
        supervisor=supervisor,
        actor=actor,
        expected_version=expect_version,
    )
    ok(outcome.message)


@officer.command("extend")
@click.argument("officer_ref", metavar="OFFICER")
@click.option("--until", required=True, metavar="DATE")
@as_option
@pass_state
def officer_extend(state: CliState, officer_ref: str, until: str, actor: str) -> None:
    """Extend an officer's current placement."""
    from lifecycle.services import officers as actions
    from lifecycle.services.validation import iso_date

    outcome = actions.extend_placement(
        state.services(), officer_ref, until=iso_date(until, "--until"), actor=actor
    )
    ok(outcome.message)


@click.group()
def checklist() -> None:
    """Checklist items: induction, travel documents, visit report."""


@checklist.command("tick")
@click.argument("officer_ref", metavar="OFFICER")
@click.argument("item")
@as_option
@pass_state
def checklist_tick(state: CliState, officer_ref: str, item: str, actor: str) -> None:
    """Tick ITEM (e.g. passport) for an officer."""
    from lifecycle.services import officers as actions

    ok(actions.tick(state.services(), officer_ref, item, actor=actor).message)


@checklist.command("untick")
@click.argument("officer_ref", metavar="OFFICER")
@click.argument("item")
@as_option
@pass_state
def checklist_untick(state: CliState, officer_ref: str, item: str, actor: str) -> None:
    """Take back a tick given by mistake."""
    from lifecycle.services import officers as actions

    ok(actions.untick(state.services(), officer_ref, item, actor=actor).message)


@click.command()
@click.argument("officer_ref", metavar="OFFICER")
@click.argument("name")
@as_option
@click.option("--approve", "decision", flag_value="approve", help="Approve the stage.")
@click.option(
    "--return", "decision", flag_value="return", help="Return it to the officer (needs --comment)."
)
@click.option("--comment")
@version_option
@pass_state
def signoff(
    state: CliState,
    officer_ref: str,
    name: str,
    actor: str,
    decision: str | None,
    comment: str | None,
    expect_version: int | None,
) -> None:
    """Sign off NAME (placement.midterm, placement.final) as the officer's supervisor."""
    from lifecycle.services import officers as actions

    if decision is None:
        raise click.UsageError("say --approve or --return")
    outcome = actions.sign_off(
        state.services(),
        officer_ref,
        name,
        actor=actor,
        approve=decision == "approve",
        comment=comment,
        expected_version=expect_version,
    )
    ok(outcome.message)


@officer.command("revert")
@click.argument("officer_ref", metavar="OFFICER")
@click.option("--reason", required=True, help="What went wrong (recorded in the history).")
@as_option
@version_option
@pass_state
def officer_revert(
    state: CliState, officer_ref: str, reason: str, actor: str, expect_version: int | None
) -> None:
    """Take back the officer's last transition (within the definition's limit, 7 days
    by default); the history keeps both."""
    from lifecycle.services.revert import revert

    ok(revert(state.services(), officer_ref, reason=reason, actor=actor,
              expected_version=expect_version).message)
