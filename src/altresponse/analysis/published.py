"""Published figures the report shows beside ours, with definitions and sources.

Each figure says what it measures and over which calls, because most disagreements between
studies are definitions: community-initiated vs all calls for service (officer-initiated
activity included), UCR Part I vs NIBRS violent crime, share of calls vs share of officer time.
Full citations are in docs/benchmarks.md.
"""

from __future__ import annotations

from typing import Any

PUBLISHED: tuple[dict[str, Any], ...] = (
    {
        "id": "midgette_2024_eligible", "metric": "share of calls eligible for a civilian response",
        "value": 0.22, "value_hi": 0.57, "place": "Baltimore (BPD)", "period": "2014–2020",
        "scope": "community-initiated calls", "compare": ("scenario_range", None),
        "definition": "call types whose risk of a Part 1 crime is below a tolerance; "
                      "three tolerance scenarios",
        "source": "Midgette, Spreen, Porter, Reuter & Hitchens, Justice Quarterly (2024)",
        "url": "https://figshare.com/articles/journal_contribution/"
               "A_Model_to_Assess_the_Feasibility_of_911_Call_Diversion_Programs/25116399",
    },
    {
        "id": "midgette_2024_fte", "metric": "officer time freed, most conservative scenario (FTE officers)",
        "value": 59.0, "value_lo": 43.0, "value_hi": 75.0, "place": "Baltimore (BPD)", "period": "2014–2020",
        "scope": "community-initiated calls", "compare": ("scenario_fte_min", None),
        "definition": "officer hours on eligible calls converted to full-time officers "
                      "(95% CI 43–75; ~9% of patrol)",
        "source": "Midgette et al., Justice Quarterly (2024)",
        "url": "https://figshare.com/articles/journal_contribution/"
               "A_Model_to_Assess_the_Feasibility_of_911_Call_Diversion_Programs/25116399",
    },
    {
        "id": "leap_cap_2020_community", "metric": "share of calls a community responder could handle",
        "value": 0.21, "value_hi": 0.38, "place": "8 US cities", "period": "c. 2019",
        "scope": "all calls for service", "compare": ("protocol_share", None),
        "definition": "behavioral health and quality-of-life ('disturbance') call types",
        "source": "LEAP, Center for American Progress & Policing Project (NYU), Community Responders (2020)",
        "url": "https://www.americanprogress.org/article/dispatching-community-responders-to-911-calls-2/",
    },
    {
        "id": "nicjr_seattle_49", "metric": "share of calls non-police responders could handle",
        "value": 0.49, "place": "Seattle (SPD)", "period": "2017–2019", "scope": "all calls for service",
        "compare": ("protocol_share", None), "definition": "NICJR call-type review",
        "source": "NICJR, Seattle call analysis (2021)", "url": "https://sccinsight.com/2021/11/11/understanding-the-nicjr-report/",
    },
    {
        "id": "denver_star_eligible", "metric": "share of 911 calls eligible for STAR",
        "value": 0.028, "place": "Denver", "period": "2021", "scope": "911 calls",
        "compare": ("protocol_share", None),
        "definition": "STAR-eligible call types (behavioral health, welfare)",
        "source": "Denver 911 director, reported 2021", "url": "https://www.denvergov.org/",
    },
    {
        "id": "oakland_2019_violent", "metric": "violent-crime share of calls",
        "value": 0.042, "place": "Oakland (OPD)", "period": "2019", "scope": "all calls (442,812)",
        "compare": ("category_share", "violent_crime"),
        "definition": "NIBRS violent crime including simple assault (lower under UCR Part I)",
        "source": "AH Datalytics for the Anti Police-Terror Project (2022)",
        "url": "https://www.oaklandrising.org/new-report-from-the-anti-police-terror-project-1-of-calls-to-the-oakland-police-department-take-up-57-of-police-time/",
    },
    {
        "id": "oakland_2019_medical",
        "metric": "medical share of calls (incl. mental health, suicide, welfare)",
        "value": 0.10, "place": "Oakland (OPD)", "period": "2019", "scope": "all calls",
        "compare": ("category_share", "medical"),
        "definition": "medical 5.7%, mental health 2.8%, suicide 0.4%, welfare check 1.4%",
        "source": "AH Datalytics for the Anti Police-Terror Project (2022)",
        "url": "https://www.oaklandrising.org/",
    },
    {
        "id": "oakland_2019_traffic", "metric": "traffic share of calls", "value": 0.126,
        "place": "Oakland (OPD)", "period": "2019", "scope": "all calls",
        "compare": ("category_share", "traffic"),
        "definition": "accidents 3.8%, enforcement 3.5%, other traffic",
        "source": "AH Datalytics for the Anti Police-Terror Project (2022)", "url": "https://www.oaklandrising.org/",
    },
    {
        "id": "oakland_2019_alarm", "metric": "alarm share of calls", "value": 0.043,
        "place": "Oakland (OPD)", "period": "2019", "scope": "all calls",
        "compare": ("category_share", "alarm"),
        "definition": "alarms (at least 65% false or cancelled)",
        "source": "AH Datalytics for the Anti Police-Terror Project (2022)", "url": "https://www.oaklandrising.org/",
    },
    {
        "id": "oakland_2019_disturbance", "metric": "disturbance (incl. noise) share of calls",
        "value": 0.108,
        "place": "Oakland (OPD)", "period": "2019", "scope": "all calls",
        "compare": ("category_share", "disorder_quality_of_life"),
        "definition": "disturbances including noise",
        "source": "AH Datalytics for the Anti Police-Terror Project (2022)", "url": "https://www.oaklandrising.org/",
    },
    {
        "id": "nyt_2020_violent_time", "metric": "share of officer time on violent crime",
        "value": 0.037, "value_hi": 0.041, "place": "New Orleans, Sacramento, Montgomery County MD",
        "period": "c. 2019", "scope": "all calls for service with start and end times",
        "compare": ("category_time_share", "violent_crime"),
        "definition": "homicide, rape, robbery, aggravated assault (UCR Part I violent)",
        "source": "Asher & Horwitz, 'How Do the Police Actually Spend Their Time?', NYT Upshot (2020)",
        "url": "https://www.nytimes.com/2020/06/19/upshot/unrest-police-time-violent-crime.html",
    },
    {
        "id": "nyt_2020_violent_calls", "metric": "serious violent crime share of calls", "value": 0.01,
        "place": "about 10 US agencies", "period": "c. 2019", "scope": "all calls incl. officer-initiated",
        "compare": ("category_share", "violent_crime"), "definition": "UCR Part I violent crime",
        "source": "Asher & Horwitz, NYT Upshot (2020)",
        "url": "https://www.nytimes.com/2020/06/19/upshot/unrest-police-time-violent-crime.html",
    },
    {
        "id": "vera_2022_noncriminal", "metric": "share of calls that are non-criminal", "value": 0.626,
        "place": "9 US cities incl. Baltimore", "period": "c. 2019–2021", "scope": "15.6M calls",
        "compare": ("noncriminal_share", None),
        "definition": "Vera categories; non-criminal = not crime, not violent crime",
        "source": "Vera Institute of Justice, 911 Analysis (2022)",
        "url": "https://www.vera.org/",
    },
)

CRIMINAL_CATEGORIES = ("violent_crime", "property_crime")
"""Categories counted as criminal when comparing with 'non-criminal' shares (an approximation)."""


def compare_published(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Each published figure with our comparable figure (or None) and what differs."""
    cats = {c["category"]: c for c in summary.get("category_shares", [])}
    scen = summary.get("scenarios", [])
    risk_s = [s for s in scen if s.get("kind") == "risk_tolerance" and s.get("share") is not None]
    proto = next((s for s in scen if s.get("kind") == "protocol"), None)
    scope_text = str(summary.get("scope", {}).get("name", "all")).replace("_", "-")
    out = []
    for fig in PUBLISHED:
        kind, key = fig["compare"]
        ours: Any = None
        ours_text = "–"
        if kind == "category_share" and key in cats:
            ours = cats[key]["share"]
            ours_text = f"{100 * ours:.1f}% of all calls"
        elif (kind == "category_time_share" and key in cats
              and summary.get("officer_time", {}).get("available")):
            ours = cats[key]["officer_hours_share"]
            ours_text = f"{100 * ours:.1f}% of unit time"
        elif kind == "scenario_range" and risk_s:
            lo = min(s["share"] for s in risk_s)
            hi = max(s["share"] for s in risk_s)
            ours = [lo, hi]
            ours_text = f"{100 * lo:.1f}–{100 * hi:.1f}% ({len(risk_s)} tolerances, {scope_text})"
        elif kind == "scenario_fte_min" and risk_s:
            first = min(risk_s, key=lambda s: s["threshold"])
            if first.get("fte") is not None:
                ours = first["fte"]
                ours_text = (f"{ours:.1f} FTE ({first['fte_lo']:.1f}–{first['fte_hi']:.1f}) "
                             f"at {100 * first['threshold']:g}%")
        elif kind == "protocol_share" and proto is not None:
            ours = proto["share"]
            ours_text = f"{100 * ours:.1f}% ({proto['lo'] * 100:.1f}–{proto['hi'] * 100:.1f}%), {scope_text}"
        elif kind == "noncriminal_share" and cats:
            crim = sum(cats[c]["share"] for c in CRIMINAL_CATEGORIES if c in cats)
            ours = 1 - crim
            ours_text = f"{100 * ours:.1f}% (calls outside violent and property crime)"
        value = fig["value"]
        pub = f"{100 * value:.1f}%" if value < 1 else f"{value:g}"
        if fig.get("value_hi") is not None:
            hi_v = fig["value_hi"]
            pub = (f"{100 * value:.1f}–{100 * hi_v:.1f}%" if hi_v < 1 else
                   f"{value:g} ({fig.get('value_lo', value):g}–{hi_v:g})")
        out.append({"id": fig["id"], "metric": fig["metric"], "published": pub, "place": fig["place"],
                    "period": fig["period"], "scope": fig["scope"], "definition": fig["definition"],
                    "source": fig["source"], "url": fig["url"], "ours": ours, "ours_text": ours_text})
    return out
