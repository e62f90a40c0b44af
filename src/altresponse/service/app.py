"""The app factory: settings in, FastAPI app out (store opened and migrated, protocol loaded)."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from altresponse.errors import BadInput
from altresponse.ops import open_store
from altresponse.ops import repository as repo
from altresponse.ops.db import Store
from altresponse.profile import load_profile
from altresponse.service.engine import TriageEngine
from altresponse.service.routes import auth, catalog, health, referrals, stats, triage
from altresponse.service.routes import monitor as monitor_routes
from altresponse.service.routes import public as public_routes
from altresponse.service.routes import tracker as tracker_routes
from altresponse.settings import Settings

log = logging.getLogger("altresponse.service")
DEFAULT_SECRET = Settings.model_fields["secret_key"].default


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
    own_store = store is None
    store = store or open_store(settings.db_url, run_migrations=run_migrations)
    profile = load_profile(settings.profile)
    if settings.secret_key == DEFAULT_SECRET:
        log.warning("ALTRESPONSE_SECRET_KEY is the built-in default: set a secret before production use")

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if own_store:
            store.dispose()

    app = FastAPI(
        title="altresponse",
        version="0.1.0",
        summary="Triage live 911 calls to the right responder, refer them, and record outcomes.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.engine = TriageEngine(profile, store)

    app.add_middleware(RequestLog)

    def handler(code: int) -> Callable[[Request, Exception], Response]:
        def handle(_: Request, exc: Exception) -> Response:
            return JSONResponse({"detail": str(exc)}, status_code=code)
        return handle

    app.add_exception_handler(repo.NotFound, handler(404))
    app.add_exception_handler(repo.Forbidden, handler(403))
    app.add_exception_handler(repo.Conflict, handler(409))
    app.add_exception_handler(BadInput, handler(422))

    for module in (health, auth, triage, referrals, catalog, stats, monitor_routes, tracker_routes,
                   public_routes):
        app.include_router(module.router)
    from altresponse.service import pages

    app.include_router(pages.router)
    return app


def app_from_environment() -> FastAPI:
    """App factory for multi-process serving: settings from ALTRESPONSE_* variables; the database must
    already be migrated (`altresponse serve` migrates once before starting its workers)."""
    return create_app(Settings(), run_migrations=False)
