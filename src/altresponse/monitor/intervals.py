"""Intervals for estimates: Wilson score for shares, order statistics for percentiles."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

SMALL_COUNT = 10  # a figure resting on fewer records than this is flagged
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Estimate:
    """A figure with its 95% interval (None where it is an exact count) and its base count."""

    value: float | None
    n: int
    low: float | None = None
    high: float | None = None
    small: bool = False
    unit: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "value": self.value,
            "n": self.n,
            "low": self.low,
            "high": self.high,
            "small_count": self.small,
            "unit": self.unit,
        }


def count(n: int) -> Estimate:
    return Estimate(float(n), n, small=0 < n < SMALL_COUNT, unit="calls")


def share(k: int, n: int) -> Estimate:
    """k of n with a Wilson 95% interval; no value when n is 0."""
    if n <= 0:
        return Estimate(None, 0, small=True, unit="share")
    if not 0 <= k <= n:
        raise ValueError(f"share of {k} in {n}: the part must lie between 0 and the whole")
    p = k / n
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return Estimate(
        p, n, max(0.0, centre - half), min(1.0, centre + half), small=n < SMALL_COUNT, unit="share"
    )


def percentile(values: Sequence[float], q: float, unit: str = "minutes") -> Estimate:
    """The q-th quantile (0..1) with a distribution-free 95% interval from order statistics."""
    v = sorted(values)
    n = len(v)
    if n == 0:
        return Estimate(None, 0, small=True, unit=unit)
    pos = q * (n - 1)
    lo_i, hi_i = math.floor(pos), math.ceil(pos)
    value = v[lo_i] + (v[hi_i] - v[lo_i]) * (pos - lo_i)
    half = Z95 * math.sqrt(n * q * (1 - q))
    lo_rank = max(0, math.floor(n * q - half) - 1)
    hi_rank = min(n - 1, math.ceil(n * q + half))
    return Estimate(value, n, v[lo_rank], v[hi_rank], small=n < SMALL_COUNT, unit=unit)


def rate(k: int, n: int, per: float = 1.0) -> Estimate:
    """k events over n exposures (Poisson 95% interval on k, approximate for k >= 1)."""
    if n <= 0:
        return Estimate(None, 0, small=True, unit="rate")
    lo = 0.0 if k == 0 else (math.sqrt(k) - Z95 / 2) ** 2
    hi = (math.sqrt(k + 1) + Z95 / 2) ** 2
    return Estimate(per * k / n, n, per * max(lo, 0.0) / n, per * hi / n, small=n < SMALL_COUNT, unit="rate")
