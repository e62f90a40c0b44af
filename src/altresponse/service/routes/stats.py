"""Statistics: public counts (small cells suppressed, with complements) and analyst aggregates."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from altresponse.ops import repository as repo
from altresponse.service.deps import Analyst, StoreDep
from altresponse.service.monitoring import period_view, public_summary
from altresponse.service.routes import errors
from altresponse.service.routes.monitor import get_setup
from altresponse.service.schemas import StatsOut

router = APIRouter(prefix="/stats", tags=["stats"])


@router.get("/public", response_model=StatsOut)
def public(store: StoreDep) -> Any:
    """Counts anyone may see, by quarter and area: cells under 10 hidden, and enough others hidden that
    no hidden cell can be worked out from the totals."""
    return public_summary(store)


@router.get("", response_model=StatsOut, responses=errors(401, 403, 422))
def analyst(
    request: Request,
    _: Analyst,
    store: StoreDep,
    period: Annotated[str | None, Query(max_length=10, pattern=r"^\d{4}(Q[1-4]|-\d{2})?$")] = None,
    area: Annotated[str | None, Query(max_length=120)] = None,
) -> Any:
    """Aggregates for analysts (by pathway, type, area, protocol version, outcome; no call details);
    with `period`, also that period's measures, targets and gate verdicts."""
    out = repo.analyst_stats(store)
    if period:
        out["monitor"] = period_view(store, period, get_setup(request), area=area).to_dict()
    return out
