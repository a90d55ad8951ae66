"""documents on checklist items

Revision ID: 0011
Revises: 0010

A checklist item may take a file. ``documents`` holds one row per upload (the bytes
live in the document store, named by ``sha256``); re-uploading sets ``replaced_at`` on
the previous row, so the history stays. No existing row needs anything.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lifecycle.persistence.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

UTC_DATETIME = lifecycle.persistence.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", UTC_DATETIME, nullable=False),
        sa.Column("replaced_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officers.id"], name=op.f("fk_documents_officer_id_officers")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_documents_uploaded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_documents_officer_id"), ["officer_id"])
        batch_op.create_index(batch_op.f("ix_documents_sha256"), ["sha256"])


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documents_sha256"))
        batch_op.drop_index(batch_op.f("ix_documents_officer_id"))
    op.drop_table("documents")
