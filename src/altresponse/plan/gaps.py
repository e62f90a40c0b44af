"""Provider gaps: for each recommended call type, who can take it, and where and when nobody can.

Demand is a matrix of calls per year by area (rows) and hour of week (168 columns, Monday 00:00
local = 0). A service covers a cell when it takes the type, serves the area and is open that hour.
Uncovered demand is the gap the plan must fill (a new team, a longer schedule, or an agreement).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

HOURS_OF_WEEK = 168
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class ServiceCover:
    """What one directory service offers, reduced to what the gap analysis needs.

    `areas` None means the whole city; `hours` is a 168-long boolean mask of opening hours.
    """

    id: str
    name: str
    organization: str
    types: frozenset[str]
    hours: np.ndarray
    areas: frozenset[str] | None = None
    teams: int | None = None
    coordinated_entry: bool = False
    example: bool = True
    responds: bool = True  # False for referral-only services: they take the type but send nobody

    def covers(self, area_names: Sequence[str]) -> np.ndarray:
        """Boolean matrix (areas x 168) of the cells this service covers."""
        in_area = np.array([self.areas is None or a in self.areas for a in area_names], dtype=bool)
        return np.outer(in_area, np.asarray(self.hours, dtype=bool))


@dataclass(frozen=True)
class Demand:
    """Calls per year of one type by area x hour of week."""

    type_id: str
    areas: tuple[str, ...]
    counts: np.ndarray  # shape (len(areas), 168)

    @property
    def total(self) -> float:
        return float(self.counts.sum())


@dataclass(frozen=True)
class TypeGap:
    type_id: str
    services: tuple[str, ...]
    demand: float
    covered: float
    gap: float
    gap_by_area: tuple[tuple[str, float], ...]
    gap_by_hour: np.ndarray
    uncovered_hours: int

    @property
    def covered_share(self) -> float:
        return self.covered / self.demand if self.demand > 0 else 0.0


def hours_mask(days: Sequence[int], opens: int, closes: int) -> np.ndarray:
    """168-long mask for the given weekdays (0 = Monday) open from `opens` to `closes` o'clock.

    closes <= opens wraps past midnight; opens == closes == 0 means 24 hours.
    """
    mask = np.zeros(HOURS_OF_WEEK, dtype=bool)
    span = 24 if opens == closes else (closes - opens) % 24
    for d in days:
        for h in range(span):
            mask[(d * 24 + opens + h) % HOURS_OF_WEEK] = True
    return mask


def type_gap(demand: Demand, services: Sequence[ServiceCover]) -> TypeGap:
    """Cells of demand that no service taking the type covers."""
    taking = [s for s in services if demand.type_id in s.types]
    covered_mask = np.zeros_like(demand.counts, dtype=bool)
    for s in taking:
        if not s.responds:
            continue
        covered_mask |= s.covers(demand.areas)
    gap_cells = np.where(covered_mask, 0.0, demand.counts)
    by_area = sorted(
        ((a, float(v)) for a, v in zip(demand.areas, gap_cells.sum(axis=1), strict=True) if v > 0),
        key=lambda t: -t[1],
    )
    any_open = covered_mask.any(axis=0)
    return TypeGap(
        type_id=demand.type_id, services=tuple(s.name for s in taking), demand=demand.total,
        covered=float(demand.counts[covered_mask].sum()), gap=float(gap_cells.sum()),
        gap_by_area=tuple(by_area), gap_by_hour=gap_cells.sum(axis=0),
        uncovered_hours=int((~any_open).sum()) if taking else HOURS_OF_WEEK,
    )


def coordinated_entry(services: Sequence[ServiceCover]) -> ServiceCover | None:
    """The homelessness coordinated entry point, or None (the plan then flags it missing)."""
    for s in services:
        if s.coordinated_entry:
            return s
    return None


def hour_label(how: int) -> str:
    return f"{DAY_NAMES[how // 24]} {how % 24:02d}:00"
