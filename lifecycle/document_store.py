"""Where uploaded files live: outside the database rows, named by their content hash.

The rows (``documents``) say whose file it is; the store only keeps bytes under their
SHA-256. One small interface, so production can keep the files in S3-compatible
storage (docs/documents.md) while a laptop keeps them in a folder.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Protocol

from lifecycle.errors import NotFound


class DocumentStore(Protocol):
    def put(self, content: bytes) -> str:
        """Keep ``content``; return its key (the SHA-256, hex). Idempotent."""

    def read(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None:
        """Forget ``key``; nothing happens if it is not there."""


class DirectoryStore:
    """Files in one folder, written so that a crash leaves no partial file under a
    real name: a temporary file in the same folder, fsync, then an atomic rename."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def put(self, content: bytes) -> str:
        key = hashlib.sha256(content).hexdigest()
        target = self._path(key)
        if target.exists():
            return key
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=".upload-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(content)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return key

    def read(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise NotFound(f"the stored file {key[:12]}… is missing from {self.folder}") from None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def _path(self, key: str) -> Path:
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise ValueError(f"not a SHA-256 key: {key!r}")
        return self.folder / key


def default_store(database_url: str, folder: str | None = None) -> DirectoryStore:
    """``folder`` beats ``ATTACHE_DOCUMENTS_DIR`` beats ``documents/`` beside the SQLite
    file (beside the process, for a server database)."""
    chosen = folder or os.environ.get("ATTACHE_DOCUMENTS_DIR")
    if chosen:
        return DirectoryStore(Path(chosen))
    if database_url.startswith("sqlite:///") and database_url != "sqlite:///:memory:":
        return DirectoryStore(Path(database_url.removeprefix("sqlite:///")).parent / "documents")
    return DirectoryStore(Path("documents"))
