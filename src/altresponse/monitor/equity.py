"""Area profiles for the equity breakdowns: income band and majority group from the city's indicators."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from altresponse.geo import normalize_area_name
from altresponse.monitor.facts import INCOME_BANDS, AreaProfile

BANDS = INCOME_BANDS


def _majority(row: Mapping[str, Any]) -> str | None:
    groups = {
        "Black": row.get("black_pct"),
        "white": row.get("white_pct"),
        "Hispanic": row.get("hispanic_pct"),
    }
    known = {k: v for k, v in groups.items() if v is not None}
    if not known:
        return None
    top = max(known, key=lambda k: known[k])
    return f"majority {top}" if known[top] > 50 else "no majority group"


def area_profiles(indicators: Sequence[Mapping[str, Any]], areas: Iterable[str]) -> dict[str, AreaProfile]:
    """Profiles for the given area names (matched to the indicator rows by normalised name).

    Income bands are fifths of the median household income across the indicator areas; an area
    with no income or no matching row gets no band (reported as 'unknown', never guessed).
    """
    by_name = {normalize_area_name(str(r["area"])): r for r in indicators}
    incomes = np.array([r["median_income"] for r in indicators if r.get("median_income") is not None], float)
    edges = np.quantile(incomes, [0.2, 0.4, 0.6, 0.8]) if incomes.size >= 5 else None
    out = {}
    for a in areas:
        row = by_name.get(normalize_area_name(a))
        if row is None:
            out[a] = AreaProfile(a)
            continue
        income = row.get("median_income")
        band = (
            None
            if income is None or edges is None
            else BANDS[int(np.searchsorted(edges, income, side="right"))]
        )
        out[a] = AreaProfile(a, band, _majority(row))
    return out
