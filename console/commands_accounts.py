"""Sign-in credentials from the command line: passwords and API tokens.

These hang off the ``user`` group. A password is read from a prompt (hidden, asked
twice) unless ``--password`` or ``--password-stdin`` gives it, so scripts can set one
without it showing in the process list.
"""

from __future__ import annotations

import sys

import click

from console.commands_setup import pass_state, user
from console.context import CliState
from console.output import ok, stdout
from lifecycle.errors import InvalidData


def read_password(password: str | None, from_stdin: bool) -> str:
    if password is not None and from_stdin:
        raise InvalidData("give the password once: --password or --password-stdin, not both")
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if password is not None:
        return password
    entered: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return entered


@user.command("password")
@click.argument("email")
@click.option("--password", metavar="TEXT", help="the new password (10+ characters)")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@pass_state
def user_password(
    state: CliState, email: str, password: str | None, password_stdin: bool
) -> None:
    """Set or reset EMAIL's console password (signs out their open sessions)."""
    from lifecycle.services import accounts  # argon2 and the database: only when used

    accounts.set_password(state.services(), email, read_password(password, password_stdin))
    ok(f"{email} can sign in to the console with the new password")


@user.command("token")
@click.argument("email")
@click.option("--label", required=True, help="what the token is for, e.g. 'HR sync'")
@pass_state
def user_token(state: CliState, email: str, label: str) -> None:
    """Issue an API token for EMAIL; it is printed once and never shown again."""
    from lifecycle.services import accounts

    token = accounts.issue_token(state.services(), email, label, actor=email)
    stdout.print(token, markup=False)


@user.command("revoke-tokens")
@click.argument("email")
@pass_state
def user_revoke_tokens(state: CliState, email: str) -> None:
    """Revoke every API token of EMAIL."""
    from lifecycle.services import accounts

    count = accounts.revoke_tokens(state.services(), email, actor=email)
    ok(f"{count} token(s) of {email} revoked")


@user.command("revoke-links")
@click.argument("email")
@click.option(
    "--as", "actor", required=True, metavar="EMAIL", help="The coordinator acting (their e-mail)."
)
@pass_state
def user_revoke_links(state: CliState, email: str, actor: str) -> None:
    """Void every action link in the reminders EMAIL was sent so far (a lost phone, a
    forwarded mail). Links in reminders sent later work again."""
    from lifecycle.services import action_links

    ok(action_links.revoke(state.services(), email, actor=actor))
