"""HTML fragments for monitoring: headline measures against targets, gates, tracker, equity, evaluation,
public tables. The quarterly report, the public dashboard and the analyst screen all use these, so a
figure looks the same everywhere. Every value is escaped by the table helpers.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from altresponse.geo.boundaries import Boundaries, normalize_area_name
from altresponse.monitor.evaluation import EffectEstimate
from altresponse.monitor.intervals import SMALL_COUNT, Estimate
from altresponse.monitor.measures import Measures
from altresponse.monitor.suppression import SuppressedTable
from altresponse.monitor.targets import Verdict
from altresponse.monitor.tracker import TrackerStatus
from altresponse.report import charts
from altresponse.report.page import kpi_cards
from altresponse.report.tables import html_table
from altresponse.service.monitoring import PUBLIC_TABLES, PeriodView

LABELS = {
    "decisions": "Calls triaged",
    "eligible_calls": "Eligible for an alternative response",
    "reached_calls": "Reached by an alternative team",
    "diverted_calls": "Diverted (alternative team, no police or EMS backup)",
    "eligible_share": "Eligible share of community calls",
    "reach": "Reach: eligible calls an alternative team answered",
    "successful_diversion": "Successful diversions of referred calls",
    "co_notification": "Referred calls with police or EMS also responding",
    "backup_rate": "Police backup requested",
    "response_time_p50": "Median response time (min)",
    "response_time_p90": "90th percentile response time (min)",
    "time_to_accept_p50": "Median time for a team to accept (min)",
    "time_on_scene_p50": "Median time on scene (min)",
    "linkage": "Linked to services",
    "repeat_calls": "Repeat call from the same block within 30 days",
    "safety_incidents": "Injuries on alternative responses",
    "use_of_force": "Use of force",
    "arrests": "Arrests",
    "transports": "Transports",
    "referrals_completed": "Referrals completed",
    "police_hours_freed": "Police hours freed",
}
SHARES = {
    "eligible_share",
    "reach",
    "successful_diversion",
    "co_notification",
    "backup_rate",
    "linkage",
    "repeat_calls",
}


def fmt(metric: str, value: float | None) -> str:
    if value is None:
        return "–"
    if metric in SHARES:
        return f"{value:.0%}"
    if metric.startswith(("response_time", "time_")):
        return f"{value:.1f}"
    return f"{value:,.0f}"


def fmt_est(metric: str, est: Estimate | None) -> tuple[str, str]:
    if est is None or est.value is None:
        return "–", ""
    interval = (
        "" if est.low is None or est.high is None else f"{fmt(metric, est.low)} – {fmt(metric, est.high)}"
    )
    return fmt(metric, est.value) + (" *" if est.small else ""), interval


def kpis(m: Measures) -> str:
    h = m.headline
    return kpi_cards(
        [
            (LABELS[k], fmt_est(k, h.get(k))[0])
            for k in (
                "decisions",
                "eligible_calls",
                "diverted_calls",
                "reach",
                "response_time_p50",
                "backup_rate",
            )
            if k in h
        ]
    )


def headline_table(view: PeriodView) -> str:
    h = view.measures.headline
    prev = view.previous.headline if view.previous else {}
    targets = {t.metric: t for t in view.targets}
    rows = []
    for k, est in h.items():
        value, interval = fmt_est(k, est)
        t = targets.get(k)
        p = prev.get(k)
        change = (
            ""
            if p is None or p.value is None or est.value is None
            else (
                f"{(est.value - p.value) * 100:+.0f} pts" if k in SHARES else f"{est.value - p.value:+,.1f}"
            )
        )
        rows.append(
            [
                LABELS.get(k, k),
                value,
                interval,
                est.n,
                "" if t is None else f"{t.op} {fmt(k, t.threshold)}",
                "" if t is None else t.verdict,
                change,
            ]
        )
    return html_table(
        ["Measure", "Value", "95% interval", "Records", "Target", "Verdict", "Since last period"],
        rows,
        caption=f"Headline measures, {view.period.label}"
        + (f", {view.area}" if view.area else "")
        + " (* fewer than 10 records)",
    )


def _verdict_rows(criteria: Sequence[Verdict]) -> list[list[Any]]:
    return [
        [
            LABELS.get(c.metric, c.metric),
            f"{c.op} {fmt(c.metric, c.threshold)}",
            fmt(c.metric, c.value),
            c.verdict,
            c.evidence,
            c.source,
        ]
        for c in criteria
    ]


def gates_section(view: PeriodView) -> str:
    if not view.gates:
        return "<p class='note'>No plan given: targets and gates are not evaluated.</p>"
    parts = []
    for g in view.gates:
        parts.append(
            f"<h3>Phase {g.phase} {g.kind} gate: <span class='verdict' "
            f"data-verdict='{html.escape(g.verdict)}'>{html.escape(g.verdict)}</span></h3>"
        )
        parts.append(
            html_table(
                ["Criterion", "Threshold", "Value", "Verdict", "Evidence", "Source"],
                _verdict_rows(g.criteria),
            )
        )
    return "".join(parts)


def tracker_section(status: TrackerStatus | None) -> str:
    if status is None:
        return "<p class='note'>No implementation tracker in the store yet (altresponse monitor tracker).</p>"
    c = status.counts()
    head = kpi_cards(
        [
            ("Slip of the critical path", f"{status.critical_path_slip_days:+d} days"),
            ("Forecast finish", status.forecast_finish.isoformat()),
            ("Done", str(c["done"])),
            ("Overdue", str(c["overdue"])),
        ]
    )
    rows = [
        [
            t.item.id,
            t.item.name,
            t.item.owner,
            t.item.status,
            t.item.due.isoformat(),
            t.forecast_finish.isoformat(),
            t.slip_days,
            "" if t.slack_days is None else t.slack_days,
            "yes" if t.critical else "",
        ]
        for t in sorted(status.items, key=lambda t: t.forecast_start)
    ]
    table = html_table(
        ["Id", "Task", "Owner", "Status", "Due", "Forecast", "Slip (days)", "Slack (days)", "Critical"],
        rows,
        caption=f"Implementation tracker as of {status.as_of}",
    )
    late = [t for t in status.items if t.slip_days > 0]
    chart = ""
    if late:
        late.sort(key=lambda t: -t.slip_days)
        chart = charts.bar(
            [t.item.name[:40] for t in late[:15]],
            [t.slip_days for t in late[:15]],
            title="Items forecast late",
            xlabel="days late",
        )
    return head + chart + table


def breakdowns(m: Measures) -> str:
    t = m.tables
    out = [
        html_table(
            ["Pathway", "Decided", "Actually responded"],
            [[r["pathway"], r["decided"], r["actual"]] for r in t["volume_by_pathway"]],
            caption="Volume by pathway: what the protocol decided and who actually went",
        )
    ]
    out.append(
        html_table(
            ["Reason", "Eligible calls no alternative team took"],
            [[r["reason"], r["calls"]] for r in t["unserved_by_reason"]],
            caption="Eligible calls not served, by reason",
        )
    )
    out.append(
        html_table(
            ["Reason", "Declines"],
            [[r["reason"], r["declines"]] for r in t["declines_by_reason"]],
            caption="Provider declines by reason",
        )
    )
    return "".join(out)


def _group_table(rows: Sequence[Mapping[str, Any]], key: str, title: str) -> str:
    return html_table(
        [title, "Eligible", "Reached", "Diverted", "Reach", "Police backup", "Median response (min)"],
        [
            [
                r[key],
                r["eligible"],
                r["reached"],
                r["diverted"],
                fmt("reach", r["reach"]),
                fmt("backup_rate", r["backup_rate"]),
                fmt("response_time_p50", r["response_time_p50"]),
            ]
            for r in rows
        ],
        caption=f"By {title.lower()}",
    )


def reach_map(m: Measures, boundaries: Boundaries) -> str:
    """Reach by area on the city's map; areas with fewer than 10 eligible calls are left grey."""
    by = {normalize_area_name(r["area"]): r for r in m.tables["by_area"]}
    values: list[float | None] = []
    for name in boundaries.names:
        r = by.get(normalize_area_name(name))
        values.append(None if r is None or r["eligible"] < SMALL_COUNT else r["reach"])
    return charts.choropleth(
        boundaries.geometries,
        values,
        names=boundaries.names,
        label="reach",
        title="Reach by area: share of eligible calls an alternative team answered",
        caption="Grey: fewer than 10 eligible calls, or none, in the period.",
    )


def equity_section(m: Measures, boundaries: Boundaries | None = None) -> str:
    rows = [r for r in m.tables["by_area"] if r["eligible"]]
    parts = [reach_map(m, boundaries)] if boundaries is not None else []
    if rows:
        top = sorted(rows, key=lambda r: -r["eligible"])[:20]
        parts.append(
            charts.bar(
                [r["area"] for r in top],
                [r["reach"] or 0 for r in top],
                errors=([r["reach_low"] or 0 for r in top], [r["reach_high"] or 0 for r in top]),
                title="Reach by area (95% interval)",
                value_format="{:.0%}",
                caption="Share of eligible calls an alternative team answered, in the areas with the most "
                "eligible calls.",
            )
        )
    parts.append(_group_table(m.tables["by_area"], "area", "Area"))
    if "by_income_band" in m.tables:
        parts.append(_group_table(m.tables["by_income_band"], "income_band", "Income band"))
        parts.append(_group_table(m.tables["by_composition"], "composition", "Composition"))
    return "".join(parts)


def evaluation_section(est: EffectEstimate | None) -> str:
    if est is None:
        return (
            "<p class='note'>No evaluation yet: it needs areas served and areas not yet served, with "
            "go-live dates, over enough months.</p>"
        )
    rel = "" if est.relative is None else f" ({est.relative:+.0%} of the served areas' level before go-live)"
    pre = (
        "not checkable"
        if est.pre_trend_p is None
        else f"p = {est.pre_trend_p:.2f}: "
        + (
            "no sign of different trends before go-live"
            if est.pre_trend_ok
            else "served areas were already trending differently; read with care"
        )
    )
    parts = [
        kpi_cards(
            [
                (f"Effect on {est.outcome}", f"{est.estimate:+.2f}"),
                ("95% interval", f"{est.low:+.2f} – {est.high:+.2f}"),
                ("p-value", f"{est.p_value:.3f}"),
                ("Distinguishable from 0", "yes" if est.significant else "no"),
            ]
        ),
        f"<p>Difference-in-differences over {est.periods} months, {est.units_served} served and "
        f"{est.units_comparison} comparison areas: {est.estimate:+.2f}{html.escape(rel)}. Pre-trend test: "
        f"{html.escape(pre)}.</p>",
    ]
    if est.event:
        parts.append(
            charts.forest(
                [f"{e.relative_period:+d}" for e in est.event],
                [e.estimate for e in est.event],
                [e.low for e in est.event],
                [e.high for e in est.event],
                reference=0.0,
                title="Event study: effect by month relative to go-live (month -1 = reference)",
                xlabel="difference from comparison areas",
            )
        )
    parts.append(
        "<h3>Assumptions</h3><ul>" + "".join(f"<li>{html.escape(a)}</li>" for a in est.assumptions) + "</ul>"
    )
    if est.notes:
        parts.append("<p class='note'>" + html.escape("; ".join(est.notes)) + "</p>")
    return "".join(parts)


def suppressed_table(name: str, t: SuppressedTable) -> str:
    """A public table with its totals; hidden cells print as 'suppressed' and carry a class for tests."""
    head = "".join(f"<th class='num'>{html.escape(c)}</th>" for c in t.cols) + "<th class='num'>Total</th>"

    def cell(v: int | None) -> str:
        return (
            "<td class='num suppressed' data-suppressed='1'>suppressed</td>"
            if v is None
            else f"<td class='num' data-count='{v}'>{v:,}</td>"
        )

    body = "".join(
        f"<tr><th>{html.escape(r)}</th>{''.join(cell(v) for v in t.cells[i])}{cell(t.row_totals[i])}</tr>"
        for i, r in enumerate(t.rows)
    )
    body += f"<tr><th>Total</th>{''.join(cell(v) for v in t.col_totals)}{cell(t.total)}</tr>"
    return (
        f"<table class='data public' id='{html.escape(name)}'><caption>{html.escape(PUBLIC_TABLES[name])}"
        f"</caption><thead><tr><th></th>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def public_section(tables: Mapping[str, SuppressedTable]) -> str:
    if not tables:
        return "<p class='note'>No calls recorded yet.</p>"
    parts: list[str] = []
    et = tables.get("decided_by_pathway")
    if et is not None and et.cols:
        vals = [v for v in et.col_totals]
        if all(v is not None for v in vals):
            parts.append(
                charts.bar(
                    list(et.cols),
                    [float(v or 0) for v in vals],
                    horizontal=False,
                    title="Calls triaged by quarter",
                    xlabel="calls",
                )
            )
    for name, t in tables.items():
        parts.append(suppressed_table(name, t))
    return "".join(parts)
