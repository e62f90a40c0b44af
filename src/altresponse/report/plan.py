"""The implementation plan page (self-contained, prints to PDF) and the plan as data.

Every number on the page is rendered through the provenance registry (`Provenance.put`), as a
label (`label`: ordinals, years of citations, names) or inside text quoted from a cited source
(`cited`); a test parses the HTML and holds the page to that rule. The headline panel registers
each headline figure too, written by `report.format.estimate`. Sections are built here because
every figure has to pass through the registry; tables, figures, callouts and the page shell are
the shared templates.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import numpy as np
from markupsafe import Markup
from matplotlib.figure import Figure

from altresponse.facts import SAFETY_OUTCOMES_DEFAULT, serious_outcome_words
from altresponse.plan.gaps import DAY_NAMES, HOURS_OF_WEEK
from altresponse.plan.selection import CRITERIA, CRITERION_LABELS
from altresponse.report import format as report_format
from altresponse.report import labels
from altresponse.report.charts import PALETTE, _style, figure_to_svg, forest, heatmap_hour_of_week
from altresponse.report.env import render
from altresponse.report.glossary import GLOSSARY
from altresponse.report.headline import headline_groups
from altresponse.report.page import Section, anchored, shell_context
from altresponse.report.provenance import Provenance, cited, fmt_count, fmt_num, fmt_pct, fmt_usd, label
from altresponse.report.tables import markup_table
from altresponse.report.words import without_file_names
from altresponse.results import Estimate, Headline

if TYPE_CHECKING:
    from altresponse.plan.context import PlanContext

SMALL_CELL = 10
AREA_WORDS = {
    "csa": "Community Statistical Areas", "neighborhood": "neighborhoods", "district": "police districts",
}
GLOSSARY_TERMS = ("Plausible range (interval)", "Shrinkage", "Empirical Bayes", "Beta-binomial prior",
                  "Dirichlet weight draws", "Erlang C", "Integer program (shift scheduler)", "Monte Carlo",
                  "Median, 5th and 95th percentile (p5–p95)", "FTE (full-time equivalent)", "Capture",
                  "Small-cell suppression")


def _e(text: object) -> str:
    return html.escape(str(text))


def _name(text: str) -> str:
    """A proper name that may hold digits (a service, an area): shown as a label, not a figure."""
    if any(ch.isdigit() for ch in text):
        return label(text, "name")
    return _e(text)


def _type(type_id: str) -> str:
    """A call type by its catalogue label; the id stays as an attribute for machines."""
    return f'<span class="type" data-type="{_e(type_id)}">{_name(labels.call_type(type_id))}</span>'


def _ident(ident: str) -> str:
    """An identifier (a screening question id) in words."""
    return _name(labels.plain(ident))


def _pw(pathway: str) -> str:
    return _name(labels.pathway(pathway))


def _team(team_type: str) -> str:
    return _name(labels.team_type(team_type))


def _table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, num: Sequence[int] = (), caption: str = ""
) -> str:
    """The shared table component over ready-made HTML cells (numbers already through the registry)."""
    return str(markup_table(headers, [[Markup(c) for c in r] for r in rows], num=num, caption=caption))


def _p(text: str) -> str:
    return f"<p>{text}</p>"


def _ul(items: Sequence[str]) -> str:
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def _phase_label(i: int) -> str:
    return "Phase " + label(str(i), "ordinal")


def _suppress_or(prov: Provenance, key: str, value: float, source: str) -> str:
    if 0 < value < SMALL_CELL:
        return label("fewer than ten", "suppressed")
    return prov.put(key, value, source, unit="calls per year", fmt=fmt_count)


class _Doc:
    """Builds the sections; holds the registry so every section can register its figures."""

    def __init__(self, ctx: PlanContext, compare: dict[str, Any] | None, headline: Headline) -> None:
        self.ctx = ctx
        self.compare = compare
        self.headline = headline
        self.p = Provenance()
        p = self.p
        classes = ctx.profile.section("analysis").get("serious_dispositions") or SAFETY_OUTCOMES_DEFAULT
        self.serious = serious_outcome_words(tuple(classes))
        p.source("model:local", "model", "City's classified calls, scaled to a year")
        p.source("model:risk", "model", "Empirical-Bayes beta-binomial risk per type (90% interval)")
        p.source(
            "model:ranking", "model", "Multi-criteria ranking with Dirichlet weight and risk-interval draws"
        )
        p.source("model:gaps", "model", "Provider coverage of demand by area and hour of week (directory)")
        p.source("model:phases", "model", "Phase scope: areas, hours and demand in scope")
        p.source("model:staffing", "model", "Erlang C requirement per hour, HiGHS shift scheduler")
        p.source("model:costs", "model", "Monte Carlo cost model (p5, p50, p95) over cost ranges")
        p.source("model:timeline", "model", "Timeline: forward pass over task dependencies")
        p.source("model:staffing_json", "model",
                 "Capacity model: the staffing study of the whole eligible demand")
        p.source(
            "model:local_officer_time", "model", "Officer unit-busy hours per call of the recommended types"
        )
        p.source(
            "model:risk_transferred",
            "model",
            "Serious-outcome risk per type transferred from reference agencies (landscape analysis; "
            "90% interval)",
        )
        p.source(
            "model:officer_time_transferred",
            "model",
            "Officer hours per type transferred from reference agencies (landscape analysis)",
        )
        p.source(
            "model:transferred_officer_time",
            "model",
            "Reference agencies' unit hours per call of the recommended types, weighted by this city's calls",
        )
        p.source("profile:plan", "input", f"City profile '{ctx.profile.city}', section plan")
        p.source(
            "profile:costs",
            "input",
            f"City profile '{ctx.profile.city}', section costs (defaults with sources)",
        )
        p.source(
            "assumption:travel",
            "assumption",
            "Travel time to scene: planning assumption between peer response times (Durham, San Francisco)",
        )
        p.source("assumption:lead_times", "assumption", ctx.cfg.lead_times.source)
        for prog in ctx.peers.programs:
            p.source(f"peerprog:{prog.id}", "cited", f"{prog.name} ({prog.city})", prog.source)
            for k, ev in enumerate(prog.evaluations):
                p.source(f"peereval:{prog.id}.{k}", "cited", f"{prog.name}: {ev.design}", ev.source, ev.year,
                         ev.unverified)
            for f in prog.figures:
                key = f"peer:{prog.id}.{f.key}"
                if key not in p.sources or (p.sources[key].year or 0) < f.year:
                    p.sources.pop(key, None)
                    p.source(
                        key, "cited", f"{prog.name} ({prog.city}): {f.label}", f.source, f.year, f.unverified
                    )

    # -- figure rendering -------------------------------------------------------------------------
    @property
    def risk_src(self) -> str:
        return "model:risk_transferred" if self.ctx.risk_source == "transferred" else "model:risk"

    @property
    def hours_src(self) -> str:
        transferred = self.ctx.officer_time_source == "transferred"
        return "model:officer_time_transferred" if transferred else "model:local"

    def transfer_statements(self) -> list[str]:
        """The analysis's own words on what was transferred, each a registered figure (no bare numbers)."""
        tr, p = self.ctx.transfer, self.p
        out: list[str] = []
        if tr is None:
            return out
        if self.ctx.risk_source == "transferred" and tr.risk_statement:
            out.append(p.put("transfer.risk_statement", tr.risk_statement, "model:risk_transferred"))
        if self.ctx.officer_time_source == "transferred" and tr.officer_time_statement:
            out.append(
                p.put("transfer.officer_time_statement", tr.officer_time_statement,
                      "model:officer_time_transferred")
            )
        return out

    def pilot_without_calls(self) -> list[str]:
        """Pilot types the calls do not contain (the pilot selects calls by medical-dispatch codes)."""
        loc = self.ctx.local
        if loc is None:
            return []
        return [t for t in self.ctx.pilot if t not in loc.types or not loc.types[t].calls]

    def peer(self, program: str, key: str) -> str:
        prog = self.ctx.peers.by_id(program)
        f = prog.latest(key)
        assert f is not None, (program, key)
        fmt = _fmt_for(f.unit)
        return self.p.put(f"peer:{program}.{key}", f.value, f"peer:{program}.{key}", unit=f.unit, fmt=fmt)

    def interval(self, key: str, lo: float, hi: float, source: str, fmt: Any) -> str:
        return (
            self.p.put(f"{key}.lo", lo, source, fmt=fmt)
            + "–"
            + self.p.put(f"{key}.hi", hi, source, fmt=fmt)
        )

    # -- sections -------------------------------------------------------------------------------
    def summary(self) -> str:
        ctx, p = self.ctx, self.p
        rec = ctx.recommended
        full_scale: dict[str, Markup | None] | None = None
        if ctx.phases:
            last = ctx.phases[-1]
            k = last.index
            full_scale = {
                "phase": Markup(_phase_label(k)),
                "hours": Markup(self.phase_hours(last)),
                "calls": Markup(self.headline_span("plan_eligible_calls_per_year") or p.put(
                    f"phase{k}.calls", last.calls_per_year, "model:phases", fmt=fmt_count)),
                "cost": None,
                "median": None,
                "teams": None,
            }
            st = last.staffing
            if st and st.budget:
                b = st.budget["annual_operating_cost"]
                cost = self.headline_span("plan_operating_cost")
                if cost is None:
                    full_scale["cost"] = Markup(
                        self.interval(f"phase{k}.budget", b["p5"], b["p95"], "model:costs", fmt_usd))
                    full_scale["median"] = Markup(
                        p.put(f"phase{k}.budget.p50", b["p50"], "model:costs", fmt=fmt_usd))
                else:
                    full_scale["cost"] = Markup(cost)
                full_scale["teams"] = Markup(self.headline_span("plan_peak_teams") or p.put(
                    f"phase{k}.peak_teams", sum(t.peak_teams for t in st.teams), "model:staffing"))
        limits = [Markup(_e_digits(without_file_names(n))) for n in ctx.notes]
        statements = self.transfer_statements()
        if statements:
            kind = ctx.transfer.kind if ctx.transfer else ""
            limits.append(Markup(
                "What the landscape analysis says about the transfer (provenance "
                + f"{_e_digits(labels.plain(kind))}): " + " ".join(f"“{st}”" for st in statements)
            ))
        return _partial(
            "_summary.html.j2",
            n_recommended=Markup(p.put("n_recommended", len(rec), "model:ranking", unit="call types")),
            pilot=[Markup(_type(t)) for t in ctx.pilot],
            recommended=[Markup(_type(t)) for t in rec],
            full_scale=full_scale,
            first_phase=Markup(_phase_label(1)),
            synthetic=bool(ctx.local and ctx.local.synthetic),
            limits=limits,
        )

    def headline_span(self, key: str) -> str | None:
        """A headline figure the panel registered, repeated in the text exactly as the panel writes it."""
        if f"headline.{key}" not in self.p.figures:
            return None
        return self.p.span(f"headline.{key}")

    def phase_hours(self, ph: Any) -> str:
        return self.p.put(f"phase{ph.index}.hours", ph.hours_label, "model:phases")

    def landscape(self) -> str:
        ctx, p = self.ctx, self.p
        parts = []
        if ctx.local:
            loc = ctx.local
            parts.append(
                _p(
                    f"The plan rests on {p.put('rows', loc.rows, 'model:local', unit='calls')} classified "
                    "calls "
                    f"from {p.put('first_day', loc.first_day, 'model:local')} to "
                    f"{p.put('last_day', loc.last_day, 'model:local')}"
                    f"{' (synthetic)' if loc.synthetic else ''}; counts below are scaled to a year. Areas "
                    "are "
                    f"{_e(AREA_WORDS.get(loc.area_level or '', 'not recorded in the calls'))}."
                    + (
                        " The most underserved areas are the "
                        f"{_e_digits(_plain_formula(without_file_names(loc.underserved_rule)))}."
                        if loc.underserved_rule
                        else ""
                    )
                )
            )
            rows = []
            top = sorted(ctx.candidates, key=lambda c: -(c.annual_calls or 0))
            absent = self.pilot_without_calls()
            transferred = ctx.risk_source == "transferred" or ctx.officer_time_source == "transferred"
            mark = "<sup>†</sup>" if transferred else ""
            for c in top:
                st = loc.types.get(c.type_id)
                r = ctx.risk.get(c.type_id)
                no_calls = c.type_id in absent
                rows.append(
                    [
                        _type(c.type_id) + (" (pilot)<sup>*</sup>" if no_calls else ""),
                        _pw(c.pathway),
                        "none in these calls<sup>*</sup>" if no_calls else
                        _suppress_or(p, f"type.{c.type_id}.calls", c.annual_calls or 0, "model:local"),
                        p.put(
                            f"type.{c.type_id}.officer_hours", c.officer_hours, self.hours_src, fmt=fmt_count
                        )
                        + (mark if ctx.officer_time_source == "transferred" else "")
                        if c.officer_hours is not None
                        else ("no calls" if no_calls else "no reference data"
                              if ctx.officer_time_source == "transferred" else "not recorded"),
                        (
                            p.put(
                                f"type.{c.type_id}.risk",
                                r["shrunk"],
                                self.risk_src,
                                fmt=lambda v: fmt_pct(v, 1),
                            )
                            + " ("
                            + self.interval(
                                f"type.{c.type_id}.risk",
                                r["lo"],
                                r["hi"],
                                self.risk_src,
                                lambda v: fmt_pct(v, 1),
                            )
                            + ")"
                            + (mark if ctx.risk_source == "transferred" else "")
                        )
                        if r
                        else ("no calls" if no_calls else
                              "no reference data" if ctx.risk_source == "transferred" else "no outcomes"),
                        p.put(f"type.{c.type_id}.equity", c.equity_share, "model:local", fmt=fmt_pct)
                        if c.equity_share is not None
                        else "n/a",
                        _e(ctx.rule_of.get(c.type_id, ""))
                        if not any(ch.isdigit() for ch in ctx.rule_of.get(c.type_id, ""))
                        else label(ctx.rule_of[c.type_id], "rule"),
                    ]
                )
                del st
            parts.append(
                _table(
                    [
                        "Type",
                        "Protocol pathway",
                        "Calls per year",
                        "Officer hours per year",
                        "Serious-outcome risk (interval)",
                        "From underserved areas",
                        "Protocol rule",
                    ],
                    rows,
                    num=(2, 3, 5),
                    caption="Call types the protocol could send to a non-police responder; risk: "
                    + self.serious,
                )
            )
            if ctx.risk_source == "local":
                parts.append(_p(
                    "Serious-outcome risk is the share of calls of the type that ended in a serious "
                    f"outcome ({_e(self.serious)}), shrunk toward the city-wide rate for rare types. "
                    "It is an upper bound on the "
                    "share a "
                    "civilian team would have to hand back to police, because screening removes the riskiest "
                    "calls first."
                ))
            if transferred:
                parts.append(self.transfer_footnote())
            if absent:
                parts.append(self.pilot_footnote(absent))
        else:
            parts.append(_p("No classified calls were given; the landscape is not measured."))
        parts.append(self.scenarios())
        parts.append(self.pilot_section())
        return "".join(parts)

    def pilot_section(self) -> str:
        """The city's running pilot, from the peer programme its profile names (`plan.pilot_peer`)."""
        ctx = self.ctx
        if not ctx.cfg.pilot_peer:
            return _partial("_pilot.html.j2", program=None)
        pid = ctx.cfg.pilot_peer
        pilot = ctx.peers.by_id(pid)

        def fig(key: str) -> Markup | None:
            return Markup(self.peer(pid, key)) if pilot.latest(key) is not None else None

        return _partial(
            "_pilot.html.j2",
            program=Markup(_name(pilot.name)),
            city=Markup(_name(pilot.city)),
            model=Markup(cited(pilot.model, pilot.source)),
            calls=fig("calls_per_year"),
            bh_calls=fig("bh_calls_per_year"),
            grant=fig("expansion_grant_usd"),
            wait=fig("mobile_crisis_wait_h"),
        )

    def transfer_footnote(self) -> str:
        """Table footnote: which columns are other agencies' records, and from which agencies."""
        ctx, p = self.ctx, self.p
        tr = ctx.transfer
        cols = []
        if ctx.risk_source == "transferred":
            cols.append("serious-outcome risk")
        if ctx.officer_time_source == "transferred":
            cols.append("officer hours")
        text = (
            "<sup>†</sup> <strong>Transferred from reference agencies, not measured in this city:</strong> "
            f"{' and '.join(cols)}. These calls carry no "
            + ("dispositions" if ctx.risk_source == "transferred" else "unit times")
            + (" and no unit times" if ctx.risk_source == "transferred" and ctx.officer_time_source
               == "transferred" else "")
            + ", so the landscape analysis borrowed each type's figures from agencies that record them. "
        )
        if ctx.risk_source == "transferred":
            text += (
                "Risk is the share of that type's calls that ended in a serious outcome "
                f"({_e(self.serious)}) in the reference agencies' records, pooled and shrunk toward "
                "the prior fitted "
                "across types; "
                "the interval and the number of reference calls behind it are the analysis's. The risk "
                "tolerance is applied to these intervals. "
            )
        out = _p(text)
        sources = (tr.provenance.get("sources") if tr else None) or []
        rows = []
        for i, s in enumerate(sources):
            if not isinstance(s, dict):
                continue
            k = f"transfer.source.{i}"
            rows.append([
                p.put(f"{k}.label", str(s.get("label") or s.get("source") or ""), "model:risk_transferred"),
                p.put(f"{k}.period", str(s.get("period") or ""), "model:risk_transferred"),
                _e_digits(str(s.get("agency_scope") or "")),
                p.put(f"{k}.known", s["known_outcome"], "model:risk_transferred")
                if isinstance(s.get("known_outcome"), int | float) else "",
                p.put(f"{k}.serious", s["serious"], "model:risk_transferred")
                if isinstance(s.get("serious"), int | float) else "",
                p.put(f"{k}.timed", s["timed_calls"], "model:risk_transferred")
                if isinstance(s.get("timed_calls"), int | float) else "",
            ])
        if rows and ctx.risk_source == "transferred":
            risk_n = {t: int(r["n"]) for t, r in ctx.risk.items() if r.get("n") is not None}
            nrows = [
                [_type(t), p.put(f"type.{t}.risk_n", n, "model:risk_transferred")]
                for t, n in sorted(risk_n.items(), key=lambda kv: -kv[1])
                if any(c.type_id == t for c in ctx.candidates)
            ]
            out += _table(
                ["Reference agency", "Period", "Agency scope", "Calls of known outcome", "Serious outcomes",
                 "Calls with unit times"],
                rows, num=(3, 4, 5), caption="Reference agencies the risk and officer time come from",
            )
            if nrows:
                out += _table(["Type", "Reference calls of known outcome"], nrows, num=(1,),
                              caption="Calls behind each transferred risk")
        return out

    def pilot_footnote(self, absent: Sequence[str]) -> str:
        """Why a pilot type shows no calls: the pilot selects by medical-dispatch codes, not police types."""
        if not self.ctx.cfg.pilot_peer:
            return _p("<sup>*</sup> " + ", ".join(_type(t) for t in absent)
                      + " is a pilot type of the profile and has no calls in these data.")
        pilot = self.ctx.peers.by_id(self.ctx.cfg.pilot_peer)
        return _p(
            "<sup>*</sup> "
            + ", ".join(_type(t) for t in absent)
            + " is the running pilot's type and has no calls in these data. This is expected, not an error: "
            "the pilot selects calls by medical-dispatch (MPDS) codes ("
            + cited(pilot.screening_text, pilot.source)
            + "), which are taken on the EMS side of the 911 centre, and the calls analysed here carry no "
            "such code. The pilot's own volume is the reported figure under “The running pilot” below; it "
            "stays in every phase and is not ranked."
        )

    def scenarios(self) -> str:
        """Eligible-share scenarios from the landscape analysis, when given."""
        summ = self.ctx.analysis_summary or {}
        scen = summ.get("scenarios")
        if not isinstance(scen, list) or not scen:
            return ""
        p = self.p
        p.source("model:analysis_summary", "model",
                 "Landscape analysis scenarios")
        rows = []
        for i, sc in enumerate(scen):
            if not isinstance(sc, dict):
                continue
            key = f"scenario.{i}"
            if sc.get("kind") == "risk_tolerance" and isinstance(sc.get("threshold"), int | float):
                name = "Risk below " + p.put(f"{key}.threshold", sc["threshold"], "model:analysis_summary",
                                             fmt=fmt_pct)
            else:
                name = _e_digits(str(sc.get("label", sc.get("id", ""))))
            share = sc.get("share")
            if isinstance(share, int | float):
                cell = p.put(f"{key}.share", share, "model:analysis_summary", fmt=lambda v: fmt_pct(v, 1))
                if isinstance(sc.get("lo"), int | float) and isinstance(sc.get("hi"), int | float):
                    cell += " (" + self.interval(f"{key}.share", sc["lo"], sc["hi"], "model:analysis_summary",
                                                 lambda v: fmt_pct(v, 1)) + ")"
            else:
                cell = _e_digits(str(sc.get("note", "not estimated")))
            calls = sc.get("eligible_calls")
            err = sc.get("accepted_error")
            rows.append([
                name, cell,
                p.put(f"{key}.calls", calls, "model:analysis_summary")
                if isinstance(calls, int | float) else "",
                p.put(f"{key}.error", err, "model:analysis_summary", fmt=lambda v: fmt_pct(v, 1))
                if isinstance(err, int | float) else "",
            ])
        return "<h3>Eligible-share scenarios (landscape analysis)</h3>" + _table(
            ["Scenario", "Share of calls eligible (interval)", "Eligible calls in the data",
             "Accepted error (needed police)"], rows, num=(2, 3),
            caption="From the analysis; the plan ranks call types within the protocol scenario")

    def peers_section(self) -> str:
        ctx = self.ctx
        rows = []
        for prog in ctx.peers.programs:
            rows.append(
                [
                    f"<strong>{_e(prog.name)}</strong><br>{_e(prog.city)}, since "
                    f"{label(str(prog.start_year), 'year')}",
                    cited(prog.team_text, prog.source),
                    cited(prog.hours_text, prog.source),
                    ", ".join(_type(t) for t in prog.call_types),
                    ", ".join(_ident(q) for q in prog.screen_out),
                ]
            )
        out = _p(
            "Twelve programs were reviewed; their rules, teams, volumes, costs and evaluations are kept as "
            "data "
            "with a source and year for every figure.".replace("Twelve", _count_word(len(ctx.peers.programs)))
        )
        out += _table(
            ["Program", "Team", "Hours", "Call types taken", "Screened out when"],
            rows,
            caption="Peer programs and the call types they take",
        )
        frows = []
        for prog in ctx.peers.programs:
            for f in sorted(prog.figures, key=lambda f: (f.key, f.year)):
                key = f"peerfig:{prog.id}.{f.key}.{f.year}"
                self.p.source(key, "cited", f"{prog.name}: {f.label}", f.source, f.year, f.unverified)
                flags = []
                if f.derived:
                    flags.append("derived")
                if f.unverified:
                    flags.append("<strong>UNVERIFIED</strong>")
                frows.append(
                    [
                        _e(prog.name),
                        cited(f.label, f.source),
                        self.p.put(key, f.value, key, unit=f.unit, fmt=_fmt_for(f.unit)),
                        _e(_unit_word(f.unit)),
                        label(str(f.year), "year"),
                        f'<a href="{_e(f.source)}">source</a>',
                        " ".join(flags),
                        cited(f.note, f.source) if f.note else "",
                    ]
                )
        out += "<h3>Figures reported by peers</h3>" + _table(
            ["Program", "Figure", "Value", "Unit", "Year", "Source", "Flags", "Note"],
            frows,
            num=(2,),
            caption="Derived = our arithmetic on cited figures; UNVERIFIED = secondary or conflicting "
            "sources",
        )
        lessons = [
            f"<strong>{_e(prog.name)}</strong>: {cited(prog.lessons, prog.source)}"
            for prog in ctx.peers.programs
            if prog.lessons
        ]
        evals = []
        for prog in ctx.peers.programs:
            for ev in prog.evaluations:
                evals.append(
                    f"<strong>{_e(prog.name)}</strong> ({label(str(ev.year), 'year')}, "
                    f"{cited(ev.design, ev.source)}): {cited(ev.finding, ev.source)} "
                    f'<a href="{_e(ev.source)}">source</a>'
                    + (" <strong>UNVERIFIED</strong>" if ev.unverified else "")
                )
        out += "<h3>Evaluations</h3>" + _ul(evals) + "<h3>Lessons that shape this plan</h3>" + _ul(lessons)
        return out

    def recommendations(self) -> str:
        ctx, p = self.ctx, self.p
        rk = ctx.ranking
        wrows = [
            [_e(CRITERION_LABELS[c]), p.put(f"weight.{c}", rk.weights[c], "profile:plan", fmt=fmt_pct)]
            for c in CRITERIA
        ]
        intro = {
            "draws": Markup(p.put("draws", rk.draws, "profile:plan", unit="draws")),
            "concentration": Markup(p.put("concentration", rk.concentration, "profile:plan", fmt=fmt_num(0))),
            "top_k": Markup(p.put("top_k", rk.top_k, "profile:plan")),
            "max_risk": Markup(p.put("max_risk", ctx.cfg.max_risk, "profile:plan", fmt=fmt_pct)),
            "transferred": ctx.risk_source == "transferred",
            "missing": [CRITERION_LABELS[c] for c in rk.missing_criteria],
            "serious": self.serious,
        }
        out = _table(["Criterion", "Weight"], wrows, num=(1,), caption="Weights")
        rows, crows = [], []
        for r in rk.rows:
            rows.append([
                p.put(f"rank.{r.type_id}", r.rank, "model:ranking"),
                _type(r.type_id),
                p.put(f"score.{r.type_id}", r.score, "model:ranking", fmt=fmt_num(2)),
                p.put(f"topk.{r.type_id}", r.top_k_share, "model:ranking", fmt=fmt_pct),
                p.put(f"rankint.{r.type_id}.lo", r.rank_p5, "model:ranking")
                + "–"
                + p.put(f"rankint.{r.type_id}.hi", r.rank_p95, "model:ranking"),
                "<strong>recommended</strong>" if r.recommended else _e_digits(r.reason),
            ])
            crows.append([
                _type(r.type_id),
                *[p.put(f"crit.{r.type_id}.{c}", r.criterion_scores[c], "model:ranking", fmt=fmt_num(2))
                  for c in CRITERIA],
            ])
        out += _table(["Rank", "Type", "Score", "Chosen in draws", "Rank range", "Decision"], rows,
                      num=(0, 2, 3, 4),
                      caption="Ranking and its sensitivity")
        out += _table(["Type", "Volume", "Officer time", "Low risk", "Precedent", "Readiness", "Equity"],
                      crows, num=(1, 2, 3, 4, 5, 6),
                      caption="Criterion scores, from worst (zero) to best (one) among the candidates")
        out += str(forest(
            [labels.call_type(r.type_id) for r in rk.rows],
            [r.rank_median for r in rk.rows],
            [r.rank_p5 for r in rk.rows],
            [r.rank_p95 for r in rk.rows],
            xlabel="rank (1 = best)",
            reference=rk.top_k + 0.5,
            caption="Rank under perturbed weights and risk: median and fifth to ninety-fifth percentile; "
            "dashed line = "
            "top-k cut-off",
        ))
        return _partial("_recommendations.html.j2", tables=Markup(out), **intro)

    def per_type(self) -> str:
        ctx, p = self.ctx, self.p
        out = []
        for t in [*ctx.pilot, *ctx.recommended]:
            progs = ctx.peers.programs_taking(t)
            head = (
                f"<h3>{_type(t)}: {_pw(ctx.pathway_of.get(t, 'police'))}"
                f"{' (pilot)' if t in ctx.pilot else ''}</h3>"
            )
            body = [
                _p(
                    f"Peers taking it: {', '.join(_e(pr.name) for pr in progs) or 'none found'}. Protocol "
                    "rule "
                    f"{label(ctx.rule_of.get(t, ''), 'rule')} ({label(ctx.protocol_version, 'version')})."
                )
            ]
            ex = [e for e in ctx.exclusions.get(t, []) if not e.safety]
            if any(e.safety for e in ctx.exclusions.get(t, [])):
                body.append(
                    _p(
                        "All safety screens above apply"
                        + (", then:" if ex else "; no type-specific screens.")
                    )
                )
            if ex:
                rows = [
                    [
                        label(e.screen_id, "rule"),
                        cited(e.ask, "protocol:" + ctx.protocol_version),
                        _e(e.answer),
                        _pw(e.pathway),
                        cited(e.reason, "protocol:" + ctx.protocol_version),
                    ]
                    for e in ex
                ]
                body.append(
                    _table(
                        ["Screen", "Call-taker asks", "Answer", "Goes to", "Reason"],
                        rows,
                        caption="Type-specific screening exclusions (from the protocol)",
                    )
                )
            gap = ctx.gaps.get(t)
            if gap:
                body.append(
                    _p(
                        "Providers that take it: "
                        f"{', '.join(_name(s) for s in gap.services) or '<strong>none</strong>'}. "
                        "They cover "
                        f"{p.put(f'gap.{t}.covered', gap.covered_share, 'model:gaps', fmt=fmt_pct)} of its "
                        "demand by area and hour"
                        + (
                            "; no call falls where or when no provider can take it."
                            if gap.gap <= 0
                            else "; "
                            + _suppress_or(p, f"gap.{t}.gap", gap.gap, "model:gaps")
                            + " calls a year fall "
                            "where or when no provider can take them, across "
                            + p.put(f"gap.{t}.hours", gap.uncovered_hours, "model:gaps")
                            + " uncovered hours of "
                            "the week."
                        )
                    )
                )
                if gap.gap_by_area:
                    rows = [
                        [_name(a), _suppress_or(p, f"gap.{t}.area.{a}", v, "model:gaps")]
                        for a, v in gap.gap_by_area[:8]
                    ]
                    body.append(
                        _table(
                            ["Area", "Calls a year with no provider"],
                            rows,
                            num=(1,),
                            caption="Largest gaps by area",
                        )
                    )
            elif ctx.services:
                body.append(_p("No demand for this type in the data, so gaps are not measured."))
            out.append(head + "".join(body))
        safety: dict[tuple[str, str], Any] = {}
        for exs in ctx.exclusions.values():
            for e in exs:
                if e.safety:
                    safety.setdefault((e.screen_id, e.answer), e)
        if safety:
            ver = "protocol:" + ctx.protocol_version
            rows = [
                [
                    label(e.screen_id, "rule"),
                    cited(e.ask, ver),
                    _e(e.answer),
                    _pw(e.pathway),
                    cited(e.reason, ver),
                ]
                for e in safety.values()
            ]
            out.insert(
                0,
                "<h3>Safety screens asked for every eligible type</h3>"
                + _table(
                    ["Screen", "Call-taker asks", "Answer", "Goes to", "Reason"],
                    rows,
                    caption="In the order asked; an unknown answer always goes to the safer pathway",
                ),
            )
        ce = ctx.coordinated_entry
        out.insert(0, _p(
            f"<strong>Homelessness coordinated entry point:</strong> {_name(ce.name)} "
            f"({_name(ce.organization)}); "
            "outreach teams refer people there for housing." if ce else
            "<strong>Homelessness coordinated entry point: missing from the directory.</strong> Outreach "
            "teams need "
            "a named coordinated entry point to refer people to housing; add it before any homeless-outreach "
            "pathway goes live."))
        if not ctx.services:
            out.insert(0, _p(f"<strong>Provider gaps not measured:</strong> {_e_digits(ctx.directory_note)}"))
        else:
            total_gap = sum(
                (g.gap_by_hour for g in ctx.gaps.values() if g.type_id in ctx.recommended),
                np.zeros(HOURS_OF_WEEK),
            )
            if total_gap.sum() > 0:
                out.append(str(
                    heatmap_hour_of_week(
                        total_gap.reshape(7, 24),
                        colorbar_label="calls a year",
                        caption="Recommended types: calls a year that no provider covers, "
                        "by hour of week (local time)",
                        cmap="Oranges",
                    )
                ))
        return "".join(out)

    def phases_section(self) -> str:
        ctx, p = self.ctx, self.p
        if not ctx.phases:
            return _p("Phases need call data by area and hour; run the analysis and pass --analysis.")
        a = ctx.assumptions
        out = [_partial(
            "_phases_intro.html.j2",
            reach=Markup(p.put("target_reach", a.target_reach, "profile:plan", fmt=fmt_pct)),
            minutes=Markup(p.put("target_minutes", a.target_minutes, "profile:plan", fmt=fmt_num(0))),
        )]
        rows = []
        for ph in ctx.phases:
            st = ph.staffing
            b = st.budget if st and st.budget else None
            areas = (
                "citywide"
                if ph.areas is None
                else f"{p.put(f'phase{ph.index}.n_areas', len(ph.areas), 'model:phases')} focus areas "
                "(listed below)"
            )
            rows.append(
                [
                    _phase_label(ph.index) + "<br>" + _e(ph.name),
                    ", ".join(_type(t) for t in ph.types),
                    areas,
                    self.phase_hours(ph),
                    p.put(f"phase{ph.index}.calls", ph.calls_per_year, "model:phases", fmt=fmt_count),
                    p.put(f"phase{ph.index}.share", ph.share_of_eligible, "model:phases", fmt=fmt_pct),
                    p.put(
                        f"phase{ph.index}.peak_teams", sum(t.peak_teams for t in st.teams), "model:staffing"
                    )
                    if st
                    else "",
                    p.put(
                        f"phase{ph.index}.team_hours",
                        sum(t.team_hours_per_week for t in st.teams),
                        "model:staffing",
                        fmt=fmt_count,
                    )
                    if st
                    else "",
                    (
                        self.interval(
                            f"phase{ph.index}.budget",
                            b["annual_operating_cost"]["p5"],
                            b["annual_operating_cost"]["p95"],
                            "model:costs",
                            fmt_usd,
                        )
                    )
                    if b
                    else "",
                    p.put(
                        f"phase{ph.index}.startup",
                        b["startup_cost_first_year"]["p50"],
                        "model:costs",
                        fmt=fmt_usd,
                    )
                    if b
                    else "",
                    p.put(f"phase{ph.index}.min_months", ph.min_months, "profile:plan", fmt=fmt_num(0)),
                ]
            )
        scope = [r[:6] for r in rows]
        resources = [[r[0].split("<br>")[0], *r[6:]] for r in rows]
        scope_head = ["Phase", "Call types", "Areas", "Hours", "Eligible calls a year", "Share of eligible"]
        out.append(_table(scope_head,
                          scope, num=(4, 5), caption="Phases: scope"))
        out.append(_table(["Phase", "Teams at peak", "Team-hours a week", "Operating cost a year (range)",
                           "Start-up (median)", "Minimum months"], resources, num=(1, 2, 3, 4, 5),
                          caption="Phases: resources (cost ranges are the fifth to ninety-fifth "
                                  "percentiles of the cost model)"))
        for ph in ctx.phases:
            gates = []
            for kind, gs in (
                ("Entry", ph.entry_gates),
                ("Exit (go/no-go for the next phase)", ph.exit_gates),
            ):
                for g in gs:
                    fmt = (
                        fmt_pct
                        if g.metric in ("reach", "backup_rate", "call_takers_trained_share")
                        else fmt_num(0)
                    )
                    gates.append(
                        [
                            _e(kind),
                            _e_digits(self.metric_name(g.metric)),
                            _e(g.op),
                            p.put(
                                f"gate.{ph.index}.{kind[:4].lower()}.{g.metric}",
                                g.threshold,
                                "profile:plan",
                                fmt=fmt,
                            ),
                            self.source_ref(g.source),
                        ]
                    )
            out.append(f"<h3>{_phase_label(ph.index)}: {_e(ph.name)}</h3>")
            if ph.areas is not None:
                out.append(_p("Focus areas (most underserved first, then by eligible calls): "
                              + ", ".join(_name(x) for x in ph.areas) + "."))
            if gates:
                out.append(_table(["Gate", "Metric", "Rule", "Threshold", "Basis"], gates, num=(3,)))
            if ph.staffing and ph.staffing.too_few:
                few = "; ".join(
                    _team(team) + ": " + _suppress_or(p, f"phase{ph.index}.{team}.few", calls, "model:phases")
                    + " calls a year"
                    for team, calls in ph.staffing.too_few
                )
                out.append(_p(
                    "Too few calls for a dedicated team (fewer than "
                    + p.put("min_calls_team", ctx.cfg.min_calls_per_team_type, "profile:plan")
                    + " a year); existing providers or co-response take them: " + few + "."
                ))
            if ph.staffing and ph.staffing.teams:
                srows = []
                for tm in ph.staffing.teams:
                    sk = f"shift.{ph.index}.{tm.team_type}"
                    shifts = "; ".join(
                        f"{label(DAY_NAMES[s // 24], 'day')} "
                        f"{p.put(f'{sk}.{s}.{ln}.start', f'{s % 24:02d}:00', 'model:staffing')}"
                        f" ×{p.put(f'shift.{ph.index}.{tm.team_type}.{s}.{ln}.n', n, 'model:staffing')}"
                        f" ({p.put(f'shift.{ph.index}.{tm.team_type}.{s}.{ln}.len', ln, 'model:staffing')} h)"
                        for s, ln, n in tm.shifts[:10]
                    )
                    more = (
                        " and "
                        f"{p.put(f'{sk}.more', len(tm.shifts) - 10, 'model:staffing')} more"
                        if len(tm.shifts) > 10
                        else ""
                    )
                    bt = ph.staffing.budget.get("by_team_type", {}).get(tm.team_type, {})
                    fte = bt.get("crew_fte", {})
                    srows.append(
                        [
                            _team(tm.team_type),
                            p.put(
                                f"phase{ph.index}.{tm.team_type}.calls",
                                tm.calls_per_year,
                                "model:phases",
                                fmt=fmt_count,
                            ),
                            p.put(f"phase{ph.index}.{tm.team_type}.peak", tm.peak_teams, "model:staffing"),
                            p.put(
                                f"phase{ph.index}.{tm.team_type}.hours",
                                tm.team_hours_per_week,
                                "model:staffing",
                                fmt=fmt_count,
                            ),
                            self.interval(
                                f"phase{ph.index}.{tm.team_type}.fte",
                                fte.get("p5", 0),
                                fte.get("p95", 0),
                                "model:costs",
                                fmt_num(1),
                            )
                            if fte
                            else "",
                            shifts + more,
                        ]
                    )
                out.append(
                    _table(
                        [
                            "Team type",
                            "Calls a year",
                            "Teams at peak",
                            "Team-hours a week",
                            "Crew FTE (range)",
                            "Shifts (day, start, teams, length)",
                        ],
                        srows,
                        num=(1, 2, 3, 4),
                        caption="Teams and shifts (FTE range: fifth to ninety-fifth percentile)",
                    )
                )
        return "".join(out)

    def metric_name(self, metric: str) -> str:
        """A monitoring metric by the name the monitoring plan gives it."""
        names = {str(m["id"]): str(m["name"]) for m in self.ctx.monitoring}
        return names.get(metric, labels.plain(metric))

    def source_ref(self, text: str) -> str:
        """Render a gate basis: peer references become the cited figure, the rest is plain text."""
        parts = []
        for token in text.replace(",", " ").split():
            if token in self.p.sources and not token.startswith("peer:"):
                parts.append(_e_digits(self.p.sources[token].title))
            elif token.startswith("peer:"):
                prog, _, key = token[5:].partition(".")
                key = key.rstrip(";")
                try:
                    parts.append(f"{_e(self.ctx.peers.by_id(prog).name)} {self.peer(prog, key)}")
                except (KeyError, AssertionError):
                    parts.append(_e(token))
            else:
                parts.append(_e_digits(token))
        return " ".join(parts)

    def staffing_crosscheck(self) -> list[Markup]:
        """The capacity model's own sizing of the whole eligible demand, beside the phases."""
        st = self.ctx.staffing_summary
        p = self.p
        if not st:
            return []
        b = (st.get("budget") or {}).get("annual_operating_cost") or {}
        parts = []
        if isinstance(st.get("team_hours_per_week"), int | float):
            th = p.put("staffing.team_hours", st["team_hours_per_week"], "model:staffing_json", fmt=fmt_count)
            parts.append(th + " team-hours a week")
        if isinstance(st.get("peak_teams_on_duty"), int | float):
            parts.append(p.put("staffing.peak_teams", st["peak_teams_on_duty"], "model:staffing_json")
                         + " teams at peak")
        if all(isinstance(b.get(k), int | float) for k in ("p5", "p50", "p95")):
            med = p.put("staffing.cost.p50", b["p50"], "model:staffing_json", fmt=fmt_usd)
            rng = self.interval("staffing.cost", b["p5"], b["p95"], "model:staffing_json", fmt_usd)
            parts.append(f"operating cost {med} ({rng})")
        return [Markup(part) for part in parts]

    def budget_section(self) -> str:
        ctx, p = self.ctx, self.p
        a = ctx.assumptions
        fmt2 = fmt_num(2)
        if not ctx.phases or not any(ph.staffing and ph.staffing.budget for ph in ctx.phases):
            return _p("Budget needs sized phases; run the analysis first.")
        rows = []
        items = [
            ("annual_operating_cost", "Operating cost a year"),
            ("startup_cost_first_year", "Start-up, first year"),
            ("police_cost_avoided_per_year", "Police cost avoided a year"),
            ("net_cost_after_police_time_per_year", "Net cost after police time"),
            ("cost_per_call_reached", "Cost per call reached"),
        ]
        for key, lab in items:
            row = [_e(lab)]
            for ph in ctx.phases:
                b = ph.staffing.budget if ph.staffing else {}
                v = b.get(key) if b else None
                if v:
                    row.append(
                        p.put(f"budget.{ph.index}.{key}.p50", v["p50"], "model:costs", fmt=fmt_usd)
                        + " ("
                        + self.interval(f"budget.{ph.index}.{key}", v["p5"], v["p95"], "model:costs", fmt_usd)
                        + ")"
                    )
                else:
                    row.append("")
            rows.append(row)
        frow = ["Staff FTE in total"]
        for ph in ctx.phases:
            f = ph.staffing.budget.get("fte", {}).get("total") if ph.staffing and ph.staffing.budget else None
            frow.append(
                p.put(f"budget.{ph.index}.fte.p50", f["p50"], "model:costs", fmt=fmt_num(1)) if f else ""
            )
        rows.append(frow)
        vrow = ["Vehicles"]
        for ph in ctx.phases:
            v = ph.staffing.budget.get("vehicles") if ph.staffing and ph.staffing.budget else None
            vrow.append(p.put(f"budget.{ph.index}.vehicles", v, "model:costs") if v is not None else "")
        rows.append(vrow)
        out = _table(
            ["Item: median (range)", *[_phase_label_text(ph.index) for ph in ctx.phases]],
            rows,
            num=tuple(range(1, len(ctx.phases) + 1)),
            caption="Budget and staffing by phase, USD a year: median and the fifth to ninety-fifth "
            "percentile",
        )
        out = out.replace("PHASE_LABEL_", "")
        for ph in ctx.phases:
            out = out.replace(f"&lt;phase{ph.index}&gt;", _phase_label(ph.index))
        return _partial(
            "_budget.html.j2",
            table=Markup(out),
            crosscheck=self.staffing_crosscheck(),
            police_hours_per_call=Markup(
                p.put("police_hours_per_call", a.police_hours_per_call, a.police_hours_source, fmt=fmt2)),
        )

    def partners_section(self) -> str:
        """Need beside 911, initiatives against it (overlaps, gaps, what to build on), the stakeholder
        map, engagement before each phase and the coordinated-entry design, from the partners' picture."""
        ctx, p = self.ctx, self.p
        part = ctx.partners or {}
        p.source("model:partners", "model", "Partners' picture: 911, 311, crisis line, homelessness counts "
                 "and the city's initiative registry, on one area and hour-of-week grid")
        out: list[str] = []
        if not part.get("landscape"):
            missing = part.get("missing") or ["no partner data was given"]
            said = "; ".join(_e_digits(m) for m in missing)
            return _p(f"The partners' data are not part of this run: {said}. The sections on coordination, "
                      "gaps and coordinated entry need them.")
        land = part["landscape"]
        need = land["need"]
        rows = []
        for i, s in enumerate(need["summaries"]):
            rows.append([
                _e(s["need"].replace("_", " ")),
                p.put(f"partners.need.{i}.calls_911", s["calls_911_per_year"], "model:partners",
                      fmt=fmt_count),
                p.put(f"partners.need.{i}.requests_311", s["requests_311_per_year"] or 0, "model:partners",
                      fmt=fmt_count),
                _e(s["absorbed_by"] or "–"),
                _e_digits(s.get("note") or ""),
            ])
        heads = ["Need", "911 calls a year", "311 requests a year", "Mostly handled by", "What it says"]
        out.append(_table(heads, rows, num=(1, 2), caption="Need across 911 and 311 in a year"))
        h = land["harmonization"]
        ov = [[_e(o["need"].replace("_", " ")), _e_digits(", ".join(o["initiatives"])),
               p.put(f"partners.overlap.{i}.demand", o["demand_per_year"], "model:partners", fmt=fmt_count),
               _e_digits(o["recommendation"])] for i, o in enumerate(h["overlaps"][:12])]
        out.append(_table(["Need", "Initiatives that overlap", "Calls and requests a year in the overlap",
                           "Recommendation"], ov, num=(2,), caption="Where two initiatives cover the same "
                          "need, place and hours: coordinate or merge referral channels"))
        gaps = sorted(h["gaps"], key=lambda g: -g["demand_per_year"])[:12]
        gp = [[_e(g["need"].replace("_", " ")), _name(str(g["area"])),
               p.put(f"partners.gap.{i}.demand", g["demand_per_year"], "model:partners", fmt=fmt_count),
               _e_digits(g["recommendation"])] for i, g in enumerate(gaps)]
        out.append(_table(["Need", "Area", "Calls and requests a year uncovered", "Recommendation"], gp,
                          num=(2,), caption="Where no initiative covers a need (largest first): gaps to "
                          "fund"))
        bo = [[_type(b["call_type"]), _e_digits(b["initiative_id"] or "none yet"), _e_digits(b["reason"])]
              for b in h["build_on"]]
        out.append(_table(["Call type", "Builds on", "Why"], bo,
                          caption="Which existing initiative each recommended call type should build on"))
        roles: dict[str, dict[str, str]] = {}
        types: list[str] = []
        for st in h["stakeholders"]:
            roles.setdefault(st["organization"], {})[st["call_type"]] = st["role"]
            if st["call_type"] not in types:
                types.append(st["call_type"])
        sm = [[_name(org), *[_e(r.get(t, "–")) for t in types]] for org, r in roles.items()]
        out.append(_table(["Organization", *[_type(t) for t in types]], sm,
                          caption="Stakeholder map: responsible, consulted or informed, per call type"))
        steps = [f"{_phase_label(int(e['before_phase']))}: {_e_digits(e['step'])} "
                 f"({_e_digits(', '.join(e['organization_names']))})" for e in h["engagement"]]
        out.append("<h3>Engagement before each phase</h3>" + _ul(steps))
        ce = land["coordinated_entry"]
        od = land["outreach_demand"]["per_year"]
        cap = ce["capacity"]
        out.append("<h3>Coordinated entry for homelessness</h3>")
        out.append(_p(
            f"Calls and requests for homelessness go to {_e_digits(ce['system'])}, led by "
            f"{_e_digits(ce['lead_organization'])}. Homeless-outreach demand is "
            + p.put("partners.outreach.value", od["value"], "model:partners", fmt=fmt_count)
            + " contacts a year (range " + p.put("partners.outreach.low", od["low"], "model:partners",
                                                   fmt=fmt_count)
            + "–" + p.put("partners.outreach.high", od["high"], "model:partners", fmt=fmt_count)
            + f"; {_e_digits(without_file_names(od['method']))})."
            + self._homeless_counts(cap)))
        ap = [[_name(a["name"]), _name(a["organization"]), _e_digits(", ".join(a["hours"]) or "–"),
               p.put(f"partners.ce.access.{i}.hours", a["weekly_hours"], "model:partners", fmt=fmt_count),
               _e_digits(", ".join(a["channels"]))] for i, a in enumerate(ce["access_points"])]
        out.append(_table(["Access point", "Organization", "Hours", "Hours a week", "Referral channels"], ap,
                          num=(3,), caption="Coordinated-entry access points"))
        wf = [f"{_e_digits(w['step'])} — {_e_digits(w['who'])}: {_e_digits(w['sends'])}"
              + (f" ({_e_digits(w['within'])})" if w.get("within") else "") for w in ce["workflow"]]
        out.append("<h4>Referral workflow</h4>" + _ul(wf))
        out.append(_p("Consent: " + _e_digits(ce["consent"]) + " Never sent: "
                      + _e_digits(", ".join(ce["never_sent"])) + "."))
        out.append("<h4>What monitoring will track</h4>" + _ul([_e_digits(m) for m in ce["measures"]]))
        return "".join(out)

    def _homeless_counts(self, cap: dict[str, Any]) -> str:
        p = self.p
        pit, beds = cap.get("people_homeless_point_in_time"), cap.get("beds_es_th_sh")
        text = ""
        if pit is not None:
            text += " The point-in-time count found " + p.put("partners.ce.pit", pit, "model:partners",
                                                              fmt=fmt_count) + " people homeless"
            if beds is not None:
                text += ", with " + p.put("partners.ce.beds", beds, "model:partners", fmt=fmt_count) + \
                    " emergency, transitional and safe-haven beds"
            text += "."
        return text

    def timeline(self) -> str:
        ctx, p = self.ctx, self.p
        out = [_gantt(ctx.tasks)]
        rows = []
        for t in ctx.tasks:
            rows.append(
                [
                    _e_digits(t.name),
                    _e(t.workstream),
                    p.put(f"task.{t.id}.start", t.start, "model:timeline", fmt=fmt_num(0)),
                    p.put(f"task.{t.id}.duration", t.duration, "assumption:lead_times", fmt=fmt_num(0))
                    if not t.milestone
                    else "milestone",
                    ", ".join(_e_digits(d) for d in t.deps),
                ]
            )
        out.append(
            _table(
                ["Task", "Workstream", "Starts (month)", "Months", "After"],
                rows,
                num=(2, 3),
                caption="Tasks, durations and dependencies",
            )
        )
        return _partial("_timeline.html.j2", gantt=Markup(out[0]), tasks=Markup(out[1]))

    def monitoring(self) -> str:
        ctx, p = self.ctx, self.p
        rows = []
        for m in ctx.monitoring:
            targets = m.get("targets") or []
            fmt = (
                fmt_pct
                if m["id"]
                in (
                    "reach",
                    "backup_rate",
                    "successful_diversion",
                    "linkage",
                    "eligible_share",
                    "co_notification",
                    "repeat_calls",
                )
                else fmt_num(0)
            )
            tcells = (
                " / ".join(
                    p.put(f"target.{m['id']}.{i}", v, "profile:plan", fmt=fmt)
                    for i, v in enumerate(targets, start=1)
                )
                or "monitor"
            )
            ref = m.get("peer_reference") or ""
            refcell = self.source_ref("peer:" + ref) if ref else ""
            rows.append(
                [
                    f"<strong>{_e(m['name'])}</strong>",
                    _e_digits(_plain_formula(m["formula"])),
                    _e(_plain_formula(m["data_source"])),
                    _e(m["cadence"]),
                    ", ".join(_e(BREAKDOWN_WORDS.get(b, labels.plain(b))) for b in m.get("by", []))
                    or "overall",
                    tcells,
                    refcell,
                ]
            )
        return _partial("_monitoring.html.j2", table=Markup(_table(
            [
                "Metric",
                "Formula",
                "Data source",
                "Cadence",
                "Broken down by",
                "Targets by phase",
                "Peer reference",
            ],
            rows,
            caption="Monitoring plan",
        )))

    def cost_range(self, name: str) -> str:
        """A cost input's triangular range: low to high, most likely value in brackets."""
        rng = self.ctx.cost_ranges.get(name)
        if rng is None:
            return ""
        low, mode, high = rng
        share = name.endswith("_share")
        fmt = fmt_pct if share else (fmt_num(2) if name == "benefits_loading" else
                                     fmt_count if name == "productive_hours_per_fte" else fmt_usd)
        put = self.p.put
        return (put(f"cost.{name}.low", low, "profile:costs", fmt=fmt) + "–"
                + put(f"cost.{name}.high", high, "profile:costs", fmt=fmt)
                + " (most likely " + put(f"cost.{name}.mode", mode, "profile:costs", fmt=fmt) + ")")

    def methods(self) -> str:
        ctx, p = self.ctx, self.p
        rows = []
        for s in sorted(p.sources.values(), key=lambda s: (s.kind, s.key)):
            if s.kind != "cited" or s.key.startswith("peerfig:"):
                continue
            rows.append(
                [
                    cited(s.title, s.url),
                    label(str(s.year), "year") if s.year else "",
                    f'<a class="url" href="{_e(s.url)}">{_e(s.url[:70])}</a>',
                    "UNVERIFIED" if s.unverified else "",
                ]
            )
        a = ctx.assumptions
        arows = [
            [
                _e("Alternative team time per call"),
                p.put("assume.service_min", a.service_s / 60, a.service_source, fmt=fmt_num(0))
                + " min",
                self.source_ref(a.service_source),
            ],
            [
                _e("Mean travel time"),
                p.put("assume.travel_min", a.travel_mean_s / 60, a.travel_source, fmt=fmt_num(0))
                + " min",
(self.source_ref(a.travel_source) + "; " if a.travel_source.startswith("model") else "")
                + _e("assumption; peers report average responses of ")
                + self.peer("durham_heart", "response_time_min")
                + " (Durham) to "
                + self.peer("sf_scrt", "response_time_min")
                + " (San Francisco) minutes",
            ],
            [
                _e("Travel time spread (log-sd)"),
                p.put("assume.travel_sd", a.travel_sigma, "assumption:travel", fmt=fmt_num(2)),
                _e("assumption"),
            ],
            [
                _e("Police hours per diverted call"),
                p.span("police_hours_per_call") if "police_hours_per_call" in p.figures else "",
                self.source_ref(a.police_hours_source)
                if a.police_hours_source.startswith("peer:")
                else _e("transferred: reference agencies' unit time per call of the recommended types, "
                        "weighted by this city's calls")
                if a.police_hours_source == "model:transferred_officer_time"
                else _e("measured: officer unit-busy time of the recommended types"),
            ],
            [
                _e("Reached share target"),
                p.span("target_reach") if "target_reach" in p.figures else "",
                _e("profile plan"),
            ],
        ]
        for k, v in ctx.cfg.lead_times.model_dump().items():
            if k == "source":
                continue
            arows.append(
                [
                    _e(f"Lead time: {k.replace('_', ' ')}"),
                    p.put(f"lead.{k}", v, "assumption:lead_times", fmt=fmt_num(0)) + " months",
                    _e_digits(ctx.cfg.lead_times.source),
                ]
            )
        for k, src in sorted(ctx.cost_sources.items()):
            arows.append(
                [
                    _e(f"Cost input: {k.replace('_', ' ')}"),
                    self.cost_range(k),
                    cited(without_file_names(src), "profile:costs"),
                ]
            )
        return _partial(
            "_methods.html.j2",
            serious=self.serious,
            transfer=Markup(self.methods_transfer()),
            assumptions=Markup(_table(["Assumption", "Value", "Source"], arows, num=(1,))),
            sources=Markup(_table(["Source", "Year", "Address", ""], rows)),
        )

    def methods_transfer(self) -> str:
        """How transferred risk and officer time enter the plan, in the analysis's own provenance words."""
        ctx, p = self.ctx, self.p
        tr = ctx.transfer
        if tr is None or (ctx.risk_source != "transferred" and ctx.officer_time_source != "transferred"):
            return ""
        items = []
        if ctx.risk_source == "transferred":
            items.append(
                "<strong>Risk</strong>: the classified calls carry no dispositions, so the plan takes each "
                "type's risk, its interval and the number of reference calls behind it from the landscape "
                "analysis (its candidate call types), which transferred them from reference agencies; the "
                "ranking draws risk within those intervals and the risk tolerance gates on their upper "
                "ends. Pooling: " + p.put("transfer.pooled", str(tr.provenance.get("pooled") or ""),
                                          "model:risk_transferred")
                + (" Reference table: " + _ident(str(tr.provenance["table"])) + "."
                   if tr.provenance.get("table") else "")
            )
        if ctx.officer_time_source == "transferred":
            items.append(
                "<strong>Officer time</strong>: the calls carry no unit times, so officer hours per type "
                "are the analysis's transferred figures. "
                + (p.put("transfer.officer_time", str(tr.provenance["officer_time"]),
                         "model:officer_time_transferred")
                   if tr.provenance.get("officer_time") else "")
            )
        return (
            "<h3>Transferred risk and officer time</h3>"
            + _p("Provenance kind: " + f"{_e_digits(labels.plain(tr.kind))}.")
            + _ul(items)
        )

    def comparison(self) -> str:
        other = self.compare or {}
        mine = plan_json(self.ctx, self.p, provenance=False)
        keys = [
            ("Recommended types", lambda d: ", ".join(d.get("recommended", []))),
            ("Pilot types", lambda d: ", ".join(d.get("pilot", []))),
        ]
        rows = [[_e(k), _e(f(mine)), _e(f(other))] for k, f in keys]
        for i in range(max(len(mine.get("phases", [])), len(other.get("phases", [])))):
            for field_, lab, fmt in (
                ("calls_per_year", "eligible calls a year", fmt_count),
                ("operating_cost_p50", "operating cost a year (median)", fmt_usd),
                ("peak_teams", "teams at peak", fmt_count),
            ):
                vals = []
                for j, d in enumerate((mine, other)):
                    phs = d.get("phases", [])
                    v = phs[i].get(field_) if i < len(phs) else None
                    vals.append(
                        self.p.put(
                            f"compare.{j}.{i + 1}.{field_}",
                            v,
                            "model:phases" if j == 0 else "input:compare",
                            fmt=fmt,
                        )
                        if isinstance(v, int | float)
                        else ""
                    )
                rows.append([_phase_label(i + 1) + " " + _e(lab), *vals])
        return _table(["", "This plan", "Compared plan"], rows, num=(1, 2))


BREAKDOWN_WORDS = {"common_type": "call type", "hour_of_week": "hour of week"}
COLUMN_WORDS = {"common_type": "call type", "received_utc": "call received", "arrival_utc": "team on scene",
                "unit_busy_s": "unit busy time", "hour_of_week": "hour of week"}


def _plain_formula(text: str) -> str:
    """A formula or data source with column names in words."""
    out = text
    for col, words in COLUMN_WORDS.items():
        out = out.replace(col, words)
    return out.replace("_", " ")


def _partial(template: str, **context: Any) -> str:
    """A plan section laid out by its partial template (``templates/plan/``); figures come in as
    markup already registered for provenance, and `label` marks a digit that is not a figure."""
    return render(f"plan/{template}", label=lambda text, kind: Markup(label(text, kind)), **context)


def _phase_label_text(i: int) -> str:
    return f"<phase{i}>"


def _count_word(n: int) -> str:
    words = {10: "Ten", 11: "Eleven", 12: "Twelve", 13: "Thirteen", 14: "Fourteen", 15: "Fifteen"}
    return words.get(n, "These")


def _unit_word(unit: str) -> str:
    return unit.replace("8-h", "eight-hour")


def _e_digits(text: str) -> str:
    """Escape text that may carry digits from a setting or note: digits shown as a label (kind text)."""
    if any(ch.isdigit() for ch in text):
        return label(text, "text")
    return _e(text)


def _fmt_for(unit: str) -> Any:
    if unit == "share":
        return lambda v: fmt_pct(v, 1) if 0 < v < 0.1 else fmt_pct(v)
    if unit.startswith("USD"):
        return fmt_usd
    if unit in ("minutes", "hours", "hours/call"):
        return fmt_num(1)
    return fmt_count


def _gantt(tasks: Sequence[Any]) -> str:
    n = len(tasks)
    _style()
    fig = Figure(figsize=(7.5, max(2.5, 0.24 * n + 0.8)))
    ax = fig.subplots()
    colors = {
        "change": PALETTE[2],
        "providers": PALETTE[4],
        "dispatch": PALETTE[0],
        "staffing": PALETTE[1],
        "operations": PALETTE[6],
        "milestone": PALETTE[3],
    }
    for i, t in enumerate(tasks):
        y = n - 1 - i
        if t.milestone:
            ax.plot([t.start], [y], marker="D", color=colors["milestone"], markersize=6)
        else:
            ax.barh(y, t.duration, left=t.start, color=colors.get(t.workstream, PALETTE[7]), height=0.6)
    by_id = {t.id: (n - 1 - i, t) for i, t in enumerate(tasks)}
    for i, t in enumerate(tasks):
        for d in t.deps:
            yd, td = by_id[d]
            ax.plot([td.finish, t.start], [yd, n - 1 - i], color="#b0b7c0", linewidth=0.5, zorder=0)
    ax.set_yticks(range(n), [t.name for t in reversed(tasks)], fontsize=7)
    # room for the task names inside the figure, so no renderer has to fit them from outside it
    fig.subplots_adjust(left=0.42, right=0.97, top=0.98, bottom=0.08)
    ax.set_xlabel("months from start")
    ax.grid(axis="x", color="#e5e8ec", linewidth=0.6)
    ax.set_axisbelow(True)
    return str(figure_to_svg(
        fig,
        caption="Timeline: bars are tasks by workstream (blue dispatch, orange hiring, green "
        "change management, purple provider agreements, pink operation); diamonds are "
        "go-live and go/no-go milestones; grey lines are dependencies.",
    ))


def _headline_value(p: Provenance, key: str, est: Estimate) -> Markup:
    """A headline figure registered for provenance and written by `format.estimate`."""
    p.source(f"headline:{key}", "model", without_file_names(est.source) or "Headline figure")
    text = report_format.estimate(est)
    return Markup(p.put(f"headline.{key}", est.value, f"headline:{key}", unit=est.unit, fmt=lambda _v: text))


def _glossary(terms: Sequence[str]) -> list[tuple[Markup, Markup]]:
    """Glossary rows with any digit shown as a label, as the page's number rule asks."""
    return [(Markup(_e_digits(t)), Markup(_e_digits(GLOSSARY[t]))) for t in terms]


def render_plan(ctx: PlanContext, headline: Headline, *, compare: dict[str, Any] | None = None
                ) -> tuple[str, Provenance]:
    """The plan page and the registry of every figure on it."""
    doc = _Doc(ctx, compare, headline)
    groups = headline_groups(headline, lambda key, est: _headline_value(doc.p, key, est),
                             lambda text: Markup(_e_digits(without_file_names(text))))
    sections = [
        Section("Executive summary", doc.summary(), "summary"),
        Section("Current landscape", doc.landscape(), "landscape"),
        Section("Best practices from peer programs", doc.peers_section(), "peers"),
        Section("Recommendations: which call types next", doc.recommendations(), "recommendations"),
        Section("Implementation plan by call type", doc.per_type(), "by-type"),
        Section("Phases, teams and go/no-go criteria", doc.phases_section(), "phases"),
        Section("Partners, initiatives and coordinated entry", doc.partners_section(), "partners"),
        Section("Budget and staffing", doc.budget_section(), "budget"),
        Section("Timeline", doc.timeline(), "timeline"),
        Section("Monitoring plan", doc.monitoring(), "monitoring"),
        Section("Methods, assumptions, sources and glossary", doc.methods(), "methods"),
    ]
    if compare is not None:
        doc.p.source("input:compare", "input", f"Compared plan ({compare.get('profile', 'other')})")
        sections.insert(1, Section("Comparison with another plan", doc.comparison(), "compare"))
    secs = anchored(sections)
    meta = {
        "City": ctx.profile.city.title(),
        "Protocol": ctx.protocol_version,
        "Data": "synthetic calls"
        if ctx.local and ctx.local.synthetic
        else ("city calls" if ctx.local else "none"),
        "Generated (UTC)": ctx.generated_utc,
    }
    shell = shell_context(
        f"Alternative response implementation plan: {ctx.profile.city.title()}",
        meta=meta,
        toc=[(s.anchor or "", s.title) for s in secs],
        headline=groups,
        footer="Every number carries a provenance key (hover a dotted figure); the plan's data lists each "
        "figure's value and source.",
    )
    page = render("plan.html.j2", sections=secs, glossary=_glossary(GLOSSARY_TERMS), **shell)
    return page, doc.p


def plan_json(ctx: PlanContext, prov: Provenance, headline: Headline | None = None, *,
              provenance: bool = True) -> dict[str, Any]:
    """The plan as data: recommendations, phases, timeline, monitoring, assumptions and provenance."""
    phases = []
    for ph in ctx.phases:
        st = ph.staffing
        b = st.budget if st else {}
        phases.append(
            {
                "index": ph.index,
                "name": ph.name,
                "types": list(ph.types),
                "areas": None if ph.areas is None else list(ph.areas),
                "hours": ph.hours_label,
                "window_start": ph.window_start,
                "daily_hours": ph.daily_hours,
                "min_months": ph.min_months,
                "calls_per_year": round(ph.calls_per_year, 1),
                "share_of_eligible": round(ph.share_of_eligible, 4),
                "peak_teams": sum(t.peak_teams for t in st.teams) if st else None,
                "team_hours_per_week": sum(t.team_hours_per_week for t in st.teams) if st else None,
                "operating_cost_p50": (b.get("annual_operating_cost") or {}).get("p50") if b else None,
                "teams": [
                    {
                        "team_type": t.team_type,
                        "calls_per_year": round(t.calls_per_year, 1),
                        "peak_teams": t.peak_teams,
                        "team_hours_per_week": t.team_hours_per_week,
                        "shifts": [
                            {"start_hour_of_week": s, "length_h": ln, "teams": n} for s, ln, n in t.shifts
                        ],
                        "requirement_by_hour_of_week": [round(float(v), 3) for v in t.requirement],
                    }
                    for t in (st.teams if st else ())
                ],
                "budget": {k: v for k, v in (b or {}).items() if k not in ("parameters", "benchmarks")},
                "entry_gates": [asdict(g) for g in ph.entry_gates],
                "exit_gates": [asdict(g) for g in ph.exit_gates],
            }
        )
    out: dict[str, Any] = {
        "headline": (headline or Headline()).as_json(),
        "partners": ctx.partners,
        "headline_call_sets": dict((headline or Headline()).call_sets),
        "profile": ctx.profile.city,
        "generated_utc": ctx.generated_utc,
        "protocol_version": ctx.protocol_version,
        "peer_catalogue_version": ctx.peers.version,
        "synthetic": bool(ctx.local and ctx.local.synthetic),
        "data": None
        if ctx.local is None
        else {
            "source": ctx.local.source,
            "rows": ctx.local.rows,
            "first_day": ctx.local.first_day,
            "last_day": ctx.local.last_day,
            "area_level": ctx.local.area_level,
            "underserved_areas": sorted(ctx.local.underserved),
            "underserved_rule": ctx.local.underserved_rule,
        },
        "pilot": ctx.pilot,
        "recommended": ctx.recommended,
        "ranking": {
            "weights": ctx.ranking.weights,
            "top_k": ctx.ranking.top_k,
            "draws": ctx.ranking.draws,
            "concentration": ctx.ranking.concentration,
            "seed": ctx.ranking.seed,
            "missing_criteria": list(ctx.ranking.missing_criteria),
            "rows": [asdict(r) for r in ctx.ranking.rows],
        },
        "candidates": [asdict(c) for c in ctx.candidates],
        "risk_prior": ctx.risk_prior,
        "exclusions": {
            t: [asdict(e) for e in ex]
            for t, ex in ctx.exclusions.items()
            if t in ctx.recommended or t in ctx.pilot
        },
        "provider_gaps": {
            t: {
                "services": list(g.services),
                "demand": round(g.demand, 1),
                "covered": round(g.covered, 1),
                "gap": round(g.gap, 1),
                "covered_share": round(g.covered_share, 4),
                "uncovered_hours": g.uncovered_hours,
                "gap_by_area": [[a, round(v, 1)] for a, v in g.gap_by_area],
            }
            for t, g in ctx.gaps.items()
        },
        "directory_note": ctx.directory_note,
        "coordinated_entry": None
        if ctx.coordinated_entry is None
        else {
            "id": ctx.coordinated_entry.id,
            "name": ctx.coordinated_entry.name,
            "organization": ctx.coordinated_entry.organization,
        },
        "phases": phases,
        "timeline": [
            {
                "id": t.id,
                "name": t.name,
                "start_month": t.start,
                "duration_months": t.duration,
                "deps": list(t.deps),
                "phase": t.phase,
                "workstream": t.workstream,
                "milestone": t.milestone,
            }
            for t in ctx.tasks
        ],
        "monitoring": ctx.monitoring,
        "assumptions": asdict(ctx.assumptions),
        "lead_times": ctx.cfg.lead_times.model_dump(),
        "notes": ctx.notes,
        "risk_source": ctx.risk_source,
        "officer_time_source": ctx.officer_time_source,
        "transfer": None
        if ctx.transfer is None
        else {
            "kind": ctx.transfer.kind,
            "risk_statement": ctx.transfer.risk_statement,
            "officer_time_statement": ctx.transfer.officer_time_statement,
            "provenance": ctx.transfer.provenance,
        },
    }
    if provenance:
        out["provenance"] = prov.to_json()
    return _clean(out)


def _clean(o: Any) -> Any:
    if isinstance(o, dict):
        return {str(k): _clean(v) for k, v in o.items()}
    if isinstance(o, list | tuple | set | frozenset):
        return [_clean(v) for v in o]
    if isinstance(o, np.ndarray):
        return [_clean(v) for v in o.tolist()]
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, float) and not np.isfinite(o):
        return None
    return o
