"""The ``attache`` command: a thin adapter over ``lifecycle.services``.

Errors are mapped to exit codes here and nowhere else: 0 ok, 2 usage, 3 not found,
4 transition not allowed, 5 conflict, 6 permission denied, 7 invalid data,
8 database not ready, 12 expired (a survey, action or invitation link), 13 file too
large, 14 file of a type its checklist item does not accept.
"""

from __future__ import annotations

import sys

import click

from console.command_index import COMMANDS, LazyGroup
from console.context import CliState
from console.output import fail
from lifecycle.errors import AttacheError


# The commands' modules are imported when one of them runs (see console.command_index):
# `attache --help` and a usage error load no service, database or template code.
@click.group(
    cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.option(
    "--database",
    metavar="URL",
    help="SQLAlchemy URL (default: $ATTACHE_DATABASE_URL, else sqlite:///attache.db)",
)
@click.option(
    "--now",
    metavar="DATETIME",
    help="Act as if it were this instant (ISO 8601 with offset): for simulations and demos.",
)
@click.option("--config", metavar="FILE", help="TOML settings file (default: $ATTACHE_CONFIG)")
@click.pass_context
def cli(ctx: click.Context, database: str | None, now: str | None, config: str | None) -> None:
    """Attache: the attachment programme's officers, stages and sign-offs."""
    ctx.obj = CliState(database=database, now=now, config=config)
    ctx.call_on_close(ctx.obj.close)


def main(argv: list[str] | None = None) -> None:
    try:
        result = cli.main(args=argv, prog_name="attache", standalone_mode=False)
    except AttacheError as exc:
        fail(exc.message)
        sys.exit(exc.exit_code)
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else "attache"
        fail(f"{exc.format_message()} (see '{where} --help')")
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        fail(exc.format_message())
        sys.exit(exc.exit_code)
    except click.Abort:
        fail("aborted")
        sys.exit(1)
    sys.exit(result if isinstance(result, int) else 0)
