"""Security: revocable sessions (token ids), sign-in failure counts and lock-out; the audit chain's
head in a one-row table, so a PostgreSQL writer takes the chain lock and reads the head in one
statement.

Revision ID: 0002_security
Revises: 0001_initial
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_security"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("users", sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"))
    op.add_column("users", sa.Column("locked_until", TS))
    op.create_table(
        "auth_sessions",
        sa.Column("id", sa.String(43), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("issued_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("revoked_at", TS),
    )


    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_audit_head_one_row"),
    )
    op.execute("INSERT INTO audit_head (id, seq, hash) SELECT 1, COALESCE(MAX(seq), 0), "
               "COALESCE((SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1), "
               "'0000000000000000000000000000000000000000000000000000000000000000') FROM audit_log")


def downgrade() -> None:
    op.drop_table("audit_head")
    op.drop_table("auth_sessions")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("failed_logins")
