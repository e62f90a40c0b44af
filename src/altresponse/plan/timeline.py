"""Implementation timeline: tasks with dependencies and milestones, scheduled by a forward pass.

Durations come from the profile's lead times (hiring, provider agreements, CAD configuration,
training); a task starts when all its dependencies finish, and never before its earliest month.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Task:
    id: str
    name: str
    duration: float  # months; 0 = milestone
    deps: tuple[str, ...] = field(default_factory=tuple)
    earliest: float = 0.0
    offset: float = 0.0  # months added to the dependencies' finish (negative = may start before it)
    phase: int = 0
    workstream: str = ""
    start: float = 0.0

    @property
    def finish(self) -> float:
        return self.start + self.duration

    @property
    def milestone(self) -> bool:
        return self.duration == 0


def schedule(tasks: Sequence[Task]) -> list[Task]:
    """Set each task's start to the latest finish of its dependencies (tasks in any order)."""
    by_id = {t.id: t for t in tasks}
    missing = {d for t in tasks for d in t.deps if d not in by_id}
    if missing:
        raise ValueError(f"tasks depend on unknown ids: {sorted(missing)}")
    done: dict[str, Task] = {}
    visiting: set[str] = set()

    def visit(tid: str) -> Task:
        if tid in done:
            return done[tid]
        if tid in visiting:
            raise ValueError(f"dependency cycle through {tid!r}")
        visiting.add(tid)
        t = by_id[tid]
        dep_finish = [visit(d).finish + t.offset for d in t.deps]
        start = max([t.earliest, *dep_finish])
        done[tid] = replace(t, start=start)
        visiting.discard(tid)
        return done[tid]

    return [visit(t.id) for t in tasks]


def plan_tasks(phases: Sequence[tuple[str, float]], lead: Mapping[str, float]) -> list[Task]:
    """The standard task list for a phased roll-out.

    `phases` is (name, minimum months of operation before the next gate review) per phase;
    `lead` holds months for hiring, provider_agreements, cad_configuration, call_taker_training,
    community_engagement and public_reporting_setup.
    """
    tasks: list[Task] = [
        Task(
            "engage",
            "Community engagement and advisory board",
            lead["community_engagement"],
            workstream="change",
        ),
        Task(
            "agreements1",
            "Provider agreements (phase 1 providers)",
            lead["provider_agreements"],
            workstream="providers",
        ),
        Task(
            "cad",
            "CAD configuration: protocol, call types, dispatch codes",
            lead["cad_configuration"],
            workstream="dispatch",
        ),
        Task(
            "reporting",
            "Public reporting: dashboard and data sharing",
            lead["public_reporting_setup"],
            workstream="change",
        ),
    ]
    prev_review = ""
    for i, (name, months) in enumerate(phases, start=1):
        if i == 1:
            hire = Task(
                "hire1", f"Hire and train teams for {name}", lead["hiring"], phase=1, workstream="staffing"
            )
        else:
            # hire so the new teams are ready when the previous phase's minimum run ends
            hire = Task(
                f"hire{i}",
                f"Hire and train teams for {name}",
                lead["hiring"],
                (f"golive{i - 1}",),
                offset=phases[i - 2][1] - lead["hiring"],
                phase=i,
                workstream="staffing",
            )
        tasks.append(hire)
        train_deps: tuple[str, ...] = ("cad",) if i == 1 else (prev_review,)
        tasks.append(
            Task(
                f"train{i}",
                f"Call-taker training for {name}",
                lead["call_taker_training"],
                train_deps,
                phase=i,
                workstream="dispatch",
            )
        )
        live_deps = [f"hire{i}", f"train{i}"]
        if i == 1:
            live_deps += ["agreements1", "engage", "reporting"]
        else:
            live_deps.append(prev_review)
            tasks.append(
                Task(
                    f"agreements{i}",
                    f"Provider agreements for {name}",
                    lead["provider_agreements"],
                    (f"golive{i - 1}",),
                    phase=i,
                    workstream="providers",
                )
            )
            live_deps.append(f"agreements{i}")
        tasks.append(
            Task(f"golive{i}", f"Go-live: {name}", 0, tuple(live_deps), phase=i, workstream="milestone")
        )
        tasks.append(
            Task(
                f"run{i}",
                f"Operate and measure: {name}",
                months,
                (f"golive{i}",),
                phase=i,
                workstream="operations",
            )
        )
        tasks.append(
            Task(
                f"review{i}",
                f"Go/no-go review after {name}",
                0,
                (f"run{i}",),
                phase=i,
                workstream="milestone",
            )
        )
        prev_review = f"review{i}"
    return schedule(tasks)
