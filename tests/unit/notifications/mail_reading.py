"""Reading sent mail back the way a standards-following mail client does."""

from __future__ import annotations

from email.header import decode_header, make_header
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import compat32, default


def parse(raw: bytes) -> EmailMessage:
    message = BytesParser(policy=default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


def displayed_header(raw: bytes, name: str) -> str:
    """Header ``name`` decoded by RFC 2047's rules, e.g. ``ထက်ထက်ထူး <htet@example.org>``.

    Python's modern address parser (before CPython gh-128110) puts a space between two
    adjacent encoded-words of a long display name, although RFC 2047 section 6.2 says
    the white space between them is to be ignored; ``email.header`` gets it right, so
    tests read names through it rather than assert CPython's bug.
    """
    value = BytesParser(policy=compat32).parsebytes(raw, headersonly=True)[name]
    assert isinstance(value, str)
    return str(make_header(decode_header(value)))
