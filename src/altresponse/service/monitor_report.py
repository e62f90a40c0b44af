"""The quarterly progress report: headline measures against targets, gate verdicts, tracker status,
equity, evaluation, public tables and what changed since last quarter — HTML and PDF, plus JSON.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from altresponse.fsio import write_bytes_atomic, write_json_atomic, write_text_atomic
from altresponse.monitor.targets import PlanTargets
from altresponse.ops import open_store
from altresponse.report.page import Section, render_page
from altresponse.service import monitor_render as mr
from altresponse.service.monitoring import MonitorSetup, evaluate_store, period_view, public_tables

SIMULATED_NOTE = (
    "Simulated operation: the calls, decisions, referrals and outcomes in this report were "
    "generated to show the program's monitoring at work. They are not real records."
)


def _changes(view: Any) -> str:
    if view.previous is None:
        return "<p class='note'>No earlier period in the store to compare with.</p>"
    rows = []
    for k, est in view.measures.headline.items():
        p = view.previous.headline.get(k)
        if p is None or p.value is None or est.value is None:
            continue
        rows.append([mr.LABELS.get(k, k), mr.fmt(k, p.value), mr.fmt(k, est.value)])
    from altresponse.report.tables import html_table

    return html_table(
        ["Measure", view.previous.period, view.period.label],
        rows,
        caption="What changed since the previous period",
    )


def write_report(
    store_url: str,
    period: str,
    out_dir: str | Path,
    *,
    plan: Mapping[str, Any] | None = None,
    phase: int = 1,
    go_live: Mapping[str, datetime] | None = None,
    simulated: bool = False,
    pdf: bool = True,
    city: str = "",
) -> dict[str, Any]:
    """Write monitor-<period>.html (+ .pdf, .json) to `out_dir`; returns the paths and headline figures.

    `plan` is today's plan.json dict (targets and gates); `go_live` maps each served area to its
    go-live time, for the evaluation; `simulated` labels every page as simulated operation.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    setup = MonitorSetup(
        plan=PlanTargets.from_plan_json(plan) if plan else None, phase=phase, go_live=dict(go_live or {})
    )
    store = open_store(store_url)
    try:
        view = period_view(store, period, setup)
        evaluation = evaluate_store(store, setup.go_live)
        tables = public_tables(store)
    finally:
        store.dispose()
    label = view.period.label
    intro = f"<p class='callout'><b>{SIMULATED_NOTE}</b></p>" if simulated else ""
    verdicts = ", ".join(f"phase {g.phase} {g.kind}: {g.verdict}" for g in view.gates) or "no plan given"
    sections: Sequence[Section | tuple[str, str]] = [
        ("Summary", mr.kpis(view.measures) + f"<p>Gate verdicts: <b>{verdicts}</b>.</p>"),
        ("Headline measures against targets", mr.headline_table(view)),
        ("Phase gates", mr.gates_section(view)),
        ("Implementation tracker", mr.tracker_section(view.tracker)),
        ("Pathways, declines and unserved calls", mr.breakdowns(view.measures)),
        ("Equity", mr.equity_section(view.measures)),
        ("Evaluation: did it work?", mr.evaluation_section(evaluation)),
        ("What changed since last quarter", _changes(view)),
        ("Public tables (as published)", mr.public_section(tables)),
        (
            "Method",
            "<p>Diversion counts what actually happened on each call, never what the protocol decided: "
            "a call decided for an alternative team that fell back to police co-response counts as "
            "not served, with its reason. Shares carry Wilson 95% intervals, percentiles "
            "order-statistic intervals; a figure on fewer than 10 records is marked *. A gate "
            "criterion on fewer than 10 records is 'not enough data', never a pass.</p>",
        ),
    ]
    title = f"Alternative response quarterly progress report: {label}" + (f", {city}" if city else "")
    meta = {
        "Period": f"{view.period.start:%Y-%m-%d} to {view.period.end:%Y-%m-%d} (UTC)",
        "Source": "operational store" + (" (simulated operation)" if simulated else ""),
        "Generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    page = render_page(
        title,
        sections,
        meta=meta,
        intro=intro,
        footer="Produced by altresponse monitor report. Public tables hide counts under 10.",
    )
    stem = f"monitor-{label}"
    outputs = {"html": str(write_text_atomic(out / f"{stem}.html", page))}
    data = {
        "period": label,
        "simulated": simulated,
        "view": view.to_dict(),
        "evaluation": evaluation.to_dict() if evaluation else None,
        "public_tables": {k: t.to_records("row", "quarter") for k, t in tables.items()},
    }
    if pdf:
        from weasyprint import HTML

        wp_log = logging.getLogger("weasyprint")
        level = wp_log.level
        wp_log.setLevel(logging.ERROR)
        try:
            pdf_bytes = HTML(string=page, base_url=str(out)).write_pdf()
        finally:
            wp_log.setLevel(level)
        outputs["pdf"] = str(write_bytes_atomic(out / f"{stem}.pdf", pdf_bytes))
    outputs["json"] = str(out / f"{stem}.json")
    data["outputs"] = outputs
    write_json_atomic(out / f"{stem}.json", data)
    return {
        "period": label,
        "outputs": outputs,
        "gates": [g.verdict for g in view.gates],
        "reach": view.measures.headline["reach"].value,
        "diverted": view.measures.headline["diverted_calls"].n,
    }
