"""Conservation on every real partner file: each record is in the output or the rejects, once."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from altresponse import schema
from altresponse.sources.partners import read_partner
from altresponse.sources.partners.service_requests import georeport_records

# file (relative to data/partners) -> (source, time zone)
CASES: dict[str, tuple[str, str | None]] = {
    "baltimore_311/baltimore_311_requests_2014_2019_random10k_citytraining.csv": (
        "baltimore311",
        "America/New_York",
    ),
    "baltimore_311/baltimore_311_requests_2019-10-18_to_21_sample.csv": ("baltimore311", "America/New_York"),
    "baltimore_311/baltimore_311_request_types_2019_2020.csv": ("open311-services", None),
    "other_city_311/nyc_311_requests_2013-12-25_fullday.csv": ("nyc311", None),
    "other_city_311/sf311_open311_georeport_v2_services_2010.xml": ("open311-services", None),
    "other_city_311/sf311_open311_georeport_v2_services_2010.csv": ("open311-services", None),
    "crisis_988/lifeline_988_state_monthly_kpis_2021-07_2022-11.csv": ("988", None),
    "mobile_crisis/lane_county_mcslc_mobile_crisis_dispatches_2024-08_2025-12.csv": (
        "mobile-crisis",
        "America/Los_Angeles",
    ),
    "homelessness/hud_pit_all_cocs_2014_2024_key_measures.csv": ("pit", None),
    "homelessness/hud_pit_md501_baltimore_2014_2024_long.csv": ("pit", None),
    "homelessness/hud_hic_all_cocs_2014_2024_key_measures.csv": ("hic", None),
    "homelessness/hud_hic_md501_baltimore_2007_2024_long.csv": ("hic", None),
    "homelessness/hud_spm_maryland_cocs_fy2015_fy2023_long.csv": ("spm", None),
    "baltimore_partners/baltimore_bcrp_rec_centers_2023.csv": ("sites", None),
}


def _expected_records(path: Path) -> list[int]:
    """First physical line of every CSV record (or index of every XML record), counted independently."""
    if path.suffix == ".xml":
        return list(range(1, len(georeport_records(path, "service")) + 1))
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        starts, previous = [], reader.line_num
        for row in reader:
            if row:
                starts.append(previous + 1)
            previous = reader.line_num
    return starts


@pytest.mark.shared
def test_every_partner_file_has_a_case(shared: Path) -> None:
    folder = shared / "data" / "partners"
    files = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and p.name != "SOURCES.md"}
    assert files == set(CASES), "a partner file has no conservation test (or a case names a missing file)"


@pytest.mark.shared
@pytest.mark.parametrize("relative", sorted(CASES))
def test_conservation(shared: Path, relative: str) -> None:
    path = shared / "data" / "partners" / relative
    source, tz = CASES[relative]
    result = read_partner(source, [path], time_zone=tz)
    expected = _expected_records(path)
    assert result.records_in == len(expected)
    assert result.records_out + result.rows_rejected + result.duplicates_dropped == result.records_in
    out_lines = set(result.table.column("source_line").to_pylist())
    rejected_lines = result.rejects.column("source_line").to_pylist()
    assert len(out_lines) == result.records_out
    assert out_lines.isdisjoint(rejected_lines)
    assert len(set(rejected_lines)) == len(rejected_lines)
    if not result.duplicates_dropped:
        assert sorted(out_lines | set(rejected_lines)) == expected
    spec = next(t for t in schema.PARTNER_TABLES if t.name == result.table_name)
    assert result.table.schema.equals(spec.arrow_schema())
    for column in spec.columns:
        values = result.table.column(column.name)
        if not column.nullable:
            assert values.null_count == 0, column.name
        if column.allowed:
            seen = {v for cell in values.to_pylist() if cell for v in str(cell).split(";")}
            assert seen <= set(column.allowed), column.name


@pytest.mark.shared
def test_mobile_crisis_log_keeps_date_only_times_as_unknown(shared: Path) -> None:
    path = (
        shared
        / "data"
        / "partners"
        / "mobile_crisis"
        / ("lane_county_mcslc_mobile_crisis_dispatches_2024-08_2025-12.csv")
    )
    result = read_partner("mobile-crisis", [path], time_zone="America/Los_Angeles")
    rows = result.table.to_pylist()
    with path.open(encoding="utf-8") as fh:
        raw = {r["ID"]: r for r in csv.DictReader(fh)}
    for row in rows:
        source = raw[row["dispatch_id"]]
        if source["Arrival on Scene Date & Time"].endswith("00:00:00"):
            assert row["arrival_utc"] is None
            assert "date_only_time" in (row["quality_flags"] or "")
    # every rejected dispatch lacks a usable request time, and that is the only reason
    assert set(result.rejects.column("reason").to_pylist()) <= {"missing_request_time"}
    for line, raw_text in zip(
        result.rejects.column("source_line").to_pylist(),
        result.rejects.column("raw").to_pylist(),
        strict=True,
    ):
        fields = next(csv.reader([raw_text]))
        assert fields[3] == "" or fields[3].endswith("00:00:00"), line
    assert result.unknown_codes == {}, (
        "every end point and disposition spelling in the log is in the code table"
    )


@pytest.mark.shared
def test_baltimore_311_placeholders_are_flagged_not_placed(shared: Path) -> None:
    path = (
        shared
        / "data"
        / "partners"
        / "baltimore_311"
        / ("baltimore_311_requests_2014_2019_random10k_citytraining.csv")
    )
    result = read_partner("baltimore311", [path], time_zone="America/New_York")
    with path.open(encoding="utf-8") as fh:
        placeholders = sum(
            1 for r in csv.DictReader(fh) if (r["Latitude"], r["Longitude"]) in (("39", "-77"), ("39", "-76"))
        )
    assert result.quality_flags["coordinates_placeholder"] == placeholders
    lats = [v for v in result.table.column("latitude").to_pylist() if v is not None]
    assert all(v != 39.0 for v in lats)
