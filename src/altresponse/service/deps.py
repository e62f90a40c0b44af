"""Dependencies as type aliases (Annotated), so routes declare what they need in their signature.

They are `async def` because they do no I/O: FastAPI then runs them on the event loop instead of
sending each through the thread pool (five thread hops per request otherwise).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer

from altresponse.ops.db import Store
from altresponse.ops.repository import Actor
from altresponse.service.engine import TriageEngine
from altresponse.service.security import SessionCache, TokenClaims, read_token
from altresponse.settings import Settings

COOKIE = "altresponse_token"
CSRF_HEADER = "x-altresponse-csrf"
oauth2 = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


async def get_engine(request: Request) -> TriageEngine:
    engine: TriageEngine = request.app.state.engine
    return engine


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
EngineDep = Annotated[TriageEngine, Depends(get_engine)]
TokenDep = Annotated[str | None, Depends(oauth2)]

_UNAUTHORIZED = HTTPException(status.HTTP_401_UNAUTHORIZED, "not signed in or token expired",
                              headers={"WWW-Authenticate": "Bearer"})


def actor_from_token(request: Request, token: str) -> Actor | None:
    """The live actor a token names (signature, lifetime, role and the store's session all checked)."""
    app = request.app
    claims = read_token(token, app.state.token_secret, app.state.settings.token_max_minutes)
    if claims is None:
        return None
    sessions: SessionCache = app.state.sessions
    actor = sessions.actor(app.state.store, claims)
    if actor is not None:
        request.state.token_claims = claims
    return actor


def token_claims(request: Request) -> TokenClaims:
    claims: TokenClaims = request.state.token_claims
    return claims


async def current_actor(request: Request, token: TokenDep) -> Actor:
    """The signed-in user, from the bearer token or (for the web pages) the session cookie.

    A cookie-authenticated change must carry the CSRF header, which another site's form cannot set.
    An unknown user, a revoked token or a role that is not one of the roles is 401, like no token.
    """
    if token is None:
        token = request.cookies.get(COOKIE)
        if token is not None and request.method not in ("GET", "HEAD", "OPTIONS") \
                and request.headers.get(CSRF_HEADER) != "1":
            raise HTTPException(status.HTTP_403_FORBIDDEN, "missing CSRF header for a cookie session")
    if not token:
        raise _UNAUTHORIZED
    actor = actor_from_token(request, token)
    if actor is None:
        raise _UNAUTHORIZED
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


def require(*roles: str) -> Callable[[Actor], Coroutine[Any, Any, Actor]]:
    async def check(actor: CurrentActor) -> Actor:
        if actor.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"role {actor.role} may not do this")
        return actor

    return check


CallTaker = Annotated[Actor, Depends(require("call_taker"))]
Provider = Annotated[Actor, Depends(require("provider"))]
ReferralReader = Annotated[Actor, Depends(require("call_taker", "provider"))]
Analyst = Annotated[Actor, Depends(require("analyst", "admin"))]
Admin = Annotated[Actor, Depends(require("admin"))]
Staff = Annotated[Actor, Depends(require("call_taker", "provider", "analyst", "admin"))]
