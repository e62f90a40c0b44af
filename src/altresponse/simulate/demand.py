"""Demand for the alternative fleet: replay of classified calls, or a Poisson model by hour of week.

Replay keeps every real feature of the calls (bursts, places, mix) and is the default. The
non-homogeneous Poisson model is fitted to hour-of-week rates and draws fresh arrivals in every
replication, with the call attributes (type, place, urgency) resampled from the calls of the same
team type; it is what to use for growth scenarios or a stationarity check. Growth factors scale
either one. No I/O: callers pass arrays.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from altresponse.simulate.engine import HOUR_S, WEEK_S, Demand

URGENCY_BY_PRIORITY: Mapping[str, int] = {
    "emergency": 0,
    "high": 1,
    "medium": 2,
    "low": 3,
    "non_emergency": 4,
    "unknown": 2,
}
# Calls about a person at risk go first within a priority (CAHOOTS orders its queue so; programs.md A.1).
AT_RISK_TYPES = frozenset({"suicide_attempt", "suicidal_ideation", "behavioral_crisis", "overdose"})
KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON_EQUATOR = 111.320


@dataclass(frozen=True)
class Projection:
    """Equirectangular projection around a reference point: adequate at city scale (< 0.5% error)."""

    lon0: float
    lat0: float

    def to_km(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lon = np.asarray(lon, float)
        lat = np.asarray(lat, float)
        x = (lon - self.lon0) * KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(self.lat0))
        y = (lat - self.lat0) * KM_PER_DEG_LAT
        return x, y

    @classmethod
    def around(cls, lon: np.ndarray, lat: np.ndarray) -> Projection:
        lon = np.asarray(lon, float)
        lat = np.asarray(lat, float)
        ok = np.isfinite(lon) & np.isfinite(lat)
        if not ok.any():
            return cls(0.0, 0.0)
        return cls(float(np.median(lon[ok])), float(np.median(lat[ok])))


def urgency_of(priority_class: np.ndarray, common_type: np.ndarray) -> np.ndarray:
    """Queue rank: 2 x priority rank, minus 1 for a person at risk (so they go first within a priority)."""
    pri = np.array([URGENCY_BY_PRIORITY.get(str(p), 2) for p in priority_class], dtype=np.int64)
    at_risk = np.array([str(t) in AT_RISK_TYPES for t in common_type], dtype=bool)
    return 2 * pri - at_risk.astype(np.int64) + 1


def replay_demand(
    t_s: np.ndarray,
    team_type: np.ndarray,
    team_types: tuple[str, ...],
    common_type: np.ndarray,
    urgency: np.ndarray,
    x_km: np.ndarray,
    y_km: np.ndarray,
    *,
    growth: float = 1.0,
    police_hours: np.ndarray | None = None,
    rng: np.random.Generator | None = None,
    horizon_s: float | None = None,
) -> Demand:
    """Demand from historical calls (t in seconds from a Monday 00:00 local).

    Growth above 1 adds copies of randomly chosen calls moved by up to +/- 30 minutes; below 1 it
    keeps a random share. The horizon runs to the end of the last call's week.
    """
    t_s = np.asarray(t_s, float)
    idx = np.arange(len(t_s))
    shift = np.zeros(len(t_s))
    if growth != 1.0:
        rng = rng or np.random.default_rng(0)
        whole, frac = math.floor(growth), growth - math.floor(growth)
        parts = [np.tile(idx, whole)] if whole else []
        parts.append(idx[rng.random(len(idx)) < frac])
        idx = np.concatenate(parts)
        shift = np.zeros(len(idx))
        copies = np.zeros(len(idx), bool)
        if whole >= 1:
            copies[len(t_s) :] = True  # rows after the first full copy are extra calls
        shift[copies] = rng.uniform(-1800, 1800, int(copies.sum()))
    t = np.maximum(t_s[idx] + shift, 0.0)
    order = np.argsort(t, kind="stable")
    idx, t = idx[order], t[order]
    horizon = (
        horizon_s
        if horizon_s is not None
        else (math.floor(t.max() / WEEK_S) + 1) * WEEK_S
        if len(t)
        else WEEK_S
    )
    return Demand(
        t=t,
        team_type=np.asarray(team_type)[idx].astype(np.int64),
        urgency=np.asarray(urgency)[idx],
        x_km=np.asarray(x_km, float)[idx],
        y_km=np.asarray(y_km, float)[idx],
        common_type=np.asarray(common_type, dtype=object)[idx],
        team_types=team_types,
        horizon_s=float(horizon),
        police_hours=None if police_hours is None else np.asarray(police_hours, float)[idx],
    )


@dataclass(frozen=True)
class HourOfWeekRates:
    """Calls per hour for each of the 168 hours of the week and each team type (fitted from history)."""

    rates: np.ndarray  # shape (n_types, 168), calls per hour
    weeks_observed: float
    team_types: tuple[str, ...]

    @classmethod
    def fit(
        cls, t_s: np.ndarray, team_type: np.ndarray, team_types: tuple[str, ...], horizon_s: float
    ) -> HourOfWeekRates:
        """Count calls per hour of week and divide by the number of times that hour occurs in the horizon."""
        t_s = np.asarray(t_s, float)
        how = (t_s // HOUR_S).astype(np.int64) % 168
        hours = np.arange(math.ceil(horizon_s / HOUR_S)) % 168
        occurrences = np.maximum(np.bincount(hours, minlength=168), 1)
        rates = np.zeros((len(team_types), 168))
        for k in range(len(team_types)):
            mask = np.asarray(team_type) == k
            rates[k] = np.bincount(how[mask], minlength=168) / occurrences
        return cls(rates, horizon_s / WEEK_S, team_types)

    def total(self) -> np.ndarray:
        return self.rates.sum(axis=0)


def poisson_demand(
    rates: HourOfWeekRates,
    pool_common_type: np.ndarray,
    pool_team_type: np.ndarray,
    pool_urgency: np.ndarray,
    pool_x_km: np.ndarray,
    pool_y_km: np.ndarray,
    *,
    weeks: float,
    rng: np.random.Generator,
    growth: float = 1.0,
    pool_police_hours: np.ndarray | None = None,
) -> Demand:
    """Draw a non-homogeneous Poisson process (piecewise constant by hour) and attach resampled attributes."""
    n_hours = round(weeks * 168)
    how = np.arange(n_hours) % 168
    ts, types = [], []
    for k in range(len(rates.team_types)):
        counts = rng.poisson(rates.rates[k, how] * growth)
        total = int(counts.sum())
        start = np.repeat(np.arange(n_hours) * HOUR_S, counts)
        ts.append(start + rng.uniform(0, HOUR_S, total))
        types.append(np.full(total, k, dtype=np.int64))
    t = np.concatenate(ts) if ts else np.zeros(0)
    team_type = np.concatenate(types) if types else np.zeros(0, np.int64)
    order = np.argsort(t, kind="stable")
    t, team_type = t[order], team_type[order]
    pick = np.empty(len(t), dtype=np.int64)
    pool_team_type = np.asarray(pool_team_type)
    for k in range(len(rates.team_types)):
        members = np.flatnonzero(pool_team_type == k)
        mask = team_type == k
        if mask.any():
            if len(members) == 0:
                raise ValueError(f"no calls of team type {rates.team_types[k]!r} to resample attributes from")
            pick[mask] = rng.choice(members, int(mask.sum()))
    return Demand(
        t=t,
        team_type=team_type,
        urgency=np.asarray(pool_urgency)[pick],
        x_km=np.asarray(pool_x_km, float)[pick],
        y_km=np.asarray(pool_y_km, float)[pick],
        common_type=np.asarray(pool_common_type, dtype=object)[pick],
        team_types=rates.team_types,
        horizon_s=n_hours * HOUR_S,
        police_hours=None if pool_police_hours is None else np.asarray(pool_police_hours, float)[pick],
    )


def kmeans_zones(
    x_km: np.ndarray, y_km: np.ndarray, k: int, *, seed: int = 0, iters: int = 25
) -> tuple[np.ndarray, np.ndarray]:
    """Zone centroids where the calls are (a few Lloyd iterations); one zone at 0,0 without coordinates."""
    ok = np.isfinite(x_km) & np.isfinite(y_km)
    if not ok.any() or k <= 1:
        if ok.any():
            return np.array([float(np.mean(x_km[ok]))]), np.array([float(np.mean(y_km[ok]))])
        return np.zeros(1), np.zeros(1)
    pts = np.column_stack([x_km[ok], y_km[ok]])
    rng = np.random.default_rng(seed)
    if len(pts) > 20000:
        pts = pts[rng.choice(len(pts), 20000, replace=False)]
    k = min(k, len(np.unique(pts, axis=0)))
    centers = pts[rng.choice(len(pts), k, replace=False)]
    for _ in range(iters):
        d = ((pts[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
        label = d.argmin(axis=1)
        new = np.array([pts[label == j].mean(axis=0) if np.any(label == j) else centers[j] for j in range(k)])
        if np.allclose(new, centers):
            break
        centers = new
    order = np.lexsort((centers[:, 0], centers[:, 1]))
    centers = centers[order]
    return centers[:, 0].copy(), centers[:, 1].copy()
