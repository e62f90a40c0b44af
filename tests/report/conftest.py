"""Realistic inputs for the page tests: an analysis summary, a staffing result and a plan context,
each built by the real stage on small hand-built calls, and a headline with both call sets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from altresponse.profile import builtin_profile_path, load_profile
from altresponse.results import Estimate, Headline


@pytest.fixture(scope="session")
def headline() -> Headline:
    return make_headline()


def make_headline() -> Headline:
    """Figures for all eligible calls and for the plan's final phase, with ranges and sources."""
    whole = {
        "period_days": Estimate(value=181.5, unit="days", source="first to last call in the data"),
        "eligible_calls_per_year": Estimate(
            value=31250.4,
            low=30100.2,
            high=32411.9,
            unit="calls/year",
            source="the protocol applied to the city's calls",
        ),
        "police_fte_freed": Estimate(
            value=6.34, low=5.12, high=7.71, unit="FTE", source="officer time of the eligible calls"
        ),
        "operating_cost": Estimate(
            value=9_412_000,
            low=8_400_500,
            high=10_650_000,
            unit="USD/year",
            source="cost model, median and 5th to 95th percentile",
        ),
        "reach_share": Estimate(value=0.912, low=0.894, high=0.931, unit="share", source="fleet simulation"),
    }
    plan = {
        "eligible_calls_per_year": Estimate(
            value=22100.0, low=21000.0, high=23300.0, unit="calls/year", source="the plan's final phase"
        ),
        "operating_cost": Estimate(
            value=7_100_000,
            low=6_300_000,
            high=7_900_000,
            unit="USD/year",
            source="cost model for the final phase",
        ),
        "peak_teams": Estimate(value=14, unit="teams", source="shift schedule of the final phase"),
    }
    return (
        Headline()
        .with_figures(whole, call_set="every call the protocol sends to an alternative")
        .with_figures(plan, prefix="plan_", call_set="the call types and hours of the plan's final phase")
    )


@pytest.fixture(scope="session")
def landscape_inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    from altresponse.pipeline.analyze import load_layers, run_analysis
    from tests.analysis.conftest import canonical_rows, write_calls, write_grid_geojson

    d = tmp_path_factory.mktemp("landscape")
    calls = write_calls(d / "calls.parquet", canonical_rows())
    grid = write_grid_geojson(d)
    indicators = d / "ind.csv"
    indicators.write_text(
        "csa2010,tpop20,median_household_income_2018\n"
        "West,10000,30000\nEast,20000,90000\nBaltimore City,,50000\n"
    )
    boundaries = {"neighborhoods": grid}
    summary = run_analysis(
        calls, d / "out", load_profile("baltimore"), boundaries=boundaries, indicators=indicators
    )
    return summary, load_layers(boundaries)


@pytest.fixture(scope="session")
def staffing_result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from altresponse.pipeline.staffing import run_staffing
    from tests.simulate.test_api import _classified, _facts

    d = tmp_path_factory.mktemp("staffing")
    data = yaml.safe_load(builtin_profile_path("baltimore").read_text())
    data["simulate"].update({"replications": 3, "verify_rounds": 2, "zones": 5})
    (d / "fast.yaml").write_text(yaml.safe_dump(data))
    src = _classified(d / "classified.parquet", rows=3000, weeks=4)
    return run_staffing(src, d / "out", load_profile(d / "fast.yaml"), _facts(src), target_reach=0.9,
                        target_minutes=20)


@pytest.fixture(scope="session")
def plan_context(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from altresponse.pipeline import load_landscape
    from altresponse.pipeline.plan import compute_plan
    from tests.plan.synthetic import write_analysis

    d = write_analysis(tmp_path_factory.mktemp("plan-analysis"), load_profile("baltimore"))
    return compute_plan(load_profile("baltimore"), d, None, landscape=load_landscape(d))


def pdf_facts(pdf: bytes, tmp: Path) -> tuple[str, str]:
    """(pdfinfo output, pdftotext text) of a PDF, with poppler-utils."""
    import shutil
    import subprocess

    if shutil.which("pdfinfo") is None or shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdfinfo, pdftotext) not installed")
    path = tmp / "page.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return info, text
