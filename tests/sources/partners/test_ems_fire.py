"""EMS and fire incidents come through the existing CAD adapters, told apart by `agency`."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from altresponse.sources import ingest


@pytest.mark.shared
def test_decc_keeps_ems_and_fire_rows(shared: Path, tmp_path: Path) -> None:
    path = shared / "data" / "other_cities" / "decc_cad" / "decc_cad_calls_2025_wk35_48.csv"
    summary = ingest([path], "decc", tmp_path / "calls.parquet", profile="decc")
    with path.open(encoding="utf-8", newline="") as fh:
        source = Counter(r["Agency"] for r in csv.DictReader(fh))
    table = pq.read_table(tmp_path / "calls.parquet", columns=["agency", "on_scene_s"])
    out = Counter(table.column("agency").to_pylist())
    assert {"EMS", "FIRE", "POLICE"} <= set(out)
    assert out["EMS"] + out["FIRE"] + out["POLICE"] == summary.rows_out
    # duplicates and rejects account for every difference from the source counts
    assert sum(source.values()) - sum(out.values()) == summary.rows_rejected + summary.duplicates_dropped
    assert out["EMS"] <= source["EMS"] and out["FIRE"] <= source["FIRE"]
