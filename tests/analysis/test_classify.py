"""classify_calls: crosswalk + protocol over canonical calls, written in CLASSIFIED_CALLS order."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from altresponse import schema
from altresponse.errors import BadInput
from altresponse.pipeline.classify import classify_calls
from altresponse.profile import load_profile

from .conftest import KNOWN_MIX


def test_classified_columns_counts_and_pathways(known_calls: Path, tmp_path: Path) -> None:
    out = tmp_path / "classified.parquet"
    summary = classify_calls(known_calls, out, load_profile("baltimore"))
    total = sum(v[0] for v in KNOWN_MIX.values())
    assert summary.rows == total
    assert summary.unmapped_rows == KNOWN_MIX["ZZZ NOT A REAL TYPE"][0]
    assert summary.unmapped_top[0]["local_call_type"] == "ZZZ NOT A REAL TYPE"
    assert summary.coverage == pytest.approx(1 - 50 / total)
    con = duckdb.connect()
    cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM '{out}'").fetchall()]
    assert cols == schema.CLASSIFIED_CALLS.names
    got = dict(con.execute(
        f"SELECT local_call_type, any_value(common_type || '/' || pathway) FROM '{out}' GROUP BY 1"
    ).fetchall())
    assert got["BEHAVIOR CRISIS"].startswith("behavioral_crisis/")
    assert got["BEHAVIOR CRISIS"].split("/")[1] in ("behavioral_health_team", "crisis_line_988")
    assert got["CHECK WELL-BEING"] == "welfare_check/community_responder"
    assert got["COMMON ASSAULT"].split("/")[1] == "police"
    assert got["ZZZ NOT A REAL TYPE"].startswith("unmapped/")
    assert sum(summary.pathway_counts.values()) == total
    assert set(summary.pathway_counts) <= set(schema.PATHWAYS)


def test_missing_columns_is_bad_input(tmp_path: Path) -> None:
    bad = tmp_path / "bad.parquet"
    duckdb.connect().execute(f"COPY (SELECT 1 AS call_id) TO '{bad}' (FORMAT parquet)")
    with pytest.raises(BadInput, match="lacks canonical columns"):
        classify_calls(bad, tmp_path / "out.parquet", load_profile("baltimore"))
    with pytest.raises(BadInput, match="not found"):
        classify_calls(tmp_path / "nope.parquet", tmp_path / "out.parquet", load_profile("baltimore"))
