"""Calls that arrive as NENA EIDO documents classify through the APCO crosswalk."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from altresponse import schema
from altresponse.pipeline.classify import classify_calls
from altresponse.profile import load_profile


def test_eido_calls_use_the_apco_crosswalk(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    n = 3
    base: dict[str, list[object]] = {c.name: [None] * n for c in schema.CALLS}
    base.update(
        call_id=["E1", "E2", "E3"], agency=["BPD"] * n, source_system=["eido"] * n,
        source_file=["doc.json"] * n, source_line=[1, 2, 3],
        received_utc=[datetime(2025, 1, 1, 12, tzinfo=UTC)] * n, time_zone=["America/New_York"] * n,
        local_call_type=["SUICTHRT", "WELFARE", "NOT-A-CODE"], priority_class=["unknown"] * n,
        origin=["community_initiated"] * n, disposition_class=["unknown"] * n, is_synthetic=[False] * n,
    )
    calls = tmp_path / "calls.parquet"
    pq.write_table(pa.table(base, schema=schema.CALLS.arrow_schema()), calls)
    out = tmp_path / "classified.parquet"
    summary = classify_calls(calls, out, load_profile("baltimore"))
    assert summary.crosswalk == "apco"
    table = pq.read_table(out, columns=["call_id", "common_type"]).to_pydict()
    types = dict(zip(table["call_id"], table["common_type"], strict=True))
    assert types["E3"] == "unmapped", "an unknown code is kept as unmapped, never guessed"
    assert types["E1"] != "unmapped"
