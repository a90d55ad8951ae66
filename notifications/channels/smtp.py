"""Send through an SMTP server, and say whether a failure is worth retrying.

Failures are sorted by *when* they happen. Setting up the session (connecting, TLS,
logging in) says nothing about the message, so any failure there is transient: the
reminder waits while the server, the network or the settings are put right (a wrong
password shows up as transient failures carrying the server's 535, not as every
pending reminder marked undeliverable). Once the server answers for this message
(MAIL, RCPT, DATA), a 5xx reply is permanent and a 4xx reply is transient, except
the few 5xx replies that are about the session's credentials or encryption.
"""

from __future__ import annotations

import contextlib
import functools
import select
import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Literal, Self, get_args

from lifecycle.clock import Clock
from lifecycle.errors import ConfigurationError
from notifications.channels.base import (
    DeliveryError,
    PermanentDeliveryError,
    ServerUnavailable,
    TransientDeliveryError,
)
from notifications.message import Mailbox, OutgoingMessage

Security = Literal["none", "starttls", "ssl"]
SECURITY_CHOICES: tuple[Security, ...] = get_args(Security)
DEFAULT_PORTS: dict[Security, int] = {"none": 25, "starttls": 587, "ssl": 465}
DEFAULT_TIMEOUT = 30.0
# Replies meaning "this session may not send" rather than "not this message": 530
# (STARTTLS or authentication required, RFC 3207/4954), 534, 535, 538 (RFC 4954).
# Whichever command they answer, the settings are at fault, so they are transient.
_SESSION_REPLIES = frozenset({530, 534, 535, 538})
# Seconds a kept session may sit unused before a NOOP checks the server still holds it.
# Real time (time.monotonic), not the injected clock: it measures the connection, not
# the programme. Servers wait minutes (RFC 5321 4.5.3.2) before dropping an idle client.
IDLE_CHECK = 5.0


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to reach the SMTP server.

    ``ca_file`` trusts exactly the certificate authorities in that PEM file instead of
    the system's, for a server with a private or self-signed certificate.
    """

    host: str
    port: int
    mail_from: Mailbox  # the envelope sender: where bounces go
    security: Security = "starttls"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT
    ca_file: Path | None = None

    def __post_init__(self) -> None:
        _check_security(self.security, "security")
        _check_port(self.port, "port")
        _check_timeout(self.timeout, "timeout")
        _check_credentials(self.user, self.password, self.security, "user", "password")

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> SmtpSettings:
        """Read the ``ATTACHE_SMTP_*`` and ``ATTACHE_MAIL_FROM`` variables.

        Errors name the variable and its value (never the password's value).
        """

        def get(name: str) -> str | None:
            value = environ.get(name, "").strip()
            return value or None

        host = get("ATTACHE_SMTP_HOST")
        if host is None:
            raise ConfigurationError("ATTACHE_SMTP_HOST is not set: name the SMTP server")
        security = _check_security(
            get("ATTACHE_SMTP_SECURITY") or "starttls", "ATTACHE_SMTP_SECURITY"
        )
        port_text = get("ATTACHE_SMTP_PORT")
        port = DEFAULT_PORTS[security] if port_text is None else _parse_port(port_text)
        mail_from_text = get("ATTACHE_MAIL_FROM")
        if mail_from_text is None:
            raise ConfigurationError(
                "ATTACHE_MAIL_FROM is not set: the sender, e.g. 'Attache <attache@asean.org>'"
            )
        try:
            mail_from = Mailbox.parse(mail_from_text)
        except ValueError as error:
            raise ConfigurationError(
                f"ATTACHE_MAIL_FROM={mail_from_text!r} is not an e-mail address"
            ) from error
        user, password = get("ATTACHE_SMTP_USER"), get("ATTACHE_SMTP_PASSWORD")
        _check_credentials(
            user, password, security, "ATTACHE_SMTP_USER", "ATTACHE_SMTP_PASSWORD"
        )
        timeout_text = get("ATTACHE_SMTP_TIMEOUT")
        timeout = DEFAULT_TIMEOUT if timeout_text is None else _parse_timeout(timeout_text)
        ca_text = get("ATTACHE_SMTP_CA_FILE")
        ca_file = None if ca_text is None else Path(ca_text)
        if ca_file is not None and not ca_file.is_file():
            raise ConfigurationError(f"ATTACHE_SMTP_CA_FILE={ca_text!r} is not a file")
        return cls(
            host=host,
            port=port,
            mail_from=mail_from,
            security=security,
            user=user,
            password=password,
            timeout=timeout,
            ca_file=ca_file,
        )


def _check_security(value: str, name: str) -> Security:
    for choice in SECURITY_CHOICES:
        if value == choice:
            return choice
    raise ConfigurationError(f"{name}={value!r} is not one of {', '.join(SECURITY_CHOICES)}")


def _check_port(value: int, name: str) -> int:
    if not 1 <= value <= 65535:
        raise ConfigurationError(f"{name}={value!r} is not a port number (1-65535)")
    return value


def _parse_port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ConfigurationError(
            f"ATTACHE_SMTP_PORT={text!r} is not a port number (1-65535)"
        ) from None
    return _check_port(value, "ATTACHE_SMTP_PORT")


def _check_timeout(value: float, name: str) -> float:
    if not value > 0:
        raise ConfigurationError(f"{name}={value!r} is not a positive number of seconds")
    return value


def _parse_timeout(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ConfigurationError(
            f"ATTACHE_SMTP_TIMEOUT={text!r} is not a number of seconds"
        ) from None
    return _check_timeout(value, "ATTACHE_SMTP_TIMEOUT")


def _check_credentials(
    user: str | None, password: str | None, security: Security, user_name: str, password_name: str
) -> None:
    if user is not None and password is None:
        raise ConfigurationError(f"{user_name} is set but {password_name} is not")
    if password is not None and user is None:
        raise ConfigurationError(f"{password_name} is set but {user_name} is not")
    if user is not None and security == "none":
        raise ConfigurationError(
            f"{user_name} is set with security 'none': the password would cross the network "
            "unencrypted; use starttls or ssl"
        )


class SmtpChannel:
    """Delivers messages over SMTP.

    Used as a context manager it keeps one session open for several messages;
    otherwise each ``send`` opens and closes its own. Not for use by several threads
    at once.
    """

    def __init__(self, settings: SmtpSettings, clock: Clock) -> None:
        self.settings = settings
        self._clock = clock  # dates the messages
        self._session: smtplib.SMTP | None = None
        self._keep = False  # between open() and close(): reuse one session
        self._last_reply = 0.0  # time.monotonic() of the server's last 250 to a message

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def open(self) -> None:
        """Start a session to reuse across sends; raises ServerUnavailable."""
        if self._session is None:
            self._session = self._connect()
        self._keep = True

    @contextlib.contextmanager
    def session(self) -> Iterator[None]:
        """Reuse one session for the sends inside, opened by the first of them.

        Unlike ``open()`` it connects only when there is something to send, so a
        server that is down fails the first send (where the dispatcher handles it),
        not the set-up. Closes the session at the end unless ``open()`` already kept one.
        """
        if self._keep:
            yield
            return
        self._keep = True
        try:
            yield
        finally:
            self.close()

    def close(self) -> None:
        session, self._session, self._keep = self._session, None, False
        if session is not None:
            _quit(session)

    def send(self, message: OutgoingMessage) -> None:
        self.send_holding_end(message, _nothing, _nothing_more)

    def send_holding_end(
        self, message: OutgoingMessage, ready: Callable[[], None], meanwhile: Callable[[], bool]
    ) -> None:
        """``send``, with the "." that ends the data held until ``ready()`` returns.

        The dispatcher's ``ready`` waits for the last message's outcome to be committed:
        so MAIL, RCPT, DATA and the bytes of this message overlap that commit, while a
        server is never handed a message (which only the "." does) before the one
        before it is recorded. If ``ready`` raises, the "." is never sent and the
        connection is closed, which makes the server discard what it has of this one.
        """
        # The bytes written directly (notifications.wire_form), not an EmailMessage
        # flattened by the email package: that cost three times the send itself.
        data = message.to_bytes(self._clock.now())
        session = self._session
        if session is not None and not self._alive(session):
            _drop(session)  # the server hung up while we were idle
            session = self._session = None
        if session is None:
            session = self._connect()
            if self._keep:
                self._session = session
        try:
            _transaction(
                session, self.settings.mail_from.address, message.recipient.address, data,
                ready, meanwhile,
            )  # fmt: skip
        except _NotReady as not_ready:
            _drop(session)
            self._session = None
            raise not_ready.error from None
        except (smtplib.SMTPException, OSError) as error:
            # After a failure the session's state is uncertain: start afresh next time.
            _drop(session)
            self._session = None
            raise self._message_failure(error, message) from error
        self._last_reply = time.monotonic()
        if not self._keep:
            _quit(session)

    def _alive(self, session: smtplib.SMTP) -> bool:
        """Whether a kept session can take the next message.

        A NOOP (a round trip) only when the session has been idle (IDLE_CHECK) or the
        server has said something unasked (a 421 before hanging up, or the hang-up
        itself makes the socket readable): between two messages of one claim the
        server has just answered, and asking again was one more round trip a message.
        """
        idle = time.monotonic() - self._last_reply
        if idle < IDLE_CHECK and not _readable(session):
            return True
        return _noop_answered(session)

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        context = None
        if settings.security != "none":
            cafile = None if settings.ca_file is None else str(settings.ca_file)
            context = ssl.create_default_context(cafile=cafile)
        session: smtplib.SMTP | None = None
        try:
            if settings.security == "ssl":
                session = smtplib.SMTP_SSL(
                    settings.host, settings.port, timeout=settings.timeout, context=context
                )
            else:
                session = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
            # The held "." (send_holding_end) is a second small write after the
            # data: Nagle's algorithm held it back until the server's delayed ACK,
            # about 40 ms a message on Linux.
            if session.sock is not None:
                session.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            session.ehlo()
            if settings.security == "starttls":
                session.starttls(context=context)
                session.ehlo()  # capabilities change once the channel is encrypted
            if settings.user is not None and settings.password is not None:
                session.login(settings.user, settings.password)
            self._last_reply = time.monotonic()
        except (smtplib.SMTPException, OSError) as error:
            if session is not None:
                _drop(session)
            code, answer = _reply(error)
            raise ServerUnavailable(
                f"cannot start an SMTP session with {self._where()}: {_describe(error)}",
                code=code,
                answer=answer,
            ) from error
        return session

    def _message_failure(self, error: Exception, message: OutgoingMessage) -> DeliveryError:
        to = message.recipient.address
        if isinstance(error, smtplib.SMTPNotSupportedError):
            # e.g. an address that needs SMTPUTF8 on a server without it: resending the
            # same message to the same server cannot succeed.
            return PermanentDeliveryError(f"{self._where()} cannot take mail for {to}: {error}")
        code, answer = _reply(error)
        if code is None:
            return TransientDeliveryError(
                f"sending to {to} through {self._where()} failed: {_describe(error)}"
            )
        permanent = 500 <= code < 600 and code not in _SESSION_REPLIES
        kind = PermanentDeliveryError if permanent else TransientDeliveryError
        return kind(
            f"{self._where()} answered {code} {answer} for {to}", code=code, answer=answer
        )

    def _where(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"


class _NotReady(Exception):
    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def _nothing() -> None:
    pass


def _nothing_more() -> bool:
    return False


def _transaction(
    session: smtplib.SMTP,
    sender: str,
    recipient: str,
    data: bytes,
    ready: Callable[[], None],
    meanwhile: Callable[[], bool],
) -> None:
    """``session.sendmail(sender, [recipient], data)`` through smtplib's own commands,
    raising its exceptions, with ``ready()`` before the "." and ``meanwhile()`` in the
    waits for DATA's and the message's replies (``sendmail`` is one call: neither can
    go inside it)."""
    # MAIL and RCPT as smtplib's mail() and rcpt() send them, each reply awaited after a
    # step of ``meanwhile``: those two waits were the largest of a transaction.
    size = f" size={len(data)}" if session.has_extn("size") and session.does_esmtp else ""
    code, answer = _command(session, "mail", f"FROM:{_quoted(sender)}{size}", meanwhile)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, answer, sender)
    code, answer = _command(session, "rcpt", f"TO:{_quoted(recipient)}", meanwhile)
    if code not in (250, 251):
        raise smtplib.SMTPRecipientsRefused({recipient: (code, answer)})
    code, answer = _command(session, "data", "", meanwhile)
    if code != 354:
        raise smtplib.SMTPDataError(code, answer)
    # The wire form is ASCII with CRLF line ends: quotedata only doubles leading dots.
    body = smtplib.quotedata(data.decode("ascii")).encode("ascii")
    session.send(body if body.endswith(b"\r\n") else body + b"\r\n")
    try:
        ready()
    except Exception as error:
        raise _NotReady(error) from error
    session.send(b".\r\n")
    while meanwhile():
        pass
    code, answer = session.getreply()
    if code != 250:
        raise smtplib.SMTPDataError(code, answer)


# smtplib's own quoting, remembered: it parses the address with email.utils each time
# (0.15 ms a message), and a claim's sender and supervisors recur.
_quoted = functools.lru_cache(maxsize=1024)(smtplib.quoteaddr)


def _command(
    session: smtplib.SMTP, verb: str, argument: str, meanwhile: Callable[[], bool]
) -> tuple[int, bytes]:
    """One command and its reply, with a step of ``meanwhile`` while the server answers."""
    session.putcmd(verb, argument)
    meanwhile()
    return session.getreply()


def _reply(error: BaseException) -> tuple[int | None, str]:
    """The server's code and text, if the error carries a reply."""
    if isinstance(error, smtplib.SMTPRecipientsRefused) and error.recipients:
        # One recipient per message: its refusal is the answer.
        code, text = next(iter(error.recipients.values()))
        return code, _text(text)
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code, _text(error.smtp_error)
    return None, ""


def _text(answer: bytes | str) -> str:
    if isinstance(answer, bytes):
        return answer.decode("utf-8", "replace")
    return answer


def _describe(error: BaseException) -> str:
    code, answer = _reply(error)
    if code is not None:
        return f"{code} {answer}"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _readable(session: smtplib.SMTP) -> bool:
    """Something (or the end of the stream) is waiting though no command was sent."""
    sock = session.sock
    if sock is None:
        return True
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):  # closed under us
        return True
    return bool(readable)


def _noop_answered(session: smtplib.SMTP) -> bool:
    try:
        return session.noop()[0] == 250
    except (smtplib.SMTPException, OSError):
        return False


def _quit(session: smtplib.SMTP) -> None:
    # The message is already accepted (or we are giving up): a failing QUIT changes
    # nothing, but the socket must still be closed.
    try:
        session.quit()
    except (smtplib.SMTPException, OSError):
        session.close()


def _drop(session: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError):
        session.close()
