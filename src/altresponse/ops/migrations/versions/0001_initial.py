"""Initial store: users, decisions, referrals, append-only audit log, directory versions.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)

PG_REFUSE_CHANGES = """
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(80), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("organization_id", sa.String(120)),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", TS, nullable=False),
        sa.CheckConstraint("role IN ('call_taker','provider','analyst','admin')", name="ck_users_role"),
        sa.CheckConstraint("role <> 'provider' OR organization_id IS NOT NULL", name="ck_users_provider_org"),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("call_ref", sa.String(64), nullable=False, index=True),
        sa.Column("common_type", sa.String(64), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("answers_json", sa.Text, nullable=False),
        sa.Column("pathway", sa.String(40), nullable=False, index=True),
        sa.Column("responder", sa.String(120), nullable=False),
        sa.Column("rule_ids", sa.Text, nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("fallbacks", sa.Text, nullable=False),
        sa.Column("protocol_version", sa.String(80), nullable=False),
        sa.Column("protocol_hash", sa.String(80), nullable=False),
        sa.Column("area", sa.String(120)),
        sa.Column("block_lon", sa.Float),
        sa.Column("block_lat", sa.Float),
        sa.Column("matched_json", sa.Text, nullable=False),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("created_at", TS, nullable=False, index=True),
    )
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("decision_id", sa.Integer, sa.ForeignKey("decisions.id"), nullable=False, index=True),
        sa.Column("service_id", sa.String(120), nullable=False),
        sa.Column("organization_id", sa.String(120), nullable=False, index=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("outcome", sa.String(40)),
        sa.Column("decline_reason", sa.String(200)),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("accepted_at", TS),
        sa.Column("declined_at", TS),
        sa.Column("en_route_at", TS),
        sa.Column("on_scene_at", TS),
        sa.Column("closed_at", TS),
        sa.CheckConstraint(
            "status IN ('created','accepted','declined','en_route','on_scene','closed')",
            name="ck_referrals_status",
        ),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('successful_diversion','co_notification','backup_requested',"
            "'transported','linked_to_services')",
            name="ck_referrals_outcome",
        ),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                  autoincrement=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("entity", sa.String(80), nullable=False),
        sa.Column("inputs_json", sa.Text, nullable=False),
        sa.Column("protocol_hash", sa.String(80)),
        sa.Column("result_json", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "directory_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("hsds_json", sa.Text, nullable=False),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(PG_REFUSE_CHANGES)
        op.execute("CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log "
                   "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()")
        op.execute("CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()")
    elif bind.dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                       f"BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: {verb} refused'); END")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update_delete ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    for table in ("directory_versions", "audit_log", "referrals", "decisions", "users"):
        op.drop_table(table)
