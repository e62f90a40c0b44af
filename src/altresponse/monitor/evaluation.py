"""Did it work? Difference-in-differences and an event study of the program's effect.

The comparison follows Dee & Pyne's evaluation of Denver's STAR program (Science Advances, 2022):
areas served in a phase are compared with areas not yet served, before and after go-live, with area
and period fixed effects. Two regressions:

- DiD: ``y[a,t] = area[a] + period[t] + beta * served[a,t] + e``, beta the average effect after go-live;
- event study: the same with one coefficient per period relative to go-live (the period before is the
  reference), so the pre-period coefficients test the parallel-trends assumption.

Standard errors are clustered by area (CR1) and intervals use a t distribution with one fewer
degree of freedom than there are areas. With few served areas they are approximate; the result
says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from altresponse.errors import BadInput

ASSUMPTIONS = (
    "Parallel trends: without the program, served and not-yet-served areas would have moved alike "
    "(checked below on the periods before go-live).",
    "No anticipation: outcomes did not change before go-live because of it.",
    "No spill-over: the program did not change outcomes in the comparison areas (a call from a "
    "comparison area answered by a served team would bias the estimate towards zero).",
    "Same timing for all served areas, or effects that do not change with time since go-live "
    "(two-way fixed effects with staggered timing can mix cohorts).",
)


@dataclass(frozen=True)
class PanelRow:
    unit: str  # area (or hour block)
    period: int  # consecutive integer periods (e.g. months since the start)
    outcome: float
    go_live: int | None  # first served period for this unit; None = never served in the window


@dataclass(frozen=True)
class EventCoefficient:
    relative_period: int
    estimate: float
    low: float
    high: float


@dataclass(frozen=True)
class EffectEstimate:
    outcome: str
    estimate: float
    se: float
    low: float
    high: float
    p_value: float
    baseline_mean: float  # served areas before go-live
    relative: float | None  # estimate / baseline_mean
    pre_trend_p: float | None  # joint test that all pre-period coefficients are zero
    pre_trend_ok: bool | None
    event: tuple[EventCoefficient, ...]
    units_served: int
    units_comparison: int
    periods: int
    significant: bool
    assumptions: tuple[str, ...] = ASSUMPTIONS
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["event"] = [e.__dict__ for e in self.event]
        d["assumptions"] = list(self.assumptions)
        d["notes"] = list(self.notes)
        return d


def _fit(y: np.ndarray, x: np.ndarray, clusters: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OLS coefficients and the CR1 cluster-robust covariance."""
    xtx_inv = np.linalg.pinv(x.T @ x)
    beta = xtx_inv @ x.T @ y
    resid = y - x @ beta
    k = np.linalg.matrix_rank(x)
    n = len(y)
    groups = np.unique(clusters)
    g = len(groups)
    meat = np.zeros((x.shape[1], x.shape[1]))
    for c in groups:
        idx = clusters == c
        s = x[idx].T @ resid[idx]
        meat += np.outer(s, s)
    scale = (g / (g - 1)) * ((n - 1) / (n - k)) if g > 1 and n > k else 1.0
    return beta, scale * xtx_inv @ meat @ xtx_inv


def _fixed_effects(units: np.ndarray, periods: np.ndarray) -> np.ndarray:
    u_levels = np.unique(units)
    p_levels = np.unique(periods)
    cols = [np.ones(len(units))]
    cols += [(units == u).astype(float) for u in u_levels[1:]]
    cols += [(periods == p).astype(float) for p in p_levels[1:]]
    return np.column_stack(cols)


def estimate_effect(
    rows: Sequence[PanelRow], outcome: str = "outcome", *, window: int = 6, alpha: float = 0.05
) -> EffectEstimate:
    """The DiD effect with its interval, and an event study over +-`window` periods to check pre-trends."""
    if not rows:
        raise BadInput("evaluation needs a panel of areas and periods; none given")
    units = np.array([r.unit for r in rows])
    periods = np.array([r.period for r in rows])
    y = np.array([r.outcome for r in rows], dtype=float)
    go = np.array([np.nan if r.go_live is None else r.go_live for r in rows], dtype=float)
    ever = ~np.isnan(go)
    served_units = set(units[ever])
    comparison_units = set(units[~ever])
    if not served_units or not comparison_units:
        raise BadInput("evaluation needs both served and not-yet-served areas")
    if len({u for u in units if u in served_units} | comparison_units) < 3:
        raise BadInput("evaluation needs at least three areas")
    served = ever & (periods >= np.nan_to_num(go, nan=np.inf))
    fe = _fixed_effects(units, periods)
    g = len(np.unique(units))
    tcrit = float(stats.t.ppf(1 - alpha / 2, max(g - 1, 1)))

    beta, cov = _fit(y, np.column_stack([fe, served.astype(float)]), units)
    est, se = float(beta[-1]), float(np.sqrt(max(cov[-1, -1], 0.0)))
    tstat = est / se if se > 0 else np.inf if est != 0 else 0.0
    p = float(2 * stats.t.sf(abs(tstat), max(g - 1, 1)))

    rel = np.where(ever, periods - np.nan_to_num(go, nan=0), 0).astype(int)
    rel = np.clip(rel, -window, window)
    ks = [k for k in range(-window, window + 1) if k != -1 and np.any(ever & (rel == k))]
    dummies = (
        np.column_stack([(ever & (rel == k)).astype(float) for k in ks]) if ks else np.zeros((len(y), 0))
    )
    ebeta, ecov = _fit(y, np.column_stack([fe, dummies]), units)
    off = fe.shape[1]
    event = []
    pre_idx = []
    for i, k in enumerate(ks):
        b, s = float(ebeta[off + i]), float(np.sqrt(max(ecov[off + i, off + i], 0.0)))
        event.append(EventCoefficient(k, b, b - tcrit * s, b + tcrit * s))
        if k < -1:
            pre_idx.append(off + i)
    pre_p: float | None = None
    notes = []
    if pre_idx:
        pre_b = ebeta[pre_idx]
        v = ecov[np.ix_(pre_idx, pre_idx)]
        wald = float(pre_b @ np.linalg.pinv(v) @ pre_b)
        q = len(pre_idx)
        # F form with cluster degrees of freedom (small-sample correction of the Wald test)
        df2 = max(g - 1, 1)
        pre_p = float(stats.f.sf(wald / q, q, df2))
    else:
        notes.append("no periods before go-live beyond the reference: pre-trends cannot be checked")
    if len(served_units) < 6:
        notes.append(f"only {len(served_units)} served areas: cluster-robust intervals are approximate")
    baseline = y[ever & ~served]
    base_mean = float(baseline.mean()) if baseline.size else float("nan")
    return EffectEstimate(
        outcome=outcome,
        estimate=est,
        se=se,
        low=est - tcrit * se,
        high=est + tcrit * se,
        p_value=p,
        baseline_mean=base_mean,
        relative=est / base_mean if base_mean not in (0.0,) and np.isfinite(base_mean) else None,
        pre_trend_p=pre_p,
        pre_trend_ok=None if pre_p is None else pre_p >= alpha,
        event=tuple(event),
        units_served=len(served_units),
        units_comparison=len(comparison_units),
        periods=len(np.unique(periods)),
        significant=p < alpha,
        notes=tuple(notes),
    )


def simulate_panel(
    *,
    units: int = 30,
    served: int = 12,
    periods: int = 24,
    go_live: int = 12,
    effect: float = 0.0,
    noise: float = 1.0,
    trend_gap: float = 0.0,
    seed: int = 0,
) -> list[PanelRow]:
    """A synthetic panel with a known effect, to show the estimator recovers it (and finds none at 0).

    Area and period effects are random; `trend_gap` adds a differential pre-trend to served areas
    (a violation of parallel trends the pre-trend test should catch).
    """
    rng = np.random.default_rng(seed)
    area_fe = rng.normal(20, 5, units)
    period_fe = rng.normal(0, 2, periods) + np.linspace(0, 3, periods)
    out = []
    for a in range(units):
        is_served = a < served
        for t in range(periods):
            y = area_fe[a] + period_fe[t] + rng.normal(0, noise)
            if is_served:
                y += trend_gap * t
                if t >= go_live:
                    y += effect
            out.append(PanelRow(f"area{a:02d}", t, float(y), go_live if is_served else None))
    return out
