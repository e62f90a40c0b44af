"""The outer guard of every request: body size cap, input the store cannot hold, security headers,
and a last-resort handler whose log line holds no request value.

Plain ASGI (not BaseHTTPMiddleware), so it costs next to nothing on the triage path.

- A body over the cap gets 413 before it is read in full (Content-Length, or counted as it arrives).
- A JSON body is parsed once here: `NaN`/`Infinity`, a lone surrogate (`\\ud800`), a NUL character,
  invalid UTF-8 and nesting deeper than MAX_DEPTH get 422 with a message, never a 500. So do NUL
  characters or undecodable bytes in the query string or a form body (the sign-in form needs no token).
- Every response carries X-Frame-Options, X-Content-Type-Options, Referrer-Policy and, for the
  screens, a Content-Security-Policy that allows nothing from another origin.
- An unexpected exception becomes a plain 500 and one log line with the route template and the
  exception's type only: no message, since a database error's message can quote the values.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("altresponse.service")
MAX_DEPTH = 32
# The screens are self-contained pages with inline script and style; nothing else may load.
SCREEN_CSP = ("default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
              "img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
              "base-uri 'none'")
API_CSP = "default-src 'none'; frame-ancestors 'none'"
COMMON_HEADERS = [(b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff"),
                  (b"referrer-policy", b"no-referrer")]


class Refused(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


def _refuse_constant(name: str) -> Any:
    raise Refused(422, f"JSON body holds {name}, which is not a JSON number")


def _check_value(value: Any, depth: int = 0) -> None:
    """Strings the store can hold: no NUL, no lone surrogate; bounded nesting."""
    if depth > MAX_DEPTH:
        raise Refused(422, f"JSON body nests deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        _check_text(value, "JSON body")
    elif isinstance(value, dict):
        for k, v in value.items():
            _check_text(k, "JSON body")
            _check_value(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            _check_value(v, depth + 1)


def _check_text(text: str, where: str) -> None:
    if "\x00" in text:
        raise Refused(422, f"{where} holds a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise Refused(422, f"{where} holds a lone UTF-16 surrogate, which is not text") from None


def check_json_body(body: bytes) -> None:
    if not body:
        return
    try:
        value = json.loads(body, parse_constant=_refuse_constant)
    except Refused:
        raise
    except UnicodeDecodeError:
        raise Refused(422, "JSON body is not valid UTF-8") from None
    except RecursionError:
        raise Refused(422, f"JSON body nests deeper than {MAX_DEPTH} levels") from None
    except ValueError:
        return  # not JSON: the route's own parser answers 422 with its position
    _check_value(value)


def check_form(raw: bytes, where: str) -> None:
    try:
        pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise Refused(422, f"{where} is not valid UTF-8") from None
    except ValueError:
        raise Refused(422, f"{where} is malformed") from None
    for k, v in pairs:
        _check_text(k, where)
        _check_text(v, where)


class Guard:
    """See the module docstring. `limit_for(path, method)` gives the body cap for a request."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str, str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        screen = path.startswith("/ui")
        extra = [*COMMON_HEADERS, (b"content-security-policy", (SCREEN_CSP if screen else API_CSP).encode())]
        if path in ("/docs", "/redoc"):  # the interactive docs load their own script: frame headers only
            extra = COMMON_HEADERS
        started = [False]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                started[0] = True
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        try:
            receive = await self._screen(scope, receive)
        except Refused as exc:
            await _plain(send_with_headers, exc.status, exc.detail)
            return
        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:  # last resort: our fault, and the log must not quote the request
            route = getattr(scope.get("route"), "path", None) or "<unmatched>"
            log.error("%s %s 500 %s", scope.get("method", "?"), route, type(exc).__name__)
            if not started[0]:
                await _plain(send_with_headers, 500, "internal error")

    async def _screen(self, scope: Scope, receive: Receive) -> Receive:
        query: bytes = scope.get("query_string", b"")
        if query:
            check_form(query, "query string")
        method = scope.get("method", "GET")
        if method in ("GET", "HEAD", "OPTIONS", "DELETE"):
            return receive
        limit = self.limit_for(scope.get("path", ""), method)
        headers = dict(scope.get("headers", []))
        length = headers.get(b"content-length")
        if length is not None:
            try:
                if int(length) > limit:
                    raise Refused(413, f"request body over {limit} bytes")
            except ValueError:
                raise Refused(400, "Content-Length is not a number") from None
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise Refused(413, f"request body over {limit} bytes")
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if kind == b"application/json" or kind.endswith(b"+json"):
            check_json_body(body)
        elif kind == b"application/x-www-form-urlencoded":
            check_form(body, "form body")
        replayed = [False]

        async def replay() -> Message:
            if not replayed[0]:
                replayed[0] = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return replay


async def _plain(send: Callable[[Message], Any], status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
