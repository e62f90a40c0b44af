from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from altresponse.ops import repository as repo
from altresponse.service.deps import Analyst, StoreDep
from altresponse.service.routes import errors
from altresponse.service.schemas import StatsOut

router = APIRouter(prefix="/stats", tags=["stats"])


@router.get("/public", response_model=StatsOut)
def public(store: StoreDep) -> Any:
    """Counts anyone may see; cells under 10 are suppressed (with a second cell where needed)."""
    return repo.public_stats(store)


@router.get("", response_model=StatsOut, responses=errors(401, 403))
def analyst(_: Analyst, store: StoreDep) -> Any:
    """Aggregates for analysts: by pathway, type, area, protocol version, outcome; no call details."""
    return repo.analyst_stats(store)
