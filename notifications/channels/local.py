"""Deliver into a folder of .eml files: for demos, development and ``make run``.

One file per Message-ID, so sending the same reminder again replaces its file rather
than adding a second one; each file appears whole or not at all (written aside, then
renamed), so a crash never leaves half a message for a reader to trip over.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path

from lifecycle.clock import Clock
from notifications.channels.base import TransientDeliveryError
from notifications.message import OutgoingMessage

_UNSAFE = re.compile(r"[^A-Za-z0-9._@+-]")


class LocalChannel:
    def __init__(self, folder: Path, clock: Clock) -> None:
        self.folder = folder
        self._clock = clock  # dates the messages

    def path_for(self, message_id: str) -> Path:
        """The file that holds the message with this Message-ID."""
        bare = message_id.strip().removeprefix("<").removesuffix(">")
        safe = _UNSAFE.sub("_", bare)
        if safe != bare or not safe or safe.startswith("."):
            # Keep the name readable but make distinct ids that look alike stay apart.
            digest = hashlib.sha256(message_id.encode("utf-8")).hexdigest()[:12]
            safe = f"{safe.lstrip('.')[:80]}-{digest}"
        return self.folder / f"{safe}.eml"

    def send(self, message: OutgoingMessage) -> None:
        data = message.to_bytes(self._clock.now())  # what the SMTP channel would send
        target = self.path_for(message.message_id)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            _write_atomically(target, data)
        except OSError as error:
            raise TransientDeliveryError(f"cannot write {target}: {error}") from error

    def messages(self) -> list[EmailMessage]:
        """Every message in the folder, oldest Date first (then by file name)."""
        if not self.folder.is_dir():
            return []
        parser = BytesParser(policy=default)
        found: list[tuple[str, str, EmailMessage]] = []
        for path in self.folder.glob("*.eml"):
            email = parser.parsebytes(path.read_bytes())
            assert isinstance(email, EmailMessage)  # policy=default builds EmailMessage
            date = email["Date"]
            when = date.datetime.isoformat() if date is not None else ""
            found.append((when, path.name, email))
        return [email for _, _, email in sorted(found, key=lambda item: item[:2])]


def _write_atomically(target: Path, data: bytes) -> None:
    # Readers see the old file or the new one, never a mix: write aside, flush to disk,
    # then rename over the target (atomic on POSIX and Windows).
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _sync_directory(target.parent)


def _sync_directory(folder: Path) -> None:
    # The rename lives in the directory: without this a power cut can lose it even
    # though the file's bytes are on disk. Not possible on Windows, nor needed there.
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
