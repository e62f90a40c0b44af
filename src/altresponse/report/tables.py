"""HTML tables with number formatting and small-cell suppression.

Public outputs never show a count under the suppression threshold (10 by default): a small
count next to a place or a call type can identify a person. `suppress` replaces it with a marker
and `html_table` renders the marker in a muted style.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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
) -> str:
    """Render rows as an HTML table; numbers right-aligned, every value escaped.

    `formats` maps a column name to a formatter; `headers` maps a column name to its display label.
    """
    formats = formats or {}
    headers = headers or {}
    shown = rows if max_rows is None else rows[:max_rows]
    numeric_cols = {
        c for i, c in enumerate(columns)
        if shown
        and all(_is_numeric(r[i]) or r[i] is None for r in shown)
        and any(_is_numeric(r[i]) for r in shown)
    }
    head = "".join(
        f'<th{" class=num" if c in numeric_cols else ""}>{html.escape(headers.get(c, c))}</th>'
        for c in columns
    )
    body_rows = []
    for r in shown:
        cells = []
        for c, v in zip(columns, r, strict=True):
            classes = []
            if c in numeric_cols:
                classes.append("num")
            if isinstance(v, Suppressed):
                classes.append("suppressed")
            cls = f' class="{" ".join(classes)}"' if classes else ""
            cells.append(f"<td{cls}>{html.escape(format_value(v, formats.get(c)))}</td>")
        body_rows.append("<tr>" + "".join(cells) + "</tr>")
    more = ""
    if max_rows is not None and len(rows) > max_rows:
        more = f'<p class="note">{len(rows) - max_rows:,} more rows in the JSON output.</p>'
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    body = "".join(body_rows)
    return f'<table class="data">{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}'


def records_table(
    records: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    **kwargs: Any,
) -> str:
    """`html_table` over a list of dicts (e.g. straight from summary.json)."""
    return html_table(columns, [[rec.get(c) for c in columns] for rec in records], **kwargs)
