"""The landscape analysis page: which calls could go to whom, from the analysis summary."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from markupsafe import Markup

from altresponse.facts import SAFETY_OUTCOMES_DEFAULT, serious_outcome_words
from altresponse.geo import Boundaries, normalize_area_name
from altresponse.report import charts, labels
from altresponse.report import format as fmt
from altresponse.report.env import render
from altresponse.report.glossary import entries
from altresponse.report.headline import headline_groups, headline_text
from altresponse.report.page import shell_context
from altresponse.report.tables import (
    fmt_float,
    fmt_int,
    fmt_pct,
    html_table,
    markup_table,
    records_table,
    suppress,
)
from altresponse.report.words import without_file_names
from altresponse.results import Headline

PCT = fmt_pct(1)
SECTIONS: tuple[tuple[str, str], ...] = (
    ("mapping", "Data and mapping coverage"),
    ("categories", "What the calls are"),
    ("pathways", "Which pathway each call gets"),
    ("scenarios", "Scenarios: how many calls could go to an alternative"),
    ("risk", "Risk of a serious outcome, by call type"),
    ("candidates", "Candidate call types"),
    ("officer-time", "Officer time"),
    ("hour-of-week", "When calls arrive"),
    ("places", "Where calls come from"),
    ("repeat", "Repeat locations"),
    ("equity", "Equity"),
    ("published", "Compared with published figures"),
    ("partners", "Beside 911: 311, the crisis line and homelessness"),
    ("methods", "Methods and glossary"),
)
GLOSSARY_TERMS = (
    "Plausible range (interval)",
    "Shrinkage",
    "Empirical Bayes",
    "Posterior",
    "Beta-binomial prior",
    "Monte Carlo",
    "FTE (full-time equivalent)",
    "Spearman rho",
    "Small-cell suppression",
)


def _pct(v: float | None) -> str:
    return fmt.number(v, "share")


def _interval(lo: float | None, hi: float | None, *, pct: bool = True, digits: int = 1) -> str:
    if lo is None or hi is None:
        return "–"
    if pct:
        return f"{fmt.number(lo, 'share')}–{fmt.number(hi, 'share')}"
    return f"{lo:,.{digits}f}–{hi:,.{digits}f}"


def serious_classes(s: Mapping[str, Any]) -> tuple[str, ...]:
    """The disposition classes the analysis counted as serious (its config, else the default)."""
    cfg = s.get("config") or {}
    classes = cfg.get("serious_dispositions") or (s.get("risk") or {}).get("serious_classes")
    return tuple(classes) if classes else SAFETY_OUTCOMES_DEFAULT


def _facts(s: dict[str, Any], headline: Headline) -> list[tuple[str, str]]:
    m = s["mapping"]
    days = headline_text(headline, "period_days") or f"{s['period']['days']:,.1f}"
    return [
        ("Calls analysed", f"{s['rows']:,}"),
        ("Days of calls in the data", days),
        ("Local call types mapped to a common type", _pct(m["coverage"])),
    ]


def _mapping(s: dict[str, Any]) -> dict[str, Any]:
    m = s["mapping"]
    table = None
    if m["unmapped_top"]:
        table = records_table(
            [{**u, "calls": suppress(u["calls"])} for u in m["unmapped_top"]],
            ["local_call_type", "calls"],
            headers={"local_call_type": "Local call type", "calls": "Calls"},
            caption="Most frequent local call types the crosswalk does not know yet",
        )
    return {"m": m, "rows": s["rows"], "coverage": _pct(m["coverage"]), "table": table}


def _categories(s: dict[str, Any]) -> Markup:
    cats = s["category_shares"]
    chart = charts.bar(
        [labels.category(c["category"]) for c in cats],
        [100 * c["share"] for c in cats],
        xlabel="% of calls",
        value_format="{:.1f}%",
        title="Share of calls by category",
    )
    recs = [{**c, "category": labels.category(c["category"])} for c in cats]
    table = records_table(
        recs,
        ["category", "calls", "share", "scope_share", "officer_hours_share"],
        formats={"share": PCT, "scope_share": PCT, "officer_hours_share": PCT},
        headers={
            "category": "Category",
            "calls": "Calls",
            "share": "Share of calls",
            "scope_share": f"Share of {labels.plain(s['scope']['name'])} calls",
            "officer_hours_share": "Share of unit time",
        },
    )
    types = s["type_shares"][:20]
    type_chart = charts.bar(
        [labels.call_type(t["common_type"]) for t in types],
        [t["calls"] for t in types],
        title="The 20 most frequent call types",
        xlabel="calls",
    )
    return chart + table + type_chart


def _pathways(s: dict[str, Any]) -> Markup:
    pws = s["pathway_shares"]
    scope = labels.plain(s["scope"]["name"])
    chart = charts.bar(
        [labels.pathway(p["pathway"]) for p in pws],
        [100 * p["scope_share"] for p in pws],
        xlabel=f"% of {scope} calls",
        value_format="{:.1f}%",
        title="Pathway the protocol gives each call (screening assumed passed)",
    )
    recs = [{**p, "pathway": labels.pathway(p["pathway"])} for p in pws]
    table = records_table(
        recs,
        ["pathway", "calls", "share", "scope_calls", "scope_share"],
        formats={"share": PCT, "scope_share": PCT},
        headers={
            "pathway": "Pathway",
            "calls": "Calls",
            "share": "Share of calls",
            "scope_calls": f"{scope.capitalize()} calls",
            "scope_share": f"Share of {scope} calls",
        },
    )
    return chart + table


def _scenarios(s: dict[str, Any], serious: str) -> dict[str, Any]:
    sc = s["scenarios"]
    shown = [x for x in sc if x["share"] is not None]
    chart = charts.forest(
        [x["label"] for x in shown],
        [x["share"] for x in shown],
        [x["lo"] for x in shown],
        [x["hi"] for x in shown],
        percent=True,
        xlabel="share of calls in scope",
        title="Calls an alternative response could take, by scenario (plausible ranges)",
    )
    rows = [
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
        for x in sc
    ]
    table = html_table(
        [
            "Scenario",
            "Eligible calls",
            "Share",
            "Share: range",
            "Ended in a serious outcome",
            "Serious: range",
            "Officer hours a year",
            "Officer FTE",
            "FTE: range",
        ],
        rows,
        formats={
            "Share": PCT,
            "Ended in a serious outcome": PCT,
            "Officer hours a year": fmt_int,
            "Officer FTE": fmt_float(1),
        },
        kinds={"Share: range": "interval", "Serious: range": "interval", "FTE: range": "interval"},
        caption=f"Scenarios ({serious})",
    )
    notes = [x["note"] for x in sc if x.get("note")]
    if s["risk"].get("transferred"):
        notes.append(s["risk"]["statement"])
    if s["risk"].get("officer_time_statement"):
        notes.append(s["risk"]["officer_time_statement"])
    never = ", ".join(labels.category(c) for c in s["config"]["never_civilian_categories"])
    return {
        "chart": chart,
        "table": table,
        "notes": list(dict.fromkeys(notes)),
        "never": never,
        "draws": f"{s['config']['draws']:,}",
    }


def _risk(s: dict[str, Any], serious: str) -> dict[str, Any]:
    cands = sorted((c for c in s["candidates"] if c["risk"] is not None), key=lambda c: -c["scope_calls"])
    top = cands[:30]
    if not top:
        return {"chart": None, "transferred": None, "prior": None}
    r = s["risk"]
    chart = charts.forest(
        [labels.call_type(c["common_type"]) for c in top],
        [c["risk"] for c in top],
        [c["risk_lo"] for c in top],
        [c["risk_hi"] for c in top],
        percent=True,
        reference=r["mean"],
        xlabel="chance of a serious outcome",
        title="Risk of a serious outcome by call type, 30 largest types (dashed: city-wide average)",
        caption=f"Risk: the chance of a serious outcome, where {serious}.",
    )
    prior = None
    if not r.get("transferred"):
        prior = {"calls": f"{r['calls_with_outcome']:,}", "scope": labels.plain(r["scope"])}
    return {"chart": chart, "transferred": r["statement"] if r.get("transferred") else None, "prior": prior}


def _candidates(s: dict[str, Any], serious: str) -> Markup | None:
    rows = [c for c in s["candidates"] if c["candidate"]][:30]
    if not rows:
        return None
    recs = []
    for c in rows:
        recs.append(
            {
                **c,
                "common_type": labels.call_type(c["common_type"]),
                "category": labels.category(c["category"]),
                "pathway": labels.pathway(c["pathway"]),
                "risk": None
                if c["risk"] is None
                else f"{_pct(c['risk'])} ({_interval(c['risk_lo'], c['risk_hi'])})",
            }
        )
    return records_table(
        recs,
        [
            "common_type",
            "category",
            "scope_calls",
            "calls_per_day",
            "officer_hours_per_year",
            "risk",
            "hours_per_day_with_call",
            "pathway",
            "eligible_at_threshold",
        ],
        formats={
            "calls_per_day": fmt_float(1),
            "officer_hours_per_year": fmt_int,
            "hours_per_day_with_call": fmt_float(1),
            "eligible_at_threshold": PCT,
        },
        headers={
            "common_type": "Call type",
            "category": "Category",
            "scope_calls": "Calls in scope",
            "calls_per_day": "Calls a day",
            "officer_hours_per_year": "Unit hours a year",
            "risk": "Serious-outcome risk (range)",
            "hours_per_day_with_call": "Hours a day with a call",
            "pathway": "Pathway",
            "eligible_at_threshold": "Eligible under risk tolerance",
        },
        kinds={"risk": "interval"},
        caption="Candidate call types for alternative response, by volume; " + serious,
    )


def _officer_time(s: dict[str, Any]) -> dict[str, Any]:
    ot = s["officer_time"]
    if not ot.get("available"):
        return {
            "available": False,
            "reason": ot.get("reason"),
            "borrowed": s["risk"].get("officer_time_statement"),
        }
    cats = ot["by_category"]
    chart = charts.stacked_bar(
        [labels.category(c["category"]) for c in cats],
        {
            "share of calls": [100 * c["share_calls"] for c in cats],
            "share of unit time": [100 * c["share_hours"] for c in cats],
        },
        title="Share of calls and share of unit time, by category",
        xlabel="%",
    )
    table = records_table(
        [{**c, "category": labels.category(c["category"])} for c in cats],
        ["category", "calls", "hours_per_year", "share_hours", "median_minutes"],
        formats={"hours_per_year": fmt_int, "share_hours": PCT, "median_minutes": fmt_float(1)},
        headers={
            "category": "Category",
            "calls": "Calls",
            "hours_per_year": "Unit hours a year",
            "share_hours": "Share of unit time",
            "median_minutes": "Median minutes",
        },
    )
    text = (
        f"Measure: {labels.plain(ot['measure'])}; {ot['timed_calls']:,} calls ({_pct(ot['coverage'])}) "
        f"have it. {ot['hours_per_year']:,.0f} unit hours a year = {ot['fte_total']:,.1f} FTE at "
        f"{ot['fte_hours']:,.0f} hours per FTE and {ot['units_per_call']:g} unit(s) per call. "
        f"Busy times over {ot['max_busy_hours']:g} hours are treated as data errors."
    )
    return {"available": True, "chart": chart, "table": table, "text": text}


def _hour_of_week(s: dict[str, Any]) -> dict[str, Any]:
    h = s["hour_of_week"]
    weeks = max(float(h["weeks"]), 1e-9)
    allm = np.asarray(h["all_calls"], float) / weeks
    elm = np.asarray(h["eligible_calls"], float) / weeks
    charts_ = [
        charts.heatmap_hour_of_week(allm, title="All calls per hour (weekly average)", colorbar_label="calls")
    ]
    peak = None
    if elm.sum() > 0:
        charts_.append(
            charts.heatmap_hour_of_week(
                elm,
                title="Calls for an alternative pathway, per hour (weekly average)",
                colorbar_label="calls",
                cmap="Oranges",
            )
        )
        if h.get("eligible_peak_hour_share") is not None:
            peak = _pct(h["eligible_peak_hour_share"])
    return {"charts": charts_, "peak": peak}


def _places(s: dict[str, Any], layers: Mapping[str, Boundaries]) -> list[dict[str, Any]]:
    out = []
    col_to_layer = {"district": "districts", "neighborhood": "neighborhoods", "csa": "csas"}
    words = {
        "district": "police district",
        "neighborhood": "neighborhood",
        "csa": "Community Statistical Area",
    }
    for col, data in s["by_area"].items():
        layer = layers.get(col_to_layer[col])
        chart = None
        if layer is not None:
            values = {a["area"]: a["eligible_calls"] for a in data["areas"]}
            chart = charts.choropleth(
                layer.geometries,
                [values.get(n) for n in layer.names],
                label="alternative-pathway calls",
                title=f"Calls for an alternative pathway, by {words.get(col, col)}",
                annotate=len(layer.names) <= 12,
                names=layer.names,
                caption="Grey: no calls, or fewer than ten (withheld).",
            )
        table = records_table(
            data["areas"],
            ["area", "calls", "eligible_calls", "eligible_share"],
            formats={"eligible_share": PCT},
            max_rows=25,
            headers={
                "area": "Area",
                "calls": "Calls",
                "eligible_calls": "Alternative-pathway calls",
                "eligible_share": "Share",
            },
        )
        unmatched = None
        if data["unmatched_names"]:
            unmatched = records_table(
                [{**u, "calls": suppress(u["calls"])} for u in data["unmatched_names"]],
                ["name", "calls"],
                headers={"name": "Name", "calls": "Calls"},
                caption=f"{words.get(col, col).capitalize()} names in the calls that match no boundary "
                "(not guessed)",
            )
        out.append(
            {
                "title": f"By {words.get(col, col)}",
                "note": (
                    f"{data['share_assigned'] * 100:.1f}% of calls assigned "
                    f"({labels.plain(data['method'])}); "
                    f"{data['located_by_coordinates']:,} by coordinates. Counts under "
                    f"{s['config']['suppress_below']} are withheld."
                ),
                "chart": chart,
                "table": table,
                "unmatched": unmatched,
            }
        )
    return out


def _repeat(s: dict[str, Any]) -> dict[str, Any]:
    r = s["repeat_locations"]  # addresses with at least min_calls calls: never a small cell
    if not r.get("available"):
        return {"available": False, "reason": r.get("reason")}
    text = (
        f"{r['addresses']:,} block addresses had at least {r['min_calls']} calls; together "
        f"{r['calls_at_repeat_addresses']:,} calls ({_pct(r['share_of_calls'])} of all)."
    )
    table = records_table(
        r["top"],
        ["block_address", "calls", "eligible_calls"],
        headers={
            "block_address": "Block address",
            "calls": "Calls",
            "eligible_calls": "Alternative-pathway calls",
        },
    )
    return {"available": True, "text": text, "table": table}


def _equity(s: dict[str, Any], layers: Mapping[str, Boundaries]) -> dict[str, Any]:
    e = s["equity"]
    if not e.get("available"):
        return {"available": False, "reason": e.get("reason")}
    table = records_table(
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
            "quintile": "Income fifth",
            "income_min": "Income from",
            "income_max": "Income to",
            "areas": "Areas",
            "population": "Population",
            "calls_per_1000": "Calls per 1,000 a year",
            "eligible_per_1000": "Alternative-pathway calls per 1,000 a year",
        },
        caption="By median household income of the area, in fifths (1 = lowest income)",
    )
    corr = [
        f"{labels.plain(name).capitalize()}: Spearman rho {c['spearman_rho']:.2f} "
        f"(p = {c['p_value']:.3f}, {c['areas']} areas)."
        for name, c in e["correlations"].items()
    ]
    chart = None
    layer = layers.get("csas")
    if layer is not None:
        keyed = {normalize_area_name(r["area"]): r["eligible_per_1000"] for r in e["by_area"]}
        chart = charts.choropleth(
            layer.geometries,
            [keyed.get(normalize_area_name(n)) for n in layer.names],
            label="per 1,000 residents a year",
            title="Alternative-pathway calls per 1,000 residents, by area",
        )
    return {
        "available": True,
        "table": table,
        "correlations": corr,
        "chart": chart,
        "note": e["note"],
        "source": without_file_names(str(e["source"])) or "the area indicators given to the analysis",
    }


def _published(s: dict[str, Any]) -> Markup:
    rows = [
        [p["metric"], p["published"], f"{p['place']}, {p['period']}", p["scope"], p["ours_text"], p["source"]]
        for p in s["published_comparison"]
    ]
    return html_table(
        ["Measure", "Published", "Where, when", "Published over", "Ours", "Source"],
        rows,
        kinds={"Source": "source"},
    )


def render_landscape(
    summary: dict[str, Any], layers: Mapping[str, Boundaries] | None, headline: Headline
) -> str:
    """The self-contained landscape page for an analysis summary."""
    layers = layers or {}
    s = summary
    serious = serious_outcome_words(serious_classes(s))
    cfg = s["config"]
    period = s["period"]
    meta = {
        "City": (s.get("city") or "").title(),
        "Calls from": f"{str(period['start_utc'])[:10]} to {str(period['end_utc'])[:10]} (UTC)",
        "Generated": s["generated_utc"],
    }
    notices = []
    if period.get("synthetic_rows"):
        notices.append("Every call here is synthetic: no figure describes real people or real calls.")
    if s["scope"].get("note"):
        notices.append(s["scope"]["note"])
    for check in s.get("data_checks") or []:  # the data tell on themselves, on the first screen
        if check["status"] != "ok" or check["id"] in ("unmapped", "not_calls"):
            notices.append(labels.plain(check["message"]))
    ctx = shell_context(
        "Call landscape: which calls could go to whom",
        meta={k: v for k, v in meta.items() if v},
        toc=SECTIONS,
        headline=headline_groups(headline),
        notices=notices,
    )
    return render(
        "landscape.html.j2",
        titles=dict(SECTIONS),
        facts=_facts(s, headline),
        serious=serious,
        scope=labels.plain(s["scope"]["name"]),
        scope_calls=f"{s['scope']['calls']:,}",
        mapping=_mapping(s),
        categories=_categories(s),
        pathways=_pathways(s),
        scenarios=_scenarios(s, serious),
        risk=_risk(s, serious),
        candidates=_candidates(s, serious),
        officer_time=_officer_time(s),
        hour_of_week=_hour_of_week(s),
        places=_places(s, layers),
        repeat=_repeat(s),
        equity=_equity(s, layers),
        published=_published(s),
        partners=_partners(s),
        alternative=", ".join(labels.pathway(p) for p in cfg["civilian_pathways"]),
        fte_hours=f"{cfg['fte_hours']:g}",
        units_per_call=f"{cfg['units_per_call']:g}",
        suppress_below=cfg["suppress_below"],
        glossary=entries(*GLOSSARY_TERMS),
        **ctx,
    )


def _partners(s: dict[str, Any]) -> dict[str, Any]:
    """311, crisis-line and homelessness figures beside 911 (the partners' picture), or what is missing."""
    part = s.get("partners") or {}
    land = part.get("landscape")
    if not land:
        return {"available": False,
                "missing": part.get("missing") or ["no partner data were given for this run"]}
    need = land["need"]
    rows = [[labels.plain(x["need"]), fmt.number(x["calls_911_per_year"], "calls/year"),
             fmt.number(x["requests_311_per_year"] or 0, "calls/year"), x["absorbed_by"] or "–",
             labels.plain(x.get("note") or "")] for x in need["summaries"]]
    table = markup_table(["Need", "911 calls a year", "311 requests a year", "Mostly handled by",
                          "What it says"], rows, num=(1, 2), caption="Need across 911 and 311 in a year")
    facts: list[str] = []

    def n(v: float | None) -> str:
        return fmt.number(v, "calls/year")

    crisis = need.get("crisis_line")
    if crisis:
        c = crisis["contacts_per_year"]
        facts.append(f"Crisis line (988), scaled to the city: {n(c['value'])} contacts a year "
                     f"({n(c['low'])}–{n(c['high'])}); " + labels.plain(crisis.get("note") or ""))
    homeless = need.get("homelessness")
    if homeless:
        facts.append(f"Homelessness ({homeless['coc_number']}, point-in-time {homeless['pit_year']}): "
                     f"{n(homeless['overall'])} people, of whom {n(homeless['unsheltered'])} unsheltered "
                     f"({homeless['unsheltered_year']} count); {n(homeless['beds_es_th_sh'])} shelter beds "
                     f"({homeless['hic_year']}).")
    out = land["outreach_demand"]["per_year"]
    facts.append(f"Homeless-outreach demand: {n(out['value'])} contacts a year ({n(out['low'])}–"
                 f"{n(out['high'])}), from 911 calls and 311 requests typed as homelessness.")
    return {"available": True, "table": table, "facts": facts,
            "sources": [labels.plain(x) for x in need.get("sources") or []],
            "missing": part.get("missing") or []}
