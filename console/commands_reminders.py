"""Commands for reminders, templates and the scheduler."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click

from console.commands_setup import json_option, pass_state
from console.context import CliState
from console.output import emit_json, fail, ok, stdout, table
from lifecycle.errors import ConfigurationError, InvalidData
from lifecycle.persistence.reminder_statuses import STATUSES

# The reminders' services and the dispatcher (SQLAlchemy, Jinja2, the planner) are
# imported by the commands that run them: `--help` needs none of it.
if TYPE_CHECKING:
    from notifications.dispatch import Dispatcher


@click.group()
def reminders() -> None:
    """Reminders: what is planned, what was sent, and a dispatch pass."""


@reminders.command("list")
@click.option("--officer", "officer_ref", metavar="OFFICER")
@click.option("--status", type=click.Choice(STATUSES), multiple=True)
@json_option
@pass_state
def reminders_list(
    state: CliState, officer_ref: str | None, status: tuple[str, ...], as_json: bool
) -> None:
    """List reminders (all, or one officer's), with status and local send time."""
    from notifications import reminders_view

    rows = reminders_view.listing(state.services(), officer_ref, status)
    if as_json:
        emit_json(rows)
        return
    table(
        "Reminders",
        ["Send (recipient's time)", "To", "Officer", "Rule", "Status", "Note"],
        [
            (
                r["send_local"],
                f"{r['recipient_name']} ({r['recipient_role']})",
                r["officer"],
                f"{r['rule']} #{r['occurrence']}",
                r["status"],
                r["last_error"] or "",
            )
            for r in rows
        ],
    )


@reminders.command("dispatch")
@click.option(
    "--now",
    "now",
    metavar="DATETIME",
    help="Run the pass as of this instant (same as the global --now).",
)
@json_option
@pass_state
def reminders_dispatch(state: CliState, now: str | None, as_json: bool) -> None:
    """Run one dispatch pass: send what is due, retry what failed, expire the stale."""
    if now is not None:
        state.now = now
    services = state.services()
    report = _dispatcher(state).run_once()
    if as_json:
        emit_json(
            {
                "sent": report.sent,
                "retrying": report.retrying,
                "failed": report.failed,
                "expired": report.expired,
            }
        )
        return
    ok(f"{state.settings().channel_name()}: {report.summary}")
    del services


@reminders.command("preview")
@click.option("--batch", "batch_ref", required=True, metavar="REF")
@click.option("--until", metavar="DATE", help="default: the batch's end")
@json_option
@pass_state
def reminders_preview(state: CliState, batch_ref: str, until: str | None, as_json: bool) -> None:
    """Every reminder the batch will get from now until DATE if nobody acts."""
    from lifecycle.services.validation import iso_date
    from notifications import reminders_view

    limit = None
    if until is not None:
        day = iso_date(until, "--until")
        limit = datetime.combine(day, time(23, 59), ZoneInfo("Asia/Jakarta")).astimezone(UTC)
    rows = reminders_view.preview(state.services(), batch_ref, limit)
    if as_json:
        emit_json(rows)
        return
    table(
        f"{batch_ref}: reminders if nobody acts",
        ["Send (recipient's time)", "To", "Officer", "Rule", "Template"],
        [
            (
                r["send_local"],
                f"{r['recipient_name']} ({r['recipient_role']})",
                r["officer"],
                f"{r['rule']} #{r['occurrence']}",
                r["template"],
            )
            for r in rows
        ],
    )
    stdout.print(f"{len(rows)} reminders", markup=False)


def _dispatcher(state: CliState) -> Dispatcher:
    from notifications.dispatch import Dispatcher

    services = state.services()
    settings = state.settings()
    return Dispatcher(
        services, settings.channel(services.clock), settings.renderer(), settings.dispatch()
    )


@click.group()
def templates() -> None:
    """Reminder templates (shipped, and the coordinators' overrides)."""


@templates.command("check")
@pass_state
def templates_check(state: CliState) -> None:
    """Render every template against sample data; report each problem with file and line."""
    renderer = state.settings().renderer()
    problems = renderer.check()
    for problem in problems:
        fail(str(problem))
    if problems:
        raise InvalidData(f"{len(problems)} template problem(s); nothing was changed")
    ok(f"{len(renderer.names())} templates render cleanly")


@click.group()
def scheduler() -> None:
    """The reminder scheduler (APScheduler): dispatch every minute, digest at 08:00."""


@scheduler.command("run")
@click.option("--interval", default=60, show_default=True, help="seconds between passes")
@pass_state
def scheduler_run(state: CliState, interval: int) -> None:
    """Run the scheduler in the foreground until interrupted."""
    from notifications.scheduler import ReminderScheduler

    renderer = state.settings().renderer()
    problems = renderer.check()
    if problems:
        for problem in problems:
            fail(str(problem))
        raise ConfigurationError("the scheduler will not start with broken templates")
    services = state.services()
    dispatcher = _dispatcher(state)
    ok(f"scheduler started: dispatch every {interval}s to {state.settings().channel_name()}")
    ReminderScheduler(services, dispatcher, interval_seconds=interval).run_forever()
    sys.exit(0)
