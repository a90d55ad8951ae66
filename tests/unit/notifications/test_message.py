from __future__ import annotations

import re
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lifecycle.errors import ConfigurationError
from notifications.message import Mailbox, OutgoingMessage, message_id_for
from notifications.rendering import RenderedMessage

from .mail_reading import displayed_header, parse

MSG_ID = re.compile(r"<[!-;=?-~]+@[!-;=?-~]+>")  # RFC 5322 msg-id, no obsolete forms
SENT = datetime(2024, 1, 22, 2, 0, tzinfo=UTC)
SENDER = Mailbox("Attache, ASEAN Secretariat", "attache@asean.example")
OFFICER = Mailbox("ထက်ထက်ထူး", "htet.htet.htoo@commerce.example.gov.mm")


def outgoing(**changes: object) -> OutgoingMessage:
    rendered = RenderedMessage(
        subject="Sign-off due for ឈី រដ្ឋា and Hoàng Quốc Trung",
        text="Dear ເອກພາບ ພັນທະວົງ,\n\nPlease sign off.\n",
        html="<html><body><p>Dear ເອກພາບ ພັນທະວົງ,</p></body></html>\n",
    )
    message = OutgoingMessage.for_reminder(
        "AO-6-MM-01/placement.final/2024-01-19", rendered, sender=SENDER, recipient=OFFICER
    )
    fields = {**message.__dict__, **changes}
    return OutgoingMessage(**fields)


def parsed(email: EmailMessage) -> EmailMessage:
    """What a receiving mail client sees."""
    return parse(email.as_bytes())


def test_message_id_is_deterministic_and_per_key() -> None:
    """The same key gives the same id; another key another id."""
    first = message_id_for("AO-17-KH-01|placement.final")
    assert first == message_id_for("AO-17-KH-01|placement.final")
    assert first != message_id_for("AO-17-KH-01|placement.midterm")
    assert first.endswith("@attache.local>")


@given(st.text())
def test_message_id_is_rfc_5322_safe_for_any_key(key: str) -> None:
    """Spaces, line breaks, angle brackets, @ and any script hash to a valid id."""
    assert MSG_ID.fullmatch(message_id_for(key, "asean.example"))


def test_message_id_domain_must_be_a_domain() -> None:
    """A configured domain with spaces or brackets is refused, naming it."""
    with pytest.raises(ConfigurationError, match="'attache local'"):
        message_id_for("k", "attache local")


def test_email_is_multipart_alternative_text_then_html() -> None:
    """Clients show the last alternative they understand: HTML, with text as fallback."""
    email = parsed(outgoing().to_email(SENT))
    expected = ["multipart/alternative", "text/plain", "text/html"]
    assert expected == [part.get_content_type() for part in email.walk()]


def test_headers() -> None:
    """Message-ID, Date (from the parameter), reminder key and Auto-Submitted are set."""
    message = outgoing()
    email = parsed(message.to_email(SENT))
    expected = (
        message.message_id,
        "Mon, 22 Jan 2024 02:00:00 +0000",
        "AO-6-MM-01/placement.final/2024-01-19",
        "auto-generated",
    )
    assert expected == (
        email["Message-ID"],
        email["Date"],
        email["X-Attache-Reminder"],
        email["Auto-Submitted"],
    )


def test_names_in_any_script_round_trip() -> None:
    """A Burmese display name and a Khmer/Vietnamese subject arrive as written."""
    message = outgoing()
    raw = message.to_email(SENT).as_bytes()
    email = parse(raw)
    expected = (f"{OFFICER.name} <{OFFICER.address}>", SENDER.name, message.subject)
    assert expected == (
        displayed_header(raw, "To"),
        email["From"].addresses[0].display_name,
        email["Subject"],
    )


def test_bodies_round_trip() -> None:
    """The text and HTML bodies decode to exactly what was rendered."""
    message = outgoing()
    email = parsed(message.to_email(SENT))
    text = email.get_body(("plain",))
    html = email.get_body(("html",))
    assert text is not None and html is not None
    # MIME text travels with CRLF line ends; a client turns them back into its own.
    received = (text.get_content(), html.get_content())
    assert (message.text, message.html) == tuple(t.replace("\r\n", "\n") for t in received)


def test_the_wire_form_is_ascii_with_crlf() -> None:
    """Headers are encoded, so any server can take the bytes as they are."""
    raw = outgoing().to_email(SENT).as_bytes()
    assert raw.isascii()
    assert b"\r\n" in raw
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_a_naive_date_is_refused() -> None:
    """The Date header needs a zone."""
    with pytest.raises(ValueError, match="naive"):
        outgoing().to_email(datetime(2024, 1, 22, 9, 0))


@pytest.mark.parametrize(
    "changes",
    [
        {"subject": "Hello\r\nBcc: everyone@example.org"},
        {"key": "k\nX-Injected: yes"},
        {"message_id": "not an id"},
        {"message_id": "<two@at@signs"},
    ],
)
def test_header_injection_and_bad_ids_are_refused(changes: dict[str, object]) -> None:
    """A line break in a header value, or a malformed id, cannot build a message."""
    with pytest.raises(ValueError):
        outgoing(**changes)


def test_mailbox_parse() -> None:
    """ATTACHE_MAIL_FROM style text becomes a name and an address."""
    expected = Mailbox("Attache", "attache@asean.example")
    assert expected == Mailbox.parse("Attache <attache@asean.example>")
    assert Mailbox("", "attache@asean.example") == Mailbox.parse("attache@asean.example")


@pytest.mark.parametrize("text", ["", "attache", "Attache <>"])
def test_mailbox_parse_refuses_non_addresses(text: str) -> None:
    """Text without an address is refused."""
    with pytest.raises(ValueError):
        Mailbox.parse(text)


def test_mailbox_refuses_control_characters() -> None:
    """A line break in a display name cannot reach a header."""
    with pytest.raises(ValueError, match="control character"):
        Mailbox("Chhy\nRatha", "ratha@example.org")


# Letters, marks, digits and spaces of any script: names, not punctuation puzzles.
# Runs of spaces collapse when a folded header is unfolded (that is the mail format),
# so the names tested have single spaces.
names = (
    st.text(
        alphabet=st.characters(categories=("L", "M", "N", "Zs")),
        min_size=1,
        max_size=60,
    )
    .map(lambda text: " ".join(text.split()))
    .filter(bool)
)


@given(names)
def test_any_display_name_round_trips(name: str) -> None:
    """Display names in any script, long enough to be folded, arrive intact."""
    message = outgoing(recipient=Mailbox(name, "someone@example.org"))
    raw = message.to_email(SENT).as_bytes()
    assert f"{name} <someone@example.org>" == displayed_header(raw, "To")


# Words of any script with punctuation, as subjects are: names, dates, item labels.
subjects = st.lists(
    st.text(alphabet=st.characters(categories=("L", "M", "N", "P", "S")), min_size=1, max_size=15),
    min_size=1,
    max_size=14,
).map(" ".join)


@settings(deadline=None)
@given(subjects)
def test_any_subject_round_trips_with_its_spaces(subject: str) -> None:
    """Long subjects mixing scripts keep every space, in lines of at most 78 characters.

    (CPython's own folder loses the space between two encoded-words: gh-144156.)
    """
    raw = outgoing(subject=subject).to_email(SENT).as_bytes()
    assert subject == parse(raw)["Subject"] == displayed_header(raw, "Subject")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78


def test_a_non_ascii_reminder_key_round_trips() -> None:
    """The key header is encoded like the subject when it needs to be."""
    key = "AO-6-MM-01|ထက်ထက်ထူး|placement.final"
    raw = outgoing(key=key).to_email(SENT).as_bytes()
    assert key == parse(raw)["X-Attache-Reminder"]


def test_mailbox_refuses_non_ascii_addresses() -> None:
    """Names may be in any script; addresses would need SMTPUTF8, which is not sent."""
    with pytest.raises(ValueError, match="only ASCII"):
        Mailbox("Chhy Ratha", "រដ្ឋា@example.org")
