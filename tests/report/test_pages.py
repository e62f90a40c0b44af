"""Every page renders from typed results through the one shell: headline panel, labels, glossary,
offline, figures closed, and a US Letter PDF that reads the same."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt

from altresponse.facts import serious_outcome_words
from altresponse.report import format as fmt
from altresponse.report.index import render_index
from altresponse.report.landscape import render_landscape, serious_classes
from altresponse.report.pdf import html_to_pdf
from altresponse.report.plan import plan_json, render_plan
from altresponse.report.staffing import render_simulation, render_staffing
from altresponse.results import Headline
from altresponse.taxonomy import load_catalogue

from .conftest import pdf_facts


class _Text(HTMLParser):
    """The text a reader sees (no style, script or chart internals)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("style", "script", "svg"):
            self.skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "svg"):
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def visible_text(page: str) -> str:
    p = _Text()
    p.feed(page)
    return " ".join(" ".join(p.parts).split())


def headline_panel(page: str) -> str:
    m = re.search(r'<section class="headline" id="headline".*?</section>', page, re.S)
    assert m, "no headline panel"
    return m.group(0)


def assert_headline(page: str, headline: Headline) -> None:
    """The panel shows each figure exactly as format.estimate writes it, with its label and source."""
    panel = headline_panel(page)
    assert page.index('id="headline"') < page.index("<section id=")  # at the top
    text = visible_text(panel)
    for key, est in headline.figures.items():
        m = re.search(rf'data-key="{re.escape(key)}">(.*?)</div>', panel, re.S)
        assert m, key
        item = visible_text(m.group(1))
        assert fmt.estimate(est) in item, (key, item)
        assert Headline.label(key) in item
        assert est.source in item
    for words in headline.call_sets.values():
        assert words in text


def assert_self_contained(page: str, *, citations: bool = False) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page
    assert not re.search(r'\bsrc="https?://', page)
    assert not re.search(r"<link[^>]+stylesheet", page)
    if not citations:
        assert not re.search(r'href="https?://', page)
    assert "@page { size: Letter" in page


def assert_no_type_codes(page: str, type_ids: set[str]) -> None:
    text = visible_text(page)
    cat = load_catalogue()
    for t in type_ids:
        if t in cat and "_" in t:  # a one-word id ("assault") is also an ordinary word
            assert not re.search(rf"\b{re.escape(t)}\b", text), (
                f"code name {t!r} shown for {cat.get(t).name!r}"
            )


def assert_glossary(page: str) -> None:
    assert "Methods and glossary" in page or "glossary" in page.lower()
    assert '<dl class="glossary">' in page


NO_FILE_NAMES = re.compile(r"\b[\w-]+\.(?:parquet|json|md|csv|geojson)\b")


def test_landscape_page(landscape_inputs: tuple[dict[str, Any], Any], headline: Headline) -> None:
    summary, layers = landscape_inputs
    plt.close("all")
    page = render_landscape(summary, layers, headline)
    assert plt.get_fignums() == []
    assert_self_contained(page)
    assert_headline(page, headline)
    assert_glossary(page)
    types = {c["common_type"] for c in summary["candidates"]} | {
        t["common_type"] for t in summary["type_shares"]
    }
    assert_no_type_codes(page, types)
    text = visible_text(page)
    assert "Welfare check" in text
    assert serious_outcome_words(serious_classes(summary)) in text
    assert "Days of calls in the data " + fmt.estimate(headline.figures["period_days"]) in text
    assert not NO_FILE_NAMES.search(text), NO_FILE_NAMES.search(text)


def test_landscape_page_without_headline_says_so(landscape_inputs: tuple[dict[str, Any], Any]) -> None:
    summary, layers = landscape_inputs
    page = render_landscape(summary, layers, Headline())
    assert "not available" in headline_panel(page)


def test_staffing_and_simulation_pages(staffing_result: dict[str, Any], headline: Headline) -> None:
    plt.close("all")
    page = render_staffing(staffing_result, headline)
    sim = render_simulation(
        {**staffing_result, "scenario": "pilot", "scenario_description": "the pilot", "fleet": []}
    )
    assert plt.get_fignums() == []
    for p in (page, sim):
        assert_self_contained(p)
        assert_glossary(p)
        assert not NO_FILE_NAMES.search(visible_text(p))
        assert "behavioral_health_team" not in visible_text(p)
    assert_headline(page, headline)
    scenario = {**staffing_result, "scenario": "pilot", "scenario_description": "the pilot", "fleet": []}
    with_panel = render_simulation(scenario, headline)
    assert_headline(with_panel, headline)
    assert 'id="headline"' not in sim
    text = visible_text(page)
    # a headline figure repeated in the body is written as the panel writes it
    assert f"Reached within 20 min {fmt.estimate(headline.figures['reach_share'])}" in text
    assert (
        f"Operating cost a year, median (p5–p95) {fmt.estimate(headline.figures['operating_cost'])}" in text
    )
    assert "Behavioral-health team" in text
    assert "programs.md" not in page


def test_plan_page_numbers_and_headline(plan_context: Any, headline: Headline, tmp_path: Path) -> None:
    from tests.plan.test_document import _check_numbers

    plt.close("all")
    page, prov = render_plan(plan_context, headline)
    assert plt.get_fignums() == []
    data = plan_json(plan_context, prov, headline)
    assert data["headline"] == headline.as_json()
    _, problems = _check_numbers(page, data)
    assert problems == []
    assert_self_contained(page, citations=True)
    assert_headline(page, headline)
    assert_glossary(page)
    types = {c.type_id for c in plan_context.candidates}
    assert_no_type_codes(page, types)
    # the summary repeats the plan's headline figures through the same registered span
    summary = re.search(r'<section id="summary">.*?</section>', page, re.S)
    assert summary and fmt.estimate(headline.figures["plan_operating_cost"]) in visible_text(summary.group(0))
    for name in ("summary.json", "staffing.json", "plan.json", "monitoring.json"):
        assert name not in visible_text(page)


def test_plan_page_with_the_capacity_cross_check(plan_context: Any, headline: Headline) -> None:
    from dataclasses import replace

    from tests.plan.test_document import _check_numbers

    staffing = {"team_hours_per_week": 1694.0, "peak_teams_on_duty": 16,
                "budget": {"annual_operating_cost": {"p5": 8.1e6, "p50": 9.0e6, "p95": 9.9e6}}}
    ctx = replace(plan_context, staffing_summary=staffing)
    page, prov = render_plan(ctx, headline)
    _, problems = _check_numbers(page, plan_json(ctx, prov, headline))
    assert problems == []
    budget = re.search(r'<section id="budget">.*?</section>', page, re.S)
    assert budget and "Cross-check: the capacity model" in budget.group(0)
    assert "1,694 team-hours a week" in visible_text(budget.group(0))


def test_plan_pdf_is_letter_and_reads_the_same(plan_context: Any, headline: Headline, tmp_path: Path) -> None:
    page, _ = render_plan(plan_context, headline)
    info, text = pdf_facts(html_to_pdf(page, str(tmp_path)), tmp_path)
    assert re.search(r"Page size:\s+612 x 792 pts", info), info
    squeezed = "".join(text.split())
    for est in headline.figures.values():
        assert "".join(fmt.estimate(est).split()) in squeezed
    assert "Welfare check" in text


def test_index_page(headline: Headline, tmp_path: Path) -> None:
    plan = {
        "recommended": ["welfare_check", "noise_complaint"],
        "phases": [
            {
                "name": "Pilot areas",
                "calls_per_year": 5000.0,
                "budget": {"annual_operating_cost": {"p5": 2.1e6, "p50": 2.4e6, "p95": 2.9e6}},
            }
        ],
    }
    page = render_index(
        headline,
        [("plan/plan.html", "Implementation plan (HTML)"), ("analysis/report.html", "Landscape analysis")],
        {"rows_in": 20000, "rows_out": 19990, "rows_rejected": 10, "duplicates_dropped": 0},
        {"ingest": 1.25},
        plan=plan,
        notice="Every call here is synthetic.",
    )
    assert_self_contained(page)
    assert_headline(page, headline)
    text = visible_text(page)
    assert "Welfare check" in text and "Noise complaint" in text
    assert 'data-type="welfare_check"' in page
    assert 'href="plan/plan.html"' in page and 'href="analysis/report.html"' in page
    assert "20,000" in text and "1.2 s" in text
    assert "$2.1M–$2.9M" in text
    info, pdf_text = pdf_facts(html_to_pdf(page, str(tmp_path)), tmp_path)
    assert "612 x 792" in info
    assert fmt.estimate(headline.figures["operating_cost"]) in pdf_text
