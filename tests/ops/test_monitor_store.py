"""What happened on each call and the tracker, stored and read back on SQLite and PostgreSQL.

The measures computed from a hand-built store equal hand counts; a fallback to co-response is never
a diversion; every change is in the audit chain.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from altresponse.errors import BadInput
from altresponse.monitor.measures import compute_measures
from altresponse.monitor.tracker import Milestone, track
from altresponse.ops import Store, verify_audit
from altresponse.ops import monitor_store as ms
from altresponse.ops import repository as repo
from altresponse.ops.db import migrate
from tests.ops.conftest import AUDIT_KEY

T0 = datetime(2027, 2, 1, 15, tzinfo=UTC)


@pytest.fixture
def actors(store: Store) -> dict[str, repo.Actor]:
    out = {}
    for name, role, org in [
        ("ct", "call_taker", None),
        ("prov", "provider", "org-a"),
        ("other", "provider", "org-b"),
        ("ana", "analyst", None),
    ]:
        u = repo.create_user(store, name, "password-" + name, role, org)
        out[name] = repo.Actor(u.id, u.username, u.role, u.organization_id)
    return out


def decision(
    store: Store,
    actor: repo.Actor,
    pathway: str,
    *,
    at: datetime,
    area: str = "North",
    common_type: str = "welfare_check",
) -> int:
    rec = repo.record_decision(
        store,
        actor,
        call_ref=f"T{at:%H%M%S}{pathway[:3]}",
        common_type=common_type,
        category="welfare",
        answers={},
        pathway=pathway,
        responder="x",
        rule_ids=["r1"],
        reasons=["because"],
        fallbacks=["co_response", "police"],
        protocol_version="t",
        protocol_hash="h",
        matched=[],
        area=area,
        lon=-76.6,
        lat=39.3,
        at=at,
    )
    return rec.id


def test_hand_built_store_measures_equal_hand_counts(store: Store, actors: dict[str, repo.Actor]) -> None:
    ct, prov = actors["ct"], actors["prov"]
    # 1: community responder went, no backup -> diverted; accept 2 min, arrive 12 min, 30 min on scene
    d1 = decision(store, ct, "community_responder", at=T0)
    r1 = repo.create_referral(store, ct, decision_id=d1, service_id="s-a", organization_id="org-a", at=T0)
    repo.transition_referral_at(store, prov, r1.id, "accept", at=T0 + timedelta(minutes=2))
    repo.transition_referral_at(store, prov, r1.id, "en_route", at=T0 + timedelta(minutes=3))
    repo.transition_referral_at(store, prov, r1.id, "on_scene", at=T0 + timedelta(minutes=12))
    repo.transition_referral_at(
        store, prov, r1.id, "outcome", outcome="successful_diversion", at=T0 + timedelta(minutes=42)
    )
    ms.record_result(store, prov, d1, actual_pathway="community_responder", actual_organization_id="org-a")
    # 2: team busy, declined, fell back to co-response
    d2 = decision(store, ct, "community_responder", at=T0 + timedelta(hours=1))
    r2 = repo.create_referral(
        store, ct, decision_id=d2, service_id="s-a", organization_id="org-a", at=T0 + timedelta(hours=1)
    )
    repo.transition_referral_at(
        store, prov, r2.id, "decline", reason="no_capacity", at=T0 + timedelta(hours=1, minutes=1)
    )
    ms.record_result(store, ct, d2, actual_pathway="co_response", unserved_reason="busy")
    # 3: reached on scene by the referral alone (no result row yet): counts as reached, outcome backup
    d3 = decision(store, ct, "behavioral_health_team", at=T0 + timedelta(hours=2), area="South")
    r3 = repo.create_referral(
        store, ct, decision_id=d3, service_id="s-a", organization_id="org-a", at=T0 + timedelta(hours=2)
    )
    for step in ("accept", "en_route", "on_scene"):
        repo.transition_referral_at(store, prov, r3.id, step, at=T0 + timedelta(hours=2, minutes=20))
    repo.transition_referral_at(
        store, prov, r3.id, "outcome", outcome="backup_requested", at=T0 + timedelta(hours=3)
    )
    # 4: police call; 5: eligible, nothing recorded
    d4 = decision(store, ct, "police", at=T0 + timedelta(hours=3))
    ms.record_result(store, ct, d4, actual_pathway="police", arrest=True)
    decision(store, ct, "homeless_outreach", at=T0 + timedelta(hours=4))
    # outside the period
    decision(store, ct, "community_responder", at=T0 + timedelta(days=60))

    facts = ms.load_facts(store, T0, T0 + timedelta(days=1))
    assert len(facts) == 5
    h = compute_measures(facts).headline
    assert h["eligible_calls"].n == 4
    assert h["reached_calls"].n == 2  # 1 and 3
    assert h["diverted_calls"].n == 1  # 3 had police backup; 2 fell back
    assert h["backup_rate"].value == pytest.approx(0.5)
    assert h["time_to_accept_p50"].value == pytest.approx((2 + 20) / 2)  # d1 2 min, d3 20 min
    assert h["response_time_p50"].value == pytest.approx((12 + 20) / 2)
    assert h["arrests"].n == 1
    by_fact = {f.decision_id: f for f in facts}
    assert by_fact[d2].declines == ("no_capacity",) and not by_fact[d2].diverted
    assert by_fact[d1].seconds_on_scene == pytest.approx(1800)
    south = ms.load_facts(store, T0, T0 + timedelta(days=1), area="South")
    assert [f.decision_id for f in south] == [d3]
    with store.read() as s:
        assert verify_audit(s, AUDIT_KEY).ok


def test_eligible_call_without_a_team_needs_a_reason(store: Store, actors: dict[str, repo.Actor]) -> None:
    d = decision(store, actors["ct"], "community_responder", at=T0)
    with pytest.raises(BadInput, match="unserved_reason"):
        ms.record_result(store, actors["ct"], d, actual_pathway="co_response")
    with pytest.raises(BadInput, match="actual_pathway"):
        ms.record_result(store, actors["ct"], d, actual_pathway="helicopter", unserved_reason="busy")
    row = ms.record_result(store, actors["ct"], d, actual_pathway="co_response", unserved_reason="off_duty")
    assert row.unserved_reason == "off_duty"
    fact = ms.load_facts(store)[0]
    assert fact.eligible and not fact.diverted and not fact.reached


def test_providers_record_only_their_own(store: Store, actors: dict[str, repo.Actor]) -> None:
    d = decision(store, actors["ct"], "community_responder", at=T0)
    repo.create_referral(store, actors["ct"], decision_id=d, service_id="s", organization_id="org-a")
    with pytest.raises(repo.NotFound):
        ms.record_result(store, actors["other"], d, actual_pathway="community_responder")
    with pytest.raises(repo.Forbidden):
        ms.record_result(store, actors["ana"], d, actual_pathway="community_responder")
    ms.record_result(
        store, actors["prov"], d, actual_pathway="community_responder", actual_organization_id="org-a"
    )
    corrected = ms.record_result(
        store, actors["prov"], d, actual_pathway="community_responder", backup="police"
    )
    assert corrected.backup == "police"
    with store.read() as s:
        actions = [r for (r,) in s.execute(sa.text("SELECT action FROM audit_log ORDER BY seq"))]
    assert actions[-2:] == ["result.record", "result.correct"]


def test_tracker_round_trip_slip_and_audit(store: Store, actors: dict[str, repo.Actor]) -> None:
    d0 = date(2027, 1, 1)
    items = [
        Milestone("a", "Agreements", "City", d0, d0 + timedelta(days=30)),
        Milestone("b", "Hiring", "Provider", d0 + timedelta(days=30), d0 + timedelta(days=50), ("a",)),
        Milestone("live", "Go-live", "City", d0 + timedelta(days=50), d0 + timedelta(days=50), ("b",)),
    ]
    with pytest.raises(repo.Forbidden):
        ms.import_tracker(store, actors["ct"], items)
    assert ms.import_tracker(store, actors["ana"], items) == 3
    assert ms.import_tracker(store, actors["ana"], items) == 0  # progress is kept, nothing duplicated
    ms.update_tracker_item(
        store, actors["ana"], "a", {"status": "done", "actual_finish": d0 + timedelta(days=40)}
    )
    with pytest.raises(BadInput, match="cycle"):
        ms.update_tracker_item(store, actors["ana"], "a", {"deps": ["live"]})
    with pytest.raises(BadInput, match="status"):
        ms.update_tracker_item(store, actors["ana"], "b", {"status": "late"})
    with pytest.raises(repo.NotFound):
        ms.update_tracker_item(store, actors["ana"], "zzz", {"status": "done"})
    stored = ms.list_tracker(store)
    assert {m.id: m.status for m in stored} == {"a": "done", "b": "not_started", "live": "not_started"}
    st = track(stored, d0 + timedelta(days=40))
    assert st.critical_path_slip_days == 10
    with store.read() as s:
        assert verify_audit(s, AUDIT_KEY).ok
        n = s.execute(sa.text("SELECT count(*) FROM audit_log WHERE action LIKE 'tracker.%'")).scalar_one()
    assert n == 3  # two imports and one update (refused changes roll back with their audit row)


def test_migration_downgrades_and_upgrades(db_url: str) -> None:
    from altresponse.ops import make_engine

    eng = make_engine(db_url)
    migrate(eng)
    assert {"call_results", "tracker_items"} <= set(sa.inspect(eng).get_table_names())
    migrate_down = __import__("alembic.command", fromlist=["downgrade"]).downgrade
    from altresponse.ops.db import _alembic_config

    with eng.begin() as conn:
        migrate_down(_alembic_config(conn), "0001_initial")
    assert "call_results" not in set(sa.inspect(eng).get_table_names())
    migrate(eng)
    assert "tracker_items" in set(sa.inspect(eng).get_table_names())
    eng.dispose()
