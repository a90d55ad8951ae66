from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lifecycle.clock import FakeClock
from notifications.channels import LocalChannel, TransientDeliveryError
from notifications.message import Mailbox, OutgoingMessage
from notifications.rendering import RenderedMessage

START = datetime(2024, 1, 22, 2, 0, tzinfo=UTC)


def reminder(key: str, subject: str = "Sign-off due for ឈី រដ្ឋា") -> OutgoingMessage:
    return OutgoingMessage.for_reminder(
        key,
        RenderedMessage(subject, "Dear Nguyễn Thị Lan,\n", "<p>Dear Nguyễn Thị Lan,</p>\n"),
        sender=Mailbox("Attache", "attache@asean.example"),
        recipient=Mailbox("Nguyễn Thị Lan", "lan.nguyen@asean.example"),
    )


def test_a_message_becomes_one_eml_file_named_after_its_id(tmp_path: Path) -> None:
    """The file name comes from the Message-ID; reading it back gives the message."""
    channel = LocalChannel(tmp_path / "outbox", FakeClock(START))
    message = reminder("AO-17-KH-01|placement.midterm")
    channel.send(message)
    bare = message.message_id.strip("<>")
    assert [f"{bare}.eml"] == [p.name for p in (tmp_path / "outbox").iterdir()]
    [email] = channel.messages()
    assert (message.message_id, message.subject) == (email["Message-ID"], email["Subject"])


def test_sending_again_replaces_the_file(tmp_path: Path) -> None:
    """A retried reminder overwrites its earlier copy instead of duplicating it."""
    clock = FakeClock(START)
    channel = LocalChannel(tmp_path, clock)
    channel.send(reminder("AO-17-KH-01|placement.midterm", "first"))
    clock.advance(timedelta(minutes=5))
    channel.send(reminder("AO-17-KH-01|placement.midterm", "second"))
    expected = ["second"]
    assert expected == [email["Subject"] for email in channel.messages()]


def test_messages_come_back_oldest_first(tmp_path: Path) -> None:
    """messages() orders by the Date header, as the outbox was written."""
    clock = FakeClock(START)
    channel = LocalChannel(tmp_path, clock)
    for key in ("c", "a", "b"):
        channel.send(reminder(key, f"reminder {key}"))
        clock.advance(timedelta(hours=1))
    expected = ["reminder c", "reminder a", "reminder b"]
    assert expected == [email["Subject"] for email in channel.messages()]


def test_no_temporary_files_are_left_behind(tmp_path: Path) -> None:
    """Writes go through a temporary file that is renamed into place."""
    channel = LocalChannel(tmp_path, FakeClock(START))
    channel.send(reminder("one"))
    channel.send(reminder("one"))
    leftovers = [p.name for p in tmp_path.iterdir() if not p.name.endswith(".eml")]
    assert not leftovers


def test_odd_message_ids_become_safe_distinct_file_names(tmp_path: Path) -> None:
    """Ids with slashes or other characters cannot escape the folder or collide."""
    channel = LocalChannel(tmp_path, FakeClock(START))
    first = channel.path_for("<../../etc/passwd@x>")
    second = channel.path_for("<.._.._etc_passwd@x>")
    assert (tmp_path, tmp_path) == (first.parent, second.parent)
    assert first != second
    assert not first.name.startswith(".")


def test_an_unwritable_folder_is_a_transient_failure(tmp_path: Path) -> None:
    """If the outbox cannot be written, the reminder is retried later."""
    blocker = tmp_path / "outbox"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(TransientDeliveryError, match="cannot write"):
        LocalChannel(blocker, FakeClock(START)).send(reminder("x"))


def test_an_empty_or_missing_outbox_has_no_messages(tmp_path: Path) -> None:
    """Reading before anything was sent is not an error."""
    assert not LocalChannel(tmp_path / "never-created", FakeClock(START)).messages()


def test_the_date_header_comes_from_the_clock(tmp_path: Path) -> None:
    """No wall clock: the channel dates messages with the clock it was given."""
    channel = LocalChannel(tmp_path, FakeClock(START))
    channel.send(reminder("x"))
    expected = START
    assert expected == channel.messages()[0]["Date"].datetime
