"""run_analysis end to end on calls with known answers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from altresponse.pipeline.analyze import run_analysis
from altresponse.profile import load_profile

from .conftest import KNOWN_MIX, canonical_rows, write_calls, write_grid_geojson

SUMMARY_KEYS = {
    "rows", "mapping", "category_shares", "pathway_shares", "scenarios", "officer_time", "candidates",
    "by_area", "equity", "hour_of_week", "repeat_locations", "risk", "period", "scope",
    "published_comparison",
}


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("analysis")


@pytest.fixture(scope="module")
def summary(out_dir: Path) -> dict:
    tmp_path = out_dir
    known_calls = write_calls(tmp_path / "calls.parquet", canonical_rows())
    grid_geojson = write_grid_geojson(tmp_path)
    indicators = tmp_path / "ind.csv"
    indicators.write_text(
        "csa2010,tpop20,median_household_income_2018\n"
        "West,10000,30000\nEast,20000,90000\nBaltimore City,,50000\n"
    )
    return run_analysis(known_calls, tmp_path / "out", load_profile("baltimore"),
                        boundaries={"neighborhoods": grid_geojson}, indicators=indicators)


def test_outputs_written_and_keys_stable(summary: dict, out_dir: Path) -> None:
    out = out_dir / "out"
    on_disk = json.loads((out / "summary.json").read_text())
    assert set(on_disk) >= SUMMARY_KEYS
    html = (out / "report.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html
    assert not re.search(r'(src|href)="https?://', html)
    assert (out / "classified.parquet").exists()


def test_shares_and_scope(summary: dict) -> None:
    total = sum(v[0] for v in KNOWN_MIX.values())
    assert summary["rows"] == total
    assert sum(c["share"] for c in summary["category_shares"]) == pytest.approx(1.0)
    assert summary["scope"]["name"] == "community_initiated"
    assert summary["scope"]["calls"] == total - KNOWN_MIX["BUSINESS CHECK"][0]


def test_officer_time_is_exact(summary: dict) -> None:
    ot = summary["officer_time"]
    expected_h = sum(n * busy / 3600 for n, _, busy, _ in KNOWN_MIX.values())
    assert ot["available"] and ot["hours"] == pytest.approx(expected_h)
    assert ot["coverage"] == pytest.approx(1.0)


def test_risk_scenarios_pick_the_right_types(summary: dict) -> None:
    by_id = {s["id"]: s for s in summary["scenarios"]}
    low = by_id["risk_0.05"]
    # welfare (1%) and behavioral crisis (2%) are under 5%; disorderly (8%) is not; assault never (category).
    assert "welfare_check" in low["eligible_types"] and "behavioral_crisis" in low["eligible_types"]
    assert "disorderly_person" not in low["eligible_types"]
    assert "assault" not in by_id["risk_0.2"]["eligible_types"]
    assert "disorderly_person" in by_id["risk_0.1"]["eligible_types"]
    scope = summary["scope"]["calls"]
    assert low["share"] == pytest.approx((400 + 600) / scope)
    assert low["accepted_error"] == pytest.approx((8 + 6) / 1000)
    assert low["lo"] <= low["share"] <= low["hi"]
    # Officer hours freed at 5%: 400 x 40 min + 600 x 30 min, annualised over the data period.
    annual = summary["period"]["annualization_factor"]
    assert low["officer_hours_per_year"] == pytest.approx((400 * 2400 + 600 * 1800) / 3600 * annual)
    assert low["fte_lo"] <= low["fte"] <= low["fte_hi"]
    proto = by_id["protocol"]
    assert 0 < proto["share"] < 1 and proto["lo"] <= proto["share"] <= proto["hi"]


def test_places_suppression_and_unmatched_names(summary: dict) -> None:
    hoods = summary["by_area"]["neighborhood"]
    areas = {a["area"]: a for a in hoods["areas"]}
    assert areas["Tiny"]["calls"] is None and areas["Tiny"]["suppressed"]
    assert hoods["unmatched_names"] == [{"name": "Westish", "calls": 7}]
    # Calls without a neighbourhood name are placed by coordinates (West at lon 0.5, East at 1.5).
    assert hoods["located_by_coordinates"] > 2000
    assert areas["West"]["calls"] + areas["East"]["calls"] + 3 == hoods["calls_assigned"]
    rep = summary["repeat_locations"]
    # Disorderly person goes to police under the protocol, so none of the 15 is civilian-pathway.
    assert rep["top"][0] == {"block_address": "100 BLOCK TEST ST", "calls": 15, "eligible_calls": 0}
    assert all(r["calls"] >= 10 for r in rep["top"])


def test_equity_rates_per_1000(summary: dict) -> None:
    eq = summary["equity"]
    assert eq["available"] and eq["areas_joined"] == 2
    west = next(r for r in eq["by_area"] if r["area"] == "West")
    annual = summary["period"]["annualization_factor"]
    assert west["calls_per_1000"] == pytest.approx(west["calls"] * annual * 1000 / 10000)


def test_candidates_ranked_with_intervals(summary: dict) -> None:
    cands = {c["common_type"]: c for c in summary["candidates"]}
    assert "unmapped" not in cands
    w = cands["welfare_check"]
    assert w["candidate"] and w["risk_lo"] <= w["risk"] <= w["risk_hi"]
    assert w["hours_per_day_with_call"] > 0
    assert cands["assault"]["rank_low_risk"] > w["rank_low_risk"]


def test_no_dispositions_transfers_risk_or_shows_none(tmp_path: Path) -> None:
    from altresponse.analysis import AnalysisConfig
    from altresponse.pipeline.analyze import analyze_classified
    from altresponse.pipeline.classify import classify_calls

    rows = canonical_rows({"CHECK WELL-BEING": (60, 0.0, 600.0, "community_initiated"),
                           "COMMON ASSAULT": (40, 0.0, 600.0, "community_initiated")})
    for r in rows:
        r["disposition_class"] = "unknown"
    calls = write_calls(tmp_path / "calls.parquet", rows)
    classify_calls(calls, tmp_path / "c.parquet", load_profile("baltimore"))
    no_transfer = AnalysisConfig(transfer_from_reference=False)
    summary = analyze_classified(tmp_path / "c.parquet", load_profile("baltimore"), cfg=no_transfer)
    risk = [s for s in summary["scenarios"] if s["kind"] == "risk_tolerance"]
    assert risk and all(s["share"] is None and s["eligible_types"] == [] and s["note"] for s in risk)
    proto = next(s for s in summary["scenarios"] if s["kind"] == "protocol")
    assert proto["share"] == pytest.approx(0.6) and proto["accepted_error"] is None
    assert all(c["risk"] is None for c in summary["candidates"])
    assert summary["risk"]["transferred"] is False

    # Default: risk is transferred from the reference agencies, and says so.
    transferred = analyze_classified(tmp_path / "c.parquet", load_profile("baltimore"))
    assert transferred["risk"]["transferred"] is True
    assert "transferred from reference agencies" in transferred["risk"]["statement"]
    assert transferred["risk"]["provenance"]["types_requested"] == 2
    welfare = next(c for c in transferred["candidates"] if c["common_type"] == "welfare_check")
    assert welfare["risk"] is not None and welfare["risk_lo"] <= welfare["risk"] <= welfare["risk_hi"]
    tolerances = [s for s in transferred["scenarios"] if s["kind"] == "risk_tolerance"]
    top = max(tolerances, key=lambda s: s["threshold"])
    assert top["share"] is not None and "assault" not in top["eligible_types"]
