"""Phased roll-out: which types, areas and hours go live first, with teams, budget and gates.

Phase 1 starts where peers learned to start (Durham: the beats densest in eligible calls; Portland
and B-HEARD: hours matter as much as rules): the most underserved high-demand areas during the
daily window holding the most eligible calls. Phase 2 goes citywide over a longer window. Phase 3
runs around the clock. Each phase's in-scope demand goes to a staffing function (queueing
requirement, shift scheduler and cost model) that the caller supplies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from altresponse.plan.gaps import HOURS_OF_WEEK, Demand


@dataclass(frozen=True)
class PhaseSpec:
    """One phase as configured in the profile `plan.phases`."""

    name: str
    types: str  # "pilot_plus_top:N" | "recommended"
    areas: str  # "underserved_top" | "citywide"
    daily_hours: int  # 24 = around the clock
    min_months: float
    area_share: float = 0.4


@dataclass(frozen=True)
class Gate:
    metric: str
    op: str
    threshold: float
    source: str

    def holds(self, value: float) -> bool:
        return {">=": value >= self.threshold, "<=": value <= self.threshold,
                ">": value > self.threshold, "<": value < self.threshold}[self.op]


@dataclass(frozen=True)
class TeamStaffing:
    """What one team type needs in one phase: shifts from the scheduler and the hours they make."""

    team_type: str
    calls_per_year: float
    requirement: np.ndarray  # fractional teams per hour of week
    shifts: tuple[tuple[int, int, int], ...]  # (start hour of week, length h, teams)
    coverage: np.ndarray  # teams on duty per hour of week
    team_hours_per_week: float

    @property
    def peak_teams(self) -> int:
        return int(np.max(self.coverage)) if self.coverage.size else 0


@dataclass(frozen=True)
class PhaseStaffing:
    teams: tuple[TeamStaffing, ...]
    budget: Mapping[str, Any]  # cost model output (p5/p50/p95 per item)
    too_few: tuple[tuple[str, float], ...] = ()  # (team type, calls a year) too few for a dedicated team


@dataclass(frozen=True)
class Phase:
    index: int
    name: str
    types: tuple[str, ...]
    areas: tuple[str, ...] | None  # None = citywide
    window_start: int  # local hour the daily window opens
    daily_hours: int
    min_months: float
    calls_per_year: float
    share_of_eligible: float
    demand_by_team: Mapping[str, np.ndarray]  # calls per year by hour of week, in scope
    staffing: PhaseStaffing | None = None
    entry_gates: tuple[Gate, ...] = field(default_factory=tuple)
    exit_gates: tuple[Gate, ...] = field(default_factory=tuple)

    @property
    def hours_label(self) -> str:
        if self.daily_hours >= 24:
            return "24/7"
        end = (self.window_start + self.daily_hours) % 24
        return f"{self.window_start:02d}:00-{end:02d}:00 daily"

    @property
    def mask(self) -> np.ndarray:
        return window_mask(self.window_start, self.daily_hours)


def best_window(by_hour_of_day: np.ndarray, hours: int) -> int:
    """Start hour of the contiguous daily window (wrapping midnight) that holds the most calls."""
    if hours >= 24:
        return 0
    sums = [sum(by_hour_of_day[(s + i) % 24] for i in range(hours)) for s in range(24)]
    return int(np.argmax(sums))


def window_mask(start: int, hours: int) -> np.ndarray:
    mask = np.zeros(HOURS_OF_WEEK, dtype=bool)
    for d in range(7):
        for i in range(min(hours, 24)):
            mask[(d * 24 + start + i) % HOURS_OF_WEEK] = True
    return mask


def pick_areas(demand: Sequence[Demand], underserved: set[str], share: float) -> tuple[str, ...] | None:
    """Underserved areas first, then others, in order of demand, until `share` of demand is covered.

    Returns None (citywide) when the data carry no area names.
    """
    if not demand or not demand[0].areas or demand[0].areas == ("citywide",):
        return None
    totals: dict[str, float] = {}
    for d in demand:
        for a, v in zip(d.areas, d.counts.sum(axis=1), strict=True):
            totals[a] = totals.get(a, 0.0) + float(v)
    grand = sum(totals.values())
    if grand <= 0:
        return None
    order = sorted(totals, key=lambda a: (a not in underserved, -totals[a]))
    chosen: list[str] = []
    acc = 0.0
    for a in order:
        if acc >= share * grand:
            break
        chosen.append(a)
        acc += totals[a]
    return tuple(chosen)


def build_phases(
    specs: Sequence[PhaseSpec],
    demand: Mapping[str, Demand],
    team_of: Mapping[str, str | None],
    recommended: Sequence[str],
    pilot: Sequence[str],
    underserved: set[str],
    gates: Mapping[str, Sequence[Gate]] | None = None,
    staffer: Callable[[Mapping[str, np.ndarray], np.ndarray], PhaseStaffing] | None = None,
) -> list[Phase]:
    """Turn phase specs into concrete phases: types, areas, hours, demand in scope, teams and budget.

    `team_of` maps a type to the field team type that serves it (None for phone-only pathways such
    as the crisis line, which need no field team). `staffer` turns the in-scope demand per team
    type (calls per year by hour of week) and the open-hours mask into shifts and a budget.
    """
    all_types = [t for t in dict.fromkeys((*pilot, *recommended)) if t in demand]
    total = float(sum(demand[t].total for t in all_types))
    gates = gates or {}
    phases: list[Phase] = []
    for i, spec in enumerate(specs, start=1):
        if spec.types.startswith("pilot_plus_top:"):
            n = int(spec.types.split(":", 1)[1])
            chosen = [*pilot, *recommended[:n]]
        else:
            chosen = [*pilot, *recommended]
        types = tuple(t for t in dict.fromkeys(chosen))
        dem = [demand[t] for t in types if t in demand]
        areas = pick_areas(dem, underserved, spec.area_share) if spec.areas == "underserved_top" else None
        by_how = np.zeros(HOURS_OF_WEEK)
        per_team: dict[str, np.ndarray] = {}
        for d in dem:
            rows = np.ones(len(d.areas), dtype=bool) if areas is None else np.isin(d.areas, areas)
            counts = d.counts[rows].sum(axis=0)
            by_how += counts
            team = team_of.get(d.type_id)
            if team:
                per_team[team] = per_team.get(team, np.zeros(HOURS_OF_WEEK)) + counts
        start = best_window(by_how.reshape(7, 24).sum(axis=0), spec.daily_hours)
        mask = window_mask(start, spec.daily_hours)
        calls = float(by_how[mask].sum())
        in_scope = {t: np.where(mask, v, 0.0) for t, v in per_team.items()}
        phases.append(Phase(
            index=i, name=spec.name, types=types, areas=areas, window_start=start,
            daily_hours=spec.daily_hours, min_months=spec.min_months, calls_per_year=calls,
            share_of_eligible=calls / total if total else 0.0, demand_by_team=in_scope,
            staffing=staffer(in_scope, mask) if staffer else None,
            entry_gates=tuple(gates.get(f"phase{i}_entry", ())),
            exit_gates=tuple(gates.get(f"phase{i}_exit", ())),
        ))
    return phases
