"""The whole pipeline on synthetic Baltimore calls: every stage's JSON carries the same headline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from altresponse.pipeline import PipelineResult, load_landscape, run_pipeline
from altresponse.profile import load_profile
from altresponse.results import HEADLINE_KEYS, PLAN_PREFIX

from ..plan.test_document import _check_numbers


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> PipelineResult:
    from altresponse.sources import ingest
    from altresponse.synth.baltimore import write_csv

    out = tmp_path_factory.mktemp("pipeline")
    profile = load_profile("baltimore")
    csv_path = out / "calls.csv"
    write_csv(csv_path, rows=20_000, seed=7)
    calls = out / "calls.parquet"
    ingest([csv_path], "baltimore", calls, profile=profile, rejects=out / "rejects.csv")
    return run_pipeline(calls, out, profile)


def _saved_headline(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text())["headline"])


def test_every_stage_output_carries_the_same_figures(pipeline: PipelineResult) -> None:
    final = pipeline.headline.as_json()
    assert set(final) >= set(HEADLINE_KEYS)  # every figure, for the staffing call set
    assert {k for k in final if k.startswith(PLAN_PREFIX)}  # and the plan's final phase
    saved = {
        "landscape": _saved_headline(pipeline.folders["analysis"] / "summary.json"),
        "staffing": _saved_headline(pipeline.folders["staffing"] / "staffing.json"),
        "plan": _saved_headline(pipeline.folders["plan"] / "plan.json"),
    }
    for stage, figures in saved.items():
        for key, est in figures.items():
            assert est == final[key], (stage, key)  # same value, same interval, same source
    assert set(saved["landscape"]) == {"period_days", "eligible_calls_per_year"}
    # the typed landscape result loads back as the same object the later stages used
    assert load_landscape(pipeline.folders["analysis"]) == pipeline.landscape


def test_figures_hang_together(pipeline: PipelineResult) -> None:
    h = pipeline.headline.figures
    for est in h.values():
        if est.low is not None and est.high is not None:
            assert est.low <= est.value <= est.high, est
        assert est.source
    period = pipeline.landscape.period
    assert h["period_days"].value == period.days
    # served calls are eligible field-team calls times the capture rate: fewer than eligible
    assert h["calls_served_per_year"].value < h["eligible_calls_per_year"].value
    assert h["police_fte_freed"].value == pytest.approx(h["police_hours_freed"].value / 1718.0)
    target = pipeline.staffing["target"]
    assert target["met"] == (h["reach_share"].value >= target["reach"])
    assert ("TARGET MISSED" in target["statement"]) != target["met"]


def test_plan_page_numbers_come_from_plan_json(pipeline: PipelineResult) -> None:
    plan_dir = pipeline.folders["plan"]
    html_text = (plan_dir / "plan.html").read_text()
    assert "Cross-check: the capacity model" in html_text
    _, problems = _check_numbers(html_text, json.loads((plan_dir / "plan.json").read_text()))
    assert problems == []
    assert pipeline.plan["synthetic"] is True and len(pipeline.plan["recommended"]) >= 4


def test_a_twenty_day_export_is_annualized_by_its_measured_span(tmp_path: Path) -> None:
    """20.6 days of calls stand for 20.6 days, not the four simulated weeks around them."""
    from altresponse.pipeline.staffing import run_staffing

    from ..plan.synthetic import write_analysis

    profile = load_profile("baltimore")
    d = write_analysis(tmp_path / "analysis", profile, days=20.6, scale=0.4)
    landscape = load_landscape(d)
    assert 20.0 < landscape.period.days < 21.0  # 20.x days, measured, not 28
    result = run_staffing(d / "classified.parquet", tmp_path / "staffing", profile, landscape)
    demand = result["demand"]
    years = landscape.period.days / 365.25
    assert demand["calls_per_year"] == pytest.approx(demand["calls"] / years)
    assert result["headline"]["period_days"]["value"] == landscape.period.days


def test_gaps_in_the_period_are_reported(tmp_path: Path) -> None:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from ..plan.synthetic import write_classified

    profile = load_profile("baltimore")
    path = write_classified(tmp_path / "c.parquet", days=30, scale=0.2)
    table = pq.read_table(path)
    day = pc.day(table.column("received_utc"))  # UTC day of month; calls run from 1 January
    keep = pc.invert(pc.and_(pc.greater_equal(day, 10), pc.less_equal(day, 14)))
    pq.write_table(table.filter(keep), path)
    from altresponse.pipeline.analyze import analyze_classified

    summary = analyze_classified(path, profile)
    gaps = summary["period"]["gaps"]
    assert summary["period"]["gap_days"] >= 4 and len(gaps) == 1, gaps
    assert "days without calls" in summary["headline"]["period_days"]["source"]


def _page_text(path: Path) -> str:
    import html
    import re

    return re.sub(r"\s+", " ", html.unescape(path.read_text()))


def _pdf_text(path: Path) -> str:
    import re
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return re.sub(r"\s+", "", text)  # a figure may wrap inside its box; compare without white space


def test_every_page_and_the_pdf_show_the_same_headline(pipeline: PipelineResult) -> None:
    """Each headline figure, written by the one formatter, on every page, in the PDF and in the JSON."""
    from altresponse.report.format import estimate

    out = pipeline.folders["analysis"].parent
    texts = {
        "landscape": _page_text(pipeline.folders["analysis"] / "report.html"),
        "staffing": _page_text(pipeline.folders["staffing"] / "staffing.html"),
        "plan": _page_text(pipeline.folders["plan"] / "plan.html"),
        "plan.pdf": _pdf_text(pipeline.folders["plan"] / "plan.pdf"),
    }
    for key, est in pipeline.headline.figures.items():
        shown = estimate(est)
        for page, text in texts.items():
            want = shown.replace(" ", "") if page.endswith(".pdf") else shown
            assert want in text, (page, key, shown)
    for call_set in pipeline.headline.call_sets.values():
        for page in ("landscape", "staffing", "plan"):
            assert call_set in texts[page], (page, call_set)
    del out


@pytest.mark.slow
def test_one_fact_changed_in_one_place_changes_every_page(pipeline: PipelineResult, tmp_path: Path) -> None:
    """A third member on every behavioral-health crew, set once in the profile, reaches every page."""
    import yaml

    from altresponse.profile import builtin_profile_path
    from altresponse.report.format import estimate

    builtin = builtin_profile_path("baltimore")
    data = yaml.safe_load(builtin.read_text())
    for key in ("registry", "crosswalk_311"):  # the copy lives elsewhere: its files by absolute path
        data["partners"][key] = str(builtin.parent / data["partners"][key])
    data.setdefault("costs", {})["compositions"] = {
        "behavioral_health_team": ["clinician", "paramedic", "peer"],
        "community_responder": ["community_responder", "emt"],
        "homeless_outreach": ["peer", "community_responder"],
        "co_response": ["clinician"],
    }
    (tmp_path / "bigger.yaml").write_text(yaml.safe_dump(data))
    calls = pipeline.folders["analysis"].parent / "calls.parquet"
    changed = run_pipeline(calls, tmp_path / "out", load_profile(tmp_path / "bigger.yaml"))
    before, after = pipeline.headline.figures["fte"], changed.headline.figures["fte"]
    assert after.value > before.value
    pages = [changed.folders["analysis"] / "report.html", changed.folders["staffing"] / "staffing.html",
             changed.folders["plan"] / "plan.html"]
    for page in pages:
        text = _page_text(page)
        assert estimate(after) in text, page
        assert estimate(before) not in text, page
    assert json.loads((changed.folders["plan"] / "plan.json").read_text())["headline"]["fte"] == \
        after.model_dump()


@pytest.mark.shared
def test_partners_stand_beside_911_in_the_landscape_and_the_plan(pipeline: PipelineResult,
                                                                shared: Path) -> None:
    part = pipeline.plan["partners"]
    assert part["landscape"] is not None, part["missing"]
    land = part["landscape"]
    assert land["harmonization"]["overlaps"] and land["harmonization"]["gaps"]
    assert land["harmonization"]["stakeholders"]
    assert land["outreach_demand"]["per_year"]["value"] > 0  # 311 is a source of outreach demand
    assert [a["name"] for a in land["coordinated_entry"]["access_points"]]
    assert sum(r["rejected"] + r["rows_out"] for r in part["ingested"]["requests"]) == sum(
        r["records_in"] for r in part["ingested"]["requests"])
    landscape_page = _page_text(pipeline.folders["analysis"] / "report.html")
    assert "Beside 911" in landscape_page and "311 requests a year" in landscape_page
    plan_page = _page_text(pipeline.folders["plan"] / "plan.html")
    for heading in ("Stakeholder map", "Coordinated entry for homelessness", "gaps to fund"):
        assert heading in plan_page


@pytest.mark.shared
def test_the_profile_chooses_a_real_crisis_teams_service_times(shared: Path, tmp_path: Path) -> None:
    import yaml

    from altresponse.pipeline.staffing import run_staffing
    from altresponse.profile import builtin_profile_path
    from tests.simulate.test_api import _classified, _facts

    builtin = builtin_profile_path("baltimore")
    data = yaml.safe_load(builtin.read_text())
    for key in ("registry", "crosswalk_311"):
        data["partners"][key] = str(builtin.parent / data["partners"][key])
    data["simulate"].update({"replications": 2, "verify_rounds": 1, "zones": 3})
    profiles = {}
    for choice in ("published", "crisis_log"):
        data["partners"]["service_times"] = choice
        (tmp_path / f"{choice}.yaml").write_text(yaml.safe_dump(data))
        profiles[choice] = load_profile(tmp_path / f"{choice}.yaml")
    src = _classified(tmp_path / "classified.parquet", rows=1500, weeks=3)
    published = run_staffing(src, tmp_path / "p", profiles["published"], _facts(src))
    crisis = run_staffing(src, tmp_path / "c", profiles["crisis_log"], _facts(src))
    assert "dispatch log" in crisis["assumptions"][0][2]
    assert crisis["service_times"] != published["service_times"]


@pytest.mark.slow
@pytest.mark.shared
def test_decc_pages_pdf_and_json_show_the_same_headline(shared: Path, tmp_path: Path) -> None:
    """The same check on real CAD records, with the DECC reference profile."""
    from altresponse.report.format import estimate
    from altresponse.sources import ingest

    profile = load_profile("decc")
    calls = tmp_path / "calls.parquet"
    ingest([shared / "data/other_cities/decc_cad/decc_cad_calls_2025_wk35_48.csv"], "decc", calls,
           profile=profile)
    run = run_pipeline(calls, tmp_path, profile)
    pages = {
        "landscape": _page_text(run.folders["analysis"] / "report.html"),
        "staffing": _page_text(run.folders["staffing"] / "staffing.html"),
        "plan": _page_text(run.folders["plan"] / "plan.html"),
        "plan.pdf": _pdf_text(run.folders["plan"] / "plan.pdf"),
    }
    assert run.headline.figures
    for key, est in run.headline.figures.items():
        for page, text in pages.items():
            want = estimate(est).replace(" ", "") if page.endswith(".pdf") else estimate(est)
            assert want in text, (page, key)
    for name in ("summary.json", "landscape.json"):
        assert (run.folders["analysis"] / name).exists()
    for folder, name in (("staffing", "staffing.json"), ("plan", "plan.json")):
        saved = json.loads((run.folders[folder] / name).read_text())["headline"]
        assert all(saved[k] == run.headline.figures[k].model_dump() for k in saved)
    assert {h.source for h in run.landscape.officer_hours.values()} & {"measured"}
