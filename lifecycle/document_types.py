"""The kinds of file a checklist item may ask for, told apart by their content.

A file's name and the type its browser claims are the uploader's word; the first bytes
are not (an .exe renamed .pdf still starts with "MZ"). ``DOCUMENT_TYPES`` maps the
names a definition's ``upload.types`` may use to the media type ``filetype`` reports.
"""

from __future__ import annotations

from collections.abc import Sequence

from lifecycle.errors import FileTooLarge, InvalidData, UnsupportedFileType

DOCUMENT_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "heic": "image/heic",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def size_label(size: int) -> str:
    """A size as people say it: 812 bytes, 34 KB, 9.5 MB."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")


def check_size(size: int, max_bytes: int, what: str) -> None:
    """Refuse an empty file or one over ``max_bytes``; ``what`` names it in the message."""
    if size == 0:
        raise InvalidData(f"{what} is empty: choose the file again")
    if size > max_bytes:
        raise FileTooLarge(
            f"{what} is too large: {size_label(size)}; the most allowed is "
            f"{size_label(max_bytes)}"
        )


def media_type_of(content: bytes, allowed: Sequence[str], what: str) -> str:
    """The media type ``content`` really is, if one of the ``allowed`` type names."""
    # Imported here: every definition names DOCUMENT_TYPES, so every command loads this
    # module, and only an upload needs to look at a file's bytes.
    import filetype

    kind = filetype.guess(content)
    wanted = {DOCUMENT_TYPES[name]: name for name in allowed}
    if kind is not None and kind.mime in wanted:
        return str(kind.mime)
    found = f"a {kind.extension} file" if kind is not None else "not a file type we know"
    raise UnsupportedFileType(
        f"{what} is {found} by its content; accepted: {', '.join(allowed)}"
    )
