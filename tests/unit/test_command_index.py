"""The CLI's command index (console.command_index) says what the commands themselves say."""

from __future__ import annotations

import click
import pytest

from console.app import cli
from console.command_index import COMMANDS, _Summary, load


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_summary_is_the_commands_own_help_line(name: str) -> None:
    """`attache --help` lists a command from its summary without importing it, so the
    summary must give the line its docstring gives, at any terminal width."""
    command = load(COMMANDS[name])
    stand_in = _Summary(name, COMMANDS[name].summary)
    assert [command.get_short_help_str(w) for w in (20, 45, 80, 200)] == [
        stand_in.get_short_help_str(w) for w in (20, 45, 80, 200)
    ]
    assert (name, False, False) == (command.name, command.hidden, command.deprecated)


def test_the_index_lists_every_command_of_each_group() -> None:
    """A group completed by a second module is indexed by that module, so running it
    finds every subcommand (user password, officer import) and not only the first
    module's."""
    ctx = click.Context(cli)
    officer = cli.get_command(ctx, "officer")
    user = cli.get_command(ctx, "user")
    assert isinstance(officer, click.Group) and isinstance(user, click.Group)
    assert {"import", "import-template", "export", "show"} <= set(officer.commands)
    assert {"password", "token", "revoke-links", "add"} <= set(user.commands)
