"""Erlang formulas, the hourly requirement and the shift integer program."""

from __future__ import annotations

import numpy as np
import pytest

from altresponse.simulate.erlang import erlang_a, erlang_b, erlang_c, required_teams, service_level
from altresponse.simulate.schedule import schedule_shifts


def test_erlang_textbook_values() -> None:
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert erlang_c(3, 2.0) == pytest.approx(4 / 9)
    assert erlang_c(2, 2.5) == 1.0  # unstable


def test_erlang_a_tends_to_erlang_c_with_patient_callers_and_abandons_when_overloaded() -> None:
    lam, mean_s = 4 / 3600, 1800.0
    a = erlang_a(3, lam, mean_s, mean_patience_s=1e9)
    assert a.p_wait == pytest.approx(erlang_c(3, lam * mean_s), rel=1e-3)
    over = erlang_a(1, 10 / 3600, 1800.0, mean_patience_s=600)
    assert 0.8 < over.p_abandon < 1.0  # load 5 on one team: most calls fall back


def test_requirement_is_fractional_between_whole_counts_and_meets_target() -> None:
    slack = np.full(1000, 600.0)  # every call has 10 minutes for waiting
    req = required_teams(8.0, 1800.0, slack, 0.9)
    assert req.feasible
    assert req.whole - 1 < req.teams <= req.whole
    assert service_level(req.whole, 8 / 3600, 1800.0, slack) >= 0.9
    assert service_level(req.whole - 1, 8 / 3600, 1800.0, slack) < 0.9
    more = required_teams(16.0, 1800.0, slack, 0.9)
    assert more.teams > req.teams


def test_requirement_flags_targets_travel_cannot_meet() -> None:
    slack = np.concatenate([np.full(700, 600.0), np.full(300, -1.0)])  # 30% arrive late whatever happens
    req = required_teams(2.0, 1800.0, slack, 0.9)
    assert not req.feasible
    assert req.service_level >= 0.9 * 0.7 - 1e-9


def test_schedule_covers_requirement_at_least_cost_with_week_wrap() -> None:
    h = np.arange(168) % 24
    req = np.where((h >= 8) & (h < 20), 2.4, 0.6)
    plan = schedule_shifts(req)
    assert plan.status == "Optimal"
    assert np.all(plan.coverage >= np.ceil(req - 1e-9))
    assert plan.lp_bound_cost <= plan.cost_per_week + 1e-6
    # cover with whole teams: no cheaper than the rounded-up requirement hours
    assert plan.team_hours_per_week >= np.ceil(req).sum()
    assert plan.team_hours_per_week <= np.ceil(req).sum() * 1.25
    late = np.zeros(168)
    late[[166, 167, 0, 1]] = 1.0  # Sunday 22:00 to Monday 02:00 needs one shift across the week boundary
    wrap = schedule_shifts(late, lengths_h=(8,))
    assert wrap.team_hours_per_week == 8
    assert sum(n for _, _, n in wrap.shifts) == 1


def test_schedule_respects_allowed_starts_and_lengths() -> None:
    req = np.ones(168)
    plan = schedule_shifts(req, lengths_h=(12,), start_hours=(7, 19))
    assert {s % 24 for s, _, _ in plan.shifts} <= {7, 19}
    assert {length for _, length, _ in plan.shifts} == {12}
    assert plan.team_hours_per_week == 168
    assert schedule_shifts(np.zeros(168)).shifts == ()
    with pytest.raises(ValueError):
        schedule_shifts(np.ones(24))
