from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from altresponse.cli import app
from altresponse.errors import BadInput
from altresponse.ops import Store, migrate, verify_audit
from altresponse.ops import repository as repo
from altresponse.ops.db import current_revision, head_revision
from altresponse.ops.models import AuditEntry, DecisionRecord, Referral


def _decision(store: Store, actor: repo.Actor, call_ref: str = "P261125-0001",
              **kw: object) -> DecisionRecord:
    args: dict[str, object] = dict(
        call_ref=call_ref, common_type="behavioral_crisis", category="behavioral_health",
        answers={"weapon": "no", "violence_in_progress": "no"}, pathway="behavioral_health_team",
        responder="mobile_crisis_team", rule_ids=["BH-1"], reasons=["Behavioral crisis, screened safe"],
        fallbacks=["co_response"], protocol_version="baltimore-1.0+abcd1234", protocol_hash="abcd" * 16,
        matched=[{"service_id": "svc-bcri", "organization_id": "org-bcri"}], area="Midtown",
        lon=-76.61234, lat=39.30111,
    )
    args.update(kw)
    return repo.record_decision(store, actor, **args)  # type: ignore[arg-type]


@pytest.fixture
def actors(store: Store) -> dict[str, repo.Actor]:
    out = {}
    for name, role, org in [("ct", "call_taker", None), ("prov", "provider", "org-bcri"),
                            ("other", "provider", "org-other"), ("ana", "analyst", None)]:
        u = repo.create_user(store, name, "password-" + name, role, org)
        out[name] = repo.Actor(u.id, u.username, u.role, u.organization_id)
    return out


def test_migrate_is_idempotent_and_at_head(db_url: str) -> None:
    assert migrate(db_url) == head_revision()
    assert migrate(db_url) == head_revision()
    from altresponse.ops import make_engine
    eng = make_engine(db_url)
    assert current_revision(eng) == head_revision()
    names = set(sa.inspect(eng).get_table_names())
    assert {"users", "decisions", "referrals", "audit_log", "directory_versions"} <= names
    eng.dispose()


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path) -> None:
    from altresponse.ops import open_store
    s = open_store(f"sqlite:///{tmp_path / 'x.db'}")
    with s.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    with pytest.raises(sa.exc.IntegrityError), s.write() as ses:
        ses.add(Referral(decision_id=999, service_id="x", organization_id="y", status="created",
                         created_at=datetime.now(UTC)))
    s.dispose()


def test_times_are_utc_and_zone_aware(store: Store, actors: dict[str, repo.Actor]) -> None:
    rec = _decision(store, actors["ct"])
    got = repo.get_decision(store, rec.id)
    assert got.created_at.tzinfo is not None and got.created_at.utcoffset() == timedelta(0)
    assert abs((datetime.now(UTC) - got.created_at).total_seconds()) < 60
    # A time given in another zone comes back as the same instant, in UTC.
    eastern = datetime(2026, 7, 4, 21, 30, 15, 123456, tzinfo=timezone(timedelta(hours=-4)))
    with store.write() as s:
        row = s.get(DecisionRecord, rec.id)
        assert row is not None
        row.created_at = eastern
    back = repo.get_decision(store, rec.id).created_at
    assert back == eastern and back.tzinfo is not None and back.utcoffset() == timedelta(0)
    assert back.hour == 1 and back.day == 5
    with pytest.raises(sa.exc.StatementError), store.write() as s:
        row = s.get(DecisionRecord, rec.id)
        assert row is not None
        row.created_at = datetime(2026, 1, 1)  # naive: refused, never guessed


def test_location_is_stored_at_block_level_only(store: Store, actors: dict[str, repo.Actor]) -> None:
    rec = repo.get_decision(store, _decision(store, actors["ct"]).id)
    assert (rec.block_lon, rec.block_lat) == (-76.612, 39.301)
    columns = {c.name for c in DecisionRecord.__table__.columns}
    assert not columns & {"caller_name", "phone", "address", "lon", "lat"}


def test_referral_lifecycle_and_provider_isolation(store: Store, actors: dict[str, repo.Actor]) -> None:
    rec = _decision(store, actors["ct"])
    ref = repo.create_referral(store, actors["ct"], decision_id=rec.id, service_id="svc-bcri",
                               organization_id="org-bcri")
    assert ref.status == "created"
    with pytest.raises(repo.NotFound):
        repo.transition_referral(store, actors["other"], ref.id, "accept")
    with pytest.raises(repo.Forbidden):
        repo.transition_referral(store, actors["ct"], ref.id, "accept")
    with pytest.raises(repo.Conflict):
        repo.transition_referral(store, actors["prov"], ref.id, "on_scene")
    for action in ("accept", "en_route", "on_scene"):
        repo.transition_referral(store, actors["prov"], ref.id, action)
    with pytest.raises(BadInput):
        repo.transition_referral(store, actors["prov"], ref.id, "outcome", outcome="fixed_it")
    done = repo.transition_referral(store, actors["prov"], ref.id, "outcome", outcome="linked_to_services")
    assert done.status == "closed" and done.outcome == "linked_to_services"
    assert done.created_at <= done.accepted_at <= done.on_scene_at <= done.closed_at  # type: ignore[operator]
    assert [r.id for r in repo.list_referrals(store, actors["prov"])] == [ref.id]
    assert repo.list_referrals(store, actors["other"]) == []
    with pytest.raises(repo.Forbidden):
        repo.list_referrals(store, actors["ana"])
    with pytest.raises(repo.NotFound):
        repo.create_referral(store, actors["ct"], decision_id=10_000, service_id="s", organization_id="o")


def test_audit_chain_verifies_and_detects_edits(store: Store, actors: dict[str, repo.Actor],
                                                 db_url: str) -> None:
    rec = _decision(store, actors["ct"])
    ref = repo.create_referral(store, actors["ct"], decision_id=rec.id, service_id="s",
                               organization_id="org-bcri")
    repo.transition_referral(store, actors["prov"], ref.id, "accept")
    with store.read() as s:
        report = verify_audit(s)
    assert report.ok and report.rows == 4 + 3  # four users, decision, referral, accept
    with store.read() as s:
        entry = s.scalar(sa.select(AuditEntry).where(AuditEntry.action == "triage.decide"))
        assert entry is not None
        assert json.loads(entry.inputs_json)["answers"]["weapon"] == "no"
        target = entry.seq
    # The store refuses edits outright ...
    with pytest.raises(sa.exc.DBAPIError), store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_log SET actor='mallory' WHERE seq=:s"), {"s": target})
    with pytest.raises(sa.exc.DBAPIError), store.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_log WHERE seq=:s"), {"s": target})
    # ... and when an owner bypasses that, the chain still shows which row was changed.
    with store.engine.begin() as conn:
        if store.dialect == "postgresql":
            conn.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete"))
        else:
            conn.execute(sa.text("DROP TRIGGER audit_log_no_update"))
        conn.execute(sa.text("UPDATE audit_log SET result_json=:r WHERE seq=:s"),
                     {"r": '{"pathway":"police"}', "s": target})
    with store.read() as s:
        bad = verify_audit(s)
    assert not bad.ok and bad.first_bad is not None and bad.first_bad.seq == target

    result = CliRunner().invoke(app, ["ops", "verify-audit", "--db", db_url, "--json"])
    assert result.exit_code == 2, result.output
    last = json.loads(result.output.strip().splitlines()[-1])
    assert last["ok"] is False and last["first_bad_seq"] == target


def test_public_stats_suppress_small_cells(store: Store, actors: dict[str, repo.Actor]) -> None:
    for i in range(12):
        _decision(store, actors["ct"], call_ref=f"A{i}")
    for i in range(3):
        _decision(store, actors["ct"], call_ref=f"B{i}", pathway="police", category="violent_crime")
    stats = repo.public_stats(store)
    pathways = {c["pathway"]: c for c in stats["by_pathway"]}
    assert pathways["police"]["count"] is None and pathways["police"]["suppressed"]
    # One small cell alone would be recoverable from the total, so the next smallest is hidden too.
    assert pathways["behavioral_health_team"]["suppressed"]
    assert stats["total_decisions"] == 15
    assert "A1" not in json.dumps(repo.analyst_stats(store), default=str)


def test_user_rules(store: Store) -> None:
    with pytest.raises(BadInput):
        repo.create_user(store, "p", "longenough", "provider", None)
    with pytest.raises(BadInput):
        repo.create_user(store, "p", "short", "analyst")
    repo.create_user(store, "a", "longenough", "analyst")
    with pytest.raises(repo.Conflict):
        repo.create_user(store, "a", "longenough", "analyst")
    assert repo.authenticate(store, "a", "longenough") is not None
    assert repo.authenticate(store, "a", "wrong-password") is None
    assert repo.authenticate(store, "nobody", "longenough") is None
    with store.read() as s:
        stored = s.execute(sa.text("SELECT password_hash FROM users WHERE username='a'")).scalar()
    assert stored.startswith("$argon2id$") and "longenough" not in stored
