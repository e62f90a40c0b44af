"""One picture of need across partners, by area and hour of week.

Inputs are canonical tables (classified 911 calls, `service_requests`, `crisis_line_kpis`,
`homelessness_counts`) and the maps into needs. 911 calls count once per call and are scaled to a
year by the span they cover; 311 rows are scaled by `RequestScale` (a sample's rows stand for the
city's annual volume); crisis-line demand is scaled from the state to the city by population.
Pure: tables in, typed results out.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from altresponse.errors import BadInput
from altresponse.partners.estimates import Estimate, poisson_interval, ratio_interval
from altresponse.partners.needs import UNMAPPED, Crosswalk311, NeedMap

HOURS_PER_WEEK = 168
WEEKS_PER_YEAR = 365.25 / 7
UNKNOWN_AREA = "unknown"
ALTERNATIVE_311_PATHWAY = "311_administrative"


def area_key(value: object) -> str:
    """Areas compare case- and space-insensitively (`NORTHWESTERN` = `Northwestern`)."""
    if value is None:
        return UNKNOWN_AREA
    text = " ".join(str(value).split()).upper()
    return text or UNKNOWN_AREA


def hour_of_week(ts_utc: Iterable[Any], time_zone: str) -> np.ndarray:
    """Local hour of week, 0 = Monday 00:00-00:59."""
    values = ts_utc if isinstance(ts_utc, pd.Series) else pd.Series(list(ts_utc))
    series = pd.to_datetime(values, utc=True).dt.tz_convert(time_zone)
    return (series.dt.day_of_week * 24 + series.dt.hour).to_numpy(dtype=int)


@dataclass(frozen=True)
class RequestScale:
    """How many of the city's 311 requests per year one input row stands for."""

    annual_volume: Estimate
    rows: int

    @property
    def per_row(self) -> float:
        return self.annual_volume.value / self.rows if self.rows else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "annual_volume": self.annual_volume.to_dict(),
            "rows": self.rows,
            "requests_per_row": round(self.per_row, 3),
        }


def annual_311_volume(random_sample: pa.Table, contiguous: pa.Table, time_zone: str, source: str) -> Estimate:
    """Annual 311 volume from a contiguous complete slice and a random sample of the whole year.

    The slice holds every request in its window; the random sample says what share of a week's
    requests fall in those hours of the week. Volume per year = slice count / share x 52.18.
    """
    created = contiguous.column("created_utc").to_pylist()
    if not created:
        raise BadInput("the contiguous 311 slice is empty")
    start, end = min(created), max(created)
    span_h = (end - start).total_seconds() / 3600
    if span_h >= HOURS_PER_WEEK:
        weeks = span_h / HOURS_PER_WEEK
        n = len(created)
        low, high = poisson_interval(n)
        return Estimate(
            n / weeks * WEEKS_PER_YEAR,
            low / weeks * WEEKS_PER_YEAR,
            high / weeks * WEEKS_PER_YEAR,
            "requests/year",
            "complete slice of a week or more, scaled to a year",
            source,
        )
    # Only whole clock hours inside the slice count, so a partly covered first or last hour cannot bias it.
    whole_start = start.replace(minute=0, second=0, microsecond=0)
    if whole_start < start:
        whole_start += timedelta(hours=1)
    whole_end = end.replace(minute=0, second=0, microsecond=0)
    hours = int((whole_end - whole_start) / timedelta(hours=1))
    if hours < 1:
        raise BadInput("the contiguous 311 slice covers less than one whole hour")
    n = sum(1 for c in created if whole_start <= c < whole_end)
    first = int(hour_of_week([whole_start], time_zone)[0])
    window = [(first + h) % HOURS_PER_WEEK for h in range(hours)]
    how = hour_of_week(random_sample.column("created_utc").to_pylist(), time_zone)
    in_window = int(np.isin(how, window).sum())
    value, low, high = ratio_interval(n, in_window, len(how))
    return Estimate(
        value * WEEKS_PER_YEAR,
        low * WEEKS_PER_YEAR,
        high * WEEKS_PER_YEAR,
        "requests/year",
        f"{n} requests in {hours} whole hours of a complete slice divided by the share of a random "
        f"sample in those hours of the week ({in_window}/{len(how)}), times 52.18 weeks",
        source,
    )


@dataclass(frozen=True)
class NeedCell:
    """Demand for one need in one area and local hour of week, per year, by source."""

    area: str
    hour_of_week: int
    need: str
    calls_911: float
    requests_311: float
    calls_911_by_pathway: Mapping[str, float] = field(default_factory=dict)

    @property
    def demand(self) -> float:
        return self.calls_911 + self.requests_311


@dataclass(frozen=True)
class NeedSummary:
    """One need across the city: how much reaches 911 and 311, and who already absorbs it."""

    need: str
    calls_911_per_year: float
    requests_311_per_year: float
    share_311: float | None
    absorbed_by: str
    calls_911_to_311_per_year: float
    calls_911_by_pathway: Mapping[str, float]
    top_311_types: tuple[tuple[str, float], ...]
    note: str
    calls_911_311_has_type_per_year: float = 0.0
    calls_911_311_has_type: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class PlaceOverlap:
    """An area that ranks high for one need in both 911 and 311: same places, same problem."""

    need: str
    area: str
    calls_911_per_year: float
    requests_311_per_year: float
    rank_911: int
    rank_311: int


@dataclass(frozen=True)
class RelatedPlaces:
    """A 311 need and a 911 need compared across areas: do they point to the same places?"""

    need_311: str
    need_911: str
    areas: int
    spearman: float | None
    top_in_both: tuple[str, ...]


@dataclass(frozen=True)
class CrisisLineDemand:
    """Crisis-line contacts scaled from a state to the city, and how they compare with 911."""

    region: str
    months: int
    period: str
    city_share: float
    contacts_per_year: Estimate
    answer_rate: float | None
    calls_911_behavioral_per_year: float | None
    note: str


@dataclass(frozen=True)
class HomelessnessPicture:
    """PIT, HIC and SPM headline figures for one Continuum of Care."""

    coc_number: str
    pit_year: int | None
    pit_count_type: str | None
    overall: float | None
    sheltered: float | None
    unsheltered: float | None
    unsheltered_year: int | None
    chronically_homeless: float | None
    unaccompanied_youth: float | None
    hic_year: int | None
    beds_es_th_sh: float | None
    beds_psh: float | None
    beds_rrh: float | None
    spm_year: int | None
    persons_exiting_street_outreach: Mapping[int, float]
    median_days_homeless_es_sh: float | None
    returns_24_months_share: float | None
    notes: tuple[str, ...]


@dataclass(frozen=True)
class NeedPicture:
    """Need across partners: the area x hour-of-week grid and what it says."""

    cells: tuple[NeedCell, ...]
    summaries: tuple[NeedSummary, ...]
    place_overlaps: tuple[PlaceOverlap, ...]
    crisis_line: CrisisLineDemand | None
    homelessness: HomelessnessPicture | None
    request_scale: RequestScale | None
    calls_911_years: float | None
    calls_911_rows: int
    requests_311_rows: int
    unmapped_311: Mapping[str, int]
    unmapped_911_rows: int
    sources: tuple[str, ...]
    related_places: tuple[RelatedPlaces, ...] = ()

    def summary(self, need: str) -> NeedSummary:
        for s in self.summaries:
            if s.need == need:
                return s
        raise KeyError(need)

    def demand(self) -> dict[tuple[str, int, str], float]:
        """(area, hour_of_week, need) -> demand per year, the grid `harmonize` reads."""
        return {(c.area, c.hour_of_week, c.need): c.demand for c in self.cells}

    def to_dict(self, suppress_below: float = 0.0) -> dict[str, Any]:
        """JSON-ready; cells with yearly demand below `suppress_below` are left out of public output."""
        from altresponse.partners.serialize import plain

        kept = [c for c in self.cells if c.demand >= suppress_below]
        return {
            "cells": [plain(c) for c in kept],
            "cells_suppressed": len(self.cells) - len(kept),
            "summaries": [plain(s) for s in self.summaries],
            "place_overlaps": [plain(p) for p in self.place_overlaps],
            "related_places": [plain(r) for r in self.related_places],
            "crisis_line": plain(self.crisis_line),
            "homelessness": plain(self.homelessness),
            "request_scale": None if self.request_scale is None else self.request_scale.to_dict(),
            "calls_911_years": self.calls_911_years,
            "calls_911_rows": self.calls_911_rows,
            "requests_311_rows": self.requests_311_rows,
            "unmapped_311": dict(self.unmapped_311),
            "unmapped_911_rows": self.unmapped_911_rows,
            "sources": list(self.sources),
        }


def crisis_line_demand(
    kpis: pa.Table,
    *,
    region: str,
    city_population: int,
    region_population: int,
    last_months: int = 12,
    calls_911_behavioral_per_year: float | None = None,
    source: str,
) -> CrisisLineDemand:
    """City crisis-line contacts per year: the region's last `last_months` months, scaled by population."""
    rows = [r for r in kpis.to_pylist() if r["region"] == region and r["received"] is not None]
    if not rows:
        raise BadInput(f"crisis-line KPIs have no rows for region {region!r}")
    if region_population <= 0 or city_population <= 0:
        raise BadInput("crisis-line scaling needs positive city and region populations")
    rows.sort(key=lambda r: r["period_start"])
    rows = rows[-last_months:]
    share = city_population / region_population
    monthly = np.array([r["received"] for r in rows], float) * share
    answered = sum(r["answered_in_region"] or 0 for r in rows)
    received = sum(r["received"] for r in rows)
    period = f"{rows[0]['period_start']:%Y-%m} to {rows[-1]['period_start']:%Y-%m}"
    est = Estimate(
        float(monthly.mean() * 12),
        float(monthly.min() * 12),
        float(monthly.max() * 12),
        "contacts/year",
        f"mean of {len(rows)} months of contacts received x 12 (range: lowest and highest month "
        f"x 12), scaled by population share {share:.4f}",
        source,
    )
    note = (
        "Calls only (no chat or text), and not those offered to the Veterans Crisis Line or the "
        "Spanish-language sub-network; population scaling assumes the city calls at the state's rate."
    )
    return CrisisLineDemand(
        region,
        len(rows),
        period,
        share,
        est,
        answered / received if received else None,
        calls_911_behavioral_per_year,
        note,
    )


def _latest(values: dict[int, float]) -> tuple[int | None, float | None]:
    if not values:
        return None, None
    year = max(values)
    return year, values[year]


def homelessness_picture(counts: pa.Table, coc_number: str) -> HomelessnessPicture:
    """Headline figures for a CoC from a `homelessness_counts` table (any mix of PIT, HIC, SPM files)."""
    by: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
    count_types: dict[int, str] = {}
    for r in counts.to_pylist():
        if r["coc_number"] != coc_number or r["value"] is None:
            continue
        by[(r["kind"], r["measure"])][int(r["year"])] = float(r["value"])
        if r["kind"] == "pit" and r["count_type"]:
            count_types[int(r["year"])] = r["count_type"]
    if not by:
        raise BadInput(f"homelessness counts have no rows for CoC {coc_number!r}")

    def pit(measure: str) -> dict[int, float]:
        return by.get(("pit", measure), {})

    pit_year, overall = _latest(pit("Overall Homeless"))
    full_years = {y for y, t in count_types.items() if "Unsheltered" in t}
    unsheltered_full = {y: v for y, v in pit("Unsheltered Homeless").items() if y in full_years}
    unsheltered_year, unsheltered = _latest(unsheltered_full)
    notes = []
    if pit_year is not None and pit_year not in full_years:
        notes.append(
            f"PIT {pit_year} was a sheltered-only count; the unsheltered figure is from the last full "
            f"count ({unsheltered_year})."
        )
    hic_es = by.get(("hic", "year_round_beds_es_th_sh"), {})
    hic_year, beds = _latest(hic_es)
    spm_so = {
        y: v
        for (k, m), series in by.items()
        if k == "spm" and m.startswith("Total Persons Exiting Street Outreach")
        for y, v in series.items()
    }
    spm_median = by.get(("spm", "ES-SH Median (Days)"), {})
    returns = by.get(
        (
            "spm",
            "Percent Returns in 24 mths (should include both the 6- and 12-month cohort) "
            "[exited from SO+ES+TH+SH+PH]",
        ),
        {},
    )
    spm_year = max(spm_median) if spm_median else (max(spm_so) if spm_so else None)
    return HomelessnessPicture(
        coc_number=coc_number,
        pit_year=pit_year,
        pit_count_type=count_types.get(pit_year) if pit_year else None,
        overall=overall,
        sheltered=pit("Sheltered Total Homeless").get(pit_year) if pit_year else None,
        unsheltered=unsheltered,
        unsheltered_year=unsheltered_year,
        chronically_homeless=pit("Overall Chronically Homeless Individuals").get(pit_year)
        if pit_year
        else None,
        unaccompanied_youth=pit("Overall Homeless Unaccompanied Youth (Under 25)").get(pit_year)
        if pit_year
        else None,
        hic_year=hic_year,
        beds_es_th_sh=beds,
        beds_psh=by.get(("hic", "year_round_beds_psh"), {}).get(hic_year) if hic_year else None,
        beds_rrh=by.get(("hic", "year_round_beds_rrh"), {}).get(hic_year) if hic_year else None,
        spm_year=spm_year,
        persons_exiting_street_outreach=dict(sorted(spm_so.items())),
        median_days_homeless_es_sh=spm_median.get(spm_year) if spm_year else None,
        returns_24_months_share=returns.get(spm_year) if spm_year else None,
        notes=tuple(notes),
    )


def _absorbed_by(calls: float, requests: float) -> str:
    if calls <= 0 and requests <= 0:
        return "none"
    if calls <= 0:
        return "311"
    if requests <= 0:
        return "911"
    share = requests / (calls + requests)
    return "311" if share >= 2 / 3 else ("911" if share <= 1 / 3 else "both")


def need_picture(
    *,
    need_map: NeedMap,
    calls: pa.Table | None = None,
    requests: pa.Table | None = None,
    crosswalk_311: Crosswalk311 | None = None,
    request_scale: RequestScale | None = None,
    time_zone: str,
    area_column: str = "district",
    calls_years: float | None = None,
    crisis_line: CrisisLineDemand | None = None,
    homelessness: HomelessnessPicture | None = None,
    top_places: int = 3,
    sources: Iterable[str] = (),
) -> NeedPicture:
    """Build the grid and its summaries.

    `calls`: classified calls with `received_utc`, `common_type`, `category`, `pathway` and the area
    column. `requests`: `service_requests` rows, mapped through `crosswalk_311` and scaled by
    `request_scale` (one row = one request per year when no scale is given, i.e. a year of data).
    """
    grid_911: dict[tuple[str, int, str], float] = defaultdict(float)
    grid_path: dict[tuple[str, int, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    grid_311: dict[tuple[str, int, str], float] = defaultdict(float)
    types_311: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    # 911 call types that 311 has a request type for (the crosswalk's absorbs_911 entries)
    takeable = (
        {e.common_type for e in crosswalk_311.entries if e.absorbs_911 and e.common_type}
        if crosswalk_311 is not None
        else set()
    )
    takeable_911: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    unmapped_911 = 0
    years = calls_years
    n_calls = 0
    if calls is not None and calls.num_rows:
        n_calls = calls.num_rows
        frame = calls.select([area_column, "common_type", "category", "pathway"]).to_pandas()
        received = calls.column("received_utc")
        if not years:
            lo, hi = pc.min_max(received).values()
            years = max((hi.as_py() - lo.as_py()).total_seconds() / 86400, 1.0) / 365.25
        weight = 1.0 / years if years else 0.0
        frame["how"] = hour_of_week(received.to_pandas(), time_zone)
        frame["area"] = frame[area_column].map({a: area_key(a) for a in frame[area_column].unique()})
        pairs = frame[["common_type", "category"]].drop_duplicates()
        pairs["need"] = [
            need_map.for_call(t, c) for t, c in zip(pairs["common_type"], pairs["category"], strict=True)
        ]
        frame = frame.merge(pairs, on=["common_type", "category"], how="left")
        unmapped_911 = int((frame["need"] == UNMAPPED).sum())
        grouped = frame.groupby(["area", "how", "need", "pathway", "common_type"], dropna=False).size()
        for (a, h, need, pw, ct), n in grouped.items():
            key = (str(a), int(h), str(need))
            value = float(n) * weight
            if ct in takeable:
                takeable_911[str(need)][str(ct)] += value
            grid_911[key] += value
            grid_path[key][str(pw)] += value
    unmapped_311: Counter[str] = Counter()
    n_requests = 0
    if requests is not None and requests.num_rows:
        if crosswalk_311 is None:
            raise BadInput("311 requests need the city's 311 crosswalk (profile partners.crosswalk_311)")
        n_requests = requests.num_rows
        per_row = request_scale.per_row if request_scale else 1.0
        how = hour_of_week(requests.column("created_utc").to_pylist(), time_zone)
        areas = [area_key(a) for a in requests.column(area_column).to_pylist()]
        for a, h, rtype in zip(areas, how, requests.column("request_type").to_pylist(), strict=True):
            need = crosswalk_311.need(rtype)
            if need == UNMAPPED:
                unmapped_311[rtype] += 1
            grid_311[(a, int(h), need)] += per_row
            types_311[need][rtype] += per_row
    keys = sorted(set(grid_911) | set(grid_311))
    cells = tuple(
        NeedCell(
            a,
            h,
            n,
            grid_911.get((a, h, n), 0.0),
            grid_311.get((a, h, n), 0.0),
            dict(sorted(grid_path.get((a, h, n), {}).items())),
        )
        for a, h, n in keys
    )
    needs = sorted({k[2] for k in keys})
    summaries = []
    for need in needs:
        c = sum(v for k, v in grid_911.items() if k[2] == need)
        r = sum(v for k, v in grid_311.items() if k[2] == need)
        paths: dict[str, float] = defaultdict(float)
        for k, counter in grid_path.items():
            if k[2] == need:
                for pathway, v in counter.items():
                    paths[pathway] += v
        to_311 = paths.get(ALTERNATIVE_311_PATHWAY, 0.0)
        absorbed = _absorbed_by(c, r)
        if need == "behavioral_health" and crisis_line is not None:
            absorbed = "crisis_line" if crisis_line.contacts_per_year.value >= c else absorbed
        could = sum(takeable_911[need].values())
        note = _note(need, c, r, to_311, absorbed, crosswalk_311, could)
        summaries.append(
            NeedSummary(
                need,
                c,
                r,
                (r / (c + r)) if (c + r) else None,
                absorbed,
                to_311,
                dict(sorted(paths.items())),
                tuple(_top(types_311[need], 5)),
                note,
                could,
                tuple(_top(takeable_911[need])),
            )
        )
    overlaps = _place_overlaps(grid_911, grid_311, needs, top_places)
    if crisis_line is not None and calls is not None and calls.num_rows:
        bh = sum(v for k, v in grid_911.items() if k[2] == "behavioral_health")
        crisis_line = replace(crisis_line, calls_911_behavioral_per_year=bh)
    related = tuple(_related(grid_911, grid_311, a, b, top_places) for a, b in need_map.related)
    return NeedPicture(
        cells,
        tuple(summaries),
        overlaps,
        crisis_line,
        homelessness,
        request_scale,
        years,
        n_calls,
        n_requests,
        dict(unmapped_311.most_common()),
        unmapped_911,
        tuple(sources),
        related,
    )


def _by_area(grid: Mapping[tuple[str, int, str], float], need: str) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for (a, _, n), v in grid.items():
        if n == need and a != UNKNOWN_AREA:
            out[a] += v
    return dict(out)


def _related(
    grid_911: Mapping[tuple[str, int, str], float],
    grid_311: Mapping[tuple[str, int, str], float],
    need_311: str,
    need_911: str,
    top: int,
) -> RelatedPlaces:
    """Rank correlation across areas of 311 demand for one need and 911 demand for another."""
    from scipy.stats import spearmanr

    r311, r911 = _by_area(grid_311, need_311), _by_area(grid_911, need_911)
    areas = sorted(set(r311) | set(r911))
    rho = None
    if len(areas) >= 3:
        x = [r311.get(a, 0.0) for a in areas]
        y = [r911.get(a, 0.0) for a in areas]
        # a rank correlation needs spread on both sides: at least three areas with demand on each
        if sum(v > 0 for v in x) >= 3 and sum(v > 0 for v in y) >= 3:
            rho = float(spearmanr(x, y).statistic)
    top_311 = {a for a, _ in _top(r311, top)}
    top_911 = {a for a, _ in _top(r911, top)}
    return RelatedPlaces(need_311, need_911, len(areas), rho, tuple(sorted(top_311 & top_911)))


def _note(
    need: str,
    calls: float,
    requests: float,
    to_311: float,
    absorbed: str,
    crosswalk: Crosswalk311 | None,
    could_take: float = 0.0,
) -> str:
    parts = []
    if absorbed == "311":
        parts.append(
            f"311 already takes most of this need ({requests:.0f} requests/yr vs {calls:.0f} 911 calls/yr)"
        )
    elif absorbed == "crisis_line":
        parts.append("the crisis line already takes more contacts than 911 carries for this need")
    elif absorbed == "911" and calls > 0:
        parts.append(f"911 carries most of this need ({calls:.0f} calls/yr)")
    if could_take > 0:
        parts.append(
            f"911 carries {could_take:.0f} calls/yr of types 311 has a request type for: work 311 could take"
        )
    if to_311 > 0:
        parts.append(
            f"{to_311:.0f} 911 calls/yr go to the 311 pathway under the protocol: work 311 could take"
        )
    if crosswalk is not None and calls > 0 and requests == 0 and crosswalk.types_for_need(need):
        parts.append("311 has request types for this need but none were seen in the 311 data")
    if calls == 0 and requests > 0:
        parts.append("no 911 code maps to this need: 311 is its only source of demand")
    return "; ".join(parts)


def _top(values: Mapping[str, float], n: int | None = None) -> tuple[tuple[str, float], ...]:
    ranked = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))
    return tuple(ranked if n is None else ranked[:n])


def _place_overlaps(
    grid_911: Mapping[tuple[str, int, str], float],
    grid_311: Mapping[tuple[str, int, str], float],
    needs: list[str],
    top: int,
) -> tuple[PlaceOverlap, ...]:
    out = []
    for need in needs:
        a911: dict[str, float] = defaultdict(float)
        a311: dict[str, float] = defaultdict(float)
        for (a, _, n), v in grid_911.items():
            if n == need and a != UNKNOWN_AREA:
                a911[a] += v
        for (a, _, n), v in grid_311.items():
            if n == need and a != UNKNOWN_AREA:
                a311[a] += v
        r911 = {a: i + 1 for i, (a, _) in enumerate(sorted(a911.items(), key=lambda kv: (-kv[1], kv[0])))}
        r311 = {a: i + 1 for i, (a, _) in enumerate(sorted(a311.items(), key=lambda kv: (-kv[1], kv[0])))}
        for area in sorted(set(r911) & set(r311)):
            if r911[area] <= top and r311[area] <= top:
                out.append(PlaceOverlap(need, area, a911[area], a311[area], r911[area], r311[area]))
    return tuple(out)


def period_label(start: date, end: date) -> str:
    return f"{start:%Y-%m-%d} to {end:%Y-%m-%d}"
