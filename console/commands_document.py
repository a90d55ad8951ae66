"""``attache document``: files on checklist items (a passport scan, a visit report)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from console.commands_setup import json_option, pass_state
from console.context import CliState
from console.output import emit_json, ok, table

AS_USER = click.option(
    "--as", "actor", required=True, metavar="EMAIL", help="The user acting (their e-mail)."
)


@click.group("document")
def document() -> None:
    """Documents on checklist items: upload, list, get."""


@document.command("upload")
@click.argument("officer_ref", metavar="OFFICER")
@click.argument("item")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--expires", metavar="DATE", help="The document's expiry date (e.g. a passport).")
@AS_USER
@pass_state
def upload(
    state: CliState, officer_ref: str, item: str, file: Path, expires: str | None, actor: str
) -> None:
    """Upload FILE for ITEM (e.g. passport); its type is checked by its content."""
    from lifecycle.services import documents
    from lifecycle.services.validation import iso_date

    ok(documents.upload(
        state.services(), officer_ref, item, file.read_bytes(), filename=file.name,
        actor=actor, expires_on=iso_date(expires, "--expires") if expires else None,
    ).message)


@document.command("list")
@click.argument("officer_ref", metavar="OFFICER")
@AS_USER
@json_option
@pass_state
def list_documents(state: CliState, officer_ref: str, actor: str, as_json: bool) -> None:
    """The officer's documents, item by item, with their history."""
    from lifecycle.services import documents

    found = documents.documents(state.services(), officer_ref, actor=actor)
    if as_json:
        emit_json([asdict(d) for d in found])
        return
    table(None, ("item", "file", "size", "expires", "uploaded", "earlier"), [
        (d.label, d.current.filename if d.current else "-", d.current.size if d.current else "",
         str(d.current.expires_on or "") if d.current else "",
         f"{d.current.uploaded_at:%Y-%m-%d} {d.current.uploaded_by}" if d.current else "",
         len(d.history))
        for d in found
    ])


@document.command("get")
@click.argument("officer_ref", metavar="OFFICER")
@click.argument("item")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@AS_USER
@pass_state
def get(state: CliState, officer_ref: str, item: str, output: Path, actor: str) -> None:
    """Save the current document for ITEM to --output."""
    from lifecycle.services import documents

    found = documents.download(state.services(), officer_ref, item, actor=actor)
    output.write_bytes(found.content)
    ok(f"saved {found.filename} ({len(found.content)} bytes) to {output}")
