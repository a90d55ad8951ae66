"""Commands that show the workflow definitions."""

from __future__ import annotations

import click

from console.commands_setup import json_option, pass_state
from console.context import CliState
from console.output import emit_json, stdout, table

# Each command imports the services it calls (see console.commands_setup for why).


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
