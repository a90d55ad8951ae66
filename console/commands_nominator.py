"""``attache nominator``: invite a home ministry's focal point to nominate in Attache."""

from __future__ import annotations

import click

from console.commands_setup import pass_state
from console.context import CliState
from console.output import ok, stdout

AS_USER = click.option(
    "--as", "actor", required=True, metavar="EMAIL", help="The coordinator acting (their e-mail)."
)
BATCH = click.option("--batch", required=True, metavar="REF", help="e.g. JD17")
COUNTRY = click.option("--country", required=True, metavar="CC", help="KH, LA, MM or VN")
EMAIL = click.option("--email", required=True, metavar="EMAIL", help="the focal point's address")


@click.group("nominator")
def nominator() -> None:
    """Home ministries' focal points, who nominate through a signed invitation link."""


@nominator.command("invite")
@BATCH
@COUNTRY
@EMAIL
@click.option("--name", metavar="TEXT", help="the focal point's name, for the e-mails")
@click.option("--days", type=int, default=60, show_default=True, help="how long the link works")
@AS_USER
@pass_state
def invite(
    state: CliState, batch: str, country: str, email: str, name: str | None, days: int,
    actor: str,
) -> None:
    """Invite EMAIL to nominate for one batch and country. The link is printed once:
    send it to the focal point yourself. Inviting again makes a new link and kills the
    earlier one."""
    from lifecycle.services import nominations

    invited = nominations.invite(
        state.services(), batch=batch, country=country, email=email, name=name, days=days,
        actor=actor, base_url=state.settings().base_url(),
    )
    ok(invited.message)
    stdout.print(invited.link, markup=False, soft_wrap=True)


@nominator.command("revoke")
@BATCH
@COUNTRY
@EMAIL
@AS_USER
@pass_state
def revoke(state: CliState, batch: str, country: str, email: str, actor: str) -> None:
    """Withdraw EMAIL's invitation: its link stops working at once."""
    from lifecycle.services import nominations

    ok(nominations.revoke(state.services(), batch=batch, country=country, email=email,
                          actor=actor))
