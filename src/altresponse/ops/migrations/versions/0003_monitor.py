"""Monitoring: what actually happened on each decided call, and the implementation tracker.

Revision ID: 0003_monitor
Revises: 0001_initial
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_monitor"
down_revision = "0002_security"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
UNSERVED = "'off_duty','busy','declined','outside_area','no_provider','cancelled','other'"
BACKUP = "'none','police','ems','police_and_ems'"
STATUSES = "'not_started','in_progress','blocked','done'"


def upgrade() -> None:
    op.create_table(
        "call_results",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("decision_id", sa.Integer, sa.ForeignKey("decisions.id"), nullable=False, unique=True),
        sa.Column("actual_pathway", sa.String(40), nullable=False),
        sa.Column("actual_organization_id", sa.String(120)),
        sa.Column("unserved_reason", sa.String(20)),
        sa.Column("backup", sa.String(20), nullable=False),
        sa.Column("injury", sa.Boolean, nullable=False),
        sa.Column("use_of_force", sa.Boolean, nullable=False),
        sa.Column("arrest", sa.Boolean, nullable=False),
        sa.Column("transport", sa.Boolean, nullable=False),
        sa.Column("referral_completed", sa.Boolean, nullable=False),
        sa.Column("arrived_at", TS),
        sa.Column("cleared_at", TS),
        sa.Column("recorded_by", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("recorded_at", TS, nullable=False),
        sa.CheckConstraint(
            f"unserved_reason IS NULL OR unserved_reason IN ({UNSERVED})", name="ck_call_results_unserved"
        ),
        sa.CheckConstraint(f"backup IN ({BACKUP})", name="ck_call_results_backup"),
    )
    op.create_table(
        "tracker_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(60), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("owner", sa.String(120), nullable=False),
        sa.Column("phase", sa.Integer, nullable=False),
        sa.Column("workstream", sa.String(40), nullable=False),
        sa.Column("planned_start", sa.Date, nullable=False),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("deps", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("actual_start", sa.Date),
        sa.Column("actual_finish", sa.Date),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("updated_by", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint(f"status IN ({STATUSES})", name="ck_tracker_items_status"),
    )


def downgrade() -> None:
    op.drop_table("tracker_items")
    op.drop_table("call_results")
