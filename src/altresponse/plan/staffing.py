"""Team needs and budget for one phase, from the simulate module's queueing, scheduling and cost models.

For each field team type, the hourly arrival rate of in-scope calls gives the (fractional) number of
teams that reach the target share of calls within the target minutes (Erlang C with travel-time
draws); the shift scheduler turns the weekly requirement into the cheapest set of shifts; the cost
model prices those team-hours with Monte Carlo ranges. Pure computation; no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from altresponse.facts import CAPTURE_DEFAULT, DAYS_PER_YEAR, CaptureFact
from altresponse.plan.gaps import HOURS_OF_WEEK
from altresponse.plan.phases import PhaseStaffing, TeamStaffing
from altresponse.simulate.costs import CostParameters, budget
from altresponse.simulate.erlang import required_teams
from altresponse.simulate.schedule import schedule_shifts

WEEKS_PER_YEAR = DAYS_PER_YEAR / 7


@dataclass(frozen=True)
class StaffingAssumptions:
    """Service and travel times the requirement rests on, with their sources (provenance keys)."""

    target_reach: float
    target_minutes: float
    service_s: float
    service_source: str
    travel_mean_s: float
    travel_sigma: float
    travel_source: str
    police_hours_per_call: float
    police_hours_source: str
    reach_spread: float = 0.1
    min_calls_per_team_type: float = 365.0  # below about one call a day a dedicated team is not staffed
    capture: CaptureFact = CAPTURE_DEFAULT  # share of eligible calls call-takers actually send


def travel_draws(mean_s: float, sigma: float, n: int = 2000, seed: int = 7) -> np.ndarray:
    """Lognormal travel times with the given mean (seconds) and log-sd."""
    mu = np.log(mean_s) - sigma**2 / 2
    return np.random.default_rng(seed).lognormal(mu, sigma, n)


def make_staffer(params: CostParameters, a: StaffingAssumptions, *, seed: int = 0,
                 draws: int = 2000) -> Callable[[Mapping[str, np.ndarray], np.ndarray], PhaseStaffing]:
    slack = a.target_minutes * 60 - travel_draws(a.travel_mean_s, a.travel_sigma)

    def staff(per_team: Mapping[str, np.ndarray], mask: np.ndarray) -> PhaseStaffing:
        teams = []
        too_few = []
        total_calls = 0.0
        for team, eligible in sorted(per_team.items()):
            calls = np.asarray(eligible, dtype=float) * a.capture.mode  # served, not eligible, calls
            if calls.sum() <= 0:
                continue
            if calls.sum() < a.min_calls_per_team_type:
                too_few.append((team, float(calls.sum())))
                continue
            total_calls += float(calls.sum())
            rate = calls / WEEKS_PER_YEAR  # calls per hour in that hour of the week
            req = np.zeros(HOURS_OF_WEEK)
            for h in range(HOURS_OF_WEEK):
                if mask[h]:
                    req[h] = required_teams(float(rate[h]), a.service_s, slack, a.target_reach,
                                            min_teams=1.0).teams
            plan = schedule_shifts(req)
            teams.append(TeamStaffing(team_type=team, calls_per_year=float(calls.sum()), requirement=req,
                                      shifts=tuple(plan.shifts), coverage=np.asarray(plan.coverage),
                                      team_hours_per_week=float(plan.team_hours_per_week)))
        reached = total_calls * a.target_reach
        freed = reached * a.police_hours_per_call
        lo = (1 - a.reach_spread) * a.capture.low / a.capture.mode
        hi = (1 + a.reach_spread) * a.capture.high / a.capture.mode
        b = budget(
            params, {t.team_type: t.team_hours_per_week for t in teams},
            {t.team_type: t.coverage for t in teams},
            calls_reached_per_year=(reached, reached * lo, reached * hi),
            police_hours_freed_per_year=(freed, freed * lo, freed * hi),
            draws=draws, seed=seed,
        ) if teams else {}
        return PhaseStaffing(teams=tuple(teams), budget=b, too_few=tuple(too_few))

    return staff
