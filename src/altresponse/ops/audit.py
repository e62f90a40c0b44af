"""The hash-chained audit log: append one row per change, verify the chain end to end.

Each row's hash is sha256(prev_hash + canonical row), where the canonical row is compact,
key-sorted JSON of (seq, at, actor, action, entity, inputs, protocol_hash, result). Editing,
deleting or reordering any row changes a hash that a later row depends on, so `verify_audit`
names the first row that no longer fits. Appends are serialised (process lock, plus an advisory
lock on PostgreSQL and BEGIN IMMEDIATE on SQLite) so the chain stays linear.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from altresponse.ops.models import AuditEntry

GENESIS = "0" * 64
# Values are bound per call, so the compiled statements are cached.
_INSERT = sa.insert(cast(sa.Table, AuditEntry.__table__))
_HEAD = sa.select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
_PG_AUDIT_LOCK = 7_340_911  # advisory lock key for the chain head


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _at_text(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def row_hash(prev_hash: str, seq: int, at: datetime, actor: str, action: str, entity: str,
             inputs_json: str, protocol_hash: str | None, result_json: str) -> str:
    canonical = canonical_json({
        "seq": seq, "at": _at_text(at), "actor": actor, "action": action, "entity": entity,
        "inputs": inputs_json, "protocol_hash": protocol_hash, "result": result_json,
    })
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def append(session: Session | sa.Connection, *, actor: str, action: str, entity: str, inputs: Any,
           result: Any, protocol_hash: str | None = None, at: datetime | None = None) -> AuditEntry:
    """Append one row to the chain inside the caller's write transaction."""
    dialect = session.dialect if isinstance(session, sa.Connection) else session.get_bind().dialect
    if dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
    head = session.execute(_HEAD).first()
    seq, prev = (head[0] + 1, head[1]) if head else (1, GENESIS)
    # Microsecond precision so the time survives both engines unchanged.
    at = (at or datetime.now(UTC)).astimezone(UTC)
    inputs_json, result_json = canonical_json(inputs), canonical_json(result)
    values = dict(
        seq=seq, at=at, actor=actor, action=action, entity=entity, inputs_json=inputs_json,
        protocol_hash=protocol_hash, result_json=result_json, prev_hash=prev,
        hash=row_hash(prev, seq, at, actor, action, entity, inputs_json, protocol_hash, result_json),
    )
    # A Core insert: this runs on every write, and the ORM's unit of work would double its cost.
    session.execute(_INSERT, values)
    return AuditEntry(**values)


@dataclass(frozen=True)
class AuditProblem:
    seq: int
    problem: str


@dataclass(frozen=True)
class AuditReport:
    rows: int
    ok: bool
    first_bad: AuditProblem | None
    head_hash: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows, "ok": self.ok, "head_hash": self.head_hash,
            "first_bad_seq": self.first_bad.seq if self.first_bad else None,
            "problem": self.first_bad.problem if self.first_bad else None,
        }


def _iter_rows(session: Session, batch: int = 5000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = session.scalars(
            sa.select(AuditEntry).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def verify_audit(session: Session) -> AuditReport:
    """Walk the chain from the first row; report the first row whose link or hash is wrong."""
    prev, expected_seq, count = GENESIS, 1, 0
    for row in _iter_rows(session):
        count += 1
        if row.seq != expected_seq:
            return AuditReport(count, False, AuditProblem(row.seq, f"expected seq {expected_seq}: a row is "
                                                          "missing or out of order"), prev)
        if row.prev_hash != prev:
            return AuditReport(count, False, AuditProblem(row.seq, "prev_hash does not match the previous "
                                                          "row's hash"), prev)
        recomputed = row_hash(prev, row.seq, row.at, row.actor, row.action, row.entity, row.inputs_json,
                              row.protocol_hash, row.result_json)
        if recomputed != row.hash:
            return AuditReport(count, False, AuditProblem(row.seq, "row content does not match its hash "
                                                          "(edited after it was written)"), prev)
        prev, expected_seq = row.hash, expected_seq + 1
    return AuditReport(count, True, None, prev)
