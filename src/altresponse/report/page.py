"""The page shell shared by every human-readable output, and small blocks for Python-built sections.

Every page renders through ``templates/shell.html.j2``: a title, a few facts about where its
numbers came from (`meta`), a table of contents, the headline panel, the content and a footer. The
CSS is inline and print-friendly (US Letter) so the same file reads on screen, offline, and as a
WeasyPrint PDF.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from altresponse.report.env import component, render
from altresponse.report.headline import EMPTY_TEXT, HeadlineGroup


@dataclass(frozen=True)
class Section:
    """One titled block of the page. `html` is markup made by the component helpers."""

    title: str
    html: str
    anchor: str | None = None


def slug(text: str) -> str:
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in text)
    return "-".join(part for part in out.split("-") if part) or "section"


def _as_section(item: Section | tuple[str, str] | Mapping[str, Any]) -> Section:
    if isinstance(item, Section):
        return item
    if isinstance(item, tuple):
        return Section(title=item[0], html=item[1])
    return Section(title=str(item["title"]), html=str(item["html"]), anchor=item.get("anchor"))


def anchored(sections: Iterable[Section | tuple[str, str] | Mapping[str, Any]]) -> list[Section]:
    """Sections with unique anchors (from their titles when not given)."""
    used: set[str] = set()
    out = []
    for s in map(_as_section, sections):
        base = s.anchor or slug(s.title)
        anchor, i = base, 2
        while anchor in used or anchor == "headline":
            anchor, i = f"{base}-{i}", i + 1
        used.add(anchor)
        out.append(Section(s.title, Markup(s.html) if not isinstance(s.html, Markup) else s.html, anchor))
    return out


def shell_context(
    title: str,
    *,
    meta: Mapping[str, Any] | None = None,
    toc: Sequence[tuple[str, str]] = (),
    headline: Sequence[HeadlineGroup] | None = None,
    notices: Sequence[str | Markup] = (),
    footer: str | Markup = "",
) -> dict[str, Any]:
    """Everything the shell needs; a page template adds its own names."""
    toc = list(toc)
    if headline is not None:
        toc.insert(0, ("headline", "Headline"))
    return {
        "title": title,
        "meta": {str(k): str(v) for k, v in (meta or {}).items()},
        "toc": toc,
        "headline": None if headline is None else list(headline),
        "headline_empty": EMPTY_TEXT,
        "notices": list(notices),
        "footer": footer,
    }


def kpi_cards(items: Iterable[tuple[str, str]]) -> Markup:
    """Figures as cards: (label, formatted value) pairs, in the headline panel's look."""
    cards = Markup("").join(
        Markup('<div class="kpi"><dt class="l">{}</dt><dd class="v">{}</dd></div>').format(label, value)
        for label, value in items
    )
    return Markup('<dl class="kpis">{}</dl>').format(cards)


def paragraph(text: str, *, css_class: str | None = None) -> Markup:
    """Escaped paragraph; use for any text that may hold data values."""
    if css_class == "callout":
        return component("callout", text)
    if css_class:
        return Markup('<p class="{}">{}</p>').format(css_class, text)
    return Markup("<p>{}</p>").format(text)


def render_page(
    title: str,
    sections: Iterable[Section | tuple[str, str] | Mapping[str, Any]],
    *,
    meta: Mapping[str, Any] | None = None,
    intro: str = "",
    footer: str = "",
    toc: bool = True,
    headline: Sequence[HeadlineGroup] | None = None,
    glossary: Sequence[tuple[str, str]] = (),
) -> str:
    """One self-contained HTML document from sections made by the component helpers.

    `meta` is shown under the title (data source, period, generated time, version): every page
    says where its numbers came from. Titles and meta values are escaped by the template.
    """
    secs = anchored(sections)
    contents = [(s.anchor or "", s.title) for s in secs]
    if glossary:
        contents.append(("methods-glossary", "Methods and glossary"))
    ctx = shell_context(title, meta=meta, toc=contents if toc else (), headline=headline,
                        notices=[Markup(intro)] if intro else [], footer=Markup(footer))
    return render("sections.html.j2", sections=secs, glossary=list(glossary), **ctx)
