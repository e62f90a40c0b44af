"""Small hand-made Open Baltimore (2021-present) files for the ingest tests."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow.parquet as pq

BALTIMORE_2021_HEADER = [
    "RecordID",
    "CallNumber",
    "CallDateTime",
    "Priority",
    "District",
    "Description",
    "IncidentLocation",
    "ZipCode",
    "Neighborhood",
    "PoliceDistrict",
    "PolicePost",
    "CouncilDistrict",
    "SheriffDistricts",
    "Community_Statistical_Areas",
    "Census_Tracts",
    "VRIZones",
    "Latitude",
    "Longitude",
    "Location",
]


def row(
    call: str,
    when: str,
    description: str = "DISORDERLY",
    priority: str = "Medium",
    lat: str = "39.29",
    lon: str = "-76.61",
    record: str = "1",
) -> list[str]:
    """One Baltimore 2021 row with sensible defaults."""
    return [
        record,
        call,
        when,
        priority,
        "CD",
        description,
        "100 N CHARLES ST",
        "21201",
        "Downtown",
        "Central",
        "111",
        "11",
        "D1",
        "Downtown/Seton Hill",
        "Census Tract 401",
        "",
        lat,
        lon,
        f"({lat},{lon})",
    ]


def csv_text(rows: list[list[str]], header: list[str] | None = None) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header or BALTIMORE_2021_HEADER)
    writer.writerows(rows)
    return buf.getvalue()


def write_csv(path: Path, rows: list[list[str]], header: list[str] | None = None) -> Path:
    path.write_text(csv_text(rows, header), encoding="utf-8")
    return path


def read_rows(path: Path) -> list[dict]:
    return pq.read_table(path).to_pylist()
