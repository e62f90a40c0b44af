"""Parallel replications equal serial ones; the compiled event loop equals its Python source."""

from __future__ import annotations

import math

import numpy as np
import pytest

from altresponse.simulate import engine
from altresponse.simulate.demand import HourOfWeekRates, poisson_demand
from altresponse.simulate.engine import WEEK_S, Demand, Fleet, SimParams, Team, run_once
from altresponse.simulate.metrics import replicate, replication_workers
from altresponse.simulate.service_time import ServiceTimeModel


def _city(n: int, seed: int = 3) -> tuple[Demand, Fleet]:
    """Two team types, three zones, part-time shifts, some calls without coordinates."""
    rng = np.random.default_rng(seed)
    horizon = 4 * WEEK_S
    x, y = rng.uniform(-5, 5, n), rng.uniform(-5, 5, n)
    x[rng.random(n) < 0.2] = np.nan
    demand = Demand(
        t=np.sort(rng.uniform(0, horizon, n)),
        team_type=rng.integers(0, 2, n),
        urgency=rng.integers(0, 4, n),
        x_km=x,
        y_km=y,
        common_type=np.array(["behavioral_crisis", "welfare_check"] * (n // 2), object),
        team_types=("behavioral_health_team", "community_responder"),
        horizon_s=horizon,
    )
    day = tuple((d * 86400 + 7 * 3600.0, d * 86400 + 19 * 3600.0) for d in range(7))
    night = tuple((d * 86400 + 19 * 3600.0, d * 86400 + 31 * 3600.0) for d in range(7))
    teams = tuple(Team(k % 2, k % 3, day if k % 4 < 2 else night) for k in range(12))
    return demand, Fleet(teams, np.array([-3.0, 0.0, 3.0]), np.array([0.0, 2.0, -1.0]))


def test_parallel_replications_equal_serial_ones() -> None:
    demand, fleet = _city(4000)
    service = ServiceTimeModel.defaults()
    serial = replicate(demand, fleet, SimParams(), service, reps=4, seed=11, workers=1)
    parallel = replicate(demand, fleet, SimParams(), service, reps=4, seed=11, workers=2)
    serial.pop("seconds"), parallel.pop("seconds")
    assert parallel == serial
    assert serial["reached_share"]["lo"] < serial["reached_share"]["hi"]  # replications really differ


def test_parallel_fresh_arrivals_equal_serial_ones() -> None:
    """A demand factory (a closure, which cannot be pickled) reaches the workers too."""
    demand, fleet = _city(4000)
    rates = HourOfWeekRates.fit(demand.t, demand.team_type, demand.team_types, demand.horizon_s)

    def factory(rng: np.random.Generator) -> Demand:
        return poisson_demand(
            rates, demand.common_type, demand.team_type, demand.urgency, demand.x_km, demand.y_km,
            weeks=4, rng=rng,
        )

    service = ServiceTimeModel.defaults()
    runs = [
        replicate(demand, fleet, SimParams(), service, reps=3, seed=5, demand_factory=factory, workers=w)
        for w in (1, 2)
    ]
    for r in runs:
        r.pop("seconds")
    assert runs[0] == runs[1]


def test_worker_count_follows_run_size() -> None:
    assert replication_workers(reps=5, calls=1000) == 1  # too small to pay for processes
    assert replication_workers(reps=1, calls=10**7) == 1  # one replication cannot be split
    assert replication_workers(reps=3, calls=10**6, workers=8) == 3


@pytest.mark.parametrize("from_base", [True, False])
def test_compiled_loop_equals_its_python_source(from_base: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Numba-compiled kernel and the same function run by the interpreter give identical results."""
    compiled = engine._kernel()
    if not hasattr(compiled, "py_func"):
        pytest.skip("numba is not installed: the kernel already runs as Python")
    demand, fleet = _city(1500, seed=8)
    rng = np.random.default_rng(1)
    draws = (rng.exponential(2400, demand.n), rng.exponential(500, demand.n), rng.random(demand.n) < 0.05)
    params = SimParams(dispatch_from_base=from_base)
    patience = rng.exponential(1800, demand.n)
    fast = run_once(demand, fleet, params, *draws, patience_s=patience)
    monkeypatch.setattr(engine, "_KERNEL", compiled.py_func)
    slow = run_once(demand, fleet, params, *draws, patience_s=patience)
    for name in ("dispatch_t", "arrive_t", "end_t", "travel_s", "team", "backup"):
        assert np.array_equal(getattr(fast, name), getattr(slow, name), equal_nan=True), name
    assert 0.2 < fast.served.mean() < 1.0 and math.isfinite(fast.events)
