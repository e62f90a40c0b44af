"""API routers. Routes validate, authorise and translate; the store's repository does the work."""

from __future__ import annotations

from typing import Any

from altresponse.service.schemas import ErrorOut


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a route can return."""
    text = {400: "Bad request", 401: "Not signed in or token expired", 403: "Role not allowed",
            404: "Not found (or not yours)", 409: "Not allowed in the current state",
            422: "Invalid input", 429: "Too many attempts: retry after the Retry-After seconds"}
    return {c: {"model": ErrorOut, "description": text[c]} for c in codes}
