"""The app factory: settings in, FastAPI app out (store opened and migrated, protocol loaded)."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from altresponse.errors import BadInput
from altresponse.ops import open_store
from altresponse.ops import repository as repo
from altresponse.ops.db import Store
from altresponse.profile import require_profile
from altresponse.service.checkpoints import Checkpointer
from altresponse.service.engine import TriageEngine
from altresponse.service.guard import Guard
from altresponse.service.routes import auth, catalog, health, referrals, stats, triage
from altresponse.service.routes import monitor as monitor_routes
from altresponse.service.routes import public as public_routes
from altresponse.service.routes import tracker as tracker_routes
from altresponse.service.security import SessionCache
from altresponse.service.signin import Busy, HashPool, RateLimit
from altresponse.settings import Settings, resolve_keys

log = logging.getLogger("altresponse.service")


def validation_message(exc: RequestValidationError) -> str:
    """A 422's detail as one string naming each field and what was wrong — never echoing the input
    (it may be caller details, or a value JSON cannot even render)."""
    parts = []
    for err in exc.errors()[:10]:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        parts.append(f"{loc}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid input"


class RequestLog:
    """Logs method, route template, status and time of each request — never the path's values, the
    query string or the body. Plain ASGI (not BaseHTTPMiddleware), so it costs next to nothing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = [500]

        async def send_and_note(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = getattr(scope.get("route"), "path", None) or "<unmatched>"
            log.info("%s %s %d %.1fms", scope.get("method", "?"), route, status[0],
                     (time.perf_counter() - start) * 1000)


def create_app(settings: Settings | None = None, store: Store | None = None, *,
               run_migrations: bool = True) -> FastAPI:
    """Build the service. Caller details never reach the logs: requests are logged by route template
    (e.g. /referrals/{referral_id}/accept), status and time only — no bodies, no query strings."""
    settings = settings or Settings()
    keys = resolve_keys(settings)  # refuses to build without secrets outside development mode
    own_store = store is None
    store = store or open_store(settings.db_url, run_migrations=run_migrations, audit_key=keys.audit_key)
    if not store.has_audit_key:
        store.set_audit_key(keys.audit_key)
    profile = require_profile(settings.profile, option="--profile or ALTRESPONSE_PROFILE")
    hash_pool = HashPool(settings.hash_workers, settings.hash_queue)
    checkpointer = Checkpointer(store, settings.audit_checkpoints, settings.audit_checkpoint_seconds)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        checkpointer.start()
        try:
            yield
        finally:
            checkpointer.stop()
            hash_pool.shutdown()
            if own_store:
                store.dispose()

    app = FastAPI(
        title="altresponse",
        version="0.1.0",
        summary="Triage live 911 calls to the right responder, refer them, and record outcomes.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.token_secret = keys.token_secret
    app.state.store = store
    app.state.engine = TriageEngine(profile, store)
    app.state.sessions = SessionCache()
    app.state.hash_pool = hash_pool
    app.state.sign_in_limit = RateLimit(settings.login_attempts_per_minute)

    def body_limit(path: str, method: str) -> int:
        return settings.max_directory_bytes if path == "/directory" else settings.max_body_bytes

    app.add_middleware(RequestLog)
    app.add_middleware(Guard, limit_for=body_limit)  # outermost: it also catches what RequestLog lets by

    def handler(code: int) -> Callable[[Request, Exception], Response]:
        def handle(_: Request, exc: Exception) -> Response:
            return JSONResponse({"detail": str(exc)}, status_code=code)
        return handle

    app.add_exception_handler(repo.NotFound, handler(404))
    app.add_exception_handler(repo.Forbidden, handler(403))
    app.add_exception_handler(repo.Conflict, handler(409))
    app.add_exception_handler(BadInput, handler(422))

    def invalid(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return JSONResponse({"detail": validation_message(exc)}, status_code=422)

    def busy(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, Busy)
        return JSONResponse({"detail": str(exc)}, status_code=429,
                            headers={"Retry-After": str(exc.retry_after)})

    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(Busy, busy)

    for module in (health, auth, triage, referrals, catalog, stats, monitor_routes, tracker_routes,
                   public_routes):
        app.include_router(module.router)
    from altresponse.service import pages

    app.include_router(pages.router)
    _declare_string_validation_errors(app)
    return app


def _declare_string_validation_errors(app: FastAPI) -> None:
    """FastAPI documents its own 422 body (a list of errors); ours is one string, so say so."""
    default = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = default()
            schemas = schema.get("components", {}).get("schemas", {})
            if "HTTPValidationError" in schemas:
                schemas["HTTPValidationError"] = {
                    "title": "HTTPValidationError", "type": "object", "required": ["detail"],
                    "properties": {"detail": {"type": "string", "title": "Detail"}},
                }
                schemas.pop("ValidationError", None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def app_from_environment() -> FastAPI:
    """App factory for multi-process serving: settings from ALTRESPONSE_* variables; the database must
    already be migrated (`altresponse serve` migrates once before starting its workers)."""
    return create_app(Settings(), run_migrations=False)
