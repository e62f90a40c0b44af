from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordRequestForm

from altresponse.ops import repository as repo
from altresponse.service.deps import Admin, CurrentActor, StoreDep, token_claims
from altresponse.service.routes import errors
from altresponse.service.schemas import MeOut, PasswordIn, TokenOut, UserIn, UserOut
from altresponse.service.security import SessionCache, create_token
from altresponse.service.signin import HashPool, RateLimit

router = APIRouter(tags=["auth"])
UserIdPath = Annotated[int, Path(ge=1, le=2**31 - 1, description="User id.")]
_REFUSED = HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong username or password, or the account is "
                         "locked after repeated failures", headers={"WWW-Authenticate": "Bearer"})


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def issue_token(request: Request, username: str, password: str) -> TokenOut:
    """Check a sign-in without blocking the request path: limited per address, the password verified
    in the hashing pool, failures counted towards a lock-out."""
    app = request.app
    settings = app.state.settings
    store: repo.Store = app.state.store
    limit: RateLimit = app.state.sign_in_limit
    pool: HashPool = app.state.hash_pool
    limit.check(client_address(request))
    user = await run_in_threadpool(repo.sign_in_candidate, store, username)
    if user is not None and repo.is_locked(user):
        raise _REFUSED
    ok = await pool.verify(user.password_hash if user else None, password)
    if user is not None:
        await run_in_threadpool(repo.record_sign_in, store, user, ok,
                                max_failures=settings.login_failures_before_lockout,
                                lockout_minutes=settings.login_lockout_minutes)
    if not ok or user is None or not user.active:
        raise _REFUSED
    minutes = min(settings.token_minutes, settings.token_max_minutes)
    session = await run_in_threadpool(repo.open_session, store, user, minutes)
    actor = repo.Actor(user.id, user.username, user.role, user.organization_id)
    return TokenOut(access_token=create_token(actor, session.id, app.state.token_secret, minutes,
                                              issued_at=session.issued_at),
                    expires_in=minutes * 60, role=user.role)


@router.post("/auth/token", response_model=TokenOut, responses=errors(401, 422, 429))
async def token(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> TokenOut:
    """Exchange username and password for a bearer token that expires (limited per client address;
    an account locks for a while after repeated failures)."""
    return await issue_token(request, form.username, form.password)


@router.post("/auth/logout", status_code=204, responses=errors(401))
def logout(request: Request, actor: CurrentActor, store: StoreDep) -> Response:
    """Sign out: this token stops working at once."""
    claims = token_claims(request)
    repo.revoke_session(store, actor, claims.jti)
    sessions: SessionCache = request.app.state.sessions
    sessions.forget(claims.jti)
    return Response(status_code=204)


@router.post("/auth/password", status_code=204, responses=errors(401, 422, 429))
async def change_password(request: Request, body: PasswordIn, actor: CurrentActor) -> Response:
    """Change one's own password; every token the user holds is revoked, this one included."""
    app = request.app
    store: repo.Store = app.state.store
    pool: HashPool = app.state.hash_pool
    app.state.sign_in_limit.check(client_address(request))
    user = await run_in_threadpool(repo.get_user, store, actor.user_id) if actor.user_id else None
    if user is None or not await pool.verify(user.password_hash, body.current_password):
        raise _REFUSED
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(pool.hash_in_pool(), repo.change_password, store, actor, user.id,
                               body.new_password)
    app.state.sessions.forget()
    return Response(status_code=204)


@router.get("/auth/me", response_model=MeOut, responses=errors(401, 403))
def me(actor: CurrentActor) -> MeOut:
    return MeOut(id=actor.user_id, username=actor.username, role=actor.role,
                 organization_id=actor.organization_id)


@router.get("/users", response_model=list[UserOut], responses=errors(401, 403))
def list_users(_: Admin, store: StoreDep) -> list[UserOut]:
    return [UserOut.model_validate(u, from_attributes=True) for u in repo.list_users(store)]


@router.post("/users", response_model=UserOut, status_code=201, responses=errors(401, 403, 409, 422))
async def create_user(request: Request, body: UserIn, actor: Admin, store: StoreDep) -> UserOut:
    pool: HashPool = request.app.state.hash_pool
    loop = asyncio.get_running_loop()
    user = await loop.run_in_executor(pool.hash_in_pool(), lambda: repo.create_user(
        store, body.username, body.password, body.role, body.organization_id, actor=actor))
    return UserOut.model_validate(user, from_attributes=True)


def _set_active(request: Request, actor: repo.Actor, store: repo.Store, user_id: int,
                active: bool) -> UserOut:
    user = repo.set_user_active(store, actor, user_id, active)
    request.app.state.sessions.forget()
    return UserOut.model_validate(user, from_attributes=True)


@router.post("/users/{user_id}/disable", response_model=UserOut, responses=errors(401, 403, 404))
def disable_user(request: Request, user_id: UserIdPath, actor: Admin, store: StoreDep) -> UserOut:
    """Disable a user: every token the user holds stops working at once."""
    return _set_active(request, actor, store, user_id, False)


@router.post("/users/{user_id}/enable", response_model=UserOut, responses=errors(401, 403, 404))
def enable_user(request: Request, user_id: UserIdPath, actor: Admin, store: StoreDep) -> UserOut:
    return _set_active(request, actor, store, user_id, True)

