"""Where uploaded documents' bytes live: outside the database rows, by content hash.

One small interface (``DocumentStore``) so production can keep files in S3-compatible
storage (docs/documents.md); ``DirectoryStore``, a folder on disk, is the default. A
file is named by the SHA-256 of its bytes, so the same scan uploaded twice is stored
once, and a stored file can be checked against its row.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Protocol

DEFAULT_DIRECTORY = "documents"  # beside the SQLite file, unless ATTACHE_DOCUMENTS_DIR


class DocumentStore(Protocol):
    def put(self, content: bytes) -> tuple[str, bool]:
        """Store ``content``; its key (SHA-256 hex) and whether it was new."""
        ...

    def read(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...


class DirectoryStore:
    """Files under one folder, ``ab/abcdef...`` by hash."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise ValueError(f"not a document key: {key!r}")
        return self.root / key[:2] / key

    def put(self, content: bytes) -> tuple[str, bool]:
        key = hashlib.sha256(content).hexdigest()
        path = self._path(key)
        if path.exists():
            return key, False
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written under a temporary name in the same folder, synced, then renamed: a
        # crash half-way leaves a stray temporary file, never a half file under a key.
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".upload-", delete=False) as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(f.name, path)
        return key, True

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).exists()


def default_store() -> DocumentStore:
    return DirectoryStore(os.environ.get("ATTACHE_DOCUMENTS_DIR") or DEFAULT_DIRECTORY)
