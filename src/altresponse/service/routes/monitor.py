"""Monitoring API: record what actually happened on a call; measures, gates and evaluation for analysts."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field

from altresponse.errors import BadInput
from altresponse.monitor.targets import PlanTargets
from altresponse.ops import monitor_store as ms
from altresponse.service.deps import Analyst, CurrentActor, StoreDep
from altresponse.service.monitoring import MonitorSetup, evaluate_store, period_view
from altresponse.service.routes import errors

router = APIRouter(prefix="/monitor", tags=["monitor"])
PLAN_ENV = "ALTRESPONSE_PLAN"  # path to the plan.json whose targets and gates the monitor checks


def setup_from_plan_file(path: str | Path, phase: int = 1) -> MonitorSetup:
    """A monitor setup from a plan.json written by `altresponse plan`."""
    p = Path(path)
    try:
        plan = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise BadInput(f"{p}: cannot read the plan JSON ({exc})") from exc
    return MonitorSetup(plan=PlanTargets.from_plan_json(plan), phase=phase)


def get_setup(request: Request) -> MonitorSetup:
    """The app's monitor setup: set by `configure_monitoring`, else from $ALTRESPONSE_PLAN, else none."""
    setup = getattr(request.app.state, "monitor_setup", None)
    if setup is None:
        path = os.environ.get(PLAN_ENV)
        setup = setup_from_plan_file(path) if path else MonitorSetup()
        request.app.state.monitor_setup = setup
    return setup


class ResultIn(BaseModel):
    """What actually happened. Times are zone-aware ISO 8601; free text is not taken (no caller details)."""

    model_config = ConfigDict(extra="forbid")
    actual_pathway: str = Field(max_length=40, description="Who actually went: a pathway, or 'none'.")
    actual_organization_id: str | None = Field(None, max_length=120)
    unserved_reason: str | None = Field(None, max_length=20, description="Why no alternative team went.")
    backup: str = Field("none", max_length=20, description="none, police, ems or police_and_ems.")
    injury: bool = False
    use_of_force: bool = False
    arrest: bool = False
    transport: bool = False
    referral_completed: bool = False
    arrived_at: datetime | None = None
    cleared_at: datetime | None = None


class ResultOut(ResultIn):
    model_config = ConfigDict(extra="ignore", from_attributes=True)
    decision_id: int
    recorded_at: datetime


Period = Annotated[
    str, Query(max_length=10, pattern=r"^\d{4}(Q[1-4]|-\d{2})?$", description="2027Q1, 2027-03 or 2027")
]
AreaQ = Annotated[str | None, Query(max_length=120)]
PathwayQ = Annotated[str | None, Query(max_length=40)]


@router.put("/results/{decision_id}", response_model=ResultOut, responses=errors(401, 403, 404, 422))
def record_result(
    decision_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)],
    body: ResultIn,
    actor: CurrentActor,
    store: StoreDep,
) -> Any:
    """Record or correct what happened on a decided call (dispatch, the responding provider, or admin)."""
    for t in (body.arrived_at, body.cleared_at):
        if t is not None and t.tzinfo is None:
            raise BadInput("times must carry a zone (e.g. 2027-01-05T14:03:00Z)")
    return ms.record_result(store, actor, decision_id, **body.model_dump())


@router.get("/measures", responses=errors(401, 403, 422))
def measures(
    request: Request,
    _: Analyst,
    store: StoreDep,
    period: Period,
    area: AreaQ = None,
    pathway: PathwayQ = None,
) -> dict[str, Any]:
    """The period's measures, targets, gate verdicts and tracker status (filter by area and pathway)."""
    return period_view(store, period, get_setup(request), area=area, pathway=pathway).to_dict()


@router.get("/evaluation", responses=errors(401, 403))
def evaluation(request: Request, _: Analyst, store: StoreDep) -> dict[str, Any]:
    """Difference-in-differences estimate of the effect on police-attended calls (needs go-live dates)."""
    est = evaluate_store(store, get_setup(request).go_live)
    return {
        "evaluation": est.to_dict() if est else None,
        "note": None if est else "no go-live dates by area, or too few areas, to compare",
    }
