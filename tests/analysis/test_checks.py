"""Data that tells on itself: samples, gaps, unmapped call types and missing categories."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from altresponse.analysis.checks import (
    MAX_UNREVIEWED_SHARE,
    category_checks,
    gap_check,
    sample_check,
    unmapped_check,
)

from .conftest import write_calls

CLI = [sys.executable, "-m", "altresponse.cli"]


def test_a_year_at_a_trickle_or_even_years_look_like_a_sample() -> None:
    assert sample_check(20_000, 1200.0, {}, [], None).status == "refused"
    even = {2017: 10_000, 2018: 10_050, 2019: 10_020}
    check = sample_check(30_000 * 10, 1095.0, even, [2017, 2018, 2019], None)
    assert check.status == "refused" and "nearly equal" in check.message
    assert sample_check(20_000, 1200.0, {}, [], 0.01).status == "ok"
    assert "complete" in sample_check(20_000, 1200.0, {}, [], 1.0).message
    # three weeks of a busy city is not a sample; a year of a busy city neither
    assert sample_check(60_000, 20.6, {2025: 60_000}, [], None).status == "ok"
    assert sample_check(1_600_000, 365.0, {2024: 1_600_000}, [2024], None).status == "ok"


def test_gaps_unmapped_and_missing_categories() -> None:
    assert gap_check(0, 0, 30.0).status == "ok"
    assert gap_check(5, 1, 30.0).status == "warning"
    assert unmapped_check(4, 100, False).status == "ok"
    above = int(100 * MAX_UNREVIEWED_SHARE) + 1
    assert unmapped_check(above, 100, False).status == "refused"
    assert unmapped_check(above, 100, True).status == "warning"
    low = category_checks([{"category": "behavioral_health", "share": 0.0002}, {"category": "traffic",
                                                                                "share": 0.3}])
    assert low[0].status == "warning" and "may lack these calls" in low[0].message
    assert category_checks([{"category": "behavioral_health", "share": 0.03}])[0].status == "ok"
    assert category_checks([])[0].status == "warning"  # none at all


def test_empty_calls_file_is_a_clear_exit_2(tmp_path: Path) -> None:
    calls = write_calls(tmp_path / "calls.parquet", [])
    res = subprocess.run([*CLI, "analyze", str(calls), "--profile", "baltimore", "--out",
                          str(tmp_path / "o")],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 2, res.stderr
    assert "no rows" in res.stderr and "Traceback" not in res.stderr


@pytest.mark.slow
@pytest.mark.shared
def test_a_random_sample_is_refused_until_its_fraction_is_given(shared: Path, tmp_path: Path) -> None:
    src = shared / "data/other_cities/san_francisco/sfpd_calls_for_service_sample_2016_2019.csv"
    calls = tmp_path / "sf.parquet"
    res = subprocess.run([*CLI, "ingest", str(src), "--source", "sfpd", "--profile", "sfpd", "--out",
                          str(calls)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    res = subprocess.run([*CLI, "analyze", str(calls), "--profile", "sfpd", "--out", str(tmp_path / "a")],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 2 and "looks like a sample" in res.stderr, res.stderr
    assert not (tmp_path / "a" / "summary.json").exists()
    res = subprocess.run([*CLI, "analyze", str(calls), "--profile", "sfpd", "--out", str(tmp_path / "a"),
                          "--sample-fraction", "0.01", "--json"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout.strip().splitlines()[-1])
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    protocol = next(s for s in summary["scenarios"] if s["kind"] == "protocol")
    expected = protocol["eligible_calls"] * 365.25 / summary["period"]["days"] / 0.01
    assert out["headline"]["eligible_calls_per_year"]["value"] == pytest.approx(expected)
    assert "1.00% sample" in out["headline"]["eligible_calls_per_year"]["source"]
    assert {c["id"] for c in out["data_checks"]} >= {"sample", "period_gaps", "unmapped"}
