"""Discrete-event simulation of an alternative-responder fleet (array heaps compiled by Numba, no framework).

Calls arrive to a team type's queue; an on-shift free team of that type is sent (nearest home zone
first); otherwise the call waits in an urgency-ordered queue (most urgent first, then oldest). A
call that waits longer than `max_wait_s` falls back to police, as happens in practice when no team
is free. Teams work weekly shifts; a team whose shift ends mid-call finishes the call first.
Travel is straight-line distance times a detour factor at an average speed when the call has
coordinates, else a draw from the fitted travel-time distribution.

Time is seconds from a Monday 00:00 (local), so hour of week is `floor(t / 3600) % 168`.
The event loop (`_run_kernel`) works on plain arrays and is compiled by Numba: interpreted, each
event costs about a microsecond of bookkeeping, compiled a few nanoseconds, so a year of a city's
calls takes about 0.1 s. The same function runs uncompiled in a test, which checks both agree.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from altresponse.facts import DAYS_PER_YEAR

WEEK_S = 7 * 24 * 3600
HOUR_S = 3600
_FREE, _END, _START = 0, 1, 2


@dataclass(frozen=True)
class Demand:
    """Calls offered to the fleet. Arrays are aligned and sorted by `t` (seconds from Monday 00:00)."""

    t: np.ndarray
    team_type: np.ndarray  # index into team_types
    urgency: np.ndarray  # 0 = most urgent
    x_km: np.ndarray  # NaN when the call has no coordinates
    y_km: np.ndarray
    common_type: np.ndarray  # str, for service-time draws
    team_types: tuple[str, ...]
    horizon_s: float
    police_hours: np.ndarray | None = None  # police time each call would have taken, hours
    period_s: float | None = None  # measured span of the source calls; per-year figures divide by it

    def __post_init__(self) -> None:
        n = len(self.t)
        for name in ("team_type", "urgency", "x_km", "y_km", "common_type"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"Demand.{name} has {len(getattr(self, name))} values, expected {n}")
        if n and np.any(np.diff(self.t) < 0):
            raise ValueError("Demand.t must be sorted ascending")

    @property
    def n(self) -> int:
        return len(self.t)

    @property
    def years(self) -> float:
        """Years the calls stand for: the measured period when known, else the simulated horizon."""
        return (self.period_s if self.period_s else self.horizon_s) / (DAYS_PER_YEAR * 86400)


@dataclass(frozen=True)
class Team:
    """One staffed unit: its type, home zone and weekly shifts as (start, end) seconds of the week.

    An end beyond one week wraps into the next week (a Sunday-night shift ending Monday morning).
    """

    team_type: int
    home_zone: int
    shifts: tuple[tuple[float, float], ...]
    label: str = ""


@dataclass(frozen=True)
class Fleet:
    """Teams and the zones they are based in (zone centroids in km, same frame as the calls)."""

    teams: tuple[Team, ...]
    zone_x_km: np.ndarray
    zone_y_km: np.ndarray

    @property
    def n_zones(self) -> int:
        return len(self.zone_x_km)

    def on_shift_seconds_by_hour(self, horizon_s: float, team_type: int | None = None) -> np.ndarray:
        """Team-seconds on shift in each absolute hour bin of the horizon (the utilization denominator)."""
        nbins = math.ceil(horizon_s / HOUR_S)
        starts, ends = [], []
        for team in self.teams:
            if team_type is not None and team.team_type != team_type:
                continue
            for s, e in _absolute_shifts(team.shifts, horizon_s):
                starts.append(s)
                ends.append(e)
        return interval_coverage(np.array(starts, float), np.array(ends, float), HOUR_S, nbins)


@dataclass(frozen=True)
class SimParams:
    """Operating rules. Defaults and their sources are listed in docs/simulation.md."""

    max_wait_s: float = 30 * 60  # after this a queued call falls back to police
    detour: float = 1.3  # road distance / straight-line distance
    speed_kmh: float = 30.0  # average urban driving speed without lights and sirens
    turnout_s: float = 60.0  # from assignment to rolling
    processing_s: float = 120.0  # from call received to the team being asked (call-taking, transfer)
    wrap_s: float = 10 * 60  # documentation after clearing the scene, team still unavailable
    backup_probability: float = 0.02  # share of reached calls that request police backup
    backup_police_hours: float = 0.75  # police hours per backup request
    police_hours_per_call: float = 1.5  # police hours a diverted call would have taken (default)
    target_s: float = 20 * 60  # response target for "reached"
    dispatch_from_base: bool = True  # teams return to base between calls; False: leave from the last scene

    @property
    def km_to_s(self) -> float:
        return self.detour * 3600.0 / self.speed_kmh


@dataclass
class RunResult:
    """Per-call outcome of one replication (times in simulation seconds; NaN when not served)."""

    dispatch_t: np.ndarray
    arrive_t: np.ndarray
    end_t: np.ndarray
    travel_s: np.ndarray
    team: np.ndarray
    backup: np.ndarray
    events: int = 0
    meta: dict[str, float] = field(default_factory=dict)

    @property
    def served(self) -> np.ndarray:
        return np.isfinite(self.dispatch_t)


def _absolute_shifts(shifts: Sequence[tuple[float, float]], horizon_s: float) -> list[tuple[float, float]]:
    """Repeat weekly shifts over the horizon and merge touching intervals (24/7 stays one interval)."""
    weeks = math.ceil(horizon_s / WEEK_S) + 1
    raw = sorted((w * WEEK_S + s, w * WEEK_S + e) for w in range(-1, weeks) for s, e in shifts if e > s)
    merged: list[list[float]] = []
    for s, e in raw:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(max(s, 0.0), min(e, horizon_s + WEEK_S)) for s, e in merged if e > 0 and s < horizon_s]


def interval_coverage(starts: np.ndarray, ends: np.ndarray, bin_s: float, nbins: int) -> np.ndarray:
    """Seconds of [start, end) intervals falling in each bin [k*bin_s, (k+1)*bin_s) — vectorized."""
    if nbins <= 0:
        return np.zeros(0)
    top = nbins * bin_s
    s = np.clip(np.asarray(starts, float), 0, top)
    e = np.clip(np.asarray(ends, float), 0, top)
    keep = e > s
    s, e = np.sort(s[keep]), np.sort(e[keep])
    edges = np.arange(nbins + 1) * bin_s
    cs, ce = np.concatenate([[0.0], np.cumsum(s)]), np.concatenate([[0.0], np.cumsum(e)])
    ks, ke = np.searchsorted(s, edges, side="left"), np.searchsorted(e, edges, side="left")
    area = (edges * ks - cs[ks]) - (edges * ke - ce[ke])
    return np.diff(area)


def zone_of(x_km: np.ndarray, y_km: np.ndarray, zone_x: np.ndarray, zone_y: np.ndarray) -> np.ndarray:
    """Nearest zone centroid for each point; -1 where the point has no coordinates."""
    out = np.full(len(x_km), -1, dtype=np.int64)
    ok = np.isfinite(x_km) & np.isfinite(y_km)
    if ok.any() and len(zone_x):
        d = (x_km[ok, None] - zone_x[None, :]) ** 2 + (y_km[ok, None] - zone_y[None, :]) ** 2
        out[ok] = np.argmin(d, axis=1)
    return out


def run_once(
    demand: Demand,
    fleet: Fleet,
    params: SimParams,
    on_scene_s: np.ndarray,
    travel_draw_s: np.ndarray,
    backup: np.ndarray,
    patience_s: np.ndarray | None = None,
) -> RunResult:
    """One replication with the given per-call draws (on-scene, travel for calls without coordinates).

    `patience_s` gives each call its own maximum wait (e.g. exponential, to compare with Erlang A);
    by default every call waits at most `params.max_wait_s`.
    """
    n = demand.n
    nz = max(fleet.n_zones, 1)
    zx = fleet.zone_x_km.astype(float) if fleet.n_zones else np.zeros(1)
    zy = fleet.zone_y_km.astype(float) if fleet.n_zones else np.zeros(1)
    call_zone = (
        zone_of(demand.x_km, demand.y_km, fleet.zone_x_km, fleet.zone_y_km)
        if fleet.n_zones
        else np.full(n, -1, np.int64)
    )
    # search order of zones from each zone (nearest first, ties by zone number); row nz is the order
    # for calls without coordinates
    d2 = (zx[:, None] - zx[None, :]) ** 2 + (zy[:, None] - zy[None, :]) ** 2
    zone_order = np.vstack([np.argsort(d2, axis=1, kind="stable"), np.arange(nz)[None, :]]).astype(np.int64)
    czone = np.where(call_zone >= 0, call_zone, nz).astype(np.int64)
    waits = np.full(n, params.max_wait_s) if patience_s is None else np.asarray(patience_s, float)
    deadline = np.asarray(demand.t, float) + waits

    t_type = np.array([tm.team_type for tm in fleet.teams], np.int64)
    t_zone = np.array([min(max(tm.home_zone, 0), nz - 1) for tm in fleet.teams], np.int64)
    shifts = [
        (when, kind, k)
        for k, tm in enumerate(fleet.teams)
        for s, e in _absolute_shifts(tm.shifts, demand.horizon_s)
        for when, kind in ((s, _START), (e, _END))
    ]
    shift_events = len(shifts)
    dispatch_t, travel, team_of = _kernel()(
        np.ascontiguousarray(demand.t, float),
        np.ascontiguousarray(demand.team_type, np.int64),
        np.ascontiguousarray(demand.urgency, np.int64),
        np.ascontiguousarray(demand.x_km, float),
        np.ascontiguousarray(demand.y_km, float),
        czone,
        np.ascontiguousarray(on_scene_s, float),
        np.ascontiguousarray(travel_draw_s, float),
        deadline,
        zone_order,
        t_type,
        t_zone,
        zx[t_zone] if len(t_zone) else np.zeros(0),
        zy[t_zone] if len(t_zone) else np.zeros(0),
        np.array([e[0] for e in shifts], float),
        np.array([e[1] for e in shifts], np.int64),
        np.array([e[2] for e in shifts], np.int64),
        len(demand.team_types),
        float(params.km_to_s),
        float(params.turnout_s),
        float(params.wrap_s),
        bool(params.dispatch_from_base),
    )
    wrap = params.wrap_s

    disp = dispatch_t
    tr_arr = travel
    arrive = disp + tr_arr
    served_n = int(np.isfinite(disp).sum())
    events = n + served_n + shift_events
    return RunResult(
        dispatch_t=disp,
        arrive_t=arrive,
        end_t=arrive + np.asarray(on_scene_s, float) + wrap,
        travel_s=tr_arr,
        team=team_of,
        backup=np.asarray(backup, bool) & np.isfinite(disp),
        events=events,
    )


def _run_kernel(
    t: np.ndarray,
    typ: np.ndarray,
    urg: np.ndarray,
    cx: np.ndarray,
    cy: np.ndarray,
    czone: np.ndarray,
    scene: np.ndarray,
    tdraw: np.ndarray,
    deadline: np.ndarray,
    zone_order: np.ndarray,
    t_type: np.ndarray,
    t_zone: np.ndarray,
    base_x: np.ndarray,
    base_y: np.ndarray,
    shift_t: np.ndarray,
    shift_kind: np.ndarray,
    shift_team: np.ndarray,
    n_types: int,
    km_to_s: float,
    turnout: float,
    wrap: float,
    from_base: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The event loop over plain arrays, compiled by Numba when it is installed.

    Two heaps live in preallocated arrays: team events ordered by (time, kind, team) and, per team
    type, waiting calls ordered by (urgency, arrival, call). Keys are unique, so the order of pops
    (and so every result) does not depend on how the heap is laid out. Free on-shift teams wait in a
    stack per (type, zone): the last team freed is sent first.
    """
    n = t.shape[0]
    nz = zone_order.shape[1]
    n_teams = t_type.shape[0]
    dispatch_t = np.full(n, np.nan)
    travel = np.full(n, np.nan)
    team_of = np.full(n, -1, np.int64)
    pos_x = base_x.copy()
    pos_y = base_y.copy()
    on_shift = np.zeros(n_teams, np.bool_)
    busy = np.zeros(n_teams, np.bool_)

    # free-team stacks: pool p = type * nz + zone holds at most the teams of that (type, zone)
    n_pools = n_types * nz
    pool_cap = np.zeros(n_pools + 1, np.int64)
    for k in range(n_teams):
        pool_cap[t_type[k] * nz + t_zone[k] + 1] += 1
    pool_start = np.cumsum(pool_cap)
    pool_len = np.zeros(n_pools, np.int64)
    pool_items = np.zeros(max(n_teams, 1), np.int64)

    # waiting-call heaps: each call joins its type's heap at most once
    q_cap = np.zeros(n_types + 1, np.int64)
    for i in range(n):
        q_cap[typ[i] + 1] += 1
    q_start = np.cumsum(q_cap)
    q_len = np.zeros(n_types, np.int64)
    q_urg = np.zeros(max(n, 1), np.int64)
    q_t = np.zeros(max(n, 1))
    q_i = np.zeros(max(n, 1), np.int64)

    # team-event heap: every shift start and end, plus at most one completion per team
    cap = shift_t.shape[0] + n_teams + 1
    e_t = np.zeros(cap)
    e_kind = np.zeros(cap, np.int64)
    e_k = np.zeros(cap, np.int64)
    e_len = 0
    for s in range(shift_t.shape[0]):
        e_len = _ev_push(e_t, e_kind, e_k, e_len, shift_t[s], shift_kind[s], shift_team[s])
    waiting = 0  # calls in any queue

    for i in range(n + 1):
        if i < n:
            now = t[i]
            limit = now
        else:  # after the last arrival: let teams free up until the queues drain
            limit = np.inf
        while e_len > 0 and e_t[0] <= limit:
            if i == n and waiting == 0:
                break
            ev_now = e_t[0]
            kind = e_kind[0]
            k = e_k[0]
            e_len = _ev_pop(e_t, e_kind, e_k, e_len)
            if kind == 0:  # completion
                busy[k] = False
                if not on_shift[k]:
                    continue
            elif kind == 1:  # shift end
                on_shift[k] = False
                if not busy[k]:
                    p = t_type[k] * nz + t_zone[k]
                    base = pool_start[p]
                    for j in range(pool_len[p]):
                        if pool_items[base + j] == k:
                            for m in range(j, pool_len[p] - 1):
                                pool_items[base + m] = pool_items[base + m + 1]
                            pool_len[p] -= 1
                            break
                continue
            else:  # shift start
                on_shift[k] = True
                pos_x[k] = base_x[k]
                pos_y[k] = base_y[k]
                if busy[k]:
                    continue
            # team k is free and on shift: take the most urgent call still waiting, else join the pool
            ty = t_type[k]
            sent = False
            while q_len[ty] > 0:
                qb = q_start[ty]
                j = q_i[qb]
                q_len[ty] = _q_pop(q_urg, q_t, q_i, qb, q_len[ty])
                waiting -= 1
                if deadline[j] < ev_now:
                    continue  # waited too long: fell back to police at its deadline
                tr = _travel(j, k, cx, cy, tdraw, base_x, base_y, pos_x, pos_y, km_to_s, turnout, from_base)
                dispatch_t[j] = ev_now
                travel[j] = tr
                team_of[j] = k
                busy[k] = True
                e_len = _ev_push(e_t, e_kind, e_k, e_len, ev_now + tr + scene[j] + wrap, 0, k)
                sent = True
                break
            if not sent:
                p = ty * nz + t_zone[k]
                pool_items[pool_start[p] + pool_len[p]] = k
                pool_len[p] += 1
        if i == n:
            break
        offset = typ[i] * nz
        sent = False
        for zi in range(nz):
            z = zone_order[czone[i], zi]
            p = offset + z
            if pool_len[p] > 0:
                pool_len[p] -= 1
                k = pool_items[pool_start[p] + pool_len[p]]
                tr = _travel(i, k, cx, cy, tdraw, base_x, base_y, pos_x, pos_y, km_to_s, turnout, from_base)
                dispatch_t[i] = now
                travel[i] = tr
                team_of[i] = k
                busy[k] = True
                e_len = _ev_push(e_t, e_kind, e_k, e_len, now + tr + scene[i] + wrap, 0, k)
                sent = True
                break
        if not sent:
            ty = typ[i]
            q_len[ty] = _q_push(q_urg, q_t, q_i, q_start[ty], q_len[ty], urg[i], now, i)
            waiting += 1
    return dispatch_t, travel, team_of


def _travel(
    i: int,
    k: int,
    cx: np.ndarray,
    cy: np.ndarray,
    tdraw: np.ndarray,
    base_x: np.ndarray,
    base_y: np.ndarray,
    pos_x: np.ndarray,
    pos_y: np.ndarray,
    km_to_s: float,
    turnout: float,
    from_base: bool,
) -> float:
    """Seconds from assignment to arrival: distance when the call has coordinates, else the draw."""
    x = cx[i]
    if math.isnan(x):
        return tdraw[i] + turnout
    if from_base:
        dx, dy = base_x[k] - x, base_y[k] - cy[i]
        return math.sqrt(dx * dx + dy * dy) * km_to_s + turnout
    dx, dy = pos_x[k] - x, pos_y[k] - cy[i]
    tr = math.sqrt(dx * dx + dy * dy) * km_to_s + turnout
    pos_x[k] = x
    pos_y[k] = cy[i]
    return tr


def _ev_less(t: np.ndarray, kind: np.ndarray, k: np.ndarray, a: int, b: int) -> bool:
    if t[a] != t[b]:
        return bool(t[a] < t[b])
    if kind[a] != kind[b]:
        return bool(kind[a] < kind[b])
    return bool(k[a] < k[b])


def _ev_swap(t: np.ndarray, kind: np.ndarray, k: np.ndarray, a: int, b: int) -> None:
    t[a], t[b] = t[b], t[a]
    kind[a], kind[b] = kind[b], kind[a]
    k[a], k[b] = k[b], k[a]


def _ev_push(t: np.ndarray, kind: np.ndarray, k: np.ndarray, size: int, tv: float, kv: int, kk: int) -> int:
    pos = size
    t[pos], kind[pos], k[pos] = tv, kv, kk
    while pos > 0:
        parent = (pos - 1) >> 1
        if _ev_less(t, kind, k, pos, parent):
            _ev_swap(t, kind, k, pos, parent)
            pos = parent
        else:
            break
    return size + 1


def _ev_pop(t: np.ndarray, kind: np.ndarray, k: np.ndarray, size: int) -> int:
    """Remove the smallest event (at 0); returns the new size."""
    size -= 1
    if size > 0:
        t[0], kind[0], k[0] = t[size], kind[size], k[size]
        pos = 0
        while True:
            left = 2 * pos + 1
            if left >= size:
                break
            child = left
            if left + 1 < size and _ev_less(t, kind, k, left + 1, left):
                child = left + 1
            if _ev_less(t, kind, k, child, pos):
                _ev_swap(t, kind, k, child, pos)
                pos = child
            else:
                break
    return size


def _q_less(u: np.ndarray, t: np.ndarray, i: np.ndarray, a: int, b: int) -> bool:
    if u[a] != u[b]:
        return bool(u[a] < u[b])
    if t[a] != t[b]:
        return bool(t[a] < t[b])
    return bool(i[a] < i[b])


def _q_push(
    u: np.ndarray, t: np.ndarray, i: np.ndarray, base: int, size: int, uv: int, tv: float, iv: int
) -> int:
    pos = size
    u[base + pos], t[base + pos], i[base + pos] = uv, tv, iv
    while pos > 0:
        parent = (pos - 1) >> 1
        if _q_less(u, t, i, base + pos, base + parent):
            _ev_swap(u, t, i, base + pos, base + parent)
            pos = parent
        else:
            break
    return size + 1


def _q_pop(u: np.ndarray, t: np.ndarray, i: np.ndarray, base: int, size: int) -> int:
    size -= 1
    if size > 0:
        u[base], t[base], i[base] = u[base + size], t[base + size], i[base + size]
        pos = 0
        while True:
            left = 2 * pos + 1
            if left >= size:
                break
            child = left
            if left + 1 < size and _q_less(u, t, i, base + left + 1, base + left):
                child = left + 1
            if _q_less(u, t, i, base + child, base + pos):
                _ev_swap(u, t, i, base + child, base + pos)
                pos = child
            else:
                break
    return size


def _compile() -> Any:
    """The kernel compiled by Numba (cached on disk between processes), or the plain Python
    functions when Numba is not installed: same code, same results, about 50x slower."""
    try:
        import numba
    except ImportError:  # pragma: no cover - numba is a declared dependency
        return _run_kernel
    jit = numba.njit(cache=True, nogil=True)
    g = globals()
    for name in ("_travel", "_ev_less", "_ev_swap", "_ev_push", "_ev_pop", "_q_less", "_q_push", "_q_pop"):
        g[name] = jit(g[name])
    return jit(_run_kernel)


_KERNEL: Any = None  # compiled on first use: importing Numba takes a while, and not every caller simulates


_KERNEL_LOCK = threading.Lock()


def _kernel() -> Any:
    """The event loop, compiled once. The lock is taken only until then, so a process forked while
    another thread held it (replications run in forked workers) never waits for it."""
    global _KERNEL
    if _KERNEL is None:
        with _KERNEL_LOCK:  # _compile rebinds the helpers: exactly once
            if _KERNEL is None:
                _KERNEL = _compile()
    return _KERNEL
