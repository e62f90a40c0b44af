"""Estimates with intervals: the one shape every partner figure comes in (value, low, high, source)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from scipy import stats

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Estimate:
    """A figure with a 95% interval (or a stated range), how it was made and from what."""

    value: float
    low: float
    high: float
    unit: str
    method: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for k in ("value", "low", "high"):
            out[k] = round(out[k], 2)
        return out

    def scaled(self, factor: float, unit: str, method_note: str, source: str | None = None) -> Estimate:
        return Estimate(
            self.value * factor,
            self.low * factor,
            self.high * factor,
            unit,
            f"{self.method}; {method_note}",
            source or self.source,
        )


def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact binomial interval for k successes in n trials."""
    if n <= 0:
        return 0.0, 1.0
    alpha = 1 - confidence
    low = 0.0 if k == 0 else float(stats.beta.ppf(alpha / 2, k, n - k + 1))
    high = 1.0 if k == n else float(stats.beta.ppf(1 - alpha / 2, k + 1, n - k))
    return low, high


def poisson_interval(k: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood) interval for a Poisson count."""
    alpha = 1 - confidence
    low = 0.0 if k == 0 else float(stats.chi2.ppf(alpha / 2, 2 * k) / 2)
    high = float(stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2)
    return low, high


def ratio_interval(numerator: int, share_k: int, share_n: int) -> tuple[float, float, float]:
    """numerator / (share_k / share_n), with a 95% interval from both the count and the share.

    Log-scale delta method: var(log N) ~ 1/N, var(log p) ~ (1-p)/(n p).
    """
    if share_k <= 0 or numerator <= 0:
        return 0.0, 0.0, math.inf
    p = share_k / share_n
    value = numerator / p
    se = math.sqrt(1 / numerator + (1 - p) / (share_n * p))
    return value, value * math.exp(-Z95 * se), value * math.exp(Z95 * se)
