"""Hand-made partner files: bad records go to the rejects with a reason, unknown codes are counted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from altresponse.errors import BadInput
from altresponse.sources.partners import read_partner, write_partner

BALTIMORE_311_HEADER = (
    "SRRecordID,ServiceRequestNum,SRType,MethodReceived,CreatedDate,SRStatus,StatusDate,DueDate,CloseDate,"
    "Agency,LastActivity,LastActivityDate,Outcome,Address,ZipCode,Neighborhood,CouncilDistrict,PoliceDistrict,"
    "PolicePost,Latitude,Longitude,GeoLocation"
)


def _row(
    num: str, sr_type: str, created: str, lat: str = "39.29", lon: str = "-76.61", close: str = ""
) -> str:
    return (
        f'x{num},{num},{sr_type},Phone,{created},Open,,,{close},Health,,,,"1 N MAIN ST",21201,Downtown,11,'
        f"Central,111,{lat},{lon},"
    )


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_baltimore_311_rejects_and_flags(tmp_path: Path) -> None:
    lines = [
        BALTIMORE_311_HEADER,
        _row("19-1", "HLTH-EV Noise", "10/19/2019 11:05:00 PM"),
        _row("19-2", "", "10/19/2019 11:06:00 PM"),  # no type
        _row("19-3", "HCD-Illegal Dumping", "2019-10-19 23:07"),  # wrong time format
        _row("19-4", "MOHS-Homeless Outreach", "10/20/2019 08:00:00 AM", lat="39", lon="-77"),
        _row("19-1", "HLTH-EV Noise", "10/19/2019 11:05:00 PM"),  # exact duplicate key
        "short,row",
        _row("19-5", "SW-Dirty Alley", "11/03/2019 01:30:00 AM", close="11/02/2019 01:00:00 PM"),
    ]
    path = _write(tmp_path, "sr.csv", "\n".join(lines) + "\n")
    result = read_partner("baltimore311", [path], time_zone="America/New_York")
    assert result.records_in == 7
    assert result.records_out == 3
    assert result.duplicates_dropped == 1
    reasons = dict(
        zip(
            result.rejects.column("source_line").to_pylist(),
            result.rejects.column("reason").to_pylist(),
            strict=True,
        )
    )
    assert reasons == {3: "missing_request_type", 4: "bad_timestamp", 7: "wrong_field_count"}
    rows = {r["request_id"]: r for r in result.table.to_pylist()}
    assert rows["19-4"]["latitude"] is None and rows["19-4"]["quality_flags"] == "coordinates_placeholder"
    # 01:30 on the day clocks go back is ambiguous; closing before creation is out of order
    assert rows["19-5"]["quality_flags"] == "ambiguous_local_time;time_chain_out_of_order"
    assert rows["19-1"]["created_utc"].isoformat() == "2019-10-20T03:05:00+00:00"


def test_write_is_loss_free(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    path = _write(
        tmp_path,
        "sr.csv",
        "\n".join([BALTIMORE_311_HEADER, _row("1", "HLTH-EV Noise", "10/19/2019 11:05:00 PM"), "bad"]) + "\n",
    )
    result = read_partner("baltimore311", [path], time_zone="America/New_York")
    rejects = write_partner(result, tmp_path / "out" / "sr.parquet")
    assert pq.read_table(tmp_path / "out" / "sr.parquet").num_rows == 1
    assert pq.read_table(rejects).column("reason").to_pylist() == ["wrong_field_count"]


def test_missing_required_column_is_bad_input(tmp_path: Path) -> None:
    path = _write(tmp_path, "sr.csv", "ServiceRequestNum,CreatedDate\n1,10/19/2019 11:05:00 PM\n")
    with pytest.raises(BadInput, match=r"sr.csv, line 1.*SRType"):
        read_partner("baltimore311", [path], time_zone="America/New_York")


def test_generic_311_map(tmp_path: Path) -> None:
    mapping = _write(
        tmp_path,
        "city.yaml",
        """
name: city_311
system: city_311
time_zone: America/Chicago
time_formats: ["%Y-%m-%dT%H:%M:%S"]
fields: {request_id: id, created: opened, request_type: kind, district: ward}
""",
    )
    data = _write(tmp_path, "c.csv", "id,opened,kind,ward\nA1,2024-03-10T02:30:00,Noise,3\nA2,,Noise,3\n")
    result = read_partner("generic311", [data], mapping=mapping)
    assert result.records_out == 1 and result.rejects.column("reason").to_pylist() == ["bad_timestamp"]
    assert result.table.column("quality_flags").to_pylist() == ["coordinates_missing;nonexistent_local_time"]
    bad_map = _write(tmp_path, "bad.yaml", "name: x\nsystem: x\ntime_formats: ['%Y']\nfields: {created: a}\n")
    with pytest.raises(BadInput, match="missing required"):
        read_partner("generic311", [data], mapping=bad_map)


GEOREPORT_JSON = [
    {
        "service_request_id": "638344",
        "status": "closed",
        "service_name": "Graffiti",
        "service_code": "006",
        "agency_responsible": "DPW",
        "requested_datetime": "2010-04-14T06:37:38-08:00",
        "updated_datetime": "2010-04-14T15:37:38-08:00",
        "address": "8TH AVE and JUDAH ST",
        "zipcode": "94122",
        "lat": 37.762221815,
        "long": -122.4651145,
    },
    {
        "service_request_id": "638345",
        "status": "open",
        "service_name": "Sidewalk",
        "service_code": "007",
        "requested_datetime": "2010-04-15T06:37:38",
    },  # no UTC offset
    {"status": "open", "service_name": "Sidewalk", "requested_datetime": "2010-04-15T06:37:38Z"},
]


def test_georeport_requests_json_and_xml(tmp_path: Path) -> None:
    path = _write(tmp_path, "requests.json", json.dumps(GEOREPORT_JSON))
    result = read_partner("open311", [path], system="sf311")
    assert (result.records_in, result.records_out) == (3, 1)
    assert sorted(result.rejects.column("reason").to_pylist()) == ["bad_timestamp", "missing_request_id"]
    row = result.table.to_pylist()[0]
    assert row["created_utc"].isoformat() == "2010-04-14T14:37:38+00:00"
    assert row["closed_utc"].isoformat() == "2010-04-14T23:37:38+00:00"
    xml = _write(
        tmp_path,
        "requests.xml",
        """<?xml version="1.0" encoding="utf-8"?>
<service_requests><request><service_request_id>1</service_request_id><status>open</status>
<service_name>Pothole</service_name><requested_datetime>2010-04-14T06:37:38-08:00</requested_datetime>
</request></service_requests>""",
    )
    assert read_partner("open311", [xml]).table.column("request_type").to_pylist() == ["Pothole"]


def test_xml_with_entities_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "evil.xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><services/>')
    with pytest.raises(BadInput, match="DOCTYPE"):
        read_partner("open311-services", [path])


MCSLC_HEADER = ",".join(
    [
        "ID",
        "End Point of Dispatch",
        "City",
        "Dispatch Request Date & Time",
        "Dispatch Date & Time",
        "Arrival on Scene Date & Time",
        "Engagement with Client Date & Time",
        "MCIT Departure Date & Time",
        *(f"Reason for Dispatch #{i}" for i in range(1, 6)),
        "Disposition",
        "Minutes: Request → Dispatch",
        "Minutes: Dispatch → Arrival",
        "Minutes: Arrival → Engagement",
        "Minutes: Arrival → Departure",
    ]
)


def test_dispatch_log_codes_and_times(tmp_path: Path) -> None:
    lines = [
        MCSLC_HEADER,
        "1,Engaged client,Eugene,2025-05-12 13:29:00,2025-05-12 13:34:00,2025-05-12 13:50:00,,"
        "2025-05-12 14:20:00,Paranoia,,,,,Remained in community,5,16,,30",
        "2,Teleported,Eugene,2025-05-12 13:29:00,2025-05-12 13:34:00,2025-05-12 00:00:00,,"
        "2025-05-12 14:20:00,Paranoia,Trauma,,,,Went home,5,,,",
        "3,Refused,Eugene,,2025-05-12 13:34:00,,,,,,,,,Other,,,,",
    ]
    path = _write(tmp_path, "log.csv", "\n".join(lines) + "\n")
    result = read_partner("mobile-crisis", [path], time_zone="America/Los_Angeles")
    assert result.records_out == 2 and result.rejects.column("reason").to_pylist() == ["missing_request_time"]
    assert result.unknown_codes == {"disposition": {"Went home": 1}, "end_point": {"Teleported": 1}}
    rows = {r["dispatch_id"]: r for r in result.table.to_pylist()}
    assert (rows["1"]["travel_s"], rows["1"]["on_scene_s"], rows["1"]["response_s"]) == (
        960.0,
        1800.0,
        1260.0,
    )
    assert rows["2"]["end_point_class"] == "unknown" and rows["2"]["disposition_class"] == "unknown"
    assert rows["2"]["arrival_utc"] is None and rows["2"]["on_scene_s"] is None
    assert rows["2"]["reasons"] == "Paranoia;Trauma"


def test_wide_homelessness_rows_keep_their_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "pit.csv",
        "year,coc_number,count_type,Overall Homeless,Unsheltered Homeless\n"
        "2024,MD-501,Sheltered-Only Count,1600,113\n2024,,x,1,1\nyear?,MD-502,x,1,1\n",
    )
    result = read_partner("pit", [path])
    assert result.records_in == 3 and result.records_out == 1 and result.table.num_rows == 2
    assert set(result.table.column("source_line").to_pylist()) == {2}
    assert sorted(result.rejects.column("reason").to_pylist()) == ["bad_year", "missing_coc"]


def test_unknown_source_is_bad_input(tmp_path: Path) -> None:
    path = _write(tmp_path, "x.csv", "a\n1\n")
    with pytest.raises(BadInput, match="unknown partner source"):
        read_partner("nope", [path])


def test_multiline_records_keep_their_first_line_and_raw_text(tmp_path: Path) -> None:
    lines = [
        BALTIMORE_311_HEADER,
        _row("1", "HLTH-EV Noise", "10/19/2019 11:05:00 PM").replace('"1 N MAIN ST"', '"1 N MAIN ST\nREAR"'),
        _row("2", "", "10/19/2019 11:06:00 PM"),
    ]
    path = _write(tmp_path, "sr.csv", "\r\n".join(lines) + "\r\n")
    result = read_partner("baltimore311", [path], time_zone="America/New_York")
    assert result.table.column("source_line").to_pylist() == [2]
    assert result.table.column("block_address").to_pylist() == ["1 N MAIN ST\nREAR"]
    assert result.rejects.column("source_line").to_pylist() == [4]
    assert result.rejects.column("raw").to_pylist()[0].startswith("x2,2,,Phone")


def test_coordinated_entry_referrals_in_canonical_shape(tmp_path: Path) -> None:
    header = "referral_id,referred_utc,channel,access_point_id,area,consent_recorded,follow_up_due_utc"
    path = _write(
        tmp_path,
        "ce.csv",
        "\n".join(
            [
                header,
                "R1,2025-01-06T14:00:00-05:00,311,mohs_coordinated_access,Central,yes,2025-01-13T14:00:00-05:00",
                "R2,2025-01-06T15:00:00,911,mohs_coordinated_access,Central,no,",  # no UTC offset
                "R3,2025-01-06T16:00:00Z,pager,mohs_coordinated_access,Central,no,",  # unknown channel
                "R4,2025-01-06T16:00:00Z,988,mohs_coordinated_access,Central,,",  # consent is required
            ]
        )
        + "\n",
    )
    result = read_partner("ce-referrals", [path])
    assert (result.records_in, result.records_out) == (4, 1)
    assert result.rejects.column("reason").to_pylist() == ["bad_value", "unknown_code", "missing_value"]
    assert result.unknown_codes == {"channel": {"pager": 1}}
    row = result.table.to_pylist()[0]
    assert row["consent_recorded"] is True and row["referred_utc"].isoformat() == "2025-01-06T19:00:00+00:00"
    with pytest.raises(BadInput, match="consent_recorded"):
        read_partner(
            "ce-referrals", [_write(tmp_path, "x.csv", "referral_id,referred_utc\nR1,2025-01-01T00:00Z\n")]
        )
