"""Random keys made once per installation and kept in the database.

Every web worker, scheduler and CLI process must sign and check survey links with the
same key; keeping it in the database means there is no setting to forget or to let
drift between processes. It is made on first use, race-safe: every process inserts
"if absent" and then reads back whichever value won.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecycle.persistence.tables import InstanceSecret

SURVEY_LINKS = "survey_links"
ACTION_LINKS = "action_links"
INVITATIONS = "nomination_invitations"
_KNOWN = "attache.instance_secrets"  # session.info key: the secrets read in this session


def instance_secret(session: Session, name: str, now: datetime) -> str:
    """The secret called ``name``, made now if this installation has none yet."""
    found = session.scalar(select(InstanceSecret.value).where(InstanceSecret.name == name))
    if found is not None:
        return found
    values = {"name": name, "value": secrets.token_urlsafe(48), "created_at": now}
    # ON CONFLICT DO NOTHING: a process that loses the race inserts nothing and raises
    # nothing (a plain INSERT would fail its whole transaction with a duplicate key).
    # The dialects are imported here, once a secret is made: the PostgreSQL one is a
    # start-up cost every SQLite command would pay otherwise.
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(InstanceSecret).values(values).on_conflict_do_nothing())
    won = session.scalar(select(InstanceSecret.value).where(InstanceSecret.name == name))
    assert won is not None  # inserted by us or by the process that beat us
    return won


def existing_secret(session: Session, name: str) -> str | None:
    """The secret called ``name``, or None: checking a link never creates one."""
    return session.scalar(select(InstanceSecret.value).where(InstanceSecret.name == name))


def lasting_secret(session: Session, name: str, now: datetime) -> str:
    """``instance_secret`` for a caller whose session will be rolled back (composing a
    reminder is a read): a missing secret is made and committed on a side connection
    first, because a link signed with a key that was rolled back could never open."""
    # Kept for the session: a secret is never changed once made, and the dispatcher
    # signs every link of a claim's reminders in one session.
    known: dict[str, str] = session.info.setdefault(_KNOWN, {})
    found = known.get(name) or existing_secret(session, name)
    if found is None:
        with Session(session.get_bind(), expire_on_commit=False) as side, side.begin():
            found = instance_secret(side, name, now)
    known[name] = found
    return found
