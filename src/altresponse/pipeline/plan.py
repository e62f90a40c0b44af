"""Build the implementation plan: the adapter that reads inputs, runs the plan models and writes outputs.

`compute_plan()` gathers everything the document needs (no files written); `build_plan()` also
renders plan.html, plan.pdf, plan.json and monitoring.json into the output folder.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from altresponse.analysis.config import AnalysisConfig
from altresponse.errors import BadInput
from altresponse.facts import (
    ALTERNATIVE_PATHWAYS,
    PATHWAY_FACTS,
    TEAM_OF_PATHWAY,
    CaptureFact,
    capture_for,
)
from altresponse.pipeline.plan_inputs import read_classified, read_json_if_exists, underserved_from_indicators
from altresponse.plan.config import plan_config
from altresponse.plan.context import Exclusion, PlanContext
from altresponse.plan.gaps import ServiceCover, TypeGap, coordinated_entry, type_gap
from altresponse.plan.inputs import LocalData, transferred_from_summary
from altresponse.plan.peers import load_peers
from altresponse.plan.phases import Gate, Phase, PhaseSpec, build_phases
from altresponse.plan.selection import Candidate, rank_candidates
from altresponse.plan.staffing import StaffingAssumptions, make_staffer
from altresponse.plan.timeline import plan_tasks
from altresponse.profile import Profile
from altresponse.results import PLAN_PREFIX, Estimate, Headline, LandscapeFacts
from altresponse.simulate.costs import budget_headline

log = logging.getLogger(__name__)



def _load_monitoring() -> list[dict[str, Any]]:
    text = resources.files("altresponse.plan").joinpath("monitoring.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return list(data["metrics"])


def _protocol_exclusions(protocol: Any, type_id: str, category: str) -> tuple[str, str, list[Exclusion]]:
    """The rule a type falls under, its pathway when every screen passes, and the screens that divert it."""
    rule = protocol.rule_for(type_id, category, None)
    outcome = protocol.outcomes[rule.outcome]
    out: list[Exclusion] = []
    global_ids = {str(g.get("id")) for g in (protocol.raw.get("safety_screens") or [])}
    if rule.screened:
        for screen in rule.screens:
            q = protocol.question(screen.question)
            for answer, idx in screen.route.items():
                target = protocol.outcomes[idx]
                out.append(
                    Exclusion(
                        rule_id=rule.id,
                        screen_id=screen.id,
                        question=screen.question,
                        ask=q.ask,
                        answer=answer,
                        pathway=target.pathway,
                        reason="; ".join(target.reasons[-1:]) if target.reasons else "",
                        safety=screen.id in global_ids,
                    )
                )
    return rule.id, outcome.pathway, out


def _services_from_directory(profile: Profile, local: LocalData | None) -> tuple[list[ServiceCover], str]:
    """Directory services reduced to types, areas and opening hours (empty with a note if unavailable)."""
    try:
        from altresponse.pipeline.directory_cover import services_from_directory
    except ImportError as exc:  # pragma: no cover - depends on the directory module being present
        return [], f"provider directory not available ({exc})"
    try:
        return services_from_directory(profile, local)
    except Exception as exc:  # the plan still renders; the gap section says why it is empty
        log.warning("directory could not be read: %s", exc)
        return [], f"provider directory could not be read: {type(exc).__name__}: {exc}"


def compute_plan(profile: Profile, analysis_dir: Path | None, staffing_dir: Path | None,
                 landscape: LandscapeFacts | None = None) -> PlanContext:
    """Run every plan model on the inputs; no files are written.

    Period, per-type risk and officer time come from the landscape result (`landscape`), never
    recomputed here, so the plan's figures match the analysis pages.
    """
    from altresponse.protocol import load_protocol
    from altresponse.shared import shared_path
    from altresponse.simulate.costs import CostParameters

    cfg = plan_config(profile.section("plan"), file=profile.path)
    notes: list[str] = []
    peers = load_peers()
    if not profile.protocol:
        raise BadInput("the city profile names no triage protocol (protocol: NAME or PATH)",
                       file=profile.path)
    protocol = load_protocol(profile.protocol)

    analysis_summary = read_json_if_exists(analysis_dir / "summary.json") if analysis_dir else None
    staffing_summary = read_json_if_exists(staffing_dir / "staffing.json") if staffing_dir else None
    if analysis_dir is not None and not analysis_dir.is_dir():
        raise BadInput(f"analysis folder not found: {analysis_dir}")
    if staffing_dir is not None and not staffing_dir.is_dir():
        raise BadInput(f"staffing folder not found: {staffing_dir}")

    underserved: set[str] = set()
    underserved_rule = ""
    ind_rel = profile.sources.get("indicators")
    ind = shared_path(*Path(ind_rel).parts, required=False) if ind_rel else None
    if ind is not None:
        columns = AnalysisConfig.from_profile(profile).indicator_columns(str(ind))
        underserved, underserved_rule = underserved_from_indicators(
            ind, indicator=cfg.underserved_indicator or columns.income, quantile=cfg.underserved_quantile,
            area_column=columns.area, exclude_areas=columns.exclude_areas,
        )
    local: LocalData | None = None
    classified = analysis_dir / "classified.parquet" if analysis_dir else None
    if classified is not None and classified.exists():
        # the same outcomes count as "needed police" as in the landscape analysis
        if landscape is None:
            raise BadInput("the plan needs the landscape result of these calls (run `altresponse analyze`)",
                           file=str(classified))
        local = read_classified(classified, time_zone=profile.time_zone, underserved=underserved,
                                period_days=landscape.period.days,
                                annual_factor=landscape.period.annual_factor,
                                serious_classes=tuple(landscape.serious_outcomes))
        local.underserved_rule = underserved_rule if local.underserved else ""
        if local.area_level == "csa" and underserved and not local.underserved:
            notes.append(
                "No area in the calls matched the underserved areas from the indicators; "
                "the equity criterion is neutral."
            )
    else:
        notes.append(
            "No classified calls were given (--analysis): volume, officer time, risk, equity and "
            "demand by hour are not measured, and phases cannot be sized."
        )

    # Candidate types: every type the protocol sends to a non-police pathway when screening passes.
    try:
        from altresponse.taxonomy import load_catalogue

        catalogue_types = {t.id: t.category for t in load_catalogue()}
    except Exception as exc:  # taxonomy is optional for the plan: local data carry categories
        log.warning("taxonomy catalogue not available: %s", exc)
        catalogue_types = {}
    type_ids = set(local.types) if local else set(protocol.type_ids())
    type_ids |= set(cfg.pilot_types)
    pathway_of: dict[str, str] = {}
    rule_of: dict[str, str] = {}
    exclusions: dict[str, list[Exclusion]] = {}
    for t in sorted(type_ids):
        cat = local.types[t].category if local and t in local.types else catalogue_types.get(t, "other")
        rule_id, pathway, excl = _protocol_exclusions(protocol, t, cat)
        pathway_of[t], rule_of[t], exclusions[t] = pathway, rule_id, excl

    risk: dict[str, dict[str, Any]] = {}
    risk_prior = None
    risk_source = officer_time_source = "none"
    transfer = transferred_from_summary(
        analysis_summary, file=str(analysis_dir / "summary.json") if analysis_dir else "summary.json"
    )
    officer_hours: dict[str, float | None] = {}
    if local and local.types:
        ids = sorted(local.types)
        # the landscape's per-type risk (a type with no recorded outcome has none) and officer time
        landscape_risk = _landscape_risk(analysis_summary)
        risk = {t: r for t, r in landscape_risk.items() if t in local.types and not r.get("transferred")}
        risk_prior = {k: (analysis_summary or {}).get("risk", {}).get(k)
                      for k in ("alpha", "beta", "mean", "level", "method")} if risk else None
        assert landscape is not None
        officer_hours = {
            t: landscape.officer_hours[t].hours_per_call * local.types[t].annual_calls
            if t in landscape.officer_hours else None
            for t in ids
        }
        if risk:
            risk_source = "local"
        elif transfer is not None and transfer.risk:
            # the city's calls carry no outcomes: use the analysis's transfer from reference agencies
            risk = {
                t: {"shrunk": r.shrunk, "lo": r.lo, "hi": r.hi, "n": r.n, "transferred": True}
                for t, r in transfer.risk.items()
                if t in local.types
            }
            risk_prior = dict(transfer.prior) or None
            risk_source = "transferred"
            notes.append(
                "The calls carry no dispositions, so each type's serious-outcome risk is transferred from "
                "reference agencies (as in the landscape analysis), not measured in this city; the risk "
                "tolerance is applied to the transferred intervals."
            )
        else:
            notes.append("The calls carry no dispositions, so risk is not measured; the protocol's screening "
                         "questions are the only safety filter and the risk tolerance is not applied.")
        kinds = {h.source for h in landscape.officer_hours.values()}
        if kinds & {"measured", "measured_overall"}:
            officer_time_source = "local"
        elif "transferred" in kinds:
            officer_time_source = "transferred"
            notes.append(
                "The calls carry no unit times, so officer hours per type are transferred from reference "
                "agencies (as in the landscape analysis), not measured in this city."
            )

    services, directory_note = _services_from_directory(profile, local)
    precedent = peers.precedent()
    cand_types = [t for t in sorted(type_ids) if pathway_of[t] in ALTERNATIVE_PATHWAYS and t != "unmapped"]
    gaps: dict[str, TypeGap] = {}
    if local:
        for t in cand_types:
            if t in local.demand and services:
                gaps[t] = type_gap(local.demand[t], services)
    candidates = []
    for t in cand_types:
        st = local.types.get(t) if local else None
        r = risk.get(t)
        equity = None
        if st and local and local.underserved and st.located_calls:
            equity = st.underserved_calls / st.located_calls
        candidates.append(
            Candidate(
                type_id=t,
                category=st.category if st else catalogue_types.get(t, "other"),
                pathway=pathway_of[t],
                annual_calls=st.annual_calls if st else None,
                officer_hours=officer_hours.get(t) if st else None,
                risk=r["shrunk"] if r else None,
                risk_lo=r["lo"] if r else None,
                risk_hi=r["hi"] if r else None,
                risk_n=int(r["n"]) if r and r.get("n") is not None else None,
                peer_programs=precedent.get(t, 0),
                readiness=gaps[t].covered_share if t in gaps else None,
                equity_share=equity,
                in_pilot=t in cfg.pilot_types,
            )
        )
    if not candidates:
        raise BadInput(
            "no call type is eligible for an alternative pathway under the protocol; nothing to plan"
        )
    ranking = rank_candidates(
        candidates,
        cfg.weights,
        top_k=cfg.top_k,
        draws=cfg.sensitivity_draws,
        concentration=cfg.sensitivity_concentration,
        seed=cfg.seed,
        max_risk=cfg.max_risk,
    )
    if len(ranking.recommended()) < cfg.min_recommended:
        notes.append(
            f"Only {len(ranking.recommended())} call types pass the risk tolerance; the profile asks "
            f"for at least {cfg.min_recommended}."
        )

    # Staffing assumptions and the cost model.
    star = peers.by_id("denver_star").latest("calls_per_shift")
    houston = peers.by_id("houston_ccd").latest("police_hours_per_call")
    assert star is not None and houston is not None
    rec = [t for t in ranking.recommended()]
    police_h, police_src = houston.value, "peer:houston_ccd.police_hours_per_call"
    if local and landscape is not None:
        # the landscape's hours per call of each recommended type, weighted by its calls
        pairs = [(landscape.officer_hours[r.type_id].hours_per_call, local.types[r.type_id].annual_calls)
                 for r in rec if r.type_id in local.types and r.type_id in landscape.officer_hours]
        if pairs and sum(n for _, n in pairs) > 0:
            police_h = float(sum(h * n for h, n in pairs) / sum(n for _, n in pairs))
            police_src = ("model:local_officer_time" if officer_time_source == "local"
                          else "model:transferred_officer_time")
    service_s, service_src = 8 * 3600 / star.value, "peer:denver_star.calls_per_shift"
    travel_s, travel_src = cfg.travel_mean_minutes * 60, "assumption:travel"
    fitted = _staffing_service_times(staffing_summary)
    if fitted is not None:
        # the capacity model's own travel and on-scene times, so plan and staffing size teams alike
        service_s, travel_s = fitted
        service_src = travel_src = "model:staffing_json"
    assumptions = StaffingAssumptions(
        target_reach=cfg.target_reach,
        target_minutes=cfg.target_minutes,
        service_s=service_s,
        service_source=service_src,
        travel_mean_s=travel_s,
        travel_sigma=cfg.travel_log_sd,
        travel_source=travel_src,
        police_hours_per_call=police_h,
        police_hours_source=police_src,
        min_calls_per_team_type=cfg.min_calls_per_team_type,
        capture=_capture(profile),
    )
    costs = CostParameters.from_profile(profile.section("costs"))
    cost_sources = {name: rng.source for name, rng in costs.roles.items()}
    cost_ranges = {name: (rng.low, rng.mode, rng.high) for name, rng in costs.roles.items()}
    for name in (
        "benefits_loading",
        "vehicle_cost_per_year",
        "overhead_share",
        "startup_share",
        "police_cost_per_hour",
        "productive_hours_per_fte",
        "training_per_new_fte",
    ):
        cost_sources[name] = getattr(costs, name).source
        rng = getattr(costs, name)
        cost_ranges[name] = (rng.low, rng.mode, rng.high)

    team_of = {t: TEAM_OF_PATHWAY.get(p) if PATHWAY_FACTS[p].alternative else None
               for t, p in pathway_of.items()}
    phases: list[Phase] = []
    if local:
        specs = [
            PhaseSpec(
                name=p.name,
                types=p.types,
                areas=p.areas,
                daily_hours=p.daily_hours,
                min_months=p.min_months,
                area_share=p.area_share,
            )
            for p in cfg.phases
        ]
        gates = {k: [Gate(g.metric, g.op, g.threshold, g.source) for g in v] for k, v in cfg.gates.items()}
        phases = build_phases(
            specs,
            local.demand,
            team_of,
            [r.type_id for r in rec],
            cfg.pilot_types,
            local.underserved,
            gates=gates,
            staffer=make_staffer(costs, assumptions, seed=cfg.seed),
        )
    lead = cfg.lead_times.model_dump()
    tasks = plan_tasks([(p.name, p.min_months) for p in cfg.phases], lead)
    monitoring = _load_monitoring()
    for m in monitoring:
        m["targets"] = cfg.targets.get(m["id"])
    ce = coordinated_entry(services)
    return PlanContext(
        profile=profile,
        cfg=cfg,
        peers=peers,
        protocol_version=protocol.version,
        local=local,
        analysis_summary=analysis_summary,
        staffing_summary=staffing_summary,
        risk=risk,
        risk_prior=risk_prior,
        candidates=candidates,
        ranking=ranking,
        pathway_of=pathway_of,
        rule_of=rule_of,
        exclusions=exclusions,
        services=services,
        directory_note=directory_note,
        gaps=gaps,
        coordinated_entry=ce,
        phases=phases,
        tasks=tasks,
        monitoring=monitoring,
        assumptions=assumptions,
        cost_sources=cost_sources,
        cost_ranges=cost_ranges,
        generated_utc=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        notes=notes,
        risk_source=risk_source,
        officer_time_source=officer_time_source,
        transfer=transfer,
    )


def build_plan(
    profile: Profile,
    analysis_dir: str | Path | None,
    staffing_dir: str | Path | None,
    out_dir: str | Path,
    *,
    landscape: LandscapeFacts | None = None,
    headline: Headline | None = None,
    partners: Callable[[list[str]], dict[str, Any]] | None = None,
    compare: str | Path | None = None,
    pdf: bool = True,
) -> dict[str, Any]:
    """Write plan.html, plan.pdf, plan.json and monitoring.json to `out_dir`; return the plan as a dict.

    `headline` is the staffing stage's (or the landscape's); the plan adds its final phase's figures
    under the ``plan_`` keys and shows the whole object, never a figure of its own for the same key.
    """
    from altresponse.fsio import write_bytes_atomic, write_json_atomic, write_text_atomic
    from altresponse.report.pdf import html_to_pdf
    from altresponse.report.plan import plan_json, render_plan
    from altresponse.results import Headline

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ctx = compute_plan(
        profile, Path(analysis_dir) if analysis_dir else None, Path(staffing_dir) if staffing_dir else None,
        landscape=landscape,
    )
    base = headline or (landscape.headline if landscape is not None else Headline())
    ctx.headline = plan_headline(base, ctx)
    if partners is not None:
        ctx.partners = partners(ctx.recommended)
    other = None
    if compare is not None:
        other = read_json_if_exists(Path(compare))
        if other is None:
            raise BadInput("plan to compare not found or not a JSON object", file=str(compare))
    html_text, prov = render_plan(ctx, ctx.headline, compare=other)
    data = plan_json(ctx, prov, ctx.headline)
    write_text_atomic(out / "plan.html", html_text)
    write_json_atomic(out / "plan.json", data)
    write_json_atomic(
        out / "monitoring.json", {"version": "1.0", "profile": profile.city, "metrics": data["monitoring"]}
    )
    outputs = {
        "html": str(out / "plan.html"),
        "json": str(out / "plan.json"),
        "monitoring": str(out / "monitoring.json"),
    }
    if pdf:
        pdf_bytes = html_to_pdf(html_text, str(out))
        write_bytes_atomic(out / "plan.pdf", pdf_bytes)
        outputs["pdf"] = str(out / "plan.pdf")
    data["outputs"] = outputs
    write_json_atomic(out / "plan.json", data)
    return data


def plan_headline(base: Headline, ctx: PlanContext) -> Headline:
    """The final phase's figures under ``plan_`` keys, from the phase's own budget (the same cost model)."""
    final = next((p for p in reversed(ctx.phases) if p.staffing is not None and p.staffing.budget), None)
    if final is None or final.staffing is None:
        return base
    b = final.staffing.budget


    a = ctx.assumptions
    peak = sum((np.asarray(t.coverage) for t in final.staffing.teams), np.zeros(168)).max()
    served = sum(t.calls_per_year for t in final.staffing.teams)
    freed = served * a.target_reach * a.police_hours_per_call
    spread_lo = (1 - a.reach_spread) * a.capture.low / a.capture.mode
    spread_hi = (1 + a.reach_spread) * a.capture.high / a.capture.mode
    figures = {
        "eligible_calls_per_year": Estimate(
            value=final.calls_per_year, unit="calls/year",
            source="calls of the recommended types (and the pilot) in the final phase's areas and hours"),
        "calls_served_per_year": Estimate(
            value=served, low=served * a.capture.low / a.capture.mode,
            high=served * a.capture.high / a.capture.mode, unit="calls/year",
            source=f"eligible calls times capture ({a.capture.source})"),
        "police_hours_freed": Estimate(
            value=freed, low=freed * spread_lo, high=freed * spread_hi, unit="hours/year",
            source=f"served calls reached in time times {a.police_hours_per_call:.2f} police hours per call "
                   "(the landscape's per-type hours, weighted by calls)"),
        **budget_headline(b, (freed, freed * spread_lo, freed * spread_hi)),
        "peak_teams": Estimate(value=float(peak), unit="teams",
                               source="Erlang sizing and shift schedule of the final phase, busiest hour"),
    }
    from altresponse.taxonomy import load_catalogue

    catalogue = load_catalogue()
    types = ", ".join(catalogue.get(t).name.lower() if t in catalogue else t for t in final.types)
    return base.with_figures(figures, prefix=PLAN_PREFIX, call_set=(
        f"the plan's final phase ({final.name}): {types}; sized with queueing formulas, not re-simulated"))


def _capture(profile: Profile) -> CaptureFact:
    """The same capture rate the staffing stage uses (the profile's `simulate.capture`, else the peers')."""
    try:
        return capture_for(profile.section("simulate").get("capture"))
    except ValueError as exc:
        raise BadInput(str(exc), file=profile.path) from exc


def _landscape_risk(summary: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Per-type risk as the landscape estimated it (its candidates table), with its interval."""
    out: dict[str, dict[str, Any]] = {}
    transferred = bool(((summary or {}).get("risk") or {}).get("transferred"))
    for c in (summary or {}).get("candidates") or []:
        if c.get("risk") is not None and c.get("risk_n"):
            out[str(c["common_type"])] = {"shrunk": c["risk"], "lo": c["risk_lo"], "hi": c["risk_hi"],
                                          "n": c["risk_n"], "transferred": transferred}
    return out


def _staffing_service_times(staffing: dict[str, Any] | None) -> tuple[float, float] | None:
    """(busy seconds per call, mean travel seconds) from staffing.json's service-time defaults, if present."""
    if not staffing:
        return None
    st = staffing.get("service_times") or {}
    try:
        travel = float(st["travel_default"]["mean_min"])
        on_scene = float(st["on_scene_default"]["mean_min"]) * float(st.get("on_scene_multiplier", 1.0))
    except (KeyError, TypeError, ValueError):
        return None
    return (travel + on_scene) * 60, travel * 60


def _np_default(o: Any) -> Any:
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, np.generic):
        return o.item()
    raise TypeError(type(o))
