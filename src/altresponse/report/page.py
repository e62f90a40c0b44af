"""The page shell shared by every human-readable output.

A page is a title, a few facts about where its numbers came from (`meta`), and sections of
ready-made HTML. The CSS is inline and print-friendly so the same file reads on screen, offline,
and as a WeasyPrint PDF.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

CSS = """
:root { --ink:#1d2530; --muted:#5b6675; --line:#d5dbe3; --accent:#1f5fa8; --bg:#ffffff; --soft:#f4f6f9; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: var(--ink);
       background: var(--bg);
       margin: 0 auto; max-width: 1100px; padding: 24px 28px 48px; line-height: 1.45; font-size: 14px; }
h1 { font-size: 26px; margin: 0 0 6px; }
h2 { font-size: 19px; margin: 32px 0 8px; padding-top: 8px; border-top: 2px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 6px; }
p, li { max-width: 80ch; }
.meta { color: var(--muted); font-size: 12.5px; margin: 0 0 12px; }
.meta dt { font-weight: bold; display: inline; }
.meta dd { display: inline; margin: 0 14px 0 4px; }
nav.toc { background: var(--soft); padding: 8px 14px; border-radius: 4px; font-size: 13px; }
nav.toc ol { margin: 4px 0; padding-left: 20px; columns: 2; }
nav.toc a { color: var(--accent); text-decoration: none; }
table.data { border-collapse: collapse; margin: 8px 0 14px; font-size: 12.5px; }
table.data caption { text-align: left; font-weight: bold; padding: 4px 0; }
table.data th, table.data td { border-bottom: 1px solid var(--line); padding: 3px 8px; vertical-align: top; }
table.data th { background: var(--soft); text-align: left; }
table.data td.num, table.data th.num { text-align: right; font-variant-numeric: tabular-nums;
  white-space: nowrap; }
table.data td.suppressed { color: var(--muted); font-style: italic; }
figure.chart { margin: 10px 0 18px; page-break-inside: avoid; break-inside: avoid; }
figure.chart svg { max-width: 100%; height: auto; }
figure.chart figcaption { color: var(--muted); font-size: 12px; }
.note { color: var(--muted); font-size: 12.5px; }
.callout { border-left: 4px solid var(--accent); background: var(--soft); padding: 8px 12px; margin: 10px 0; }
.kpis { display: flex; flex-wrap: wrap; gap: 10px; margin: 10px 0; }
.kpi { border: 1px solid var(--line); border-radius: 4px; padding: 8px 12px; min-width: 160px; }
.kpi .v { font-size: 20px; font-weight: bold; }
.kpi .l { color: var(--muted); font-size: 12px; }
footer { margin-top: 40px; color: var(--muted); font-size: 11.5px; border-top: 1px solid var(--line);
  padding-top: 8px; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  nav.toc { display: none; }
  h2 { page-break-after: avoid; break-after: avoid; }
  table.data { page-break-inside: auto; max-width: 100%; }
  table.data th, table.data td { overflow-wrap: anywhere; padding: 2px 5px; }
  table.data code { font-size: 8.5px; }
  tr { page-break-inside: avoid; }
}
@page { size: A4; margin: 16mm 14mm; }
"""


@dataclass(frozen=True)
class Section:
    """One titled block of the page. `html` is trusted markup made by charts/tables helpers."""

    title: str
    html: str
    anchor: str | None = None


def _slug(text: str) -> str:
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in text)
    return "-".join(part for part in out.split("-") if part) or "section"


def _as_section(item: Section | tuple[str, str] | Mapping[str, Any]) -> Section:
    if isinstance(item, Section):
        return item
    if isinstance(item, tuple):
        return Section(title=item[0], html=item[1])
    return Section(title=str(item["title"]), html=str(item["html"]), anchor=item.get("anchor"))


def kpi_cards(items: Iterable[tuple[str, str]]) -> str:
    """Headline figures as cards: (label, formatted value) pairs."""
    cards = "".join(
        f'<div class="kpi"><div class="v">{html.escape(value)}</div>'
        f'<div class="l">{html.escape(label)}</div></div>'
        for label, value in items
    )
    return f'<div class="kpis">{cards}</div>'


def paragraph(text: str, *, css_class: str | None = None) -> str:
    """Escaped paragraph; use for any text that may hold data values."""
    cls = f' class="{css_class}"' if css_class else ""
    return f"<p{cls}>{html.escape(text)}</p>"


def render_page(
    title: str,
    sections: Iterable[Section | tuple[str, str] | Mapping[str, Any]],
    *,
    meta: Mapping[str, Any] | None = None,
    intro: str = "",
    footer: str = "",
    toc: bool = True,
) -> str:
    """Return one self-contained HTML document.

    `meta` is shown under the title (data source, period, generated time, version): every page
    says where its numbers came from. Section bodies are inserted as given (they come from the
    chart and table helpers, which escape data); titles and meta values are escaped here.
    """
    secs = [_as_section(s) for s in sections]
    used: set[str] = set()
    anchors = []
    for s in secs:
        base = s.anchor or _slug(s.title)
        anchor, i = base, 2
        while anchor in used:
            anchor, i = f"{base}-{i}", i + 1
        used.add(anchor)
        anchors.append(anchor)
    meta_html = ""
    if meta:
        items = "".join(
            f"<dt>{html.escape(str(k))}:</dt><dd>{html.escape(str(v))}</dd>" for k, v in meta.items()
        )
        meta_html = f'<dl class="meta">{items}</dl>'
    toc_html = ""
    if toc and len(secs) > 2:
        links = "".join(
            f'<li><a href="#{a}">{html.escape(s.title)}</a></li>' for s, a in zip(secs, anchors, strict=True)
        )
        toc_html = f'<nav class="toc"><strong>Contents</strong><ol>{links}</ol></nav>'
    body = "".join(
        f'<section id="{a}"><h2>{html.escape(s.title)}</h2>{s.html}</section>'
        for s, a in zip(secs, anchors, strict=True)
    )
    foot = f"<footer>{footer}</footer>" if footer else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head>"
        f"<body><header><h1>{html.escape(title)}</h1>{meta_html}{intro}</header>"
        f"{toc_html}<main>{body}</main>{foot}</body></html>\n"
    )
