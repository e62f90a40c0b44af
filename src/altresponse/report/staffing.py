"""The staffing and simulation pages: headline figures, charts, shifts, budget and sources."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from markupsafe import Markup

from altresponse.report import format as fmt
from altresponse.report import labels
from altresponse.report.charts import PALETTE, _style, figure_to_svg
from altresponse.report.env import render
from altresponse.report.glossary import entries
from altresponse.report.headline import headline_groups, headline_text
from altresponse.report.page import shell_context
from altresponse.report.tables import html_table
from altresponse.report.words import without_file_names
from altresponse.results import Estimate, Headline

SIM = "fleet simulation"
COSTS = "cost model"
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
STAFFING_SECTIONS: tuple[tuple[str, str], ...] = (
    ("summary", "Summary"),
    ("week", "Staffing by hour of week"),
    ("shifts", "Shifts"),
    ("verification", "Verification by simulation"),
    ("queueing", "Queueing by hour of day"),
    ("budget", "Budget"),
    ("service-times", "Service times"),
    ("assumptions", "Assumptions and sources"),
    ("methods", "Methods and glossary"),
)
SIMULATION_SECTIONS: tuple[tuple[str, str], ...] = (
    ("summary", "Summary"),
    ("by-hour", "By hour of day"),
    ("fleet", "Fleet"),
    ("service-times", "Service times"),
    ("assumptions", "Assumptions and sources"),
    ("methods", "Methods and glossary"),
)
GLOSSARY_TERMS = (
    "Plausible range (interval)",
    "Erlang C",
    "Erlang A",
    "Load (Erlangs)",
    "Utilization",
    "Replication",
    "Monte Carlo",
    "Median, 5th and 95th percentile (p5–p95)",
    "FTE (full-time equivalent)",
    "Integer program (shift scheduler)",
    "AIC, KS D and A-D",
    "Small-cell suppression",
)


def _interval(e: Mapping[str, Any] | None, *, pct: bool = False, digits: int = 1) -> str:
    """A simulated mean and its range; shares in the one rounding of `report.format`."""
    if e is None or e.get("mean") is None:
        return "not available"
    if pct:
        return fmt.estimate(Estimate(value=e["mean"], low=e["lo"], high=e["hi"], unit="share", source=SIM))
    return f"{e['mean']:,.{digits}f} ({e['lo']:,.{digits}f}–{e['hi']:,.{digits}f})"


def _money(p: Mapping[str, float] | None, currency: str = "USD") -> str:
    """A cost's median and 5th to 95th percentile, in the one money rounding of `report.format`."""
    if not p:
        return "not available"
    text = fmt.estimate(Estimate(value=p["p50"], low=p["p5"], high=p["p95"], unit="USD", source=COSTS))
    return text if currency == "USD" else f"{text} ({currency})"


def _num(v: Any) -> float:
    return float("nan") if v is None else float(v)


def _meta(meta: Mapping[str, Any]) -> dict[str, str]:
    """The result's meta facts without file names."""
    out = {}
    for k, v in meta.items():
        text = without_file_names(str(v))
        if text:
            out[k[:1].upper() + k[1:]] = text
    return out


def staffing_week_chart(plans: Mapping[str, Mapping[str, Any]]) -> Markup:
    """Teams on shift vs fractional requirement across the 168 hours of the week, one panel per team type."""
    from matplotlib.figure import Figure

    n = max(len(plans), 1)
    _style()
    fig = Figure(figsize=(7.5, 1.9 * n))
    axes = fig.subplots(n, 1, sharex=True, squeeze=False)
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
            label="teams needed (queueing model)",
        )
        ax.set_ylabel("teams")
        ax.set_title(labels.team_type(name), loc="left", fontsize=9)
        for d in range(1, 7):
            ax.axvline(d * 24, color="#d5dbe3", lw=0.6)
    axes[0, 0].legend(fontsize=7, frameon=False, loc="upper right")
    axes[-1, 0].set_xticks([d * 24 + 12 for d in range(7)], list(DAYS))
    axes[-1, 0].set_xlabel("hour of week (local)")
    fig.set_layout_engine("constrained")
    return figure_to_svg(
        fig,
        caption="Teams on shift from the cheapest shift set (solid) against the teams needed each hour "
        "from the queueing model with travel-time draws (dashed).",
    )


def simulation_chart(sim: Mapping[str, Any], target_minutes: float) -> Markup:
    """Reach, utilization, queue and fallbacks by hour of day, from the replications (one 2 x 2 figure)."""
    from matplotlib.figure import Figure

    hod = sim["by_hour_of_day"]
    hours = np.arange(24)
    reach = np.array([_num(v) for v in hod["reached_within_target_share"]])
    lo = np.array([_num(v) for v in hod.get("reached_within_target_share_lo", reach)])
    hi = np.array([_num(v) for v in hod.get("reached_within_target_share_hi", reach)])
    _style()
    fig = Figure(figsize=(7.5, 4.6))
    axes = fig.subplots(2, 2)
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
    for ax in axes[1]:
        ax.set_xlabel("hour of day (local)")
    fig.subplots_adjust(hspace=0.45, wspace=0.3)
    return figure_to_svg(
        fig,
        caption="By hour of day, averages over simulation runs. Reach band: 5th to 95th percentile across "
        "runs. Utilization: busy over on-shift team time (finishing a call after the shift counts as busy). "
        "Waiting: average calls not yet sent nor handed back. Fallbacks: calls no team took within the "
        "maximum wait or outside team hours.",
    )


def response_table(sim: Mapping[str, Any]) -> Markup | None:
    """Share of all eligible calls a team reached within 5, 10, ... 60 minutes (fallbacks count as not)."""
    cdf = sim.get("response_cdf")
    if not cdf:
        return None
    rows = [
        [f"{m} min", _interval(e, pct=True)]
        for m, e in zip(cdf["minutes"], cdf["share_reached_within"], strict=True)
    ]
    return html_table(
        ["Within", "Share of eligible calls reached (95% range)"],
        rows,
        kinds={"Share of eligible calls reached (95% range)": "interval"},
        caption="Response times, from call received to team on scene",
    )


def _sim_figures(sim: Mapping[str, Any], target_minutes: float, headline: Headline) -> list[tuple[str, str]]:
    """The simulation's figures; one the headline also shows is written as the headline writes it."""
    return [
        (
            f"Reached within {target_minutes:g} min",
            headline_text(headline, "reach_share") or _interval(sim["reached_within_target_share"], pct=True),
        ),
        ("Reached at all (not handed back to police)", _interval(sim["reached_share"], pct=True)),
        ("Median response, minutes", _interval(sim["response_p50_min"])),
        ("Team utilization", _interval(sim["utilization"], pct=True)),
        (
            "Police hours freed a year",
            headline_text(headline, "police_hours_freed")
            or _interval(sim["police_hours_freed_per_year"], digits=0),
        ),
        (
            "Police FTE freed",
            headline_text(headline, "police_fte_freed") or _interval(sim["police_fte_freed"]),
        ),
    ]


def service_table(service: Mapping[str, Any], types: Sequence[str] | None = None) -> Markup:
    """Fitted distributions for the pooled data, each category, and the common types in the demand."""
    keep = None if types is None else set(types)
    rows = []

    def fmt(v: Any, spec: str) -> str:
        return "" if v is None or v == "" else format(v, spec)

    def name(key: str) -> str:
        if key == "*":
            return "All calls"
        if key.startswith("category:"):
            return labels.category(key.split(":", 1)[1])
        return labels.call_type(key)

    for kind in ("on_scene", "travel"):
        for key, d in service[kind].items():
            if keep is not None and key != "*" and not key.startswith("category:") and key not in keep:
                continue
            rows.append(
                [
                    labels.plain(kind),
                    name(key),
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
                labels.plain(kind),
                "Default (published)",
                dflt["family"],
                "",
                fmt(dflt["mean_min"], ".1f"),
                fmt(dflt["median_min"], ".1f"),
                "",
                "",
            ]
        )
    return html_table(
        ["Time", "Call type", "Distribution (best AIC)", "Calls", "Mean min", "Median min", "KS D", "A-D"],
        rows,
        caption="Fitted service times (alternative-team on-scene times are these times the on-scene "
        f"multiplier {service['on_scene_multiplier']:g})",
        max_rows=40,
    )


def assumptions_table(assumptions: Sequence[Sequence[Any]]) -> Markup:
    return html_table(
        ["Assumption", "Value", "Source"],
        [
            [
                a[0][:1].upper() + a[0][1:],
                f"{a[1]:g}" if isinstance(a[1], float) else str(a[1]),
                without_file_names(str(a[2])),
            ]
            for a in assumptions
        ],
        kinds={"Source": "source"},
    )


def _budget(b: Mapping[str, Any], headline: Headline) -> dict[str, Any]:
    cur = b.get("currency", "USD")
    comp = [[labels.plain(k).capitalize(), _money(v, cur)] for k, v in b["components_per_year"].items()]
    teams = [
        [
            labels.team_type(t),
            ", ".join(labels.plain(r) for r in v["roles"]),
            v["team_hours_per_week"],
            _money(v["cost_per_team_hour"], cur),
            f"{v['crew_fte']['p50']:.1f}",
        ]
        for t, v in b["by_team_type"].items()
    ]
    bench = [
        [x["name"], f"${x['value']:,.1f}", x["unit"], without_file_names(x["source"])]
        for x in b["benchmarks"]
    ]
    fte = b["fte"]["total"]
    figures = [
        (
            "Operating cost a year, median (p5–p95)",
            headline_text(headline, "operating_cost") or _money(b["annual_operating_cost"], cur),
        ),
        ("First-year start-up", _money(b["startup_cost_first_year"], cur)),
        ("Cost per call reached", _money(b.get("cost_per_call_reached"), cur)),
        (
            "Police cost avoided a year",
            headline_text(headline, "police_cost_avoided") or _money(b["police_cost_avoided_per_year"], cur),
        ),
        (
            "Staff FTE in total",
            headline_text(headline, "fte") or f"{fte['p50']:.1f} ({fte['p5']:.1f}–{fte['p95']:.1f})",
        ),
    ]
    return {
        "figures": figures,
        "components": html_table(
            ["Component", "Per year, median (p5–p95)"],
            comp,
            kinds={"Per year, median (p5–p95)": "interval"},
            caption="Operating cost a year by component",
        ),
        "teams": html_table(
            ["Team type", "Crew", "Team-hours a week", "Cost per team-hour", "Crew FTE"],
            teams,
            caption="Field teams",
        ),
        "benchmarks": html_table(
            ["Benchmark", "Value", "Unit", "Source"],
            bench,
            kinds={"Source": "source"},
            caption="Published figures to compare with",
        ),
    }


def shift_pivot(plans: Mapping[str, Mapping[str, Any]]) -> list[list[Any]]:
    """One row per (team type, start time, length) with the number of teams starting it each day."""
    table: dict[tuple[str, str, int], list[int]] = {}
    for name, p in sorted(plans.items()):
        for sh in p["shifts"]:
            key = (name, sh["start"], sh["length_h"])
            table.setdefault(key, [0] * 7)[DAYS.index(sh["day"])] += sh["teams"]
    return [
        [labels.team_type(n), start, length, *counts, sum(counts)]
        for (n, start, length), counts in sorted(table.items())
    ]


def _erlang_rows(plans: Mapping[str, Mapping[str, Any]]) -> list[list[Any]]:
    rows_out = []
    for name, p in sorted(plans.items()):
        rows = p["erlang_by_hour_of_week"]
        for h in range(24):
            sel = [r for r in rows if r["hour_of_week"] % 24 == h]
            rows_out.append(
                [
                    labels.team_type(name),
                    f"{h:02d}",
                    f"{sum(r['calls_per_hour'] for r in sel) / 7:.2f}",
                    f"{sum(r['load_erlangs'] for r in sel) / 7:.2f}",
                    f"{sum(r['teams'] for r in sel) / 7:.1f}",
                    f"{sum(r['erlang_c_p_wait'] for r in sel) / 7:.1%}",
                    f"{sum(r['erlang_a_fallback_share'] for r in sel) / 7:.2%}",
                ]
            )
    return rows_out


def render_staffing(result: Mapping[str, Any], headline: Headline) -> str:
    """The capacity, staffing and budget page for a staffing result."""
    sim = result["simulation"]
    tm = result["target"]["minutes"]
    plans = result["plans"]
    unstaffed = result.get("unstaffed_team_types", {})
    warnings = []
    if unstaffed:
        warnings.append(
            "Not staffed: "
            + "; ".join(
                f"{labels.team_type(k)} ({v['calls']} calls: {v['note']})" for k, v in unstaffed.items()
            )
        )
    infeasible = {
        n: p["hours_target_unreachable_by_travel"]
        for n, p in plans.items()
        if p["hours_target_unreachable_by_travel"]
    }
    if infeasible:
        warnings.append(
            "In some hours travel time alone keeps the target out of reach, whatever the number of teams ("
            + ", ".join(f"{labels.team_type(k)}: {v} hours a week" for k, v in infeasible.items())
            + "); there the requirement is the team count that reaches the target share of the calls travel "
            "allows to be reached in time."
        )
    figures = [
        ("Eligible calls in the data", f"{result['demand']['calls']:,}"),
        (
            "Eligible calls a year",
            headline_text(headline, "eligible_calls_per_year")
            or f"{result['demand']['calls_per_year']:,.0f}",
        ),
        ("Team-hours a week", f"{result['team_hours_per_week']:,.0f}"),
        (
            "Teams on duty at the busiest hour",
            headline_text(headline, "peak_teams") or str(result["peak_teams_on_duty"]),
        ),
        *_sim_figures(sim, tm, headline),
    ]
    rounds = html_table(
        ["Team type", "Round", "Team-hours a week", "Reached within target", "Hours short"],
        [
            [
                labels.team_type(n),
                r["round"],
                r["team_hours_per_week"],
                _interval(r["reached_within_target_share"], pct=True),
                r["hours_short"],
            ]
            for n, p in sorted(plans.items())
            for r in p["rounds"]
        ],
        kinds={"Reached within target": "interval"},
        caption="Sizing rounds: hours the simulation found short got one more team, then the shifts were "
        "solved again",
    )
    ctx = shell_context(
        "Capacity, staffing and budget",
        meta=_meta(result["meta"]),
        toc=STAFFING_SECTIONS,
        headline=headline_groups(headline),
        footer="Model outputs: the methods are described in the project documentation on "
        "simulation and costs.",
    )
    return render(
        "staffing.html.j2",
        titles=dict(STAFFING_SECTIONS),
        figures=figures,
        warnings=warnings,
        target_reach=f"{result['target']['reach'] * 100:.0f}%",
        target_minutes=f"{tm:g}",
        week_chart=staffing_week_chart(plans),
        shifts=html_table(
            ["Team type", "Start", "Hours", *DAYS, "Team-shifts a week"],
            shift_pivot(plans),
            caption="Cheapest shift set meeting the requirement: teams starting each shift, by day",
            max_rows=150,
        ),
        sim_chart=simulation_chart(sim, tm),
        response=response_table(sim),
        rounds=rounds,
        erlang=html_table(
            [
                "Team type",
                "Hour",
                "Calls an hour",
                "Load (Erlangs)",
                "Teams",
                "Chance a call waits (Erlang C)",
                "Handed back (Erlang A)",
            ],
            _erlang_rows(plans),
            caption="Averages over the seven days; Erlang A treats the maximum wait as the caller's patience",
            max_rows=120,
        ),
        budget=_budget(result["budget"], headline),
        service=service_table(result["service_times"], result.get("eligible_common_types")),
        assumptions=assumptions_table(result["assumptions"]),
        glossary=entries(*GLOSSARY_TERMS),
        **ctx,
    )


def render_simulation(result: Mapping[str, Any], headline: Headline | None = None) -> str:
    """The fleet-simulation page for one scenario; with the run's headline, its panel opens the page."""
    sim = result["simulation"]
    tm = result["target"]["minutes"]
    fleet_rows = [
        [labels.team_type(r["team_type"]), r["day"], r["start"], r["hours"], r["teams"]]
        for r in result["fleet"]
    ]
    figures = [
        ("Eligible calls in the data", f"{result['demand']['calls']:,}"),
        *_sim_figures(sim, tm, headline or Headline()),
    ]
    ctx = shell_context(
        f"Fleet simulation: {labels.plain(result['scenario'])}",
        meta=_meta(result["meta"]),
        toc=SIMULATION_SECTIONS,
        headline=None if headline is None else headline_groups(headline),
    )
    return render(
        "simulation.html.j2",
        titles=dict(SIMULATION_SECTIONS),
        figures=figures,
        scenario=labels.plain(result["scenario"]),
        description=result["scenario_description"],
        sim_chart=simulation_chart(sim, tm),
        response=response_table(sim),
        fleet=html_table(["Team type", "Day", "Start", "Hours", "Teams"], fleet_rows, max_rows=120),
        service=service_table(result["service_times"], result.get("eligible_common_types")),
        assumptions=assumptions_table(result["assumptions"]),
        glossary=entries(*GLOSSARY_TERMS),
        **ctx,
    )


__all__ = ["render_simulation", "render_staffing"]
