"""The quarterly progress report: headline measures against targets, gate verdicts, tracker status,
equity, evaluation, public tables and what changed since last quarter — HTML and PDF, plus JSON.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from altresponse.fsio import write_bytes_atomic, write_json_atomic, write_text_atomic
from altresponse.geo.boundaries import Boundaries
from altresponse.monitor.equity import area_profiles
from altresponse.monitor.measures import CadCall
from altresponse.monitor.targets import PlanTargets
from altresponse.ops import monitor_store as ms
from altresponse.ops import open_store
from altresponse.report.page import Section, render_page
from altresponse.service import monitor_render as mr
from altresponse.service.monitoring import MonitorSetup, evaluate_store, period_view, public_tables
from altresponse.service.operate import area_letter

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
    indicators: Sequence[Mapping[str, Any]] | None = None,
    calls: Sequence[CadCall] | None = None,
    boundaries: Boundaries | None = None,
) -> dict[str, Any]:
    """Write monitor-<period>.html (+ .pdf, .json) to `out_dir`; returns the paths and headline figures.

    `plan` is today's plan.json dict (targets and gates); `indicators` are area indicator rows
    (`analysis.equity.read_indicators`) for equity by income and composition; `go_live` maps each
    served area to its go-live time, for the evaluation; `calls` are the city's CAD calls
    (`service.monitoring.cad_calls_from_parquet`) for the eligible share and repeat calls;
    `boundaries` (the areas' polygons) add a map of reach by area; `simulated` labels every page as
    simulated operation.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    store = open_store(store_url)
    try:
        profiles = area_profiles(indicators, ms.areas_seen(store)) if indicators else {}
        setup = MonitorSetup(
            plan=PlanTargets.from_plan_json(plan) if plan else None,
            phase=phase,
            go_live=dict(go_live or {}),
            area_profiles=profiles,
            calls=calls,
        )
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
        ("Equity", mr.equity_section(view.measures, boundaries)),
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


def write_public_snapshot(store_url: str, out_dir: str | Path, *, simulated: bool = False) -> dict[str, str]:
    """The public dashboard's tables as a static page and CSV (what `serve` shows at /public)."""
    import csv
    import io

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    store = open_store(store_url)
    try:
        tables = public_tables(store)
    finally:
        store.dispose()
    intro = f"<p class='callout'><b>{SIMULATED_NOTE}</b></p>" if simulated else ""
    page = render_page(
        "Alternative response: public dashboard",
        [
            ("Calls by quarter and area", mr.public_section(tables)),
            (
                "Privacy",
                "<p>Any count from 1 to 9 is shown as suppressed, and further counts are hidden so that no "
                "suppressed count can be worked out from the row, column or grand totals.</p>",
            ),
        ],
        meta={
            "Source": "operational store" + (" (simulated operation)" if simulated else ""),
            "Generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        },
        intro=intro,
        toc=False,
    )
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["table", "row", "quarter", "count", "suppressed"])
    for name, t in tables.items():
        for r in t.to_records("row", "quarter"):
            w.writerow(
                [
                    name,
                    r["row"],
                    r["quarter"],
                    "" if r["count"] is None else r["count"],
                    int(bool(r["suppressed"])),
                ]
            )
    return {
        "html": str(write_text_atomic(out / "public-dashboard.html", page)),
        "csv": str(write_text_atomic(out / "public-tables.csv", buf.getvalue())),
    }


def run_demo_operation(
    out_dir: str | Path,
    plan: Mapping[str, Any],
    *,
    seed: int = 20270,
    calls_per_day: float = 6.0,
    go_live: datetime | None = None,
    months: int = 12,
    pre_months: int = 3,
    areas: Sequence[str] | None = None,
    pdf: bool = True,
    profile: str,
    boundaries: Boundaries | None = None,
    indicators: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Simulate a year of phase 1 through the service, then monitor it: what `altresponse demo` links.

    Writes OUT/operation.db (the store), OUT/operation.json (summary), the quarterly report of the last
    full quarter (monitor-<Q>.html/.pdf/.json) and the public dashboard snapshot. Returns their paths.
    """
    from datetime import timedelta

    from altresponse.monitor.periods import parse_period, quarter_of
    from altresponse.service.operate import phase1_scope_from_plan, simulate_operation, synthetic_calls

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    db = out / "operation.db"
    if db.exists():
        db.unlink()
    go = go_live or datetime(datetime.now(UTC).year + 1, 1, 1, tzinfo=UTC)
    plan_areas = [str(x) for x in ((plan.get("phases") or [{}])[0].get("areas") or [])]
    if areas:
        names = list(areas)
    elif plan_areas:  # the plan's phase-1 areas, and areas not yet served to compare them with
        names = plan_areas + [f"Comparison area {area_letter(i)}" for i in range(max(4, len(plan_areas)))]
    else:
        names = [f"Area {area_letter(i)}" for i in range(12)]
    scope = phase1_scope_from_plan(plan, go, names[: max(1, len(names) * 2 // 5)])
    start = go - timedelta(days=round(pre_months * 30.4375))
    calls = synthetic_calls(names, start, round((pre_months + months) * 30.4375), calls_per_day, seed)
    url = f"sqlite:///{db}"
    owners = {
        "staffing": "provider organizations",
        "operations": "provider organizations",
        "dispatch": "911 center",
        "providers": "program office",
        "change": "program office",
        "milestone": "program office",
    }
    # a simulated store, written with a throw-away audit key: it is a demonstration, not a record
    summary = simulate_operation(
        url, calls=calls, scope=scope, seed=seed, plan=plan, profile=profile, owners=owners,
        audit_key=secrets.token_bytes(32),
    )
    write_json_atomic(out / "operation.json", summary.to_dict())
    last = parse_period(quarter_of(datetime.fromisoformat(summary.as_of)))
    period = (
        last.previous().label
        if datetime.fromisoformat(summary.as_of) < last.end - timedelta(days=1)
        else last.label
    )
    report = write_report(
        url,
        period,
        out,
        plan=plan,
        go_live={a: go for a in scope.areas},
        simulated=True,
        pdf=pdf,
        boundaries=boundaries,
        indicators=indicators,
    )
    public = write_public_snapshot(url, out, simulated=True)
    return {
        "store": url,
        "operation": str(out / "operation.json"),
        "report": report["outputs"],
        "public": public,
        "period": period,
        "summary": summary.to_dict(),
        "serve": f"altresponse serve --db {url}  (then open /public and /ui/analyst)",
    }
