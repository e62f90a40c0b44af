"""Server-rendered pages: sign-in, the call-taker screen and the provider screen.

The pages are self-contained (inline CSS and JS, no CDN) and call the same JSON API as any client,
authenticated by an HttpOnly, SameSite=Strict cookie plus a CSRF header on changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from altresponse.ops import repository as repo
from altresponse.ops.models import OUTCOMES
from altresponse.service.deps import COOKIE, CSRF_HEADER, EngineDep, actor_from_token
from altresponse.service.routes.auth import issue_token
from altresponse.service.signin import Busy

templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
router = APIRouter(prefix="/ui", include_in_schema=False)
HOME = {"call_taker": "/ui/call-taker", "provider": "/ui/provider", "analyst": "/ui/analyst",
        "admin": "/ui/analyst"}


def _page_actor(request: Request) -> repo.Actor | None:
    token = request.cookies.get(COOKIE)
    return actor_from_token(request, token) if token else None


def _login_redirect() -> RedirectResponse:
    return RedirectResponse("/ui/login", status_code=303)


@router.get("", response_class=HTMLResponse)
def home(request: Request) -> Response:
    actor = _page_actor(request)
    if actor is None or actor.role not in HOME:
        return _login_redirect()
    return RedirectResponse(HOME[actor.role], status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    return templates.TemplateResponse(request, "login.html", {"error": None})


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, username: Annotated[str, Form(max_length=200)],
                password: Annotated[str, Form(max_length=200)]) -> Response:
    try:
        token = await issue_token(request, username, password)
    except Busy as exc:
        return templates.TemplateResponse(request, "login.html",
                                          {"error": "Too many attempts: wait a minute."}, status_code=429,
                                          headers={"Retry-After": str(exc.retry_after)})
    except HTTPException:
        return templates.TemplateResponse(request, "login.html", {"error": "Wrong username or password."},
                                          status_code=401)
    target = HOME.get(token.role)
    if target is None:
        return templates.TemplateResponse(
            request, "login.html", {"error": f"The {token.role} role has no screen here; use the API."},
            status_code=403)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, token.access_token, max_age=token.expires_in, httponly=True,
                        samesite="strict", secure=request.url.scheme == "https", path="/")
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    """Sign out of the screens: the cookie's token is revoked in the store, not just forgotten."""
    actor = _page_actor(request)
    claims = getattr(request.state, "token_claims", None)
    if actor is not None and claims is not None:
        repo.revoke_session(request.app.state.store, actor, claims.jti)
        request.app.state.sessions.forget(claims.jti)
    response = _login_redirect()
    response.delete_cookie(COOKIE, path="/")
    return response


def _common(actor: repo.Actor, engine: Any) -> dict[str, Any]:
    organization = engine.organization_name(actor.organization_id) or actor.organization_id
    return {"user": actor.username, "role": actor.role, "organization": organization,
            "csrf_header": CSRF_HEADER, "protocol_version": engine.protocol.version}


@router.get("/call-taker", response_class=HTMLResponse)
def call_taker(request: Request, engine: EngineDep) -> Response:
    actor = _page_actor(request)
    if actor is None or actor.role != "call_taker":
        return _login_redirect()
    types = sorted(({"id": t.id, "name": t.name, "category": t.category} for t in engine.catalogue),
                   key=lambda t: (t["category"], t["name"]))
    return templates.TemplateResponse(request, "call_taker.html", {
        **_common(actor, engine), "questions": engine.questions(), "types": types})


@router.get("/provider", response_class=HTMLResponse)
def provider(request: Request, engine: EngineDep) -> Response:
    actor = _page_actor(request)
    if actor is None or actor.role != "provider":
        return _login_redirect()
    return templates.TemplateResponse(request, "provider.html", {**_common(actor, engine),
                                                                  "outcomes": list(OUTCOMES)})
