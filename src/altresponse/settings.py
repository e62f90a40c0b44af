"""Process-wide settings from ALTRESPONSE_* environment variables (pydantic-settings)."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from altresponse.errors import BadInput

log = logging.getLogger("altresponse.settings")
# Secrets once shipped as defaults: known to everyone, so refused even in development mode.
KNOWN_PUBLIC_SECRETS = frozenset({"change-me-in-production-this-is-not-a-secret"})
MIN_SECRET_CHARS = 32


class Settings(BaseSettings):
    """Where things live and how the service runs. Every field can be set as ALTRESPONSE_<NAME>.

    The token secret and the audit key have no defaults: outside `dev_mode` the service refuses to
    start without them (see `resolve_keys`).
    """

    model_config = SettingsConfigDict(env_prefix="ALTRESPONSE_", env_file=None, extra="ignore")

    shared: Path = Path("../shared")
    profile: str | None = None  # the city profile the service routes for; no default city
    db_url: str = "sqlite:///altresponse.db"
    dev_mode: bool = False  # development only: generate throw-away secrets when none are set
    secret_key: SecretStr | None = None  # signs access tokens (HS256); at least 32 characters
    audit_key: SecretStr | None = None  # keys the audit chain (HMAC-SHA256); kept outside the database
    audit_checkpoints: Path | None = None  # append-only file of signed chain heads, outside the database
    audit_checkpoint_seconds: float = 10.0  # how often the service writes a checkpoint when the head moved
    token_minutes: int = 60
    token_max_minutes: int = 720  # no token is accepted whose lifetime exceeds this, whoever signed it
    max_body_bytes: int = 64 * 1024  # request bodies above this get 413
    max_directory_bytes: int = 8 * 1024 * 1024  # except a published directory (PUT /directory)
    login_failures_before_lockout: int = 5
    login_lockout_minutes: int = 15
    login_attempts_per_minute: int = 10  # per client address
    hash_workers: int = 1  # threads that verify passwords, apart from the request path
    hash_queue: int = 8  # sign-ins waiting for a hashing thread beyond this get 429
    duckdb_memory_limit: str = "1500MB"
    duckdb_threads: int = 0  # 0 = DuckDB's default (all cores)


@dataclass(frozen=True)
class Keys:
    """The secrets a running service uses, resolved once at start."""

    token_secret: str
    audit_key: bytes
    ephemeral: bool


def _check_secret(name: str, value: str) -> str:
    if value in KNOWN_PUBLIC_SECRETS:
        raise BadInput(f"ALTRESPONSE_{name} is a published default, not a secret: set a random one "
                       f"(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)")
    if len(value) < MIN_SECRET_CHARS:
        raise BadInput(f"ALTRESPONSE_{name} is too short: at least {MIN_SECRET_CHARS} characters expected")
    return value


def resolve_keys(settings: Settings) -> Keys:
    """The token secret and audit key, or BadInput when they are missing outside development mode.

    In development mode a missing secret is generated for this process only (tokens and audit rows
    it signs cannot be verified after a restart), and the log says so.
    """
    token = settings.secret_key.get_secret_value() if settings.secret_key else None
    audit = settings.audit_key.get_secret_value() if settings.audit_key else None
    ephemeral = False
    if token is None or audit is None:
        if not settings.dev_mode:
            missing = [n for n, v in (("SECRET_KEY", token), ("AUDIT_KEY", audit)) if v is None]
            raise BadInput(f"{' and '.join('ALTRESPONSE_' + m for m in missing)} not set: the service "
                           "needs its own secrets (or ALTRESPONSE_DEV_MODE=1 for throw-away ones)")
        log.warning("development mode: generating throw-away secrets for this process")
        token = token or secrets.token_urlsafe(48)
        audit = audit or secrets.token_urlsafe(48)
        ephemeral = True
    return Keys(_check_secret("SECRET_KEY", token), _check_secret("AUDIT_KEY", audit).encode("utf-8"),
                ephemeral)


def audit_key(settings: Settings) -> bytes:
    """The audit key alone (for commands that write or verify the chain without serving)."""
    if settings.audit_key is None:
        raise BadInput("ALTRESPONSE_AUDIT_KEY not set: it keys the audit chain and is needed to write "
                       "or verify it")
    return _check_secret("AUDIT_KEY", settings.audit_key.get_secret_value()).encode("utf-8")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
