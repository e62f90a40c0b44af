"""Operational store: decisions, referrals, outcomes and a hash-chained, append-only audit log.

SQLite (one file, WAL) by default, PostgreSQL in production. The schema is created and upgraded by
Alembic migrations kept inside this package (`altresponse ops migrate`). Routes never query tables
directly: they call the repository functions in `altresponse.ops.repository`.
"""

from altresponse.ops.audit import AuditProblem, verify_audit
from altresponse.ops.db import Store, make_engine, migrate, open_store
from altresponse.ops.models import (
    OUTCOMES,
    REFERRAL_STATUSES,
    ROLES,
    AuditEntry,
    Base,
    DecisionRecord,
    DirectoryVersion,
    Referral,
    User,
)

__all__ = [
    "OUTCOMES",
    "REFERRAL_STATUSES",
    "ROLES",
    "AuditEntry",
    "AuditProblem",
    "Base",
    "DecisionRecord",
    "DirectoryVersion",
    "Referral",
    "Store",
    "User",
    "make_engine",
    "migrate",
    "open_store",
    "verify_audit",
]
