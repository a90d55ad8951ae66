"""Alembic environment: always run with a connection handed over by Database.upgrade."""

from __future__ import annotations

from alembic import context

from lifecycle.persistence.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through 'attache init' (Database.upgrade)")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
