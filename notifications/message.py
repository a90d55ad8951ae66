"""One e-mail ready to send: who, what, and the stable id that makes resending safe.

The Message-ID is derived from the reminder's key, so the same reminder always yields
the same id: a channel that is asked twice (after a crash between sending and
recording it) can overwrite instead of duplicating, and mail clients thread repeats.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr

from lifecycle.clock import ensure_utc
from lifecycle.errors import ConfigurationError
from notifications import wire_form
from notifications.rendering import RenderedMessage

DEFAULT_DOMAIN = "attache.local"

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
# RFC 5322 msg-id: "<" id-left "@" id-right ">", printable ASCII and no spaces.
_MESSAGE_ID = re.compile(r"<[!-;=?-~]+@[!-;=?-~]+>")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_WIRE = SMTP.clone(cte_type="7bit")


def message_id_for(key: str, domain: str = DEFAULT_DOMAIN) -> str:
    """``<reminder-HASH@domain>``: deterministic for ``key``, safe whatever ``key`` holds.

    The key is hashed rather than quoted because keys carry officer refs, rule names
    and dates with characters (``/``, ``:``, spaces, any script) that a Message-ID
    cannot hold; 128 bits of SHA-256 keep distinct keys apart.
    """
    if not _DOMAIN.fullmatch(domain):
        raise ConfigurationError(f"message id domain {domain!r} is not a domain name")
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"<reminder-{digest}@{domain}>"


@dataclass(frozen=True)
class Mailbox:
    """A display name (any script) and an address."""

    name: str
    address: str

    def __post_init__(self) -> None:
        if _CONTROL.search(self.name) or _CONTROL.search(self.address):
            raise ValueError(f"mailbox {self.name!r} <{self.address!r}> has a control character")
        local, at, domain = self.address.rpartition("@")
        if not (local and at and domain):
            raise ValueError(f"{self.address!r} is not an e-mail address")
        if not self.address.isascii():
            # It would need SMTPUTF8 end to end; names may be in any script, addresses not.
            raise ValueError(f"{self.address!r}: only ASCII e-mail addresses are supported")
        _address_text(self.name, self.address)  # the email package refuses what it cannot encode

    @classmethod
    def parse(cls, text: str) -> Mailbox:
        """``"Attache <attache@asean.example>"`` or a bare ``attache@asean.example``."""
        name, address = parseaddr(text)
        if not address:
            raise ValueError(f"{text!r} is not an e-mail address")
        return cls(name, address)

    def to_address(self) -> Address:
        return Address(display_name=self.name, addr_spec=self.address)

    def __str__(self) -> str:
        return str(self.to_address())


@dataclass(frozen=True)
class OutgoingMessage:
    key: str  # the reminder's key; also sent as the X-Attache-Reminder header
    message_id: str
    sender: Mailbox
    recipient: Mailbox
    subject: str
    text: str
    html: str

    def __post_init__(self) -> None:
        if not _MESSAGE_ID.fullmatch(self.message_id):
            raise ValueError(f"{self.message_id!r} is not an RFC 5322 message id")
        # Header values: a line break would end the header and start a forged one.
        for field in ("key", "subject"):
            if _CONTROL.search(getattr(self, field)):
                raise ValueError(f"the {field} {getattr(self, field)!r} has a control character")

    @classmethod
    def for_reminder(
        cls,
        key: str,
        rendered: RenderedMessage,
        *,
        sender: Mailbox,
        recipient: Mailbox,
        domain: str = DEFAULT_DOMAIN,
    ) -> OutgoingMessage:
        return cls(
            key=key,
            message_id=message_id_for(key, domain),
            sender=sender,
            recipient=recipient,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
        )

    def to_bytes(self, date: datetime) -> bytes:
        """``to_email(date)`` as the bytes a server is sent, written without building
        the ``EmailMessage`` (see ``wire_form``): what the SMTP channel sends."""
        headers = (
            wire_form.header("Message-ID", self.message_id),
            wire_form.header("Date", format_datetime(ensure_utc(date))),
            _mailbox_line("From", self.sender),
            _mailbox_line("To", self.recipient),
            wire_form.text_header("Subject", self.subject),
            wire_form.header("Auto-Submitted", "auto-generated"),
            wire_form.text_header("X-Attache-Reminder", self.key),
        )
        parts = [wire_form.text_part("plain", self.text), wire_form.text_part("html", self.html)]
        return wire_form.alternative(headers, parts, self.message_id)

    def to_email(self, date: datetime) -> EmailMessage:
        """A multipart/alternative message (text, then HTML) dated ``date``.

        Non-ASCII display names and subjects are encoded (RFC 2047) and lines end in
        CRLF, so the bytes can go to any server as they are.
        """
        # 7bit: bodies get quoted-printable or base64 when needed, so the message is
        # ASCII on the wire and needs no 8BITMIME support from the server.
        email = EmailMessage(policy=_WIRE)
        email["Message-ID"] = self.message_id
        email["Date"] = format_datetime(ensure_utc(date))
        _set_mailbox(email, "From", self.sender)
        _set_mailbox(email, "To", self.recipient)
        _set_text(email, "Subject", self.subject)
        # RFC 3834: tells vacation responders and ticket systems not to answer.
        email["Auto-Submitted"] = "auto-generated"
        _set_text(email, "X-Attache-Reminder", self.key)
        email.set_content(self.text)
        email.add_alternative(self.html, subtype="html")
        return email


# CPython's header folder (before gh-144156) drops the space between two encoded-words
# when it folds a long header, so "for ឈី រដ្ឋា is late" can arrive as "for ឈី រដ្ឋាis
# late". The older email.header encoder keeps every space inside the encoded-words, and
# set_raw stores its lines as they are: each is under 78 characters, so the generator
# does not fold them again.


def _set_text(email: EmailMessage, name: str, value: str) -> None:
    # email.header folds at spaces and keeps them; the policy's own folder puts a long
    # ASCII subject on a continuation line (a leading space for the reader).
    charset = "us-ascii" if value.isascii() else "utf-8"
    email.set_raw(name, Header(value, charset, header_name=name).encode(linesep="\n"))


def _mailbox_line(name: str, mailbox: Mailbox) -> str:
    return wire_form.mailbox_header(name, mailbox.name, mailbox.address, _formatted(mailbox))


def _formatted(mailbox: Mailbox) -> str:
    return _address_text(mailbox.name, mailbox.address) if mailbox.name.isascii() else ""


@functools.lru_cache(maxsize=4096)
def _address_text(name: str, address: str) -> str:
    # The email package's quoting of a display name (commas, quotes); parsing the
    # address for it cost more than the rest of the header, and the sender and most
    # recipients come back message after message (a dispatch pass makes a Mailbox for
    # every reminder it sends).
    return str(Address(display_name=name, addr_spec=address))


def _set_mailbox(email: EmailMessage, name: str, mailbox: Mailbox) -> None:
    if mailbox.name.isascii():
        email[name] = mailbox.to_address()  # quotes names with commas and the like
    else:
        encoded = Header(mailbox.name, "utf-8", header_name=name).encode(linesep="\n")
        email.set_raw(name, f"{encoded}\n <{mailbox.address}>")
