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
from altresponse.service.security import read_token
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


async def current_actor(request: Request, settings: SettingsDep, token: TokenDep) -> Actor:
    """The signed-in user, from the bearer token or (for the web pages) the session cookie.

    A cookie-authenticated change must carry the CSRF header, which another site's form cannot set.
    """
    if token is None:
        token = request.cookies.get(COOKIE)
        if token is not None and request.method not in ("GET", "HEAD", "OPTIONS") \
                and request.headers.get(CSRF_HEADER) != "1":
            raise HTTPException(status.HTTP_403_FORBIDDEN, "missing CSRF header for a cookie session")
    if not token:
        raise _UNAUTHORIZED
    actor = read_token(token, settings.secret_key)
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
