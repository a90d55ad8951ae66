"""``attache report``: the funder's report as of a date, as PDF, XLSX, CSV or HTML.

Coordinators, admins and viewers may report; supervisors and officers may not. A
refused report (unknown batch or track, both given, a bad date, an output that cannot
be written) exits with its error's code and leaves no file behind, not even a part.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from console.commands_officer import as_option
from console.commands_setup import pass_state
from console.context import CliState
from console.output import ok
from lifecycle.errors import InvalidData
from lifecycle.reporting.documents import FORMATS

# The services, figures and renderers are imported inside the command: SQLAlchemy,
# matplotlib and WeasyPrint are what `--help` and a usage error must not wait for.
OUTPUT = click.Path(dir_okay=False, path_type=Path)


@click.command("report")
@click.option("--batch", metavar="REF", help="One batch (e.g. JD17).")
@click.option("--track", metavar="TRACK", help="One track (e.g. junior-diplomats).")
@click.option(
    "--as-of",
    "as_of",
    required=True,
    metavar="DATE",
    help="Figures as they stood at the end of DATE (YYYY-MM-DD) in Jakarta.",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True)
@click.option("--output", required=True, type=OUTPUT, help="The file to write.")
@click.option(
    "--within-years",
    type=int,
    default=2,
    show_default=True,
    metavar="N",
    help="Alumni outcomes: promotions and postings within N years of graduation.",
)
@as_option
@pass_state
def report(
    state: CliState,
    batch: str | None,
    track: str | None,
    as_of: str,
    fmt: str,
    output: Path,
    within_years: int,
    actor: str,
) -> None:
    """The funder's report for a batch, a track or (neither given) the whole programme."""
    from lifecycle.reporting.documents import render
    from lifecycle.reporting.figures import build_report
    from lifecycle.services.validation import iso_date

    day = iso_date(as_of, "as-of date")
    check_writable(output)  # before the work, not after it
    figures = build_report(
        state.services(),
        as_of=day,
        actor=actor,
        batch=batch,
        track=track,
        within_years=within_years,
    )
    document = render(figures, fmt)
    write_whole(output, document.data)
    ok(
        f"report on {figures.scope.title} as of {day} ({figures.officers} officer(s)) "
        f"written to {output}"
    )


def check_writable(output: Path) -> None:
    folder = output.parent if str(output.parent) else Path()
    if output.is_dir():
        raise InvalidData(f"cannot write {output}: it is a folder; name a file")
    if not folder.is_dir():
        raise InvalidData(f"cannot write {output}: there is no folder {folder}")
    if not os.access(folder, os.W_OK):
        raise InvalidData(f"cannot write {output}: the folder {folder} is not writable")


def write_whole(output: Path, data: bytes) -> None:
    """Write beside ``output`` under a temporary name, then rename: a reader never sees
    half a report, and a failure leaves nothing behind."""
    folder = output.parent if str(output.parent) else Path()
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".report-", suffix=output.suffix)
    except OSError as error:
        raise InvalidData(f"cannot write {output}: {error.strerror}") from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        # mkstemp makes the file private (0600); a report gets the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, output)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise InvalidData(f"cannot write {output}: {error.strerror}") from None
