"""Phased roll-out: which types, areas and hours go live first, with teams, budget and gates.

Phase 1 starts where peers learned to start (Durham: the beats densest in eligible calls; Portland
and B-HEARD: hours matter as much as rules): the most underserved high-demand areas during the
daily window holding the most eligible calls. Phase 2 goes citywide over a longer window. Phase 3
runs around the clock. Team needs per hour come from the staffing model for the whole eligible
demand and are scaled to each phase's share of that demand in that hour.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from altresponse.plan.gaps import HOURS_OF_WEEK, Demand


@dataclass(frozen=True)
class CostRange:
    """Cost per team-hour (USD) with its spread and where it comes from."""

    p5: float
    p50: float
    p95: float
    source: str
    startup_per_team: float = 0.0


@dataclass(frozen=True)
class PhaseSpec:
    """One phase as configured in the profile `plan.phases`."""

    name: str
    types: str  # "pilot_plus_top:N" | "recommended"
    areas: str  # "underserved_top" | "citywide"
    daily_hours: int  # 24 = around the clock
    start_month: int
    duration_months: int
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
class Phase:
    index: int
    name: str
    types: tuple[str, ...]
    areas: tuple[str, ...] | None  # None = citywide
    window_start: int  # local hour the daily window opens
    daily_hours: int
    start_month: int
    duration_months: int
    calls_per_year: float
    share_of_eligible: float
    team_hours_per_week: float
    peak_teams: int
    shifts: tuple[tuple[int, int, int], ...]  # (start hour of week, length h, teams)
    budget_p5: float
    budget_p50: float
    budget_p95: float
    startup: float
    entry_gates: tuple[Gate, ...] = field(default_factory=tuple)
    exit_gates: tuple[Gate, ...] = field(default_factory=tuple)

    @property
    def hours_label(self) -> str:
        if self.daily_hours >= 24:
            return "24/7"
        end = (self.window_start + self.daily_hours) % 24
        return f"{self.window_start:02d}:00-{end:02d}:00 daily"


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
    recommended: Sequence[str],
    pilot: Sequence[str],
    underserved: set[str],
    teams_per_hour: np.ndarray,
    cost: CostRange,
    gates: Mapping[str, Sequence[Gate]] | None = None,
    scheduler: Callable[[np.ndarray], Any] | None = None,
) -> list[Phase]:
    """Turn phase specs into concrete phases with demand covered, teams, shifts and budget.

    `teams_per_hour` (168) is what the whole eligible demand of the recommended and pilot types
    needs; each phase needs it in proportion to the demand it takes on in each hour.
    """
    all_types = [t for t in (*pilot, *recommended) if t in demand]
    total_by_how = sum((demand[t].counts.sum(axis=0) for t in all_types), np.zeros(HOURS_OF_WEEK))
    total = float(total_by_how.sum())
    gates = gates or {}
    if scheduler is None:
        from altresponse.simulate.schedule import schedule_shifts

        scheduler = schedule_shifts
    phases: list[Phase] = []
    for i, spec in enumerate(specs, start=1):
        if spec.types.startswith("pilot_plus_top:"):
            n = int(spec.types.split(":", 1)[1])
            types = tuple(dict.fromkeys([*pilot, *recommended[:n]]))
        else:
            types = tuple(dict.fromkeys([*pilot, *recommended]))
        types = tuple(t for t in types if t in demand) or types
        dem = [demand[t] for t in types if t in demand]
        areas = pick_areas(dem, underserved, spec.area_share) if spec.areas == "underserved_top" else None
        by_how = np.zeros(HOURS_OF_WEEK)
        for d in dem:
            rows = np.ones(len(d.areas), dtype=bool) if areas is None else np.isin(d.areas, areas)
            by_how += d.counts[rows].sum(axis=0)
        by_hod = by_how.reshape(7, 24).sum(axis=0)
        start = best_window(by_hod, spec.daily_hours)
        mask = window_mask(start, spec.daily_hours)
        calls = float(by_how[mask].sum())
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = np.where(total_by_how > 0, by_how / total_by_how, 0.0)
        need = np.where(mask, teams_per_hour * frac, 0.0)
        need = np.where(mask & (need > 0), np.maximum(need, 1.0), need)  # a window that is open has a team
        plan = scheduler(need)
        shifts = tuple(plan.shifts)
        team_hours = float(plan.team_hours_per_week)
        peak = int(np.max(plan.coverage)) if len(shifts) else 0
        teams_needed = peak
        year_hours = team_hours * 52
        phases.append(Phase(
            index=i, name=spec.name, types=types, areas=areas, window_start=start,
            daily_hours=spec.daily_hours, start_month=spec.start_month, duration_months=spec.duration_months,
            calls_per_year=calls, share_of_eligible=calls / total if total > 0 else 0.0,
            team_hours_per_week=team_hours, peak_teams=max(peak, teams_needed), shifts=shifts,
            budget_p5=year_hours * cost.p5, budget_p50=year_hours * cost.p50,
            budget_p95=year_hours * cost.p95,
            startup=cost.startup_per_team * max(peak, teams_needed),
            entry_gates=tuple(gates.get(f"phase{i}_entry", ())),
            exit_gates=tuple(gates.get(f"phase{i}_exit", ())),
        ))
    return phases
