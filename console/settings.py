"""The one configuration object: environment variables, or the same keys in a file.

``ATTACHE_CONFIG`` (or ``--config``) names a TOML file whose keys are the environment
variables' names (``ATTACHE_SMTP_HOST = "mail.example"``); the environment wins over
the file, so a deployment can keep secrets out of it.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from lifecycle.clock import Clock
from lifecycle.errors import ConfigurationError

# The notifications package (Jinja2, e-mail, SMTP, the dispatcher) is imported by the
# methods that build its parts, so a command that sends no mail does not load it.
if TYPE_CHECKING:
    from notifications.channels.base import Channel
    from notifications.dispatch import DispatchSettings
    from notifications.rendering import TemplateRenderer

DEFAULT_SENDER = "Attache <attache@localhost>"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class Settings:
    values: Mapping[str, str]

    @classmethod
    def load(
        cls, config_file: str | None = None, environ: Mapping[str, str] | None = None
    ) -> Settings:
        env = dict(os.environ if environ is None else environ)
        path = config_file or env.get("ATTACHE_CONFIG")
        merged: dict[str, str] = {}
        if path:
            try:
                data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
            except FileNotFoundError:
                raise ConfigurationError(f"config file {path} does not exist") from None
            except tomllib.TOMLDecodeError as exc:
                raise ConfigurationError(f"config file {path}: {exc}") from None
            merged = {str(k).upper(): str(v) for k, v in data.items()}
        merged.update({k: v for k, v in env.items() if k.startswith("ATTACHE_")})
        return cls(merged)

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.values.get(key, default)

    def template_dir(self) -> Path | None:
        folder = self.get("ATTACHE_TEMPLATE_DIR")
        if folder and not Path(folder).is_dir():
            raise ConfigurationError(f"ATTACHE_TEMPLATE_DIR={folder!r} is not a folder")
        return Path(folder) if folder else None

    def renderer(self) -> TemplateRenderer:
        from notifications.rendering import TemplateRenderer

        return TemplateRenderer(self.template_dir())

    def channel(self, clock: Clock) -> Channel:
        """SMTP when ATTACHE_SMTP_HOST is set, else .eml files in ATTACHE_OUTBOX_DIR."""
        from notifications.channels.local import LocalChannel
        from notifications.channels.smtp import SmtpChannel, SmtpSettings

        if self.get("ATTACHE_SMTP_HOST"):
            return SmtpChannel(SmtpSettings.from_env(self.values), clock)
        return LocalChannel(Path(self.get("ATTACHE_OUTBOX_DIR") or "outbox"), clock)

    def channel_name(self) -> str:
        if self.get("ATTACHE_SMTP_HOST"):
            return f"SMTP {self.get('ATTACHE_SMTP_HOST')}:{self.get('ATTACHE_SMTP_PORT', '25')}"
        return f"local folder {self.get('ATTACHE_OUTBOX_DIR') or 'outbox'}/"

    def base_url(self) -> str:
        """The console's public address, for links in e-mails and printed documents."""
        return (self.get("ATTACHE_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")

    def dispatch(self) -> DispatchSettings:
        from notifications.dispatch import DispatchSettings
        from notifications.message import Mailbox

        sender = self.get("ATTACHE_MAIL_FROM") or DEFAULT_SENDER
        try:
            mailbox = Mailbox.parse(sender)
        except ValueError as exc:
            raise ConfigurationError(f"ATTACHE_MAIL_FROM={sender!r}: {exc}") from None
        defaults = DispatchSettings(sender=mailbox)
        return DispatchSettings(
            sender=mailbox,
            base_url=self.base_url(),
            batch_size=self._positive("ATTACHE_DISPATCH_BATCH_SIZE", defaults.batch_size),
            lease=timedelta(
                seconds=self._positive(
                    "ATTACHE_DISPATCH_LEASE_SECONDS", int(defaults.lease.total_seconds())
                )
            ),
            max_attempts=self._positive("ATTACHE_DISPATCH_MAX_ATTEMPTS", defaults.max_attempts),
        )

    def _positive(self, key: str, default: int) -> int:
        text = self.get(key)
        if text is None or not text.strip():
            return default
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value < 1:
            raise ConfigurationError(f"{key}={text!r}: must be a whole number of at least 1")
        return value
