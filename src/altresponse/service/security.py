"""Access tokens: short-lived signed JWTs (HS256) carrying the user's id, role and organization.

Claims are trusted until the token expires (settings.token_minutes), so a role change or a disabled
account takes effect at the latest when the current token runs out.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from altresponse.ops.repository import Actor

ALGORITHM = "HS256"


def create_token(actor: Actor, secret: str, minutes: int) -> str:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": str(actor.user_id), "usr": actor.username, "role": actor.role, "org": actor.organization_id,
        "iat": now, "exp": now + timedelta(minutes=minutes),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_token(token: str, secret: str) -> Actor | None:
    """The actor a valid, unexpired token names; None for anything else."""
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM],
                            options={"require": ["exp", "sub", "role"]})
        return Actor(int(claims["sub"]), str(claims.get("usr", "")), str(claims["role"]), claims.get("org"))
    except (jwt.PyJWTError, ValueError, KeyError, TypeError):
        return None
