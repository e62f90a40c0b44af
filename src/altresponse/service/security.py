"""Access tokens: short-lived signed JWTs (HS256) naming a session the store can revoke.

A token carries the user id, role, organization and a token id (`jti`). It is accepted only when
its signature holds, it has not expired, its lifetime (exp - iat) is within the configured maximum,
its role is one of the roles, and the store still holds its token id unrevoked for an active user —
so sign-out, disabling a user and a password change take effect at once. The role the request acts
with is the one stored now.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from altresponse.ops import repository as repo
from altresponse.ops.db import Store
from altresponse.ops.models import ROLES

ALGORITHM = "HS256"
CLOCK_SKEW_SECONDS = 60


def create_token(actor: repo.Actor, jti: str, secret: str, minutes: int,
                 issued_at: datetime | None = None) -> str:
    now = issued_at or datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": str(actor.user_id), "usr": actor.username, "role": actor.role, "org": actor.organization_id,
        "jti": jti, "iat": now, "exp": now + timedelta(minutes=minutes),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    role: str
    jti: str


def read_token(token: str, secret: str, max_minutes: int) -> TokenClaims | None:
    """The claims of a well-formed, validly signed, unexpired token of bounded lifetime; else None."""
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM],
                            options={"require": ["exp", "iat", "sub", "role", "jti"]},
                            leeway=0)
        exp, iat = float(claims["exp"]), float(claims["iat"])
        role, jti, user_id = claims["role"], claims["jti"], int(claims["sub"])
    except (jwt.PyJWTError, ValueError, KeyError, TypeError, OverflowError):
        return None
    if not isinstance(role, str) or role not in ROLES or not isinstance(jti, str) or not 8 <= len(jti) <= 43:
        return None
    if exp - iat > max_minutes * 60 or iat > time.time() + CLOCK_SKEW_SECONDS or user_id < 1:
        return None
    return TokenClaims(user_id, role, jti)


class SessionCache:
    """Token ids checked against the store in the last `ttl` seconds, so a busy call-taker's requests
    do not each cost a query. Revocations made by this process clear their entries at once; another
    worker's revocation takes effect here within `ttl`."""

    def __init__(self, ttl: float = 1.0, size: int = 4096) -> None:
        self.ttl, self.size = ttl, size
        self._entries: dict[str, tuple[float, repo.Actor]] = {}
        self._lock = threading.Lock()

    def actor(self, store: Store, claims: TokenClaims) -> repo.Actor | None:
        now = time.monotonic()
        hit = self._entries.get(claims.jti)
        if hit is not None and hit[0] > now:
            actor = hit[1]
        else:
            found = repo.session_actor(store, claims.jti, claims.user_id)
            if found is None:
                self.forget(claims.jti)
                return None
            actor = found
            with self._lock:
                if len(self._entries) >= self.size:
                    self._entries.clear()
                self._entries[claims.jti] = (now + self.ttl, actor)
        if actor.role != claims.role:  # the role changed since the token was issued: sign in again
            return None
        return actor

    def forget(self, jti: str | None = None) -> None:
        with self._lock:
            if jti is None:
                self._entries.clear()
            else:
                self._entries.pop(jti, None)
