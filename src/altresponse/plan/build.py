"""Build the implementation plan: the adapter that reads inputs, runs the plan models and writes outputs.

`compute_plan()` gathers everything the document needs (no files written); `build_plan()` also
renders plan.html, plan.pdf, plan.json and monitoring.json into the output folder.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from altresponse.errors import BadInput
from altresponse.plan.config import PlanConfig, plan_config
from altresponse.plan.gaps import ServiceCover, TypeGap, coordinated_entry, type_gap
from altresponse.plan.inputs import (
    LocalData,
    Transferred,
    read_classified,
    read_json_if_exists,
    transferred_from_summary,
    underserved_from_indicators,
)
from altresponse.plan.peers import PeerCatalogue, load_peers
from altresponse.plan.phases import Gate, Phase, PhaseSpec, build_phases
from altresponse.plan.selection import Candidate, Ranking, rank_candidates
from altresponse.plan.staffing import StaffingAssumptions, make_staffer
from altresponse.plan.timeline import Task, plan_tasks
from altresponse.profile import Profile

log = logging.getLogger(__name__)

NON_ALTERNATIVE = ("police", "ems", "fire", "co_response")
TEAM_OF_PATHWAY: dict[str, str | None] = {
    "behavioral_health_team": "behavioral_health_team",
    "community_responder": "community_responder",
    "homeless_outreach": "homeless_outreach",
    "crisis_line_988": None,
    "311_administrative": None,
}


@dataclass(frozen=True)
class Exclusion:
    """One screening question that sends a call of this type elsewhere, as the protocol words it."""

    rule_id: str
    screen_id: str
    question: str
    ask: str
    answer: str
    pathway: str
    reason: str
    safety: bool = False  # one of the protocol's global safety screens, asked for every screened rule


@dataclass
class PlanContext:
    """Everything the plan document shows, computed from the inputs."""

    profile: Profile
    cfg: PlanConfig
    peers: PeerCatalogue
    protocol_version: str
    local: LocalData | None
    analysis_summary: dict[str, Any] | None
    staffing_summary: dict[str, Any] | None
    risk: dict[str, dict[str, Any]]
    risk_prior: dict[str, Any] | None
    candidates: list[Candidate]
    ranking: Ranking
    pathway_of: dict[str, str]
    rule_of: dict[str, str]
    exclusions: dict[str, list[Exclusion]]
    services: list[ServiceCover]
    directory_note: str
    gaps: dict[str, TypeGap]
    coordinated_entry: ServiceCover | None
    phases: list[Phase]
    tasks: list[Task]
    monitoring: list[dict[str, Any]]
    assumptions: StaffingAssumptions
    cost_sources: dict[str, str]
    cost_ranges: dict[str, tuple[float, float, float]]
    generated_utc: str
    notes: list[str] = field(default_factory=list)
    # where per-type risk and officer time come from: "local" (the city's calls), "transferred"
    # (reference agencies, via the analysis summary.json) or "none"
    risk_source: str = "none"
    officer_time_source: str = "none"
    transfer: Transferred | None = None

    @property
    def pilot(self) -> list[str]:
        return list(self.cfg.pilot_types)

    @property
    def recommended(self) -> list[str]:
        return [r.type_id for r in self.ranking.recommended()]


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
        from altresponse.plan.directory_adapter import services_from_directory
    except ImportError as exc:  # pragma: no cover - depends on the directory module being present
        return [], f"provider directory not available ({exc})"
    try:
        return services_from_directory(profile, local)
    except Exception as exc:  # the plan still renders; the gap section says why it is empty
        log.warning("directory could not be read: %s", exc)
        return [], f"provider directory could not be read: {type(exc).__name__}: {exc}"


def compute_plan(profile: Profile, analysis_dir: Path | None, staffing_dir: Path | None) -> PlanContext:
    """Run every plan model on the inputs; no files are written."""
    from altresponse.protocol import load_protocol
    from altresponse.risk import estimate_type_risk_from_counts
    from altresponse.shared import shared_path
    from altresponse.simulate.costs import CostParameters

    cfg = plan_config(profile.section("plan"), file=profile.path)
    notes: list[str] = []
    peers = load_peers()
    protocol = load_protocol(profile.protocol or "baltimore")

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
        underserved, underserved_rule = underserved_from_indicators(
            ind, indicator=cfg.underserved_indicator, quantile=cfg.underserved_quantile
        )
    local: LocalData | None = None
    classified = analysis_dir / "classified.parquet" if analysis_dir else None
    if classified is not None and classified.exists():
        # the same outcomes count as "needed police" as in the landscape analysis
        serious = tuple(
            profile.section("analysis").get("serious_dispositions") or ("arrest", "report", "citation")
        )
        local = read_classified(classified, time_zone=profile.time_zone, underserved=underserved,
                                serious_classes=serious)
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
        table = estimate_type_risk_from_counts(
            ids, [local.types[t].n_known for t in ids], [local.types[t].k_serious for t in ids]
        )
        # a type with no recorded outcome has no risk estimate (the prior alone says nothing about it)
        risk = {t: table.row(t) for t in ids if local.types[t].n_known > 0}
        risk_prior = table.prior()
        officer_hours = {t: local.types[t].officer_hours for t in ids}
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
        if any(h is not None for h in officer_hours.values()):
            officer_time_source = "local"
        elif transfer is not None and transfer.officer_hours:
            officer_hours = {t: transfer.officer_hours.get(t) for t in ids}
            officer_time_source = "transferred"
            notes.append(
                "The calls carry no unit times, so officer hours per type are transferred from reference "
                "agencies (as in the landscape analysis), not measured in this city."
            )

    services, directory_note = _services_from_directory(profile, local)
    precedent = peers.precedent()
    cand_types = [t for t in sorted(type_ids) if pathway_of[t] not in NON_ALTERNATIVE and t != "unmapped"]
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
    if local and officer_time_source == "local":
        hrs = [local.types[r.type_id].officer_hours for r in rec if r.type_id in local.types]
        calls = [local.types[r.type_id].annual_calls for r in rec if r.type_id in local.types]
        if hrs and all(h is not None for h in hrs) and sum(calls) > 0:
            police_h = float(sum(h for h in hrs if h is not None) / sum(calls))
            police_src = "model:local_officer_time"
    elif local and transfer is not None and officer_time_source == "transferred":
        # reference agencies' mean unit hours per call, weighted by this city's calls of each type
        pairs = [(transfer.hours_per_call.get(r.type_id), local.types[r.type_id].annual_calls)
                 for r in rec if r.type_id in local.types]
        if pairs and all(h is not None for h, _ in pairs) and sum(n for _, n in pairs) > 0:
            police_h = float(sum((h or 0.0) * n for h, n in pairs) / sum(n for _, n in pairs))
            police_src = "model:transferred_officer_time"
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

    team_of = {t: TEAM_OF_PATHWAY.get(p) for t, p in pathway_of.items()}
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
    compare: str | Path | None = None,
    pdf: bool = True,
) -> dict[str, Any]:
    """Write plan.html, plan.pdf, plan.json and monitoring.json to `out_dir`; return the plan as a dict."""
    from altresponse.fsio import write_bytes_atomic, write_json_atomic, write_text_atomic
    from altresponse.report.pdf import html_to_pdf
    from altresponse.report.plan import plan_json, render_plan
    from altresponse.results import Headline

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ctx = compute_plan(
        profile, Path(analysis_dir) if analysis_dir else None, Path(staffing_dir) if staffing_dir else None
    )
    other = None
    if compare is not None:
        other = read_json_if_exists(Path(compare))
        if other is None:
            raise BadInput("plan to compare not found or not a JSON object", file=str(compare))
    headline = Headline()
    html_text, prov = render_plan(ctx, headline, compare=other)
    data = plan_json(ctx, prov, headline)
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
