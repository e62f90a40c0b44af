"""ArcGIS REST paging against a loopback server speaking the real FeatureServer /query JSON format."""

from __future__ import annotations

import csv
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from altresponse.errors import BadInput
from altresponse.sources.arcgis import (
    OPEN_BALTIMORE_FIELDS,
    ArcGISError,
    FetchSettings,
    fetch_to_csv,
    query_url,
    settings_for_year,
    year_where,
)

T0_MS = int(datetime(2024, 3, 10, 6, 30, tzinfo=UTC).timestamp() * 1000)
FIELDS = [
    {"name": "RecordID", "type": "esriFieldTypeInteger", "alias": "RecordID"},
    {"name": "CallNumber", "type": "esriFieldTypeString", "alias": "CallNumber", "length": 50},
    {"name": "CallDateTime", "type": "esriFieldTypeDate", "alias": "CallDateTime", "length": 8},
    {"name": "Priority", "type": "esriFieldTypeString", "alias": "Priority", "length": 50},
    {"name": "District", "type": "esriFieldTypeString", "alias": "District", "length": 50},
    {"name": "Description", "type": "esriFieldTypeString", "alias": "Description", "length": 50},
    {"name": "IncidentLocation", "type": "esriFieldTypeString", "alias": "IncidentLocation", "length": 100},
    {"name": "ZipCode", "type": "esriFieldTypeDouble", "alias": "ZipCode"},
    {"name": "Neighborhood", "type": "esriFieldTypeString", "alias": "Neighborhood", "length": 100},
    {"name": "PoliceDistrict", "type": "esriFieldTypeString", "alias": "PoliceDistrict", "length": 50},
    {"name": "PolicePost", "type": "esriFieldTypeInteger", "alias": "PolicePost"},
    {"name": "CouncilDistrict", "type": "esriFieldTypeInteger", "alias": "CouncilDistrict"},
    {"name": "Latitude", "type": "esriFieldTypeDouble", "alias": "Latitude"},
    {"name": "Longitude", "type": "esriFieldTypeDouble", "alias": "Longitude"},
    {"name": "ObjectId", "type": "esriFieldTypeOID", "alias": "ObjectId"},
]


def make_feature(i: int) -> dict[str, Any]:
    lat, lon = 39.29 + (i % 97) * 1e-4, -76.61 - (i % 89) * 1e-4
    return {
        "attributes": {
            "RecordID": 7_000_000 + i,
            "CallNumber": f"P24{i:07d}",
            "CallDateTime": T0_MS + i * 61_000,
            "Priority": ["Low", "Medium", "High", "Non-Emergency"][i % 4],
            "District": "CD",
            "Description": ["911/NO  VOICE", "BEHAVIOR CRISIS", "Business Check"][i % 3],
            "IncidentLocation": f"{(i % 30) * 100} N CHARLES ST",
            "ZipCode": 21201.0,
            "Neighborhood": "Mount Vernon",
            "PoliceDistrict": "Central",
            "PolicePost": 123,
            "CouncilDistrict": 11,
            "Latitude": lat,
            "Longitude": lon,
            "ObjectId": i + 1,
        },
        "geometry": {"x": lon, "y": lat},
    }


class FakeLayer:
    """A FeatureServer layer with a server-side maxRecordCount and scripted faults per offset."""

    def __init__(self, n: int, max_record_count: int = 400) -> None:
        self.features = [make_feature(i) for i in range(n)]
        self.max_record_count = max_record_count
        self.faults: dict[int, list[str]] = {}
        self.always_fail: set[int] = set()
        self.ignore_offset = False
        self.publishes_info = False
        self.offsets: list[int] = []
        self.params: list[dict[str, str]] = []

    def layer_info(self) -> tuple[int, bytes, int | None]:
        if not self.publishes_info:
            return 404, b"Not Found", None
        info = {"currentVersion": 11.1, "id": 0, "name": "CallsForService", "type": "Table",
                "maxRecordCount": self.max_record_count, "fields": FIELDS,
                "advancedQueryCapabilities": {"supportsPagination": True}}
        return 200, json.dumps(info).encode(), None

    def respond(self, params: dict[str, str]) -> tuple[int, bytes, int | None]:
        """(status, body, declared content length or None)."""
        self.params.append(params)
        if params.get("returnCountOnly") == "true":
            return 200, json.dumps({"count": len(self.features)}).encode(), None
        offset = 0 if self.ignore_offset else int(params.get("resultOffset", 0))
        self.offsets.append(offset)
        if offset in self.always_fail:
            return 500, b"<html>Internal Server Error</html>", None
        pending = self.faults.get(offset)
        if pending:
            fault = pending.pop(0)
            if fault == "500":
                return 503, b"Service Unavailable", None
            if fault == "error":
                body = {"error": {"code": 500, "message": "Unable to complete operation.", "details": []}}
                return 200, json.dumps(body).encode(), None
            if fault == "truncated":  # connection closes before the declared length arrives
                full = self.page_body(params, offset)
                return 200, full[: len(full) // 2], len(full)
            if fault == "cut_json":  # a complete HTTP response whose JSON is cut short
                full = self.page_body(params, offset)
                return 200, full[: len(full) // 3], None
            if fault == "bad_query":
                body = {"error": {"code": 400, "message": "Invalid query parameters", "details": []}}
                return 200, json.dumps(body).encode(), None
        return 200, self.page_body(params, offset), None

    def page_body(self, params: dict[str, str], offset: int) -> bytes:
        assert params.get("orderByFields") == "RecordID"
        count = min(int(params.get("resultRecordCount", self.max_record_count)), self.max_record_count)
        chunk = self.features[offset : offset + count]
        body = {
            "objectIdFieldName": "ObjectId",
            "uniqueIdField": {"name": "ObjectId", "isSystemMaintained": True},
            "globalIdFieldName": "",
            "geometryType": "esriGeometryPoint",
            "spatialReference": {"wkid": 4326, "latestWkid": 4326},
            "fields": FIELDS,
            "features": chunk,
        }
        if offset + count < len(self.features):
            body["exceededTransferLimit"] = True
        return json.dumps(body).encode()


@pytest.fixture()
def layer() -> Iterator[tuple[FakeLayer, str]]:
    fake = FakeLayer(2345)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parsed = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
            if parsed.path.endswith("/query"):
                status, body, declared = fake.respond(query)
            else:
                status, body, declared = fake.layer_info()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(declared or len(body)))
            if declared:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            if declared:
                self.wfile.flush()
                self.close_connection = True

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/arcgis/rest/services/CFS/FeatureServer/0"
    try:
        yield fake, url
    finally:
        server.shutdown()
        server.server_close()


def settings(url: str, **kw: Any) -> FetchSettings:
    return FetchSettings(
        url=query_url(url),
        page_size=kw.pop("page_size", 500),
        retries=kw.pop("retries", 4),
        timeout_s=5,
        backoff_s=0.5,
        **kw,
    )


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_pages_through_faults_and_writes_open_baltimore_csv(layer, tmp_path: Path) -> None:
    fake, url = layer
    fake.faults = {400: ["500"], 800: ["error"], 1200: ["truncated"], 1600: ["cut_json", "500"]}
    sleeps: list[float] = []
    out = tmp_path / "calls.csv"
    summary = fetch_to_csv(settings(url), out, progress=False, sleep=sleeps.append)
    rows = read_rows(out)
    assert summary["rows"] == len(rows) == 2345 == summary["server_count"]
    assert list(rows[0]) == list(OPEN_BALTIMORE_FIELDS)
    assert len({r["RecordID"] for r in rows}) == 2345
    assert rows[0]["CallDateTime"] == "2024/03/10 06:30:00+00"
    assert rows[1]["CallDateTime"] == "2024/03/10 06:31:01+00"
    assert rows[0]["ZipCode"] == "21201" and rows[0]["PolicePost"] == "123"
    assert rows[0]["SheriffDistricts"] == ""  # absent from the layer: empty, not invented
    assert float(rows[5]["Latitude"]) == pytest.approx(39.2905)
    assert summary["retries"] == 5
    assert sleeps == [0.5, 0.5, 0.5, 0.5, 1.0]  # exponential backoff restarts for each request
    # the server capped pages at 400 although 500 were asked for: offsets follow what arrived
    assert sorted(set(fake.offsets)) == list(range(0, 2345, 400))
    assert not (tmp_path / "calls.csv.pages").exists()


def test_a_failed_run_resumes_without_refetching(layer, tmp_path: Path) -> None:
    fake, url = layer
    fake.always_fail = {1200}
    out = tmp_path / "calls.csv"
    with pytest.raises(ArcGISError, match="run again to continue"):
        fetch_to_csv(settings(url, retries=2), out, progress=False, sleep=lambda s: None)
    assert not out.exists()
    saved = sorted(p.name for p in (tmp_path / "calls.csv.pages").glob("page-*.json"))
    assert saved == [f"page-{o:010d}.json" for o in (0, 400, 800)]
    fake.always_fail = set()
    fake.offsets.clear()
    summary = fetch_to_csv(settings(url, retries=2), out, progress=False, sleep=lambda s: None)
    assert summary["rows"] == 2345
    assert min(fake.offsets) == 1200  # pages 0, 400 and 800 came from disk
    assert [int(r["RecordID"]) for r in read_rows(out)] == list(range(7_000_000, 7_002_345))


def test_saved_pages_of_another_query_are_refused(layer, tmp_path: Path) -> None:
    fake, url = layer
    fake.always_fail = {400}
    out = tmp_path / "calls.csv"
    with pytest.raises(ArcGISError):
        fetch_to_csv(settings(url, retries=0), out, progress=False, sleep=lambda s: None)
    with pytest.raises(BadInput, match="different query"):
        fetch_to_csv(settings(url, retries=0, where="RecordID > 5"), out, progress=False)


def test_a_rejected_query_is_bad_input_without_retries(layer, tmp_path: Path) -> None:
    fake, url = layer
    fake.faults = {0: ["bad_query"]}
    sleeps: list[float] = []
    with pytest.raises(BadInput, match="Invalid query parameters"):
        fetch_to_csv(settings(url), tmp_path / "x.csv", progress=False, sleep=sleeps.append)
    assert sleeps == []


def test_a_layer_that_ignores_offsets_is_detected_not_looped(layer, tmp_path: Path) -> None:
    fake, url = layer
    fake.ignore_offset = True
    with pytest.raises(ArcGISError, match="does not support paging"):
        fetch_to_csv(settings(url), tmp_path / "x.csv", progress=False, sleep=lambda s: None)
    assert len(fake.offsets) == 2


def test_year_selection_from_the_profile() -> None:
    from altresponse.profile import load_profile

    profile = load_profile("baltimore")
    s2024 = settings_for_year(profile.section("fetch"), 2024, profile.time_zone)
    assert s2024.url.endswith("CallsForService_2021_Present/FeatureServer/0/query")
    # Baltimore's local year 2024 starts at 05:00 UTC and ends at 05:00 UTC
    assert s2024.where == (
        "CallDateTime >= TIMESTAMP '2024-01-01 05:00:00' AND CallDateTime < TIMESTAMP '2025-01-01 05:00:00'"
    )
    s2019 = settings_for_year(profile.section("fetch"), 2019, profile.time_zone)
    assert "2019" in s2019.url and s2019.where == "1=1"
    with pytest.raises(BadInput, match="2012"):
        settings_for_year(profile.section("fetch"), 2012, profile.time_zone)
    assert year_where("T", 2024, "UTC") == (
        "T >= TIMESTAMP '2024-01-01 00:00:00' AND T < TIMESTAMP '2025-01-01 00:00:00'"
    )


def test_cli_fetch_with_url(layer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from altresponse.cli import main

    fake, url = layer
    out = tmp_path / "cli.csv"
    with pytest.raises(SystemExit) as exc:
        main(["fetch", "baltimore", "--year", "2024", "--url", url, "--out", str(out), "--page-size", "1000",
              "--json"])
    captured = capsys.readouterr()
    assert exc.value.code == 0, captured.err
    summary = json.loads(captured.out.strip().splitlines()[-1])
    assert summary["rows"] == 2345 and summary["year"] == 2024
    assert "TIMESTAMP '2024-01-01 05:00:00'" in fake.params[-1]["where"]
    assert len(read_rows(out)) == 2345


def test_page_size_follows_the_layers_max_record_count(layer, tmp_path: Path) -> None:
    fake, url = layer
    fake.publishes_info = True
    fake.max_record_count = 300
    summary = fetch_to_csv(settings(url, page_size=2000), tmp_path / "c.csv", progress=False)
    assert summary["page_size"] == 300 and summary["complete"] is True and summary["rows"] == 2345
    assert sorted(set(fake.offsets)) == list(range(0, 2345, 300))
    assert all(p.get("resultRecordCount") == "300" for p in fake.params if "resultOffset" in p)
