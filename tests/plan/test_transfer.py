"""Risk and officer time transferred from reference agencies when the city's calls carry neither."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from altresponse.errors import BadInput
from altresponse.pipeline import load_landscape
from altresponse.pipeline.plan import compute_plan
from altresponse.plan.inputs import transferred_from_summary
from altresponse.profile import load_profile

from .synthetic import write_analysis, write_classified
from .test_document import _check_numbers

PROFILE = load_profile("baltimore")
PLANTED = {"risk": 0.31, "risk_lo": 0.27, "risk_hi": 0.36}
"""noise_complaint ranks near the top on volume and time cost; a transferred upper bound above the
tolerance (0.25), planted in the landscape's result, must keep it out of the plan."""


@pytest.fixture(scope="module")
def bare_analysis(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Calls with no dispositions and no unit times through the real landscape stage (which transfers
    risk and officer time from the reference agencies), with noise_complaint's risk raised."""
    d = write_analysis(tmp_path_factory.mktemp("bare"), PROFILE, with_outcomes=False, with_times=False,
                       scale=0.3)
    summary = json.loads((d / "summary.json").read_text())
    assert summary["risk"]["transferred"] is True
    for c in summary["candidates"]:
        if c["common_type"] == "noise_complaint":
            c.update(PLANTED)
    (d / "summary.json").write_text(json.dumps(summary))
    return d


def _landscape_candidates(d: Path) -> dict[str, dict[str, Any]]:
    return {c["common_type"]: c for c in json.loads((d / "summary.json").read_text())["candidates"]}


def test_plan_takes_transferred_risk_and_gates_on_it(bare_analysis: Path):
    landscape = load_landscape(bare_analysis)
    ctx = compute_plan(PROFILE, bare_analysis, None, landscape=landscape)
    assert ctx.risk_source == "transferred" and ctx.officer_time_source == "transferred"
    by_id = {c.type_id: c for c in ctx.candidates}
    local = ctx.local
    assert local is not None
    for t, c in _landscape_candidates(bare_analysis).items():
        if t not in by_id or c["risk"] is None:
            continue
        got = by_id[t]
        assert (got.risk, got.risk_lo, got.risk_hi, got.risk_n) == (
            c["risk"], c["risk_lo"], c["risk_hi"], c["risk_n"]), t
        # the landscape's one hours-per-call figure, times this type's calls a year
        expected = landscape.officer_hours[t].hours_per_call * local.types[t].annual_calls
        assert got.officer_hours == pytest.approx(expected, rel=1e-12), t
        assert landscape.officer_hours[t].source == "transferred"
    noise = ctx.ranking.row("noise_complaint")
    assert not noise.recommended and "above the tolerance" in noise.reason
    assert noise.top_k_share == 0.0  # never chosen in the sensitivity draws either
    assert "noise_complaint" not in ctx.recommended
    assert "welfare_check" in ctx.recommended
    for ph in ctx.phases:
        assert "noise_complaint" not in ph.types
    # the risk criterion now separates the types (it was neutral without outcomes)
    assert "risk" not in ctx.ranking.missing_criteria
    assert ctx.assumptions.police_hours_source == "model:transferred_officer_time"
    assert not any("risk tolerance is not applied" in n for n in ctx.notes)


def test_document_says_risk_is_transferred(bare_analysis: Path, tmp_path: Path):
    from altresponse.pipeline.plan import build_plan

    data = build_plan(PROFILE, bare_analysis, None, tmp_path, pdf=False,
                      landscape=load_landscape(bare_analysis))
    html_text = (tmp_path / "plan.html").read_text()
    assert data["risk_source"] == "transferred"
    assert data["transfer"]["kind"] == "transferred_from_reference_agencies"
    assert "Transferred from reference agencies, not measured in this city" in html_text  # table footnote
    assert "Transferred risk and officer time" in html_text  # methods
    assert "risk is not measured" not in html_text
    figs = data["provenance"]["figures"]
    assert figs["transfer.risk_statement"]["value"] == json.loads(
        (bare_analysis / "summary.json").read_text())["risk"]["statement"]
    assert figs["type.welfare_check.risk"]["source"] == "model:risk_transferred"
    assert figs["type.welfare_check.officer_hours"]["source"] == "model:officer_time_transferred"
    _, problems = _check_numbers(html_text, data)
    assert problems == []


def test_city_outcomes_win_over_a_transfer(tmp_path: Path):
    d = write_analysis(tmp_path / "analysis", PROFILE, scale=0.3)
    ctx = compute_plan(PROFILE, d, None, landscape=load_landscape(d))
    assert ctx.risk_source == "local" and ctx.officer_time_source == "local"
    noise = next(c for c in ctx.candidates if c.type_id == "noise_complaint")
    assert noise.risk is not None and noise.risk < 0.1  # the city's own rate (1%)


def test_plan_refuses_classified_calls_without_their_landscape(tmp_path: Path):
    d = tmp_path / "analysis"
    write_classified(d / "classified.parquet", scale=0.1)
    with pytest.raises(BadInput, match="landscape result"):
        compute_plan(PROFILE, d, None)


def test_malformed_transfer_fails_loudly(bare_analysis: Path):
    bad = json.loads((bare_analysis / "summary.json").read_text())
    first = next(c for c in bad["candidates"] if c["risk"] is not None)
    first["risk_hi"] = first["risk"] / 2  # below the point estimate
    with pytest.raises(BadInput, match="risk interval"):
        transferred_from_summary(bad)
    assert transferred_from_summary({"risk": {"transferred": False}, "candidates": []}) is None
