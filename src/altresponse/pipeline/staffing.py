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
from altresponse.facts import CaptureFact, capture_for
from altresponse.fsio import write_json_atomic, write_text_atomic
from altresponse.pipeline.calls_io import read_classified, week_seconds
from altresponse.profile import Profile
from altresponse.report.staffing import render_simulation, render_staffing
from altresponse.results import Estimate, Headline, LandscapeFacts
from altresponse.simulate.config import SimulateConfig
from altresponse.simulate.costs import CostParameters, budget, budget_headline
from altresponse.simulate.engine import SimParams
from altresponse.simulate.staffing import (
    Inputs,
    build_inputs,
    erlang_table,
    fleet_from_scenario,
    simulate_scenario,
    staff,
)


def _load(
    classified_parquet: str | Path,
    profile: Profile,
    cfg: SimulateConfig,
    landscape: LandscapeFacts,
    *,
    capture: float,
    growth: float | None = None,
) -> Inputs:
    table = read_classified(classified_parquet)
    if table.num_rows == 0:
        raise BadInput("the classified calls file has no rows", file=str(classified_parquet))
    t_s, monday = week_seconds(table.column("received_utc"), profile.time_zone)
    hours = {t: h.hours_per_call for t, h in landscape.officer_hours.items()}
    kinds = sorted({h.source_words for h in landscape.officer_hours.values()})
    try:
        return build_inputs(
            table, t_s, monday, cfg, source=Path(classified_parquet).name, officer_hours=hours,
            officer_hours_source="landscape analysis, per call type: " + "; ".join(kinds),
            period_days=landscape.period.days, sample_fraction=landscape.period.sample_fraction,
            capture=capture, growth=growth, seed=cfg.seed,
        )
    except ValueError as exc:
        raise BadInput(f"the landscape result does not match these calls: {exc}",
                       file=str(classified_parquet)) from exc


def _service_times_by_choice(inputs: Inputs, profile: Profile, cfg: SimulateConfig) -> Inputs:
    """The alternative teams' service times the profile chooses (`partners.service_times`): the city's
    police times (the default, when the calls carry them), the published figures, or a real crisis
    team's dispatch log (`partner_inputs` role `crisis_log`)."""
    import dataclasses

    from altresponse.simulate.crisis_times import choose_service_times

    choice = (profile.section("partners") or {}).get("service_times")
    if choice is None or choice == "police":
        return inputs
    crisis = None
    if choice == "crisis_log":
        from altresponse.pipeline.partners import crisis_log_times

        crisis = crisis_log_times(profile)
    model = choose_service_times(choice, police=inputs.service, crisis=crisis,
                                 on_scene_multiplier=cfg.on_scene_multiplier)
    words = {"published": "published program figures (chosen in the profile)",
             "crisis_log": f"a crisis team's own dispatch log ({crisis.source if crisis else ''}), "
                           "chosen in the profile"}[choice]
    return dataclasses.replace(inputs, service=model, service_source=words)


def _capture(cfg: SimulateConfig) -> CaptureFact:
    try:
        return capture_for(cfg.capture)
    except ValueError as exc:
        raise BadInput(str(exc)) from exc


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
    landscape: LandscapeFacts,
    target_reach: float = 0.9,
    target_minutes: float = 20,
) -> dict[str, Any]:
    """Size, schedule, verify and cost the alternative fleet; write staffing.json and staffing.html.

    Period, officer time per call and the eligible-call count come from the landscape result, never
    recomputed; the served volume is the eligible volume times the capture rate.
    """
    if not 0 < target_reach < 1:
        raise BadInput(f"--target-reach must be between 0 and 1, got {target_reach}")
    if target_minutes <= 0:
        raise BadInput(f"--target-minutes must be positive, got {target_minutes}")
    cfg = _config(profile)
    cost_params = _costs(profile)
    capture = _capture(cfg)
    inputs = _load(classified_parquet, profile, cfg, landscape, capture=capture.mode)
    inputs = _service_times_by_choice(inputs, profile, cfg)
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
    reached = _with_capture(sim["calls_reached_per_year"], capture)
    freed = _with_capture(sim["police_hours_freed_per_year"], capture)
    costs = budget(
        cost_params,
        hours,
        coverage,
        calls_reached_per_year=reached,
        police_hours_freed_per_year=freed,
        seed=cfg.seed,
    )
    total_cov = sum((np.asarray(c) for c in coverage.values()), np.zeros(168))
    peak = int(total_cov.max()) if len(coverage) else 0
    headline = staffing_headline(landscape.headline, sim, costs, reached, freed, peak, capture,
                                 target_minutes=target_minutes)
    reach = headline.figures["reach_share"]
    met = reach.value >= target_reach
    result = {
        "headline": headline.as_json(),
        "headline_call_sets": headline.call_sets,
        "capture": {"low": capture.low, "mode": capture.mode, "high": capture.high,
                    "ramp_months": capture.ramp_months, "source": capture.source},
        "target": {"reach": target_reach, "minutes": target_minutes, "met": met,
                   "statement": (
                       f"Target met: {reach.value * 100:.1f}% of served calls reached within "
                       f"{target_minutes:g} minutes (target {target_reach * 100:.0f}%)." if met else
                       f"TARGET MISSED: the simulated fleet reaches {reach.value * 100:.1f}% of served calls "
                       f"within {target_minutes:g} minutes, short of the {target_reach * 100:.0f}% target.")},
        "demand": _demand_summary(inputs),
        "team_hours_per_week": float(sum(hours.values())),
        "peak_teams_on_duty": peak,
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
    write_text_atomic(out / "staffing.html", render_staffing(result, headline))
    return result


def _with_capture(est: dict[str, float], capture: CaptureFact) -> tuple[float, float, float]:
    """(mean, low, high) of a simulated yearly figure at the capture mode, widened to the capture range."""
    return (float(est["mean"]), float(est["lo"]) * capture.low / capture.mode,
            float(est["hi"]) * capture.high / capture.mode)


def staffing_headline(
    landscape: Headline,
    sim: dict[str, Any],
    costs: dict[str, Any],
    reached: tuple[float, float, float],
    freed: tuple[float, float, float],
    peak_teams: int,
    capture: CaptureFact,
    *,
    target_minutes: float,
) -> Headline:
    """The staffing stage's headline figures, added to the landscape's (which are copied, not redone)."""
    cap = (f"{capture.mode * 100:.0f}% of eligible calls served (capture {capture.low * 100:.0f}–"
           f"{capture.high * 100:.0f}%: {capture.source})")
    reps = f"{sim.get('reps', 0)} simulated years"


    reach = sim["reached_within_target_share"]
    figures = {
        "calls_served_per_year": Estimate(value=reached[0], low=reached[1], high=reached[2],
                                          unit="calls/year", source=f"fleet simulation ({reps}); {cap}"),
        "police_hours_freed": Estimate(
            value=freed[0], low=freed[1], high=freed[2], unit="hours/year",
            source=("police hours per call of each type from the landscape analysis, times calls teams "
                    f"reach in the simulation; {cap}")),
        **budget_headline(costs, freed),
        "peak_teams": Estimate(value=float(peak_teams), unit="teams",
                               source="shift schedule that meets the target, busiest hour of the week"),
        "reach_share": Estimate(value=reach["mean"], low=reach["lo"], high=reach["hi"], unit="share",
                                source=f"fleet simulation ({reps}): served calls reached within "
                                       f"{target_minutes:g} minutes"),
    }
    base = landscape.call_sets.get("", "calls the protocol sends to an alternative to police")
    return landscape.with_figures(figures).model_copy(update={"call_sets": {
        **landscape.call_sets,
        "": base + "; the staffing and cost figures cover those that need a field team (behavioral-health, "
                   "community responder, outreach and co-response); 988 and 311 transfers need no team",
    }})


def run_simulation(
    classified_parquet: str | Path,
    out_dir: str | Path,
    profile: Profile,
    landscape: LandscapeFacts,
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
    inputs = _load(classified_parquet, profile, cfg, landscape, capture=_capture(cfg).mode, growth=sc.growth)
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
