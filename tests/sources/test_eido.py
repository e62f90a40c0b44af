"""NENA EIDO adapter: schema validation against the standard, mapping, and broken documents."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from altresponse import schema
from altresponse.profile import load_profile
from altresponse.sources.eido import (
    _repair,
    load_schema,
    pidf_block_address,
    pidf_point,
    read_eido,
    schema_path,
    validation_errors,
)

pytestmark = pytest.mark.shared

SAMPLE = "standards/eido-json/Samples/Sample call transfer EIDO.json"
PIDF_BALTIMORE = (
    '<?xml version="1.0" encoding="UTF-8"?><presence xmlns="urn:ietf:params:xml:ns:pidf" '
    'xmlns:gp="urn:ietf:params:xml:ns:pidf:geopriv10" xmlns:gml="http://www.opengis.net/gml" '
    'entity="pres:incident@bpd.example"><tuple id="t1"><status><gp:geopriv><gp:location-info>'
    '<gml:Point srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>39.3396 -76.6178</gml:pos></gml:Point>'
    '<civicAddress xmlns="urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr"><country>US</country>'
    "<A1>MD</A1><A3>Baltimore</A3><PRD>N</PRD><RD>Charles</RD><STS>St</STS><HNO>4215</HNO>"
    "</civicAddress></gp:location-info></gp:geopriv></status></tuple></presence>"
)


@pytest.fixture(scope="module")
def profile():
    return load_profile("baltimore")


@pytest.fixture(scope="module")
def sample(shared: Path) -> dict[str, Any]:
    return json.loads((shared / SAMPLE).read_text(encoding="utf-8"))


def with_incident(doc: dict[str, Any], **incident: Any) -> dict[str, Any]:
    """The standard's call-transfer sample turned into a full incident in Baltimore."""
    doc = copy.deepcopy(doc)
    stamp = {
        "lastUpdateTimeStamp": "2021-04-30T15:10:00-04:00",
        "updatedByAgencyReference": {"$ref": "state.pa.us"},
    }
    doc["locationComponent"].append(
        {
            "$id": "loc-incident",
            **stamp,
            "locationTypeDescriptionRegistryText": "Incident",
            "locationByValue": PIDF_BALTIMORE,
        }
    )
    doc["dispatchComponent"] = [
        {"$id": "dispatch-1", **stamp, "lastUpdateTimeStamp": "2021-04-30T14:44:30-04:00"}
    ]
    doc["incidentComponent"] = {
        "$id": "incident-1",
        **stamp,
        "incidentTypeCommonRegistryText": "SUICTHRT",
        "incidentTypeInternalText": "SUICIDE THREAT",
        "incidentStatusCommonRegistryText": ["Closed"],
        "internalIncidentId": "P211200345",
        "incidentPriorityInternalText": "High",
        "beatOrDispatchGroupText": "Northern",
        "locationReference": [{"$ref": "loc-incident"}],
        "dispositionComponent": [
            {
                "$id": "disp-2",
                **stamp,
                "dispositionCommonRegistryCode": "Report Taken",
                "dispositionPrimaryIndicator": False,
            },
            {
                "$id": "disp-1",
                **stamp,
                "dispositionCommonRegistryCode": "Transported",
                "dispositionPrimaryIndicator": True,
            },
        ],
        **incident,
    }
    return doc


def write(tmp_path: Path, name: str, payload: Any) -> Path:
    path = tmp_path / name
    path.write_text(payload if isinstance(payload, str) else json.dumps(payload), encoding="utf-8")
    return path


def test_the_standards_sample_validates_and_the_typo_is_repaired(shared: Path, sample, profile) -> None:
    raw = (shared / "standards/eido-json/Schema/openapi.yaml").read_text()
    assert "minItems: 1," in raw  # the defect is still in the published file
    assert _repair({"minItems": "1,"}) == {"minItems": 1}
    eido_schema = load_schema(str(schema_path(profile)))
    # the sample has an agentComponent, so the repaired minItems check runs
    assert validation_errors(sample, eido_schema) == []
    assert "SUICTHRT" in eido_schema.apco_codes and len(eido_schema.apco_codes) > 150


def test_a_call_transfer_without_incident_is_rejected_not_guessed(shared: Path, profile) -> None:
    calls, rejects = read_eido([shared / SAMPLE], profile)
    assert calls.num_rows == 0
    assert rejects.to_pylist()[0]["reason"] == "missing_call_type"
    assert "incidentTypeCommonRegistryText" in rejects.to_pylist()[0]["detail"]


def test_full_incident_maps_every_field(tmp_path: Path, sample, profile) -> None:
    path = write(tmp_path, "one.json", with_incident(sample))
    calls, rejects = read_eido([path], profile)
    assert rejects.num_rows == 0
    assert calls.schema.equals(schema.CALLS.arrow_schema())
    row = calls.to_pylist()[0]
    assert row["call_id"] == "P211200345" and row["agency"] == "BPD" and row["source_system"] == "eido"
    assert row["source_file"] == "one.json" and row["source_line"] == 1
    assert row["received_utc"] == datetime(2021, 4, 30, 18, 40, tzinfo=UTC)  # callStartTimestamp, -04:00
    assert row["dispatch_utc"] == datetime(2021, 4, 30, 18, 44, 30, tzinfo=UTC)
    assert row["dispatch_delay_s"] == 270.0
    assert row["close_utc"] == datetime(2021, 4, 30, 19, 10, tzinfo=UTC) and row["total_s"] == 1800.0
    assert row["arrival_utc"] is None  # an EIDO snapshot does not carry unit time stamps
    assert row["local_call_type"] == "SUICTHRT"
    assert (row["priority_raw"], row["priority_class"]) == ("High", "high")
    assert (row["disposition_raw"], row["disposition_class"]) == ("Transported", "transported")
    assert row["origin"] == "community_initiated"
    assert row["block_address"] == "4200 BLOCK N CHARLES ST"  # never the house number
    assert (row["latitude"], row["longitude"]) == (39.3396, -76.6178)
    assert row["district"] == "Northern" and row["quality_flags"] is None and row["is_synthetic"] is False


def test_broken_documents_become_rejects_with_reasons(tmp_path: Path, sample, profile) -> None:
    good = with_incident(sample)
    no_version = copy.deepcopy(good)
    del no_version["eidoVersion"]
    bad_direction = copy.deepcopy(good)
    bad_direction["callComponent"][0]["direction"] = 42
    unknown_type = with_incident(sample, incidentTypeCommonRegistryText="SPACEALIEN")
    bad_time = copy.deepcopy(good)
    bad_time["callComponent"][0]["callStartTimestamp"] = "last tuesday"
    far_away = copy.deepcopy(good)
    far_away["locationComponent"][-1]["locationByValue"] = PIDF_BALTIMORE.replace(
        "39.3396 -76.6178", "39.7392 -75.5398"
    )
    second = with_incident(sample, internalIncidentId="P211200346")
    path = write(
        tmp_path,
        "batch.json",
        [good, no_version, bad_direction, unknown_type, bad_time, "text", far_away, second],
    )
    calls, rejects = read_eido([path], profile)
    got = {r["source_line"]: r for r in rejects.to_pylist()}
    assert set(got) == {2, 3, 4, 5, 6}
    assert got[2]["reason"] == "eido_schema_invalid"
    assert "'eidoVersion' is a required property" in got[2]["detail"]
    assert got[3]["reason"] == "eido_schema_invalid" and "callComponent/0/direction" in got[3]["detail"]
    assert got[4]["reason"] == "unknown_incident_type" and "SPACEALIEN" in got[4]["detail"]
    assert got[5]["reason"] == "bad_timestamp" and "last tuesday" in got[5]["detail"]
    assert got[6]["reason"] == "not_an_object"
    rows = {r["source_line"]: r for r in calls.to_pylist()}
    assert set(rows) == {1, 7, 8}
    assert rows[7]["latitude"] is None and rows[7]["quality_flags"] == "coordinates_outside_area"
    # rejected raw text keeps the incident but not the caller's details
    assert "personComponent" not in got[2]["raw"] and "callbackComponent" not in got[2]["raw"]
    assert "8195551212" not in got[2]["raw"]
    assert calls.num_rows + rejects.num_rows == 8


def test_json_lines_and_unparseable_files(tmp_path: Path, sample, profile) -> None:
    lines = "\n".join(
        [
            json.dumps(with_incident(sample)),
            "{not json",
            "",
            json.dumps(with_incident(sample, internalIncidentId="P2")),
        ]
    )
    pretty_but_cut = json.dumps(with_incident(sample), indent=2)[:-40]
    calls, rejects = read_eido(
        [write(tmp_path, "feed.jsonl", lines), write(tmp_path, "cut.json", '{"eido'),
         write(tmp_path, "pretty.json", pretty_but_cut)],
        profile,
    )
    assert sorted(calls.column("source_line").to_pylist()) == [1, 4]
    rej = rejects.to_pylist()
    assert [(r["source_file"], r["source_line"], r["reason"]) for r in rej] == [
        ("feed.jsonl", 2, "bad_json"),
        ("cut.json", 1, "bad_json"),
        ("pretty.json", 1, "bad_json"),
    ]


def test_pidf_helpers() -> None:
    assert pidf_point(PIDF_BALTIMORE) == (39.3396, -76.6178)
    assert pidf_block_address(PIDF_BALTIMORE) == "4200 BLOCK N CHARLES ST"
    assert pidf_point("<presence/>") is None and pidf_block_address("<presence/>") is None


def test_ingest_cli_reads_eido(tmp_path: Path, sample, capsys: pytest.CaptureFixture[str]) -> None:
    from altresponse.cli import main

    path = write(tmp_path, "cad.json", [with_incident(sample), {"eidoVersion": "2.0"}])
    out = tmp_path / "calls.parquet"
    with pytest.raises(SystemExit) as exc:
        main(["ingest", str(path), "--source", "eido", "--profile", "baltimore", "--out", str(out), "--json"])
    captured = capsys.readouterr()
    assert exc.value.code == 0, captured.err
    summary = json.loads(captured.out.strip().splitlines()[-1])
    assert summary["rows_out"] == 1 and summary["rows_rejected"] == 1
    assert pq.read_table(out).column("local_call_type").to_pylist() == ["SUICTHRT"]


def test_taxonomy_apco_codes_are_all_eido_codes(profile, shared) -> None:
    from altresponse.sources.eido import apco_common_types

    table = apco_common_types()
    assert table["SUICTHRT"] == "suicidal_ideation" and table["OD"] == "overdose"
    assert set(table) <= load_schema(str(schema_path(profile))).apco_codes
