"""Directory (read for staff, publish for admin) and protocol (questions, versions)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, HTTPException

from altresponse.ops import repository as repo
from altresponse.service.deps import Admin, Analyst, EngineDep, Staff, StoreDep
from altresponse.service.engine import _plain
from altresponse.service.routes import errors
from altresponse.service.schemas import (
    CommonTypeOut,
    DirectoryOut,
    DirectoryPublishedOut,
    ProtocolOut,
    ProtocolVersionOut,
    QuestionOut,
)

router = APIRouter(tags=["directory", "protocol"])


@router.get("/directory", response_model=DirectoryOut, responses=errors(401, 403))
def read_directory(_: Staff, engine: EngineDep) -> DirectoryOut:
    """The live provider directory as Open Referral HSDS 3.0 JSON."""
    hsds = _plain(engine.directory.to_hsds_json()) if engine.directory is not None else None
    return DirectoryOut(source=engine.directory_source, hsds=hsds)


@router.put("/directory", response_model=DirectoryPublishedOut, responses=errors(401, 403, 422))
def publish_directory(actor: Admin, store: StoreDep, engine: EngineDep,
                      hsds: dict[str, Any] = Body(..., description="HSDS 3.0 JSON")) -> DirectoryPublishedOut:
    """Publish a new directory (admin). It is validated as HSDS 3.0 and becomes live at once."""
    try:
        import altresponse.directory as directory_module

        validate = directory_module.validate_hsds
        directory_cls: Any = directory_module.Directory
    except (ImportError, AttributeError) as exc:
        raise HTTPException(422, "this build has no directory module to validate HSDS") from exc
    services = hsds.get("services")
    if not isinstance(services, list) or not services:
        raise HTTPException(422, "a directory without services would leave every call without a provider: "
                                 "refused")
    problems = validate(hsds, version="3.0")
    if problems:
        raise HTTPException(422, f"not valid HSDS 3.0: {'; '.join(str(p) for p in list(problems)[:5])}")
    try:
        directory_cls.from_hsds_json(hsds)
    except Exception as exc:
        raise HTTPException(422, f"directory cannot be loaded: {exc}") from exc
    ver = repo.publish_directory(store, actor, hsds)
    engine.reload_directory()
    return DirectoryPublishedOut(id=ver.id, content_hash=ver.content_hash, source=engine.directory_source)


@router.get("/protocol", response_model=ProtocolOut, responses=errors(401, 403))
def read_protocol(_: Staff, engine: EngineDep) -> ProtocolOut:
    """The live protocol: version, content hash, questions in safety order, the common types."""
    p = engine.protocol
    return ProtocolOut(
        name=p.name, version=p.version, content_hash=p.content_hash, title=p.title,
        questions=[QuestionOut.model_validate(q) for q in engine.questions()],
        common_types=[CommonTypeOut(id=t.id, name=t.name, category=t.category) for t in engine.catalogue],
    )


@router.get("/protocol/versions", response_model=list[ProtocolVersionOut], responses=errors(401, 403))
def protocol_versions(_: Analyst, store: StoreDep, engine: EngineDep) -> list[ProtocolVersionOut]:
    """Every protocol version that decided live calls, and how many; the live one is marked."""
    seen = repo.protocol_versions_seen(store)
    out = [ProtocolVersionOut(**v, current=v["content_hash"] == engine.protocol.content_hash) for v in seen]
    if not any(v.current for v in out):
        out.append(ProtocolVersionOut(protocol_version=engine.protocol.version,
                                      content_hash=engine.protocol.content_hash, decisions=0,
                                      first_used=None, last_used=None, current=True))
    return out
