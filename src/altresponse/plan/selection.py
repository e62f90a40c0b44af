"""Which call types to hand to alternative responders next: a transparent multi-criteria ranking.

Each candidate type is scored on six criteria (0 = worst, 1 = best among the candidates), the
scores are combined with weights from the profile, and a sensitivity analysis perturbs both the
weights (Dirichlet around the chosen weights) and the risk estimate (within its interval) to show
how often each type stays in the top k and the range of ranks it takes. A criterion the city has no
data for scores 0.5 for every type, so it cannot change the order, and the plan says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

CRITERIA: tuple[str, ...] = ("volume", "officer_time", "risk", "precedent", "readiness", "equity")
CRITERION_LABELS: dict[str, str] = {
    "volume": "Eligible calls per year",
    "officer_time": "Officer hours freed per year",
    "risk": "Low risk of a serious outcome",
    "precedent": "Peer programs taking the type",
    "readiness": "Local provider coverage",
    "equity": "Share from most underserved areas",
}
DEFAULT_WEIGHTS: dict[str, float] = {
    "volume": 0.25, "officer_time": 0.20, "risk": 0.25, "precedent": 0.10, "readiness": 0.10, "equity": 0.10,
}


@dataclass(frozen=True)
class Candidate:
    """One common incident type that the protocol could send to a non-police responder.

    Figures are per year where they are counts; None means the city's data do not support the figure.
    """

    type_id: str
    category: str
    pathway: str
    annual_calls: float | None = None
    officer_hours: float | None = None
    risk: float | None = None
    risk_lo: float | None = None
    risk_hi: float | None = None
    risk_n: int | None = None  # calls of known outcome behind the risk (the city's or reference agencies')
    peer_programs: int = 0
    readiness: float | None = None
    equity_share: float | None = None
    in_pilot: bool = False


@dataclass(frozen=True)
class RankedType:
    type_id: str
    score: float
    rank: int
    criterion_scores: dict[str, float]
    top_k_share: float
    rank_p5: int
    rank_median: int
    rank_p95: int
    recommended: bool
    reason: str


@dataclass(frozen=True)
class Ranking:
    weights: dict[str, float]
    top_k: int
    draws: int
    concentration: float
    seed: int
    rows: tuple[RankedType, ...]
    missing_criteria: tuple[str, ...] = field(default_factory=tuple)

    def recommended(self) -> list[RankedType]:
        return [r for r in self.rows if r.recommended]

    def row(self, type_id: str) -> RankedType:
        for r in self.rows:
            if r.type_id == type_id:
                return r
        raise KeyError(type_id)


def normalize_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """Weights restricted to the known criteria and scaled to sum to 1; unknown names are an error."""
    unknown = set(weights) - set(CRITERIA)
    if unknown:
        raise ValueError(f"unknown criteria in weights: {sorted(unknown)}; expected {CRITERIA}")
    w = {c: float(weights.get(c, 0.0)) for c in CRITERIA}
    if any(v < 0 for v in w.values()) or sum(w.values()) <= 0:
        raise ValueError("weights must be non-negative and not all zero")
    total = sum(w.values())
    return {c: v / total for c, v in w.items()}


def _scale_up(values: np.ndarray) -> np.ndarray:
    """Min-max to [0, 1], higher is better; a constant or all-missing column gives 0.5."""
    out = np.full(values.shape, 0.5)
    ok = ~np.isnan(values)
    if ok.sum() == 0:
        return out
    lo, hi = np.nanmin(values), np.nanmax(values)
    if hi > lo:
        out[ok] = (values[ok] - lo) / (hi - lo)
    return out


def criterion_matrix(cands: Sequence[Candidate], risk_values: np.ndarray | None = None) -> np.ndarray:
    """Scores (n types x 6 criteria) in [0, 1]; volume and officer time on a log scale (they span decades)."""
    def col(getter: str) -> np.ndarray:
        return np.array([np.nan if getattr(c, getter) is None else float(getattr(c, getter)) for c in cands])

    vol = col("annual_calls")
    hours = col("officer_hours")
    risk = col("risk") if risk_values is None else risk_values
    m = np.column_stack([
        _scale_up(np.log1p(vol)),
        _scale_up(np.log1p(hours)),
        _scale_up(-risk),
        _scale_up(np.array([float(c.peer_programs) for c in cands])),
        _scale_up(col("readiness")),
        _scale_up(col("equity_share")),
    ])
    # a missing value for one type among known others sits at the neutral midpoint
    return np.asarray(m)


def _ranks(scores: np.ndarray) -> np.ndarray:
    """1 = best; ties broken by order (stable)."""
    order = np.argsort(-scores, kind="stable")
    ranks = np.empty_like(order)
    ranks[order] = np.arange(1, len(scores) + 1)
    return ranks


def _risk_draws(cands: Sequence[Candidate], rng: np.random.Generator, draws: int) -> np.ndarray:
    """Risk values drawn within each type's interval (triangular on lo, point, hi); fixed where unknown."""
    out = np.full((draws, len(cands)), np.nan)
    for j, c in enumerate(cands):
        if c.risk is None:
            continue
        lo = c.risk if c.risk_lo is None else min(c.risk_lo, c.risk)
        hi = c.risk if c.risk_hi is None else max(c.risk_hi, c.risk)
        out[:, j] = c.risk if hi <= lo else rng.triangular(lo, c.risk, hi, size=draws)
    return out


def rank_candidates(
    cands: Sequence[Candidate],
    weights: Mapping[str, float] | None = None,
    *,
    top_k: int = 5,
    draws: int = 1000,
    concentration: float = 50.0,
    seed: int = 20260,
    max_risk: float | None = None,
    exclude_pathways: Sequence[str] = ("police", "ems", "fire"),
) -> Ranking:
    """Rank the candidates and recommend the top k that are not already in the pilot.

    `max_risk` is a hard gate on the upper end of the risk interval: a type whose 90% upper bound
    exceeds it is never recommended, however high it scores elsewhere.
    """
    if not cands:
        raise ValueError("no candidate call types to rank")
    w = normalize_weights(weights or DEFAULT_WEIGHTS)
    wv = np.array([w[c] for c in CRITERIA])
    base = criterion_matrix(cands)
    score = base @ wv
    rank = _ranks(score)

    rng = np.random.default_rng(seed)
    alpha = np.maximum(wv * concentration, 1e-3)
    wdraws = rng.dirichlet(alpha, size=draws)
    rdraws = _risk_draws(cands, rng, draws)
    # "in the top k" counts only types that could be recommended (not pilot, not police/EMS/fire,
    # within the risk tolerance), so the share answers "how often would this type be chosen?"
    selectable = np.array([
        not c.in_pilot and c.pathway not in exclude_pathways
        and not (max_risk is not None and c.risk_hi is not None and c.risk_hi > max_risk)
        for c in cands
    ])
    in_top = np.zeros(len(cands))
    rank_draws = np.empty((draws, len(cands)), dtype=int)
    risk_col = CRITERIA.index("risk")
    for d in range(draws):
        m = base.copy()
        m[:, risk_col] = criterion_matrix(cands, risk_values=rdraws[d])[:, risk_col]
        r = _ranks(m @ wdraws[d])
        rank_draws[d] = r
        if selectable.any():
            sel_scores = np.where(selectable, m @ wdraws[d], -np.inf)
            in_top += selectable & (_ranks(sel_scores) <= top_k)

    missing = tuple(
        name for name, attr in zip(CRITERIA, ("annual_calls", "officer_hours", "risk", "peer_programs",
                                               "readiness", "equity_share"), strict=True)
        if all(getattr(c, attr) is None for c in cands)
    )
    order = np.argsort(rank)
    rows = []
    chosen = 0
    for j in order:
        c = cands[j]
        reason = ""
        recommended = False
        if c.in_pilot:
            reason = "already in the pilot"
        elif c.pathway in exclude_pathways:
            reason = f"protocol sends it to {c.pathway}"
        elif max_risk is not None and c.risk_hi is not None and c.risk_hi > max_risk:
            reason = f"risk upper bound {c.risk_hi:.3f} above the tolerance {max_risk:.3f}"
        elif chosen < top_k:
            recommended = True
            chosen += 1
            reason = f"rank {int(rank[j])} overall"
        else:
            reason = f"below the top {top_k} eligible types"
        rows.append(RankedType(
            type_id=c.type_id, score=float(score[j]), rank=int(rank[j]),
            criterion_scores={name: float(base[j, i]) for i, name in enumerate(CRITERIA)},
            top_k_share=float(in_top[j] / draws),
            rank_p5=int(np.percentile(rank_draws[:, j], 5, method="lower")),
            rank_median=int(np.percentile(rank_draws[:, j], 50, method="lower")),
            rank_p95=int(np.percentile(rank_draws[:, j], 95, method="higher")),
            recommended=recommended, reason=reason,
        ))
    return Ranking(weights=w, top_k=top_k, draws=draws, concentration=concentration, seed=seed,
                   rows=tuple(rows), missing_criteria=missing)
