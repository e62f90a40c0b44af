"""The report toolkit: self-contained pages, inline SVG charts, suppressed tables."""

from __future__ import annotations

import re

import numpy as np
import pytest
from shapely.geometry import box

from altresponse.report import charts, tables
from altresponse.report.page import Section, kpi_cards, render_page


def _all_charts() -> list[str]:
    return [
        charts.bar(["a", "b"], [3, 5], errors=([2, 4], [4, 6]), title="bars"),
        charts.bar(["a", "b"], [3, 5], horizontal=False),
        charts.stacked_bar(["g1", "g2"], {"x": [1, 2], "y": [3, 4]}),
        charts.line(["Mon", "Tue"], {"s": [1.0, 2.0]}, bands={"s": ([0.5, 1.5], [1.5, 2.5])}),
        charts.heatmap_hour_of_week(np.arange(168).reshape(7, 24)),
        charts.choropleth([box(-76.7, 39.2, -76.6, 39.3), box(-76.6, 39.2, -76.5, 39.3)], [1.0, None]),
        charts.forest(["t1", "t2"], [0.2, 0.5], [0.1, 0.4], [0.3, 0.6], reference=0.3, percent=True),
    ]


def test_page_is_self_contained_and_ids_are_unique() -> None:
    page = render_page(
        "Calls <&> analysis",
        [
            Section("Charts", "".join(_all_charts())),
            ("KPIs", kpi_cards([("calls", "1,234")])),
            ("x", "<p>x</p>"),
        ],
        meta={"source": "calls.parquet <test>"},
    )
    assert page.startswith("<!DOCTYPE html>")
    assert "Calls &lt;&amp;&gt; analysis" in page
    assert "calls.parquet &lt;test&gt;" in page
    # Offline: no external resources of any kind.
    assert not re.search(r'(src|href)="https?://', page)
    assert "<script" not in page
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "element ids collide across charts"
    assert page.count("<svg") == 7


def test_heatmap_rejects_wrong_shape() -> None:
    with pytest.raises(ValueError, match="7 x 24"):
        charts.heatmap_hour_of_week(np.zeros((24, 7)))


def test_suppression_and_formatting() -> None:
    assert isinstance(tables.suppress(9), tables.Suppressed)
    assert tables.suppress(10) == 10
    assert tables.suppress(0) == 0
    html = tables.html_table(
        ["place", "calls", "share"],
        [["A & B", 1200, 0.25], ["C", tables.suppress(3), None]],
        formats={"share": tables.fmt_pct(1)},
    )
    assert "A &amp; B" in html
    assert "1,200" in html and "25.0%" in html
    assert '<td class="num suppressed">&lt;10</td>' in html
    assert ">3<" not in html


def test_page_renders_to_pdf() -> None:
    weasyprint = pytest.importorskip("weasyprint")
    page = render_page("t", [("Charts", "".join(_all_charts()[:2]))])
    pdf = weasyprint.HTML(string=page).write_pdf()
    assert pdf is not None and pdf[:4] == b"%PDF"
