"""Table models of the operational store (SQLAlchemy 2 declarative).

What is deliberately absent: caller name, phone number and exact address. A decision keeps the call's
reference id (the CAD incident number) and the location coarsened to a block or area only.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from altresponse.monitor.facts import BACKUP_KINDS, UNSERVED_REASONS
from altresponse.monitor.tracker import STATUSES as TRACKER_STATUSES

ROLES: tuple[str, ...] = ("call_taker", "provider", "analyst", "admin")
REFERRAL_STATUSES: tuple[str, ...] = ("created", "accepted", "declined", "en_route", "on_scene", "closed")
# Outcome labels a referral can close with.
OUTCOMES: tuple[str, ...] = (
    "successful_diversion",
    "co_notification",
    "backup_requested",
    "transported",
    "linked_to_services",
)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Stores UTC and always returns zone-aware UTC datetimes, on SQLite as on PostgreSQL.

    SQLite has no zone-aware type, so values are normalised to naive UTC on the way in and given
    their zone back on the way out; naive input is refused rather than guessed.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; give a zone-aware time")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(20))
    organization_id: Mapped[str | None] = mapped_column(sa.String(120), default=None)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    failed_logins: Mapped[int] = mapped_column(default=0)  # consecutive failures since the last success
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    __table_args__ = (
        sa.CheckConstraint("role IN ('call_taker','provider','analyst','admin')", name="ck_users_role"),
        sa.CheckConstraint("role <> 'provider' OR organization_id IS NOT NULL", name="ck_users_provider_org"),
    )


class AuthSession(Base):
    """One issued access token, by its id (the JWT `jti`): revoked on sign-out, disable and password
    change, so a token stops working before it expires."""

    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(sa.String(43), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class DecisionRecord(Base):
    """One triage decision for a live call, with the inputs and rule ids needed to replay it."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_ref: Mapped[str] = mapped_column(sa.String(64), index=True)
    common_type: Mapped[str] = mapped_column(sa.String(64))
    category: Mapped[str] = mapped_column(sa.String(64))
    answers_json: Mapped[str] = mapped_column(sa.Text)
    pathway: Mapped[str] = mapped_column(sa.String(40), index=True)
    responder: Mapped[str] = mapped_column(sa.String(120))
    rule_ids: Mapped[str] = mapped_column(sa.Text)
    reasons: Mapped[str] = mapped_column(sa.Text)
    fallbacks: Mapped[str] = mapped_column(sa.Text, default="")
    protocol_version: Mapped[str] = mapped_column(sa.String(80))
    protocol_hash: Mapped[str] = mapped_column(sa.String(80))
    area: Mapped[str | None] = mapped_column(sa.String(120), default=None)
    block_lon: Mapped[float | None] = mapped_column(default=None)
    block_lat: Mapped[float | None] = mapped_column(default=None)
    matched_json: Mapped[str] = mapped_column(sa.Text, default="[]")
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    referrals: Mapped[list[Referral]] = relationship(back_populates="decision")


class Referral(Base):
    """A hand-off of a decided call to one provider's service, and what came of it."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(sa.ForeignKey("decisions.id"), index=True)
    service_id: Mapped[str] = mapped_column(sa.String(120))
    organization_id: Mapped[str] = mapped_column(sa.String(120), index=True)
    status: Mapped[str] = mapped_column(sa.String(20), default="created")
    outcome: Mapped[str | None] = mapped_column(sa.String(40), default=None)
    decline_reason: Mapped[str | None] = mapped_column(sa.String(200), default=None)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    en_route_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    on_scene_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    decision: Mapped[DecisionRecord] = relationship(back_populates="referrals")

    __table_args__ = (
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


class AuditEntry(Base):
    """Append-only log; each row's hash covers the previous row's hash, so any edit breaks the chain."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                                     autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(sa.String(80))
    action: Mapped[str] = mapped_column(sa.String(60))
    entity: Mapped[str] = mapped_column(sa.String(80))
    inputs_json: Mapped[str] = mapped_column(sa.Text)
    protocol_hash: Mapped[str | None] = mapped_column(sa.String(80), default=None)
    result_json: Mapped[str] = mapped_column(sa.Text)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))


class AuditHead(Base):
    """The chain head (one row). On PostgreSQL every append starts with `UPDATE audit_head ... RETURNING`,
    which takes the chain's lock and reads the head in one round trip. Never trusted by verification,
    which reads the chain itself."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"))
    hash: Mapped[str] = mapped_column(sa.String(64))


class DirectoryVersion(Base):
    """A directory (HSDS 3.0 JSON) published by an admin; the newest one is live."""

    __tablename__ = "directory_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    hsds_json: Mapped[str] = mapped_column(sa.Text)


def as_dict(obj: Base) -> dict[str, Any]:
    return {c.key: getattr(obj, c.key) for c in sa.inspect(obj).mapper.column_attrs}


# ---------------------------------------------------------------- monitoring (migration 0003_monitor)
# Unserved reasons, backup kinds and tracker statuses are facts of the monitoring domain, defined there.


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({','.join(repr(v) for v in values)})"


class CallResult(Base):
    """What actually happened on a decided call: who went (or nobody), why no team went, backup, harm.

    One row per decision. Diversion is counted from `actual_pathway`, never from the decision.
    """

    __tablename__ = "call_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(sa.ForeignKey("decisions.id"), unique=True)
    actual_pathway: Mapped[str] = mapped_column(sa.String(40))
    actual_organization_id: Mapped[str | None] = mapped_column(sa.String(120), default=None)
    unserved_reason: Mapped[str | None] = mapped_column(sa.String(20), default=None)
    backup: Mapped[str] = mapped_column(sa.String(20), default="none")
    injury: Mapped[bool] = mapped_column(default=False)
    use_of_force: Mapped[bool] = mapped_column(default=False)
    arrest: Mapped[bool] = mapped_column(default=False)
    transport: Mapped[bool] = mapped_column(default=False)
    referral_completed: Mapped[bool] = mapped_column(default=False)
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    recorded_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        sa.CheckConstraint("unserved_reason IS NULL OR " + _in("unserved_reason", UNSERVED_REASONS),
                           name="ck_call_results_unserved"),
        sa.CheckConstraint(_in("backup", BACKUP_KINDS), name="ck_call_results_backup"),
    )


class TrackerItem(Base):
    """One task or milestone of the implementation plan, as tracked work."""

    __tablename__ = "tracker_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    owner: Mapped[str] = mapped_column(sa.String(120))
    phase: Mapped[int] = mapped_column(default=0)
    workstream: Mapped[str] = mapped_column(sa.String(40), default="")
    planned_start: Mapped[date] = mapped_column(sa.Date)
    due: Mapped[date] = mapped_column(sa.Date)
    deps: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(20), default="not_started")
    actual_start: Mapped[date | None] = mapped_column(sa.Date, default=None)
    actual_finish: Mapped[date | None] = mapped_column(sa.Date, default=None)
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    updated_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (sa.CheckConstraint(_in("status", TRACKER_STATUSES), name="ck_tracker_items_status"),)
