"""Cost model: what a staffed schedule costs per year, with uncertainty, beside the police time it frees.

Every input is a triangular range (low, most likely, high) with its source; a city overrides any of
them in its profile's `costs:` section. Monte Carlo over the ranges gives budget percentiles
(p5/p50/p95). Cost per call reached and police cost avoided are reported side by side, so nobody
reads one without the other. No I/O here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from altresponse.facts import TEAM_TYPES
from altresponse.results import Estimate

BLS_OOH_EMT = "BLS Occupational Outlook Handbook, EMTs and paramedics: 2023 median pay $21.53/h"
BLS_PARAMEDIC = "BLS OOH: paramedics' median annual wage $53,180 (May 2023) = $25.57/h at 2,080 h"
BLS_COUNSELOR = (
    "BLS 2023 wage data via O*NET 21-1018 (substance abuse, behavioral disorder and mental health "
    "counselors): median $25.82/h"
)
ASSUMPTION = "assumption (no published figure found; override in the profile `costs:` section)"


class Range(BaseModel):
    """A triangular range for an uncertain input, with where the figure comes from."""

    model_config = ConfigDict(extra="forbid")

    low: float
    mode: float
    high: float
    source: str

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not self.low <= self.mode <= self.high:
            raise ValueError(f"need low <= mode <= high, got {self.low}, {self.mode}, {self.high}")
        return self

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.high == self.low:
            return np.full(n, self.mode)
        return rng.triangular(self.low, self.mode, self.high, n)


def _r(low: float, mode: float, high: float, source: str) -> Range:
    return Range(low=low, mode=mode, high=high, source=source)


def _default_roles() -> dict[str, Range]:
    return {
        "clinician": _r(
            25.82,
            30.0,
            40.0,
            f"{BLS_COUNSELOR}; most likely and high allow for licensure and night work (assumption)",
        ),
        "paramedic": _r(21.53, 25.57, 32.0, f"{BLS_PARAMEDIC}; low = {BLS_OOH_EMT}"),
        "emt": _r(18.0, 21.53, 26.0, f"{BLS_OOH_EMT}; range is an assumption"),
        "peer": _r(17.0, 20.0, 24.0, f"peer support specialist: {ASSUMPTION}"),
        "community_responder": _r(18.0, 22.0, 27.0, f"community intervention specialist: {ASSUMPTION}"),
    }


def _default_compositions() -> dict[str, list[str]]:
    """Each team type's crew (facts.TEAM_TYPES, with their sources); a profile may change a crew."""
    return {t.id: list(t.crew) for t in TEAM_TYPES.values()}


class CostParameters(BaseModel):
    """Every cost input with its range and source; the profile's `costs:` section overrides any field."""

    model_config = ConfigDict(extra="forbid")

    currency: str = "USD"
    roles: dict[str, Range] = Field(default_factory=_default_roles)
    compositions: dict[str, list[str]] = Field(default_factory=_default_compositions)
    benefits_loading: Range = _r(1.25, 1.40, 1.60, f"fringe and payroll multiplier on wages: {ASSUMPTION}")
    productive_hours_per_fte: Range = _r(
        1650,
        1718,
        1800,
        "derived: 8,760 h / 5.1 FTE per 24/7 seat (Orange County NC relief-factor example, programs.md D.2)",
    )
    vehicle_cost_per_year: Range = _r(
        12000, 18000, 30000, f"van lease or depreciation, fuel, maintenance, radio and IT: {ASSUMPTION}"
    )
    spare_vehicle_share: float = 0.2
    teams_per_supervisor: Range = _r(5, 6, 8, f"field supervisors on duty per teams on duty: {ASSUMPTION}")
    supervisor_wage_multiplier: float = 1.25
    center_clinician_seats: float = Field(
        default=1.0,
        description="24/7 clinician seats in the 911 center; Baltimore's FY2022 BJA grant funded co-locating "
        "a behavioral health clinician in the 911 center (programs.md A.12)",
    )
    training_per_new_fte: Range = _r(
        3000, 6000, 10000, f"initial training per hire (crisis, safety, CAD): {ASSUMPTION}"
    )
    overhead_share: Range = _r(
        0.10, 0.15, 0.25, f"administration, data, evaluation over direct costs: {ASSUMPTION}"
    )
    startup_share: Range = _r(
        0.10,
        0.22,
        0.30,
        "derived: Olympia CRU start-up $110,100 on a $497,000 first-year budget = 22% (programs.md A.9)",
    )
    police_cost_per_hour: Range = _r(
        120.0,
        180.0,
        250.0,
        "derived: Houston CCD ~$270 police cost avoided per diverted call / ~1.5 police-hours per call "
        "(programs.md A.8, D.3); range is an assumption",
    )

    @classmethod
    def from_profile(cls, section: Mapping[str, Any]) -> CostParameters:
        """Defaults, with whatever the profile gives replacing them field by field (roles merged by name)."""
        data = dict(section)
        base = cls()
        if "roles" in data:
            roles = {k: v.model_dump() for k, v in base.roles.items()}
            roles.update(data["roles"])
            data["roles"] = roles
        if "compositions" in data:
            comps = dict(base.compositions)
            comps.update(data["compositions"])
            data["compositions"] = comps
        return cls.model_validate(data)

    def check_compositions(self) -> None:
        for team, roles in self.compositions.items():
            unknown = [r for r in roles if r not in self.roles]
            if unknown:
                raise ValueError(f"costs.compositions.{team} names roles with no wage range: {unknown}")


# Published cost figures the model's output is compared with (programs.md D.3).
BENCHMARKS: tuple[dict[str, Any], ...] = (
    {
        "name": "CAHOOTS cost per service-hour (FY18, 2-person van, vans city-owned)",
        "value": 70.5,
        "unit": "per team-hour",
        "source": "derived: $798k / (31 h x 365), Eugene funding page; programs.md A.1",
    },
    {
        "name": "Staffed 24/7 ambulance (illustrative)",
        "value": 74.2,
        "unit": "per team-hour",
        "source": "EMS World 2018, ~$650k/yr; programs.md D.3",
    },
    {
        "name": "Denver STAR budget per responder team (2024)",
        "value": 450000.0,
        "unit": "per team per year",
        "source": "derived: $7.2M / 16 teams (NLC); programs.md A.2",
    },
    {
        "name": "Denver STAR cost per call (2023, rough)",
        "value": 700.0,
        "unit": "per call",
        "source": "derived: ~$5M / ~7,000 calls; programs.md A.2",
    },
    {
        "name": "Oakland MACRO cost per incident (2024)",
        "value": 635.0,
        "unit": "per call",
        "source": "derived: $4M / 6,300; programs.md A.6",
    },
)


def _pct(values: np.ndarray) -> dict[str, float]:
    p5, p50, p95 = np.percentile(values, [5, 50, 95])
    return {"p5": round(float(p5), 2), "p50": round(float(p50), 2), "p95": round(float(p95), 2)}


def budget(
    params: CostParameters,
    team_hours_per_week: Mapping[str, float],
    coverage_by_hour: Mapping[str, np.ndarray],
    *,
    calls_reached_per_year: tuple[float, float, float],
    police_hours_freed_per_year: tuple[float, float, float],
    draws: int = 4000,
    seed: int = 0,
) -> dict[str, Any]:
    """Monte Carlo budget: annual operating cost, start-up, FTE, cost per call reached, police cost avoided.

    `calls_reached_per_year` and `police_hours_freed_per_year` are (mean, lo, hi) from the simulation;
    they are drawn as normal with the interval as +/- 1.96 sd so their uncertainty carries through.
    """
    params.check_compositions()
    rng = np.random.default_rng(seed)
    weeks = 365.25 / 7
    loading = params.benefits_loading.draw(rng, draws)
    wage = {role: rng_range.draw(rng, draws) for role, rng_range in sorted(params.roles.items())}
    hours_fte = params.productive_hours_per_fte.draw(rng, draws)
    per_type: dict[str, Any] = {}
    staff_cost = np.zeros(draws)
    fte_total = np.zeros(draws)
    vehicles = 0.0
    team_hour_costs = {}
    for team, hours in sorted(team_hours_per_week.items()):
        roles = params.compositions.get(team)
        if roles is None:
            raise ValueError(f"no team composition for team type {team!r} in costs.compositions")
        hourly = sum(wage[r] for r in roles) * loading
        annual_hours = hours * weeks
        staff_cost += hourly * annual_hours
        fte = annual_hours * len(roles) / hours_fte
        fte_total += fte
        cov = np.asarray(coverage_by_hour.get(team, np.zeros(168)))
        vehicles += math.ceil(float(cov.max()) * (1 + params.spare_vehicle_share)) if cov.size else 0
        team_hour_costs[team] = _pct(hourly)
        per_type[team] = {
            "roles": roles,
            "team_hours_per_week": hours,
            "crew_fte": _pct(fte),
            "cost_per_team_hour": _pct(hourly),
            "staff_cost_per_year": _pct(hourly * annual_hours),
        }
    # supervision: enough supervisors on duty for the teams on duty, every hour
    per_sup = params.teams_per_supervisor.draw(rng, draws)
    total_cov = sum((np.asarray(c, float) for c in coverage_by_hour.values()), np.zeros(168))
    sup_hours_week = np.array([np.ceil(total_cov / k).sum() for k in per_sup])
    sup_cost = (
        sup_hours_week
        * weeks
        * wage.get("clinician", np.full(draws, 30.0))
        * params.supervisor_wage_multiplier
        * loading
    )
    sup_fte = sup_hours_week * weeks / hours_fte
    center_cost = params.center_clinician_seats * 8760 * wage.get("clinician", np.full(draws, 30.0)) * loading
    center_fte = params.center_clinician_seats * 8760 / hours_fte
    vehicle_cost = vehicles * params.vehicle_cost_per_year.draw(rng, draws)
    all_fte = fte_total + sup_fte + center_fte
    training = all_fte * params.training_per_new_fte.draw(rng, draws)
    direct = staff_cost + sup_cost + center_cost + vehicle_cost
    overhead = direct * params.overhead_share.draw(rng, draws)
    operating = direct + overhead
    startup = operating * params.startup_share.draw(rng, draws) + training

    def _normal(triple: tuple[float, float, float]) -> np.ndarray:
        mean, lo, hi = triple
        sd = max((hi - lo) / (2 * 1.96), 0.0) if math.isfinite(hi - lo) else 0.0
        return np.maximum(rng.normal(mean, sd, draws), 0.0)

    reached = _normal(calls_reached_per_year)
    freed = _normal(police_hours_freed_per_year)
    police_cost = freed * params.police_cost_per_hour.draw(rng, draws)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_call = np.where(reached > 0, operating / reached, np.nan)
    per_call = per_call[np.isfinite(per_call)]
    return {
        "currency": params.currency,
        "draws": draws,
        "annual_operating_cost": _pct(operating),
        "startup_cost_first_year": _pct(startup),
        "first_year_total": _pct(operating + startup),
        "components_per_year": {
            "field_teams": _pct(staff_cost),
            "supervision": _pct(sup_cost),
            "center_clinicians": _pct(center_cost),
            "vehicles": _pct(vehicle_cost),
            "overhead": _pct(overhead),
        },
        "fte": {
            "field": _pct(fte_total),
            "supervisors": _pct(sup_fte),
            "center_clinicians": round(float(np.median(center_fte)), 2),
            "total": _pct(all_fte),
        },
        "vehicles": vehicles,
        "by_team_type": per_type,
        "cost_per_call_reached": _pct(per_call) if len(per_call) else None,
        "police_cost_avoided_per_year": _pct(police_cost),
        "net_cost_after_police_time_per_year": _pct(operating - police_cost),
        "benchmarks": list(BENCHMARKS),
        "parameters": params.model_dump(),
    }


COST_SOURCE = "cost model (Monte Carlo over wages, benefits, vehicles, overhead; 5th–95th percentile)"


def budget_headline(costs: Mapping[str, Any], freed: tuple[float, float, float]) -> dict[str, Estimate]:
    """The headline figures of a budget and the police hours it frees (value, low, high): written once
    for the staffing page and the plan's phases alike."""
    from altresponse.facts import POLICE_HOURS_PER_FTE

    def pct(block: Mapping[str, float], unit: Any, source: str) -> Estimate:
        return Estimate(value=block["p50"], low=block["p5"], high=block["p95"], unit=unit, source=source)

    return {
        "police_fte_freed": Estimate(
            value=freed[0] / POLICE_HOURS_PER_FTE, low=freed[1] / POLICE_HOURS_PER_FTE,
            high=freed[2] / POLICE_HOURS_PER_FTE, unit="FTE",
            source=f"police hours freed / {POLICE_HOURS_PER_FTE:,.0f} productive hours per officer a year"),
        "police_cost_avoided": pct(costs["police_cost_avoided_per_year"], "USD/year",
                                   "police hours freed times the loaded police cost per hour (Monte Carlo)"),
        "operating_cost": pct(costs["annual_operating_cost"], "USD/year", COST_SOURCE),
        "first_year_cost": pct(costs["first_year_total"], "USD", COST_SOURCE + "; start-up included"),
        "fte": pct(costs["fte"]["total"], "FTE", "crews, supervisors and 911-centre clinicians"),
    }
