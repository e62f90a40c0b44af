"""The keyed, hash-chained audit log: append one row per change; verify chain, checkpoints and tables.

Each row's hash is HMAC-SHA256(chain key, prev_hash + canonical row), where the canonical row is
compact, key-sorted JSON of (seq, at, actor, action, entity, inputs, protocol_hash, result) and the
chain key is derived from the audit key, which lives outside the database (ALTRESPONSE_AUDIT_KEY).
Editing, deleting or reordering a row changes a hash a later row depends on; recomputing the chain
or appending a forged row needs the key. What the key cannot prove — that the newest rows were not
cut off, or that someone holding the key did not rewrite the chain — signed checkpoints of the chain
head, written outside the database, do (Certificate Transparency's signed tree heads; Crosby and
Wallach's tamper-evident logging). `verify_audit` also checks that every decision, referral, user and
published directory row agrees with what its audit rows say, so a business-table edit shows too.

Appends are serialised (process lock; BEGIN IMMEDIATE on SQLite; on PostgreSQL the row lock of the
one-row `audit_head` table) so the chain stays linear across workers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from altresponse.ops.models import AuditEntry, AuditHead, DecisionRecord, DirectoryVersion, Referral, User

GENESIS = "0" * 64
AUDIT_TABLE = cast(sa.Table, AuditEntry.__table__)
HEAD_TABLE = cast(sa.Table, AuditHead.__table__)
# Values are bound per call, so the compiled statements are cached.
_INSERT = sa.insert(AUDIT_TABLE)
_HEAD = sa.select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
# PostgreSQL: one statement takes the chain's lock (the head row) and reads the head.
_PG_CLAIM = (sa.update(HEAD_TABLE).where(HEAD_TABLE.c.id == 1).values(seq=HEAD_TABLE.c.seq + 1)
             .returning(HEAD_TABLE.c.seq, HEAD_TABLE.c.hash))
MAX_PROBLEMS = 50


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _derive(key: bytes, purpose: str) -> bytes:
    """One key per use (chain, checkpoints, field digests), so a value made for one is no good for another."""
    return hmac.new(key, f"altresponse audit {purpose} v1".encode(), hashlib.sha256).digest()


def _at_text(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def row_hash(chain_key: bytes, prev_hash: str, seq: int, at: datetime, actor: str, action: str, entity: str,
             inputs_json: str, protocol_hash: str | None, result_json: str) -> str:
    canonical = canonical_json({
        "seq": seq, "at": _at_text(at), "actor": actor, "action": action, "entity": entity,
        "inputs": inputs_json, "protocol_hash": protocol_hash, "result": result_json,
    })
    return hmac.new(chain_key, (prev_hash + canonical).encode("utf-8"), hashlib.sha256).hexdigest()


def field_digest(key: bytes, value: str | None) -> str | None:
    """A keyed digest of a free-text value: the audit row can vouch for it without holding it."""
    if value is None:
        return None
    return hmac.new(_derive(key, "field"), value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


class ChainKeys:
    """The derived keys for one audit key, computed once."""

    def __init__(self, key: bytes) -> None:
        self.key = key
        self.chain = _derive(key, "chain")
        self.checkpoint = _derive(key, "checkpoint")


def _is_postgres(session: Session | sa.Connection) -> bool:
    dialect = session.dialect if isinstance(session, sa.Connection) else session.get_bind().dialect
    return dialect.name == "postgresql"


def claim_next(session: Session | sa.Connection, *extra: Any) -> tuple[int, str, tuple[Any, ...]]:
    """Lock the chain for this transaction and return (new seq, previous hash, extra values).

    PostgreSQL: `UPDATE audit_head ... RETURNING` — the row lock is the chain lock, held to commit,
    and a writer that waited reads the head its predecessor left. `extra` columns (e.g. the next
    decision id) come back in the same round trip. SQLite: the write transaction (BEGIN IMMEDIATE)
    already holds the database's one write lock, so the head is read from the log itself.
    """
    if _is_postgres(session):
        row = session.execute(_PG_CLAIM.returning(*extra) if extra else _PG_CLAIM).first()
        if row is None:
            raise RuntimeError("audit_head has no row: run `altresponse ops migrate`")
        return int(row[0]), str(row[1]), tuple(row[2:])
    head = session.execute(_HEAD).first()
    seq, prev = (head[0] + 1, head[1]) if head else (1, GENESIS)
    return seq, prev, ()


def entry_values(keys: ChainKeys, seq: int, prev: str, *, actor: str, action: str, entity: str, inputs: Any,
                 result: Any, protocol_hash: str | None = None, at: datetime | None = None) -> dict[str, Any]:
    """The audit row to insert at `seq` after `prev`, hash included."""
    # Microsecond precision so the time survives both engines unchanged.
    at = (at or datetime.now(UTC)).astimezone(UTC)
    inputs_json, result_json = canonical_json(inputs), canonical_json(result)
    return dict(
        seq=seq, at=at, actor=actor, action=action, entity=entity, inputs_json=inputs_json,
        protocol_hash=protocol_hash, result_json=result_json, prev_hash=prev,
        hash=row_hash(keys.chain, prev, seq, at, actor, action, entity, inputs_json, protocol_hash,
                      result_json),
    )


def insert_entry(session: Session | sa.Connection, values: dict[str, Any], *ctes: Any) -> None:
    """Insert the row (and, on PostgreSQL, move the head) in one statement; `ctes` are further
    inserts to run in the same statement (PostgreSQL only)."""
    if _is_postgres(session):
        audit_insert = sa.insert(AUDIT_TABLE).values(**values).cte("new_audit_row")
        stmt = (sa.update(HEAD_TABLE).where(HEAD_TABLE.c.id == 1).values(hash=values["hash"])
                .add_cte(audit_insert))
        for cte in ctes:
            stmt = stmt.add_cte(cte)
        session.execute(stmt)
        return
    # A Core insert: this runs on every write, and the ORM's unit of work would double its cost.
    session.execute(_INSERT, values)


def append(session: Session | sa.Connection, keys: ChainKeys, *, actor: str, action: str, entity: str,
           inputs: Any, result: Any, protocol_hash: str | None = None, at: datetime | None = None) -> None:
    """Append one row to the chain inside the caller's write transaction."""
    seq, prev, _ = claim_next(session)
    insert_entry(session, entry_values(keys, seq, prev, actor=actor, action=action, entity=entity,
                                       inputs=inputs, result=result, protocol_hash=protocol_hash, at=at))


def chain_head(session: Session | sa.Connection) -> tuple[int, str]:
    head = session.execute(_HEAD).first()
    return (int(head[0]), str(head[1])) if head else (0, GENESIS)


# ---------------------------------------------------------------- checkpoints (outside the database)
@dataclass(frozen=True)
class Checkpoint:
    seq: int
    head: str
    at: str


def _checkpoint_mac(keys: ChainKeys, seq: int, head: str, at: str) -> str:
    return hmac.new(keys.checkpoint, canonical_json({"seq": seq, "head": head, "at": at}).encode(),
                    hashlib.sha256).hexdigest()


def write_checkpoint(path: Path, keys: ChainKeys, seq: int, head: str) -> Checkpoint:
    """Append one signed line to the checkpoint file (one write, O_APPEND, fsync)."""
    at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    line = canonical_json({"seq": seq, "head": head, "at": at,
                           "mac": _checkpoint_mac(keys, seq, head, at)}) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return Checkpoint(seq, head, at)


def read_checkpoints(path: Path, keys: ChainKeys) -> tuple[list[Checkpoint], list[str]]:
    """The checkpoints whose signature holds, and a problem for each line that does not."""
    if not path.exists():
        return [], [f"checkpoint file {path} is missing"]
    good, bad = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
            cp = Checkpoint(int(doc["seq"]), str(doc["head"]), str(doc["at"]))
            mac = str(doc["mac"])
        except (ValueError, KeyError, TypeError):
            bad.append(f"{path} line {number}: not a checkpoint")
            continue
        if not hmac.compare_digest(mac, _checkpoint_mac(keys, cp.seq, cp.head, cp.at)):
            bad.append(f"{path} line {number}: checkpoint signature does not verify")
            continue
        good.append(cp)
    return good, bad


# ---------------------------------------------------------------- verification
@dataclass(frozen=True)
class AuditProblem:
    seq: int | None
    problem: str


@dataclass
class AuditReport:
    rows: int
    head_hash: str
    problems: list[AuditProblem] = field(default_factory=list)
    checkpoints: int = 0
    cross_checked: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad(self) -> AuditProblem | None:
        return self.problems[0] if self.problems else None

    def add(self, seq: int | None, problem: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(AuditProblem(seq, problem))

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows, "ok": self.ok, "head_hash": self.head_hash,
            "first_bad_seq": self.first_bad.seq if self.first_bad else None,
            "problem": self.first_bad.problem if self.first_bad else None,
            "problems": [{"seq": p.seq, "problem": p.problem} for p in self.problems],
            "checkpoints": self.checkpoints, "cross_checked": self.cross_checked,
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


@dataclass
class _Expected:
    """What the audit rows say the business tables hold, gathered while walking the chain."""

    decisions: dict[int, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    referrals: dict[int, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    users: dict[int, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    directories: dict[int, tuple[int, dict[str, Any]]] = field(default_factory=dict)

    def note(self, row: AuditEntry, report: AuditReport) -> None:
        _, _, ident = row.entity.partition(":")
        if not ident.isdigit():
            return
        key = int(ident)
        try:
            inputs, result = json.loads(row.inputs_json), json.loads(row.result_json)
        except ValueError:
            report.add(row.seq, "audit row holds JSON that does not parse")
            return
        action = row.action
        if action == "triage.decide":
            self.decisions[key] = (row.seq, {**inputs, **result, "protocol_hash": row.protocol_hash})
        elif action == "referral.create":
            self.referrals[key] = (row.seq, {**inputs, "status": "created", "outcome": None, "reason": None})
        elif action.startswith("referral.") and key in self.referrals:
            seq0, state = self.referrals[key]
            state = {**state, "status": result.get("status")}
            if action == "referral.outcome":
                state["outcome"] = inputs.get("outcome")
            if action == "referral.decline":
                state["reason"] = inputs.get("reason")
            self.referrals[key] = (seq0, state)
        elif action == "user.create":
            self.users[key] = (row.seq, {**inputs, "active": True})
        elif action in ("user.disable", "user.enable") and key in self.users:
            seq0, state = self.users[key]
            self.users[key] = (seq0, {**state, "active": action == "user.enable"})
        elif action == "directory.publish":
            self.directories[key] = (row.seq, inputs)


def _compare(report: AuditReport, table: str, ident: int, seq: int, actual: dict[str, Any],
             expected: dict[str, Any]) -> None:
    changed = sorted(k for k, v in actual.items() if expected.get(k) != v)
    if changed:
        report.add(seq, f"{table} row {ident} disagrees with its audit row on {', '.join(changed)}")


def _cross_check(session: Session, keys: ChainKeys, expected: _Expected, report: AuditReport) -> None:
    def rows(model: Any) -> Iterator[Any]:
        yield from session.scalars(sa.select(model).order_by(model.id)).yield_per(2000)

    checked = {"decisions": 0, "referrals": 0, "users": 0, "directory_versions": 0}
    for d in rows(DecisionRecord):
        checked["decisions"] += 1
        seen = expected.decisions.pop(d.id, None)
        if seen is None:
            report.add(None, f"decisions row {d.id} has no audit row (inserted outside the service)")
            continue
        seq, exp = seen
        actual = {
            "call_ref": d.call_ref, "common_type": d.common_type, "category": d.category,
            "answers": json.loads(d.answers_json) if d.answers_json.startswith("{") else d.answers_json,
            "pathway": d.pathway, "responder": d.responder,
            "rule_ids": d.rule_ids.split(";") if d.rule_ids else [],
            "protocol_version": d.protocol_version, "protocol_hash": d.protocol_hash,
            "area_digest": field_digest(keys.key, d.area), "block": [d.block_lon, d.block_lat],
        }
        _compare(report, "decisions", d.id, seq, actual, exp)
    for r in rows(Referral):
        checked["referrals"] += 1
        seen = expected.referrals.pop(r.id, None)
        if seen is None:
            report.add(None, f"referrals row {r.id} has no audit row (inserted outside the service)")
            continue
        seq, exp = seen
        actual = {"decision_id": r.decision_id, "service_id": r.service_id,
                  "organization_id": r.organization_id, "status": r.status, "outcome": r.outcome,
                  "reason": r.decline_reason}
        _compare(report, "referrals", r.id, seq, actual, exp)
    for u in rows(User):
        checked["users"] += 1
        seen = expected.users.pop(u.id, None)
        if seen is None:
            report.add(None, f"users row {u.id} has no audit row (inserted outside the service)")
            continue
        seq, exp = seen
        _compare(report, "users", u.id, seq, {"username": u.username, "role": u.role, "active": u.active},
                 exp)
    for v in rows(DirectoryVersion):
        checked["directory_versions"] += 1
        seen = expected.directories.pop(v.id, None)
        if seen is None:
            report.add(None, f"directory_versions row {v.id} has no audit row")
            continue
        seq, exp = seen
        digest = hashlib.sha256(v.hsds_json.encode("utf-8")).hexdigest()
        _compare(report, "directory_versions", v.id, seq,
                 {"content_hash": v.content_hash if v.content_hash == digest else f"{digest} (content)"}, exp)
    for table, missing in (("decisions", expected.decisions), ("referrals", expected.referrals),
                           ("users", expected.users), ("directory_versions", expected.directories)):
        for ident, (seq, _) in sorted(missing.items()):
            report.add(seq, f"{table} row {ident} is recorded in the audit log but missing from the table")
    report.cross_checked = checked


def verify_audit(session: Session, key: bytes, checkpoint_path: Path | None = None) -> AuditReport:
    """Walk the chain from the first row, check it against the signed checkpoints and the tables.

    Every problem is reported (up to MAX_PROBLEMS), the first chain break first.
    """
    keys = ChainKeys(key)
    checkpoints: list[Checkpoint] = []
    report = AuditReport(0, GENESIS)
    if checkpoint_path is not None:
        checkpoints, bad_lines = read_checkpoints(checkpoint_path, keys)
        for line in bad_lines:
            report.add(None, line)
        report.checkpoints = len(checkpoints)
    wanted = {cp.seq for cp in checkpoints}
    hash_at: dict[int, str] = {}
    expected = _Expected()
    prev, expected_seq, chain_broken = GENESIS, 1, False
    for row in _iter_rows(session):
        report.rows += 1
        if not chain_broken:
            problem = None
            if row.seq != expected_seq:
                problem = f"expected seq {expected_seq}: a row is missing or out of order"
            elif row.prev_hash != prev:
                problem = "prev_hash does not match the previous row's hash"
            elif not hmac.compare_digest(row.hash, row_hash(
                    keys.chain, prev, row.seq, row.at, row.actor, row.action, row.entity, row.inputs_json,
                    row.protocol_hash, row.result_json)):
                problem = ("row does not match its keyed hash (edited, or written without the audit key)")
            if problem is not None:
                report.add(row.seq, problem)
                chain_broken = True  # later rows cannot be trusted; keep reading for the cross-check
        if row.seq in wanted:
            hash_at[row.seq] = row.hash
        expected.note(row, report)
        prev, expected_seq = row.hash, row.seq + 1
    report.head_hash = prev
    last_seq = expected_seq - 1
    for cp in checkpoints:
        if cp.seq > last_seq:
            report.add(cp.seq, f"checkpoint of {cp.at} saw the chain at seq {cp.seq}, but it now ends at "
                               f"seq {last_seq}: rows were removed from the end")
        elif hash_at.get(cp.seq) != cp.head:
            report.add(cp.seq, f"row seq {cp.seq} differs from the checkpoint of {cp.at}: the chain was "
                               "rewritten")
    _cross_check(session, keys, expected, report)
    return report
