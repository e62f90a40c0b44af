"""The implementation tracker: the plan's timeline as tracked work, with slippage on the critical path.

Each item has an owner organization, a planned start and due date, a duration, dependencies and a
status. Given today's date the tracker forecasts every finish (a finished item at its actual date;
an unfinished one no earlier than today and no earlier than its dependencies allow), the slip
against the due date, and which items are critical (no slack before the program's last milestone).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from altresponse.errors import BadInput

STATUSES: tuple[str, ...] = ("not_started", "in_progress", "blocked", "done")
DAYS_PER_MONTH = 30.4375


@dataclass(frozen=True)
class Milestone:
    """One task or milestone (duration 0) of the implementation plan."""

    id: str
    name: str
    owner: str
    planned_start: date
    due: date
    deps: tuple[str, ...] = ()
    status: str = "not_started"
    actual_start: date | None = None
    actual_finish: date | None = None
    phase: int = 0
    workstream: str = ""
    notes: str = ""

    @property
    def duration_days(self) -> int:
        return (self.due - self.planned_start).days

    @property
    def milestone(self) -> bool:
        return self.duration_days == 0


@dataclass(frozen=True)
class TrackedItem:
    item: Milestone
    forecast_start: date
    forecast_finish: date
    slip_days: int  # forecast finish minus due; positive = late
    slack_days: int | None  # days it may slip before it delays the last milestone (None once done)
    critical: bool
    overdue: bool  # due date passed and not done

    def to_dict(self) -> dict[str, Any]:
        d = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.item.__dict__.items()}
        d["deps"] = list(self.item.deps)
        d.update(
            forecast_start=self.forecast_start.isoformat(),
            forecast_finish=self.forecast_finish.isoformat(),
            slip_days=self.slip_days,
            slack_days=self.slack_days,
            critical=self.critical,
            overdue=self.overdue,
        )
        return d


@dataclass(frozen=True)
class TrackerStatus:
    as_of: date
    items: tuple[TrackedItem, ...]
    planned_finish: date
    forecast_finish: date

    @property
    def critical_path_slip_days(self) -> int:
        return (self.forecast_finish - self.planned_finish).days

    @property
    def critical_path(self) -> list[str]:
        return [t.item.id for t in sorted(self.items, key=lambda t: t.forecast_start) if t.critical]

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in STATUSES}
        for t in self.items:
            out[t.item.status] += 1
        out["overdue"] = sum(t.overdue for t in self.items)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "planned_finish": self.planned_finish.isoformat(),
            "forecast_finish": self.forecast_finish.isoformat(),
            "critical_path_slip_days": self.critical_path_slip_days,
            "critical_path": self.critical_path,
            "counts": self.counts(),
            "items": [t.to_dict() for t in self.items],
        }


def _order(items: Sequence[Milestone]) -> list[Milestone]:
    by_id = {m.id: m for m in items}
    missing = sorted({d for m in items for d in m.deps if d not in by_id})
    if missing:
        raise BadInput(f"tracker items depend on unknown ids: {missing}")
    done: list[Milestone] = []
    state: dict[str, int] = {}

    def visit(mid: str) -> None:
        if state.get(mid) == 2:
            return
        if state.get(mid) == 1:
            raise BadInput(f"tracker dependency cycle through {mid!r}")
        state[mid] = 1
        for d in by_id[mid].deps:
            visit(d)
        state[mid] = 2
        done.append(by_id[mid])

    for m in items:
        visit(m.id)
    return done


def track(items: Sequence[Milestone], as_of: date) -> TrackerStatus:
    """Forecast, slip, slack and the critical path as of a date."""
    if not items:
        raise BadInput("the tracker has no items")
    for m in items:
        if m.status not in STATUSES:
            raise BadInput(
                f"tracker item {m.id!r}: status {m.status!r} (expected one of {', '.join(STATUSES)})"
            )
        if m.due < m.planned_start:
            raise BadInput(
                f"tracker item {m.id!r}: due {m.due} is before its planned start {m.planned_start}"
            )
        if m.status == "done" and m.actual_finish is None:
            raise BadInput(f"tracker item {m.id!r} is done but has no actual finish date")
    order = _order(items)
    start: dict[str, date] = {}
    finish: dict[str, date] = {}
    for m in order:
        dep_finish = max((finish[d] for d in m.deps), default=m.planned_start)
        if m.status == "done":
            assert m.actual_finish is not None
            start[m.id] = m.actual_start or m.actual_finish - timedelta(days=m.duration_days)
            finish[m.id] = m.actual_finish
        elif m.status == "in_progress" and m.actual_start is not None:
            start[m.id] = m.actual_start
            finish[m.id] = max(m.actual_start + timedelta(days=m.duration_days), as_of)
        else:
            s = max(m.planned_start, dep_finish, as_of)
            start[m.id] = s
            finish[m.id] = s + timedelta(days=m.duration_days)
    end = max(finish.values())
    successors: dict[str, list[str]] = {m.id: [] for m in items}
    for m in items:
        for d in m.deps:
            successors[d].append(m.id)
    latest_finish: dict[str, date] = {}
    for m in reversed(order):
        succ = successors[m.id]
        if not succ:
            latest_finish[m.id] = end
        else:
            latest_finish[m.id] = min(
                latest_finish[s] - timedelta(days=(finish[s] - start[s]).days) for s in succ
            )
    tracked = []
    for m in items:
        slack = (latest_finish[m.id] - finish[m.id]).days
        tracked.append(
            TrackedItem(
                item=m,
                forecast_start=start[m.id],
                forecast_finish=finish[m.id],
                slip_days=(finish[m.id] - m.due).days,
                slack_days=None if m.status == "done" else slack,
                critical=slack <= 0 and m.status != "done",
                overdue=m.status != "done" and m.due < as_of,
            )
        )
    return TrackerStatus(as_of, tuple(tracked), max(m.due for m in items), end)


def milestones_from_plan_json(
    plan: Mapping[str, Any], start: date, owners: Mapping[str, str] | None = None
) -> list[Milestone]:
    """The plan's `timeline` (months from the start) as dated tracker items.

    `owners` maps a workstream (staffing, providers, dispatch, change, operations, milestone) to the
    organization that owns it; a workstream without one is owned by the program office.
    """
    owners = owners or {}
    items = []
    for t in plan.get("timeline") or []:
        s = start + timedelta(days=round(float(t["start_month"]) * DAYS_PER_MONTH))
        f = start + timedelta(
            days=round((float(t["start_month"]) + float(t["duration_months"])) * DAYS_PER_MONTH)
        )
        ws = str(t.get("workstream", ""))
        items.append(
            Milestone(
                str(t["id"]),
                str(t["name"]),
                owners.get(ws, "program office"),
                s,
                f,
                tuple(str(d) for d in t.get("deps") or ()),
                phase=int(t.get("phase") or 0),
                workstream=ws,
            )
        )
    if not items:
        raise BadInput("the plan has no timeline to track")
    return items


def with_progress(items: Sequence[Milestone], updates: Mapping[str, Mapping[str, Any]]) -> list[Milestone]:
    """Apply status updates (id -> fields) to items; an unknown id is bad input."""
    by_id = {m.id: m for m in items}
    unknown = sorted(set(updates) - set(by_id))
    if unknown:
        raise BadInput(f"updates for unknown tracker items: {unknown}")
    return [replace(m, **updates[m.id]) if m.id in updates else m for m in items]
