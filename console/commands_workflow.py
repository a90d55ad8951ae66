"""Commands that show the workflow definitions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from console.commands_setup import json_option, pass_state
from console.context import CliState
from console.output import emit_json, ok, stdout, table

# Each command imports the services it calls (see console.commands_setup for why).
if TYPE_CHECKING:
    from lifecycle.services.migration_plan import Changes, Entry, Migration, ReminderChange


@click.group()
def workflow() -> None:
    """The programme tracks' lifecycle definitions."""


@workflow.command("list")
@json_option
@pass_state
def workflow_list(state: CliState, as_json: bool) -> None:
    """List the published tracks and versions."""
    from lifecycle.services import workflows as definitions

    rows = definitions.published(state.services())
    if as_json:
        emit_json(rows)
        return
    table(
        "Workflows",
        ["Track", "Version", "Title", "Refs", "Published"],
        [
            (r["track"], r["version"], r["title"], r["ref_prefix"], r["published_at"][:10])
            for r in rows
        ],
    )


@workflow.command("show")
@click.argument("track")
@click.option("--version", "version", type=int, help="default: the newest")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "mermaid", "json"]),
    help="default: text (--json is the same as --format json)",
)
@json_option
@pass_state
def workflow_show(
    state: CliState, track: str, version: int | None, fmt: str | None, as_json: bool
) -> None:
    """Show a track's states and triggers, or a Mermaid diagram to paste into docs."""
    from lifecycle.services import workflows as definitions

    if as_json and fmt not in (None, "json"):
        raise click.UsageError(f"--json and --format {fmt} ask for different outputs: pick one")
    fmt = "json" if as_json else (fmt or "text")
    compiled = definitions.compiled(state.services(), track, version)
    definition = compiled.definition
    if fmt == "mermaid":
        print(compiled.mermaid())
        return
    if fmt == "json":
        emit_json(definition.model_dump(mode="json"))
        return
    stdout.print(f"{definition.title} — {definition.track} v{definition.version}", markup=False)
    table(
        "States",
        ["State", "Label", ""],
        [
            (s.name, s.label, "final" if s.final else ("optional" if s.optional else ""))
            for s in definition.states
        ],
    )
    table(
        "Triggers",
        ["Trigger", "From", "To", "Who", "Requires"],
        [
            (
                t.name,
                ", ".join(t.source),
                t.dest,
                ", ".join(t.roles),
                "; ".join(
                    [g.label for g in t.guards] + (["a reason"] if t.reason_required else [])
                ),
            )
            for t in definition.triggers
        ],
    )
    table(
        "Sign-offs",
        ["Name", "During", "By", "After"],
        [(s.name, s.stage, s.signer, ", ".join(s.after)) for s in definition.signoffs],
    )


@workflow.command("migrate")
@click.argument("track")
@click.option("--from", "from_version", type=int, required=True, help="The version they run on.")
@click.option("--to", "to_version", type=int, required=True, help="The version to move to.")
@click.option("--batch", "batch", metavar="REF", help="Only this batch's officers (e.g. JD18).")
@click.option(
    "--map",
    "mapping",
    multiple=True,
    metavar="OLD=NEW",
    help="Officers in OLD (a state of --from) land in NEW (a state of --to); repeatable.",
)
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@click.option(
    "--as", "actor", required=True, metavar="EMAIL", help="The coordinator acting (their e-mail)."
)
@json_option
@pass_state
def workflow_migrate(
    state: CliState,
    track: str,
    from_version: int,
    to_version: int,
    batch: str | None,
    mapping: tuple[str, ...],
    dry_run: bool,
    actor: str,
    as_json: bool,
) -> None:
    """Move TRACK's running officers from one definition version to another, all or none.

    Each officer lands in the state of the same name, or where --map sends their state;
    their reminders are re-planned and an audit event records the move. If any officer
    cannot be mapped, nobody moves and each is named. Officers in a final state stay.
    """
    from lifecycle.services.migration import migrate, parse_mapping

    done = migrate(
        state.services(), track, from_version=from_version, to_version=to_version, actor=actor,
        batch=batch, mapping=parse_mapping(mapping), dry_run=dry_run,
    )  # fmt: skip
    if as_json:
        emit_json(done.to_dict())
        return
    show_migration(done)


def show_migration(done: Migration) -> None:
    verb = "would move" if done.dry_run else "moved"
    rows = [
        (
            f"{o.ref}\n{o.batch}",
            o.from_state if o.from_state == o.to_state else f"{o.from_state} -> {o.to_state}",
            _changes(o.items),
            _changes(o.signoffs),
            _reminders(o.reminders_created, o.reminders_cancelled),
        )
        for o in done.officers
    ]
    if rows:
        table(
            done.title + (" (dry run)" if done.dry_run else ""),
            ["Officer", "State", "Checklist items", "Sign-offs", "Reminders"],
            rows,
        )
    if done.staying:
        stays = ", ".join(f"{ref} ({where})" for ref, where in done.staying)
        stdout.print(f"Staying on v{done.from_version} (final state): {stays}", markup=False)
    count = len(done.officers)
    summary = f"{done.title}: {verb} {count} officer{'s' if count != 1 else ''}"
    if done.dry_run:
        summary += "; nothing was changed (run again without --dry-run to migrate)"
    ok(summary)


def _changes(changes: Changes) -> str:
    from lifecycle.services.migration_plan import TICKED

    def listed(entries: tuple[Entry, ...]) -> str:
        marks = {TICKED: " ✓", "approved": " ✓", "returned": " (returned)"}
        return ", ".join(e.name + marks.get(e.status, "") for e in entries) or "-"

    lines = [f"added: {listed(changes.added)}", f"dropped: {listed(changes.dropped)}"]
    return "\n".join([*lines, f"kept: {listed(changes.kept)}"])


def _reminders(created: tuple[ReminderChange, ...], cancelled: tuple[ReminderChange, ...]) -> str:
    def listed(changes: tuple[ReminderChange, ...]) -> str:
        return (
            "; ".join(
                f"{r.rule} #{r.occurrence} to {r.recipient} {r.send_at:%Y-%m-%d}" for r in changes
            )
            or "-"
        )

    return f"created: {listed(created)}\ncancelled: {listed(cancelled)}"
