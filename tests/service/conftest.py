from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from altresponse.ops import open_store
from altresponse.ops import repository as repo
from altresponse.ops.passwords import hash_password
from altresponse.service import create_app
from altresponse.service.security import create_token
from altresponse.settings import Settings
from tests.ops.dbs import fresh_db

SECRET = "test-secret-key-that-is-long-enough-for-hs256"
AUDIT_KEY_TEXT = "test-audit-key-kept-outside-the-database-0001"
AUDIT_KEY = AUDIT_KEY_TEXT.encode()
USERS = {
    "ct": ("call_taker", None),
    "prov": ("provider", "org-a"),
    "other": ("provider", "org-b"),
    "ana": ("analyst", None),
    "adm": ("admin", None),
}


def password(name: str) -> str:
    return f"pw-{name}-123456"


@functools.cache
def _hash(name: str) -> str:
    return hash_password(password(name))  # argon2 is slow on purpose: hash each test password once


def settings_for(db_url: str, **kw: object) -> Settings:
    """Settings with explicit test secrets (the service has no built-in ones)."""
    kw.setdefault("profile", "baltimore")
    return Settings(db_url=db_url, secret_key=SECRET, audit_key=AUDIT_KEY_TEXT, **kw)  # type: ignore[arg-type]


def make_app(db_url: str, **settings: object) -> FastAPI:
    store = open_store(db_url, audit_key=AUDIT_KEY)
    for name, (role, org) in USERS.items():
        repo.create_user(store, name, "", role, org, password_hash=_hash(name))
    return create_app(settings_for(db_url, **settings), store=store)


def bearer(store: repo.Store, username: str, minutes: int = 5) -> dict[str, str]:
    """A bearer header for a stored user, through a session the store knows (as /auth/token makes)."""
    user = next(u for u in repo.list_users(store) if u.username == username)
    session = repo.open_session(store, user, minutes)
    token = create_token(repo.Actor(user.id, user.username, user.role, user.organization_id), session.id,
                         SECRET, minutes, issued_at=session.issued_at)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_db(request.param, tmp_path, request) as url:
        yield url


@pytest.fixture
def app(db_url: str) -> Iterator[FastAPI]:
    application = make_app(db_url)
    yield application
    application.state.store.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def headers(client: TestClient) -> dict[str, dict[str, str]]:
    """Bearer headers per test user (signing in through /auth/token is tested on its own)."""
    store = client.app.state.store  # type: ignore[attr-defined]
    return {user.username: bearer(store, user.username) for user in repo.list_users(store)}
