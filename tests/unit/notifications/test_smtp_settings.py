from __future__ import annotations

from pathlib import Path

import pytest

from lifecycle.errors import ConfigurationError
from notifications.channels import SmtpSettings
from notifications.message import Mailbox

BASE = {
    "ATTACHE_SMTP_HOST": "smtp.asean.example",
    "ATTACHE_MAIL_FROM": "Attache <attache@asean.example>",
}


def test_minimal_environment_uses_starttls_on_587() -> None:
    """Host and sender are enough; the rest has safe defaults."""
    settings = SmtpSettings.from_env(BASE)
    expected = SmtpSettings(
        host="smtp.asean.example",
        port=587,
        mail_from=Mailbox("Attache", "attache@asean.example"),
        security="starttls",
    )
    assert expected == settings


@pytest.mark.parametrize(("security", "port"), [("none", 25), ("starttls", 587), ("ssl", 465)])
def test_default_port_follows_security(security: str, port: int) -> None:
    """Each security mode has its usual port."""
    settings = SmtpSettings.from_env({**BASE, "ATTACHE_SMTP_SECURITY": security})
    assert (security, port) == (settings.security, settings.port)


def test_full_environment(tmp_path: Path) -> None:
    """Every variable is read."""
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    settings = SmtpSettings.from_env(
        {
            **BASE,
            "ATTACHE_SMTP_PORT": "2525",
            "ATTACHE_SMTP_SECURITY": "ssl",
            "ATTACHE_SMTP_USER": "attache",
            "ATTACHE_SMTP_PASSWORD": "s3cret",
            "ATTACHE_SMTP_TIMEOUT": "12.5",
            "ATTACHE_SMTP_CA_FILE": str(ca),
        }
    )
    expected = (2525, "ssl", "attache", "s3cret", 12.5, ca)
    assert expected == (
        settings.port,
        settings.security,
        settings.user,
        settings.password,
        settings.timeout,
        settings.ca_file,
    )


def test_the_password_is_not_in_the_repr() -> None:
    """Settings can be logged without leaking the password."""
    settings = SmtpSettings.from_env(
        {**BASE, "ATTACHE_SMTP_USER": "attache", "ATTACHE_SMTP_PASSWORD": "s3cret"}
    )
    assert "s3cret" not in repr(settings)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"ATTACHE_SMTP_SECURITY": "tls"},
            "ATTACHE_SMTP_SECURITY='tls' is not one of none, starttls, ssl",
        ),
        ({"ATTACHE_SMTP_PORT": "smtp"}, "ATTACHE_SMTP_PORT='smtp' is not a port number (1-65535)"),
        ({"ATTACHE_SMTP_PORT": "70000"}, "ATTACHE_SMTP_PORT=70000 is not a port number (1-65535)"),
        ({"ATTACHE_SMTP_HOST": ""}, "ATTACHE_SMTP_HOST is not set"),
        ({"ATTACHE_MAIL_FROM": ""}, "ATTACHE_MAIL_FROM is not set"),
        ({"ATTACHE_MAIL_FROM": "Attache"}, "ATTACHE_MAIL_FROM='Attache' is not an e-mail address"),
        ({"ATTACHE_SMTP_USER": "attache"}, "ATTACHE_SMTP_USER is set but ATTACHE_SMTP_PASSWORD"),
        ({"ATTACHE_SMTP_PASSWORD": "x"}, "ATTACHE_SMTP_PASSWORD is set but ATTACHE_SMTP_USER"),
        ({"ATTACHE_SMTP_TIMEOUT": "soon"}, "ATTACHE_SMTP_TIMEOUT='soon' is not a number"),
        ({"ATTACHE_SMTP_TIMEOUT": "0"}, "ATTACHE_SMTP_TIMEOUT=0.0 is not a positive number"),
        ({"ATTACHE_SMTP_CA_FILE": "/nonexistent/ca.pem"}, "ATTACHE_SMTP_CA_FILE="),
        (
            {
                "ATTACHE_SMTP_SECURITY": "none",
                "ATTACHE_SMTP_USER": "u",
                "ATTACHE_SMTP_PASSWORD": "p",
            },
            "the password would cross the network unencrypted",
        ),
    ],
)
def test_bad_values_name_the_variable(changes: dict[str, str], message: str) -> None:
    """Each mistake is a ConfigurationError naming the variable and the value."""
    with pytest.raises(ConfigurationError) as caught:
        SmtpSettings.from_env({**BASE, **changes})
    assert message in str(caught.value)


def test_the_password_value_never_appears_in_errors() -> None:
    """A password without a user is reported by name only."""
    with pytest.raises(ConfigurationError) as caught:
        SmtpSettings.from_env({**BASE, "ATTACHE_SMTP_PASSWORD": "s3cret"})
    assert "s3cret" not in str(caught.value)


def test_settings_built_in_code_are_checked_too() -> None:
    """The dataclass refuses an unknown security mode on its own."""
    with pytest.raises(ConfigurationError, match="security='tls' is not one of"):
        SmtpSettings("h", 25, Mailbox("", "a@b.example"), security="tls")  # type: ignore[arg-type]
