"""Spreadsheets in and out: nominations imported from a sheet, officers exported.

These hang off the ``officer`` group. A sheet with any problem imports nothing and
exits 7, each problem (row, column, what is wrong) on its own line of stderr.
"""

from __future__ import annotations

from pathlib import Path

import click

from console.commands_officer import as_option, officer
from console.commands_setup import json_option, pass_state
from console.context import CliState
from console.output import emit_json, ok
from lifecycle import sheets
from lifecycle.errors import InvalidData

# The services are imported inside each command (see console.commands_setup for why).

FILE = click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)
OUTPUT = click.Path(dir_okay=False, writable=True, path_type=Path)


@officer.command("import")
@click.argument("file", type=FILE)
@click.option("--batch", required=True, metavar="REF")
@as_option
@json_option
@pass_state
def officer_import(state: CliState, file: Path, batch: str, actor: str, as_json: bool) -> None:
    """Nominate every row of FILE (.xlsx or .csv: name, country, ministry, email,
    position), all or nothing. See 'officer import-template'."""
    from lifecycle.services import imports

    size = file.stat().st_size
    if size > sheets.MAX_BYTES:
        raise InvalidData(f"{file}: {size} bytes is more than the {sheets.MAX_BYTES} allowed")
    result = imports.import_nominations(
        state.services(), batch=batch, data=file.read_bytes(), filename=file.name, actor=actor
    )
    if as_json:
        emit_json(result.to_dict())
        return
    ok(result.message)


@officer.command("import-template")
@click.option("--output", required=True, type=OUTPUT, help="FILE.xlsx or FILE.csv")
def import_template(output: Path) -> None:
    """Write a sheet to fill in: the header row and one example nomination."""
    from lifecycle.services import imports

    output.write_bytes(imports.template(sheets.format_of(output.name)))
    ok(f"wrote {output}: fill in one nomination per row, then 'attache officer import'")


@officer.command("export")
@click.option("--batch", required=True, metavar="REF")
@click.option("--format", "fmt", type=click.Choice(sheets.FORMATS), required=True)
@click.option("--output", required=True, type=OUTPUT, help="the officers' file; with csv, "
              "the history goes beside it as <stem>-history.csv")
@pass_state
def officer_export(state: CliState, batch: str, fmt: str, output: Path) -> None:
    """Export a batch's officers and their history (a second sheet, or a second CSV)."""
    from lifecycle.services import exports

    result = exports.export_batch(state.services(), batch, fmt)
    written = []
    for suffix, data in result.files.items():
        path = output.with_name(f"{output.stem}{suffix}{output.suffix or '.' + fmt}")
        path.write_bytes(data)
        written.append(str(path))
    ok(f"{result.officers} officer(s) and {result.events} history event(s) of {batch.upper()} "
       f"written to {' and '.join(written)}")
