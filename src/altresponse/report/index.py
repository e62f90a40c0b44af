"""The demo index page: the headline, a link to every page, ingest counts and stage timings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from altresponse.report import format as fmt
from altresponse.report import labels
from altresponse.report.env import render
from altresponse.report.glossary import entries
from altresponse.report.headline import headline_groups
from altresponse.report.page import shell_context
from altresponse.results import Headline

SECTIONS: tuple[tuple[str, str], ...] = (
    ("plan", "The plan's recommendation"),
    ("outputs", "Pages"),
    ("ingest", "Calls read"),
    ("timings", "Run time"),
    ("methods", "Methods and glossary"),
)
INGEST_LABELS = {
    "rows_in": "Rows read",
    "rows_out": "Calls kept",
    "rows_rejected": "Rows rejected (kept in the rejects file)",
    "duplicates_dropped": "Duplicate calls dropped",
}


def _plan_rows(plan: Mapping[str, Any] | None) -> tuple[list[dict[str, str]], list[list[str]]]:
    """The plan's own recommendation and phase budgets, quoted from its output (no new figures)."""
    if not isinstance(plan, Mapping):
        return [], []
    types = [{"id": str(t), "label": labels.call_type(str(t))} for t in plan.get("recommended", [])]
    rows = []
    for phase in plan.get("phases", []):
        cost = (phase.get("budget") or {}).get("annual_operating_cost") or {}
        if not cost:
            continue
        rows.append(
            [
                str(phase.get("name", "")),
                f"{phase.get('calls_per_year', 0):,.0f}",
                f"{fmt.number(cost['p5'], 'USD/year')}–{fmt.number(cost['p95'], 'USD/year')}",
            ]
        )
    return types, rows


def render_index(
    headline: Headline,
    links: Sequence[tuple[str, str]],
    ingest: Mapping[str, Any],
    timings: Mapping[str, float],
    *,
    plan: Mapping[str, Any] | None = None,
    notice: str = "",
    title: str = "altresponse",
) -> str:
    """`links` are (relative address, label) pairs; `plan` is the plan's JSON output, when there is one."""
    types, phases = _plan_rows(plan)
    ctx = shell_context(
        title, toc=SECTIONS, headline=headline_groups(headline), notices=[notice] if notice else []
    )
    return render(
        "index.html.j2",
        titles=dict(SECTIONS),
        types=types,
        phases=phases,
        links=list(links),
        ingest=[
            (
                INGEST_LABELS.get(k, labels.plain(k)),
                f"{ingest[k]:,}" if isinstance(ingest.get(k), int) else str(ingest.get(k, "")),
            )
            for k in INGEST_LABELS
            if k in ingest
        ],
        timings=[(labels.plain(k), f"{v:.1f} s") for k, v in timings.items()],
        glossary=entries("Plausible range (interval)", "Median, 5th and 95th percentile (p5–p95)", "Capture"),
        **ctx,
    )
