"""Where each of the CLI's commands lives, and the line ``attache --help`` shows for it.

``attache --help`` lists every command but runs none, so it imports none of their
modules: each is imported when it is run or asked for its own help (Click's "lazily
loading subcommands" pattern). The listing comes from the summaries below, which
``tests/unit/test_command_index.py`` holds equal to each command's docstring.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any, NamedTuple

import click


class Entry(NamedTuple):
    target: str  # "module:attribute"
    summary: str  # the first paragraph of the command's docstring, as --help shows it


# Two groups gain subcommands in a second module, which is the one named here: importing
# it imports the group's own module and adds the rest (user password|token|revoke-links,
# officer import|import-template|export).
COMMANDS: Mapping[str, Entry] = {
    "alumni": Entry(
        "console.commands_alumni:alumni",
        "Alumni follow-up: career records, testimonials, survey links.",
    ),
    "batch": Entry("console.commands_setup:batch", "Batches (cohorts) of a track."),
    "calendar": Entry(
        "console.commands_calendar:calendar",
        "Calendar feeds: create (the URL is printed once), list, revoke.",
    ),
    "certificate": Entry(
        "console.commands_certificate:certificate",
        "Graduation certificates: issued when an officer graduates.",
    ),
    "checklist": Entry(
        "console.commands_officer:checklist",
        "Checklist items: induction, travel documents, visit report.",
    ),
    "deadline": Entry(
        "console.commands_deadline:deadline",
        "One officer's own due date for a sign-off or checklist (an agreed extension).",
    ),
    "demo": Entry(
        "console.commands_setup:demo",
        "Load the demo: JD17 and AE6 of 2022-2023, with users and divisions (idempotent).",
    ),
    "division": Entry(
        "console.commands_setup:division",
        "Divisions of the Secretariat's departments (APSC, AEC, ASCC).",
    ),
    "document": Entry(
        "console.commands_document:document",
        "Documents on checklist items: upload, list, get.",
    ),
    "init": Entry(
        "console.commands_setup:init",
        "Create or upgrade the database and publish the workflow definitions (idempotent).",
    ),
    "nominator": Entry(
        "console.commands_nominator:nominator",
        "Home ministries' focal points, who nominate through a signed invitation link.",
    ),
    "officer": Entry(
        "console.commands_import:officer",
        "Attachment officers (named by reference, e.g. JD17-03, or by e-mail).",
    ),
    "reminders": Entry(
        "console.commands_reminders:reminders",
        "Reminders: what is planned, what was sent, and a dispatch pass.",
    ),
    "report": Entry(
        "console.commands_report:report",
        "The funder's report for a batch, a track or (neither given) the whole programme.",
    ),
    "scheduler": Entry(
        "console.commands_reminders:scheduler",
        "The reminder scheduler (APScheduler): dispatch every minute, digest at 08:00.",
    ),
    "serve": Entry(
        "console.commands_web:serve",
        "Serve the console on http://HOST:PORT (and run the scheduler unless told not to).",
    ),
    "signoff": Entry(
        "console.commands_officer:signoff",
        "Sign off NAME (placement.midterm, placement.final) as the officer's supervisor.",
    ),
    "supervisor": Entry(
        "console.commands_supervisor:supervisor",
        "Supervisors away (a substitute covers), and sign-offs reassigned.",
    ),
    "templates": Entry(
        "console.commands_reminders:templates",
        "Reminder templates (shipped, and the coordinators' overrides).",
    ),
    "user": Entry(
        "console.commands_accounts:user",
        "Users: coordinators, supervisors, officers, viewers, admins.",
    ),
    "workflow": Entry(
        "console.commands_workflow:workflow",
        "The programme tracks' lifecycle definitions.",
    ),
}


def load(entry: Entry) -> click.Command:
    module, _, attribute = entry.target.partition(":")
    command = getattr(importlib.import_module(module), attribute)
    if not isinstance(command, click.Command):
        raise TypeError(f"{entry.target} is not a Click command")
    return command


class LazyGroup(click.Group):
    """A group that imports a subcommand's module only when that subcommand is used.

    Commands added the usual way (``add_command``) work beside the lazy ones.
    """

    def __init__(self, *args: Any, lazy: Mapping[str, Entry], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            self.add_command(load(self.lazy[cmd_name]), cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Click's own listing calls get_command for each name, which would import them
        # all; a stand-in carrying the summary gives the same line without the import.
        listed = {
            name: self.commands.get(name) or _Summary(name, self.lazy[name].summary)
            for name in self.list_commands(ctx)
        }
        click.Group(self.name, commands=listed).format_commands(ctx, formatter)


class _Summary(click.Command):
    """What --help needs of a command not yet imported: its name and first paragraph."""

    def __init__(self, name: str, summary: str) -> None:
        super().__init__(name, help=summary)
