from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from altresponse.service.deps import CallTaker, EngineDep
from altresponse.service.routes import errors
from altresponse.service.schemas import TriageIn, TriageOut

router = APIRouter(tags=["triage"])


@router.post("/triage", response_model=TriageOut, status_code=201, responses=errors(401, 403, 422))
async def triage(body: TriageIn, actor: CallTaker, engine: EngineDep) -> TriageOut:
    """Screening answers in; pathway, responder, reasons, protocol version and matched providers out.

    The decision is recorded with its audit row before it is returned.
    """
    def run() -> TriageOut:
        result = engine.triage(actor, call_ref=body.call_ref, common_type=body.common_type,
                               answers=body.answers, mpds_code=body.mpds_code, area=body.area, lon=body.lon,
                               lat=body.lat, when=body.when)
        return TriageOut.model_validate(result)

    # SQLite writes in process in well under a millisecond: doing it on the event loop saves two thread
    # hops and the GIL hand-offs between them. PostgreSQL waits on the network: a worker thread waits.
    if engine.store.dialect == "sqlite":
        return run()
    return await run_in_threadpool(run)
