"""A registry of every number the plan shows, with where it came from.

The plan page renders figures only through this registry, so each number on the page carries a
key, and the key leads to a model output, a cited source or a stated assumption. A test parses
the HTML and checks every number against it.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

KINDS = ("model", "cited", "assumption", "input")


@dataclass(frozen=True)
class Source:
    key: str
    kind: str  # model | cited | assumption | input
    title: str
    url: str = ""
    year: int | None = None
    unverified: bool = False


@dataclass(frozen=True)
class Figure:
    key: str
    value: float | int | str
    text: str
    unit: str
    source: str  # Source.key
    note: str = ""


def fmt_count(v: float) -> str:
    return f"{round(v):,}"


def fmt_pct(v: float, digits: int = 0) -> str:
    return f"{v * 100:.{digits}f}%"


def fmt_usd(v: float) -> str:
    if abs(v) >= 1e6:
        return f"${v / 1e6:,.1f}M"
    if abs(v) >= 1e4:
        return f"${v / 1e3:,.0f}k"
    return f"${v:,.0f}" if v == round(v) or abs(v) >= 100 else f"${v:,.2f}"


def fmt_num(digits: int = 1) -> Callable[[float], str]:
    return lambda v: f"{v:,.{digits}f}"


class Provenance:
    """Figures and sources, keyed; `span()` renders a figure for the page."""

    def __init__(self) -> None:
        self.sources: dict[str, Source] = {}
        self.figures: dict[str, Figure] = {}

    def source(self, key: str, kind: str, title: str, url: str = "", year: int | None = None,
               unverified: bool = False) -> str:
        if kind not in KINDS:
            raise ValueError(f"unknown source kind {kind!r}")
        self.sources.setdefault(key, Source(key, kind, title, url, year, unverified))
        return key

    def add(self, key: str, value: float | int | str, source: str, *, unit: str = "",
            fmt: Callable[[Any], str] | None = None, note: str = "") -> Figure:
        if source not in self.sources:
            raise KeyError(f"figure {key!r} names unknown source {source!r}")
        text = fmt(value) if fmt else (fmt_count(value) if isinstance(value, int | float) else str(value))
        existing = self.figures.get(key)
        if existing is not None and existing.text != text:
            raise ValueError(f"figure {key!r} registered twice with different values")
        f = Figure(key, value, text, unit, source, note)
        self.figures[key] = f
        return f

    def span(self, key: str) -> str:
        f = self.figures[key]
        title = html.escape(f"{f.unit} — {self.sources[f.source].title}".strip(" —"), quote=True)
        k = html.escape(key, quote=True)
        return f'<span class="fig" data-key="{k}" title="{title}">{html.escape(f.text)}</span>'

    def put(self, key: str, value: float | int | str, source: str, **kw: Any) -> str:
        """Register and render in one step."""
        self.add(key, value, source, **kw)
        return self.span(key)

    def to_json(self) -> dict[str, Any]:
        return {
            "figures": {k: asdict(v) for k, v in sorted(self.figures.items())},
            "sources": {k: asdict(v) for k, v in sorted(self.sources.items())},
        }


def label(text: str, kind: str) -> str:
    """A number that is a label, not a figure (a phase ordinal, a year of a citation, a code)."""
    return f'<span class="lbl" data-kind="{kind}">{html.escape(text)}</span>'


def cited(text: str, url: str) -> str:
    """Text quoted or paraphrased from a cited source, numbers included."""
    return (f'<span class="cited" data-source="{html.escape(url, quote=True)}">{html.escape(text)}</span>')
