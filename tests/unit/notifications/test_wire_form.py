"""``OutgoingMessage.to_bytes`` (written by hand, what the SMTP channel sends) reads in
a mail client exactly as ``to_email`` (built by the email package) does."""

from __future__ import annotations

from email.message import EmailMessage

from hypothesis import given, settings
from hypothesis import strategies as st

from notifications.message import Mailbox, OutgoingMessage
from notifications.rendering import RenderedMessage

from .mail_reading import displayed_header, parse
from .test_message import SENDER, SENT, names, outgoing, subjects

# Bodies as templates write them, and worse: any script, long lines, lines a careless
# writer would break on ("--" like a MIME boundary, "." alone like SMTP's end of data,
# "From " like an mbox separator), trailing spaces, no final line end.
_line = st.one_of(
    st.text(alphabet=st.characters(categories=("L", "M", "N", "P", "S", "Zs")), max_size=120),
    st.sampled_from(["--", "--=_attache_", ".", "From here", "  ", "=", "= 3D", "\t"]),
)
bodies = st.lists(_line, max_size=25).map("\n".join) | st.text(max_size=300).filter(
    lambda text: "\r" not in text
)


def client_view(raw: bytes) -> tuple[object, ...]:
    """What a reader sees: headers decoded, the parts' types and decoded texts."""
    email = parse(raw)
    assert isinstance(email, EmailMessage)
    parts = [(p.get_content_type(), p.get_content()) for p in email.iter_parts()]
    headers = {
        name: str(email[name])
        for name in ("Message-ID", "Date", "Subject", "Auto-Submitted", "X-Attache-Reminder")
    }
    return (
        email.get_content_type(),
        headers,
        displayed_header(raw, "From"),
        displayed_header(raw, "To"),
        [(kind, text.replace("\r\n", "\n")) for kind, text in parts],
    )


def assert_same_in_a_client(message: OutgoingMessage) -> None:
    raw = message.to_bytes(SENT)
    assert client_view(message.to_email(SENT).as_bytes()) == client_view(raw)
    assert raw.isascii()
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78


def test_the_usual_reminder_reads_the_same() -> None:
    """The test message of ``test_message`` (names and subject in four scripts)."""
    assert_same_in_a_client(outgoing())


@settings(deadline=None, max_examples=200)
@given(subjects, names, st.text(alphabet="abcdefghij ,.\"'()<>@", min_size=1, max_size=70))
def test_any_subject_and_names_read_the_same(subject: str, name: str, ascii_name: str) -> None:
    """Subjects and display names of any script and length, and ASCII names that need
    quoting (commas, quotes, brackets), fold and encode to the same reading."""
    assert_same_in_a_client(
        outgoing(
            subject=subject,
            recipient=Mailbox(name, "someone@example.org"),
            sender=Mailbox(" ".join(ascii_name.split()), "attache@asean.example"),
        )
    )


@settings(deadline=None, max_examples=200)
@given(bodies, bodies)
def test_any_bodies_read_the_same(text: str, html: str) -> None:
    """7bit, quoted-printable and base64 bodies decode to the same text, whatever the
    lines hold; none of them can end its part early."""
    rendered = RenderedMessage("Sign-off due", text, html)
    message = OutgoingMessage.for_reminder(
        "AO-6-MM-01/placement.final/2024-01-19", rendered, sender=SENDER,
        recipient=Mailbox("Chhy Ratha", "ratha@example.org"),
    )  # fmt: skip
    assert_same_in_a_client(message)


def test_a_body_holding_the_boundary_gets_another() -> None:
    """A text part that contains the boundary the Message-ID gives is sent with the
    next one, so the part cannot end early."""
    first = outgoing().to_bytes(SENT)
    boundary = first.split(b'boundary="')[1].split(b'"')[0].decode()
    rendered = RenderedMessage("Hello", f"--{boundary}\nstill the text\n", "<p>hi</p>\n")
    message = OutgoingMessage.for_reminder(
        "AO-6-MM-01/placement.final/2024-01-19", rendered, sender=SENDER,
        recipient=Mailbox("Chhy Ratha", "ratha@example.org"),
    )  # fmt: skip
    assert boundary != message.to_bytes(SENT).split(b'boundary="')[1].split(b'"')[0].decode()
    assert_same_in_a_client(message)


def test_the_same_reminder_is_the_same_bytes_but_its_date() -> None:
    """Sent again (after a crash), a reminder is byte for byte what it was but for Date."""
    again = outgoing().to_bytes(SENT.replace(hour=3))
    first = outgoing().to_bytes(SENT)
    assert [a for a in again.split(b"\r\n") if not a.startswith(b"Date:")] == [
        b for b in first.split(b"\r\n") if not b.startswith(b"Date:")
    ]


# Names for either mailbox: any script, or ASCII that needs quoting (commas, quotes,
# brackets, an "@" in the name).
_any_name = names | st.text(alphabet="abcdefghij ,.\"'()<>@;:", min_size=1, max_size=70).map(
    lambda text: " ".join(text.split())
).filter(bool)

# Reminder keys of any script (OutgoingMessage refuses control characters in a header).
_keys = st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=80)


@settings(deadline=None, max_examples=300)
@given(_any_name, _any_name, subjects, _keys, bodies, bodies)
def test_any_whole_message_reads_the_same(
    sender: str, recipient: str, subject: str, key: str, text: str, html: str
) -> None:
    """Everything arbitrary at once: both display names, the subject, the reminder key
    (sent as X-Attache-Reminder) and both bodies. The stdlib parser reads the written
    bytes to the same headers, parts and texts as the email package's own message."""
    message = OutgoingMessage.for_reminder(
        key,
        RenderedMessage(subject, text, html),
        sender=Mailbox(sender, "attache@asean.example"),
        recipient=Mailbox(recipient, "someone@example.org"),
    )
    assert_same_in_a_client(message)
