"""``attache calendar``: secret iCalendar feed URLs for an officer, a supervisor or a batch."""

from __future__ import annotations

import click

from console.commands_setup import pass_state
from console.context import CliState
from console.output import ok, stdout, table

AS_USER = click.option(
    "--as", "actor", required=True, metavar="EMAIL", help="The user acting (their e-mail)."
)


@click.group("calendar")
def calendar() -> None:
    """Calendar feeds: create (the URL is printed once), list, revoke."""


@calendar.command("create")
@click.argument("kind", type=click.Choice(["officer", "supervisor", "batch"]))
@click.argument("ref")
@AS_USER
@pass_state
def calendar_create(state: CliState, kind: str, ref: str, actor: str) -> None:
    """Create a feed for an officer (ref or e-mail), a supervisor (e-mail) or a batch.

    Prints the feed's URL path once: only a hash of its token is kept.
    """
    from lifecycle.services import calendars

    token = calendars.create_feed(state.services(), kind, ref, actor=actor)
    stdout.print(f"/calendars/{token}.ics", markup=False)


@calendar.command("list")
@AS_USER
@pass_state
def calendar_list(state: CliState, actor: str) -> None:
    """The active feeds the user created (their ids, for revoke)."""
    from lifecycle.services import calendars

    feeds = calendars.my_feeds(state.services(), actor=actor)
    table("Calendar feeds", ("id", "kind", "ref", "created"),
          [(f.id, f.kind, f.ref, f.created_at.isoformat()) for f in feeds])


@calendar.command("revoke")
@click.argument("feed_id", type=click.IntRange(1))
@AS_USER
@pass_state
def calendar_revoke(state: CliState, feed_id: int, actor: str) -> None:
    """Revoke feed FEED_ID (see 'attache calendar list'): its URL stops working."""
    from lifecycle.services import calendars

    calendars.revoke_feed(state.services(), feed_id, actor=actor)
    ok(f"calendar feed {feed_id} revoked")
