"""The plan on the real pipeline outputs: synthetic Baltimore calls, ingest, analyze, staff, plan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from altresponse.profile import load_profile

from .test_document import _check_numbers


@pytest.mark.slow
def test_plan_consumes_analysis_and_staffing_outputs(tmp_path: Path):
    from altresponse.analysis import run_analysis
    from altresponse.plan.build import build_plan
    from altresponse.simulate import run_staffing
    from altresponse.sources import ingest
    from altresponse.synth.baltimore import write_csv

    profile = load_profile("baltimore")
    csv_path = tmp_path / "calls.csv"
    write_csv(csv_path, rows=20_000, seed=7)
    calls = tmp_path / "calls.parquet"
    ingest([csv_path], "baltimore", calls, profile=profile, rejects=tmp_path / "rejects.csv")
    run_analysis(calls, tmp_path / "analysis", profile)
    run_staffing(tmp_path / "analysis" / "classified.parquet", tmp_path / "staffing", profile)
    data = build_plan(profile, tmp_path / "analysis", tmp_path / "staffing", tmp_path / "plan", pdf=False)

    assert data["synthetic"] is True
    assert len(data["recommended"]) >= 4
    assert data["assumptions"]["service_source"] == "model:staffing_json"  # sized like the capacity model
    html_text = (tmp_path / "plan" / "plan.html").read_text()
    assert "Cross-check: the capacity model" in html_text
    plan = json.loads((tmp_path / "plan" / "plan.json").read_text())
    _, problems = _check_numbers(html_text, plan)
    assert problems == []
