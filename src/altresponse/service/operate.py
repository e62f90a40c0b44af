"""Simulated operation: a year of a phase run through the real service code path, labelled simulated.

Each simulated call is triaged by the service's `TriageEngine` (the same protocol decision and
directory match as a live call), referred, accepted or declined by the provider organization,
closed with an outcome, and its result recorded — every write through the store's repository with
its audit row. At go-live an admin publishes the directory with the phase's planned teams active,
as a city would. Before go-live the protocol runs in shadow mode, so the evaluation has a baseline.

Every call reference starts with ``SIM-`` and every user is named ``sim-...``: simulated operation
can never be mistaken for a real one.
"""

from __future__ import annotations

import copy
import math
import secrets
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from altresponse.errors import BadInput
from altresponse.facts import PATHWAY_FACTS
from altresponse.monitor.facts import NOT_DIVERTED, is_alternative
from altresponse.monitor.periods import quarter_of
from altresponse.monitor.tracker import milestones_from_plan_json
from altresponse.ops import monitor_store as ms
from altresponse.ops import open_store
from altresponse.ops import repository as repo
from altresponse.ops.db import Store
from altresponse.profile import load_profile
from altresponse.service.engine import TriageEngine

SIM_PREFIX = "SIM-"
SAFE_ANSWERS = {
    "weapon": "no",
    "violence_in_progress": "no",
    "medical_emergency": "no",
    "crime_in_progress": "no",
    "imminent_self_harm": "no",
    "risk_to_others": "no",
    "insufficient_information": "no",
    "under_18": "no",
    "location_type": "public_space",
    "intoxication": "no",
}
# A mix of call types in the shape of a city's community-initiated calls: eligible types and others.
DEFAULT_TYPE_MIX: dict[str, float] = {
    "welfare_check": 10,
    "noise_complaint": 8,
    "behavioral_crisis": 6,
    "homeless_person": 4,
    "verbal_dispute": 4,
    "trespass": 3,
    "intoxicated_person": 3,
    "suicidal_ideation": 2,
    "loitering": 2,
    "juvenile_disturbance": 2,
    "parking_complaint": 3,
    "panhandling": 1,
    "indecent_exposure": 0.5,
}


@dataclass(frozen=True)
class SimCall:
    received_at: datetime
    common_type: str
    area: str
    lon: float | None = None
    lat: float | None = None


@dataclass(frozen=True)
class PhaseScope:
    """Where and when the phase's new teams work: areas, the daily window (local hours), from go-live."""

    areas: frozenset[str]
    go_live: datetime
    window_start: int = 10
    daily_hours: int = 12
    utc_offset_hours: int = -5
    pathways: frozenset[str] = frozenset({"community_responder"})

    def on_duty(self, t: datetime) -> bool:
        local_hour = (t.astimezone(UTC).hour + self.utc_offset_hours) % 24
        return (local_hour - self.window_start) % 24 < self.daily_hours


@dataclass(frozen=True)
class OperationParams:
    busy_share: float = 0.12  # referrals the team declines because it is on another call
    backup_share: float = 0.04  # responses where the team calls police in
    linked_share: float = 0.3
    transport_share: float = 0.03
    injury_share: float = 0.002
    answers_unsafe_share: float = 0.08  # calls where a screening answer sends police
    travel_median_min: float = 14.0


@dataclass
class OperationSummary:
    store_url: str
    simulated: bool
    calls: int
    decisions_by_pathway: dict[str, int]
    actual_by_pathway: dict[str, int]
    unserved_by_reason: dict[str, int]
    diverted: int
    quarters: list[str]
    go_live: str
    served_areas: list[str]
    comparison_areas: list[str]
    tracker_items: int
    as_of: str
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def synthetic_calls(
    areas: Sequence[str],
    start: datetime,
    days: int,
    calls_per_day: float,
    seed: int,
    type_mix: Mapping[str, float] | None = None,
    centre: tuple[float, float] = (-76.61, 39.30),
) -> list[SimCall]:
    """Calls at Poisson times, more by day than at night, of the given type mix, spread over areas."""
    rng = np.random.default_rng(seed)
    mix = dict(type_mix or DEFAULT_TYPE_MIX)
    types = list(mix)
    p = np.array([mix[t] for t in types], float)
    p /= p.sum()
    n = int(rng.poisson(calls_per_day * days))
    # time of day: a day-heavy profile (peak mid-afternoon local)
    hours = np.arange(24)
    hp = 1.0 + 0.8 * np.cos((hours - 20) / 24 * 2 * math.pi)  # UTC hour 20 = 15:00 Eastern
    hp /= hp.sum()
    area_w = rng.gamma(2.0, 1.0, len(areas))
    area_w /= area_w.sum()
    out = []
    for _ in range(n):
        day = int(rng.integers(0, days))
        hour = int(rng.choice(24, p=hp))
        t = start + timedelta(days=day, hours=hour, seconds=int(rng.integers(0, 3600)))
        a = int(rng.choice(len(areas), p=area_w))
        out.append(
            SimCall(
                t,
                str(rng.choice(types, p=p)),
                areas[a],
                round(centre[0] + rng.normal(0, 0.03), 4),
                round(centre[1] + rng.normal(0, 0.02), 4),
            )
        )
    out.sort(key=lambda c: c.received_at)
    return out


def _activate(hsds: Any, pathways: frozenset[str], engine: TriageEngine) -> Any:
    """The directory with the planned services of the phase's pathways made active."""
    doc = copy.deepcopy(hsds)
    for s in doc.get("services", []):
        pathway = None
        if engine.directory is not None:
            try:
                pathway = engine.directory.service(s["id"]).pathway
            except KeyError:
                pathway = None
        if s.get("status") == "inactive" and pathway in pathways:
            s["status"] = "active"
            for cap in s.get("capacities") or []:  # the planned teams come on duty
                if cap.get("maximum"):
                    cap["available"] = cap["maximum"]
                    cap["description"] = "Teams on duty from go-live (simulated operation)."
    return doc


def _user(store: Store, name: str, role: str, org: str | None = None) -> repo.Actor:
    for u in repo.list_users(store):
        if u.username == name:
            return repo.Actor(u.id, u.username, u.role, u.organization_id)
    u = repo.create_user(store, name, secrets.token_urlsafe(18), role, org)
    return repo.Actor(u.id, u.username, u.role, u.organization_id)


def _mins(rng: np.random.Generator, median: float, sd: float = 0.5) -> timedelta:
    return timedelta(minutes=float(median * math.exp(rng.normal(0, sd))))


def area_letter(i: int) -> str:
    """A, B, ... Z, AA, AB ...: names for simulated areas (an area name holds no digits)."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def simulate_operation(
    store_url: str,
    *,
    calls: Sequence[SimCall],
    scope: PhaseScope,
    seed: int = 0,
    profile: str,
    audit_key: bytes,
    plan: Mapping[str, Any] | None = None,
    params: OperationParams | None = None,
    owners: Mapping[str, str] | None = None,
    as_of: datetime | None = None,
) -> OperationSummary:
    """Run `calls` through the service as one phase's operation and write everything to the store.

    `plan` (today's plan.json as a dict) puts its timeline into the tracker, dated so phase 1's
    go-live falls on `scope.go_live`, with progress simulated up to `as_of` (default: the last call).
    """
    if not calls:
        raise BadInput("simulated operation needs calls")
    params = params or OperationParams()
    rng = np.random.default_rng(seed)
    store = open_store(store_url, audit_key=audit_key)
    try:
        engine = TriageEngine(load_profile(profile), store)
        admin = _user(store, "sim-admin", "admin")
        dispatch = _user(store, "sim-dispatch", "call_taker")
        analyst = _user(store, "sim-analyst", "analyst")
        providers: dict[str, repo.Actor] = {}
        live = False
        base_directory = engine.directory.document if engine.directory is not None else None
        decided: Counter[str] = Counter()
        actual: Counter[str] = Counter()
        unserved: Counter[str] = Counter()
        diverted = 0
        for i, call in enumerate(calls):
            if not live and call.received_at >= scope.go_live and base_directory is not None:
                repo.publish_directory(store, admin, _activate(base_directory, scope.pathways, engine))
                engine.reload_directory()
                live = True
            answers = dict(SAFE_ANSWERS)
            if rng.random() < params.answers_unsafe_share:
                answers[str(rng.choice(["weapon", "violence_in_progress", "medical_emergency"]))] = "yes"
            t0 = call.received_at
            r = engine.triage(
                dispatch,
                call_ref=f"{SIM_PREFIX}{t0:%y%m%d}-{i:06d}",
                common_type=call.common_type,
                answers=answers,
                area=call.area,
                lon=call.lon,
                lat=call.lat,
                when=t0,
                record_at=t0,
            )
            did, pathway = int(r["decision_id"]), str(r["pathway"])
            decided[pathway] += 1
            fallbacks = [f for f in r["fallbacks"] if f in NOT_DIVERTED] or ["police"]
            options = r["providers"]
            outcome = _operate_call(
                store,
                engine,
                rng,
                params,
                scope,
                call,
                did,
                pathway,
                bool(r["fallback_used"]),
                options,
                fallbacks[0],
                dispatch,
                providers,
            )
            actual[outcome[0]] += 1
            if outcome[1]:
                unserved[outcome[1]] += 1
            diverted += outcome[2]
        end = as_of or max(c.received_at for c in calls)
        items = 0
        if plan is not None and plan.get("timeline"):
            items = _simulate_tracker(store, analyst, plan, scope.go_live, end.date(), rng, owners)
        all_areas = sorted({c.area for c in calls})
        return OperationSummary(
            store_url=store_url,
            simulated=True,
            calls=len(calls),
            decisions_by_pathway=dict(decided),
            actual_by_pathway=dict(actual),
            unserved_by_reason=dict(unserved),
            diverted=diverted,
            quarters=sorted({quarter_of(c.received_at) for c in calls}),
            go_live=scope.go_live.isoformat(),
            served_areas=sorted(scope.areas),
            comparison_areas=[a for a in all_areas if a not in scope.areas],
            tracker_items=items,
            as_of=end.isoformat(),
            notes=[
                "Simulated operation: calls, decisions, referrals and outcomes are generated, not real.",
                "Before go-live the protocol ran in shadow mode (decisions recorded, no new team).",
            ],
        )
    finally:
        store.dispose()


def _operate_call(
    store: Store,
    engine: TriageEngine,
    rng: np.random.Generator,
    params: OperationParams,
    scope: PhaseScope,
    call: SimCall,
    did: int,
    pathway: str,
    fallback_used: bool,
    options: Sequence[Mapping[str, Any]],
    fallback: str,
    dispatch: repo.Actor,
    providers: dict[str, repo.Actor],
) -> tuple[str, str | None, int]:
    """Refer, accept or decline, respond and close one call.

    Returns (actual pathway, unserved reason, 1 if diverted else 0)."""
    t0 = call.received_at
    if not is_alternative(pathway):
        ms.record_result(
            store,
            dispatch,
            did,
            actual_pathway=pathway,
            arrest=pathway == "police" and rng.random() < 0.05,
            transport=pathway == "ems" and rng.random() < 0.6,
            at=t0,
        )
        return pathway, None, 0
    reason: str | None = None
    if pathway in scope.pathways:
        if t0 < scope.go_live:
            reason = "no_provider"
        elif call.area not in scope.areas:
            reason = "outside_area"
        elif not scope.on_duty(t0):
            reason = "off_duty"
    if reason is None and (fallback_used or not options):
        reason = "no_provider"
    if reason is not None:
        ms.record_result(store, dispatch, did, actual_pathway=fallback, unserved_reason=reason, at=t0)
        return fallback, reason, 0
    option = options[0]
    org = str(option["organization_id"])
    ref = repo.create_referral(
        store,
        dispatch,
        decision_id=did,
        service_id=str(option["service_id"]),
        organization_id=org,
        at=t0 + timedelta(seconds=30),
    )
    if org not in providers:
        providers[org] = _user(store, f"sim-provider-{org[:8]}", "provider", org)
    prov = providers[org]
    t = t0 + timedelta(seconds=30)
    if rng.random() < params.busy_share:
        t += _mins(rng, 2)
        repo.transition_referral_at(store, prov, ref.id, "decline", reason="no_capacity", at=t)
        ms.record_result(store, dispatch, did, actual_pathway=fallback, unserved_reason="busy", at=t)
        return fallback, "busy", 0
    t += _mins(rng, 1.5)
    repo.transition_referral_at(store, prov, ref.id, "accept", at=t)
    phone_only = PATHWAY_FACTS[pathway].alternative and PATHWAY_FACTS[pathway].team_type is None
    arrived: datetime | None = None
    cleared: datetime
    if phone_only:
        cleared = t + _mins(rng, 15)
    else:
        t += timedelta(minutes=1)
        repo.transition_referral_at(store, prov, ref.id, "en_route", at=t)
        arrived = t + _mins(rng, params.travel_median_min, 0.45)
        repo.transition_referral_at(store, prov, ref.id, "on_scene", at=arrived)
        cleared = arrived + _mins(rng, 35, 0.5)
    u = rng.random()
    backup = "police" if (not phone_only and u < params.backup_share) else "none"
    transport = (not phone_only) and params.backup_share <= u < params.backup_share + params.transport_share
    linked = rng.random() < params.linked_share
    outcome = (
        "backup_requested"
        if backup != "none"
        else "transported"
        if transport
        else "linked_to_services"
        if linked
        else "successful_diversion"
    )
    repo.transition_referral_at(store, prov, ref.id, "outcome", outcome=outcome, at=cleared)
    ms.record_result(
        store,
        prov,
        did,
        actual_pathway=pathway,
        actual_organization_id=org,
        backup=backup,
        transport=transport,
        referral_completed=linked,
        injury=rng.random() < params.injury_share,
        arrived_at=arrived,
        cleared_at=cleared,
        at=cleared,
    )
    return pathway, None, int(backup == "none")


def _simulate_tracker(
    store: Store,
    analyst: repo.Actor,
    plan: Mapping[str, Any],
    go_live: datetime,
    as_of: date,
    rng: np.random.Generator,
    owners: Mapping[str, str] | None,
) -> int:
    """Import the plan timeline dated so phase 1 goes live on `go_live`; simulate progress to `as_of`."""
    golive = next((t for t in plan["timeline"] if t["id"] == "golive1"), None)
    offset_months = float(golive["start_month"]) if golive else 0.0
    start = go_live.date() - timedelta(days=round(offset_months * 30.4375))
    items = milestones_from_plan_json(plan, start, owners)
    ms.import_tracker(store, analyst, items)
    by_id = {m.id: m for m in items}
    before_go_live: set[str] = set()
    stack = ["golive1"] if "golive1" in by_id else []
    while stack:  # everything go-live waited on finished in time: the operation began on the day
        for d in by_id[stack.pop()].deps:
            if d not in before_go_live:
                before_go_live.add(d)
                stack.append(d)
    finished: dict[str, date] = {}
    for m in sorted(items, key=lambda m: (m.due, m.planned_start)):
        ready = max((finished.get(d, m.planned_start) for d in m.deps), default=m.planned_start)
        late = 0 if m.id in before_go_live or m.milestone else int(rng.integers(0, 40))
        finish = max(m.due + timedelta(days=late), ready)
        deps_done = all(d in finished for d in m.deps)
        if finish <= as_of and deps_done:
            finished[m.id] = finish
            changes = {"status": "done", "actual_start": ready, "actual_finish": finish}
            ms.update_tracker_item(store, analyst, m.id, changes)
        elif m.planned_start <= as_of and deps_done:
            ms.update_tracker_item(store, analyst, m.id, {"status": "in_progress", "actual_start": ready})
    return len(items)


def phase1_scope_from_plan(plan: Mapping[str, Any], go_live: datetime, areas: Sequence[str]) -> PhaseScope:
    """Phase 1's areas and daily window from plan.json; `areas` are used when the plan names none."""
    phases = plan.get("phases") or []
    if not phases:
        raise BadInput("the plan has no phases")
    p1 = phases[0]
    chosen = p1.get("areas") or list(areas)
    return PhaseScope(
        frozenset(chosen), go_live, int(p1.get("window_start") or 10), int(p1.get("daily_hours") or 12)
    )


def default_store_path(directory: Path) -> str:
    return f"sqlite:///{directory / 'operation.db'}"
