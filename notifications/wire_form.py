"""The bytes of one reminder e-mail as they go to the SMTP server, written directly.

Why this exists rather than the stdlib generator: ``OutgoingMessage.to_email`` builds an
``EmailMessage`` and lets the email package flatten it, about 1.4 ms a message on an
idle machine against 0.07 ms for these bytes, nearly all of it the header registry
parsing every header it is given and re-folding it on the way out; the legacy compat32
API is still 0.7-0.9 ms. Measured in one process on 2026-12-07 (1,000 due reminders to
the bench 4d sink on SQLite, alternating): 3.4 ms a message with these bytes, 6.2-6.5 ms with
``to_email(...).as_bytes()``: most of the dispatch speed-up of issue 13 part 3.

A reminder is always the same shape (a few headers, then multipart/alternative with a
text and an HTML part), so this writes that shape itself with the email package's own
encoders and folding rules: header values through ``email.header.Header`` and the SMTP
policy's ``fold`` (which leaves a short line as it is), bodies as 7bit,
quoted-printable or base64 chosen as the package's content manager chooses.

What it is checked against: ``tests/unit/notifications/test_wire_form.py`` (hypothesis)
parses these bytes with the stdlib ``email`` parser and holds what it reads (headers,
display names decoded by RFC 2047, the parts' types and decoded texts) equal to what it
reads of ``to_email``'s, for names in any script or needing quotes, subjects, reminder
keys and bodies of any script, long lines and boundary-like lines; and every line is
ASCII, CRLF-ended and at most 78 characters. ``to_email`` stays as that reference.
"""

from __future__ import annotations

import binascii
import hashlib
import re
from collections.abc import Iterable
from email.header import Header
from email.policy import SMTP

_WIRE = SMTP.clone(cte_type="7bit")
CRLF = "\r\n"
MAX_LINE = 78  # the SMTP policy's max_line_length, RFC 5322's recommended limit
# An ASCII value that fits on its line and has nothing Header.encode would change (no
# runs of spaces or tabs, no space at either end) is written as it is.
_SHORT = 76
_PLAIN = re.compile(r"(?:[!-~]+ )*[!-~]+")


def header(name: str, value: str) -> str:
    """``Name: value`` and its line end, folded as the SMTP policy folds a raw value
    (a value already cut into lines by ``Header.encode`` keeps them)."""
    folded: str = _WIRE.fold(name, value)
    return folded


def text_header(name: str, value: str) -> str:
    """A free-text header (a subject): RFC 2047 encoded words where not ASCII."""
    if value.isascii() and len(name) + 2 + len(value) <= _SHORT and _PLAIN.fullmatch(value):
        return f"{name}: {value}{CRLF}"  # what Header.encode leaves it as, at a tenth of the cost
    charset = "us-ascii" if value.isascii() else "utf-8"
    return header(name, Header(value, charset, header_name=name).encode(linesep="\n"))


def mailbox_header(name: str, display_name: str, address: str, formatted: str) -> str:
    """``From``/``To``: ``formatted`` (the email package's quoting of an ASCII name) as
    it is, or a non-ASCII name as encoded words followed by the address."""
    if display_name.isascii():
        return header(name, formatted)
    encoded = Header(display_name, "utf-8", header_name=name).encode(linesep="\n")
    return header(name, f"{encoded}\n <{address}>")


def text_part(subtype: str, text: str) -> str:
    """One ``text/SUBTYPE`` part in UTF-8: its headers, a blank line, its body."""
    cte, body = _encoded(text)
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"{CRLF}'
        f"Content-Transfer-Encoding: {cte}{CRLF}{CRLF}{body}"
    )


def alternative(headers: Iterable[str], parts: list[str], seed: str) -> bytes:
    """The whole message: ``headers`` (each with its line end), then ``parts`` as
    multipart/alternative, the last the one clients prefer.

    The boundary is derived from ``seed`` (the Message-ID), so sending the same
    reminder again writes the same bytes but for its Date; a boundary some part's text
    happens to contain is passed over for the next.
    """
    counter = 0
    boundary = _boundary(seed, counter)
    # Only a 7bit part can hold it: "=_" is in no quoted-printable or base64 text.
    while any(f"--{boundary}" in part for part in parts):
        counter += 1
        boundary = _boundary(seed, counter)
    top = "".join(headers) + (
        f"MIME-Version: 1.0{CRLF}"
        f'Content-Type: multipart/alternative;{CRLF} boundary="{boundary}"{CRLF}{CRLF}'
    )
    delimiter = f"--{boundary}{CRLF}"
    body = f"{CRLF}{delimiter}".join(parts)
    return f"{top}{delimiter}{body}{CRLF}--{boundary}--{CRLF}".encode("ascii")


def _boundary(seed: str, counter: int) -> str:
    return "=_attache_" + hashlib.sha256(f"{seed}/{counter}".encode()).hexdigest()[:24]


def _encoded(text: str) -> tuple[str, str]:
    """The content transfer encoding and the encoded body, with CRLF line ends, as
    ``email.contentmanager`` picks them for a 7bit policy: 7bit when the text is
    ASCII with no line over 78 bytes, else quoted-printable or base64, whichever the
    first ten lines say is shorter. Quoted-printable by ``binascii`` (C) rather than
    ``email.quoprimime`` (a character at a time in Python): the same decoded text."""
    lines = text.encode("utf-8").splitlines()
    if max((len(line) for line in lines), default=0) <= MAX_LINE:
        try:
            return "7bit", b"\r\n".join(lines).decode("ascii") + CRLF
        except UnicodeDecodeError:
            pass
    sniff = b"\n".join(lines[:10]) + b"\n"
    if len(_quoted_printable(sniff)) > len(binascii.b2a_base64(sniff)):
        data = b"\r\n".join(lines) + b"\r\n"
        per_line = MAX_LINE // 4 * 3
        encoded = b"".join(
            binascii.b2a_base64(data[i : i + per_line]) for i in range(0, len(data), per_line)
        )
        return "base64", encoded.decode("ascii").replace("\n", CRLF)
    body = _quoted_printable(b"\n".join(lines) + b"\n")
    return "quoted-printable", body.decode("ascii").replace("\n", CRLF)


def _quoted_printable(data: bytes) -> bytes:
    # istext: line ends stay line ends (and spaces before them are encoded); lines are
    # cut at 76 characters with soft breaks, as RFC 2045 asks.
    return binascii.b2a_qp(data, quotetabs=False, istext=True, header=False)
