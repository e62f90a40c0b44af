"""Empirical-Bayes beta-binomial risk per call type and risk-tolerance scenarios.

Model: for type j with n_j calls of known outcome and k_j serious outcomes,
k_j ~ Binomial(n_j, p_j) and p_j ~ Beta(alpha, beta). alpha and beta are fitted by maximising the
beta-binomial marginal likelihood over all types (empirical Bayes), so the amount of shrinkage is
learned from the city's own data: a type with 5 calls moves most of the way to the city-wide
mean, a type with 5,000 barely moves. The posterior Beta(alpha + k_j, beta + n_j - k_j) gives the
shrunk rate (posterior mean) and an equal-tailed interval.

Scenarios follow Midgette et al. (Justice Quarterly, 2024): a call type is eligible for a civilian
response when its risk is below a tolerance threshold. Uncertainty in which types clear the
threshold comes from posterior draws of every type's risk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
from scipy import optimize, special, stats

from altresponse.facts import SAFETY_OUTCOMES_DEFAULT

DEFAULT_SERIOUS_CLASSES: tuple[str, ...] = SAFETY_OUTCOMES_DEFAULT
"""Disposition classes that count as a serious outcome by default (`facts.SAFETY_OUTCOMES_DEFAULT`)."""

UNKNOWN_OUTCOME_CLASSES: tuple[str, ...] = ("unknown",)
"""Disposition classes that say nothing about the outcome; such calls are left out of n."""

_JEFFREYS = (0.5, 0.5)
_BOUNDS = (np.log(1e-3), np.log(1e5))


def serious_outcome(
    disposition_class: np.ndarray | Sequence[str],
    serious_classes: Sequence[str] = DEFAULT_SERIOUS_CLASSES,
) -> tuple[np.ndarray, np.ndarray]:
    """Return (serious, known) boolean arrays from normalized disposition classes.

    `known` is False for dispositions that carry no outcome (``unknown``); those calls must not
    count as 'not serious', or missing data would look like safety.
    """
    disp = np.asarray(disposition_class, dtype=object)
    serious = np.isin(disp, np.asarray(list(serious_classes), dtype=object))
    known = ~np.isin(disp, np.asarray(UNKNOWN_OUTCOME_CLASSES, dtype=object)) & (disp != None)  # noqa: E711
    return serious & known, known


def _neg_marginal_loglik(log_ab: np.ndarray, n: np.ndarray, k: np.ndarray) -> float:
    a, b = np.exp(log_ab)
    return -float(np.sum(special.betaln(k + a, n - k + b) - special.betaln(a, b)))


def fit_beta_prior(n: np.ndarray, k: np.ndarray) -> tuple[float, float, str]:
    """Fit Beta(alpha, beta) to per-type counts by maximum marginal likelihood.

    Returns (alpha, beta, method). With fewer than 3 types carrying data the prior cannot be
    learned and the Jeffreys prior Beta(0.5, 0.5) is used instead (method says which).
    """
    n = np.asarray(n, dtype=float)
    k = np.asarray(k, dtype=float)
    use = n > 0
    if use.sum() < 3:
        return _JEFFREYS[0], _JEFFREYS[1], "jeffreys"
    n, k = n[use], k[use]
    # Method-of-moments start on the pooled mean with a moderate prior size.
    mean = float(np.clip(k.sum() / n.sum(), 1e-3, 1 - 1e-3))
    start = np.log([mean * 4.0, (1 - mean) * 4.0])
    start = np.clip(start, _BOUNDS[0] + 0.1, _BOUNDS[1] - 0.1)
    res = optimize.minimize(
        _neg_marginal_loglik, start, args=(n, k), method="L-BFGS-B", bounds=[_BOUNDS, _BOUNDS]
    )
    a, b = np.exp(res.x)
    return float(a), float(b), "empirical_bayes"


@dataclass(frozen=True)
class RiskTable:
    """Risk per type: counts, raw rate, shrunk rate and interval, plus the fitted prior."""

    type_ids: np.ndarray
    n: np.ndarray
    k: np.ndarray
    raw: np.ndarray
    shrunk: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    alpha: float
    beta: float
    level: float = 0.90
    method: str = "empirical_bayes"
    serious_classes: tuple[str, ...] = DEFAULT_SERIOUS_CLASSES
    _index: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._index.update({str(t): i for i, t in enumerate(self.type_ids)})

    def __len__(self) -> int:
        return len(self.type_ids)

    def row(self, type_id: str) -> dict[str, Any]:
        """One type's figures as a dict (KeyError for a type the table has not seen)."""
        i = self._index[type_id]
        return {
            "type": str(self.type_ids[i]), "n": int(self.n[i]), "k": int(self.k[i]),
            "raw": None if self.n[i] == 0 else float(self.raw[i]),
            "shrunk": float(self.shrunk[i]), "lo": float(self.lo[i]), "hi": float(self.hi[i]),
        }

    def posterior_draws(self, draws: int, rng: np.random.Generator) -> np.ndarray:
        """(draws x types) samples of each type's risk from its posterior."""
        a = self.alpha + self.k
        b = self.beta + self.n - self.k
        return rng.beta(a[None, :], b[None, :], size=(draws, len(self.type_ids)))

    def to_records(self) -> list[dict[str, Any]]:
        return [self.row(str(t)) for t in self.type_ids]

    def to_arrow(self) -> pa.Table:
        return pa.table({
            "type": pa.array([str(t) for t in self.type_ids], pa.string()),
            "n": pa.array(self.n.astype(np.int64)),
            "k": pa.array(self.k.astype(np.int64)),
            "raw": pa.array(np.where(self.n > 0, self.raw, np.nan)),
            "shrunk": pa.array(self.shrunk),
            "lo": pa.array(self.lo),
            "hi": pa.array(self.hi),
        })

    def prior(self) -> dict[str, Any]:
        return {"alpha": self.alpha, "beta": self.beta, "mean": self.alpha / (self.alpha + self.beta),
                "method": self.method, "level": self.level, "serious_classes": list(self.serious_classes)}


def estimate_type_risk_from_counts(
    type_ids: Sequence[str] | np.ndarray,
    n: Sequence[int] | np.ndarray,
    k: Sequence[int] | np.ndarray,
    *,
    level: float = 0.90,
    serious_classes: Sequence[str] = DEFAULT_SERIOUS_CLASSES,
) -> RiskTable:
    """Shrunk risk per type from aggregated counts (the fast path for millions of calls)."""
    types = np.asarray([str(t) for t in type_ids], dtype=object)
    n_arr = np.asarray(n, dtype=float)
    k_arr = np.asarray(k, dtype=float)
    if n_arr.shape != k_arr.shape or n_arr.shape != types.shape:
        raise ValueError("type_ids, n and k must have the same length")
    if np.any(k_arr < 0) or np.any(k_arr > n_arr):
        raise ValueError("counts must satisfy 0 <= k <= n")
    alpha, beta, method = fit_beta_prior(n_arr, k_arr)
    post_a = alpha + k_arr
    post_b = beta + n_arr - k_arr
    tail = (1.0 - level) / 2.0
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = np.where(n_arr > 0, k_arr / np.where(n_arr > 0, n_arr, 1), np.nan)
    return RiskTable(
        type_ids=types, n=n_arr, k=k_arr, raw=raw,
        shrunk=post_a / (post_a + post_b),
        lo=stats.beta.ppf(tail, post_a, post_b),
        hi=stats.beta.ppf(1.0 - tail, post_a, post_b),
        alpha=alpha, beta=beta, level=level, method=method, serious_classes=tuple(serious_classes),
    )


def estimate_type_risk(
    type_ids: np.ndarray | Sequence[str],
    serious: np.ndarray | Sequence[bool],
    *,
    known: np.ndarray | Sequence[bool] | None = None,
    level: float = 0.90,
    serious_classes: Sequence[str] = DEFAULT_SERIOUS_CLASSES,
) -> RiskTable:
    """Shrunk risk per type from one row per call.

    `serious` marks calls that ended in a serious outcome; `known` (default all True) marks calls
    whose outcome is known. Calls of unknown outcome still name their type (n = 0 is allowed and
    gives the prior) but add nothing to n or k.
    """
    ids = np.asarray(type_ids, dtype=object)
    ser = np.asarray(serious, dtype=bool)
    kn = np.ones(len(ids), dtype=bool) if known is None else np.asarray(known, dtype=bool)
    if not (len(ids) == len(ser) == len(kn)):
        raise ValueError("type_ids, serious and known must have the same length")
    uniq, inverse = np.unique(ids.astype(str), return_inverse=True)
    n = np.bincount(inverse, weights=kn.astype(float), minlength=len(uniq))
    k = np.bincount(inverse, weights=(ser & kn).astype(float), minlength=len(uniq))
    return estimate_type_risk_from_counts(uniq, n, k, level=level, serious_classes=serious_classes)


@dataclass(frozen=True)
class ScenarioResult:
    """One tolerance threshold: share of calls eligible for civilians and the accepted error."""

    threshold: float
    eligible_calls: int
    total_calls: int
    share: float
    share_lo: float
    share_hi: float
    accepted_error: float | None
    accepted_error_lo: float | None
    accepted_error_hi: float | None
    eligible_types: tuple[str, ...]
    level: float = 0.90
    draws: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold, "eligible_calls": self.eligible_calls,
            "total_calls": self.total_calls,
            "share": self.share, "lo": self.share_lo, "hi": self.share_hi,
            "accepted_error": self.accepted_error, "accepted_error_lo": self.accepted_error_lo,
            "accepted_error_hi": self.accepted_error_hi, "eligible_types": list(self.eligible_types),
            "level": self.level, "draws": self.draws,
        }


def tolerance_scenarios(
    risk: RiskTable,
    volume_by_type: dict[str, int] | None = None,
    *,
    thresholds: Sequence[float] = (0.02, 0.05, 0.10, 0.20),
    candidate_types: Sequence[str] | None = None,
    draws: int = 2000,
    seed: int = 20240130,
) -> list[ScenarioResult]:
    """Share of calls a civilian response could take at each risk tolerance.

    `volume_by_type` counts the calls in scope (e.g. community-initiated) per type, including
    calls of unknown outcome; it defaults to the risk table's n. Only `candidate_types` (default:
    all) may become eligible; the rest stay with police/EMS/fire whatever their risk (a medical
    emergency has low crime risk but needs EMS). A type is eligible when its risk is below the
    threshold: the point estimate uses the shrunk rate, the interval the posterior draws.
    The accepted error is the share of eligible calls (with known outcome) that ended serious.
    """
    types = [str(t) for t in risk.type_ids]
    if volume_by_type is None:
        vol = risk.n.astype(float)
        total = float(vol.sum())
    else:  # types missing from the risk table count in the total but can never become eligible
        vol = np.array([float(volume_by_type.get(t, 0)) for t in types], dtype=float)
        total = float(sum(volume_by_type.values()))
    allowed = np.ones(len(types), dtype=bool)
    if candidate_types is not None:
        cand = set(candidate_types)
        allowed = np.array([t in cand for t in types], dtype=bool)
    rng = np.random.default_rng(seed)
    sample = risk.posterior_draws(draws, rng) if draws > 0 and len(types) else np.empty((0, len(types)))
    tail = (1.0 - risk.level) / 2.0
    out: list[ScenarioResult] = []
    for t in thresholds:
        elig = allowed & (risk.shrunk < t)
        share = float(vol[elig].sum() / total) if total > 0 else 0.0
        err = _accepted_error(risk, elig)
        share_lo = share_hi = share
        err_lo: float | None = err
        err_hi: float | None = err
        if sample.shape[0] > 0 and total > 0:
            elig_draws = allowed[None, :] & (sample < t)
            shares = (elig_draws * vol[None, :]).sum(axis=1) / total
            share_lo, share_hi = (float(x) for x in np.quantile(shares, [tail, 1 - tail]))
            # Thresholding is not linear, so the point (shrunk-rate) estimate can sit just outside the
            # draws' range; the reported interval always contains it.
            share_lo, share_hi = min(share_lo, share), max(share_hi, share)
            n_el = (elig_draws * risk.n[None, :]).sum(axis=1)
            k_el = (elig_draws * risk.k[None, :]).sum(axis=1)
            ok = n_el > 0
            if ok.any():
                errs = k_el[ok] / n_el[ok]
                err_lo, err_hi = (float(x) for x in np.quantile(errs, [tail, 1 - tail]))
                if err is not None:
                    err_lo, err_hi = min(err_lo, err), max(err_hi, err)
            else:
                err_lo = err_hi = None
        out.append(ScenarioResult(
            threshold=float(t), eligible_calls=int(vol[elig].sum()), total_calls=int(total),
            share=share, share_lo=share_lo, share_hi=share_hi,
            accepted_error=err, accepted_error_lo=err_lo, accepted_error_hi=err_hi,
            eligible_types=tuple(sorted(np.asarray(types, dtype=object)[elig].tolist())),
            level=risk.level, draws=int(sample.shape[0]),
        ))
    return out


def _accepted_error(risk: RiskTable, eligible: np.ndarray) -> float | None:
    n = float(risk.n[eligible].sum())
    return float(risk.k[eligible].sum() / n) if n > 0 else None
