"""SmtpChannel against a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import pytest

from notifications.channels import PermanentDeliveryError, TransientDeliveryError
from notifications.message import Mailbox, OutgoingMessage
from notifications.rendering import TemplateRenderer
from notifications.sample_context import sample_context
from tests.unit.notifications.mail_reading import displayed_header, parse

from .conftest import (
    NOW,
    PASSWORD,
    SENDER,
    USER,
    Certificate,
    RecordingHandler,
    ServerFactory,
    SmtpServer,
    channel_for,
    free_port,
)

KEY = "AO-6-MM-01|placement.final|2024-01-19"
HTET = Mailbox("ထက်ထက်ထူး", "htet.htet.htoo@commerce.example.gov.mm")


def escalation(key: str = KEY, recipient: Mailbox = HTET) -> OutgoingMessage:
    """The shipped escalation reminder, Burmese name in subject and bodies."""
    rendered = TemplateRenderer().render("signoff_escalation", sample_context("signoff_escalation"))
    return OutgoingMessage.for_reminder(key, rendered, sender=SENDER, recipient=recipient)


def test_a_message_arrives_as_multipart_alternative(smtp_server: SmtpServer) -> None:
    """One send: the envelope, Message-ID, reminder key, Date and both bodies arrive."""
    message = escalation()
    channel_for(smtp_server.port).send(message)
    [envelope] = smtp_server.envelopes
    email = parse(envelope.content)
    expected = (
        SENDER.address,
        [HTET.address],
        ["multipart/alternative", "text/plain", "text/html"],
        message.message_id,
        KEY,
        NOW,
    )
    assert expected == (
        envelope.mail_from,
        envelope.rcpt_tos,
        [part.get_content_type() for part in email.walk()],
        email["Message-ID"],
        email["X-Attache-Reminder"],
        email["Date"].datetime,
    )


def test_names_in_other_scripts_arrive_intact(smtp_server: SmtpServer) -> None:
    """Burmese, Khmer, Lao and Vietnamese names survive the display name, subject, bodies."""
    names = ["ထက်ထက်ထူး", "ឈី រដ្ឋា", "ເອກພາບ ພັນທະວົງ", "Hoàng Quốc Trung"]
    for index, name in enumerate(names):
        message = escalation(f"{KEY}|{index}", Mailbox(name, f"officer{index}@example.org"))
        channel_for(smtp_server.port).send(message)
    received = smtp_server.envelopes
    assert [f"{n} <officer{i}@example.org>" for i, n in enumerate(names)] == [
        displayed_header(envelope.content, "To") for envelope in received
    ]
    email = parse(received[0].content)
    text, html = email.get_body(("plain",)), email.get_body(("html",))
    assert text is not None and html is not None
    assert escalation().subject == email["Subject"]
    assert "ထက်ထက်ထူး" in text.get_content()
    assert "Nguyễn Thị Lan" in html.get_content()


def test_a_kept_session_carries_several_messages(smtp_server: SmtpServer) -> None:
    """Inside ``with`` the channel reuses one connection for every send."""
    with channel_for(smtp_server.port) as channel:
        for index in range(3):
            channel.send(escalation(f"{KEY}|{index}"))
    peers = {envelope.peer for envelope in smtp_server.envelopes}
    expected = (3, 1)
    assert expected == (len(smtp_server.envelopes), len(peers))


def test_one_off_sends_use_a_connection_each(smtp_server: SmtpServer) -> None:
    """Without ``with`` every send opens (and closes) its own session."""
    channel = channel_for(smtp_server.port)
    channel.send(escalation(f"{KEY}|1"))
    channel.send(escalation(f"{KEY}|2"))
    expected = 2
    assert expected == len({envelope.peer for envelope in smtp_server.envelopes})


def test_a_dropped_kept_session_is_reopened(smtp_server: SmtpServer) -> None:
    """If the server goes away between sends, the next send reconnects by itself."""
    with channel_for(smtp_server.port) as channel:
        channel.send(escalation(f"{KEY}|1"))
        smtp_server.stop()
        smtp_server.start()  # same port, new server: the old session is dead
        channel.send(escalation(f"{KEY}|2"))
    expected = 2
    assert expected == len(smtp_server.envelopes)


def test_451_is_transient(smtp_server_factory: ServerFactory) -> None:
    """A 4xx answer to DATA means "try later": TransientDeliveryError with the reply."""
    server = smtp_server_factory(RecordingHandler(data_reply="451 4.3.0 Try again later"))
    with pytest.raises(TransientDeliveryError) as caught:
        channel_for(server.port).send(escalation())
    expected = (451, "4.3.0 Try again later")
    assert expected == (caught.value.code, caught.value.answer)


def test_550_is_permanent_and_carries_the_reply(smtp_server_factory: ServerFactory) -> None:
    """A 5xx refusal of the recipient is permanent, with the server's code and text."""
    server = smtp_server_factory(RecordingHandler(rcpt_reply="550 5.1.1 No such user here"))
    with pytest.raises(PermanentDeliveryError) as caught:
        channel_for(server.port).send(escalation())
    expected = (550, "5.1.1 No such user here")
    assert expected == (caught.value.code, caught.value.answer)
    assert "550 5.1.1 No such user here" in str(caught.value)


def test_5xx_to_the_message_content_is_permanent(smtp_server_factory: ServerFactory) -> None:
    """A 5xx answer to DATA (say, refused as spam) is permanent too."""
    server = smtp_server_factory(RecordingHandler(data_reply="554 5.7.1 Message rejected"))
    with pytest.raises(PermanentDeliveryError) as caught:
        channel_for(server.port).send(escalation())
    expected = 554
    assert expected == caught.value.code


def test_a_server_hanging_up_is_transient(smtp_server_factory: ServerFactory) -> None:
    """A connection lost in the middle of a message is retried later."""
    server = smtp_server_factory(RecordingHandler(hang_up_on_data=True))
    with pytest.raises(TransientDeliveryError):
        channel_for(server.port).send(escalation())


def test_nothing_listening_is_transient() -> None:
    """Connection refused: the server may be back later."""
    with pytest.raises(TransientDeliveryError, match="cannot start an SMTP session"):
        channel_for(free_port()).send(escalation())


def test_starttls_with_login(starttls_server: SmtpServer, certificate: Certificate) -> None:
    """STARTTLS against a certificate trusted through ca_file, then AUTH, then the mail."""
    channel = channel_for(
        starttls_server.port,
        security="starttls",
        ca_file=certificate.cert,
        user=USER,
        password=PASSWORD,
    )
    channel.send(escalation())
    [envelope] = starttls_server.envelopes
    expected = (True, True)
    assert expected == (envelope.encrypted, envelope.authenticated)


def test_an_untrusted_certificate_is_refused(starttls_server: SmtpServer) -> None:
    """Without ca_file the self-signed certificate fails verification: nothing is sent."""
    with pytest.raises(TransientDeliveryError, match="CERTIFICATE_VERIFY_FAILED"):
        channel_for(starttls_server.port, security="starttls").send(escalation())
    assert not starttls_server.envelopes


def test_a_wrong_password_is_transient(
    starttls_server: SmtpServer, certificate: Certificate
) -> None:
    """535 at login is about the settings, not the message: retried, code kept."""
    channel = channel_for(
        starttls_server.port,
        security="starttls",
        ca_file=certificate.cert,
        user=USER,
        password="wrong",
    )
    with pytest.raises(TransientDeliveryError) as caught:
        channel.send(escalation())
    expected = 535
    assert expected == caught.value.code


def test_plain_text_to_a_server_requiring_tls_is_transient(starttls_server: SmtpServer) -> None:
    """The server's 530 "STARTTLS first" is a settings fault: no reminder is given up."""
    with pytest.raises(TransientDeliveryError) as caught:
        channel_for(starttls_server.port).send(escalation())
    expected = 530
    assert expected == caught.value.code


def test_implicit_tls(smtps_server: SmtpServer, certificate: Certificate) -> None:
    """security='ssl' speaks TLS from the first byte."""
    channel_for(smtps_server.port, security="ssl", ca_file=certificate.cert).send(escalation())
    [envelope] = smtps_server.envelopes
    assert True is envelope.encrypted
