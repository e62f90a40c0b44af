from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query

from altresponse.ops import repository as repo
from altresponse.ops.models import Referral
from altresponse.service.deps import CallTaker, EngineDep, Provider, ReferralReader, StoreDep
from altresponse.service.routes import errors
from altresponse.service.schemas import DeclineIn, OutcomeIn, ReferralIn, ReferralOut

router = APIRouter(prefix="/referrals", tags=["referrals"])
IdPath = Annotated[int, Path(ge=1, le=2**31 - 1, description="Referral id.")]


def _out(store: repo.Store, ref: Referral) -> ReferralOut:
    out = ReferralOut.model_validate(ref, from_attributes=True)
    try:
        d = repo.get_decision(store, ref.decision_id)
        out.pathway, out.common_type, out.area = d.pathway, d.common_type, d.area
    except repo.NotFound:  # pragma: no cover - foreign key makes this impossible
        pass
    return out


@router.post("", response_model=ReferralOut, status_code=201, responses=errors(401, 403, 404, 422))
def create_referral(body: ReferralIn, actor: CallTaker, store: StoreDep, engine: EngineDep) -> ReferralOut:
    """Refer a decided call to one provider's service; the provider sees it at once."""
    if engine.known_service(body.service_id, body.organization_id) is False:
        raise HTTPException(422, f"service {body.service_id!r} of organization {body.organization_id!r} "
                                 "is not in the directory")
    ref = repo.create_referral(store, actor, decision_id=body.decision_id, service_id=body.service_id,
                               organization_id=body.organization_id)
    return _out(store, ref)


@router.get("", response_model=list[ReferralOut], responses=errors(401, 403))
def list_referrals(actor: ReferralReader, store: StoreDep,
                   status: Annotated[str | None, Query(max_length=20)] = None,
                   limit: Annotated[int, Query(ge=1, le=500)] = 100,
                   offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> list[ReferralOut]:
    """Referrals: a provider sees only its own organization's."""
    return [_out(store, r) for r in repo.list_referrals(store, actor, status, limit, offset)]


@router.get("/{referral_id}", response_model=ReferralOut, responses=errors(401, 403, 404))
def get_referral(referral_id: IdPath, actor: ReferralReader, store: StoreDep) -> ReferralOut:
    return _out(store, repo.get_referral(store, actor, referral_id))


def _step(store: repo.Store, actor: repo.Actor, referral_id: int, action: str,
          **kw: str | None) -> ReferralOut:
    return _out(store, repo.transition_referral(store, actor, referral_id, action, **kw))


STEP_ERRORS = errors(401, 403, 404, 409, 422)


@router.post("/{referral_id}/accept", response_model=ReferralOut, responses=STEP_ERRORS)
def accept(referral_id: IdPath, actor: Provider, store: StoreDep) -> ReferralOut:
    return _step(store, actor, referral_id, "accept")


@router.post("/{referral_id}/decline", response_model=ReferralOut, responses=STEP_ERRORS)
def decline(referral_id: IdPath, body: DeclineIn, actor: Provider, store: StoreDep) -> ReferralOut:
    return _step(store, actor, referral_id, "decline", reason=body.reason)


@router.post("/{referral_id}/en-route", response_model=ReferralOut, responses=STEP_ERRORS)
def en_route(referral_id: IdPath, actor: Provider, store: StoreDep) -> ReferralOut:
    return _step(store, actor, referral_id, "en_route")


@router.post("/{referral_id}/on-scene", response_model=ReferralOut, responses=STEP_ERRORS)
def on_scene(referral_id: IdPath, actor: Provider, store: StoreDep) -> ReferralOut:
    return _step(store, actor, referral_id, "on_scene")


@router.post("/{referral_id}/outcome", response_model=ReferralOut, responses=STEP_ERRORS)
def outcome(referral_id: IdPath, body: OutcomeIn, actor: Provider, store: StoreDep) -> ReferralOut:
    """Close the referral with the city's outcome label."""
    return _step(store, actor, referral_id, "outcome", outcome=body.outcome)
