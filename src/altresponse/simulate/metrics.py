"""Replications and the figures a planner reads: reach, response times, utilization, fallbacks, police time.

Every figure is the mean over independent replications with a 95% t-interval, so a reader sees how
much of a difference is noise.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from altresponse.simulate.engine import (
    HOUR_S,
    Demand,
    Fleet,
    RunResult,
    SimParams,
    _kernel,
    interval_coverage,
    run_once,
)
from altresponse.simulate.service_time import ServiceTimeModel

CONFIDENCE = 0.95
RESPONSE_MINUTES = (5, 10, 15, 20, 30, 45, 60)


@dataclass(frozen=True)
class Estimate:
    """Mean over replications with a t-interval."""

    mean: float
    lo: float
    hi: float
    reps: int

    @classmethod
    def of(cls, values: np.ndarray | list[float], confidence: float = CONFIDENCE) -> Estimate:
        v = np.asarray(values, dtype=float)
        v = v[np.isfinite(v)]
        if len(v) == 0:
            return cls(math.nan, math.nan, math.nan, 0)
        m = float(v.mean())
        if len(v) < 2:
            return cls(m, m, m, 1)
        half = float(stats.t.ppf(0.5 + confidence / 2, len(v) - 1) * v.std(ddof=1) / math.sqrt(len(v)))
        return cls(m, m - half, m + half, len(v))

    def contains(self, value: float, slack: float = 0.0) -> bool:
        return self.lo - slack <= value <= self.hi + slack

    def to_dict(self, digits: int = 4) -> dict[str, float | int]:
        return {
            "mean": round(self.mean, digits),
            "lo": round(self.lo, digits),
            "hi": round(self.hi, digits),
            "reps": self.reps,
        }


def run_metrics(
    demand: Demand, fleet: Fleet, params: SimParams, run: RunResult, police_hours_per_fte: float
) -> dict[str, Any]:
    """Figures for one replication."""
    n = demand.n
    nbins = math.ceil(demand.horizon_s / HOUR_S)
    served = run.served
    response = np.where(served, run.arrive_t - demand.t + params.processing_s, np.nan)
    within = served & (response <= params.target_s)
    fallback = ~served
    hour_abs = np.minimum((demand.t // HOUR_S).astype(np.int64), nbins - 1)
    how = hour_abs % 168
    hod = how % 24
    calls_how = np.bincount(how, minlength=168).astype(float)
    within_how = np.bincount(how, weights=within.astype(float), minlength=168)
    calls_hod = np.bincount(hod, minlength=24).astype(float)
    within_hod = np.bincount(hod, weights=within.astype(float), minlength=24)
    fallback_hod = np.bincount(hod, weights=fallback.astype(float), minlength=24)
    # utilization: busy team-seconds over on-shift team-seconds, folded to hour of day
    busy = interval_coverage(run.dispatch_t[served], run.end_t[served], HOUR_S, nbins)
    onshift = fleet.on_shift_seconds_by_hour(demand.horizon_s)
    hod_bins = np.arange(nbins) % 24
    busy_hod = np.bincount(hod_bins, weights=busy, minlength=24)
    onshift_hod = np.bincount(hod_bins, weights=onshift, minlength=24)
    # queue: calls waiting (received but neither sent nor fallen back), time-averaged
    wait_end = np.where(served, run.dispatch_t, demand.t + params.max_wait_s)
    queue = interval_coverage(demand.t, wait_end, HOUR_S, nbins)
    days = np.bincount(hod_bins, minlength=24).astype(float)
    police_h = (
        demand.police_hours if demand.police_hours is not None else np.full(n, params.police_hours_per_call)
    )
    freed_h = float(police_h[served].sum() - run.backup.sum() * params.backup_police_hours)
    per_year = 1.0 / demand.years if demand.years > 0 else math.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "calls": n,
            "reached_share": float(served.mean()) if n else math.nan,
            "reached_within_target_share": float(within.mean()) if n else math.nan,
            "fallback_share": float(fallback.mean()) if n else math.nan,
            "response_p50_min": float(np.nanmedian(response) / 60) if served.any() else math.nan,
            "response_p90_min": float(np.nanpercentile(response, 90) / 60) if served.any() else math.nan,
            "wait_mean_min": float(np.mean(run.dispatch_t[served] - demand.t[served]) / 60)
            if served.any()
            else math.nan,
            "utilization": float(busy.sum() / onshift.sum()) if onshift.sum() > 0 else math.nan,
            "backup_requests_per_year": float(run.backup.sum() * per_year),
            "police_hours_freed_per_year": freed_h * per_year,
            "police_fte_freed": freed_h * per_year / police_hours_per_fte,
            "calls_reached_per_year": float(served.sum() * per_year),
            "by_hour_of_day": {
                "calls": calls_hod.tolist(),
                "reached_within_target_share": (within_hod / calls_hod).tolist(),
                "fallbacks": fallback_hod.tolist(),
                "utilization": (busy_hod / onshift_hod).tolist(),
                "mean_queue": (np.bincount(hod_bins, weights=queue, minlength=24) / HOUR_S / days).tolist(),
            },
            "response_cdf": [
                float(np.mean(served & (response <= m * 60))) if n else math.nan for m in RESPONSE_MINUTES
            ],
            "by_hour_of_week": {
                "calls": calls_how.tolist(),
                "reached_within_target_share": (within_how / calls_how).tolist(),
            },
        }


SCALARS = (
    "reached_share",
    "reached_within_target_share",
    "fallback_share",
    "response_p50_min",
    "response_p90_min",
    "wait_mean_min",
    "utilization",
    "backup_requests_per_year",
    "police_hours_freed_per_year",
    "police_fte_freed",
    "calls_reached_per_year",
)


@dataclass(frozen=True)
class _Job:
    """What every replication of one `replicate` call shares."""

    demand: Demand
    fleet: Fleet
    params: SimParams
    service: ServiceTimeModel
    seed: int
    police_hours_per_fte: float
    demand_factory: Any


def _replication(job: _Job, r: int) -> tuple[dict[str, Any], int]:
    """Replication `r`: its own random stream ([seed, r]), so it gives the same figures in any process
    and in any order."""
    rng = np.random.default_rng([job.seed, r])
    d = job.demand_factory(rng) if job.demand_factory is not None else job.demand
    on_scene = job.service.sample_on_scene(d.common_type, rng)
    travel = job.service.sample_travel(d.common_type, rng)
    backup = rng.random(d.n) < job.params.backup_probability
    run = run_once(d, job.fleet, job.params, on_scene, travel, backup)
    return run_metrics(d, job.fleet, job.params, run, job.police_hours_per_fte), run.events


# Below this many calls (summed over replications) starting worker processes costs more than it saves.
PARALLEL_MIN_CALLS = 300_000
_CHILD_JOB: _Job | None = None


def _set_child_job(job: _Job) -> None:
    global _CHILD_JOB
    _CHILD_JOB = job


def _child_replication(r: int) -> tuple[dict[str, Any], int]:
    assert _CHILD_JOB is not None, "worker started without a job"
    return _replication(_CHILD_JOB, r)


def replication_workers(reps: int, calls: int, workers: int | None = None) -> int:
    """Processes to run replications in: `workers` if given, else every usable core when the run is big
    enough to pay for starting them; 1 where processes cannot be forked (the job, which may hold a
    closure, is handed to the workers by fork rather than pickled)."""
    if "fork" not in mp.get_all_start_methods() or mp.current_process().daemon:
        return 1  # a daemonic process (itself a pool worker) may not start processes
    if workers is None:
        if reps * calls < PARALLEL_MIN_CALLS:
            return 1
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(workers, reps))


def replicate(
    demand: Demand,
    fleet: Fleet,
    params: SimParams,
    service: ServiceTimeModel,
    *,
    reps: int = 5,
    seed: int = 0,
    police_hours_per_fte: float = 1700.0,
    demand_factory: Any = None,
    workers: int | None = None,
) -> dict[str, Any]:
    """Run `reps` independent replications and summarize each figure as mean and 95% interval.

    With `demand_factory(rng) -> Demand` every replication draws fresh arrivals (a Poisson model);
    otherwise the same calls are replayed and only durations and backup requests are redrawn.
    Replications are independent, so they run in `workers` processes (default: every core, for runs
    big enough to gain); each has its own random stream, so the figures equal a serial run's.
    """
    started = time.perf_counter()
    job = _Job(demand, fleet, params, service, seed, police_hours_per_fte, demand_factory)
    n_workers = replication_workers(reps, demand.n, workers)
    if n_workers > 1:
        _kernel()  # set up before the fork, so that the workers inherit it
        ctx = mp.get_context("fork")
        with ProcessPoolExecutor(
            n_workers, mp_context=ctx, initializer=_set_child_job, initargs=(job,)
        ) as pool:
            done = list(pool.map(_child_replication, range(reps)))
    else:
        done = [_replication(job, r) for r in range(reps)]
    runs = [m for m, _ in done]
    events = sum(e for _, e in done)
    elapsed = time.perf_counter() - started
    out: dict[str, Any] = {k: Estimate.of([m[k] for m in runs]).to_dict() for k in SCALARS}
    for k in SCALARS:
        if k.endswith("_share"):  # a share's interval stays within [0, 1]
            out[k]["lo"], out[k]["hi"] = max(out[k]["lo"], 0.0), min(out[k]["hi"], 1.0)
    out["calls"] = int(np.mean([m["calls"] for m in runs]))
    out["reps"] = reps
    out["seconds"] = round(elapsed, 3)
    out["events"] = events
    cdf = np.array([m["response_cdf"] for m in runs], float)
    out["response_cdf"] = {
        "minutes": list(RESPONSE_MINUTES),
        "share_reached_within": [Estimate.of(cdf[:, j]).to_dict() for j in range(len(RESPONSE_MINUTES))],
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # hours without calls give all-NaN columns
        _fold_hourly(out, runs, reps)
    return out


def _fold_hourly(out: dict[str, Any], runs: list[dict[str, Any]], reps: int) -> None:
    for group in ("by_hour_of_day", "by_hour_of_week"):
        out[group] = {}
        for key in runs[0][group]:
            arr = np.array([m[group][key] for m in runs], dtype=float)
            with np.errstate(invalid="ignore"):
                mean = np.nanmean(arr, axis=0) if np.isfinite(arr).any() else arr[0]
            out[group][key] = [None if not np.isfinite(v) else round(float(v), 4) for v in mean]
            if key == "reached_within_target_share":
                lo = np.nanpercentile(arr, 5, axis=0) if reps > 1 else mean
                hi = np.nanpercentile(arr, 95, axis=0) if reps > 1 else mean
                out[group][key + "_lo"] = [None if not np.isfinite(v) else round(float(v), 4) for v in lo]
                out[group][key + "_hi"] = [None if not np.isfinite(v) else round(float(v), 4) for v in hi]
