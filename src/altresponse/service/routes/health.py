from __future__ import annotations

from fastapi import APIRouter

from altresponse.ops.db import current_revision
from altresponse.service.deps import EngineDep, StoreDep
from altresponse.service.schemas import HealthOut

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthOut)
def health(store: StoreDep, engine: EngineDep) -> HealthOut:
    """Liveness and readiness: the database answers and is migrated; which protocol is live."""
    return HealthOut(status="ok", database=store.dialect, revision=current_revision(store.engine),
                     protocol_version=engine.protocol.version, directory=engine.directory_source)
