from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient

from altresponse.ops import repository as repo
from altresponse.ops.db import head_revision
from altresponse.service.security import create_token
from tests.service.conftest import SECRET, password

SAFE = {"weapon": "no", "violence_in_progress": "no", "medical_emergency": "no", "crime_in_progress": "no",
        "imminent_self_harm": "no", "risk_to_others": "no", "insufficient_information": "no",
        "under_18": "no", "location_type": "public_space", "intoxication": "no"}


def triage(client: TestClient, h: dict[str, str], call_ref: str = "P26112500042", **kw: Any) -> Any:
    body = {"call_ref": call_ref, "common_type": "behavioral_crisis", "answers": SAFE, "area": "Midtown",
            **kw}
    return client.post("/triage", json=body, headers=h)


def referral(client: TestClient, h: dict[str, dict[str, str]], org: str = "org-a") -> dict[str, Any]:
    d = triage(client, h["ct"]).json()
    r = client.post("/referrals", json={"decision_id": d["decision_id"], "service_id": f"svc-{org}",
                                        "organization_id": org}, headers=h["ct"])
    assert r.status_code in (201, 422), r.text
    if r.status_code == 422:  # the directory does not list our test service: store the referral directly
        store = client.app.state.store  # type: ignore[attr-defined]
        ref = repo.create_referral(store, repo.Actor(None, "ct", "call_taker"), decision_id=d["decision_id"],
                                   service_id=f"svc-{org}", organization_id=org)
        return {"id": ref.id}
    body: dict[str, Any] = r.json()
    return body


def test_health_and_openapi(client: TestClient) -> None:
    h = client.get("/health").json()
    assert h["status"] == "ok" and h["revision"] == head_revision() and h["protocol_version"]
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/triage", "/referrals", "/referrals/{referral_id}/outcome", "/stats/public", "/auth/token",
            "/directory", "/protocol", "/protocol/versions", "/stats", "/health"} <= set(paths)


def test_login_issues_tokens_and_refuses_bad_passwords(client: TestClient) -> None:
    r = client.post("/auth/token", data={"username": "prov", "password": password("prov")})
    assert r.status_code == 200 and r.json()["role"] == "provider"
    me = client.get("/auth/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}).json()
    assert me["organization_id"] == "org-a"
    assert client.post("/auth/token", data={"username": "ct", "password": "nope-nope"}).status_code == 401
    assert client.post("/auth/token", data={"username": "ghost", "password": "nope-nope"}).status_code == 401


H = dict[str, dict[str, str]]


def test_triage_decides_records_and_explains(client: TestClient, headers: H) -> None:
    r = triage(client, headers["ct"])
    assert r.status_code == 201, r.text
    d = r.json()
    assert d["pathway"] == "behavioral_health_team" and d["reasons"] and d["rule_ids"]
    assert d["protocol_version"].startswith("baltimore-") and len(d["protocol_hash"]) == 64
    assert d["created_at"].endswith(("Z", "+00:00"))
    # A weapon sends the same call to police, never to an unarmed team.
    armed = triage(client, headers["ct"], answers={**SAFE, "weapon": "yes"}).json()
    assert armed["pathway"] == "police"
    # Unanswered questions count as unknown and route to a safer pathway.
    blank = triage(client, headers["ct"], answers={}).json()
    assert blank["pathway"] in ("co_response", "police", "ems")
    assert blank["answers"]["weapon"] == "unknown"


def test_triage_rejects_bad_input(client: TestClient, headers: dict[str, dict[str, str]]) -> None:
    h = headers["ct"]
    assert triage(client, h, common_type="no_such_type").status_code == 422
    assert triage(client, h, answers={"weapon": "maybe"}).status_code == 422
    assert triage(client, h, answers={"favourite_colour": "blue"}).status_code == 422
    # Caller details have no field to go in, and unknown fields are refused.
    r = triage(client, h, caller_name="Jane Example", caller_phone="410-555-0100")
    assert r.status_code == 422
    assert triage(client, h, call_ref="has spaces and ; semicolons").status_code == 422


def test_each_role_is_refused_what_it_must_not_do(client: TestClient, headers: H) -> None:
    ref = referral(client, headers)
    body = {"call_ref": "X1", "common_type": "noise_complaint", "answers": {}}
    expect_forbidden = {
        "prov": [("POST", "/triage", body), ("POST", "/referrals", {"decision_id": 1, "service_id": "s",
                                                                    "organization_id": "org-a"}),
                 ("GET", "/stats", None), ("GET", "/users", None), ("PUT", "/directory", {})],
        "ana": [("POST", "/triage", body), ("GET", "/referrals", None),
                ("GET", f"/referrals/{ref['id']}", None),
                ("POST", f"/referrals/{ref['id']}/accept", None), ("GET", "/users", None),
                ("PUT", "/directory", {})],
        "ct": [("POST", f"/referrals/{ref['id']}/accept", None), ("GET", "/stats", None),
               ("GET", "/users", None), ("PUT", "/directory", {}), ("GET", "/protocol/versions", None)],
        "adm": [("POST", "/triage", body), ("POST", f"/referrals/{ref['id']}/accept", None)],
    }
    for who, calls in expect_forbidden.items():
        for method, path, payload in calls:
            r = client.request(method, path, json=payload, headers=headers[who])
            assert r.status_code == 403, (who, method, path, r.status_code, r.text)
    # Nobody signed in: everything but health and public stats needs a token.
    for method, path in [("POST", "/triage"), ("GET", "/referrals"), ("GET", "/stats"), ("GET", "/directory"),
                         ("GET", "/protocol")]:
        assert client.request(method, path, json=body).status_code == 401, path
    assert client.get("/stats/public").status_code == 200
    # A forged or expired token is refused.
    expired = create_token(repo.Actor(1, "ct", "call_taker"), "x" * 20, SECRET, minutes=-1)
    assert client.get("/referrals", headers={"Authorization": f"Bearer {expired}"}).status_code == 401
    forged = create_token(repo.Actor(1, "ct", "admin"), "x" * 20, "another-secret-another-secret-12345",
                          minutes=5)
    assert client.get("/users", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    # Admin manages users; analyst and admin read aggregates.
    assert client.get("/users", headers=headers["adm"]).status_code == 200
    assert client.get("/stats", headers=headers["ana"]).status_code == 200


def test_provider_sees_and_updates_only_its_own(client: TestClient, headers: H) -> None:
    mine = referral(client, headers, "org-a")
    theirs = referral(client, headers, "org-b")
    listed = {r["id"] for r in client.get("/referrals", headers=headers["prov"]).json()}
    assert mine["id"] in listed and theirs["id"] not in listed
    assert client.get(f"/referrals/{theirs['id']}", headers=headers["prov"]).status_code == 404
    assert client.post(f"/referrals/{theirs['id']}/accept", headers=headers["prov"]).status_code == 404
    h = headers["prov"]
    rid = mine["id"]
    assert client.post(f"/referrals/{rid}/on-scene", headers=h).status_code == 409
    for step in ("accept", "en-route", "on-scene"):
        assert client.post(f"/referrals/{rid}/{step}", headers=h).status_code == 200, step
    assert client.post(f"/referrals/{rid}/outcome", json={"outcome": "solved"}, headers=h).status_code == 422
    done = client.post(f"/referrals/{rid}/outcome", json={"outcome": "successful_diversion"},
                       headers=h).json()
    assert done["status"] == "closed" and done["outcome"] == "successful_diversion"
    assert done["closed_at"] >= done["on_scene_at"] >= done["accepted_at"]


def test_stats_hold_no_call_details(client: TestClient, headers: dict[str, dict[str, str]]) -> None:
    for i in range(11):
        triage(client, headers["ct"], call_ref=f"SECRETREF{i:03d}")
    triage(client, headers["ct"], call_ref="SECRETREF999", answers={**SAFE, "weapon": "yes"})
    public = client.get("/stats/public").json()
    analyst = client.get("/stats", headers=headers["ana"]).json()
    for doc in (public, analyst):
        assert "SECRETREF" not in json.dumps(doc)
    by_pathway = {c["pathway"]: c for c in public["by_pathway"]}
    assert by_pathway["police"]["count"] is None and by_pathway["police"]["suppressed"] is True
    # 12 decisions, or hidden: with the eligible counts also published, the total would give back
    # the single police decision, so the joint audit may hide it
    assert public["total_decisions"] in (12, None)
    assert sum(c["count"] for c in analyst["decisions_by_pathway_and_type"]) == 12


def test_protocol_and_versions(client: TestClient, headers: dict[str, dict[str, str]]) -> None:
    p = client.get("/protocol", headers=headers["ct"]).json()
    assert [q["id"] for q in p["questions"]][:2] == ["weapon", "violence_in_progress"]
    assert any(t["id"] == "behavioral_crisis" for t in p["common_types"])
    triage(client, headers["ct"])
    versions = client.get("/protocol/versions", headers=headers["ana"]).json()
    assert versions[-1]["current"] and versions[-1]["decisions"] == 1
    assert versions[-1]["content_hash"] == p["content_hash"]


def test_logs_never_hold_caller_details(client: TestClient, headers: dict[str, dict[str, str]],
                                        caplog: pytest.LogCaptureFixture) -> None:
    marker = "ZZCALLREF7731QX"
    caplog.set_level(logging.DEBUG)
    r = triage(client, headers["ct"], call_ref=marker, area="Block of Zzareaqxv")
    assert r.status_code == 201
    d = r.json()
    bad = client.post("/triage", json={"call_ref": marker, "common_type": "behavioral_crisis",
                                       "notes": "caller ZZNAME7731 at ZZPHONE7731"}, headers=headers["ct"])
    assert bad.status_code == 422
    client.post("/referrals", json={"decision_id": d["decision_id"], "service_id": "x",
                                    "organization_id": "y"}, headers=headers["ct"])
    text = "\n".join(rec.getMessage() for rec in caplog.records)
    assert "POST /triage 201" in text  # requests are logged ...
    for secret in (marker, "Zzareaqxv", "ZZNAME7731", "ZZPHONE7731"):  # ... their details are not
        assert secret not in text


def test_triage_matches_directory_providers_and_referral_checks_them(client: TestClient, headers: H) -> None:
    d = triage(client, headers["ct"]).json()
    assert d["providers"], d["match_reasons"]
    first = d["providers"][0]
    engine = client.app.state.engine  # type: ignore[attr-defined]
    assert engine.organization_of(first["service_id"]) == first["organization_id"]
    ok = client.post("/referrals", json={"decision_id": d["decision_id"], "service_id": first["service_id"],
                                         "organization_id": first["organization_id"]}, headers=headers["ct"])
    assert ok.status_code == 201 and ok.json()["status"] == "created"
    wrong_org = client.post("/referrals", json={"decision_id": d["decision_id"], "organization_id": "org-b",
                                                "service_id": first["service_id"]}, headers=headers["ct"])
    assert wrong_org.status_code == 422
    no_decision = client.post("/referrals", json={"decision_id": 99999, "service_id": first["service_id"],
                                                  "organization_id": first["organization_id"]},
                              headers=headers["ct"])
    assert no_decision.status_code == 404


@pytest.mark.shared
def test_admin_publishes_a_directory_others_cannot(client: TestClient, headers: H, shared: object) -> None:
    current = client.get("/directory", headers=headers["ct"]).json()
    assert current["source"].startswith("builtin:") and current["hsds"]["services"]
    doc = current["hsds"]
    doc["services"] = [s for s in doc["services"] if s["name"] != "BCRI mobile crisis team"]
    assert client.put("/directory", json=doc, headers=headers["ct"]).status_code == 403
    assert client.put("/directory", json={"organizations": "nope"}, headers=headers["adm"]).status_code == 422
    r = client.put("/directory", json=doc, headers=headers["adm"])
    assert r.status_code == 200, r.text
    assert r.json()["source"].startswith("published:")
    assert client.get("/directory", headers=headers["prov"]).json()["source"] == r.json()["source"]
    names = {p["name"] for p in triage(client, headers["ct"]).json()["providers"]}
    assert "BCRI mobile crisis team" not in names  # the published directory is live at once
