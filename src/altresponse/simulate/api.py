"""`run_staffing` and `run_simulation`: read a classified calls file, model, write JSON + HTML.

These are the edge of the simulate package (the only place besides `io` that touches files).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np

from altresponse import __version__
from altresponse.errors import BadInput
from altresponse.fsio import write_json_atomic, write_text_atomic
from altresponse.profile import Profile
from altresponse.report.staffing import render_simulation, render_staffing
from altresponse.results import Headline
from altresponse.simulate.config import SimulateConfig
from altresponse.simulate.costs import CostParameters, budget
from altresponse.simulate.engine import SimParams
from altresponse.simulate.io import read_classified, week_seconds
from altresponse.simulate.staffing import (
    Inputs,
    build_inputs,
    erlang_table,
    fleet_from_scenario,
    simulate_scenario,
    staff,
)


def _load(
    classified_parquet: str | Path, profile: Profile, cfg: SimulateConfig, growth: float | None = None
) -> Inputs:
    table = read_classified(classified_parquet)
    if table.num_rows == 0:
        raise BadInput("the classified calls file has no rows", file=str(classified_parquet))
    t_s, monday = week_seconds(table.column("received_utc"), profile.time_zone)
    return build_inputs(
        table, t_s, monday, cfg, source=Path(classified_parquet).name, growth=growth, seed=cfg.seed
    )


def _config(profile: Profile) -> SimulateConfig:
    return SimulateConfig.from_profile(profile.section("simulate"), path=profile.path)


def _costs(profile: Profile) -> CostParameters:
    try:
        params = CostParameters.from_profile(profile.section("costs"))
        params.check_compositions()
    except ValueError as exc:
        raise BadInput(f"profile section 'costs' is invalid: {exc}", file=profile.path) from exc
    return params


def assumptions(cfg: SimulateConfig, params: SimParams, inputs: Inputs) -> list[tuple[str, Any, str]]:
    """Every operating assumption with its value and source, for the page and the JSON."""
    a = "assumption (set in the profile's simulate: section)"
    return [
        ("service times", "", inputs.service_source),
        (
            "on-scene multiplier, alternative team vs police",
            cfg.on_scene_multiplier,
            "assumption: civilian teams stay longer (engagement, referral); no published ratio found",
        ),
        ("police time per eligible call (h)", "per call", inputs.police_hours_source),
        ("maximum wait before fallback to police (min)", cfg.max_wait_min, a),
        ("call processing and transfer (min)", cfg.processing_min, a),
        ("turnout (min)", cfg.turnout_min, a),
        ("wrap-up after clearing (min)", cfg.wrap_min, a),
        ("detour factor (road / straight line)", cfg.detour, a + "; 1.2–1.4 is typical for urban grids"),
        ("average speed (km/h)", cfg.speed_kmh, a + "; no lights and sirens"),
        (
            "police backup requested",
            cfg.backup_probability,
            "CAHOOTS ~0.6% (2019), Denver STAR 0 of first 748, Olympia ~20% with police present (2024); "
            "programs.md D.3 — 2% chosen",
        ),
        ("police hours per backup", cfg.backup_police_hours, a),
        (
            "police productive hours per FTE",
            cfg.police_hours_per_fte,
            "derived: 8,760 h / 5.1 FTE per 24/7 seat (programs.md D.2); police relief factors vary",
        ),
        (
            "zones (team home bases)",
            len(inputs.zone_x_km),
            "k-means centres of eligible calls"
            if inputs.has_coordinates
            else "one zone: the data has no coordinates",
        ),
        ("replications", cfg.replications, "95% t-intervals over independent replications"),
        (
            "demand model",
            cfg.demand,
            "replay of the classified calls, scaled by growth"
            if cfg.demand == "replay"
            else "non-homogeneous Poisson by hour of week",
        ),
        ("growth factor", cfg.growth, a),
    ]


def _meta(classified_parquet: str | Path, profile: Profile, inputs: Inputs) -> dict[str, Any]:
    return {
        "data": Path(classified_parquet).name,
        "city profile": profile.city,
        "period": f"{inputs.demand.horizon_s / 86400:.0f} days from {inputs.monday:%Y-%m-%d}",
        "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "software": f"altresponse {__version__}",
    }


SMALL = 10  # public outputs show counts under this as "<10"


def _small(count: int) -> int | str:
    return f"<{SMALL}" if 0 < count < SMALL else count


def _demand_summary(inputs: Inputs) -> dict[str, Any]:
    d = inputs.demand
    by_type = {name: _small(int((d.team_type == k).sum())) for k, name in enumerate(d.team_types)}
    return {
        "calls": d.n,
        "calls_per_year": d.n / d.years if d.years else None,
        "by_team_type": by_type,
        "rows_in": inputs.rows_in,
        "pathway_counts": {k: _small(v) for k, v in inputs.pathway_counts.items()},
        "horizon_days": d.horizon_s / 86400,
    }


def _suppress_hourly_counts(sim: dict[str, Any]) -> None:
    """Observed call counts per hour under the threshold become null (shares stay: they are model output)."""
    for group in ("by_hour_of_day", "by_hour_of_week"):
        calls = sim.get(group, {}).get("calls")
        if calls:
            sim[group]["calls"] = [None if c is not None and 0 < c < SMALL else c for c in calls]


def run_staffing(
    classified_parquet: str | Path,
    out_dir: str | Path,
    profile: Profile,
    target_reach: float = 0.9,
    target_minutes: float = 20,
) -> dict[str, Any]:
    """Size, schedule, verify and cost the alternative fleet; write staffing.json and staffing.html."""
    if not 0 < target_reach < 1:
        raise BadInput(f"--target-reach must be between 0 and 1, got {target_reach}")
    if target_minutes <= 0:
        raise BadInput(f"--target-minutes must be positive, got {target_minutes}")
    cfg = _config(profile)
    cost_params = _costs(profile)
    inputs = _load(classified_parquet, profile, cfg)
    params = cfg.params(target_minutes)
    out = Path(out_dir)
    if inputs.demand.n == 0:
        result: dict[str, Any] = {
            "demand": _demand_summary(inputs),
            "plans": {},
            "team_hours_per_week": 0.0,
            "note": "no calls on an alternative pathway: nothing to staff",
        }
        write_json_atomic(out / "staffing.json", result)
        write_text_atomic(
            out / "staffing.html",
            "<!DOCTYPE html><html><body><p>No calls on an alternative "
            "pathway: nothing to staff.</p></body></html>",
        )
        return result
    staffed = staff(inputs, cfg, params, target_reach)
    sim = staffed["simulation"]
    plans_json: dict[str, Any] = {}
    coverage = {}
    hours = {}
    for p in staffed["plans"].values():
        coverage[p.team_type] = p.plan.coverage
        hours[p.team_type] = p.plan.team_hours_per_week
        plans_json[p.team_type] = {
            **p.plan.to_dict(),
            "calls": _small(p.calls),
            "mean_busy_min": round(p.mean_busy_s / 60, 2),
            "hours_target_unreachable_by_travel": int((~p.feasible).sum()),
            "rounds": p.rounds,
            "erlang_by_hour_of_week": erlang_table(p.arrival_rate, p.plan.coverage, p.mean_busy_s, params),
        }
    est = sim["calls_reached_per_year"]
    freed = sim["police_hours_freed_per_year"]
    costs = budget(
        cost_params,
        hours,
        coverage,
        calls_reached_per_year=(est["mean"], est["lo"], est["hi"]),
        police_hours_freed_per_year=(freed["mean"], freed["lo"], freed["hi"]),
        seed=cfg.seed,
    )
    total_cov = sum((np.asarray(c) for c in coverage.values()), np.zeros(168))
    result = {
        "target": {"reach": target_reach, "minutes": target_minutes},
        "demand": _demand_summary(inputs),
        "team_hours_per_week": float(sum(hours.values())),
        "peak_teams_on_duty": int(total_cov.max()) if len(coverage) else 0,
        "plans": plans_json,
        "unstaffed_team_types": {
            name: {
                "calls": _small(n),
                "note": f"fewer than {cfg.min_calls_per_week:g} eligible calls a week: no team planned; "
                "these calls fall back to police in the simulation",
            }
            for name, n in staffed["unstaffed"].items()
        },
        "simulation": sim,
        "budget": costs,
        "service_times": inputs.service.to_dict(),
        "eligible_common_types": sorted(set(inputs.demand.common_type.astype(str).tolist())),
        "assumptions": assumptions(cfg, params, inputs),
        "meta": _meta(classified_parquet, profile, inputs),
    }
    _suppress_hourly_counts(sim)
    write_json_atomic(out / "staffing.json", result)
    write_text_atomic(out / "staffing.html", render_staffing(result, Headline()))
    return result


def run_simulation(
    classified_parquet: str | Path,
    out_dir: str | Path,
    profile: Profile,
    scenario: str | None = None,
    target_minutes: float = 20,
) -> dict[str, Any]:
    """Simulate a fleet written in the profile (`simulate.scenarios`); write simulation.json and .html."""
    cfg = _config(profile)
    if not cfg.scenarios:
        raise BadInput(
            "the profile has no simulate.scenarios to simulate (or use `altresponse staff`)",
            file=profile.path,
        )
    name = scenario or next(iter(cfg.scenarios))
    if name not in cfg.scenarios:
        raise BadInput(
            f"unknown scenario {name!r}; the profile defines {sorted(cfg.scenarios)}", file=profile.path
        )
    sc = cfg.scenarios[name]
    inputs = _load(classified_parquet, profile, cfg, growth=sc.growth)
    params = cfg.params(target_minutes)
    try:
        fleet = fleet_from_scenario(sc, inputs)
    except ValueError as exc:
        raise BadInput(str(exc), file=profile.path) from exc
    sim = simulate_scenario(inputs, cfg, params, fleet)
    fleet_rows = [
        {
            "team_type": tname,
            "day": ",".join(spec.days) if len(spec.days) < 7 else "every day",
            "start": spec.start,
            "hours": spec.hours,
            "teams": spec.count,
        }
        for tname, specs in sc.fleet.items()
        for spec in specs
    ]
    result = {
        "scenario": name,
        "scenario_description": sc.description,
        "target": {"minutes": target_minutes},
        "demand": _demand_summary(inputs),
        "fleet": fleet_rows,
        "simulation": sim,
        "service_times": inputs.service.to_dict(),
        "eligible_common_types": sorted(set(inputs.demand.common_type.astype(str).tolist())),
        "assumptions": assumptions(cfg, params, inputs),
        "meta": _meta(classified_parquet, profile, inputs),
    }
    out = Path(out_dir)
    _suppress_hourly_counts(sim)
    write_json_atomic(out / "simulation.json", result)
    write_text_atomic(out / "simulation.html", render_simulation(result))
    return result
