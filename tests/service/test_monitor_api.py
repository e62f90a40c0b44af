"""Monitoring API: results, measures, tracker, public statistics with no recoverable cell."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import numpy as np
from fastapi.testclient import TestClient

from altresponse.monitor.suppression import THRESHOLD, attack_bounds
from tests.service.test_api import SAFE, triage

H = dict[str, dict[str, str]]


def many_decisions(
    client: TestClient, h: H, n: int, area: str, common_type: str = "behavioral_crisis", **kw: Any
) -> list[int]:
    out = []
    for i in range(n):
        r = triage(
            client,
            h["ct"],
            call_ref=f"M{area[:3].upper()}{common_type[:3].upper()}{i:04d}",
            area=area,
            common_type=common_type,
            **kw,
        )
        assert r.status_code == 201, r.text
        out.append(r.json()["decision_id"])
    return out


def test_result_recording_and_measures(client: TestClient, headers: H) -> None:
    ids = many_decisions(client, headers, 12, "Midtown")
    # 8 went, 4 fell back to co-response because the team was busy
    for d in ids[:8]:
        r = client.put(
            f"/monitor/results/{d}",
            json={"actual_pathway": "behavioral_health_team", "arrived_at": "2030-01-01T00:10:00Z"},
            headers=headers["ct"],
        )
        assert r.status_code == 200, r.text
    for d in ids[8:]:
        assert (
            client.put(
                f"/monitor/results/{d}", json={"actual_pathway": "co_response"}, headers=headers["ct"]
            ).status_code
            == 422
        )  # needs a reason
        assert (
            client.put(
                f"/monitor/results/{d}",
                json={"actual_pathway": "co_response", "unserved_reason": "busy"},
                headers=headers["ct"],
            ).status_code
            == 200
        )
    assert (
        client.put(
            f"/monitor/results/{ids[0]}",
            json={"actual_pathway": "x", "notes": "caller name"},
            headers=headers["ct"],
        ).status_code
        == 422
    )  # free text is refused
    from datetime import UTC, datetime

    period = f"{datetime.now(UTC).year}"
    m = client.get(f"/monitor/measures?period={period}", headers=headers["ana"]).json()
    h = m["measures"]["headline"]
    assert h["eligible_calls"]["n"] == 12 and h["diverted_calls"]["n"] == 8
    assert h["reach"]["value"] == 8 / 12
    unserved = {r["reason"]: r["calls"] for r in m["measures"]["tables"]["unserved_by_reason"]}
    assert unserved == {"busy": 4}
    assert client.get(f"/monitor/measures?period={period}", headers=headers["prov"]).status_code == 403
    assert client.get("/monitor/measures?period=2027Q5", headers=headers["ana"]).status_code == 422
    assert (
        client.get(f"/monitor/measures?period={period}&area=Nowhere", headers=headers["ana"]).json()[
            "measures"
        ]["headline"]["decisions"]["n"]
        == 0
    )


def test_public_stats_leave_no_recoverable_cell(client: TestClient, headers: H) -> None:
    many_decisions(client, headers, 25, "Midtown")
    many_decisions(client, headers, 3, "Harbor")  # a small area: must be hidden
    many_decisions(client, headers, 14, "Harbor", common_type="welfare_check")
    many_decisions(client, headers, 12, "Ridge")
    many_decisions(client, headers, 2, "Ridge", answers={**SAFE, "weapon": "yes"})
    public = client.get("/stats/public").json()
    assert public["suppression_threshold"] == THRESHOLD
    for name, table in public["tables"].items():
        for rec in table["records"]:
            assert rec["count"] is None or rec["count"] == 0 or rec["count"] >= THRESHOLD, (name, rec)
        # the attack: every published total, non-negative counts; no hidden cell may be pinned down
        rows, cols = table["rows"] + ["Total"], table["cols"] + ["Total"]
        full = np.zeros((len(rows), len(cols)))
        hidden = np.zeros((len(rows), len(cols)), dtype=bool)
        for rec in table["records"]:
            i, j = rows.index(rec["row"]), cols.index(rec["quarter"])
            if rec["count"] is None:
                hidden[i, j] = True
            else:
                full[i, j] = rec["count"]
        for cell, (low, high) in attack_bounds(full, hidden).items():
            assert high - low >= 0.5, (name, cell, low, high)
    assert any(rec["suppressed"] for t in public["tables"].values() for rec in t["records"])
    # the tables together: the two pathway tables publish the same quarter totals
    from altresponse.monitor.suppression import joint_attack_bounds

    fulls, hiddens = {}, {}
    for name, table in public["tables"].items():
        rows, cols = table["rows"] + ["Total"], table["cols"] + ["Total"]
        fulls[name] = np.zeros((len(rows), len(cols)))
        hiddens[name] = np.zeros((len(rows), len(cols)), dtype=bool)
        for rec in table["records"]:
            i, j = rows.index(rec["row"]), cols.index(rec["quarter"])
            if rec["count"] is None:
                hiddens[name][i, j] = True
            else:
                fulls[name][i, j] = rec["count"]
    t = public["tables"]
    # eligible calls by area would link to the decided table's alternative rows: not published
    assert "eligible_by_area" not in t
    nd, na = len(t["decided_by_pathway"]["rows"]), len(t["actual_by_pathway"]["rows"])
    links = [
        ((("decided_by_pathway", nd, j),), (("actual_by_pathway", na, j),))
        for j in range(len(t["decided_by_pathway"]["cols"]) + 1)
    ]
    for cell, (low, high) in joint_attack_bounds(fulls, hiddens, links).items():
        assert high - low >= 0.5, (cell, low, high)
    by_pathway = {c["pathway"]: c for c in public["by_pathway"]}
    assert by_pathway["police"]["count"] is None  # 2 police decisions
    text = client.get("/public/tables.csv").text
    rows_csv = list(csv.DictReader(io.StringIO(text)))
    assert rows_csv and all(
        r["count"] == "" or int(r["count"]) == 0 or int(r["count"]) >= THRESHOLD for r in rows_csv
    )
    assert "MMID" not in json.dumps(public) and "MMID" not in text  # no call references
    page = client.get("/public")
    assert page.status_code == 200 and "suppressed" in page.text and "Download" in page.text


def test_tracker_api(client: TestClient, headers: H) -> None:
    item = {
        "id": "agreements1",
        "name": "Provider agreements",
        "owner": "BCRI",
        "planned_start": "2027-01-01",
        "due": "2027-02-01",
    }
    assert client.post("/tracker", json=item, headers=headers["prov"]).status_code == 403
    assert client.post("/tracker", json=item, headers=headers["ana"]).status_code == 201
    assert client.post("/tracker", json=item, headers=headers["ana"]).status_code == 409
    live = {
        "id": "golive1",
        "name": "Go-live",
        "owner": "City",
        "planned_start": "2027-02-01",
        "due": "2027-02-01",
        "deps": ["agreements1"],
    }
    assert client.post("/tracker", json=live, headers=headers["ana"]).status_code == 201
    bad = {
        "id": "x",
        "name": "X",
        "owner": "City",
        "planned_start": "2027-01-01",
        "due": "2027-01-02",
        "deps": ["nope"],
    }
    assert client.post("/tracker", json=bad, headers=headers["ana"]).status_code == 422
    r = client.patch(
        "/tracker/agreements1", json={"status": "done", "actual_finish": "2027-02-15"}, headers=headers["ana"]
    )
    assert r.status_code == 200, r.text
    st = client.get("/tracker?as_of=2027-02-15", headers=headers["ana"]).json()
    assert st["critical_path_slip_days"] == 14
    assert {i["id"]: i["slip_days"] for i in st["items"]}["golive1"] == 14
    assert (
        client.patch("/tracker/agreements1", json={"status": "late"}, headers=headers["ana"]).status_code
        == 422
    )
    assert client.get("/tracker", headers=headers["ct"]).status_code == 403


def test_analyst_screen_refuses_a_provider(client: TestClient, headers: H) -> None:
    from tests.service.conftest import password

    for who, expected in (("prov", 403), ("ct", 403), ("ana", 200)):
        client.cookies.clear()
        r = client.post(
            "/ui/login", data={"username": who, "password": password(who)}, follow_redirects=False
        )
        assert r.status_code in (303, 403), r.text
        cookie = r.cookies.get("altresponse_token")
        if cookie is None:  # roles without a screen get no cookie from the sign-in page
            continue
        client.cookies.set("altresponse_token", cookie)
        page = client.get("/ui/analyst")
        assert page.status_code == expected, (who, page.status_code)
    client.cookies.clear()
    assert client.get("/ui/analyst", follow_redirects=False).status_code == 303


def test_cad_calls_from_an_ingested_parquet(tmp_path: Any) -> None:
    from datetime import UTC, datetime

    import pyarrow as pa
    import pyarrow.parquet as pq
    import pytest

    from altresponse.errors import BadInput
    from altresponse.monitor.facts import place_key
    from altresponse.service.monitoring import cad_calls_from_parquet

    t = datetime(2027, 1, 5, 12, tzinfo=UTC)
    table = pa.table(
        {
            "received_utc": pa.array([t, t, None], pa.timestamp("us", tz="UTC")),
            "origin": ["community_initiated", "officer_initiated", "community_initiated"],
            "neighborhood": ["Midtown", "Harbor", "Midtown"],
            "longitude": [-76.6123, None, -76.6],
            "latitude": [39.3011, None, 39.3],
        }
    )
    path = tmp_path / "calls.parquet"
    pq.write_table(table, path)
    calls = cad_calls_from_parquet(path)
    assert len(calls) == 2  # the row without a time is not a call in time
    assert calls[0].community_initiated and not calls[1].community_initiated
    assert calls[0].place_key == place_key(-76.612, 39.301) and calls[1].place_key is None
    with pytest.raises(BadInput, match="csa"):
        cad_calls_from_parquet(path, area_column="csa")


def test_reach_map_greys_small_areas() -> None:
    from datetime import UTC, datetime

    from shapely.geometry import box

    from altresponse.geo.boundaries import Boundaries
    from altresponse.monitor.facts import CallFact
    from altresponse.monitor.measures import compute_measures
    from altresponse.service.monitor_render import equity_section

    t = datetime(2027, 1, 5, tzinfo=UTC)
    facts = [
        CallFact(
            i,
            t,
            "community_responder",
            "welfare_check",
            "North" if i < 12 else "South",
            actual_pathway="community_responder" if i % 2 else "co_response",
            unserved_reason=None if i % 2 else "busy",
        )
        for i in range(15)
    ]
    layer = Boundaries(
        "test", ["North", "South"], [box(-76.7, 39.3, -76.6, 39.4), box(-76.7, 39.2, -76.6, 39.3)]
    )
    html = equity_section(compute_measures(facts), layer)
    assert "<svg" in html and "Reach by area: share" in html and "Grey: fewer than 10" in html
