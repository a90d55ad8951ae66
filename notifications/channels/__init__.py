"""Where outgoing messages go: an SMTP server, or a local folder of .eml files."""

from notifications.channels.base import (
    Channel,
    DeliveryError,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from notifications.channels.local import LocalChannel
from notifications.channels.smtp import SmtpChannel, SmtpSettings

__all__ = [
    "Channel",
    "DeliveryError",
    "LocalChannel",
    "PermanentDeliveryError",
    "SmtpChannel",
    "SmtpSettings",
    "TransientDeliveryError",
]
