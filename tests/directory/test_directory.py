"""The HSDS directory: the Baltimore example validates, round-trips, and match() takes every branch."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from altresponse.directory import (
    Directory,
    Schedule,
    from_hsds_json,
    load_directory,
    match,
    to_hsds_json,
    validate_hsds,
)
from altresponse.directory.hsds import EXAMPLE_NOTE
from altresponse.directory.model import LAST_RESORT_ID
from altresponse.errors import BadInput
from altresponse.protocol import CallFacts, Decision, decide, history_answers, load_protocol

CITY_HALL = (-76.6106, 39.2904)  # Central district
WASHINGTON_DC = (-77.0365, 38.8977)
WEDNESDAY_10 = datetime(2026, 11, 25, 10, 0)  # naive = directory local time
WEDNESDAY_22 = datetime(2026, 11, 25, 22, 0)
PROTO = load_protocol("baltimore")
PASSED = history_answers(PROTO)


@pytest.fixture(scope="module")
def directory() -> Directory:
    return load_directory("baltimore")


def by_name(d: Directory, fragment: str) -> str:
    return next(s.id for s in d.services if fragment in s.name)


def decision_for(ctype: str, category: str, **over: str) -> Decision:
    return decide(PROTO, CallFacts(ctype, category), {**PASSED, **over})


@pytest.mark.shared
def test_example_validates_against_hsds_schemas(shared: Path, directory: Directory) -> None:
    assert validate_hsds(directory.to_hsds_json(), schema_root=shared / "standards") == []


@pytest.mark.shared
def test_validation_catches_bad_records(shared: Path, directory: Directory) -> None:
    doc = copy.deepcopy(directory.to_hsds_json())
    doc["services"][0]["status"] = "open"
    doc["services"][1]["id"] = "not-a-uuid"
    del doc["services"][0]["capacities"][0]["updated"]
    doc["services"][2]["schedules"][0]["freq"] = "HOURLY"
    doc["organizations"][0].pop("description")
    problems = validate_hsds(doc, schema_root=shared / "standards")
    text = "\n".join(problems)
    assert "services/0/status" in text
    assert "services/1/id" in text
    assert "services/0/capacities/0" in text and "updated" in text
    assert "services/2/schedules/0/freq" in text
    assert "organizations/0" in text and "description" in text


def test_validation_without_schemas_is_bad_input(tmp_path: Path, directory: Directory) -> None:
    with pytest.raises(BadInput, match="HSDS schemas not found"):
        validate_hsds(directory.to_hsds_json(), schema_root=tmp_path)


def test_round_trip_is_lossless(directory: Directory) -> None:
    doc = to_hsds_json(directory)
    again = from_hsds_json(json.loads(json.dumps(doc)))
    assert to_hsds_json(again) == doc
    assert [s.id for s in again.services] == [s.id for s in directory.services]


def test_every_record_is_marked_example(directory: Directory) -> None:
    assert all(s.example for s in directory.services)
    assert all(EXAMPLE_NOTE in s.record["description"] for s in directory.services)


def test_pathways_covered(directory: Directory) -> None:
    pathways = {s.pathway for s in directory.services if s.active}
    assert {"crisis_line_988", "behavioral_health_team", "homeless_outreach", "311_administrative",
            "co_response", "police", "ems", "fire"} <= pathways


def test_service_types_exist_in_taxonomy(directory: Directory) -> None:
    taxonomy = pytest.importorskip("altresponse.taxonomy")
    if not hasattr(taxonomy, "load_catalogue"):
        pytest.skip("taxonomy catalogue not available")
    known = set(taxonomy.load_catalogue().types)
    named = {t for s in directory.services for t in s.common_types if t != "*"}
    assert named - known == set()


@pytest.mark.shared
def test_city_area_covers_real_neighborhoods(shared: Path, directory: Directory) -> None:
    from shapely.geometry import shape

    hoods = json.loads((shared / "data/geo/baltimore_neighborhoods_2020.geojson").read_text(encoding="utf-8"))
    patrol = directory.service(by_name(directory, "BPD patrol"))
    points = [shape(f["geometry"]).representative_point() for f in hoods["features"]]
    inside = sum(patrol.covers(p.x, p.y) for p in points)
    assert inside / len(points) >= 0.98
    assert not patrol.covers(*WASHINGTON_DC)


def test_match_on_the_decided_pathway(directory: Directory) -> None:
    d = decision_for("behavioral_crisis", "behavioral_health")
    m = match(directory, d, *CITY_HALL, WEDNESDAY_22, "behavioral_crisis")
    assert (m.pathway, m.fallback_used) == ("behavioral_health_team", False)
    assert [o.responder for o in m.options] == ["mobile_crisis_team"]  # youth team only when named


def test_youth_team_when_protocol_names_it(directory: Directory) -> None:
    d = decision_for("behavioral_crisis", "behavioral_health", under_18="yes")
    m = match(directory, d, *CITY_HALL, WEDNESDAY_22, "behavioral_crisis")
    assert m.options[0].responder == "youth_mobile_crisis"


def test_closed_service_falls_back_and_says_why(directory: Directory) -> None:
    d = decision_for("homeless_person", "welfare_assist")
    day = match(directory, d, *CITY_HALL, WEDNESDAY_10, "homeless_person")
    assert (day.pathway, day.fallback_used) == ("homeless_outreach", False)
    assert [o.name for o in day.referrals] == ["Coordinated entry access point"]
    night = match(directory, d, *CITY_HALL, WEDNESDAY_22, "homeless_person")
    assert (night.pathway, night.fallback_used) == ("co_response", True)
    assert any("closed at Wed 22:00" in r for r in night.reasons)
    assert any("is inactive" in r for r in night.reasons)  # planned community responder


def test_time_zone_is_the_directory_s(directory: Directory) -> None:
    d = decision_for("homeless_person", "welfare_assist")
    # 13:00 UTC is 08:00 EST in January (open from 08:00) and 09:00 EDT in July
    assert match(directory, d, *CITY_HALL, datetime(2026, 1, 7, 12, 30, tzinfo=UTC), "homeless_person") \
        .pathway == "co_response"  # 07:30 EST: not open yet
    assert match(directory, d, *CITY_HALL, datetime(2026, 1, 7, 13, 0, tzinfo=UTC), "homeless_person") \
        .pathway == "homeless_outreach"
    assert match(directory, d, *CITY_HALL, datetime(2026, 7, 8, 21, 30, tzinfo=UTC), "homeless_person") \
        .pathway == "co_response"  # 17:30 EDT: closed


def test_no_capacity_falls_back_to_co_response_then_police(directory: Directory) -> None:
    d = decision_for("behavioral_crisis", "behavioral_health")
    busy = directory.with_capacity(by_name(directory, "BCRI mobile crisis"), 0)
    m = match(busy, d, *CITY_HALL, WEDNESDAY_22, "behavioral_crisis")
    assert (m.pathway, m.fallback_used) == ("co_response", True)
    assert any("no team on duty" in r for r in m.reasons)
    busier = busy.with_capacity(by_name(directory, "co-response"), 0)
    m2 = match(busier, d, *CITY_HALL, WEDNESDAY_22, "behavioral_crisis")
    assert (m2.pathway, m2.options[0].name) == ("police", "BPD patrol")


def test_capacity_update_is_exported(directory: Directory) -> None:
    sid = by_name(directory, "BCRI mobile crisis")
    doc = directory.with_capacity(sid, 1).to_hsds_json()
    rec = next(s for s in doc["services"] if s["id"] == sid)
    assert rec["capacities"][0]["available"] == 1
    assert directory.service(sid).capacity_available == 2  # original untouched


def test_type_not_taken_falls_back(directory: Directory) -> None:
    # the 988 line does not take welfare checks; a decision naming it for one falls back
    d = Decision("crisis_line_988", "crisis_line_988", ("X",), ("x",), PROTO.version,
                 ("behavioral_health_team", "co_response", "police"))
    m = match(directory, d, *CITY_HALL, WEDNESDAY_22, "welfare_check")
    assert m.pathway == "co_response"
    assert any("does not take welfare_check" in r for r in m.reasons)


def test_outside_every_area_still_gets_a_responder(directory: Directory) -> None:
    d = decision_for("welfare_check", "welfare_assist")
    m = match(directory, d, *WASHINGTON_DC, WEDNESDAY_22, "welfare_check")
    assert m.options[0].service_id == LAST_RESORT_ID
    assert m.pathway == "police" and m.fallback_used
    assert any("does not cover this place" in r for r in m.reasons)


def test_unknown_location_is_said(directory: Directory) -> None:
    d = decision_for("shooting", "violent_crime")
    m = match(directory, d, None, None, WEDNESDAY_22, "shooting")
    assert m.pathway == "police"
    assert m.reasons[0].startswith("Location not given")
    assert "Safe Streets community violence intervention" in [o.name for o in m.referrals]


def test_empty_directory_never_leaves_a_call_without_responder() -> None:
    empty = from_hsds_json({"format": "altresponse-directory", "time_zone": "America/New_York",
                            "organizations": [], "services": []})
    d = decision_for("welfare_check", "welfare_assist")
    m = match(empty, d, *CITY_HALL, WEDNESDAY_22, "welfare_check")
    assert m.options and m.options[0].service_id == LAST_RESORT_ID


def test_services_for(directory: Directory) -> None:
    names = [s.name for s in directory.services_for("homeless_person")]
    assert "Homeless street outreach" in names
    assert "Community responder team (planned)" not in names  # inactive
    assert "BPD patrol" in names  # takes every type


def test_schedule_overnight_and_full_day() -> None:
    night = Schedule(frozenset({0}), time(22, 0), time(6, 0))  # Monday night shift
    assert night.open_at(datetime(2026, 11, 23, 23, 0))  # Mon 23:00
    assert night.open_at(datetime(2026, 11, 24, 2, 0))  # Tue 02:00, Monday's shift
    assert not night.open_at(datetime(2026, 11, 24, 12, 0))
    assert not night.open_at(datetime(2026, 11, 24, 23, 0))  # Tuesday has no shift
    full = Schedule(frozenset(range(7)), time(0, 0), time(23, 59))
    assert full.open_at(datetime(2026, 11, 24, 23, 59, 30))


def test_bad_records_fail_loudly(directory: Directory) -> None:
    doc = copy.deepcopy(directory.to_hsds_json())
    doc["services"][0]["attributes"] = [a for a in doc["services"][0]["attributes"]
                                        if a["link_type"] != "pathway"]
    with pytest.raises(BadInput, match="link_type 'pathway'"):
        from_hsds_json(doc)
    doc = copy.deepcopy(directory.to_hsds_json())
    doc["services"][0]["schedules"][0]["byday"] = "XX"
    with pytest.raises(BadInput, match="unknown day"):
        from_hsds_json(doc)
    with pytest.raises(BadInput, match="directory not found"):
        load_directory("atlantis")


def test_structural_check_without_schemas(tmp_path: Path, directory: Directory) -> None:
    doc = copy.deepcopy(directory.to_hsds_json())
    assert validate_hsds(doc, schema_root=tmp_path, require_schemas=False) == []
    doc["services"][0]["status"] = "open"
    doc["services"][1]["id"] = "not-a-uuid"
    del doc["services"][0]["capacities"][0]["updated"]
    doc["services"][2]["schedules"][0]["freq"] = "HOURLY"
    doc["organizations"][0].pop("description")
    text = "\n".join(validate_hsds(doc, schema_root=tmp_path, require_schemas=False))
    for expected in ("services/0/status", "services/1/id", "services/0/capacities/0: 'updated'",
                     "services/2/schedules/0/freq", "organizations/0: 'description'"):
        assert expected in text


@pytest.mark.shared
def test_example_file_is_what_the_builder_makes(shared: Path) -> None:
    """The embedded example is reproducible from the reference boundaries (no hand edits drift in)."""
    from altresponse.directory.build_example import build_baltimore
    from altresponse.directory.model import builtin_directory_path
    from altresponse.profile import load_profile

    profile = load_profile("baltimore")
    built = json.loads(json.dumps(build_baltimore(shared, name=profile.city, time_zone=profile.time_zone)))
    assert built == json.loads(builtin_directory_path("baltimore").read_text(encoding="utf-8"))


def test_every_service_has_a_location(directory: Directory) -> None:
    for s in directory.services:
        sal = s.record["service_at_locations"]
        assert sal and sal[0]["location"]["location_type"] in ("virtual", "physical")


@pytest.mark.shared
def test_import_official_hsds_service_list(shared: Path) -> None:
    """The standard's own example page validates; without routing attributes it is refused, by name."""
    page = json.loads((shared / "standards/hsds-3.0/examples/service_list.json").read_text(encoding="utf-8"))
    assert validate_hsds(page, schema_root=shared / "standards") == []
    with pytest.raises(BadInput, match="link_type 'pathway'"):
        from_hsds_json(page, time_zone="America/New_York")


def test_import_a_bare_service_list_with_nested_organizations(directory: Directory) -> None:
    doc = directory.to_hsds_json()
    orgs = {o["id"]: o for o in doc["organizations"]}
    records = [{**{k: v for k, v in s.items() if k != "organization_id"},
                "organization": orgs[s["organization_id"]]} for s in doc["services"]]
    imported = from_hsds_json(records, time_zone="America/Chicago")
    assert imported.time_zone == "America/Chicago"
    assert [s.id for s in imported.services] == [s.id for s in directory.services]
    assert [s.organization for s in imported.services] == [s.organization for s in directory.services]
    used = {s["organization_id"] for s in doc["services"]}  # BHSB runs no listed service itself
    assert {o["id"] for o in imported.to_hsds_json()["organizations"]} == used
    with pytest.raises(BadInput, match="expected an HSDS directory"):
        from_hsds_json({"foo": 1})
