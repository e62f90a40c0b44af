"""HTML pages for staffing and simulation results: headline figures, charts as inline SVG, sources.

Returns strings; the caller writes them. Every figure shows its interval and where it came from.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from altresponse.report.charts import PALETTE, figure_to_svg
from altresponse.report.page import kpi_cards, paragraph, render_page
from altresponse.report.tables import html_table

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _interval(e: Mapping[str, Any], *, pct: bool = False, digits: int = 1) -> str:
    if e is None or e.get("mean") is None:
        return "n/a"
    scale = 100.0 if pct else 1.0
    unit = "%" if pct else ""
    return (
        f"{e['mean'] * scale:,.{digits}f}{unit} ({e['lo'] * scale:,.{digits}f}–{e['hi'] * scale:,.{digits}f}"
        f"{unit})"
    )


def _money(p: Mapping[str, float] | None, currency: str = "USD") -> str:
    if not p:
        return "n/a"
    sym = "$" if currency == "USD" else f"{currency} "
    return f"{sym}{p['p50']:,.0f} ({sym}{p['p5']:,.0f}–{sym}{p['p95']:,.0f})"


def _num(v: Any) -> float:
    return float("nan") if v is None else float(v)


def staffing_week_chart(plans: Mapping[str, Mapping[str, Any]]) -> str:
    """Teams on shift vs fractional requirement across the 168 hours of the week, one panel per team type."""
    n = max(len(plans), 1)
    plt.rcParams.update({"svg.fonttype": "none", "font.family": "DejaVu Sans", "font.size": 8})
    fig, axes = plt.subplots(n, 1, figsize=(7.5, 1.9 * n), sharex=True, squeeze=False)
    for ax, (i, (name, p)) in zip(axes[:, 0], enumerate(sorted(plans.items())), strict=False):
        hours = np.arange(168)
        ax.step(
            hours,
            p["coverage_by_hour_of_week"],
            where="post",
            color=PALETTE[i % len(PALETTE)],
            label="teams on shift",
        )
        ax.plot(
            hours,
            p["requirement_by_hour_of_week"],
            color="#444444",
            lw=0.8,
            ls="--",
            label="requirement (Erlang, fractional)",
        )
        ax.set_ylabel("teams")
        ax.set_title(name.replace("_", " "), loc="left", fontsize=9)
        for d in range(1, 7):
            ax.axvline(d * 24, color="#d5dbe3", lw=0.6)
        ax.spines[["top", "right"]].set_visible(False)
    axes[0, 0].legend(fontsize=7, frameon=False, loc="upper right")
    axes[-1, 0].set_xticks([d * 24 + 12 for d in range(7)], list(DAYS))
    axes[-1, 0].set_xlabel("hour of week (local)")
    return figure_to_svg(
        fig,
        caption="Teams on shift from the cheapest shift set (solid) against the hourly "
        "requirement from Erlang C with travel-time draws (dashed).",
    )


def simulation_charts(sim: Mapping[str, Any], target_minutes: float) -> list[str]:
    """Reach, utilization, queue and fallbacks by hour of day, from the replications (one 2 x 2 figure)."""
    hod = sim["by_hour_of_day"]
    hours = np.arange(24)
    reach = np.array([_num(v) for v in hod["reached_within_target_share"]])
    lo = np.array([_num(v) for v in hod.get("reached_within_target_share_lo", reach)])
    hi = np.array([_num(v) for v in hod.get("reached_within_target_share_hi", reach)])
    plt.rcParams.update({"svg.fonttype": "none", "font.family": "DejaVu Sans", "font.size": 8})
    fig, axes = plt.subplots(2, 2, figsize=(7.5, 4.6))
    panels = [
        (axes[0, 0], reach, f"Reached within {target_minutes:g} min", "share of calls"),
        (axes[0, 1], np.array([_num(v) for v in hod["utilization"]]), "Team utilization", "busy / on shift"),
        (
            axes[1, 0],
            np.array([_num(v) for v in hod["mean_queue"]]),
            "Calls waiting for a team",
            "mean calls",
        ),
        (axes[1, 1], np.array([_num(v) for v in hod["fallbacks"]]), "Fallbacks to police", "calls in period"),
    ]
    for i, (ax, values, title, ylabel) in enumerate(panels):
        color = PALETTE[i % len(PALETTE)]
        if i == 0:
            ax.fill_between(hours, lo, hi, color=color, alpha=0.2, lw=0)
        ax.plot(hours, values, color=color, marker="o", markersize=2.5, lw=1.2)
        ax.set_title(title, loc="left", fontsize=9, fontweight="bold")
        ax.set_ylabel(ylabel)
        ax.set_xticks(range(0, 24, 3))
        ax.set_xlim(-0.5, 23.5)
        ax.spines[["top", "right"]].set_visible(False)
    for ax in axes[1]:
        ax.set_xlabel("hour of day (local)")
    fig.subplots_adjust(hspace=0.45, wspace=0.3)
    return [
        figure_to_svg(
            fig,
            caption="By hour of day, means over replications. Reach band: 5th-95th percentile across "
            "replications. Utilization: busy over on-shift team time (finishing a call after the shift "
            "counts as busy). Waiting: time-average calls not yet sent nor fallen back. Fallbacks: calls "
            "no team took within the maximum wait or outside team hours.",
        )
    ]


def response_table(sim: Mapping[str, Any]) -> str:
    """Share of all eligible calls a team reached within 5, 10, ... 60 minutes (fallbacks count as not)."""
    cdf = sim.get("response_cdf")
    if not cdf:
        return ""
    rows = [
        [f"{m} min", _interval(e, pct=True)]
        for m, e in zip(cdf["minutes"], cdf["share_reached_within"], strict=True)
    ]
    return html_table(
        ["within", "share of eligible calls reached (95% interval)"],
        rows,
        caption="Response-time distribution, from call received to team on scene",
    )


def _sim_kpis(sim: Mapping[str, Any], target_minutes: float) -> list[tuple[str, str]]:
    return [
        (f"reached within {target_minutes:g} min", _interval(sim["reached_within_target_share"], pct=True)),
        ("reached at all (no fallback)", _interval(sim["reached_share"], pct=True)),
        ("median response, min", _interval(sim["response_p50_min"])),
        ("team utilization", _interval(sim["utilization"], pct=True)),
        ("police hours freed per year", _interval(sim["police_hours_freed_per_year"], digits=0)),
        ("police FTE freed", _interval(sim["police_fte_freed"])),
    ]


def service_table(service: Mapping[str, Any], types: Sequence[str] | None = None) -> str:
    """Fitted distributions for the pooled data, each category, and the common types in the demand."""
    keep = None if types is None else set(types)
    rows = []

    def fmt(v: Any, spec: str) -> str:
        return "" if v is None or v == "" else format(v, spec)

    for kind in ("on_scene", "travel"):
        for key, d in service[kind].items():
            if keep is not None and key != "*" and not key.startswith("category:") and key not in keep:
                continue
            rows.append(
                [
                    kind.replace("_", " "),
                    key,
                    d["family"],
                    f"{d['n']:,}",
                    fmt(d["mean_min"], ".1f"),
                    fmt(d["median_min"], ".1f"),
                    fmt(d["ks_stat"], ".3f"),
                    fmt(d["ad_stat"], ".1f"),
                ]
            )
        dflt = service[f"{kind}_default"]
        rows.append(
            [
                kind.replace("_", " "),
                "default (published)",
                dflt["family"],
                "",
                fmt(dflt["mean_min"], ".1f"),
                fmt(dflt["median_min"], ".1f"),
                "",
                "",
            ]
        )
    return html_table(
        ["time", "type", "family (min AIC)", "n", "mean min", "median min", "KS D", "A-D"],
        rows,
        caption="Fitted service-time distributions (alternative-team on-scene times are these "
        f"times the on-scene multiplier {service['on_scene_multiplier']:g})",
        max_rows=40,
    )


def assumptions_table(assumptions: Sequence[tuple[str, Any, str]]) -> str:
    return html_table(
        ["assumption", "value", "source"],
        [[a, f"{v:g}" if isinstance(v, float) else str(v), src] for a, v, src in assumptions],
    )


def budget_sections(b: Mapping[str, Any]) -> str:
    cur = b.get("currency", "USD")
    comp = [[k.replace("_", " "), _money(v, cur)] for k, v in b["components_per_year"].items()]
    teams = [
        [
            t,
            ", ".join(v["roles"]),
            v["team_hours_per_week"],
            _money(v["cost_per_team_hour"], cur),
            f"{v['crew_fte']['p50']:.1f}",
        ]
        for t, v in b["by_team_type"].items()
    ]
    bench = [[x["name"], f"${x['value']:,.1f}", x["unit"], x["source"]] for x in b["benchmarks"]]
    return (
        kpi_cards(
            [
                ("annual operating cost p50 (p5–p95)", _money(b["annual_operating_cost"], cur)),
                ("first-year start-up", _money(b["startup_cost_first_year"], cur)),
                ("cost per call reached", _money(b.get("cost_per_call_reached"), cur)),
                ("police cost avoided per year", _money(b["police_cost_avoided_per_year"], cur)),
                (
                    "total FTE",
                    f"{b['fte']['total']['p50']:.1f} ({b['fte']['total']['p5']:.1f}–"
                    f"{b['fte']['total']['p95']:.1f})",
                ),
            ]
        )
        + html_table(
            ["component", "per year p50 (p5–p95)"], comp, caption="Annual operating cost by component"
        )
        + html_table(
            ["team type", "crew", "team-hours / week", "cost per team-hour", "crew FTE"],
            teams,
            caption="Field teams",
        )
        + html_table(
            ["benchmark", "value", "unit", "source"],
            bench,
            caption="Published figures to compare with (programs.md section D)",
        )
        + paragraph(
            "Cost per call reached and police cost avoided are shown side by side: police cost avoided "
            "is police time the reached calls no longer take, priced per police hour; it is capacity "
            "returned to patrol, not cash saved unless positions change.",
            css_class="note",
        )
    )


def shift_pivot(plans: Mapping[str, Mapping[str, Any]]) -> list[list[Any]]:
    """One row per (team type, start time, length) with the number of teams starting it each day."""
    table: dict[tuple[str, str, int], list[int]] = {}
    for name, p in sorted(plans.items()):
        for sh in p["shifts"]:
            key = (name, sh["start"], sh["length_h"])
            table.setdefault(key, [0] * 7)[DAYS.index(sh["day"])] += sh["teams"]
    return [[n, start, length, *counts, sum(counts)] for (n, start, length), counts in sorted(table.items())]


def render_staffing(result: Mapping[str, Any]) -> str:
    sim = result["simulation"]
    tm = result["target"]["minutes"]
    plans = result["plans"]
    shift_rows = shift_pivot(plans)
    unstaffed = result.get("unstaffed_team_types", {})
    if unstaffed:
        warn_unstaffed = paragraph(
            "Not staffed: "
            + "; ".join(f"{k} ({v['calls']} calls: {v['note']})" for k, v in unstaffed.items()),
            css_class="callout",
        )
    else:
        warn_unstaffed = ""
    infeasible = {
        n: p["hours_target_unreachable_by_travel"]
        for n, p in plans.items()
        if p["hours_target_unreachable_by_travel"]
    }
    warn = ""
    if infeasible:
        warn = paragraph(
            "In some hours travel time alone keeps the target out of reach, whatever the number of teams "
            f"({', '.join(f'{k}: {v} h/week' for k, v in infeasible.items())}); there the requirement is the "
            "team count that reaches the target share of the calls travel allows to be reached in time.",
            css_class="callout",
        )
    erl_rows = []
    for name, p in sorted(plans.items()):
        rows = p["erlang_by_hour_of_week"]
        for h in range(24):
            sel = [r for r in rows if r["hour_of_week"] % 24 == h]
            erl_rows.append(
                [
                    name,
                    f"{h:02d}",
                    f"{sum(r['calls_per_hour'] for r in sel) / 7:.2f}",
                    f"{sum(r['load_erlangs'] for r in sel) / 7:.2f}",
                    f"{sum(r['teams'] for r in sel) / 7:.1f}",
                    f"{sum(r['erlang_c_p_wait'] for r in sel) / 7:.1%}",
                    f"{sum(r['erlang_a_fallback_share'] for r in sel) / 7:.2%}",
                ]
            )
    sections = [
        (
            "Summary",
            kpi_cards(
                [
                    ("eligible calls in the data", f"{result['demand']['calls']:,}"),
                    ("eligible calls per year", f"{result['demand']['calls_per_year']:,.0f}"),
                    ("team-hours per week", f"{result['team_hours_per_week']:,.0f}"),
                    ("peak teams on duty", str(result["peak_teams_on_duty"])),
                    *_sim_kpis(sim, tm),
                ]
            )
            + warn
            + warn_unstaffed
            + paragraph(
                f"Target: {result['target']['reach'] * 100:.0f}% of eligible calls reached within {tm:g} "
                "minutes of the call, in every hour of the week. Figures are means over simulation "
                "replications with 95% intervals in brackets."
            ),
        ),
        ("Staffing by hour of week", staffing_week_chart(plans)),
        (
            "Shifts",
            html_table(
                ["team type", "start", "hours", *DAYS, "team-shifts / week"],
                shift_rows,
                caption="Cheapest shift set meeting the requirement (HiGHS integer program): teams "
                "starting each shift, by day",
                max_rows=150,
            ),
        ),
        (
            "Verification by simulation",
            "".join(simulation_charts(sim, tm))
            + response_table(sim)
            + html_table(
                ["team type", "round", "team-hours / week", "reached within target", "hours short"],
                [
                    [
                        n,
                        r["round"],
                        r["team_hours_per_week"],
                        _interval(r["reached_within_target_share"], pct=True),
                        r["hours_short"],
                    ]
                    for n, p in sorted(plans.items())
                    for r in p["rounds"]
                ],
                caption="Sizing rounds: hours the simulation found short got one more team, then the shifts "
                "were solved again",
            ),
        ),
        (
            "Queueing theory by hour of day",
            html_table(
                [
                    "team type",
                    "hour",
                    "calls / h",
                    "load (Erlangs)",
                    "teams",
                    "Erlang C P(wait)",
                    "Erlang A fallback",
                ],
                erl_rows,
                caption="Averages over the seven days; Erlang A treats the maximum wait as mean patience",
                max_rows=120,
            ),
        ),
        ("Budget", budget_sections(result["budget"])),
        ("Service times", service_table(result["service_times"], result.get("eligible_common_types"))),
        ("Assumptions and sources", assumptions_table(result["assumptions"])),
    ]
    return render_page(
        "Capacity, staffing and budget",
        sections,
        meta=result["meta"],
        footer=html.escape("Model outputs; see docs/simulation.md and docs/costs.md for methods."),
    )


def render_simulation(result: Mapping[str, Any]) -> str:
    sim = result["simulation"]
    tm = result["target"]["minutes"]
    fleet_rows = [[r["team_type"], r["day"], r["start"], r["hours"], r["teams"]] for r in result["fleet"]]
    sections = [
        (
            "Summary",
            kpi_cards([("eligible calls in the data", f"{result['demand']['calls']:,}"), *_sim_kpis(sim, tm)])
            + paragraph(f"Scenario {result['scenario']!r}: {result['scenario_description']}"),
        ),
        ("By hour of day", "".join(simulation_charts(sim, tm)) + response_table(sim)),
        ("Fleet", html_table(["team type", "day", "start", "hours", "teams"], fleet_rows, max_rows=120)),
        ("Service times", service_table(result["service_times"], result.get("eligible_common_types"))),
        ("Assumptions and sources", assumptions_table(result["assumptions"])),
    ]
    return render_page(f"Fleet simulation: {result['scenario']}", sections, meta=result["meta"])
