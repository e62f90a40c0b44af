"""The service probed as an attacker would: secrets, tokens, revocation, sign-in limits, bad input,
logs, body size, free text, the directory and the screens' headers. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from altresponse.errors import BadInput
from altresponse.ops import repository as repo
from altresponse.ops.models import AuditEntry, User
from altresponse.service import create_app
from altresponse.service.security import create_token
from altresponse.settings import Settings
from tests.service.conftest import AUDIT_KEY_TEXT, SECRET, make_app, password
from tests.service.test_api import SAFE, referral, triage

H = dict[str, dict[str, str]]


# ---------------------------------------------------------------- secrets
def test_app_refuses_to_build_without_secrets(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    with pytest.raises(BadInput, match="SECRET_KEY"):
        create_app(Settings(db_url=url, audit_key=AUDIT_KEY_TEXT))
    with pytest.raises(BadInput, match="AUDIT_KEY"):
        create_app(Settings(db_url=url, secret_key=SECRET))
    # The secret once shipped as the default is refused even in development mode.
    with pytest.raises(BadInput, match="published default"):
        create_app(Settings(db_url=url, dev_mode=True,
                            secret_key="change-me-in-production-this-is-not-a-secret"))  # type: ignore[arg-type]
    with pytest.raises(BadInput, match="too short"):
        create_app(Settings(db_url=url, secret_key="short", audit_key=AUDIT_KEY_TEXT))  # type: ignore[arg-type]
    # Development mode generates throw-away secrets, explicitly.
    app = create_app(Settings(db_url=url, dev_mode=True, profile="baltimore"))
    assert len(app.state.token_secret) >= 32
    app.state.store.dispose()


def test_serve_exits_2_without_a_secret(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ALTRESPONSE_") or k == "ALTRESPONSE_SHARED"}
    run = subprocess.run([sys.executable, "-m", "altresponse.cli", "serve", "--db", str(tmp_path / "s.db"),
                          "--port", "1"], capture_output=True, text=True, env=env, timeout=120, check=False)
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert "ALTRESPONSE_SECRET_KEY" in run.stderr and "serving" not in run.stdout


# ---------------------------------------------------------------- tokens
def _raw_token(claims: dict[str, Any], secret: str = SECRET) -> dict[str, str]:
    return {"Authorization": f"Bearer {jwt.encode(claims, secret, algorithm='HS256')}"}


def _session_for(client: TestClient, username: str, minutes: int = 5) -> tuple[User, str]:
    store = client.app.state.store  # type: ignore[attr-defined]
    user = next(u for u in repo.list_users(store) if u.username == username)
    return user, repo.open_session(store, user, minutes).id


def test_forged_admin_token_with_the_old_default_secret_is_refused(client: TestClient) -> None:
    user, jti = _session_for(client, "ct")
    now = datetime.now(UTC)
    forged = _raw_token({"sub": str(user.id), "role": "admin", "jti": jti, "iat": now,
                         "exp": now + timedelta(minutes=5)}, "change-me-in-production-this-is-not-a-secret")
    assert client.post("/users", json={"username": "mallory", "password": "mallory-pass", "role": "admin"},
                       headers=forged).status_code == 401


def test_token_of_a_user_that_does_not_exist_is_401(client: TestClient) -> None:
    now = datetime.now(UTC)
    ghost = _raw_token({"sub": "424242", "role": "call_taker", "jti": "x" * 32, "iat": now,
                        "exp": now + timedelta(minutes=5)})
    assert client.get("/auth/me", headers=ghost).status_code == 401
    assert client.post("/triage", json={"call_ref": "G1", "common_type": "welfare_check"},
                       headers=ghost).status_code == 401


def test_unknown_role_is_401(client: TestClient) -> None:
    user, jti = _session_for(client, "ct")
    now = datetime.now(UTC)
    superuser = _raw_token({"sub": str(user.id), "role": "superuser", "jti": jti, "iat": now,
                            "exp": now + timedelta(minutes=5)})
    assert client.get("/auth/me", headers=superuser).status_code == 401
    # A role other than the stored one is refused too.
    admin = _raw_token({"sub": str(user.id), "role": "admin", "jti": jti, "iat": now,
                        "exp": now + timedelta(minutes=5)})
    assert client.get("/users", headers=admin).status_code == 401


def test_token_lifetime_is_bounded(client: TestClient) -> None:
    user, jti = _session_for(client, "ct", minutes=60 * 24 * 365 * 30)
    actor = repo.Actor(user.id, user.username, user.role)
    thirty_years = create_token(actor, jti, SECRET, 60 * 24 * 365 * 30)
    assert client.get("/auth/me", headers={"Authorization": f"Bearer {thirty_years}"}).status_code == 401
    ok = create_token(actor, jti, SECRET, 30)
    assert client.get("/auth/me", headers={"Authorization": f"Bearer {ok}"}).status_code == 200


def _try(client: TestClient, username: str, pw: str) -> int:
    return client.post("/auth/token", data={"username": username, "password": pw}).status_code


def _sign_in(client: TestClient, username: str, pw: str | None = None) -> dict[str, str]:
    r = client.post("/auth/token", data={"username": username, "password": pw or password(username)})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_sign_out_revokes_the_token(client: TestClient) -> None:
    h = _sign_in(client, "ct")
    assert client.get("/auth/me", headers=h).status_code == 200
    assert client.post("/auth/logout", headers=h).status_code == 204
    assert client.get("/auth/me", headers=h).status_code == 401
    assert triage(client, h).status_code == 401


def test_disabling_a_user_revokes_its_tokens(client: TestClient, headers: H) -> None:
    h = _sign_in(client, "prov")
    user_id = client.get("/auth/me", headers=h).json()["id"]
    r = client.post(f"/users/{user_id}/disable", headers=headers["adm"])
    assert r.status_code == 200 and r.json()["active"] is False
    assert client.get("/referrals", headers=h).status_code == 401
    assert _try(client, "prov", password("prov")) == 401
    assert client.post(f"/users/{user_id}/enable", headers=headers["adm"]).status_code == 200
    assert client.get("/referrals", headers=h).status_code == 401  # the old token stays revoked
    assert client.get("/referrals", headers=_sign_in(client, "prov")).status_code == 200
    assert client.post(f"/users/{user_id}/disable", headers=headers["ct"]).status_code == 403


def test_password_change_revokes_every_token(client: TestClient) -> None:
    first, second = _sign_in(client, "ana"), _sign_in(client, "ana")
    assert client.post("/auth/password", json={"current_password": "wrong-one", "new_password": "n" * 12},
                       headers=first).status_code == 401
    assert client.post("/auth/password", json={"current_password": password("ana"),
                                               "new_password": "brand-new-password"},
                       headers=first).status_code == 204
    for h in (first, second):
        assert client.get("/auth/me", headers=h).status_code == 401
    assert client.get("/auth/me", headers=_sign_in(client, "ana", "brand-new-password")).status_code == 200


def test_repeated_failures_lock_the_account_with_an_audit_row(client: TestClient) -> None:
    for _ in range(5):
        assert _try(client, "ana", "wrong-guess") == 401
    # Locked: even the right password is refused for a while.
    assert _try(client, "ana", password("ana")) == 401
    store = client.app.state.store  # type: ignore[attr-defined]
    with store.read() as s:
        actions = list(s.scalars(sa.select(AuditEntry.action)))
        user = s.scalar(sa.select(User).where(User.username == "ana"))
    assert "auth.lockout" in actions and user is not None and user.locked_until is not None


def test_sign_in_is_rate_limited_per_address(tmp_path: Path) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'r.db'}", login_attempts_per_minute=3)
    with TestClient(app) as client:
        codes = [client.post("/auth/token", data={"username": "nobody", "password": "whatever-x"}).status_code
                 for _ in range(5)]
        assert codes == [401, 401, 401, 429, 429]
        r = client.post("/auth/token", data={"username": "ct", "password": password("ct")})
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    app.state.store.dispose()


def test_password_hashing_runs_in_its_own_low_priority_pool(client: TestClient) -> None:
    import threading

    from altresponse.service.signin import HASH_NICENESS

    _sign_in(client, "ct")
    pool = [t for t in threading.enumerate() if t.name.startswith("argon2")]
    assert pool and len(pool) <= client.app.state.settings.hash_workers  # type: ignore[attr-defined]
    for thread in pool:
        assert thread.native_id is not None
        assert os.getpriority(os.PRIO_PROCESS, thread.native_id) == HASH_NICENESS


# ---------------------------------------------------------------- bad input
def _post_raw(client: TestClient, path: str, text: str, h: dict[str, str]) -> Any:
    return client.post(path, content=text.encode("utf-8", "surrogatepass"),
                       headers={**h, "Content-Type": "application/json"})


BAD_TRIAGE = [
    '{"call_ref": "N1", "common_type": "welfare_check", "lon": NaN, "lat": 39.2}',
    '{"call_ref": "N2", "common_type": "welfare_check", "lon": Infinity, "lat": 39.2}',
    '{"call_ref": "N3", "common_type": "welfare_check", "lat": -Infinity}',
    '{"call_ref": "N4", "common_type": "welfare_check", "when": "0001-01-01T00:00:00+23:59"}',
    '{"call_ref": "N5", "common_type": "welfare_check", "when": "9999-12-31T23:59:59-23:59"}',
    '{"call_ref": "N6", "common_type": "welfare_check", "when": "2026-11-30T10:00:00"}',
    '{"call_ref": "N7", "common_type": "welfare_check", "area": "Mid\\ud800town"}',
    '{"call_ref": "N8\\ud800", "common_type": "welfare_check"}',
    '{"call_ref": "N9", "common_type": "welfare\\u0000check"}',
    '{"call_ref": "N10", "common_type": "welfare_check", "area": "Mid\\u0000town"}',
    '{"call_ref": "N11", "common_type": "welfare_check", "answers": {"\\ud800": "no"}}',
    '{"call_ref": "N12", "common_type": "welfare_check", "answers": {"weapon": "\\u0000"}}',
    '{"call_ref": "N13", "common_type": "welfare_check", "mpds_code": "\\udfff"}',
    '[' * 5000 + ']' * 5000,
    '\udcff',
]


def test_bad_input_never_gives_a_5xx_and_422_detail_is_a_string(client: TestClient, headers: H) -> None:
    for text in BAD_TRIAGE:
        r = _post_raw(client, "/triage", text, headers["ct"])
        assert r.status_code == 422, (text[:80], r.status_code, r.text[:200])
        assert isinstance(r.json()["detail"], str)
    ref = referral(client, headers)
    for path, text in [(f"/referrals/{ref['id']}/decline", '{"reason": "\\ud800"}'),
                       ("/referrals", '{"decision_id": 1, "service_id": "s\\u0000", "organization_id": "o"}'),
                       ("/users", '{"username": "u\\u0000x", "password": "longenough", "role": "admin"}')]:
        who = {"/referrals": "ct", "/users": "adm"}.get(path, "prov")
        r = _post_raw(client, path, text, headers[who])
        assert r.status_code == 422, (path, r.text)
    # Query strings and the sign-in form, which needs no token.
    assert client.get("/referrals?status=%00", headers=headers["ct"]).status_code == 422
    assert client.get("/referrals?status=%ED%A0%80", headers=headers["ct"]).status_code == 422
    for username in ("ct\x00", "\ud800"):
        r = client.post("/auth/token", content=f"username={_quote(username)}&password=x".encode(),
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert r.status_code in (401, 422), r.text


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text.encode("utf-8", "surrogatepass"))


def test_a_server_error_logs_no_request_values(app: FastAPI, caplog: pytest.LogCaptureFixture) -> None:
    """A database error's message quotes the row (PostgreSQL's DETAIL does): none of it is logged."""
    store = app.state.store

    def boom(area: str) -> None:
        with store.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO users (username, password_hash, role, created_at) "
                                 "VALUES (:u, 'x', 'no-such-role', :t)"), {"u": area, "t": datetime.now(UTC)})

    app.add_api_route("/test-boom", boom, methods=["POST"])
    caplog.set_level(logging.DEBUG)
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.post("/test-boom?area=ZZLEAKED9931")
    assert r.status_code == 500 and r.json() == {"detail": "internal error"}
    text = "\n".join(rec.getMessage() + str(rec.exc_info or "") for rec in caplog.records
                     if not rec.name.startswith("httpx"))  # the test's own client logs its URLs
    assert "IntegrityError" in text and "ZZLEAKED9931" not in text


def test_request_bodies_are_capped(client: TestClient, headers: H) -> None:
    big = json.dumps({"call_ref": "BIG1", "common_type": "welfare_check", "answers": {"x": "y" * 200_000}})
    r = client.post("/triage", content=big, headers={**headers["ct"], "Content-Type": "application/json"})
    assert r.status_code == 413
    # Without a Content-Length the body is counted as it arrives.
    r = client.post("/triage", content=iter([big[:100_000].encode(), big[100_000:].encode()]),
                    headers={**headers["ct"], "Content-Type": "application/json"})
    assert r.status_code == 413
    assert client.post("/auth/token", content=b"username=" + b"a" * 100_000 + b"&password=x",
                       headers={"Content-Type": "application/x-www-form-urlencoded"}).status_code == 413


def test_free_text_holding_caller_details_never_reaches_the_audit_log(client: TestClient, headers: H) -> None:
    for area in ("Jane Doe 410-555-0100", "call jane@example.org", "1200 N Charles St"):
        assert triage(client, headers["ct"], area=area).status_code == 422, area
    ref = referral(client, headers)
    r = client.post(f"/referrals/{ref['id']}/decline", json={"reason": "caller Jane Doe 410-555-0100"},
                    headers=headers["prov"])
    assert r.status_code == 422
    ok = client.post(f"/referrals/{ref['id']}/decline", json={"reason": "no_capacity"},
                     headers=headers["prov"])
    assert ok.status_code == 200 and ok.json()["decline_reason"] == "no_capacity"
    assert triage(client, headers["ct"], area="Midtown Belvedere").status_code == 201
    store = client.app.state.store  # type: ignore[attr-defined]
    with store.read() as s:
        logged = " ".join(e.inputs_json + e.result_json for e in s.scalars(sa.select(AuditEntry)))
    assert "Midtown" not in logged and "410-555" not in logged


@pytest.mark.shared
def test_a_directory_without_services_is_refused(client: TestClient, headers: H, shared: object) -> None:
    doc = client.get("/directory", headers=headers["ct"]).json()["hsds"]
    before = client.get("/directory", headers=headers["ct"]).json()["source"]
    r = client.put("/directory", json={**doc, "services": []}, headers=headers["adm"])
    assert r.status_code == 422 and "services" in r.json()["detail"]
    assert client.get("/directory", headers=headers["ct"]).json()["source"] == before
    assert triage(client, headers["ct"], answers=SAFE).json()["providers"]


def test_screens_send_csp_and_frame_headers(client: TestClient, headers: H) -> None:
    page = client.get("/ui/login")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    assert page.headers["x-frame-options"] == "DENY" and page.headers["x-content-type-options"] == "nosniff"
    api = client.get("/health")
    assert api.headers["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in \
        api.headers["content-security-policy"]
