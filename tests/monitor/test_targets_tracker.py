"""Gate verdicts from the plan's JSON; tracker slippage on a known schedule."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from altresponse.errors import BadInput
from altresponse.monitor.intervals import count, percentile, share
from altresponse.monitor.targets import MET, NO_DATA, NOT_MET, PlanTargets, evaluate_gate, evaluate_targets
from altresponse.monitor.tracker import Milestone, milestones_from_plan_json, track, with_progress
from altresponse.plan.config import DEFAULT_GATES, DEFAULT_TARGETS

PLAN = {
    "monitoring": [
        {
            "id": k,
            "name": k,
            "direction": "lower"
            if k in ("backup_rate", "response_time_p50", "safety_incidents")
            else "higher",
            "targets": v,
        }
        for k, v in DEFAULT_TARGETS.items()
    ],
    "phases": [
        {
            "index": i,
            "name": f"phase {i}",
            "min_months": 6,
            "entry_gates": DEFAULT_GATES[f"phase{i}_entry"],
            "exit_gates": DEFAULT_GATES[f"phase{i}_exit"],
        }
        for i in (1, 2, 3)
    ],
    "timeline": [
        {
            "id": "a",
            "name": "A",
            "start_month": 0,
            "duration_months": 2,
            "deps": [],
            "phase": 0,
            "workstream": "providers",
        },
        {
            "id": "b",
            "name": "B",
            "start_month": 2,
            "duration_months": 1,
            "deps": ["a"],
            "phase": 1,
            "workstream": "staffing",
        },
        {
            "id": "live",
            "name": "Go-live",
            "start_month": 3,
            "duration_months": 0,
            "deps": ["b"],
            "phase": 1,
            "workstream": "milestone",
        },
    ],
}


def test_exit_gate_verdicts() -> None:
    plan = PlanTargets.from_plan_json(PLAN)
    figures = {
        "reach": share(60, 100),
        "backup_rate": share(2, 100),
        "response_time_p50": percentile([15.0] * 50, 0.5),
        "safety_incidents": count(0),
        "reached_calls": count(60),
    }
    g = evaluate_gate(plan, 1, "exit", figures)
    assert g.verdict == "go"
    assert [c.verdict for c in g.criteria] == [MET, MET, MET, MET]
    assert "holds" in g.criteria[0].evidence and "0.6" in g.criteria[0].evidence
    figures["backup_rate"] = share(10, 100)
    g = evaluate_gate(plan, 1, "exit", figures)
    assert g.verdict == "no-go" and g.criteria[1].verdict == NOT_MET
    # too few records: not enough data, never a pass
    small = {
        "reach": share(4, 5),
        "backup_rate": share(0, 5),
        "response_time_p50": percentile([5.0] * 5, 0.5),
        "safety_incidents": count(0),
        "reached_calls": count(5),
    }
    g = evaluate_gate(plan, 1, "exit", small)
    assert g.verdict == NO_DATA and {c.verdict for c in g.criteria} == {NO_DATA}


def test_entry_gate_readiness_and_missing_metric() -> None:
    plan = PlanTargets.from_plan_json(PLAN)
    g = evaluate_gate(
        plan,
        1,
        "entry",
        {"call_takers_trained_share": share(95, 100), "provider_agreements_signed": count(2)},
    )
    assert g.verdict == "go"
    g = evaluate_gate(plan, 1, "entry", {"call_takers_trained_share": share(95, 100)})
    assert g.verdict == NO_DATA


def test_targets_by_phase() -> None:
    plan = PlanTargets.from_plan_json(PLAN)
    v = {x.metric: x for x in evaluate_targets(plan, 2, {"reach": share(60, 100)})}
    assert v["reach"].threshold == 0.65 and v["reach"].verdict == NOT_MET
    assert v["backup_rate"].verdict == NO_DATA


def test_bad_gate_fails_loudly() -> None:
    bad = {"phases": [{"index": 1, "exit_gates": [{"metric": "reach", "op": "=>", "threshold": 1}]}]}
    with pytest.raises(BadInput, match="operator"):
        PlanTargets.from_plan_json(bad)


D0 = date(2027, 1, 1)


def known_schedule() -> list[Milestone]:
    """a (30 d) -> b (20 d) -> live; c (10 d) -> live, off the critical path."""
    return [
        Milestone("a", "Agreements", "city", D0, D0 + timedelta(days=30)),
        Milestone("b", "Hiring", "provider", D0 + timedelta(days=30), D0 + timedelta(days=50), ("a",)),
        Milestone("c", "Signage", "city", D0, D0 + timedelta(days=10)),
        Milestone("live", "Go-live", "city", D0 + timedelta(days=50), D0 + timedelta(days=50), ("b", "c")),
    ]


def test_on_schedule_has_no_slip() -> None:
    st = track(known_schedule(), D0)
    assert st.critical_path_slip_days == 0
    assert st.critical_path == ["a", "b", "live"]
    assert {t.item.id: t.slack_days for t in st.items}["c"] == 40


def test_slip_on_the_critical_path_moves_go_live() -> None:
    items = with_progress(
        known_schedule(),
        {
            "a": {
                "status": "done",
                "actual_start": D0,
                "actual_finish": D0 + timedelta(days=42),
            },  # 12 days late
            "c": {
                "status": "done",
                "actual_start": D0,
                "actual_finish": D0 + timedelta(days=25),
            },  # 15 late, slack
        },
    )
    st = track(items, D0 + timedelta(days=43))
    by = {t.item.id: t for t in st.items}
    assert by["a"].slip_days == 12
    assert by["b"].forecast_start == D0 + timedelta(days=43)  # today, after a finished
    assert by["b"].slip_days == 13
    assert by["live"].slip_days == 13
    assert st.critical_path_slip_days == 13
    assert not by["c"].critical and by["c"].slip_days == 15


def test_overdue_in_progress_finishes_no_earlier_than_today() -> None:
    items = with_progress(known_schedule(), {"a": {"status": "in_progress", "actual_start": D0}})
    st = track(items, D0 + timedelta(days=35))
    by = {t.item.id: t for t in st.items}
    assert by["a"].overdue and by["a"].forecast_finish == D0 + timedelta(days=35)
    assert st.critical_path_slip_days == 5


def test_tracker_from_plan_and_bad_items() -> None:
    items = milestones_from_plan_json(PLAN, D0, {"providers": "BCRI"})
    assert [m.owner for m in items] == ["BCRI", "program office", "program office"]
    assert items[2].milestone and items[2].due == D0 + timedelta(days=91)
    with pytest.raises(BadInput, match="unknown ids"):
        track([Milestone("x", "X", "o", D0, D0, ("nope",))], D0)
    with pytest.raises(BadInput, match="status"):
        track([Milestone("x", "X", "o", D0, D0, status="late")], D0)
    with pytest.raises(BadInput, match="cycle"):
        track([Milestone("x", "X", "o", D0, D0, ("y",)), Milestone("y", "Y", "o", D0, D0, ("x",))], D0)
