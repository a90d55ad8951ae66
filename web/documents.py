"""Documents over HTTP, for the console's pages and the API alike: reading an upload
no bigger than needed, and answering a download safely."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from fastapi import UploadFile
from fastapi.responses import Response

from lifecycle.services.documents import Download
from lifecycle.services.validation import iso_date

# Read at most one byte more than any definition may allow: enough for the service to
# refuse an oversized file by its size, never an unbounded read into memory.
MAX_UPLOAD_BYTES = 100 * 1024 * 1024


def read_document(upload: UploadFile) -> bytes:
    return upload.file.read(MAX_UPLOAD_BYTES + 1)


def expiry(value: str | None) -> date | None:
    return iso_date(value, "expiry date") if value and value.strip() else None


def served(download: Download) -> Response:
    """The file as an attachment, of its stored type, never sniffed into something else."""
    name = quote(download.filename)
    return Response(
        download.content,
        media_type=download.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{name}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )
