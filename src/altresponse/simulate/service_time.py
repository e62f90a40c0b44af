"""Service-time models: travel and on-scene time per common incident type.

Each sample of durations is fitted with three candidate families (lognormal, gamma, exponential,
all with location 0); the one with the lowest AIC is kept, and its goodness of fit is checked with
Kolmogorov-Smirnov and Anderson-Darling statistics so a poor fit is visible, not hidden. Types with
too few observations borrow their category's fit, then the pooled fit, then a published default.
No I/O here: callers pass arrays.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from altresponse.facts import BUSY_CAP_HOURS

FAMILIES: tuple[str, ...] = ("lognormal", "gamma", "exponential")
MIN_OBSERVATIONS = 30
MAX_PLAUSIBLE_S = BUSY_CAP_HOURS * 3600.0  # longer durations are CAD artefacts (calls left open)


@dataclass(frozen=True)
class Distribution:
    """A positive duration distribution in seconds, with where it came from and how well it fits."""

    family: str
    params: tuple[float, ...]
    source: str
    n: int = 0
    aic: Mapping[str, float] = field(default_factory=dict)
    ks_stat: float | None = None
    ks_p: float | None = None
    ad_stat: float | None = None

    def frozen(self) -> Any:
        if self.family == "lognormal":
            sigma, scale = self.params
            return stats.lognorm(sigma, loc=0.0, scale=scale)
        if self.family == "gamma":
            shape, scale = self.params
            return stats.gamma(shape, loc=0.0, scale=scale)
        if self.family == "exponential":
            (scale,) = self.params
            return stats.expon(loc=0.0, scale=scale)
        raise ValueError(f"unknown family {self.family!r}")

    @property
    def mean_s(self) -> float:
        return float(self.frozen().mean())

    @property
    def median_s(self) -> float:
        return float(self.frozen().median())

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw durations in seconds, capped at the plausibility limit so one draw cannot stall a team."""
        if self.family == "lognormal":
            sigma, scale = self.params
            out = rng.lognormal(math.log(scale), sigma, size)
        elif self.family == "gamma":
            shape, scale = self.params
            out = rng.gamma(shape, scale, size)
        else:
            out = rng.exponential(self.params[0], size)
        return np.minimum(out, MAX_PLAUSIBLE_S)

    def scaled(self, factor: float, source_note: str) -> Distribution:
        """The same shape with every duration multiplied by `factor` (e.g. alternative teams stay longer)."""
        if self.family == "exponential":
            params: tuple[float, ...] = (self.params[0] * factor,)
        else:
            params = (self.params[0], self.params[1] * factor)
        return Distribution(
            self.family,
            params,
            f"{self.source}; {source_note}",
            self.n,
            self.aic,
            self.ks_stat,
            self.ks_p,
            self.ad_stat,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "params": list(self.params),
            "source": self.source,
            "n": self.n,
            "mean_min": round(self.mean_s / 60, 2),
            "median_min": round(self.median_s / 60, 2),
            "aic": {k: round(v, 1) for k, v in self.aic.items()},
            "ks_stat": None if self.ks_stat is None else round(self.ks_stat, 4),
            "ks_p": None if self.ks_p is None else float(f"{self.ks_p:.3g}"),
            "ad_stat": None if self.ad_stat is None else round(self.ad_stat, 3),
        }


def lognormal_from_mean(mean_s: float, sigma: float, source: str) -> Distribution:
    """A lognormal with a given mean: the form published figures usually come in."""
    scale = mean_s / math.exp(sigma * sigma / 2)
    return Distribution("lognormal", (sigma, scale), source)


def clean_durations(values: np.ndarray) -> np.ndarray:
    """Keep positive, finite durations below the plausibility limit."""
    v = np.asarray(values, dtype=float)
    return v[np.isfinite(v) & (v > 0) & (v <= MAX_PLAUSIBLE_S)]


def anderson_darling(sorted_x: np.ndarray, cdf: Any) -> float:
    """A-D statistic of a sample against a fitted CDF (parameters estimated, so read it comparatively)."""
    n = len(sorted_x)
    u = np.clip(cdf(sorted_x), 1e-12, 1 - 1e-12)
    i = np.arange(1, n + 1)
    return float(-n - np.sum((2 * i - 1) * (np.log(u) + np.log1p(-u[::-1]))) / n)


def fit_duration(values: np.ndarray, source: str) -> Distribution:
    """Fit lognormal, gamma and exponential by maximum likelihood and keep the lowest-AIC family."""
    x = np.sort(clean_durations(values))
    n = len(x)
    if n < 2:
        raise ValueError(f"need at least 2 positive durations to fit, got {n}")
    fits: dict[str, tuple[tuple[float, ...], float]] = {}
    logx = np.log(x)
    # lognormal: closed form MLE
    mu, sigma = float(logx.mean()), float(max(logx.std(), 1e-6))
    ll = float(np.sum(stats.lognorm.logpdf(x, sigma, 0.0, math.exp(mu))))
    fits["lognormal"] = ((sigma, math.exp(mu)), 2 * 2 - 2 * ll)
    # gamma: MLE with location fixed at 0
    a, _, scale = stats.gamma.fit(x, floc=0.0)
    ll = float(np.sum(stats.gamma.logpdf(x, a, 0.0, scale)))
    fits["gamma"] = ((float(a), float(scale)), 2 * 2 - 2 * ll)
    # exponential: mean is the MLE of the scale
    scale_e = float(x.mean())
    ll = float(np.sum(stats.expon.logpdf(x, 0.0, scale_e)))
    fits["exponential"] = ((scale_e,), 2 * 1 - 2 * ll)
    best = min(fits, key=lambda k: fits[k][1])
    dist = Distribution(best, fits[best][0], source, n, {k: v[1] for k, v in fits.items()})
    frozen = dist.frozen()
    ks = stats.kstest(x, frozen.cdf)
    return Distribution(
        best,
        dist.params,
        source,
        n,
        dist.aic,
        float(ks.statistic),
        float(ks.pvalue),
        anderson_darling(x, frozen.cdf),
    )


# Published figures used where a city has no time stamps of its own (see docs/simulation.md).
DEFAULT_TRAVEL = lognormal_from_mean(
    11 * 60,
    0.5,
    "default: ~11 min mean travel, between Durham HEART's 7.6 min average response (2022) and NYC "
    "B-HEARD's 13:41-15:30 (FY22) and SF SCRT's 12 min (first month); programs.md A.3, A.5, A.10, D.3",
)
DEFAULT_ON_SCENE = lognormal_from_mean(
    50 * 60,
    0.6,
    "default: ~50 min mean on scene, derived from Denver STAR's ~6 incidents per 8-h shift (pilot), "
    "i.e. <=80 min per incident including travel and wrap-up; programs.md A.2, D.3",
)


@dataclass(frozen=True)
class ServiceTimeModel:
    """Travel and on-scene distributions by common incident type, with fallbacks by category and overall."""

    on_scene: Mapping[str, Distribution]
    travel: Mapping[str, Distribution]
    on_scene_default: Distribution = DEFAULT_ON_SCENE
    travel_default: Distribution = DEFAULT_TRAVEL
    type_category: Mapping[str, str] = field(default_factory=dict)
    on_scene_multiplier: float = 1.0

    def on_scene_for(self, common_type: str) -> Distribution:
        return _lookup(self.on_scene, common_type, self.type_category, self.on_scene_default)

    def travel_for(self, common_type: str) -> Distribution:
        return _lookup(self.travel, common_type, self.type_category, self.travel_default)

    def sample_on_scene(self, types: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """On-scene seconds for alternative teams: the type's distribution times the team multiplier."""
        return _sample_by_type(types, rng, self.on_scene_for) * self.on_scene_multiplier

    def sample_travel(self, types: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return _sample_by_type(types, rng, self.travel_for)

    def mean_on_scene_s(self, common_type: str) -> float:
        return self.on_scene_for(common_type).mean_s * self.on_scene_multiplier

    def to_dict(self) -> dict[str, Any]:
        return {
            "on_scene_multiplier": self.on_scene_multiplier,
            "on_scene": {k: v.to_dict() for k, v in sorted(self.on_scene.items())},
            "travel": {k: v.to_dict() for k, v in sorted(self.travel.items())},
            "on_scene_default": self.on_scene_default.to_dict(),
            "travel_default": self.travel_default.to_dict(),
        }

    @classmethod
    def defaults(cls, on_scene_multiplier: float = 1.0) -> ServiceTimeModel:
        """Published defaults only, for a city without time stamps."""
        return cls(on_scene={}, travel={}, on_scene_multiplier=on_scene_multiplier)

    @classmethod
    def fit(
        cls,
        common_type: np.ndarray,
        category: np.ndarray,
        travel_s: np.ndarray,
        on_scene_s: np.ndarray,
        *,
        source: str,
        on_scene_multiplier: float = 1.0,
        min_observations: int = MIN_OBSERVATIONS,
    ) -> ServiceTimeModel:
        """Fit per type (and per category, and pooled as `*`) wherever there are enough observations."""
        common_type = np.asarray(common_type, dtype=object)
        category = np.asarray(category, dtype=object)
        type_category = {str(t): str(c) for t, c in zip(common_type, category, strict=True)}
        fitted: dict[str, dict[str, Distribution]] = {"travel": {}, "on_scene": {}}
        for name, values in (
            ("travel", np.asarray(travel_s, float)),
            ("on_scene", np.asarray(on_scene_s, float)),
        ):
            ok = np.isfinite(values) & (values > 0) & (values <= MAX_PLAUSIBLE_S)
            groups: list[tuple[str, np.ndarray]] = [("*", ok)]
            for cat in sorted(set(category[ok].tolist())):
                groups.append((f"category:{cat}", ok & (category == cat)))
            for t in sorted(set(common_type[ok].tolist())):
                groups.append((str(t), ok & (common_type == t)))
            for key, mask in groups:
                if int(mask.sum()) >= min_observations:
                    fitted[name][key] = fit_duration(values[mask], f"{source}: {name} for {key}")
        return cls(
            on_scene=fitted["on_scene"],
            travel=fitted["travel"],
            type_category=type_category,
            on_scene_multiplier=on_scene_multiplier,
        )


def _lookup(
    table: Mapping[str, Distribution],
    common_type: str,
    type_category: Mapping[str, str],
    default: Distribution,
) -> Distribution:
    if common_type in table:
        return table[common_type]
    cat = type_category.get(common_type)
    if cat is not None and f"category:{cat}" in table:
        return table[f"category:{cat}"]
    if "*" in table:
        return table["*"]
    return default


def _sample_by_type(types: np.ndarray, rng: np.random.Generator, pick: Any) -> np.ndarray:
    """Draws for each call from its type's distribution, types taken in sorted order (so a seed gives
    the same draws however the calls are grouped). Types are numbered with a dict rather than by
    sorting every call's string: a year of calls then takes tens of milliseconds, not a fifth of a second."""
    out = np.empty(len(types), dtype=float)
    index: dict[str, int] = {}
    first = np.fromiter(
        (index.setdefault(str(t), len(index)) for t in np.asarray(types, dtype=object).tolist()),
        dtype=np.int64,
        count=len(types),
    )
    found = sorted(index)
    rank = np.empty(len(found), dtype=np.int64)
    rank[[index[t] for t in found]] = np.arange(len(found))
    codes = rank[first] if len(found) else first
    for idx, t in enumerate(found):
        mask = codes == idx
        out[mask] = pick(t).sample(rng, int(mask.sum()))
    return out
