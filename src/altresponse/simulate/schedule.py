"""Cheapest weekly set of team shifts that covers an hourly requirement (integer program, HiGHS).

Variables: how many teams start a shift of length L (8, 10 or 12 h) at each allowed hour of the
week. Constraints: in every hour of the week, teams on shift >= the (fractional) requirement. The
week wraps, so a Sunday 22:00 shift covers Monday's early hours. Rounding happens only here, in
the integer program; the LP relaxation is reported as a lower bound.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np

HOURS_PER_WEEK = 168


@dataclass(frozen=True)
class ShiftPlan:
    """Shifts chosen for one team type: (start hour of week, length h, teams) and the coverage they give."""

    shifts: tuple[tuple[int, int, int], ...]
    coverage: np.ndarray  # teams on shift per hour of week
    requirement: np.ndarray
    team_hours_per_week: float
    cost_per_week: float
    lp_bound_cost: float
    status: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "shifts": [
                {
                    "start_hour_of_week": s,
                    "day": DAY_NAMES[s // 24],
                    "start": f"{s % 24:02d}:00",
                    "length_h": length,
                    "teams": n,
                }
                for s, length, n in self.shifts
            ],
            "coverage_by_hour_of_week": self.coverage.astype(int).tolist(),
            "requirement_by_hour_of_week": [round(float(v), 3) for v in self.requirement],
            "team_hours_per_week": self.team_hours_per_week,
            "cost_per_week": round(self.cost_per_week, 2),
            "lp_bound_cost_per_week": round(self.lp_bound_cost, 2),
            "status": self.status,
        }

    def weekly_intervals(self) -> list[tuple[float, float]]:
        """One (start, end) seconds-of-week interval per team-shift, for the simulation."""
        out = []
        for s, length, n in self.shifts:
            out += [(s * 3600.0, (s + length) * 3600.0)] * n
        return out


def _quiet_highs() -> highspy.Highs:
    """A solver instance without the licence banner HiGHS writes to file descriptor 1 on creation
    (it would break the `--json` contract that the last stdout line is the JSON object)."""
    import os
    import sys

    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
    return h


DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def schedule_shifts(
    requirement: Sequence[float] | np.ndarray,
    *,
    lengths_h: Sequence[int] = (8, 10, 12),
    start_hours: Sequence[int] = tuple(range(24)),
    cost_per_team_hour: float = 1.0,
    length_premium: Mapping[int, float] | None = None,
    time_limit_s: float = 30.0,
) -> ShiftPlan:
    """Solve the covering integer program; `length_premium[L]` multiplies the hourly cost of L-hour shifts."""
    req = np.maximum(np.asarray(requirement, dtype=float), 0.0)
    if req.shape != (HOURS_PER_WEEK,):
        raise ValueError(f"requirement must have 168 hourly values, got {req.shape}")
    premium = dict(length_premium or {})
    columns: list[tuple[int, int]] = [
        (day * 24 + h, length) for length in lengths_h for day in range(7) for h in sorted(set(start_hours))
    ]
    if req.max() <= 0:
        return ShiftPlan((), np.zeros(HOURS_PER_WEEK), req, 0.0, 0.0, 0.0, "empty")
    costs = np.array([length * cost_per_team_hour * premium.get(length, 1.0) for _, length in columns])
    # a tiny charge per shift breaks ties toward fewer, longer shifts (a simpler roster, same team-hours)
    objective = costs + 1e-3 * cost_per_team_hour
    starts, index = [0], []
    for s, length in columns:
        index += [(s + k) % HOURS_PER_WEEK for k in range(length)]
        starts.append(len(index))

    def solve(integer: bool) -> tuple[np.ndarray, str, float]:
        h = _quiet_highs()
        h.setOptionValue("time_limit", float(time_limit_s))
        h.setOptionValue("mip_rel_gap", 1e-6)
        lp = highspy.HighsLp()
        lp.num_col_ = len(columns)
        lp.num_row_ = HOURS_PER_WEEK
        lp.col_cost_ = objective
        lp.col_lower_ = np.zeros(len(columns))
        lp.col_upper_ = np.full(len(columns), highspy.kHighsInf)
        lp.row_lower_ = req
        lp.row_upper_ = np.full(HOURS_PER_WEEK, highspy.kHighsInf)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
        lp.a_matrix_.value_ = np.ones(len(index))
        if integer:
            lp.integrality_ = [highspy.HighsVarType.kInteger] * len(columns)
        h.passModel(lp)
        h.run()
        status = h.modelStatusToString(h.getModelStatus())
        x = np.array(h.getSolution().col_value)
        return x, status, float(h.getInfo().objective_function_value)

    x_lp, _, _ = solve(False)
    lp_cost = float(costs @ x_lp)
    x, status, _ = solve(True)
    counts = np.rint(x).astype(int)
    chosen = tuple(
        sorted((s, length, int(n)) for (s, length), n in zip(columns, counts, strict=True) if n > 0)
    )
    coverage = np.zeros(HOURS_PER_WEEK)
    for s, length, n in chosen:
        for k in range(length):
            coverage[(s + k) % HOURS_PER_WEEK] += n
    team_hours = float(sum(length * n for _, length, n in chosen))
    cost = float(sum(length * n * cost_per_team_hour * premium.get(length, 1.0) for _, length, n in chosen))
    return ShiftPlan(chosen, coverage, req, team_hours, cost, lp_cost, status)
