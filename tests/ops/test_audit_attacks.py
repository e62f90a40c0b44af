"""Attacks by someone with database access (the append-only triggers dropped, as a table owner can):
each is detected by `verify_audit` and by `altresponse ops verify-audit` exiting non-zero."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from altresponse.ops import Store, verify_audit
from altresponse.ops import repository as repo
from altresponse.ops.audit import GENESIS, ChainKeys, canonical_json, row_hash, write_checkpoint
from altresponse.ops.models import AuditEntry
from tests.ops.conftest import AUDIT_KEY


@pytest.fixture
def chain(store: Store, tmp_path: Path) -> Path:
    """Users, decisions, referrals and outcomes; a checkpoint of the head; the triggers dropped."""
    ct = repo.create_user(store, "ct", "longenough", "call_taker")
    prov = repo.create_user(store, "prov", "longenough", "provider", "org-a")
    ct_actor = repo.Actor(ct.id, "ct", "call_taker")
    prov_actor = repo.Actor(prov.id, "prov", "provider", "org-a")
    for i in range(4):
        rec = repo.record_decision(
            store, ct_actor, call_ref=f"P{i}", common_type="welfare_check", category="welfare_assist",
            answers={"weapon": "no"}, pathway="community_responder", responder="community_responder_team",
            rule_ids=["CR-1"], reasons=["r"], fallbacks=[], protocol_version="v1", protocol_hash="h" * 64,
            matched=[], area="Midtown")
        ref = repo.create_referral(store, ct_actor, decision_id=rec.id, service_id="svc",
                                   organization_id="org-a")
        repo.transition_referral(store, prov_actor, ref.id, "accept")
        repo.transition_referral(store, prov_actor, ref.id, "outcome", outcome="linked_to_services")
    checkpoints = tmp_path / "checkpoints.jsonl"
    with store.engine.connect() as conn:
        seq, head = conn.execute(sa.select(AuditEntry.seq, AuditEntry.hash)
                                 .order_by(AuditEntry.seq.desc()).limit(1)).one()
    write_checkpoint(checkpoints, store.audit_keys, seq, head)
    with store.engine.begin() as conn:
        if store.dialect == "postgresql":
            conn.execute(sa.text("DROP TRIGGER audit_log_no_update_delete ON audit_log"))
            conn.execute(sa.text("DROP TRIGGER audit_log_no_truncate ON audit_log"))
        else:
            conn.execute(sa.text("DROP TRIGGER audit_log_no_update"))
            conn.execute(sa.text("DROP TRIGGER audit_log_no_delete"))
    return checkpoints


def _verify(store: Store, checkpoints: Path) -> list[str]:
    with store.read() as s:
        report = verify_audit(s, AUDIT_KEY, checkpoints)
    return [p.problem for p in report.problems]


def _rows(store: Store) -> list[AuditEntry]:
    with store.read() as s:
        return list(s.scalars(sa.select(AuditEntry).order_by(AuditEntry.seq)))


def _rewrite(store: Store, rows: list[AuditEntry], chain_key: bytes | None) -> None:
    """Recompute every hash from the first row on, with `chain_key` (HMAC) or plain sha256 (None)."""
    prev = GENESIS
    with store.engine.begin() as conn:
        for r in rows:
            if chain_key is None:
                canonical = canonical_json({"seq": r.seq, "at": r.at.astimezone(UTC).strftime(
                    "%Y-%m-%dT%H:%M:%S.%fZ"), "actor": r.actor, "action": r.action, "entity": r.entity,
                    "inputs": r.inputs_json, "protocol_hash": r.protocol_hash, "result": r.result_json})
                digest = hashlib.sha256((prev + canonical).encode()).hexdigest()
            else:
                digest = row_hash(chain_key, prev, r.seq, r.at, r.actor, r.action, r.entity, r.inputs_json,
                                  r.protocol_hash, r.result_json)
            conn.execute(sa.text("UPDATE audit_log SET prev_hash=:p, hash=:h, result_json=:r WHERE seq=:s"),
                         {"p": prev, "h": digest, "r": r.result_json, "s": r.seq})
            prev = digest


def test_intact_chain_verifies(store: Store, chain: Path) -> None:
    assert _verify(store, chain) == []
    with store.read() as s:
        report = verify_audit(s, AUDIT_KEY, chain)
    assert report.checkpoints == 1 and report.cross_checked["decisions"] == 4
    assert report.cross_checked["referrals"] == 4


def test_edited_row_is_detected(store: Store, chain: Path) -> None:
    target = next(r for r in _rows(store) if r.action == "triage.decide")
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_log SET result_json=:r WHERE seq=:s"),
                     {"r": target.result_json.replace("community_responder", "police"), "s": target.seq})
    problems = _verify(store, chain)
    assert any("keyed hash" in p for p in problems), problems


def test_truncated_end_is_detected(store: Store, chain: Path) -> None:
    with store.engine.begin() as conn:
        last = conn.execute(sa.select(sa.func.max(AuditEntry.seq))).scalar_one()
        conn.execute(sa.text("DELETE FROM audit_log WHERE seq > :s"), {"s": last - 3})
    problems = _verify(store, chain)
    assert any("removed from the end" in p for p in problems), problems


def test_recomputed_chain_is_detected_without_and_with_the_key(store: Store, chain: Path) -> None:
    rows = _rows(store)
    target = next(r for r in rows if r.action == "triage.decide")
    target.result_json = target.result_json.replace("community_responder", "police")
    _rewrite(store, rows, None)  # the old, unkeyed recipe: sha256 over the same canonical row
    problems = _verify(store, chain)
    assert any("keyed hash" in p for p in problems), problems
    # Even someone holding the key who rewrites the chain no longer matches the checkpoint.
    _rewrite(store, rows, ChainKeys(AUDIT_KEY).chain)
    problems = _verify(store, chain)
    assert not any("keyed hash" in p for p in problems)
    assert any("rewritten" in p for p in problems), problems


def test_forged_append_is_detected(store: Store, chain: Path) -> None:
    last = _rows(store)[-1]
    seq = last.seq + 1
    at = datetime.now(UTC)
    inputs, result = canonical_json({"username": "mallory", "role": "admin"}), canonical_json({"id": 99})
    canonical = canonical_json({"seq": seq, "at": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "actor": "system",
                                "action": "user.create", "entity": "user:99", "inputs": inputs,
                                "protocol_hash": None, "result": result})
    forged = hashlib.sha256((last.hash + canonical).encode()).hexdigest()
    with store.engine.begin() as conn:
        conn.execute(sa.insert(AuditEntry.__table__).values(  # type: ignore[arg-type]
            seq=seq, at=at, actor="system", action="user.create", entity="user:99", inputs_json=inputs,
            protocol_hash=None, result_json=result, prev_hash=last.hash, hash=forged))
    problems = _verify(store, chain)
    assert any("keyed hash" in p for p in problems), problems


@pytest.mark.parametrize(("statement", "expect"), [
    ("UPDATE decisions SET pathway='police' WHERE id=2", "decisions row 2 disagrees with its audit row on "
                                                         "pathway"),
    ("UPDATE referrals SET outcome='transported' WHERE id=3",
     "referrals row 3 disagrees with its audit row on outcome"),
    ("UPDATE decisions SET area='Jane Doe' WHERE id=1", "decisions row 1 disagrees with its audit row on "
                                                        "area_digest"),
    ("UPDATE users SET role='admin' WHERE username='ct'", "disagrees with its audit row on role"),
    ("DELETE FROM referrals WHERE id=4", "referrals row 4 is recorded in the audit log but missing"),
])
def test_business_table_edit_is_detected(store: Store, chain: Path, statement: str, expect: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.text(statement))
    problems = _verify(store, chain)
    assert any(expect in p for p in problems), problems


def test_row_inserted_outside_the_service_is_detected(store: Store, chain: Path) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO referrals (decision_id, service_id, organization_id, status, "
                             "created_at) VALUES (1, 'svc', 'org-a', 'created', :t)"),
                     {"t": datetime.now(UTC)})
    assert any("has no audit row" in p for p in _verify(store, chain))


def test_forged_checkpoint_line_is_detected(store: Store, chain: Path) -> None:
    line = json.loads(chain.read_text().splitlines()[-1])
    line["seq"] += 100
    with chain.open("a") as f:
        f.write(json.dumps(line) + "\n")
    assert any("signature does not verify" in p for p in _verify(store, chain))


def _cli(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "altresponse.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=120, check=False)


def test_verify_audit_command_exits_non_zero_on_a_break(store: Store, chain: Path, db_url: str) -> None:
    env = {"ALTRESPONSE_AUDIT_KEY": AUDIT_KEY.decode(), "ALTRESPONSE_AUDIT_CHECKPOINTS": str(chain)}
    ok = _cli(["ops", "verify-audit", "--db", db_url, "--json"], **env)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout.strip().splitlines()[-1])["ok"] is True
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE decisions SET pathway='police' WHERE id=1"))
    bad = _cli(["ops", "verify-audit", "--db", db_url, "--json"], **env)
    assert bad.returncode == 2, (bad.stdout, bad.stderr)
    report = json.loads(bad.stdout.strip().splitlines()[-1])
    assert report["ok"] is False and "pathway" in report["problem"]
    # Without the key there is nothing to verify with: a clear error, not a pass.
    nokey = _cli(["ops", "verify-audit", "--db", db_url], ALTRESPONSE_AUDIT_KEY="")
    assert nokey.returncode == 2 and "AUDIT_KEY" in nokey.stderr
