"""The strategy document: structure, and every number traced to plan.json's provenance."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import pytest

from altresponse.cli import main
from altresponse.profile import load_profile
from altresponse.taxonomy import load_catalogue

NUMBER = re.compile(r"\d[\d,.:]*")
# 911, 988 and 311 are the names of phone services, not figures
NAMES = {"911", "988", "311"}
SECTIONS = (
    "summary",
    "landscape",
    "peers",
    "recommendations",
    "by-type",
    "phases",
    "budget",
    "timeline",
    "monitoring",
    "methods",
)


class _Walker(HTMLParser):
    """Collects each text node with the stack of elements (tag, attrs) around it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str]]] = []
        self.texts: list[tuple[str, list[tuple[str, dict[str, str]]]]] = []
        self.tags: list[tuple[str, dict[str, str]]] = []

    VOID: ClassVar[set[str]] = {
        "meta",
        "br",
        "img",
        "link",
        "input",
        "hr",
        "path",
        "use",
        "rect",
        "circle",
        "line",
        "polyline",
        "polygon",
        "ellipse",
        "stop",
    }

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        if tag not in self.VOID:
            self.stack.append((tag, a))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.texts.append((data, list(self.stack)))


def _walk(html_text: str) -> _Walker:
    w = _Walker()
    w.feed(html_text)
    return w


def _check_numbers(html_text: str, plan: dict[str, Any]) -> tuple[int, list[str]]:
    figures = plan["provenance"]["figures"]
    urls = {s["url"] for s in plan["provenance"]["sources"].values() if s["url"]}
    w = _walk(html_text)
    checked, problems = 0, []
    for text, stack in w.texts:
        tags = [t for t, _ in stack]
        if {"style", "svg", "title", "script"} & set(tags):
            continue
        nums = [m for m in NUMBER.findall(text) if m not in NAMES]
        if not nums:
            continue
        checked += 1
        tag, attrs = stack[-1] if stack else ("", {})
        classes = attrs.get("class", "").split()
        if tag == "span" and "fig" in classes:
            fig = figures.get(attrs.get("data-key", ""))
            if fig is None:
                problems.append(f"figure key not in plan.json: {attrs.get('data-key')!r} ({text!r})")
            elif fig["text"] != text:
                problems.append(f"figure {attrs['data-key']!r} shows {text!r}, plan.json has {fig['text']!r}")
            elif fig["source"] not in plan["provenance"]["sources"]:
                problems.append(f"figure {attrs['data-key']!r} names unknown source {fig['source']!r}")
            continue
        if tag == "span" and "lbl" in classes:
            if attrs.get("data-kind") not in (
                "ordinal",
                "year",
                "name",
                "rule",
                "version",
                "day",
                "suppressed",
                "text",
            ):
                problems.append(f"unknown label kind {attrs.get('data-kind')!r}")
            continue
        if tag == "span" and "cited" in classes:
            src = attrs.get("data-source", "")
            if not (src in urls or src.startswith("protocol:") or src.startswith("profile:")):
                problems.append(f"cited text with unknown source {src!r}: {text!r}")
            continue
        if tag == "a" and attrs.get("href", "").startswith(text.rstrip(".")[:40]):
            continue  # a source address shown as its link text
        if tag == "dd" and text in (plan["generated_utc"], plan["protocol_version"]):
            continue  # header facts: protocol version and generation time
        problems.append(f"bare number {nums} in <{tag}>: {text[:80]!r}")
    return checked, problems


def test_every_number_on_the_page_comes_from_plan_json(built_plan):
    out, plan = built_plan
    checked, problems = _check_numbers((out / "plan.html").read_text(), plan)
    assert checked > 300
    assert problems == []


def test_number_check_catches_a_stray_number(built_plan):
    out, plan = built_plan
    html_text = (
        (out / "plan.html").read_text().replace("<h2>Timeline</h2>", "<h2>Timeline</h2><p>42 teams</p>")
    )
    _, problems = _check_numbers(html_text, plan)
    assert any("42" in p for p in problems)
    key = next(iter(plan["provenance"]["figures"]))
    tampered = json.loads(json.dumps(plan))
    tampered["provenance"]["figures"][key]["text"] = "-1"
    _, problems = _check_numbers((out / "plan.html").read_text(), tampered)
    assert any(key in p for p in problems)


def test_document_structure(built_plan):
    out, plan = built_plan
    html_text = (out / "plan.html").read_text()
    w = _walk(html_text)
    ids = {a.get("id") for t, a in w.tags if t == "section"}
    assert set(SECTIONS) <= ids
    # self-contained: no external scripts, styles or images
    for tag, a in w.tags:
        assert not (tag in ("script", "img") and a.get("src", "").startswith("http"))
        assert not (tag == "link" and a.get("rel") == "stylesheet")
    assert html_text.count("<svg") >= 3  # sensitivity, gap heat map, Gantt
    assert len(plan["recommended"]) >= 4
    assert not set(plan["recommended"]) & set(plan["pilot"])
    for t in plan["recommended"]:
        # a per-type implementation section, headed by the type's catalogue label
        assert f'<h3><span class="type" data-type="{t}">{load_catalogue().get(t).name}</span>' in html_text
        assert plan["exclusions"][t], t  # screening exclusions from the protocol
    assert [p["index"] for p in plan["phases"]] == [1, 2, 3]
    assert plan["phases"][0]["areas"]  # phase one is limited to focus areas
    assert plan["phases"][-1]["hours"] == "24/7"
    for p in plan["phases"]:
        assert (
            p["teams"]
            and p["budget"]["annual_operating_cost"]["p5"] <= p["budget"]["annual_operating_cost"]["p95"]
        )
        assert p["exit_gates"]
    assert {m["id"] for m in plan["monitoring"]} >= {
        "reach",
        "backup_rate",
        "response_time_p50",
        "successful_diversion",
        "co_notification",
        "linkage",
        "repeat_calls",
        "police_hours_freed",
    }
    mon = json.loads((out / "monitoring.json").read_text())
    assert mon["metrics"] == plan["monitoring"]
    ce = plan["coordinated_entry"]
    assert "coordinated entry point" in html_text
    assert ce is None or ce["name"] in html_text


def test_phase_figures_match_the_model_output(built_plan):
    _, plan = built_plan
    figs = plan["provenance"]["figures"]
    for p in plan["phases"]:
        i = p["index"]
        assert figs[f"phase{i}.calls"]["value"] == pytest.approx(p["calls_per_year"], abs=0.1)
        assert figs[f"phase{i}.budget.lo"]["value"] == p["budget"]["annual_operating_cost"]["p5"]
        assert figs[f"phase{i}.peak_teams"]["value"] == p["peak_teams"]
    calls = [p["calls_per_year"] for p in plan["phases"]]
    assert calls == sorted(calls)  # each phase takes on more of the eligible demand


def test_pdf_is_written(built_plan):
    out, _ = built_plan
    data = (out / "plan.pdf").read_bytes()
    assert data[:5] == b"%PDF-" and len(data) > 50_000


def test_cli_compare_and_json(built_plan, analysis_dir: Path, tmp_path: Path, capsys):
    out, _ = built_plan
    with pytest.raises(SystemExit) as exc:
        main(
            [
                "plan",
                "--profile",
                "baltimore",
                "--out",
                str(tmp_path),
                "--analysis",
                str(analysis_dir),
                "--compare",
                str(out / "plan.json"),
                "--no-pdf",
                "--json",
            ]
        )
    assert exc.value.code == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    summary = json.loads(last)
    assert summary["recommended"] and summary["outputs"]["html"].endswith("plan.html")
    html_text = (tmp_path / "plan.html").read_text()
    assert 'id="compare"' in html_text and "Compared plan" in html_text
    plan = json.loads((tmp_path / "plan.json").read_text())
    _, problems = _check_numbers(html_text, plan)
    assert problems == []


def test_cli_bad_input_exits_2(tmp_path: Path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(
            [
                "plan",
                "--profile",
                "baltimore",
                "--out",
                str(tmp_path / "o"),
                "--analysis",
                str(tmp_path / "missing"),
                "--no-pdf",
            ]
        )
    assert exc.value.code == 2
    assert "missing" in capsys.readouterr().err


def test_plan_without_local_data_still_renders(tmp_path: Path):
    from altresponse.pipeline.plan import build_plan

    data = build_plan(load_profile("baltimore"), None, None, tmp_path, pdf=False)
    assert data["phases"] == [] and data["notes"]
    assert len(data["recommended"]) >= 4  # ranked on peer precedent and provider readiness alone
    _, problems = _check_numbers((tmp_path / "plan.html").read_text(), data)
    assert problems == []
