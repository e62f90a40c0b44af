"""`altresponse analyze`: the --json contract, exit codes, and the DECC file end to end."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import canonical_rows, write_calls, write_grid_geojson

CLI = [sys.executable, "-m", "altresponse.cli"]


def test_analyze_json_last_line(tmp_path: Path) -> None:
    calls = write_calls(tmp_path / "calls.parquet", canonical_rows())
    grid = write_grid_geojson(tmp_path)
    res = subprocess.run(
        [
            *CLI,
            "analyze",
            str(calls),
            "--profile",
            "baltimore",
            "--out",
            str(tmp_path / "o"),
            "--boundaries",
            f"neighborhoods={grid}",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    obj = json.loads(res.stdout.strip().splitlines()[-1])
    assert obj["rows"] == 2600 and obj["unmapped_rows"] == 50
    assert Path(obj["report"]).exists()
    assert {s["id"] for s in obj["scenarios"]} >= {"protocol", "risk_0.05"}


def test_analyze_bad_input_exits_2(tmp_path: Path) -> None:
    res = subprocess.run(
        [*CLI, "analyze", str(tmp_path / "missing.parquet"), "--profile", "baltimore", "--out",
         str(tmp_path / "o")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 2
    assert "missing.parquet" in res.stderr


def test_analyze_without_a_profile_asks_for_one(tmp_path: Path) -> None:
    """No command falls back to a city: without --profile, exit 2 naming the option."""
    calls = write_calls(tmp_path / "calls.parquet", canonical_rows())
    res = subprocess.run([*CLI, "analyze", str(calls), "--out", str(tmp_path / "o")],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and "--profile" in res.stderr, res.stderr
    assert not (tmp_path / "o" / "summary.json").exists()


@pytest.mark.shared
def test_decc_end_to_end_under_ten_seconds(shared: Path, tmp_path: Path) -> None:
    from altresponse.pipeline.analyze import run_analysis
    from altresponse.profile import load_profile
    from altresponse.sources import ingest

    calls = tmp_path / "decc.parquet"
    ingest(
        [shared / "data/other_cities/decc_cad/decc_cad_calls_2025_wk35_48.csv"],
        "decc",
        calls,
        profile=load_profile("baltimore"),
        rejects=tmp_path / "rejects.csv",
    )
    start = time.perf_counter()
    summary = run_analysis(calls, tmp_path / "out", load_profile("baltimore"), crosswalk="decc")
    elapsed = time.perf_counter() - start
    assert elapsed < 60.0  # the < 10 s target is measured by benchmarks/analyze.py on an idle machine
    assert summary["mapping"]["coverage"] > 0.99
    assert summary["officer_time"]["available"] and summary["officer_time"]["coverage"] > 0.5
    risk = [s for s in summary["scenarios"] if s["kind"] == "risk_tolerance"]
    shares = [s["share"] for s in sorted(risk, key=lambda s: s["threshold"])]
    assert shares == sorted(shares) and shares[-1] > shares[0]
