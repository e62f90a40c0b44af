"""Canonical calls built in the test, with known answers, for classification and analysis tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from altresponse import schema

# local type -> (calls, serious share, unit busy seconds, origin)
KNOWN_MIX: dict[str, tuple[int, float, float, str]] = {
    "BEHAVIOR CRISIS": (400, 0.02, 2400.0, "community_initiated"),
    "CHECK WELL-BEING": (600, 0.01, 1800.0, "community_initiated"),
    "DISORDERLY": (500, 0.08, 1200.0, "community_initiated"),
    "COMMON ASSAULT": (300, 0.60, 5400.0, "community_initiated"),
    "BURGLARY": (200, 0.50, 3600.0, "community_initiated"),
    "AUTO ACCIDENT": (250, 0.40, 2700.0, "community_initiated"),
    "BUSINESS CHECK": (300, 0.00, 600.0, "officer_initiated"),
    "ZZZ NOT A REAL TYPE": (50, 0.10, 900.0, "community_initiated"),
}


def canonical_rows(
    mix: dict[str, tuple[int, float, float, str]] = KNOWN_MIX, seed: int = 3
) -> list[dict[str, Any]]:
    """Rows with exact serious counts (round(n * share)) and constant busy time per type."""
    rng = np.random.default_rng(seed)
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    rows: list[dict[str, Any]] = []
    i = 0
    for local, (n, serious_share, busy, origin) in mix.items():
        k = round(n * serious_share)
        for j in range(n):
            i += 1
            repeat = j < 15 and local == "DISORDERLY"
            hood = "Tiny" if (local == "BURGLARY" and j < 3) else ("Westish" if j == 0 else None)
            received = start + dt.timedelta(minutes=int(rng.integers(0, 60 * 24 * 364)))
            disp = "arrest" if j < k else "advised_handled"
            rows.append({
                "call_id": f"C{i:06d}", "agency": "BPD", "source_system": "test", "source_file": "test.csv",
                "source_line": i + 1, "received_utc": received, "time_zone": "America/New_York",
                "local_call_type": local, "priority_raw": "2", "priority_class": "medium", "origin": origin,
                "disposition_raw": disp, "disposition_class": disp,
                "dispatch_utc": received + dt.timedelta(minutes=2),
                "clear_utc": received + dt.timedelta(minutes=2, seconds=busy),
                "unit_busy_s": busy, "is_synthetic": True,
                "block_address": "100 BLOCK TEST ST" if repeat else f"{j} BLOCK {local}",
                "district": "West" if j % 2 == 0 else "East",
                "neighborhood": hood,
                "latitude": 0.5, "longitude": 0.5 if j % 2 == 0 else 1.5,
                "csa": "West" if j % 2 == 0 else "East",
            })
    return rows


def write_calls(path: Path, rows: list[dict[str, Any]]) -> Path:
    """Write rows as canonical calls Parquet (missing columns null)."""
    arrow_schema = schema.CALLS.arrow_schema()
    cols = {f.name: pa.array([r.get(f.name) for r in rows], type=f.type) for f in arrow_schema}
    pq.write_table(pa.table(cols, schema=arrow_schema), path)
    return path


@pytest.fixture()
def known_calls(tmp_path: Path) -> Path:
    return write_calls(tmp_path / "calls.parquet", canonical_rows())


@pytest.fixture()
def grid_geojson(tmp_path: Path) -> Path:
    return write_grid_geojson(tmp_path)


def write_grid_geojson(tmp_path: Path) -> Path:
    """Unit squares named West and East (lon 0-1 and 1-2) and a far-away Tiny."""
    import json

    def square(x0: float) -> dict[str, Any]:
        return {"type": "Polygon", "coordinates": [[[x0, 0], [x0 + 1, 0], [x0 + 1, 1], [x0, 1], [x0, 0]]]}

    gj = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "West"}, "geometry": square(0)},
        {"type": "Feature", "properties": {"name": "East"}, "geometry": square(1)},
        {"type": "Feature", "properties": {"name": "Tiny"}, "geometry": square(5)},
    ]}
    path = tmp_path / "grid_neighborhoods.geojson"
    path.write_text(json.dumps(gj))
    return path
