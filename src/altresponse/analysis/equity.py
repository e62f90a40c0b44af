"""Equity: calls and eligible calls per 1,000 residents by area, against area indicators.

Joins the per-CSA counts to an indicators table (BNIA Vital Signs by default: population,
median household income, poverty, race) by normalised area name, then summarises by median
income quintile and with a rank correlation. Areas with suppressed counts stay out of rates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy import stats

from altresponse.geo import normalize_area_name


def parse_number(value: str | None) -> float | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        return float(value)
    except ValueError:
        return None


def equity_summary(
    areas: Sequence[Mapping[str, Any]],
    indicators: Sequence[Mapping[str, Any]],
    *,
    annual_factor: float,
    source: str,
) -> dict[str, Any]:
    """Per-area rates per 1,000 residents a year, income-quintile summary and rank correlations."""
    by_key = {normalize_area_name(str(a["area"])): a for a in areas}
    rows = []
    unmatched = []
    for ind in indicators:
        a = by_key.get(normalize_area_name(ind["area"]))
        if a is None:
            unmatched.append(ind["area"])
            continue
        pop = ind.get("population")
        calls, elig = a.get("calls"), a.get("eligible_calls")
        rate = (calls * annual_factor * 1000.0 / pop) if (calls is not None and pop) else None
        erate = (elig * annual_factor * 1000.0 / pop) if (elig is not None and pop) else None
        rows.append({**ind, "calls": calls, "eligible_calls": elig, "calls_per_1000": rate,
                     "eligible_per_1000": erate})
    incomes = np.array([r["median_income"] if r["median_income"] is not None else np.nan for r in rows])
    quint: list[dict[str, Any]] = []
    ok = np.isfinite(incomes)
    if ok.sum() >= 5:
        edges = np.quantile(incomes[ok], [0, 0.2, 0.4, 0.6, 0.8, 1.0])
        bins = np.clip(np.searchsorted(edges[1:-1], incomes, side="right"), 0, 4)
        for q in range(5):
            members = [r for r, inc, b in zip(rows, incomes, bins, strict=True)
                       if np.isfinite(inc) and b == q]
            pop = sum(r["population"] or 0 for r in members)
            calls = sum(r["calls"] or 0 for r in members if r["calls"] is not None)
            elig = sum(r["eligible_calls"] or 0 for r in members if r["eligible_calls"] is not None)
            quint.append({
                "quintile": q + 1, "income_min": float(edges[q]), "income_max": float(edges[q + 1]),
                "areas": len(members), "population": pop,
                "calls_per_1000": calls * annual_factor * 1000.0 / pop if pop else None,
                "eligible_per_1000": elig * annual_factor * 1000.0 / pop if pop else None,
            })
    corr: dict[str, Any] = {}
    for label, key in (("median_income", "median_income"), ("poverty_pct", "poverty_pct"),
                       ("black_pct", "black_pct")):
        pairs = [(r[key], r["eligible_per_1000"]) for r in rows
                 if r[key] is not None and r["eligible_per_1000"] is not None]
        if len(pairs) >= 8:
            res = stats.spearmanr([p[0] for p in pairs], [p[1] for p in pairs])
            corr[f"{label}_vs_eligible_per_1000"] = {"spearman_rho": float(res.statistic),
                                                     "p_value": float(res.pvalue), "areas": len(pairs)}
    return {
        "available": True, "source": source, "areas_joined": len(rows),
        "indicator_areas_unmatched": unmatched,
        "by_area": sorted(rows, key=lambda r: r["area"]), "by_income_quintile": quint, "correlations": corr,
        "note": "Rates are per 1,000 residents a year (calls annualised over the data period). "
                "Areas with suppressed counts (<10) are left out of the rates.",
    }
