"""Commands that set the programme up: init, demo, users, divisions, batches."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from console.context import CliState
from console.output import emit_json, fail, ok, stdout, table
from lifecycle.errors import InvalidData

# Each command imports the services it calls: importing them all here would load the
# database layer and the workflow engine for `--help` and every other command too.
if TYPE_CHECKING:
    from lifecycle.services.bulk import BulkResult

pass_state = click.make_pass_decorator(CliState)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


@click.command()
@click.option(
    "--workflows",
    "extra",
    type=click.Path(path_type=Path),
    help="An extra folder of workflow definitions (*.yaml).",
)
@pass_state
def init(state: CliState, extra: Path | None) -> None:
    """Create or upgrade the database and publish the workflow definitions (idempotent)."""
    from lifecycle.services import setup
    from workflows.loader import load_definitions

    files = load_definitions(extra)  # validate before touching the database
    services = state.services(ready=False)
    services.db.upgrade()
    published = setup.publish_definitions(services, files)
    ok(f"database {services.db.display_url} is ready")
    for name in published:
        ok(f"published {name}")


@click.command()
@pass_state
def demo(state: CliState) -> None:
    """Load the demo: JD17 and AE6 of 2022-2023, with users and divisions (idempotent)."""
    from lifecycle.demo import load_demo

    for line in load_demo(state.services()):
        ok(line)


@click.group()
def user() -> None:
    """Users: coordinators, supervisors, officers, viewers, admins."""


@user.command("add")
@click.option("--name", required=True)
@click.option("--email", required=True)
@click.option("--role", required=True, help="admin, coordinator, supervisor, officer or viewer")
@click.option("--timezone", help="IANA zone for this user's reminders (default Asia/Jakarta)")
@pass_state
def user_add(state: CliState, name: str, email: str, role: str, timezone: str | None) -> None:
    """Add a user."""
    from lifecycle.services import setup

    created = setup.add_user(state.services(), name=name, email=email, role=role, timezone=timezone)
    ok(f"added {created.role} {created.name} <{created.email}>")


@user.command("list")
@json_option
@pass_state
def user_list(state: CliState, as_json: bool) -> None:
    """List the users."""
    from lifecycle.services import views

    rows = views.user_list(state.services())
    if as_json:
        emit_json(rows)
        return
    table(
        "Users",
        ["Name", "E-mail", "Role", "Time zone"],
        [(u["name"], u["email"], u["role"], u["timezone"]) for u in rows],
    )


@click.group()
def division() -> None:
    """Divisions of the Secretariat's departments (APSC, AEC, ASCC)."""


@division.command("add")
@click.argument("name")
@click.option("--department", required=True, help="APSC, AEC or ASCC")
@pass_state
def division_add(state: CliState, name: str, department: str) -> None:
    """Add a division."""
    from lifecycle.services import setup

    created = setup.add_division(state.services(), name=name, department=department)
    ok(f"added division {created.name} ({department.upper()})")


@division.command("list")
@json_option
@pass_state
def division_list(state: CliState, as_json: bool) -> None:
    """List the divisions."""
    from lifecycle.services import views

    rows = views.division_list(state.services())
    if as_json:
        emit_json(rows)
        return
    table("Divisions", ["Division", "Department"], [(d["name"], d["department"]) for d in rows])


@click.group()
def batch() -> None:
    """Batches (cohorts) of a track."""


def _quotas(values: tuple[str, ...]) -> dict[str, int]:
    quotas: dict[str, int] = {}
    for value in values:
        country, _, seats = value.partition("=")
        if not seats.strip().isdigit():
            raise InvalidData(f"--quota {value!r} must look like KH=5")
        quotas[country.strip().upper()] = int(seats)
    return quotas


@batch.command("create")
@click.option("--track", required=True, help="junior-diplomats or aec-ascc")
@click.option("--number", required=True, type=int)
@click.option("--start", required=True, help="first day, e.g. 2023-02-01")
@click.option("--end", required=True, help="last day, e.g. 2024-01-31")
@click.option("--quota", multiple=True, help="seats per country, e.g. --quota KH=5 (repeatable)")
@click.option(
    "--with",
    "optional",
    multiple=True,
    help="switch on an optional stage, e.g. --with diplomatic_training",
)
@click.option("--funder", help="default: Japan-ASEAN Integration Fund (JAIF)")
@click.option(
    "--milestone",
    multiple=True,
    metavar="NAME=DATE",
    help="a named date reminders count from, e.g. study_visit=2023-12-04",
)
@pass_state
def batch_create(
    state: CliState,
    track: str,
    number: int,
    start: str,
    end: str,
    quota: tuple[str, ...],
    optional: tuple[str, ...],
    funder: str | None,
    milestone: tuple[str, ...],
) -> None:
    """Create a batch."""
    from lifecycle.services import setup
    from lifecycle.services.validation import iso_date

    ref = setup.create_batch(
        state.services(),
        track=track,
        number=number,
        start=iso_date(start, "--start"),
        end=iso_date(end, "--end"),
        quotas=_quotas(quota),
        optional_stages=optional,
        funder=funder,
        milestones=_milestone_options(milestone),
    )
    ok(f"created batch {ref}")


def _milestone_options(values: tuple[str, ...]) -> dict[str, date]:
    from lifecycle.services.validation import iso_date

    milestones = {}
    for value in values:
        name, sep, day = value.partition("=")
        if not sep:
            raise InvalidData(f"--milestone {value!r} must look like study_visit=2023-12-04")
        milestones[name.strip()] = iso_date(day, f"--milestone {name.strip()}")
    return milestones


@batch.command("milestone")
@click.argument("ref")
@click.argument("name")
@click.argument("day", metavar="DATE")
@click.option("--as", "actor", required=True, metavar="EMAIL")
@pass_state
def batch_milestone(state: CliState, ref: str, name: str, day: str, actor: str) -> None:
    """Set a batch date such as study_visit; reminders are re-planned."""
    from lifecycle.services import setup
    from lifecycle.services.validation import iso_date

    ok(setup.set_milestone(state.services(), ref, name, iso_date(day, "DATE"), actor=actor))


@batch.command("list")
@json_option
@pass_state
def batch_list(state: CliState, as_json: bool) -> None:
    """List the batches with their officers by stage."""
    from lifecycle.services import views

    rows = views.batch_list(state.services())
    if as_json:
        emit_json(rows)
        return
    table(
        "Batches",
        ["Batch", "Track", "Dates", "Officers", "By stage"],
        [
            (
                b["ref"],
                b["title"],
                f"{b['start']} .. {b['end']}",
                b["officers"],
                ", ".join(f"{s}: {n}" for s, n in sorted(b["by_state"].items())),
            )
            for b in rows
        ],
    )


@batch.command("show")
@click.argument("ref")
@json_option
@pass_state
def batch_show(state: CliState, ref: str, as_json: bool) -> None:
    """Show one batch: dates, quotas, optional stages and officers."""
    from lifecycle.services import views

    data = views.batch_detail(state.services(), ref)
    if as_json:
        emit_json(data)
        return
    stdout.print(f"[bold]{data['ref']}[/bold] {data['title']}", highlight=False)
    stdout.print(f"{data['start']} .. {data['end']}; funder: {data['funder']}", markup=False)
    stdout.print(
        f"optional stages: {', '.join(data['optional_stages']) or 'none'}; quotas: "
        + (", ".join(f"{c}={n}" for c, n in data["quotas"].items()) or "none"),
        markup=False,
    )
    table(
        None,
        ["Ref", "Name", "Country", "Ministry", "State"],
        [
            (o["ref"], o["name"], o["country"], o["ministry"], o["state"])
            for o in data["officer_list"]
        ],
    )


@batch.command("advance")
@click.argument("ref")
@click.argument("trigger")
@click.option("--as", "actor", required=True, metavar="EMAIL")
@click.option("--reason")
@json_option
@pass_state
def batch_advance(
    state: CliState, ref: str, trigger: str, actor: str, reason: str | None, as_json: bool
) -> None:
    """Fire TRIGGER for every officer of the batch it applies to, one at a time."""
    from rich.progress import Progress

    from lifecycle.services.bulk import advance_batch

    services = state.services()
    with Progress(transient=True, disable=as_json or not sys.stderr.isatty()) as progress:
        task = progress.add_task(f"{ref} {trigger}", total=None)

        def step(_: BulkResult) -> None:
            progress.advance(task)

        results = advance_batch(services, ref, trigger, actor=actor, reason=reason, on_each=step)
    failed = [r for r in results if not r.ok]
    if as_json:
        emit_json([r.__dict__ for r in results])
    else:
        table(
            f"{ref}: {trigger}",
            ["Officer", "Result"],
            [(r.ref, ("done: " if r.ok else "blocked: ") + r.message) for r in results],
        )
        stdout.print(f"{len(results) - len(failed)} done, {len(failed)} not", markup=False)
    if failed:
        blocked = ", ".join(r.ref for r in failed)
        fail(f"{len(failed)} of {len(results)} officers not advanced: {blocked}")
        sys.exit(failed[0].exit_code)
