"""Benchmark: a year of Baltimore-scale alternative-response demand, our engine vs a SimPy model.

Demand: 1.6M calls a year x a broad eligible share (25%) = ~400k calls, arriving as a
non-homogeneous Poisson process with a day/night and weekday shape, at places spread over a
Baltimore-sized area. System: one team type, 24/7 teams at one base, urgency-ordered queue, calls
waiting longer than 30 minutes fall back to police, travel = straight line x detour / speed,
lognormal on-scene times. The SimPy model is the textbook form of the same system (calls as
processes, a PriorityResource of teams, reneging by `req | timeout`). Both runs use the same
draws per replication.

Two measurements:
  engine      CPU seconds per replication (time.process_time, so other work on the machine does not
              inflate them) of our event loop and of SimPy on the same calls; median ratio (target
              >= 20x), and each engine's mean inside the other's 95% interval for every figure.
  replicate   wall seconds of `replicate()` (fresh Poisson arrivals, service draws, event loop and
              every planner's figure) for --year-reps replications of the same year, run in as many
              processes as there are cores, and serially for comparison (target <= 5 s for 20).

    .venv/bin/python benchmarks/simulate.py [--calls 400000] [--teams 70] [--reps 5] [--simpy-reps 3]
                                            [--year-reps 20]
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import statistics
import time

import numpy as np
import simpy

from altresponse.simulate.demand import poisson_demand
from altresponse.simulate.engine import HOUR_S, WEEK_S, Demand, Fleet, SimParams, Team, run_once
from altresponse.simulate.metrics import Estimate, replicate, replication_workers
from altresponse.simulate.service_time import DEFAULT_ON_SCENE, ServiceTimeModel

PARAMS = SimParams(
    max_wait_s=30 * 60,
    detour=1.3,
    speed_kmh=30,
    turnout_s=60,
    processing_s=120,
    wrap_s=600,
    backup_probability=0.0,
    target_s=20 * 60,
    dispatch_from_base=True,
)


WALL: list[float] = []  # wall-clock seconds of our runs, for reference
CPU: list[float] = []  # CPU seconds of each replicate() timing, its worker processes included


def hour_of_week_shape() -> np.ndarray:
    """Relative call volume by hour of week: low at 4-5 am, high late afternoon, busier Fri/Sat nights."""
    h = np.arange(168) % 24
    day = np.arange(168) // 24
    shape = 1.0 + 0.6 * np.sin((h - 10) / 24 * 2 * np.pi) + 0.15 * ((day >= 4) & ((h >= 20) | (h < 3)))
    return shape / shape.mean()


def make_demand(calls_per_year: int, rng: np.random.Generator) -> Demand:
    from altresponse.simulate.demand import HourOfWeekRates

    weeks = 52
    rate = calls_per_year / (365.25 * 24)
    rates = HourOfWeekRates(
        rates=(rate * hour_of_week_shape())[None, :],
        weeks_observed=weeks,
        team_types=("behavioral_health_team",),
    )
    pool = 5000
    x = rng.uniform(-6, 6, pool)  # a 12 x 12 km city, base at the centre
    y = rng.uniform(-6, 6, pool)
    return poisson_demand(
        rates,
        np.array(["behavioral_crisis"] * pool, object),
        np.zeros(pool, np.int64),
        rng.integers(1, 6, pool),
        x,
        y,
        weeks=weeks,
        rng=rng,
    )


def draws(d: Demand, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    scene = DEFAULT_ON_SCENE.sample(rng, d.n) * 1.25
    return scene, np.zeros(d.n)


def figures(d: Demand, dispatch: np.ndarray, arrive: np.ndarray) -> dict[str, float]:
    served = np.isfinite(dispatch)
    response = arrive - d.t + PARAMS.processing_s
    return {
        "reached_share": float(served.mean()),
        "reached_within_20min_share": float((served & (response <= PARAMS.target_s)).mean()),
        "mean_wait_min_served": float(np.mean(dispatch[served] - d.t[served]) / 60),
    }


def ours(d: Demand, scene: np.ndarray, teams: int) -> tuple[float, dict[str, float]]:
    fleet = Fleet(tuple(Team(0, 0, ((0.0, WEEK_S),)) for _ in range(teams)), np.zeros(1), np.zeros(1))
    start, wall = time.process_time(), time.perf_counter()
    run = run_once(d, fleet, PARAMS, scene, np.zeros(d.n), np.zeros(d.n, bool))
    elapsed = time.process_time() - start
    WALL.append(time.perf_counter() - wall)
    return elapsed, figures(d, run.dispatch_t, run.arrive_t)


def simpy_model(d: Demand, scene: np.ndarray, teams: int) -> tuple[float, dict[str, float]]:
    """The same system in SimPy: each call a process requesting a team from a PriorityResource."""
    env = simpy.Environment()
    fleet = simpy.PriorityResource(env, capacity=teams)
    dispatch = np.full(d.n, np.nan)
    arrive = np.full(d.n, np.nan)
    t, urg, x, y = d.t.tolist(), d.urgency.tolist(), d.x_km.tolist(), d.y_km.tolist()
    scene_l = scene.tolist()
    km_to_s = PARAMS.km_to_s

    def call(i: int):  # type: ignore[no-untyped-def]
        with fleet.request(priority=urg[i]) as req:
            got = yield req | env.timeout(PARAMS.max_wait_s)
            if req not in got:
                return  # fell back to police
            dispatch[i] = env.now
            travel = math.hypot(x[i], y[i]) * km_to_s + PARAMS.turnout_s
            arrive[i] = env.now + travel
            yield env.timeout(travel + scene_l[i] + PARAMS.wrap_s)

    def source():  # type: ignore[no-untyped-def]
        for i in range(d.n):
            gap = t[i] - env.now
            if gap > 0:
                yield env.timeout(gap)
            env.process(call(i))

    env.process(source())
    start = time.process_time()
    env.run()
    elapsed = time.process_time() - start
    return elapsed, figures(d, dispatch, arrive)


def replicate_year(calls: int, teams: int, reps: int, workers: int) -> tuple[float, dict[str, object]]:
    """Wall seconds of `replicate()` over `reps` fresh years of demand, in `workers` processes."""
    fleet = Fleet(tuple(Team(0, 0, ((0.0, WEEK_S),)) for _ in range(teams)), np.zeros(1), np.zeros(1))
    template = make_demand(1000, np.random.default_rng(0))

    def fresh_year(rng: np.random.Generator) -> Demand:
        return make_demand(calls, rng)

    kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    start, cpu0 = time.perf_counter(), time.process_time()
    summary = replicate(
        template,
        fleet,
        PARAMS,
        ServiceTimeModel.defaults(on_scene_multiplier=1.25),
        reps=reps,
        seed=2024,
        demand_factory=fresh_year,
        workers=workers,
    )
    wall = time.perf_counter() - start
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = time.process_time() - cpu0 + (kids.ru_utime + kids.ru_stime) - (kids0.ru_utime + kids0.ru_stime)
    CPU.append(cpu)
    return wall, summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=400_000, help="eligible calls per year (1.6M x 25%%)")
    ap.add_argument("--teams", type=int, default=70)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--simpy-reps", type=int, default=3)
    ap.add_argument(
        "--year-reps", type=int, default=20, help="replications for the replicate() timing; 0 skips"
    )
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores; load average at start {os.getloadavg()}", flush=True)

    # The compiled event loop is loaded (or compiled, the first time) before anything is timed.
    start = time.perf_counter()
    warm = make_demand(2000, np.random.default_rng(0))
    ours(warm, draws(warm, np.random.default_rng(0))[0], args.teams)
    WALL.clear()
    print(f"event loop ready in {time.perf_counter() - start:.2f} s (compiled or loaded from cache)")

    ours_t, simpy_t = [], []
    ours_f: list[dict[str, float]] = []
    simpy_f: list[dict[str, float]] = []
    for r in range(max(args.reps, args.simpy_reps)):
        rng = np.random.default_rng([2024, r])
        d = make_demand(args.calls, rng)
        scene, _ = draws(d, rng)
        if r < args.reps:
            sec, f = ours(d, scene, args.teams)
            ours_t.append(sec)
            ours_f.append(f)
            print(f"rep {r}: {d.n:,} calls, ours {sec:.3f} s", flush=True)
        if r < args.simpy_reps:
            sec, f = simpy_model(d, scene, args.teams)
            simpy_t.append(sec)
            simpy_f.append(f)
            print(f"rep {r}: {d.n:,} calls, SimPy {sec:.2f} s", flush=True)

    print()
    print(
        f"calls per replication: ~{args.calls:,} (one year, {d.horizon_s / HOUR_S / 24:.0f} days); "
        f"teams: {args.teams} around the clock"
    )
    med_o, med_s = statistics.median(ours_t), statistics.median(simpy_t)
    print(
        f"median CPU seconds per replication: ours {med_o:.3f} s, SimPy {med_s:.2f} s; "
        f"ours wall-clock median {statistics.median(WALL):.3f} s"
    )
    print(f"ratio SimPy / ours = {med_s / med_o:.1f}x CPU (target >= 20)")
    print(
        f"{'figure':<28}{'ours mean (95% CI)':>30}{'SimPy mean (95% CI)':>30}"
        "  SimPy in ours' CI  ours in SimPy's CI"
    )
    agree = True
    for key in ours_f[0]:
        eo = Estimate.of([f[key] for f in ours_f])
        es = Estimate.of([f[key] for f in simpy_f])
        both = (eo.contains(es.mean), es.contains(eo.mean))
        agree = agree and all(both)
        print(
            f"{key:<28}{eo.mean:>12.4f} ({eo.lo:.4f}-{eo.hi:.4f}){es.mean:>12.4f} ({es.lo:.4f}-{es.hi:.4f})"
            f"  {'yes' if both[0] else 'NO':>17}  {'yes' if both[1] else 'NO':>18}"
        )
    print(f"results inside each other's intervals: {'yes' if agree else 'NO'}")

    if args.year_reps:
        print()
        cores = replication_workers(args.year_reps, args.calls)
        par_s, summary = replicate_year(args.calls, args.teams, args.year_reps, cores)
        print(
            f"replicate(): {args.year_reps} replications of a year in {par_s:.2f} s wall "
            f"with {cores} processes (target <= 5 s for 20); {CPU[-1]:.2f} s CPU in all processes, "
            f"{CPU[-1] / cores:.2f} s per core; load average {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        ser_s, serial = replicate_year(args.calls, args.teams, args.year_reps, 1)
        same = {k: v for k, v in summary.items() if k != "seconds"} == {
            k: v for k, v in serial.items() if k != "seconds"
        }
        print(
            f"replicate(): the same serially in {ser_s:.2f} s wall, {CPU[-1]:.2f} s CPU "
            f"({ser_s / par_s:.2f}x the parallel wall time); "
            f"identical figures: {'yes' if same else 'NO'}"
        )
        reached = summary["reached_share"]
        assert isinstance(reached, dict)
        print(
            f"reached share over {args.year_reps} years: {reached['mean']} ({reached['lo']}-{reached['hi']})"
        )
    print(f"load average at end {os.getloadavg()}")


if __name__ == "__main__":
    main()
