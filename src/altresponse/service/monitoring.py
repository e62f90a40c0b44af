"""Monitoring views over the store: one period's measures, gates, targets and tracker; public tables.

This is the edge between the operational store and the pure `altresponse.monitor` modules. The
service routes, the dashboard pages and the quarterly report all read their figures from here, so a
figure reads the same on every page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from altresponse.errors import BadInput
from altresponse.monitor.evaluation import EffectEstimate, PanelRow, estimate_effect
from altresponse.monitor.facts import NOT_DIVERTED, AreaProfile, CallFact, place_key
from altresponse.monitor.intervals import Estimate, count
from altresponse.monitor.measures import CadCall, Measures, compute_measures
from altresponse.monitor.periods import Period, parse_period, quarter_of
from altresponse.monitor.suppression import THRESHOLD, Link, SuppressedTable, suppress_together
from altresponse.monitor.targets import GateVerdict, PlanTargets, Verdict, evaluate_gate, evaluate_targets
from altresponse.monitor.tracker import Milestone, TrackerStatus, track
from altresponse.ops import monitor_store as ms
from altresponse.ops.db import Store


@dataclass(frozen=True)
class MonitorSetup:
    """What the monitor needs besides the store: the plan's targets, the live phase, city context."""

    plan: PlanTargets | None = None
    phase: int = 1
    area_profiles: Mapping[str, AreaProfile] = field(default_factory=dict)
    police_hours_by_type: Mapping[str, float] | None = None
    calls: Sequence[CadCall] | None = None
    go_live: Mapping[str, datetime] = field(default_factory=dict)  # area -> first served day


@dataclass(frozen=True)
class PeriodView:
    period: Period
    area: str | None
    pathway: str | None
    measures: Measures
    gates: tuple[GateVerdict, ...]
    targets: tuple[Verdict, ...]
    tracker: TrackerStatus | None
    previous: Measures | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period.label,
            "start": self.period.start.isoformat(),
            "end": self.period.end.isoformat(),
            "area": self.area,
            "pathway": self.pathway,
            "measures": self.measures.to_dict(),
            "gates": [g.to_dict() for g in self.gates],
            "targets": [t.to_dict() for t in self.targets],
            "tracker": self.tracker.to_dict() if self.tracker else None,
            "previous": self.previous.to_dict() if self.previous else None,
        }


def readiness(status: TrackerStatus | None, phase: int) -> dict[str, Estimate]:
    """Entry-gate readiness figures read from the tracker (training and agreements tasks done)."""
    if status is None:
        return {}
    items = [t.item for t in status.items]
    train = [m for m in items if m.workstream == "dispatch" and m.phase == phase]
    agreements = [m for m in items if m.workstream == "providers" and m.phase in (0, phase)]
    out = {"provider_agreements_signed": count(sum(m.status == "done" for m in agreements))}
    if train:  # a fact from the tracker, not a sample: no interval
        done = sum(m.status == "done" for m in train)
        out["call_takers_trained_share"] = Estimate(done / len(train), len(train), unit="share")
    if phase > 1:
        prev = [m for m in items if m.id == f"review{phase - 1}"]
        if prev:
            out["previous_phase_exit_met"] = count(int(prev[0].status == "done"))
    return out


def _cad_in(calls: Sequence[CadCall] | None, p: Period, area: str | None) -> list[CadCall] | None:
    if calls is None:
        return None
    return [c for c in calls if p.contains(c.received_at) and (area is None or c.area == area)]


def period_view(
    store: Store,
    period: str,
    setup: MonitorSetup | None = None,
    *,
    area: str | None = None,
    pathway: str | None = None,
    as_of: date | None = None,
) -> PeriodView:
    """Everything one period's page shows, for the whole city or one area (and one decided pathway)."""
    setup = setup or MonitorSetup()
    p = parse_period(period)
    facts = ms.load_facts(store, p.start, p.end, area=area, pathway=pathway)
    measures = compute_measures(
        facts,
        period=p.label,
        area=area,
        calls=_cad_in(setup.calls, p, area),
        area_profiles=setup.area_profiles,
        police_hours_by_type=setup.police_hours_by_type,
    )
    prev_p = p.previous()
    prev_facts = ms.load_facts(store, prev_p.start, prev_p.end, area=area, pathway=pathway)
    previous = compute_measures(prev_facts, period=prev_p.label, area=area) if prev_facts else None
    items = ms.list_tracker(store)
    if as_of is None:  # the period's end, or today (or the last recorded call) if that is earlier
        _, last = ms.decision_span(store)
        now = max(datetime.now(UTC), last) if last else datetime.now(UTC)
        as_of = min(p.end.date(), now.date())
    status = track(items, as_of) if items else None
    gates: tuple[GateVerdict, ...] = ()
    targets: tuple[Verdict, ...] = ()
    if setup.plan is not None and setup.plan.phases:
        figures: dict[str, Estimate] = {**measures.headline, **readiness(status, setup.phase)}
        gates = (
            evaluate_gate(setup.plan, setup.phase, "entry", figures),
            evaluate_gate(setup.plan, setup.phase, "exit", figures),
        )
        targets = tuple(evaluate_targets(setup.plan, setup.phase, figures))
    return PeriodView(p, area, pathway, measures, gates, targets, status, previous)


# ---------------------------------------------------------------- public tables
PUBLIC_TABLES = {
    "diverted_by_area": "Calls handled by an alternative team with no police or EMS backup, by area",
    "decided_by_pathway": "Decisions by pathway and quarter",
    "actual_by_pathway": "Who actually responded, by pathway and quarter",
}


def _counts(
    facts: Sequence[CallFact], row_of: Any, keep: Any, cols: Sequence[str]
) -> tuple[list[str], list[str], dict[tuple[str, str], int]]:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    rows: set[str] = set()
    for f in facts:
        r = row_of(f)
        rows.add(r)
        if keep(f):
            counts[(r, quarter_of(f.decided_at))] += 1
    return sorted(rows), list(cols), counts


def public_tables(store: Store, threshold: int = THRESHOLD) -> dict[str, SuppressedTable]:
    """The dashboard's tables, by quarter: every cell under `threshold` hidden, with complements chosen
    so that the tables *together* give no hidden cell back (the two pathway tables share their
    quarter totals: every decision of the quarter)."""
    facts = ms.load_facts(store)
    if not facts:
        return {}

    def area(f: CallFact) -> str:
        return f.area or "(unknown area)"

    quarters = sorted({quarter_of(f.decided_at) for f in facts})
    eligible = [f for f in facts if f.eligible]
    counts = {
        "diverted_by_area": _counts(eligible, area, lambda f: f.diverted, quarters),
        "decided_by_pathway": _counts(facts, lambda f: f.decided_pathway, lambda f: True, quarters),
        "actual_by_pathway": _counts(
            facts, lambda f: f.actual_pathway or "not recorded", lambda f: True, quarters
        ),
    }
    # Eligible calls by area are not published: their quarter totals are the alternative pathways'
    # rows of the decided table, and that link would give hidden pathway counts back.
    nd, na = len(counts["decided_by_pathway"][0]), len(counts["actual_by_pathway"][0])
    links: list[Link] = [
        ((("decided_by_pathway", nd, j),), (("actual_by_pathway", na, j),)) for j in range(len(quarters) + 1)
    ]  # both count every decision per quarter
    return suppress_together(counts, links, threshold)


def public_summary(store: Store, threshold: int = THRESHOLD) -> dict[str, Any]:
    """The JSON behind `/stats/public`: the dashboard tables, and decisions by pathway read from the
    same suppressed table (so the one-way counts hide exactly what the table hides)."""
    tables = public_tables(store, threshold)
    decided = tables.get("decided_by_pathway")
    by_pathway = (
        []
        if decided is None
        else [
            {"pathway": r, "count": decided.row_totals[i], "suppressed": decided.row_totals[i] is None}
            for i, r in enumerate(decided.rows)
        ]
    )
    return {
        "total_decisions": 0 if decided is None else decided.total,
        "by_pathway": by_pathway,
        "tables": {
            name: {
                "title": PUBLIC_TABLES[name],
                "rows": list(t.rows),
                "cols": list(t.cols),
                "records": t.to_records("row", "quarter"),
            }
            for name, t in tables.items()
        },
        "suppression_threshold": threshold,
        "suppression": "cells from 1 to 9 hidden; further cells hidden so no hidden cell can be worked out "
        "from the row, column and grand totals of these tables, alone or together",
        "source": "altresponse operational store (decisions, referrals and recorded results)",
    }


# ---------------------------------------------------------------- evaluation
def panel_from_facts(
    facts: Sequence[CallFact], go_live: Mapping[str, datetime], *, outcome: str = "police_share"
) -> list[PanelRow]:
    """Area x month panel for the evaluation over calls of eligible types; areas served from go-live.

    `outcome`: 'police_share' (share of eligible calls that police attended; months with no eligible
    call are left out), 'police_count' (their number) or 'eligible' (all eligible calls).
    """
    if outcome not in ("police_share", "police_count", "eligible"):
        raise ValueError(f"unknown evaluation outcome {outcome!r}")
    if not facts:
        return []
    first = min(f.decided_at for f in facts)

    def month(t: datetime) -> int:
        return (t.year - first.year) * 12 + t.month - first.month

    police: dict[tuple[str, int], float] = defaultdict(float)
    eligible: dict[tuple[str, int], float] = defaultdict(float)
    areas = {f.area for f in facts if f.area}
    months = range(0, max(month(f.decided_at) for f in facts) + 1)
    for f in facts:
        if not f.area or not f.eligible:
            continue
        key = (f.area, month(f.decided_at))
        eligible[key] += 1
        if f.actual_pathway in NOT_DIVERTED:
            police[key] += 1
    rows = []
    for a in sorted(areas):
        g = go_live.get(a)
        gm = month(g) if g is not None else None
        for m in months:
            n = eligible.get((a, m), 0.0)
            if outcome == "police_share":
                if n:
                    rows.append(PanelRow(a, m, police.get((a, m), 0.0) / n, gm))
            else:
                rows.append(PanelRow(a, m, n if outcome == "eligible" else police.get((a, m), 0.0), gm))
    return rows


def evaluate_store(store: Store, go_live: Mapping[str, datetime]) -> EffectEstimate | None:
    """The program's effect on the share of eligible calls police attended, served vs not-yet-served areas."""
    if not go_live:
        return None
    rows = panel_from_facts(ms.load_facts(store), go_live)
    if len({r.unit for r in rows}) < 3 or not any(r.go_live is None for r in rows):
        return None
    return estimate_effect(rows, "share of eligible calls attended by police")


def milestones(store: Store) -> list[Milestone]:
    return ms.list_tracker(store)


def cad_calls_from_parquet(path: str | Path, area_column: str = "neighborhood") -> list[CadCall]:
    """The city's ingested calls (calls.parquet from `altresponse ingest`) as `CadCall`s.

    The location snapped to the store's block grid is the place key for repeat calls; `area_column` is
    the canonical column whose names the decisions use (neighborhood, csa or district).
    """
    import pyarrow.parquet as pq

    p = Path(path)
    try:
        schema_names = pq.read_schema(p).names
    except (OSError, ValueError) as exc:
        raise BadInput(f"cannot read calls: {exc}", file=str(p)) from exc
    for col in ("received_utc", "origin", area_column):
        if col not in schema_names:
            raise BadInput(f"calls file lacks column {col!r}", file=str(p), column=col)
    cols = ["received_utc", "origin", area_column] + [
        c for c in ("latitude", "longitude", "common_type") if c in schema_names
    ]
    table = pq.read_table(p, columns=cols).to_pydict()
    n = len(table["received_utc"])
    lons, lats = table.get("longitude", [None] * n), table.get("latitude", [None] * n)
    types = table.get("common_type", [""] * n)
    out = []
    for i in range(n):
        t = table["received_utc"][i]
        if t is None:
            continue
        out.append(
            CadCall(
                t if t.tzinfo else t.replace(tzinfo=UTC),
                table[area_column][i],
                types[i] or "",
                table["origin"][i] == "community_initiated",
                place_key(lons[i], lats[i]),
            )
        )
    return out
