"""Implementation tracker API: milestones and tasks with owners, due dates, status and dependencies."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from altresponse.monitor.tracker import Milestone, track
from altresponse.ops import monitor_store as ms
from altresponse.service.deps import Analyst, StoreDep
from altresponse.service.routes import errors

router = APIRouter(prefix="/tracker", tags=["tracker"])
KeyPath = Annotated[str, Path(max_length=60, pattern=r"^[A-Za-z0-9_.-]+$")]


def _plausible(d: date) -> date:
    if not date(1900, 1, 1) <= d <= date(2999, 12, 31):
        raise ValueError("dates must lie between 1900-01-01 and 2999-12-31")
    return d


Day = Annotated[date, AfterValidator(_plausible)]


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(max_length=60, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(max_length=200)
    owner: str = Field(max_length=120, description="The organization that owns the item.")
    planned_start: Day
    due: Day
    deps: list[str] = Field(default_factory=list, max_length=50)
    status: str = Field("not_started", max_length=20)
    phase: int = Field(0, ge=0, le=20)
    workstream: str = Field("", max_length=40)
    notes: str = Field("", max_length=2000)


class ItemPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, max_length=200)
    owner: str | None = Field(None, max_length=120)
    planned_start: Day | None = None
    due: Day | None = None
    deps: list[str] | None = Field(None, max_length=50)
    status: str | None = Field(None, max_length=20)
    actual_start: Day | None = None
    actual_finish: Day | None = None
    notes: str | None = Field(None, max_length=2000)


@router.get("", responses=errors(401, 403))
def status(
    _: Analyst,
    store: StoreDep,
    as_of: Annotated[Day | None, Query(description="Forecast as of this day (default today).")] = None,
) -> dict[str, Any]:
    """Every item with its forecast finish, slip and slack, and the slip of the critical path."""
    items = ms.list_tracker(store)
    if not items:
        return {"items": [], "critical_path": [], "critical_path_slip_days": 0}
    return track(items, as_of or datetime.now(UTC).date()).to_dict()


@router.post("", status_code=201, responses=errors(401, 403, 409, 422))
def create(body: ItemIn, actor: Analyst, store: StoreDep) -> dict[str, Any]:
    m = Milestone(
        body.id,
        body.name,
        body.owner,
        body.planned_start,
        body.due,
        tuple(body.deps),
        body.status,
        phase=body.phase,
        workstream=body.workstream,
        notes=body.notes,
    )
    ms.create_tracker_item(store, actor, m)
    return {"id": m.id}


@router.patch("/{key}", responses=errors(401, 403, 404, 422))
def update(key: KeyPath, body: ItemPatch, actor: Analyst, store: StoreDep) -> dict[str, Any]:
    """Change an item (status, dates, owner, dependencies, notes); every change is audited."""
    changes = body.model_dump(exclude_unset=True)
    m = ms.update_tracker_item(store, actor, key, changes)
    return {"id": m.id, "status": m.status}
