"""Erlang C and Erlang A queueing formulas, and the team count each hour needs to meet a target.

Erlang C (M/M/c) gives the chance a call must wait and the waiting-time tail; Erlang A (M/M/c+M)
adds abandonment, which here stands for a call falling back to police after waiting too long (mean
patience = the maximum wait). The hourly requirement combines the Erlang C waiting-time tail with
the travel-time distribution, and is kept fractional (interpolated between whole teams) so the
shift scheduler rounds only once, at the end.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


def erlang_b(c: int, load: float) -> float:
    """Blocking probability with c servers and offered load `load` (Erlangs), by the stable recursion."""
    b = 1.0
    for k in range(1, c + 1):
        b = load * b / (k + load * b)
    return b


def erlang_c(c: int, load: float) -> float:
    """Probability an arriving call waits (M/M/c); 1 when the system is unstable (load >= c)."""
    if c <= 0 or load >= c:
        return 1.0
    if load <= 0:
        return 0.0
    b = erlang_b(c, load)
    return c * b / (c - load * (1 - b))


def mmc_wait_tail(c: int, arrival_rate: float, mean_service_s: float, t_s: np.ndarray | float) -> np.ndarray:
    """P(wait > t) for M/M/c; arrival rate per second, mean service in seconds."""
    t = np.asarray(t_s, dtype=float)
    load = arrival_rate * mean_service_s
    if c <= 0 or load >= c:
        return np.ones_like(t)
    pw = erlang_c(c, load)
    decay = c / mean_service_s - arrival_rate
    return np.where(t < 0, 1.0, pw * np.exp(-decay * np.maximum(t, 0.0)))


def mmc_mean_wait_s(c: int, arrival_rate: float, mean_service_s: float) -> float:
    load = arrival_rate * mean_service_s
    if load >= c:
        return math.inf
    return erlang_c(c, load) / (c / mean_service_s - arrival_rate)


@dataclass(frozen=True)
class ErlangA:
    """M/M/c+M steady state: waiting probability, abandonment (fallback) share, mean wait of all calls."""

    p_wait: float
    p_abandon: float
    mean_wait_s: float
    mean_queue: float


def erlang_a(c: int, arrival_rate: float, mean_service_s: float, mean_patience_s: float) -> ErlangA:
    """Birth-death chain truncated where the tail is negligible; stable for any load."""
    mu, theta, lam = 1.0 / mean_service_s, 1.0 / mean_patience_s, arrival_rate
    if lam <= 0:
        return ErlangA(0.0, 0.0, 0.0, 0.0)
    extra = math.ceil(lam / theta + 10 * math.sqrt(lam / theta + 1)) + 60
    if lam < c * mu:  # stable without abandonment: the tail decays at least geometrically
        extra = min(extra, math.ceil(30 / -math.log(lam / (c * mu))) + 60)
    n_max = c + min(extra, 2_000_000)
    n = np.arange(1, n_max + 1)
    death = np.minimum(n, c) * mu + np.maximum(n - c, 0) * theta
    logp = np.concatenate([[0.0], np.cumsum(math.log(lam) - np.log(death))])
    p = np.exp(logp - logp.max())
    p /= p.sum()
    n = np.arange(n_max + 1)
    queue = np.maximum(n - c, 0)
    mean_q = float((p * queue).sum())
    return ErlangA(
        p_wait=float(p[c:].sum()), p_abandon=theta * mean_q / lam, mean_wait_s=mean_q / lam, mean_queue=mean_q
    )


def service_level(c: int, arrival_rate: float, mean_service_s: float, slack_s: np.ndarray) -> float:
    """Share of calls reached in time: mean over travel draws of P(wait <= target - processing - travel)."""
    slack = np.asarray(slack_s, dtype=float)
    ok = slack >= 0
    if not ok.any():
        return 0.0
    tail = mmc_wait_tail(c, arrival_rate, mean_service_s, slack[ok])
    return float((1.0 - tail).sum() / len(slack))


@dataclass(frozen=True)
class Requirement:
    """Teams needed in one hour: fractional, the whole number above it, whether the target is reachable."""

    teams: float
    whole: int
    service_level: float
    feasible: bool
    load: float


def required_teams(
    arrival_rate_per_h: float,
    mean_service_s: float,
    slack_s: np.ndarray | Callable[[int], np.ndarray],
    target_share: float,
    *,
    max_teams: int = 500,
    min_teams: float = 0.0,
) -> Requirement:
    """Fewest teams (kept fractional by linear interpolation) with service level >= target.

    `slack_s` is target - processing - travel per travel draw, or a function of the team count
    giving those draws (more teams on duty sit closer to the calls, so travel shrinks with c).
    When travel alone makes the target unreachable (too many travel draws exceed the slack), the
    requirement is the count that reaches the target share of the calls travel allows to be reached
    in time (target x best achievable), and `feasible` is False so the report can say so.
    """
    lam = arrival_rate_per_h / 3600.0
    load = lam * mean_service_s
    if lam <= 0:
        return Requirement(min_teams, math.ceil(min_teams), 1.0, True, 0.0)
    slack_of: Callable[[int], np.ndarray] = slack_s if callable(slack_s) else (lambda _c: np.asarray(slack_s))
    ceiling = float(np.mean(slack_of(max_teams) >= 0))
    goal = target_share
    feasible = ceiling >= target_share
    if not feasible:
        goal = target_share * ceiling  # the target share of the calls travel time allows to be reached
    prev_c, prev_sl = 0, 0.0
    c = max(math.floor(load) + 1, 1)
    prev_c = c - 1
    prev_sl = service_level(prev_c, lam, mean_service_s, slack_of(prev_c)) if prev_c > 0 else 0.0
    while c <= max_teams:
        sl = service_level(c, lam, mean_service_s, slack_of(c))
        if sl >= goal:
            frac = prev_c + (goal - prev_sl) / (sl - prev_sl) if sl > prev_sl else float(c)
            frac = min(max(frac, prev_c), c)
            return Requirement(max(frac, min_teams), max(c, math.ceil(min_teams)), sl, feasible, load)
        prev_c, prev_sl = c, sl
        c += 1
    return Requirement(float(max_teams), max_teams, prev_sl, False, load)
