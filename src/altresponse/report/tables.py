"""HTML tables with number formatting and small-cell suppression.

Public outputs never show a count under the suppression threshold (10 by default): a small
count next to a place or a call type can identify a person. `suppress` replaces it with a marker
and `html_table` renders the marker in a muted style.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

SUPPRESSION_THRESHOLD = 10


@dataclass(frozen=True)
class Suppressed:
    """A count withheld because it is below the threshold; prints as '<10'."""

    threshold: int = SUPPRESSION_THRESHOLD

    def __str__(self) -> str:
        return f"<{self.threshold}"


def suppress(
    count: float | int | None, threshold: int = SUPPRESSION_THRESHOLD
) -> float | int | Suppressed | None:
    """Return the count, or `Suppressed` when 0 < count < threshold (zero is not identifying)."""
    if count is None:
        return None
    if 0 < count < threshold:
        return Suppressed(threshold)
    return count


def is_small(count: float | int | None, threshold: int = SUPPRESSION_THRESHOLD) -> bool:
    return count is not None and 0 < count < threshold


def fmt_int(v: Any) -> str:
    return f"{v:,.0f}"


def fmt_float(digits: int = 1) -> Callable[[Any], str]:
    return lambda v: f"{v:,.{digits}f}"


def fmt_pct(digits: int = 1) -> Callable[[Any], str]:
    """Format a share (0..1) as a percentage."""
    return lambda v: f"{100 * v:.{digits}f}%"


def fmt_interval(lo: float, hi: float, *, pct: bool = True, digits: int = 1) -> str:
    if pct:
        return f"{100 * lo:.{digits}f}–{100 * hi:.{digits}f}%"
    return f"{lo:,.{digits}f}–{hi:,.{digits}f}"


def format_value(value: Any, formatter: Callable[[Any], str] | None = None) -> str:
    """Format one cell: None/NaN as an en dash, Suppressed as '<10', numbers with thousands separators."""
    if value is None:
        return "–"
    if isinstance(value, Suppressed):
        return str(value)
    if isinstance(value, float) and math.isnan(value):
        return "–"
    if formatter is not None:
        return formatter(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)


@dataclass(frozen=True)
class Header:
    label: str
    num: bool = False


@dataclass(frozen=True)
class Cell:
    """One table cell: text (escaped by the template unless Markup) and its kinds
    (``num``, ``interval``, ``source``, ``suppressed``)."""

    text: str | Markup
    classes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    headers: list[Header]
    rows: list[list[Cell]]
    caption: str = ""
    note: str = ""
    kinds: dict[str, str] = field(default_factory=dict)


def render_table(table: Table) -> Markup:
    """A `Table` through the shared ``data_table`` component."""
    from altresponse.report.env import component

    return component("data_table", table)


def markup_table(headers: Sequence[str], rows: Sequence[Sequence[str | Markup]], *, num: Sequence[int] = (),
                 caption: str = "", kinds: Mapping[int, str] | None = None) -> Markup:
    """A table of ready-made cells (Markup stays markup, text is escaped); `num` marks number columns."""
    kinds = kinds or {}
    table = Table(
        headers=[Header(h, i in num) for i, h in enumerate(headers)],
        rows=[[Cell(c, tuple(k for k in (("num" if i in num else ""), kinds.get(i, "")) if k))
               for i, c in enumerate(r)] for r in rows],
        caption=caption,
    )
    return render_table(table)


def _is_numeric(value: Any) -> bool:
    return isinstance(value, int | float | Suppressed) and not isinstance(value, bool)


def html_table(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    caption: str = "",
    formats: Mapping[str, Callable[[Any], str]] | None = None,
    headers: Mapping[str, str] | None = None,
    max_rows: int | None = None,
    kinds: Mapping[str, str] | None = None,
) -> Markup:
    """Render rows as an HTML table; numbers right-aligned, every value escaped.

    `formats` maps a column name to a formatter; `headers` maps a column name to its display label;
    `kinds` marks a column as ``interval`` or ``source`` cells.
    """
    formats = formats or {}
    headers = headers or {}
    kinds = kinds or {}
    shown = rows if max_rows is None else rows[:max_rows]
    numeric_cols = {
        c for i, c in enumerate(columns)
        if shown
        and all(_is_numeric(r[i]) or r[i] is None for r in shown)
        and any(_is_numeric(r[i]) for r in shown)
    }
    body: list[list[Cell]] = []
    for r in shown:
        cells = []
        for c, v in zip(columns, r, strict=True):
            classes = []
            if c in numeric_cols:
                classes.append("num")
            if c in kinds:
                classes.append(kinds[c])
            if isinstance(v, Suppressed):
                classes.append("suppressed")
            text = v if isinstance(v, Markup) else format_value(v, formats.get(c))
            cells.append(Cell(text, tuple(classes)))
        body.append(cells)
    more = ""
    if max_rows is not None and len(rows) > max_rows:
        more = f"{len(rows) - max_rows:,} more rows are not shown here."
    table = Table(
        headers=[Header(headers.get(c, c), c in numeric_cols) for c in columns],
        rows=body, caption=caption, note=more,
    )
    return render_table(table)


def records_table(
    records: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    **kwargs: Any,
) -> Markup:
    """`html_table` over a list of dicts."""
    return html_table(columns, [[rec.get(c) for c in columns] for rec in records], **kwargs)
