"""An upload is read in chunks up to one byte past its item's limit, never further."""

from __future__ import annotations

import io

from fastapi import UploadFile

from web.documents import CHUNK, MAX_UPLOAD_BYTES, read_document


class Counting(io.BytesIO):
    """A spooled upload that remembers the largest read asked of it."""

    largest = 0

    def read(self, size: int | None = -1) -> bytes:
        self.largest = max(self.largest, size if size is not None and size >= 0 else 1 << 62)
        return super().read(size)


def test_reading_stops_one_byte_past_the_items_limit_in_chunks() -> None:
    spooled = Counting(bytes(3 * 1024 * 1024))
    content = read_document(UploadFile(spooled), limit=1024 * 1024)
    assert 1024 * 1024 + 1 == len(content)
    assert CHUNK == spooled.largest
    assert 1024 * 1024 + 1 == spooled.tell()


def test_a_small_file_is_read_whole_and_no_limit_means_the_ceiling() -> None:
    assert b"%PDF-1.4" == read_document(UploadFile(io.BytesIO(b"%PDF-1.4")), limit=10)
    spooled = Counting(b"x" * 10)
    assert b"x" * 10 == read_document(UploadFile(spooled))
    assert spooled.largest <= MAX_UPLOAD_BYTES + 1
