"""Discrete-event simulation of an alternative-responder fleet (plain Python heapq, no framework).

Calls arrive to a team type's queue; an on-shift free team of that type is sent (nearest home zone
first); otherwise the call waits in an urgency-ordered queue (most urgent first, then oldest). A
call that waits longer than `max_wait_s` falls back to police, as happens in practice when no team
is free. Teams work weekly shifts; a team whose shift ends mid-call finishes the call first.
Travel is straight-line distance times a detour factor at an average speed when the call has
coordinates, else a draw from the fitted travel-time distribution.

Time is seconds from a Monday 00:00 (local), so hour of week is `floor(t / 3600) % 168`.
The inner loop works on Python lists: per-event numpy calls would cost more than the work itself.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

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
    n_types = len(demand.team_types)
    zx = fleet.zone_x_km.tolist() if fleet.n_zones else [0.0]
    zy = fleet.zone_y_km.tolist() if fleet.n_zones else [0.0]
    call_zone = (
        zone_of(demand.x_km, demand.y_km, fleet.zone_x_km, fleet.zone_y_km)
        if fleet.n_zones
        else np.full(n, -1)
    )
    # search order of zones from each zone (nearest first); row nz is the order for calls without coordinates
    zone_order: list[list[int]] = []
    for z in range(nz):
        d = [(zx[z] - zx[j]) ** 2 + (zy[z] - zy[j]) ** 2 for j in range(nz)]
        zone_order.append(sorted(range(nz), key=lambda j, d=d: d[j]))  # type: ignore[misc]
    zone_order.append(list(range(nz)))

    T = demand.t.tolist()
    typ = demand.team_type.tolist()
    urg = demand.urgency.tolist()
    cx = demand.x_km.tolist()
    cy = demand.y_km.tolist()
    czone = [z if z >= 0 else nz for z in call_zone.tolist()]
    scene = on_scene_s.tolist()
    tdraw = travel_draw_s.tolist()
    km_to_s = params.km_to_s
    turnout = params.turnout_s
    wrap = params.wrap_s
    waits = np.full(n, params.max_wait_s) if patience_s is None else np.asarray(patience_s, float)
    deadline = (demand.t + waits).tolist()
    from_base = params.dispatch_from_base

    n_teams = len(fleet.teams)
    t_type = [tm.team_type for tm in fleet.teams]
    t_zone = [min(max(tm.home_zone, 0), nz - 1) for tm in fleet.teams]
    base_x = [zx[z] for z in t_zone]
    base_y = [zy[z] for z in t_zone]
    pos_x = list(base_x)
    pos_y = list(base_y)
    on_shift = [False] * n_teams
    busy = [False] * n_teams
    pools: list[list[int]] = [[] for _ in range(n_types * nz)]
    queues: list[list[tuple[int, float, int]]] = [[] for _ in range(n_types)]

    dispatch_t = [math.nan] * n
    travel = [math.nan] * n
    team_of = [-1] * n

    heap: list[tuple[float, int, int]] = []
    for k, tm in enumerate(fleet.teams):
        for s, e in _absolute_shifts(tm.shifts, demand.horizon_s):
            heap.append((s, _START, k))
            heap.append((e, _END, k))
    heapq.heapify(heap)
    shift_events = len(heap)
    heappush, heappop = heapq.heappush, heapq.heappop
    hypot = math.hypot
    isnan = math.isnan

    def travel_for(i: int, k: int) -> float:
        x = cx[i]
        if isnan(x):
            return tdraw[i] + turnout
        if from_base:
            return hypot(base_x[k] - x, base_y[k] - cy[i]) * km_to_s + turnout
        tr = hypot(pos_x[k] - x, pos_y[k] - cy[i]) * km_to_s + turnout
        pos_x[k] = x
        pos_y[k] = cy[i]
        return tr

    def process_events(until: float) -> None:
        """Handle every team event up to `until`: completions, shift starts and ends."""
        while heap and heap[0][0] <= until:
            now, kind, k = heappop(heap)
            if kind == _FREE:
                busy[k] = False
                if not on_shift[k]:
                    continue
            elif kind == _END:
                on_shift[k] = False
                if not busy[k]:
                    pool = pools[t_type[k] * nz + t_zone[k]]
                    if k in pool:
                        pool.remove(k)
                continue
            else:
                on_shift[k] = True
                pos_x[k] = base_x[k]
                pos_y[k] = base_y[k]
                if busy[k]:
                    continue
            # team k is free and on shift: take the most urgent call still waiting, else join the pool
            q = queues[t_type[k]]
            while q:
                _, _, j = heappop(q)
                if deadline[j] < now:
                    continue  # waited too long: fell back to police at its deadline
                if from_base:
                    x = cx[j]
                    tr = (tdraw[j] if x != x else hypot(base_x[k] - x, base_y[k] - cy[j]) * km_to_s) + turnout
                else:
                    tr = travel_for(j, k)
                dispatch_t[j] = now
                travel[j] = tr
                team_of[j] = k
                busy[k] = True
                heappush(heap, (now + tr + scene[j] + wrap, _FREE, k))
                break
            else:
                pools[t_type[k] * nz + t_zone[k]].append(k)

    for i in range(n):
        now = T[i]
        if heap and heap[0][0] <= now:
            process_events(now)
        offset = typ[i] * nz
        for z in zone_order[czone[i]]:
            pool = pools[offset + z]
            if pool:
                k = pool.pop()
                if from_base:
                    x = cx[i]
                    tr = (tdraw[i] if x != x else hypot(base_x[k] - x, base_y[k] - cy[i]) * km_to_s) + turnout
                else:
                    tr = travel_for(i, k)
                dispatch_t[i] = now
                travel[i] = tr
                team_of[i] = k
                busy[k] = True
                heappush(heap, (now + tr + scene[i] + wrap, _FREE, k))
                break
        else:
            heappush(queues[typ[i]], (urg[i], now, i))
    # calls still waiting after the last arrival: let teams free up until the queues drain
    while heap and any(queues):
        process_events(heap[0][0])

    disp = np.array(dispatch_t, dtype=float)
    tr_arr = np.array(travel, dtype=float)
    arrive = disp + tr_arr
    served_n = int(np.isfinite(disp).sum())
    events = n + served_n + shift_events
    return RunResult(
        dispatch_t=disp,
        arrive_t=arrive,
        end_t=arrive + np.asarray(on_scene_s, float) + wrap,
        travel_s=tr_arr,
        team=np.array(team_of, dtype=np.int64),
        backup=np.asarray(backup, bool) & np.isfinite(disp),
        events=events,
    )
