"""The plan's measures and the core metrics alternative-response programs publish.

Every figure is computed from `CallFact` records (what happened) and, where the plan needs the
city's whole call volume, from CAD calls. Shares carry Wilson intervals, percentiles order-statistic
intervals, and anything resting on fewer than ten records is flagged small.
"""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from altresponse.monitor.facts import ALTERNATIVE_PATHWAYS, INCOME_BANDS, AreaProfile, CallFact
from altresponse.monitor.intervals import Estimate, count, percentile, share

REPEAT_WINDOW = timedelta(days=30)
UNKNOWN_AREA = "(unknown area)"


@dataclass(frozen=True)
class CadCall:
    """One CAD call, reduced to what monitoring needs (ingested calls give these columns)."""

    received_at: datetime
    area: str | None
    common_type: str
    community_initiated: bool = True
    place_key: str | None = None
    police_dispatched: bool = False


@dataclass(frozen=True)
class Measures:
    """Measures for one period and area: headline figures by plan metric id, and breakdown tables."""

    period: str
    area: str | None
    headline: Mapping[str, Estimate]
    tables: Mapping[str, list[dict[str, Any]]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "area": self.area,
            "headline": {k: v.to_dict() for k, v in self.headline.items()},
            "tables": {k: list(v) for k, v in self.tables.items()},
        }


def _minutes(values: Iterable[float | None]) -> list[float]:
    return [v / 60.0 for v in values if v is not None]


def repeat_flags(
    facts: Sequence[CallFact], calls: Sequence[CadCall] | None = None, window: timedelta = REPEAT_WINDOW
) -> dict[int, bool]:
    """For each alternative response, was there another call from the same place within `window` after it?

    The later calls come from CAD when given (every call the city received), otherwise from the
    decisions themselves.
    """
    later: dict[str, list[datetime]] = defaultdict(list)
    if calls is not None:
        for c in calls:
            if c.place_key:
                later[c.place_key].append(c.received_at)
    else:
        for f in facts:
            if f.place_key:
                later[f.place_key].append(f.decided_at)
    for times in later.values():
        times.sort()
    out: dict[int, bool] = {}
    for f in facts:
        if not f.reached or not f.place_key:
            continue
        times = later.get(f.place_key, [])
        i = bisect.bisect_right(times, f.decided_at)
        out[f.decision_id] = i < len(times) and times[i] <= f.decided_at + window
    return out


def _group(facts: Sequence[CallFact], key: Callable[[CallFact], str]) -> dict[str, list[CallFact]]:
    groups: dict[str, list[CallFact]] = defaultdict(list)
    for f in facts:
        groups[key(f)].append(f)
    return dict(sorted(groups.items()))


def _core(facts: Sequence[CallFact], repeats: Mapping[int, bool]) -> dict[str, Estimate]:
    eligible = [f for f in facts if f.eligible]
    linked = [f for f in eligible if f.asked_organization is not None]
    reached = [f for f in facts if f.reached]
    diverted = [f for f in facts if f.diverted]
    co_notified = [f for f in linked if f.recorded and not f.diverted]
    reached_repeats = [repeats[f.decision_id] for f in reached if f.decision_id in repeats]
    return {
        "decisions": count(len(facts)),
        "eligible_calls": count(len(eligible)),
        "reached_calls": count(len(reached)),
        "diverted_calls": count(len(diverted)),
        "reach": share(sum(1 for f in eligible if f.reached), len(eligible)),
        "successful_diversion": share(sum(1 for f in linked if f.diverted), len(linked)),
        "co_notification": share(len(co_notified), len(linked)),
        "backup_rate": share(sum(1 for f in reached if f.police_backup), len(reached)),
        "response_time_p50": percentile(_minutes(f.seconds_to_arrive for f in reached), 0.5),
        "response_time_p90": percentile(_minutes(f.seconds_to_arrive for f in reached), 0.9),
        "time_to_accept_p50": percentile(_minutes(f.seconds_to_accept for f in linked), 0.5),
        "time_on_scene_p50": percentile(_minutes(f.seconds_on_scene for f in reached), 0.5),
        "linkage": share(sum(1 for f in reached if f.referral_completed), len(reached)),
        "repeat_calls": share(sum(reached_repeats), len(reached_repeats)),
        "safety_incidents": count(sum(1 for f in reached if f.injury)),
        "use_of_force": count(sum(1 for f in facts if f.use_of_force)),
        "arrests": count(sum(1 for f in facts if f.arrest)),
        "transports": count(sum(1 for f in facts if f.transport)),
        "referrals_completed": count(sum(1 for f in facts if f.referral_completed)),
    }


def _row(label: str, value: str, facts: Sequence[CallFact], repeats: Mapping[int, bool]) -> dict[str, Any]:
    m = _core(facts, repeats)
    return {
        label: value,
        "eligible": len([f for f in facts if f.eligible]),
        "reached": sum(1 for f in facts if f.reached),
        "diverted": m["diverted_calls"].n,
        "reach": m["reach"].value,
        "reach_low": m["reach"].low,
        "reach_high": m["reach"].high,
        "backup_rate": m["backup_rate"].value,
        "response_time_p50": m["response_time_p50"].value,
        "small_count": m["reach"].small,
    }


def compute_measures(
    facts: Sequence[CallFact],
    *,
    period: str = "all",
    area: str | None = None,
    calls: Sequence[CadCall] | None = None,
    area_profiles: Mapping[str, AreaProfile] | None = None,
    police_hours_by_type: Mapping[str, float] | None = None,
) -> Measures:
    """All measures for the facts given (the caller has already chosen the period and area).

    `calls` (CAD calls of the same period and area) give the eligible share and the repeat calls;
    `police_hours_by_type` (median police unit-busy hours per type, from the baseline) gives police
    hours freed; `area_profiles` gives the equity breakdowns by income and composition.
    """
    repeats = repeat_flags(facts, calls)
    headline = _core(facts, repeats)
    eligible = [f for f in facts if f.eligible]
    if calls is not None:
        community = sum(1 for c in calls if c.community_initiated)
        headline["eligible_share"] = share(len(eligible), community)
    if police_hours_by_type is not None:
        hours = sum(police_hours_by_type.get(f.common_type, 0.0) for f in facts if f.diverted)
        headline["police_hours_freed"] = Estimate(
            hours, headline["diverted_calls"].n, small=headline["diverted_calls"].small, unit="hours"
        )

    decided = Counter(f.decided_pathway for f in facts)
    actual = Counter(f.actual_pathway or "not recorded" for f in facts)
    volume = [
        {"pathway": p, "decided": decided.get(p, 0), "actual": actual.get(p, 0)}
        for p in sorted(set(decided) | set(actual))
    ]
    unserved = Counter(
        f.unserved_reason
        or ("not recorded" if not f.recorded else "responded by " + (f.actual_pathway or ""))
        for f in eligible
        if not f.reached
    )
    declines = Counter(r for f in facts for r in f.declines)
    outcomes = Counter(f.outcome for f in facts if f.outcome)
    profiles = area_profiles or {}

    def area_of(f: CallFact) -> str:
        return f.area or UNKNOWN_AREA

    tables: dict[str, list[dict[str, Any]]] = {
        "volume_by_pathway": volume,
        "unserved_by_reason": [{"reason": r, "calls": n} for r, n in sorted(unserved.items())],
        "declines_by_reason": [{"reason": r, "declines": n} for r, n in sorted(declines.items())],
        "outcomes": [{"outcome": o, "calls": n} for o, n in sorted(outcomes.items())],
        "by_area": [_row("area", a, fs, repeats) for a, fs in _group(facts, area_of).items()],
        "by_type": [
            _row("common_type", t, fs, repeats) for t, fs in _group(eligible, lambda f: f.common_type).items()
        ],
    }
    if profiles:

        def band(f: CallFact) -> str:
            p = profiles.get(area_of(f))
            return (p.income_band if p else None) or "unknown"

        def group(f: CallFact) -> str:
            p = profiles.get(area_of(f))
            return (p.majority_group if p else None) or "unknown"

        tables["by_income_band"] = [
            _row("income_band", b, fs, repeats)
            for b, fs in sorted(_group(facts, band).items(), key=lambda kv: _band_order(kv[0]))
        ]
        tables["by_composition"] = [
            _row("composition", g, fs, repeats) for g, fs in _group(facts, group).items()
        ]
    return Measures(period=period, area=area, headline=headline, tables=tables)


def _band_order(band: str) -> int:
    return INCOME_BANDS.index(band) if band in INCOME_BANDS else len(INCOME_BANDS)


def alternative_pathways() -> tuple[str, ...]:
    return ALTERNATIVE_PATHWAYS
