"""Risk and officer time transferred from reference agencies when the city's calls carry neither."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from altresponse.errors import BadInput
from altresponse.plan.build import compute_plan
from altresponse.plan.inputs import transferred_from_summary
from altresponse.profile import load_profile

from .synthetic import TYPES, write_classified
from .test_document import _check_numbers

# noise_complaint is the highest-volume, lowest-time-cost civilian type in the synthetic calls, so it
# ranks near the top; a transferred upper bound above the tolerance (0.25) must still keep it out.
TRANSFERRED: dict[str, tuple[float, float, float, int, float]] = {
    # type: (risk, lo, hi, n, officer hours per year)
    "behavioral_crisis": (0.12, 0.10, 0.14, 690, 4100.0),
    "welfare_check": (0.05, 0.04, 0.06, 777, 3300.0),
    "noise_complaint": (0.31, 0.27, 0.36, 959, 2900.0),
    "intoxicated_person": (0.15, 0.11, 0.19, 193, 900.0),
    "verbal_dispute": (0.09, 0.07, 0.11, 400, 2600.0),
    "homeless_person": (0.03, 0.02, 0.05, 120, 500.0),
    "trespass": (0.20, 0.15, 0.24, 80, 700.0),
    "panhandling": (0.04, 0.02, 0.08, 40, 60.0),
    "parking_complaint": (0.02, 0.01, 0.03, 300, 800.0),
}
STATEMENT = ("Risk transferred from reference agencies: this city's records carry no dispositions, so each "
             "call type's chance of ending in arrest, report, citation is estimated from Agency A.")
HOURS_STATEMENT = "Officer time transferred from reference agencies: these calls carry no unit times."


def _summary() -> dict[str, Any]:
    cands = []
    for t, (r, lo, hi, n, hours) in TRANSFERRED.items():
        cands.append({"common_type": t, "risk": r, "risk_lo": lo, "risk_hi": hi, "risk_n": n,
                      "officer_hours_per_year": hours, "officer_hours": hours / 2,
                      "scope_calls": TYPES[t][2]})
    cands.append({"common_type": "assault", "risk": 0.48, "risk_lo": 0.44, "risk_hi": 0.52, "risk_n": 509,
                  "officer_hours_per_year": 5000.0, "officer_hours": 2500.0, "scope_calls": 2500})
    return {
        "risk": {
            "transferred": True, "alpha": 0.7, "beta": 1.7, "mean": 0.28, "level": 0.9,
            "method": "empirical_bayes", "statement": STATEMENT, "officer_time_statement": HOURS_STATEMENT,
            "provenance": {
                "kind": "transferred_from_reference_agencies",
                "pooled": "Per type, calls of known outcome and serious outcomes are summed over agency_a.",
                "officer_time": "Unit times from agency_a: dispatch to first unit cleared.",
                "sources": [{"source": "agency_a", "label": "Agency A CAD, 14 weeks",
                             "period": "2025-08/2025-11", "agency_scope": "POLICE",
                             "known_outcome": 10939, "serious": 2532, "timed_calls": 10118}],
            },
        },
        "candidates": cands,
    }


@pytest.fixture(scope="module")
def bare_analysis(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Classified calls with no dispositions and no unit times, beside a summary.json with a transfer."""
    d = tmp_path_factory.mktemp("bare")
    write_classified(d / "classified.parquet", with_outcomes=False, with_times=False, scale=0.3)
    (d / "summary.json").write_text(json.dumps(_summary()))
    return d


def test_plan_takes_transferred_risk_and_gates_on_it(bare_analysis: Path):
    ctx = compute_plan(load_profile("baltimore"), bare_analysis, None)
    assert ctx.risk_source == "transferred" and ctx.officer_time_source == "transferred"
    by_id = {c.type_id: c for c in ctx.candidates}
    for t, (r, lo, hi, n, hours) in TRANSFERRED.items():
        if t not in by_id:
            continue
        c = by_id[t]
        assert (c.risk, c.risk_lo, c.risk_hi, c.risk_n) == (r, lo, hi, n), t
        assert c.officer_hours == hours, t
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
    from altresponse.plan.build import build_plan

    data = build_plan(load_profile("baltimore"), bare_analysis, None, tmp_path, pdf=False)
    html_text = (tmp_path / "plan.html").read_text()
    assert data["risk_source"] == "transferred"
    assert data["transfer"]["kind"] == "transferred_from_reference_agencies"
    assert "Transferred from reference agencies, not measured in this city" in html_text  # table footnote
    assert "Transferred risk and officer time" in html_text  # methods
    assert "risk is not measured" not in html_text and "not recorded" not in html_text
    # suicidal_ideation is in these calls but not in the summary's transfer: said, not left blank
    assert "no reference data" in html_text
    figs = data["provenance"]["figures"]
    assert figs["transfer.risk_statement"]["value"] == STATEMENT
    assert figs["type.welfare_check.risk"]["source"] == "model:risk_transferred"
    assert figs["type.welfare_check.officer_hours"]["source"] == "model:officer_time_transferred"
    _, problems = _check_numbers(html_text, data)
    assert problems == []


def test_city_outcomes_win_over_a_transfer(tmp_path: Path):
    d = tmp_path / "analysis"
    write_classified(d / "classified.parquet", scale=0.3)
    (d / "summary.json").write_text(json.dumps(_summary()))
    ctx = compute_plan(load_profile("baltimore"), d, None)
    assert ctx.risk_source == "local" and ctx.officer_time_source == "local"
    noise = next(c for c in ctx.candidates if c.type_id == "noise_complaint")
    assert noise.risk is not None and noise.risk < 0.1  # the city's own rate (1%), not the transfer's 31%


def test_malformed_transfer_fails_loudly():
    bad = _summary()
    bad["candidates"][0]["risk_hi"] = 0.01  # below the point estimate
    with pytest.raises(BadInput, match="risk interval"):
        transferred_from_summary(bad)
    assert transferred_from_summary({"risk": {"transferred": False}, "candidates": []}) is None
