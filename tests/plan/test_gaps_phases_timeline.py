from __future__ import annotations

import numpy as np
import pytest

from altresponse.plan.gaps import Demand, ServiceCover, coordinated_entry, hours_mask, type_gap
from altresponse.plan.phases import PhaseSpec, best_window, build_phases, pick_areas
from altresponse.plan.timeline import Task, plan_tasks, schedule


def test_hours_mask_wraps_midnight_and_covers_full_days():
    m = hours_mask([0], 22, 6)
    assert m.sum() == 8 and m[22] and m[24 + 5] and not m[24 + 6]
    assert hours_mask(range(7), 0, 0).all()
    weekday = hours_mask(range(5), 8, 17)
    assert weekday.sum() == 45


def test_type_gap_counts_uncovered_cells_exactly():
    counts = np.zeros((2, 168))
    counts[0, 10] = 100  # Monday 10:00 in area A: covered
    counts[1, 10] = 50  # Monday 10:00 in area B: outside the service area
    counts[0, 20] = 30  # Monday 20:00 in A: closed
    d = Demand("welfare_check", ("A", "B"), counts)
    svc = ServiceCover(
        "s",
        "Outreach",
        "Org",
        frozenset({"welfare_check"}),
        hours_mask(range(5), 8, 17),
        areas=frozenset({"A"}),
    )
    referral = ServiceCover(
        "r", "Referral desk", "Org", frozenset({"welfare_check"}), hours_mask(range(7), 0, 0), responds=False
    )
    g = type_gap(d, [svc, referral])
    assert g.covered == pytest.approx(100) and g.gap == pytest.approx(80)
    assert g.covered_share == pytest.approx(100 / 180)
    assert dict(g.gap_by_area) == {"B": 50, "A": 30}
    assert g.services == ("Outreach", "Referral desk")
    assert coordinated_entry([svc]) is None


def test_best_window_finds_the_peak():
    by_hour = np.zeros(24)
    by_hour[[22, 23, 0, 1]] = 10
    assert best_window(by_hour, 4) == 22
    assert best_window(by_hour, 24) == 0


def test_pick_areas_puts_underserved_first():
    counts = {"A": 100.0, "B": 300.0, "C": 50.0}
    d = Demand("t", tuple(counts), np.array([[v] + [0] * 167 for v in counts.values()]))
    assert pick_areas([d], {"C"}, 0.1) == ("C",)
    assert pick_areas([d], set(), 0.5) == ("B",)
    assert pick_areas([Demand("t", ("citywide",), np.ones((1, 168)))], set(), 0.5) is None


def test_build_phases_scope_and_staffer_calls():
    counts = np.zeros((2, 168))
    counts[:, 12::24] = 52.0  # one call a week at noon every day in both areas
    demand = {
        "welfare_check": Demand("welfare_check", ("A", "B"), counts),
        "suicidal_ideation": Demand("suicidal_ideation", ("A", "B"), counts / 2),
    }
    seen = []

    def staffer(per_team, mask):
        seen.append((sorted(per_team), int(mask.sum())))
        return None

    specs = [
        PhaseSpec("first", "pilot_plus_top:1", "underserved_top", 8, 6, 0.5),
        PhaseSpec("all", "recommended", "citywide", 24, 12),
    ]
    phases = build_phases(
        specs,
        demand,
        {"welfare_check": "community_responder", "suicidal_ideation": None},
        ["welfare_check"],
        ["suicidal_ideation"],
        {"B"},
        staffer=staffer,
    )
    assert phases[0].areas == ("B",)
    assert phases[0].window_start <= 12 < phases[0].window_start + 8
    assert phases[1].calls_per_year == pytest.approx(counts.sum() * 1.5)
    assert phases[0].share_of_eligible == pytest.approx(0.5)
    assert seen == [(["community_responder"], 56), (["community_responder"], 168)]


def test_timeline_respects_dependencies_and_detects_cycles():
    lead = {
        "hiring": 4,
        "provider_agreements": 3,
        "cad_configuration": 3,
        "call_taker_training": 1,
        "community_engagement": 3,
        "public_reporting_setup": 2,
    }
    tasks = {t.id: t for t in plan_tasks([("one", 6), ("two", 6)], lead)}
    assert tasks["golive1"].start == 4  # CAD 3 months + training 1
    assert tasks["review1"].start == 10
    assert tasks["hire2"].finish == pytest.approx(tasks["golive1"].start + 6)
    for t in tasks.values():
        for d in t.deps:
            assert t.start + 1e-9 >= tasks[d].finish + t.offset
    with pytest.raises(ValueError, match="cycle"):
        schedule([Task("a", "A", 1, ("b",)), Task("b", "B", 1, ("a",))])
