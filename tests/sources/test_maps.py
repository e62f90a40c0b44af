"""Column maps: built-ins are valid, code tables are complete for the real files, generic maps work."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from altresponse import schema
from altresponse.errors import BadInput
from altresponse.sources import ingest, load_map
from altresponse.sources.mapping import BUILTIN_MAPS
from altresponse.sources.tz import transitions, year_slots

from .helpers import read_rows


@pytest.mark.parametrize("name", BUILTIN_MAPS)
def test_builtin_maps_load_and_map_into_the_vocabularies(name: str) -> None:
    cmap = load_map(name)
    for field, vocab in (
        ("priority", schema.PRIORITY_CLASSES),
        ("origin", schema.ORIGINS),
        ("disposition", schema.DISPOSITION_CLASSES),
    ):
        spec = cmap.fields.get(field)
        if spec is not None:
            assert set(spec.codes.values()) <= set(vocab)
    assert {"call_id", "received", "local_call_type"} <= set(cmap.fields)


def test_decc_false_code_survives_yaml_booleans() -> None:
    # YAML reads a bare FALSE as a boolean; the map loader keeps it as the code "FALSE".
    codes = {k.upper(): v for k, v in load_map("decc").fields["disposition"].codes.items()}
    assert codes["FALSE"] == "false_alarm"


def test_map_with_a_value_outside_the_vocabulary_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: bad\nfields:\n  call_id: {column: id}\n  received: {column: t}\n"
        "  local_call_type: {column: k}\n"
        "  priority: {column: p, codes: {A: super_urgent}}\n",
        encoding="utf-8",
    )
    with pytest.raises(BadInput, match="super_urgent"):
        load_map(bad)


def test_generic_mapping(tmp_path: Path) -> None:
    mapping = tmp_path / "city.yaml"
    mapping.write_text(
        """
name: smallville
time_zone: America/Chicago
bbox: {min_lon: -88.0, min_lat: 41.0, max_lon: -87.0, max_lat: 42.5}
delimiter: ";"
null_strings: ["", "N/A"]
fields:
  call_id: {column: Incident}
  agency: {value: SMPD}
  received: {column: Opened, formats: ["%d.%m.%Y %H:%M"]}
  arrival: {column: OnScene, formats: ["%d.%m.%Y %H:%M"]}
  local_call_type: {column: Nature}
  priority: {column: Pri, codes: {P1: emergency, P2: high, P3: low}}
  origin: {value: community_initiated}
  disposition: {column: Outcome, extract: '^(\\w+)', codes: {RPT: report, ARR: arrest}}
  location_pair: {column: Point, order: lon_lat}
  zip_code: {column: Zip, optional: true}
""",
        encoding="utf-8",
    )
    src = tmp_path / "export.csv"
    src.write_text(
        "Incident;Opened;OnScene;Nature;Pri;Outcome;Point\n"
        "A1;05.07.2024 14:05;05.07.2024 14:17;NOISE;P3;RPT - report taken;POINT(-87.6 41.8)\n"
        "A2;05.07.2024 15:00;N/A;FIGHT;P9;XYZ;-87.61 41.81\n",
        encoding="utf-8",
    )
    s = ingest([src], "generic", tmp_path / "g.parquet", mapping=mapping)
    assert (s.rows_in, s.rows_out) == (2, 2)
    assert s.adapters == ["smallville"]
    assert s.unknown_codes == {"priority": {"P9": 1}, "disposition": {"XYZ": 1}}
    rows = {r["call_id"]: r for r in read_rows(tmp_path / "g.parquet")}
    a1 = rows["A1"]
    assert a1["received_utc"] == datetime(2024, 7, 5, 19, 5, tzinfo=UTC)  # CDT = UTC-5
    assert a1["response_s"] == 12 * 60
    assert (a1["agency"], a1["origin"], a1["disposition_class"], a1["priority_class"]) == (
        "SMPD",
        "community_initiated",
        "report",
        "low",
    )
    assert a1["source_system"] == "smallville" and a1["time_zone"] == "America/Chicago"
    # "POINT(-87.6 41.8)" is not the "(a, b)" pair form: left null and flagged, never guessed.
    assert a1["latitude"] is None and a1["quality_flags"] == "coordinates_missing"
    assert (rows["A2"]["latitude"], rows["A2"]["longitude"]) == (41.81, -87.61)
    assert rows["A2"]["arrival_utc"] is None


def test_generic_without_mapping_exits_2(tmp_path: Path) -> None:
    src = tmp_path / "x.csv"
    src.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(BadInput, match="--mapping"):
        ingest([src], "generic", tmp_path / "x.parquet")


def test_baltimore_pre2021_field_set_is_chosen_from_the_header(tmp_path: Path) -> None:
    src = tmp_path / "old.csv"
    src.write_text(
        "recordId,callKey,callDateTime,priority,district,description,callNumber,incidentLocation,location\n"
        '1,K1,07/04/2019 11:30:00 PM,High,ND,COMMON ASSAULT,P191850001,400 E 33RD ST,"(39.3285, -76.6110)"\n'
        "2,K2,2019-07-05T08:15:00,Non-Emergency,CD,Business Check,P191860002,100 N CHARLES ST,\n",
        encoding="utf-8",
    )
    s = ingest([src], "baltimore", tmp_path / "old.parquet")
    assert s.adapters == ["baltimore_pre2021"]
    rows = {r["call_id"]: r for r in read_rows(tmp_path / "old.parquet")}
    first = rows["P191850001"]
    assert first["received_utc"] == datetime(2019, 7, 5, 3, 30, tzinfo=UTC)
    assert (first["latitude"], first["longitude"]) == (39.3285, -76.611)
    assert first["priority_class"] == "high"
    assert rows["P191860002"]["origin"] == "officer_initiated"
    assert rows["P191860002"]["quality_flags"] == "coordinates_missing"


def test_new_york_transitions() -> None:
    rows = [r for r in transitions("America/New_York") if r[0].year == 2023]
    assert [(r[0].isoformat(), r[1].isoformat(), r[2], r[3]) for r in rows] == [
        ("2023-03-12T02:00:00", "2023-03-12T03:00:00", -18000, -14400),
        ("2023-11-05T01:00:00", "2023-11-05T02:00:00", -14400, -18000),
    ]
    slots = year_slots("America/New_York")
    assert slots.slots == 2 and len(slots.base) == 130
    assert slots.base[2023 - 1970] == -18000
    with pytest.raises(BadInput, match="time zone"):
        transitions("Mars/Olympus_Mons")


@pytest.mark.parametrize(
    "zone",
    [
        "America/New_York",
        "Australia/Sydney",
        "Australia/Lord_Howe",
        "Europe/London",
        "Asia/Kolkata",
        "America/Sao_Paulo",
    ],
)
def test_local_times_agree_with_zoneinfo(tmp_path: Path, zone: str) -> None:
    """Every local time, including gaps and repeats, converts as zoneinfo says (first occurrence)."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(zone)
    times = [datetime(2017, 1, 1) + timedelta(minutes=37 * i) for i in range(0, 2 * 365 * 24 * 60 // 37, 5)]
    for r in transitions(zone):
        if 2016 <= r[0].year <= 2019:
            times += [r[0] + timedelta(minutes=m) for m in range(-45, 75, 15)]
    expected = {}
    for i, t in enumerate(times):
        first = t.replace(tzinfo=tz, fold=0)
        if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != t:
            expected[f"C{i}"] = None  # in a gap: never happened
        else:
            expected[f"C{i}"] = (
                first.astimezone(UTC),
                first.utcoffset() != t.replace(tzinfo=tz, fold=1).utcoffset(),
            )
    mapping = tmp_path / "z.yaml"
    mapping.write_text(
        f"name: z\ntime_zone: {zone}\nfields:\n  call_id: {{column: id}}\n"
        "  received: {column: t, formats: ['%Y-%m-%d %H:%M:%S']}\n  local_call_type: {column: k}\n",
        encoding="utf-8",
    )
    src = tmp_path / "z.csv"
    src.write_text(
        "id,t,k\n" + "".join(f"C{i},{t:%Y-%m-%d %H:%M:%S},X\n" for i, t in enumerate(times)), encoding="utf-8"
    )
    s = ingest([src], "generic", tmp_path / "z.parquet", mapping=mapping)
    got = {r["call_id"]: r for r in read_rows(tmp_path / "z.parquet")}
    gaps = {k for k, v in expected.items() if v is None}
    assert s.rejects_by_reason.get("nonexistent_local_time", 0) == len(gaps)
    assert set(got) == set(expected) - gaps
    for cid, row in got.items():
        when, ambiguous = expected[cid]
        assert row["received_utc"] == when, cid
        assert (row["quality_flags"] == "ambiguous_local_time") == ambiguous, cid


def test_received_time_joined_from_a_date_column_and_a_time_column(tmp_path: Path) -> None:
    mapping = tmp_path / "split.yaml"
    mapping.write_text(
        "name: split\ntime_zone: America/Los_Angeles\nfields:\n  call_id: {column: id}\n"
        "  received: {columns: [call_date, call_time], formats: ['%Y-%m-%d %H:%M']}\n"
        "  local_call_type: {column: kind}\n",
        encoding="utf-8",
    )
    src = tmp_path / "split.csv"
    src.write_text("id,call_date,kind,call_time\nA,2019-10-31,NOISE,07:34\nB,2019-10-31,NOISE,\n",
                   encoding="utf-8")
    s = ingest([src], "generic", tmp_path / "s.parquet", mapping=mapping, max_rejected_share=1.0)
    rows = {r["call_id"]: r for r in read_rows(tmp_path / "s.parquet")}
    assert rows["A"]["received_utc"] == datetime(2019, 10, 31, 14, 34, tzinfo=UTC)  # PDT = UTC-7
    assert s.rejects_by_reason == {"bad_timestamp": 1}  # a date without its time is not guessed
    bad = tmp_path / "bad.yaml"
    bad.write_text(mapping.read_text().replace("local_call_type: {column: kind}",
                                               "local_call_type: {columns: [kind, id]}"), encoding="utf-8")
    with pytest.raises(BadInput, match="only time fields"):
        ingest([src], "generic", tmp_path / "b.parquet", mapping=bad)
