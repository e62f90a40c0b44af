"""The fleet engine against queueing theory and against hand-checked small cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from altresponse.simulate.engine import WEEK_S, Demand, Fleet, SimParams, Team, interval_coverage, run_once
from altresponse.simulate.erlang import erlang_a, erlang_c, mmc_mean_wait_s
from altresponse.simulate.metrics import Estimate

NO_EXTRAS = SimParams(max_wait_s=math.inf, turnout_s=0, wrap_s=0, processing_s=0, backup_probability=0)


def _demand(
    t: np.ndarray,
    *,
    urgency: np.ndarray | None = None,
    x: np.ndarray | None = None,
    y: np.ndarray | None = None,
    horizon: float | None = None,
) -> Demand:
    n = len(t)
    return Demand(
        t=np.asarray(t, float),
        team_type=np.zeros(n, np.int64),
        urgency=np.zeros(n, np.int64) if urgency is None else urgency,
        x_km=np.full(n, np.nan) if x is None else x,
        y_km=np.full(n, np.nan) if y is None else y,
        common_type=np.array(["welfare_check"] * n, object),
        team_types=("community_responder",),
        horizon_s=horizon if horizon is not None else (math.floor(max(t, default=0) / WEEK_S) + 1) * WEEK_S,
    )


def _fleet(n: int, shifts: tuple[tuple[float, float], ...] = ((0.0, WEEK_S),), zones: int = 1) -> Fleet:
    return Fleet(
        tuple(Team(0, k % zones, shifts) for k in range(n)),
        np.arange(zones, dtype=float) * 10,
        np.zeros(zones),
    )


def test_mmc_waiting_matches_erlang_c_within_interval() -> None:
    """Stationary Poisson arrivals, exponential service, c teams around the clock: M/M/c."""
    lam, mean_s, c = 6 / 3600, 40 * 60, 6  # load 4 Erlangs
    horizon = 26 * WEEK_S
    p_wait, mean_wait = [], []
    for r in range(8):
        rng = np.random.default_rng([7, r])
        t = np.sort(rng.uniform(0, horizon, rng.poisson(lam * horizon)))
        run = run_once(
            _demand(t, horizon=horizon),
            _fleet(c),
            NO_EXTRAS,
            rng.exponential(mean_s, len(t)),
            np.zeros(len(t)),
            np.zeros(len(t), bool),
        )
        wait = run.dispatch_t - t
        assert run.served.all()
        p_wait.append(float((wait > 1e-9).mean()))
        mean_wait.append(float(wait.mean()))
    theory_p = erlang_c(c, lam * mean_s)
    theory_w = mmc_mean_wait_s(c, lam, mean_s)
    est_p, est_w = Estimate.of(p_wait), Estimate.of(mean_wait)
    assert est_p.contains(theory_p), (est_p, theory_p)
    assert est_w.contains(theory_w), (est_w, theory_w)
    # and the interval is tight enough to mean something
    assert est_p.hi - est_p.lo < 0.05


def test_fallbacks_match_erlang_a_with_exponential_patience() -> None:
    """M/M/c+M: an overloaded fleet (load 5 on 4 teams), callers falling back after exponential waits."""
    lam, mean_s, c, patience = 10 / 3600, 30 * 60, 4, 20 * 60
    horizon = 13 * WEEK_S
    shares = []
    for r in range(8):
        rng = np.random.default_rng([11, r])
        t = np.sort(rng.uniform(0, horizon, rng.poisson(lam * horizon)))
        run = run_once(
            _demand(t, horizon=horizon),
            _fleet(c),
            NO_EXTRAS,
            rng.exponential(mean_s, len(t)),
            np.zeros(len(t)),
            np.zeros(len(t), bool),
            patience_s=rng.exponential(patience, len(t)),
        )
        shares.append(float((~run.served).mean()))
    est = Estimate.of(shares)
    theory = erlang_a(c, lam, mean_s, patience).p_abandon
    assert est.contains(theory), (est, theory)
    assert 0.1 < theory < 0.4


def test_too_few_teams_is_detectably_wrong() -> None:
    """The same check fails when the fleet is not the one the theory assumes (the test can fail)."""
    lam, mean_s = 6 / 3600, 40 * 60
    horizon = 26 * WEEK_S
    rng = np.random.default_rng(3)
    t = np.sort(rng.uniform(0, horizon, rng.poisson(lam * horizon)))
    run = run_once(
        _demand(t, horizon=horizon),
        _fleet(5),
        NO_EXTRAS,
        rng.exponential(mean_s, len(t)),
        np.zeros(len(t)),
        np.zeros(len(t), bool),
    )
    assert float(((run.dispatch_t - t) > 1e-9).mean()) > erlang_c(6, lam * mean_s) + 0.1


def test_urgent_call_jumps_the_queue() -> None:
    t = np.array([0.0, 10.0, 20.0])
    urgency = np.array([3, 3, 0])
    run = run_once(
        _demand(t, urgency=urgency),
        _fleet(1),
        NO_EXTRAS,
        np.array([100.0, 50.0, 50.0]),
        np.zeros(3),
        np.zeros(3, bool),
    )
    assert run.dispatch_t[0] == 0.0
    assert run.dispatch_t[2] == pytest.approx(100.0)  # urgent call served first when the team frees
    assert run.dispatch_t[1] == pytest.approx(150.0)


def test_max_wait_falls_back_to_police() -> None:
    t = np.array([0.0, 10.0])
    params = SimParams(max_wait_s=60, turnout_s=0, wrap_s=0, processing_s=0)
    run = run_once(_demand(t), _fleet(1), params, np.array([1000.0, 10.0]), np.zeros(2), np.zeros(2, bool))
    assert run.served.tolist() == [True, False]


def test_calls_outside_shift_hours_fall_back_and_shift_end_finishes_the_call() -> None:
    day_shift = ((8 * 3600.0, 16 * 3600.0),)  # Monday 08-16 only
    t = np.array([2 * 3600.0, 15.5 * 3600, 15.9 * 3600, 20 * 3600])
    params = SimParams(max_wait_s=30 * 60, turnout_s=0, wrap_s=0, processing_s=0)
    run = run_once(
        _demand(t),
        _fleet(1, day_shift),
        params,
        np.array([60.0, 3600.0, 60.0, 60.0]),
        np.zeros(4),
        np.zeros(4, bool),
    )
    assert run.served.tolist() == [False, True, False, False]
    assert run.end_t[1] == pytest.approx(16.5 * 3600)  # overtime to finish the call


def test_nearest_zone_team_is_sent_and_travel_uses_distance() -> None:
    params = SimParams(max_wait_s=math.inf, turnout_s=0, wrap_s=0, processing_s=0, detour=1.0, speed_kmh=36)
    x, y = np.array([10.0]), np.array([0.0])
    run = run_once(
        _demand(np.array([0.0]), x=x, y=y),
        _fleet(2, zones=2),
        params,
        np.array([60.0]),
        np.zeros(1),
        np.zeros(1, bool),
    )
    assert run.team[0] == 1  # the zone-1 team sits at x = 10 km
    assert run.travel_s[0] == pytest.approx(0.0)
    run = run_once(
        _demand(np.array([0.0]), x=np.array([4.0]), y=y),
        _fleet(1, zones=1),
        params,
        np.array([60.0]),
        np.zeros(1),
        np.zeros(1, bool),
    )
    assert run.travel_s[0] == pytest.approx(4.0 / 36 * 3600)


def test_interval_coverage_matches_brute_force() -> None:
    rng = np.random.default_rng(0)
    s = rng.uniform(0, 20000, 300)
    e = s + rng.exponential(2000, 300)
    got = interval_coverage(s, e, 3600, 6)
    edges = np.arange(7) * 3600
    want = [np.sum(np.clip(np.minimum(e, edges[k + 1]) - np.maximum(s, edges[k]), 0, None)) for k in range(6)]
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-6)
