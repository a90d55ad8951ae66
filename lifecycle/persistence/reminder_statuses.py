"""The statuses a reminder row goes through, pending to sent (or failed, cancelled,
expired).

A module of its own, free of SQLAlchemy, so the CLI can offer them as choices
(``attache reminders list --status``) without loading the database layer for ``--help``.
"""

from __future__ import annotations

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
CANCELLED, EXPIRED = "cancelled", "expired"
STATUSES = (PENDING, SENDING, SENT, FAILED, CANCELLED, EXPIRED)
