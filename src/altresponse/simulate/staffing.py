"""From classified calls to a verified staffing plan: demand, service times, Erlang, shifts, simulation.

The sizing loop: (1) Erlang C with the travel-time distribution gives a fractional team requirement
per hour of week; (2) the shift integer program covers it at least cost; (3) the fleet is simulated;
(4) hours the simulation finds short of the target get one more team and the program is solved
again (a few rounds at most). Erlang is the fast first guess; the simulation has the last word.
Takes tables and arrays; no I/O.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from altresponse.facts import PATHWAY_FACTS
from altresponse.simulate.config import Scenario, SimulateConfig
from altresponse.simulate.demand import (
    HourOfWeekRates,
    Projection,
    kmeans_zones,
    poisson_demand,
    replay_demand,
    urgency_of,
)
from altresponse.simulate.engine import HOUR_S, Demand, Fleet, SimParams, Team, zone_of
from altresponse.simulate.erlang import erlang_a, erlang_c, required_teams
from altresponse.simulate.metrics import replicate
from altresponse.simulate.schedule import ShiftPlan, schedule_shifts
from altresponse.simulate.service_time import ServiceTimeModel

MIN_CALLS_TO_CHECK_HOUR = 20


@dataclass(frozen=True)
class Inputs:
    """Everything the fleet model needs, built once from a classified calls table."""

    demand: Demand
    service: ServiceTimeModel
    zone_x_km: np.ndarray
    zone_y_km: np.ndarray
    monday: dt.datetime
    rows_in: int
    pathway_counts: Mapping[str, int]
    service_source: str
    police_hours_source: str
    has_coordinates: bool


def _column(table: pa.Table, name: str, default: Any = None) -> np.ndarray:
    if name in table.column_names:
        return np.asarray(table.column(name).to_numpy(zero_copy_only=False))
    return np.full(table.num_rows, default, dtype=object if not isinstance(default, float) else float)


def build_inputs(
    table: pa.Table,
    t_s: np.ndarray,
    monday: dt.datetime,
    cfg: SimulateConfig,
    *,
    source: str,
    officer_hours: Mapping[str, float],
    officer_hours_source: str,
    period_days: float,
    sample_fraction: float = 1.0,
    capture: float = 1.0,
    growth: float | None = None,
    seed: int = 0,
) -> Inputs:
    """Demand (calls on field-team pathways), zones and service times from a classified table.

    `t_s` is each row's received time in seconds from `monday` (local), from `io.week_seconds`.
    `officer_hours` is the landscape's one police-hours-per-call figure for each common type (the
    time a diverted call would have taken), `period_days` the landscape's measured period (per-year
    figures divide by it), `sample_fraction` the share of all calls the data hold (a sample's calls are
    replayed 1/fraction times, so the fleet meets the whole city's demand), and `capture` the share of
    eligible calls call-takers actually send.
    """
    pathway = _column(table, "pathway", "").astype(str)
    common_type = _column(table, "common_type", "unknown").astype(str)
    category = _column(table, "category", "unknown").astype(object)
    category = np.where(category == None, "unknown", category).astype(str)  # noqa: E711
    team_types = tuple(sorted(set(cfg.pathway_teams.values())))
    eligible = np.isin(pathway, list(cfg.pathway_teams))
    counts = {p: int((pathway == p).sum()) for p in sorted(set(pathway.tolist()))}

    lat = _column(table, "latitude", math.nan).astype(float)
    lon = _column(table, "longitude", math.nan).astype(float)
    proj = Projection.around(lon[eligible], lat[eligible])
    x, y = proj.to_km(lon, lat)
    has_xy = bool(np.isfinite(x[eligible]).any())
    zx, zy = kmeans_zones(x[eligible], y[eligible], cfg.zones if has_xy else 1, seed=seed)

    travel = _column(table, "travel_s", math.nan).astype(float)
    on_scene = _column(table, "on_scene_s", math.nan).astype(float)
    n_times = int((np.isfinite(on_scene) & (on_scene > 0)).sum())
    if n_times >= 30:
        service = ServiceTimeModel.fit(
            common_type,
            category,
            travel,
            on_scene,
            source=source,
            on_scene_multiplier=cfg.on_scene_multiplier,
        )
        service_source = f"fitted from {n_times:,} calls with on-scene times in {source}"
    else:
        service = ServiceTimeModel.defaults(cfg.on_scene_multiplier)
        service_source = "published program figures (no on-scene times in the data)"

    # police time a diverted call would have taken: the landscape's one figure per type
    missing = sorted({t for t in set(common_type[eligible].tolist()) if t not in officer_hours})
    if missing:
        raise ValueError(f"no officer-hours figure for common types {missing}")
    types_u, type_inv = np.unique(common_type, return_inverse=True)
    police_h = np.array([float(officer_hours.get(t, 0.0)) for t in types_u])[type_inv]
    paths_u, path_inv = np.unique(pathway, return_inverse=True)
    diverts = np.array([p in PATHWAY_FACTS and PATHWAY_FACTS[p].alternative for p in paths_u],
                       dtype=bool)[path_inv]
    police_h = np.where(diverts, police_h, 0.0)  # police still go on co-response: nothing freed
    police_source = officer_hours_source

    type_index = {t: i for i, t in enumerate(team_types)}
    team_type = np.array([type_index.get(cfg.pathway_teams.get(p, ""), -1) for p in pathway], dtype=np.int64)
    priority = _column(table, "priority_class", "unknown").astype(str)
    urgency = urgency_of(priority, common_type)
    order = np.argsort(t_s[eligible], kind="stable")
    idx = np.flatnonzero(eligible)[order]
    rng = np.random.default_rng(seed)
    demand = replay_demand(
        t_s[idx],
        team_type[idx],
        team_types,
        common_type[idx],
        urgency[idx],
        x[idx],
        y[idx],
        growth=(cfg.growth if growth is None else growth) * capture / sample_fraction,
        police_hours=police_h[idx],
        rng=rng,
    )
    demand = dataclasses.replace(demand, period_s=period_days * 86400.0)
    return Inputs(
        demand, service, zx, zy, monday, table.num_rows, counts, service_source, police_source, has_xy
    )


def subset(demand: Demand, team_type: int) -> Demand:
    """The calls one team type answers (types do not share teams, so they can be sized separately)."""
    m = demand.team_type == team_type
    return Demand(
        demand.t[m],
        demand.team_type[m],
        demand.urgency[m],
        demand.x_km[m],
        demand.y_km[m],
        demand.common_type[m],
        demand.team_types,
        demand.horizon_s,
        None if demand.police_hours is None else demand.police_hours[m],
    )


def travel_samples(
    demand: Demand,
    inputs: Inputs,
    params: SimParams,
    rng: np.random.Generator,
    n: int = 4000,
    bases: np.ndarray | None = None,
) -> np.ndarray:
    """Travel seconds (incl. turnout) for a sample of calls: to the nearest staffed base, or a fitted draw.

    `bases` lists the zones with a team on duty (all zones when None).
    """
    if demand.n == 0:
        return np.zeros(0)
    pick = np.random.default_rng(rng.integers(2**32)).choice(demand.n, min(n, demand.n), replace=False)
    x, y = demand.x_km[pick], demand.y_km[pick]
    out = inputs.service.sample_travel(demand.common_type[pick], rng)
    zones = np.arange(len(inputs.zone_x_km)) if bases is None else np.asarray(bases)
    zx, zy = inputs.zone_x_km[zones], inputs.zone_y_km[zones]
    z = zone_of(x, y, zx, zy)
    ok = z >= 0
    dist = np.hypot(x[ok] - zx[z[ok]], y[ok] - zy[z[ok]])
    out[ok] = dist * params.km_to_s
    return out + params.turnout_s


def travel_by_team_count(
    demand: Demand, inputs: Inputs, params: SimParams, weights: np.ndarray, seed: int
) -> dict[int, np.ndarray]:
    """Travel draws when c teams are on duty, based in the c busiest zones (D'Hondt order), c = 1..zones."""
    n_zones = len(inputs.zone_x_km)
    seq = zone_sequence(weights, n_zones)
    out = {}
    for c in range(1, n_zones + 1):
        bases = np.array(sorted(set(seq[:c])))
        out[c] = travel_samples(demand, inputs, params, np.random.default_rng([seed, 1]), bases=bases)
    return out


def mean_busy_s(demand: Demand, inputs: Inputs, travel: np.ndarray, params: SimParams) -> float:
    """Mean time a team is committed per call: travel, on scene (with the team multiplier), wrap-up."""
    types, counts = np.unique(demand.common_type.astype(str), return_counts=True)
    scene = float(
        sum(inputs.service.mean_on_scene_s(t) * c for t, c in zip(types, counts, strict=True))
        / max(counts.sum(), 1)
    )
    return float(np.mean(travel)) + scene + params.wrap_s


@dataclass
class TypePlan:
    """Sizing result for one team type."""

    team_type: str
    calls: int
    requirement: np.ndarray
    feasible: np.ndarray
    plan: ShiftPlan
    mean_busy_s: float
    arrival_rate: np.ndarray
    rounds: list[dict[str, Any]] = field(default_factory=list)


def zone_sequence(weights: np.ndarray, length: int) -> list[int]:
    """Zones in D'Hondt order of demand, so n concurrent teams sit in the n busiest zones first."""
    w = np.asarray(weights, float)
    if w.sum() <= 0:
        w = np.ones_like(w)
    seats = np.zeros(len(w))
    seq = []
    for _ in range(length):
        z = int(np.argmax(w / (seats + 1)))
        seats[z] += 1
        seq.append(z)
    return seq


def fleet_from_intervals(
    intervals_by_type: Mapping[int, list[tuple[float, float]]],
    zone_x: np.ndarray,
    zone_y: np.ndarray,
    zone_weights: Mapping[int, np.ndarray],
) -> Fleet:
    """Teams from weekly shift intervals, each based where its presence adds most.

    Greedy: each team (in order of start) goes to the zone with the highest demand weight per team
    already on duty there during its hours, so overlapping shifts spread over the city.
    """
    teams: list[Team] = []
    n_zones = max(len(zone_x), 1)
    for ttype, intervals in sorted(intervals_by_type.items()):
        w = np.asarray(zone_weights.get(ttype, np.ones(n_zones)), float)
        w = w if w.sum() > 0 else np.ones(n_zones)
        on_duty = np.zeros((168, n_zones))
        for s, e in sorted(intervals):
            hours = np.arange(int(s // 3600), math.ceil(e / 3600)) % 168
            score = w / (1.0 + on_duty[hours].mean(axis=0))
            z = int(np.argmax(score))
            on_duty[hours, z] += 1
            teams.append(Team(ttype, z, ((s, e),), label=f"{ttype}@{s / 3600:.0f}h"))
    return Fleet(tuple(teams), zone_x, zone_y)


def zone_weights(demand: Demand, zone_x: np.ndarray, zone_y: np.ndarray) -> dict[int, np.ndarray]:
    z = zone_of(demand.x_km, demand.y_km, zone_x, zone_y)
    out = {}
    for k in range(len(demand.team_types)):
        m = (demand.team_type == k) & (z >= 0)
        out[k] = np.bincount(z[m], minlength=len(zone_x)).astype(float) if m.any() else np.ones(len(zone_x))
    return out


def fleet_from_scenario(scenario: Scenario, inputs: Inputs) -> Fleet:
    """A fleet written in the profile (team type -> list of shifts)."""
    types = inputs.demand.team_types
    unknown = [t for t in scenario.fleet if t not in types]
    if unknown:
        raise ValueError(f"scenario fleet names team types {unknown}; known: {list(types)}")
    intervals: dict[int, list[tuple[float, float]]] = {}
    for tname, specs in scenario.fleet.items():
        k = types.index(tname)
        for spec in specs:
            intervals.setdefault(k, []).extend(spec.weekly_intervals() * spec.count)
    return fleet_from_intervals(
        intervals,
        inputs.zone_x_km,
        inputs.zone_y_km,
        zone_weights(inputs.demand, inputs.zone_x_km, inputs.zone_y_km),
    )


def smoothed_rates(rates: np.ndarray, weeks: float, prior_weeks: float = 2.0) -> np.ndarray:
    """Hour-of-week rates shrunk toward the same hour's mean over the week's days.

    With few weeks of data an hour with no calls would get no team at all; shrinking with the
    weight of `prior_weeks` pseudo-weeks keeps sparse hours near their hour-of-day level.
    """
    hod_mean = rates.reshape(7, 24).mean(axis=0)
    w = weeks / (weeks + prior_weeks)
    return w * rates + (1 - w) * np.tile(hod_mean, 7)


def _clearly_short(share: np.ndarray, calls: np.ndarray, target: float) -> np.ndarray:
    """Hours whose simulated share is below target beyond binomial noise (one-sided 95%)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(np.clip(share * (1 - share), 0.0025, None) / np.maximum(calls, 1))
        return (calls >= MIN_CALLS_TO_CHECK_HOUR) & np.isfinite(share) & (share + 1.645 * se < target)


def size_type(
    inputs: Inputs,
    k: int,
    cfg: SimulateConfig,
    params: SimParams,
    target_share: float,
    *,
    cost_per_team_hour: float = 1.0,
    reps: int = 3,
) -> TypePlan:
    """Erlang requirement -> shift program -> simulate -> bump short hours -> repeat (bounded)."""
    name = inputs.demand.team_types[k]
    d = subset(inputs.demand, k)
    np.random.default_rng([cfg.seed, k])
    intervals_weights = zone_weights(d, inputs.zone_x_km, inputs.zone_y_km)
    by_c = travel_by_team_count(d, inputs, params, intervals_weights[k], cfg.seed + k)
    n_zones = len(by_c)
    travel = by_c[n_zones]
    busy = mean_busy_s(d, inputs, travel, params) if d.n else 3600.0
    rates = smoothed_rates(
        HourOfWeekRates.fit(d.t, np.zeros(d.n, np.int64), (name,), d.horizon_s).rates[0],
        d.horizon_s / (168 * HOUR_S),
    )
    slack = {c: params.target_s - params.processing_s - v for c, v in by_c.items()}

    def slack_for(c: int) -> np.ndarray:
        return slack[min(max(c, 1), n_zones)]

    min_teams = float(cfg.min_teams_per_hour.get(name, 0.0))
    reqs = [required_teams(rates[h], busy, slack_for, target_share, min_teams=min_teams) for h in range(168)]
    requirement = np.array([r.teams for r in reqs])
    feasible = np.array([r.feasible for r in reqs])
    rounds: list[dict[str, Any]] = []
    req = requirement.copy()
    plan = schedule_shifts(
        req,
        lengths_h=cfg.shift_lengths_h,
        start_hours=cfg.shift_start_hours,
        cost_per_team_hour=cost_per_team_hour,
        length_premium=cfg.length_premium,
    )
    for rnd in range(cfg.verify_rounds + 1):
        fleet = fleet_from_intervals(
            {k: plan.weekly_intervals()}, inputs.zone_x_km, inputs.zone_y_km, intervals_weights
        )
        summary = replicate(d, fleet, params, inputs.service, reps=reps, seed=cfg.seed + rnd)
        share = np.array(
            [np.nan if v is None else v for v in summary["by_hour_of_week"]["reached_within_target_share"]],
            float,
        )
        calls = np.asarray(summary["by_hour_of_week"]["calls"], float)
        short = _clearly_short(share, calls, target_share)
        # where an hour of the week has too few calls to judge, judge its hour of day over all seven days
        hod_share = np.array(
            [np.nan if v is None else v for v in summary["by_hour_of_day"]["reached_within_target_share"]],
            float,
        )
        hod_calls = np.asarray(summary["by_hour_of_day"]["calls"], float)
        hod_short = _clearly_short(hod_share, hod_calls, target_share)
        hours = np.arange(168)
        short |= (calls < MIN_CALLS_TO_CHECK_HOUR) & (calls > 0) & hod_short[hours % 24]
        overall = summary["reached_within_target_share"]["mean"]
        if overall < target_share:  # short overall: every hour below target counts, not only clear misses
            point = (calls >= MIN_CALLS_TO_CHECK_HOUR) & (share < target_share)
            hod_point = (hod_calls >= MIN_CALLS_TO_CHECK_HOUR) & (hod_share < target_share)
            short |= point | ((calls < MIN_CALLS_TO_CHECK_HOUR) & (calls > 0) & hod_point[hours % 24])
        short &= feasible  # more teams cannot beat travel time where travel alone misses the target
        rounds.append(
            {
                "round": rnd,
                "team_hours_per_week": plan.team_hours_per_week,
                "reached_within_target_share": summary["reached_within_target_share"],
                "hours_short": int(short.sum()),
            }
        )
        if not short.any() or rnd == cfg.verify_rounds:
            break
        req = np.where(short, np.maximum(req, plan.coverage) + 1, req)
        plan = schedule_shifts(
            req,
            lengths_h=cfg.shift_lengths_h,
            start_hours=cfg.shift_start_hours,
            cost_per_team_hour=cost_per_team_hour,
            length_premium=cfg.length_premium,
        )
    return TypePlan(name, d.n, requirement, feasible, plan, busy, rates, rounds)


def erlang_table(
    rates: np.ndarray, coverage: np.ndarray, mean_busy: float, params: SimParams
) -> list[dict[str, Any]]:
    """Erlang C wait probability and Erlang A fallback share per hour of week for a given coverage."""
    rows = []
    for h in range(168):
        lam = rates[h] / 3600.0
        c = int(coverage[h])
        load = lam * mean_busy
        a = erlang_a(c, lam, mean_busy, params.max_wait_s) if c > 0 else None
        rows.append(
            {
                "hour_of_week": h,
                "calls_per_hour": round(float(rates[h]), 4),
                "load_erlangs": round(load, 4),
                "teams": c,
                "erlang_c_p_wait": round(erlang_c(c, load), 4) if c > 0 else 1.0,
                "erlang_a_fallback_share": round(a.p_abandon, 4) if a else (1.0 if lam > 0 else 0.0),
            }
        )
    return rows


def staff(
    inputs: Inputs, cfg: SimulateConfig, params: SimParams, target_share: float, *, reps: int | None = None
) -> dict[str, Any]:
    """Size every team type, then simulate the whole fleet once more with full replications."""
    reps = reps or cfg.replications
    plans = {}
    unstaffed = {}
    weeks = inputs.demand.horizon_s / (168 * HOUR_S)
    for k, name in enumerate(inputs.demand.team_types):
        calls = int((inputs.demand.team_type == k).sum())
        if calls == 0:
            continue
        if calls / weeks < cfg.min_calls_per_week:
            unstaffed[name] = calls  # too few to justify a team: these calls fall back to police
            continue
        plans[k] = size_type(inputs, k, cfg, params, target_share, reps=max(2, min(reps, 3)))
    intervals = {k: p.plan.weekly_intervals() for k, p in plans.items()}
    fleet = fleet_from_intervals(
        intervals,
        inputs.zone_x_km,
        inputs.zone_y_km,
        zone_weights(inputs.demand, inputs.zone_x_km, inputs.zone_y_km),
    )
    summary = replicate(
        inputs.demand,
        fleet,
        params,
        inputs.service,
        reps=reps,
        seed=cfg.seed + 100,
        police_hours_per_fte=cfg.police_hours_per_fte,
    )
    return {"plans": plans, "fleet": fleet, "simulation": summary, "unstaffed": unstaffed}


def simulate_scenario(
    inputs: Inputs, cfg: SimulateConfig, params: SimParams, fleet: Fleet, *, reps: int | None = None
) -> dict[str, Any]:
    """Replications of one fleet against the demand (replay, or fresh Poisson arrivals per replication)."""
    reps = reps or cfg.replications
    factory = None
    if cfg.demand == "poisson":
        d = inputs.demand
        rates = HourOfWeekRates.fit(d.t, d.team_type, d.team_types, d.horizon_s)

        def factory(rng: np.random.Generator) -> Demand:
            return poisson_demand(
                rates,
                d.common_type,
                d.team_type,
                d.urgency,
                d.x_km,
                d.y_km,
                weeks=d.horizon_s / (168 * HOUR_S),
                rng=rng,
                pool_police_hours=d.police_hours,
            )

    return replicate(
        inputs.demand,
        fleet,
        params,
        inputs.service,
        reps=reps,
        seed=cfg.seed,
        police_hours_per_fte=cfg.police_hours_per_fte,
        demand_factory=factory,
    )
