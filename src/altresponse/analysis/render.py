"""report.html for the landscape analysis, built from summary.json with the report toolkit."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import numpy as np

from altresponse.geo import Boundaries
from altresponse.report import charts
from altresponse.report.page import Section, kpi_cards, paragraph, render_page
from altresponse.report.tables import fmt_float, fmt_int, fmt_pct, html_table, records_table

PCT = fmt_pct(1)


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{100 * v:.1f}%"


def _interval(lo: float | None, hi: float | None, *, pct: bool = True, digits: int = 1) -> str:
    if lo is None or hi is None:
        return "–"
    if pct:
        return f"{100 * lo:.{digits}f}–{100 * hi:.{digits}f}%"
    return f"{lo:,.{digits}f}–{hi:,.{digits}f}"


def _label(s: str | None) -> str:
    return "–" if s is None else str(s).replace("_", " ")


def _headline(s: dict[str, Any]) -> str:
    proto = next((x for x in s["scenarios"] if x["kind"] == "protocol"), None)
    m = s["mapping"]
    items = [
        ("calls analysed", f"{s['rows']:,}"),
        ("days covered", f"{s['period']['days']:,.0f}"),
        ("local call types mapped", _pct(m["coverage"])),
    ]
    if proto:
        items.append(
            (
                f"{_label(s['scope']['name'])} calls a civilian pathway could take",
                f"{_pct(proto['share'])} ({_interval(proto['lo'], proto['hi'])})",
            )
        )
        if proto.get("fte") is not None:
            items.append(
                (
                    "officer FTE those calls use a year",
                    f"{proto['fte']:,.1f} ({_interval(proto['fte_lo'], proto['fte_hi'], pct=False)})",
                )
            )
    parts = [kpi_cards(items)]
    if s["period"].get("synthetic_rows"):
        parts.append(
            '<p class="callout">Every call here is synthetic: no figure describes real people or '
            "real calls.</p>"
        )
    if s["scope"].get("note"):
        parts.append(paragraph(s["scope"]["note"], css_class="callout"))
    parts.append(
        paragraph(
            "Intervals are 90% intervals. Shares of calls eligible for a civilian pathway assume the "
            "screening questions were passed (history does not record them); the accepted error column says "
            "how many such calls in fact ended in an arrest, report or citation.",
            css_class="note",
        )
    )
    return "".join(parts)


def _mapping(s: dict[str, Any]) -> str:
    m = s["mapping"]
    text = (
        f"{m['mapped_rows']:,} of {s['rows']:,} calls ({_pct(m['coverage'])}) have a local call type "
        f"the crosswalk knows; {m['unmapped_rows']:,} are kept as 'unmapped' and excluded from "
        "civilian scenarios, never guessed."
    )
    if m.get("protocol_version"):
        text += (
            f" Crosswalk: {m.get('crosswalk')}; protocol {m['protocol_version']}; "
            f"history policy: {m.get('history_policy')}."
        )
    out = paragraph(text)
    if m["unmapped_top"]:
        out += records_table(
            m["unmapped_top"],
            ["local_call_type", "calls"],
            caption="Most frequent unmapped local call types (extend the crosswalk)",
        )
    return out


def _categories(s: dict[str, Any]) -> str:
    cats = s["category_shares"]
    chart = charts.bar(
        [_label(c["category"]) for c in cats],
        [100 * c["share"] for c in cats],
        xlabel="% of calls",
        value_format="{:.1f}%",
        title="Share of calls by category",
    )
    cols = ["category", "calls", "share", "scope_share", "officer_hours_share"]
    table = records_table(
        cats,
        cols,
        formats={"share": PCT, "scope_share": PCT, "officer_hours_share": PCT},
        headers={
            "scope_share": f"share of {_label(s['scope']['name'])}",
            "officer_hours_share": "share of unit time",
        },
    )
    types = s["type_shares"][:20]
    type_chart = charts.bar(
        [_label(t["common_type"]) for t in types],
        [t["calls"] for t in types],
        title="Top 20 common incident types",
        xlabel="calls",
    )
    return chart + table + type_chart


def _pathways(s: dict[str, Any]) -> str:
    pws = s["pathway_shares"]
    chart = charts.bar(
        [_label(p["pathway"]) for p in pws],
        [100 * p["scope_share"] for p in pws],
        xlabel=f"% of {_label(s['scope']['name'])} calls",
        value_format="{:.1f}%",
        title="Pathway the protocol gives each call (screening assumed passed)",
    )
    table = records_table(
        pws,
        ["pathway", "calls", "share", "scope_calls", "scope_share"],
        formats={"share": PCT, "scope_share": PCT},
    )
    return chart + table


def _scenarios(s: dict[str, Any]) -> str:
    sc = s["scenarios"]
    shown = [x for x in sc if x["share"] is not None]
    chart = charts.forest(
        [x["label"] for x in shown],
        [x["share"] for x in shown],
        [x["lo"] for x in shown],
        [x["hi"] for x in shown],
        percent=True,
        xlabel="share of calls in scope",
        title="Calls a civilian response could take, by scenario (90% intervals)",
    )
    rows = []
    for x in sc:
        rows.append(
            [
                x["label"],
                x["eligible_calls"],
                x["share"],
                _interval(x["lo"], x["hi"]),
                x["accepted_error"],
                _interval(x["accepted_error_lo"], x["accepted_error_hi"]),
                x.get("officer_hours_per_year"),
                x.get("fte"),
                _interval(x.get("fte_lo"), x.get("fte_hi"), pct=False),
            ]
        )
    table = html_table(
        [
            "scenario",
            "eligible calls",
            "share",
            "share 90%",
            "accepted error",
            "error 90%",
            "officer h / year",
            "FTE",
            "FTE 90%",
        ],
        rows,
        formats={"share": PCT, "accepted error": PCT, "officer h / year": fmt_int, "FTE": fmt_float(1)},
    )
    notes = [x["note"] for x in sc if x.get("note")]
    if s["risk"].get("transferred"):
        notes.append(s["risk"]["statement"])
    if s["risk"].get("officer_time_statement"):
        notes.append(s["risk"]["officer_time_statement"])
    text = paragraph(
        "Risk-tolerance scenarios (after Midgette et al., 2024): a call type goes to civilians when its "
        "shrunk risk of a serious outcome (arrest, report, citation) is below the threshold; categories "
        f"{', '.join(s['config']['never_civilian_categories'])} never do. Intervals come from "
        f"{s['config']['draws']:,} posterior draws of every type's risk and, for hours, of its mean "
        "unit time and volume. Accepted error: share of eligible calls that ended in a serious outcome.",
        css_class="note",
    )
    return chart + table + text + "".join(paragraph(n, css_class="callout") for n in dict.fromkeys(notes))


def _risk(s: dict[str, Any]) -> str:
    cands = [c for c in s["candidates"] if c["risk"] is not None]
    cands.sort(key=lambda c: -c["scope_calls"])
    top = cands[:30]
    if not top:
        return paragraph(
            "No call in scope has a known disposition, so risk cannot be estimated from this data."
        )
    r = s["risk"]
    chart = charts.forest(
        [_label(c["common_type"]) for c in top],
        [c["risk"] for c in top],
        [c["risk_lo"] for c in top],
        [c["risk_hi"] for c in top],
        percent=True,
        reference=r["mean"],
        xlabel="probability of arrest, report or citation",
        title="Risk by type, 30 largest types (90% intervals; dashed: city-wide prior mean)",
    )
    if r.get("transferred"):
        return chart + paragraph(r["statement"], css_class="callout")
    text = paragraph(
        f"Empirical-Bayes beta-binomial prior Beta({r['alpha']:.2f}, {r['beta']:.2f}) fitted to "
        f"{r['calls_with_outcome']:,} {_label(r['scope'])} calls with a known outcome; serious = "
        f"{', '.join(r['serious_classes'])}.",
        css_class="note",
    )
    return chart + text


def _candidates(s: dict[str, Any]) -> str:
    rows = [c for c in s["candidates"] if c["candidate"]][:30]
    if not rows:
        return paragraph("No type qualifies as a candidate under the protocol or any risk tolerance.")
    cols = [
        "common_type",
        "category",
        "scope_calls",
        "calls_per_day",
        "officer_hours_per_year",
        "risk",
        "hours_per_day_with_call",
        "pathway",
        "eligible_at_threshold",
    ]
    recs = []
    for c in rows:
        rec = dict(c)
        rec["risk"] = (
            None if c["risk"] is None else f"{100 * c['risk']:.1f}% ({_interval(c['risk_lo'], c['risk_hi'])})"
        )
        recs.append(rec)
    return records_table(
        recs,
        cols,
        formats={
            "calls_per_day": fmt_float(1),
            "officer_hours_per_year": fmt_int,
            "hours_per_day_with_call": fmt_float(1),
            "eligible_at_threshold": PCT,
        },
        headers={
            "scope_calls": "calls in scope",
            "officer_hours_per_year": "unit h / year",
            "risk": "risk (90%)",
            "hours_per_day_with_call": "hours/day with ≥1 call",
            "eligible_at_threshold": "eligible from tolerance",
        },
        caption="Candidate call types for alternative response (civilian pathway or low risk), by volume",
    )


def _officer_time(s: dict[str, Any]) -> str:
    ot = s["officer_time"]
    if not ot.get("available"):
        extra = s["risk"].get("officer_time_statement")
        return paragraph(f"Officer time not measured in these calls: {ot.get('reason')}.") + (
            paragraph(str(extra) + " Scenario hours and FTE use these borrowed times.", css_class="callout")
            if extra else "")
    cats = ot["by_category"]
    chart = charts.stacked_bar(
        [_label(c["category"]) for c in cats],
        {
            "share of calls": [100 * c["share_calls"] for c in cats],
            "share of unit time": [100 * c["share_hours"] for c in cats],
        },
        title="Share of calls vs share of unit time, by category",
        xlabel="%",
    )
    table = records_table(
        cats,
        ["category", "calls", "hours_per_year", "share_hours", "median_minutes"],
        formats={"hours_per_year": fmt_int, "share_hours": PCT, "median_minutes": fmt_float(1)},
        headers={"hours_per_year": "unit hours / year", "share_hours": "share of unit time"},
    )
    text = paragraph(
        f"Measure: {ot['measure']}; {ot['timed_calls']:,} calls ({_pct(ot['coverage'])}) have it. "
        f"{ot['hours_per_year']:,.0f} unit hours a year = {ot['fte_total']:,.1f} FTE at "
        f"{ot['fte_hours']:,.0f} hours per FTE and {ot['units_per_call']:g} unit(s) per call. "
        f"Busy times over {ot['max_busy_hours']:g} h are treated as data errors.",
        css_class="note",
    )
    return chart + table + text


def _hour_of_week(s: dict[str, Any]) -> str:
    h = s["hour_of_week"]
    weeks = max(float(h["weeks"]), 1e-9)
    allm = np.asarray(h["all_calls"], float) / weeks
    elm = np.asarray(h["eligible_calls"], float) / weeks
    out = charts.heatmap_hour_of_week(
        allm, title="All calls per hour (weekly average)", colorbar_label="calls"
    )
    if elm.sum() > 0:
        out += charts.heatmap_hour_of_week(
            elm,
            title="Civilian-pathway calls per hour (weekly average)",
            colorbar_label="calls",
            cmap="Oranges",
        )
        if h.get("eligible_peak_hour_share") is not None:
            out += paragraph(
                f"The busiest 8-hour window of the day holds {_pct(h['eligible_peak_hour_share'])} "
                "of civilian-pathway calls.",
                css_class="note",
            )
    return out


def _places(s: dict[str, Any], layers: Mapping[str, Boundaries]) -> str:
    out = []
    col_to_layer = {"district": "districts", "neighborhood": "neighborhoods", "csa": "csas"}
    for col, data in s["by_area"].items():
        layer = layers.get(col_to_layer[col])
        out.append(f"<h3>By {html.escape(col)}</h3>")
        out.append(
            paragraph(
                f"{data['share_assigned'] * 100:.1f}% of calls assigned ({data['method']}); "
                f"{data['located_by_coordinates']:,} by coordinates. Counts under "
                f"{s['config']['suppress_below']} are suppressed.",
                css_class="note",
            )
        )
        if layer is not None:
            values = {a["area"]: a["eligible_calls"] for a in data["areas"]}
            out.append(
                charts.choropleth(
                    layer.geometries,
                    [values.get(n) for n in layer.names],
                    label="civilian-pathway calls",
                    title=f"Civilian-pathway calls by {col}",
                    annotate=len(layer.names) <= 12,
                    names=layer.names,
                    caption="Grey: no calls or suppressed (<10).",
                )
            )
        out.append(
            records_table(
                data["areas"],
                ["area", "calls", "eligible_calls", "eligible_share"],
                formats={"eligible_share": PCT},
                max_rows=25,
                headers={"eligible_calls": "civilian-pathway calls"},
            )
        )
        if data["unmatched_names"]:
            out.append(
                records_table(
                    data["unmatched_names"],
                    ["name", "calls"],
                    caption=f"{col} names in the calls that match no boundary (not guessed)",
                )
            )
    if not out:
        return paragraph("The calls carry no district, neighbourhood or CSA, and no boundaries were given.")
    return "".join(out)


def _repeat(s: dict[str, Any]) -> str:
    r = s["repeat_locations"]
    if not r.get("available"):
        return paragraph(f"Not available: {r.get('reason')}.")
    text = paragraph(
        f"{r['addresses']:,} block addresses had at least {r['min_calls']} calls; together "
        f"{r['calls_at_repeat_addresses']:,} calls ({_pct(r['share_of_calls'])} of all)."
    )
    return text + records_table(
        r["top"],
        ["block_address", "calls", "eligible_calls"],
        headers={"eligible_calls": "civilian-pathway calls"},
    )


def _equity(s: dict[str, Any], layers: Mapping[str, Boundaries]) -> str:
    e = s["equity"]
    if not e.get("available"):
        return paragraph(f"Not available: {e.get('reason')}.")
    out = [
        records_table(
            e["by_income_quintile"],
            [
                "quintile",
                "income_min",
                "income_max",
                "areas",
                "population",
                "calls_per_1000",
                "eligible_per_1000",
            ],
            formats={
                "income_min": fmt_int,
                "income_max": fmt_int,
                "calls_per_1000": fmt_float(1),
                "eligible_per_1000": fmt_float(1),
            },
            headers={
                "eligible_per_1000": "civilian-pathway calls per 1,000 / year",
                "calls_per_1000": "calls per 1,000 / year",
            },
            caption="By median household income quintile of the CSA (1 = lowest income)",
        )
    ]
    for name, c in e["correlations"].items():
        out.append(
            paragraph(
                f"{_label(name)}: Spearman rho {c['spearman_rho']:.2f} "
                f"(p = {c['p_value']:.3f}, {c['areas']} areas)."
            )
        )
    layer = layers.get("csas")
    if layer is not None:
        rates = {r["area"]: r["eligible_per_1000"] for r in e["by_area"]}
        from altresponse.geo import normalize_area_name

        keyed = {normalize_area_name(k): v for k, v in rates.items()}
        out.append(
            charts.choropleth(
                layer.geometries,
                [keyed.get(normalize_area_name(n)) for n in layer.names],
                label="per 1,000 residents a year",
                title="Civilian-pathway calls per 1,000 residents, by CSA",
            )
        )
    out.append(paragraph(e["note"] + f" Source: {e['source']}.", css_class="note"))
    return "".join(out)


def _published(s: dict[str, Any]) -> str:
    rows = [
        [p["metric"], p["published"], f"{p['place']}, {p['period']}", p["scope"], p["ours_text"], p["source"]]
        for p in s["published_comparison"]
    ]
    table = html_table(["measure", "published", "where, when", "published over", "ours", "source"], rows)
    note = paragraph(
        "What differs: published shares are often over all calls for service, including "
        "officer-initiated activity, while our scenarios cover community-initiated calls where the data "
        "say who started a call. 'Violent crime' is UCR Part I in some studies and NIBRS (with simple "
        "assault) in others; our violent_crime category includes simple assault and domestic violence. "
        "Full citations: docs/benchmarks.md.",
        css_class="note",
    )
    return table + note


def _method(s: dict[str, Any]) -> str:
    cfg = s["config"]
    items = [
        f"Scope of scenarios: {_label(s['scope']['name'])} ({s['scope']['calls']:,} calls).",
        f"Civilian pathways: {', '.join(cfg['civilian_pathways'])}.",
        f"Officer time: unit busy seconds; {cfg['fte_hours']:g} hours per FTE; {cfg['units_per_call']:g} "
        "unit(s) per call; annualised over the data period.",
        f"Small cells: counts under {cfg['suppress_below']} are suppressed in every table and map.",
        "Inputs: " + ", ".join(f"{k}: {v}" for k, v in (s.get("inputs") or {}).items() if v) + ".",
    ]
    return "<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>"


def render_report(summary: dict[str, Any], layers: Mapping[str, Boundaries] | None = None) -> str:
    """Self-contained report.html for a summary dict (from `analyze_classified`/`run_analysis`)."""
    layers = layers or {}
    s = summary
    sections = [
        Section("Headline", _headline(s)),
        Section("Data and mapping coverage", _mapping(s)),
        Section("What the calls are", _categories(s)),
        Section("Which pathway each call gets", _pathways(s)),
        Section("Scenarios: how many calls could go to civilians", _scenarios(s)),
        Section("Risk of a serious outcome, by type", _risk(s)),
        Section("Candidate call types", _candidates(s)),
        Section("Officer time", _officer_time(s)),
        Section("When calls arrive", _hour_of_week(s)),
        Section("Where calls come from", _places(s, layers)),
        Section("Repeat locations", _repeat(s)),
        Section("Equity", _equity(s, layers)),
        Section("Compared with published figures", _published(s)),
        Section("Method", _method(s)),
    ]
    period = s["period"]
    meta = {
        "calls": (s.get("inputs") or {}).get("calls", ""),
        "period (UTC)": f"{str(period['start_utc'])[:10]} to {str(period['end_utc'])[:10]}",
        "city": s.get("city") or "",
        "generated": s["generated_utc"],
    }
    return render_page("Call landscape: which calls could go to whom", sections, meta=meta)
