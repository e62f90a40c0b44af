"""The profile's `plan:` section: weights, tolerances, phases, gates, lead times and targets.

Every value a city can change lives here with a default; the profile overrides any of them. Values
with no published source are assumptions and the plan lists them as such.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from altresponse.errors import BadInput
from altresponse.plan.selection import CRITERIA, DEFAULT_WEIGHTS


class PhaseConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    types: str = "recommended"
    areas: str = "citywide"
    daily_hours: int = Field(default=24, ge=1, le=24)
    min_months: float = Field(default=6, gt=0)
    area_share: float = Field(default=0.4, gt=0, le=1)

    @field_validator("types")
    @classmethod
    def _types(cls, v: str) -> str:
        if v == "recommended" or (v.startswith("pilot_plus_top:") and v.split(":", 1)[1].isdigit()):
            return v
        raise ValueError("types must be 'recommended' or 'pilot_plus_top:N'")

    @field_validator("areas")
    @classmethod
    def _areas(cls, v: str) -> str:
        if v not in ("citywide", "underserved_top"):
            raise ValueError("areas must be 'citywide' or 'underserved_top'")
        return v


class GateConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    metric: str
    op: str
    threshold: float
    source: str

    @field_validator("op")
    @classmethod
    def _op(cls, v: str) -> str:
        if v not in (">=", "<=", ">", "<"):
            raise ValueError("op must be one of >=, <=, >, <")
        return v


class LeadTimes(BaseModel):
    """Months; assumptions unless the city has its own figures."""

    model_config = ConfigDict(extra="forbid")
    hiring: float = 4
    provider_agreements: float = 3
    cad_configuration: float = 3
    call_taker_training: float = 1
    community_engagement: float = 3
    public_reporting_setup: float = 2
    source: str = (
        "assumption: planning lead times, to be confirmed by the city's HR, procurement and 911 centre"
    )


class CostFallback(BaseModel):
    """Cost per team-hour used only when no staffing/cost model output is given."""

    model_config = ConfigDict(extra="forbid")
    p5: float = 70.5
    p50: float = 110.0
    p95: float = 180.0
    startup_per_team: float = 110100 / 3
    source: str = (
        "low end: CAHOOTS cost per van service-hour (peer:cahoots.cost_per_service_hour_usd, excludes "
        "vehicles); middle and high: assumption for salaries, vehicles and overhead in a larger city; "
        "start-up: Olympia CRU start-up (peer:olympia_cru.startup_usd) spread over its teams (assumption)"
    )


class PlanConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    top_k: int = Field(5, ge=1)
    min_recommended: int = Field(4, ge=1)
    max_risk: float = Field(0.25, gt=0, le=1)
    pilot_types: list[str] = Field(default_factory=list)  # the city's running pilot, if it has one
    pilot_peer: str | None = None  # the peer programme (peers.yaml id) that describes that pilot
    sensitivity_draws: int = Field(1000, ge=100)
    sensitivity_concentration: float = Field(50.0, gt=0)
    seed: int = 20260
    target_reach: float = Field(default=0.9, gt=0, lt=1)
    target_minutes: float = Field(default=20, gt=0)
    travel_mean_minutes: float = Field(default=10, gt=0)
    travel_log_sd: float = Field(default=0.5, gt=0)
    min_calls_per_team_type: float = Field(default=365, ge=0)
    underserved_indicator: str | None = None  # default: the indicators section's income column
    underserved_quantile: float = 0.2
    phases: list[PhaseConfig] = Field(default_factory=lambda: [
        PhaseConfig(name="Focus areas, peak hours", types="pilot_plus_top:2", areas="underserved_top",
                    daily_hours=12, min_months=6, area_share=0.4),
        PhaseConfig(name="Citywide, extended hours", types="recommended", areas="citywide",
                    daily_hours=16, min_months=6),
        PhaseConfig(name="Citywide, around the clock", types="recommended", areas="citywide",
                    daily_hours=24, min_months=12),
    ])
    gates: dict[str, list[GateConfig]] = Field(default_factory=dict)
    targets: dict[str, list[float]] = Field(default_factory=dict)
    lead_times: LeadTimes = Field(default_factory=LeadTimes)
    cost_fallback: CostFallback = Field(default_factory=CostFallback)

    @field_validator("weights")
    @classmethod
    def _weights(cls, v: dict[str, float]) -> dict[str, float]:
        unknown = set(v) - set(CRITERIA)
        if unknown:
            raise ValueError(f"unknown criteria {sorted(unknown)}; expected {list(CRITERIA)}")
        return v


DEFAULT_GATES: dict[str, list[dict[str, Any]]] = {
    "phase1_entry": [
        {"metric": "call_takers_trained_share", "op": ">=", "threshold": 0.9,
         "source": "assumption: nearly all call-takers on every shift trained before go-live"},
        {"metric": "provider_agreements_signed", "op": ">=", "threshold": 1,
         "source": "assumption: a signed agreement for every pathway used"},
    ],
    "phase1_exit": [
        {"metric": "reach", "op": ">=", "threshold": 0.46,
         "source": "peer:denver_star.reach_share (a capacity-limited peer)"},
        {"metric": "backup_rate", "op": "<=", "threshold": 0.05,
         "source": "assumption between peer:cahoots.backup_rate and peer:olympia_cru.backup_rate"},
        {"metric": "response_time_p50", "op": "<=", "threshold": 20,
         "source": "staffing target (profile); peer:durham_heart.response_time_min, "
                   "peer:nyc_bheard.response_time_min"},
        {"metric": "safety_incidents", "op": "<=", "threshold": 0,
         "source": "assumption: zero tolerance; Albuquerque reported none in its first year"},
    ],
    "phase2_entry": [
        {"metric": "previous_phase_exit_met", "op": ">=", "threshold": 1,
         "source": "assumption: every exit criterion of the previous phase met at its review"},
        {"metric": "call_takers_trained_share", "op": ">=", "threshold": 0.9, "source": "as phase 1"},
    ],
    "phase2_exit": [
        {"metric": "reach", "op": ">=", "threshold": 0.65,
         "source": "peer:nyc_bheard.reach_share"},
        {"metric": "backup_rate", "op": "<=", "threshold": 0.05, "source": "as phase 1"},
        {"metric": "response_time_p50", "op": "<=", "threshold": 20, "source": "as phase 1"},
    ],
    "phase3_entry": [
        {"metric": "previous_phase_exit_met", "op": ">=", "threshold": 1, "source": "as phase 2"},
        {"metric": "call_takers_trained_share", "op": ">=", "threshold": 0.9, "source": "as phase 1"},
    ],
    "phase3_exit": [
        {"metric": "reach", "op": ">=", "threshold": 0.8,
         "source": "assumption: around-the-clock teams should serve most eligible calls"},
        {"metric": "backup_rate", "op": "<=", "threshold": 0.05, "source": "as phase 1"},
    ],
}

DEFAULT_TARGETS: dict[str, list[float]] = {
    "reach": [0.46, 0.65, 0.8],
    "response_time_p50": [20, 20, 20],
    "backup_rate": [0.05, 0.05, 0.05],
    "successful_diversion": [0.6, 0.7, 0.75],
    "linkage": [0.31, 0.35, 0.4],
    "safety_incidents": [0, 0, 0],
}


def plan_config(section: dict[str, Any], *, file: str | None = None) -> PlanConfig:
    """Validate the profile's plan section, filling defaults for what it leaves out."""
    try:
        cfg = PlanConfig.model_validate(section or {})
    except ValidationError as exc:
        raise BadInput(f"profile section 'plan' is not valid: {exc}", file=file) from exc
    if not cfg.gates:
        cfg.gates = {k: [GateConfig(**g) for g in v] for k, v in DEFAULT_GATES.items()}
    merged = dict(DEFAULT_TARGETS)
    merged.update(cfg.targets)
    cfg.targets = merged
    return cfg
