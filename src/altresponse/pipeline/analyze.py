"""`run_analysis`: classify calls, compute the landscape, write report.html + summary.json.

This is the adapter at the edge: it reads Parquet, GeoJSON and CSV, calls the pure parts
(taxonomy, protocol, risk, geo, landscape metrics), and writes the outputs atomically.
"""

from __future__ import annotations

import csv
import datetime as dt
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from altresponse import schema
from altresponse.analysis.checks import (
    category_checks,
    gap_check,
    not_calls_check,
    sample_check,
    unmapped_check,
)
from altresponse.analysis.config import AnalysisConfig, IndicatorColumns
from altresponse.analysis.equity import equity_summary, parse_number
from altresponse.analysis.landscape import AREA_COLUMNS, Landscape, NotCalls, landscape_headline
from altresponse.analysis.published import compare_published
from altresponse.errors import BadInput
from altresponse.facts import BUSY_CAP_HOURS
from altresponse.fsio import write_json_atomic, write_text_atomic
from altresponse.geo import Boundaries, load_boundaries, normalize_area_name
from altresponse.pipeline.classify import ClassifySummary, _sql_path, classify_calls, connect
from altresponse.profile import Profile
from altresponse.results import LANDSCAPE_FACTS_FILE, LandscapeFacts

SUMMARY_VERSION = "1"


def layer_key_for(path: Path) -> str:
    """Guess the boundary layer (districts, neighborhoods, csas) from a file name."""
    name = path.name.lower()
    if "csa" in name:
        return "csas"
    if "district" in name:
        return "districts"
    if "neighborhood" in name or "neighbourhood" in name:
        return "neighborhoods"
    raise BadInput("cannot tell which layer this boundary file is (name it layer=PATH with layer one of "
                   f"{', '.join(AREA_COLUMNS)})", file=str(path))


def load_layers(boundaries: Mapping[str, str | Path] | None) -> dict[str, Boundaries]:
    layers: dict[str, Boundaries] = {}
    for key, path in (boundaries or {}).items():
        if key not in AREA_COLUMNS:
            raise BadInput(f"unknown boundary layer {key!r} (expected one of {', '.join(AREA_COLUMNS)})")
        layers[key] = load_boundaries(Path(path), layer=key)
    return layers


def analyze_classified(
    classified_parquet: str | Path,
    profile: Profile | None,
    *,
    layers: Mapping[str, Boundaries] | None = None,
    indicators: str | Path | None = None,
    classify_summary: ClassifySummary | None = None,
    cfg: AnalysisConfig | None = None,
    sample_fraction: float | None = None,
    allow_unreviewed: bool = False,
) -> dict[str, Any]:
    """The summary dict (summary.json) for an already-classified Parquet file.

    Refuses (BadInput) an export that looks like a sample without `sample_fraction`, and one with
    more unmapped calls than `checks.MAX_UNREVIEWED_SHARE` unless `allow_unreviewed`.
    """
    cfg = cfg or AnalysisConfig.from_profile(profile)
    layers = dict(layers or {})
    if sample_fraction is not None and not 0 < sample_fraction <= 1:
        raise BadInput(f"--sample-fraction must be in (0, 1], got {sample_fraction}")
    con = connect()
    try:
        con.execute(f"CREATE VIEW calls AS SELECT * FROM read_parquet({_sql_path(Path(classified_parquet))})")
        land = Landscape(con, cfg, sample_fraction=sample_fraction or 1.0, not_calls=_not_calls())
        if land.rows == 0:
            raise BadInput("the calls file has no rows: nothing to analyse", file=str(classified_parquet))
        by_year, full_years = land.calls_by_year()
        unmapped = int(land._scalar("SELECT coalesce(sum(n), 0) FROM base WHERE common_type = 'unmapped'"))
        data_checks = [
            sample_check(land.rows, land.days, by_year, full_years, sample_fraction),
            unmapped_check(unmapped, land.rows, allow_unreviewed),
        ]
        refused = [c for c in data_checks if c.status == "refused"]
        if refused:
            raise BadInput(" ".join(c.message for c in refused), file=str(classified_parquet))
        categories = land.shares("category")
        pathways = land.shares("pathway")
        types = land.type_table()
        risk = land.risk(types)
        scenarios = land.scenarios(types, risk)
        summary: dict[str, Any] = {
            "summary_version": SUMMARY_VERSION,
            "generated_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "city": profile.city if profile else None,
            "rows": land.rows,
            "period": land.period(),
            "scope": {"name": land.scope.name, "calls": land.scope_rows, "note": land.scope.note,
                      "civilian_pathways": cfg.civilian_pathways},
            "mapping": land.mapping(classify_summary.as_dict() if classify_summary else None),
            "origin_shares": land.origin_shares(),
            "category_shares": categories,
            "pathway_shares": pathways,
            "type_shares": [
                {"common_type": t["common_type"], "category": t["category"], "calls": int(t["calls"]),
                 "share": t["calls"] / land.rows if land.rows else 0.0, "pathway": t["pathway"]}
                for t in types
            ],
            "scenarios": scenarios,
            "officer_time": land.officer_time(categories),
            "candidates": land.candidates(types, risk, scenarios),
            "hour_of_week": land.hour_of_week(),
            "repeat_locations": land.repeat_locations(),
            "by_area": land.by_area(layers),
            "config": {**cfg.model_dump(), "civilian_pathways": cfg.civilian_pathways,
                       "fte_hours": cfg.fte_hours, "max_busy_hours": BUSY_CAP_HOURS},
        }
        gaps = land.gaps()
        data_checks.insert(0, gap_check(sum(g.days for g in gaps), len(gaps), land.days))
        data_checks.extend(category_checks(categories))
        not_calls = land.not_call_counts()
        data_checks.append(not_calls_check(not_calls, land.rows))
        summary["not_calls"] = not_calls
        summary["data_checks"] = [c.as_dict() for c in data_checks]
        summary["calls_by_year"] = by_year
        summary["risk"] = land.risk_summary(types, risk)
        summary["officer_hours_per_call"] = land.officer_hours_per_call(types)
        headline = landscape_headline(land.typed_period(), scenarios, data=Path(classified_parquet).name)
        summary["headline"] = headline.as_json()
        summary["headline_call_sets"] = headline.call_sets
    finally:
        con.close()
    summary["equity"] = _equity(summary, indicators, cfg, land.annual)
    summary["published_comparison"] = compare_published(summary)
    return summary


def _not_calls() -> NotCalls:
    """Status records and officer-initiated call types, from the schema and the type catalogue."""
    from altresponse.taxonomy import load_catalogue

    origins = load_catalogue().implied_origins()
    officer = tuple(sorted(t for t, o in origins.items() if o == "officer_initiated"))
    return NotCalls(categories=tuple(schema.NOT_CALL_CATEGORIES), officer_initiated_types=officer)


def _equity(summary: dict[str, Any], indicators: str | Path | None, cfg: AnalysisConfig,
            annual: float) -> dict[str, Any]:
    if indicators is None:
        return {"available": False, "reason": "no indicators file given (--indicators)"}
    csa = summary["by_area"].get("csa")
    if not csa:
        return {"available": False, "reason": "calls carry no CSA and no CSA boundaries were given"}
    rows = read_indicators(indicators, cfg.indicator_columns(str(indicators)))
    return equity_summary(csa["areas"], rows, annual_factor=annual, source=Path(indicators).name)


def run_analysis(
    calls_parquet: str | Path,
    out_dir: str | Path,
    profile: Profile,
    boundaries: Mapping[str, str | Path] | None = None,
    indicators: str | Path | None = None,
    *,
    crosswalk: str | None = None,
    sample_fraction: float | None = None,
    allow_unreviewed: bool = False,
) -> dict[str, Any]:
    """Classify `calls_parquet`, analyse it, write classified.parquet, summary.json and report.html.

    `boundaries` maps layer (districts, neighborhoods, csas) to a GeoJSON path; `indicators` is an
    area indicators CSV (BNIA Vital Signs columns by default). Returns the summary dict.
    """
    from altresponse.report.landscape import render_landscape

    started = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    classified = out / "classified.parquet"
    layers = load_layers(boundaries)
    csum = classify_calls(calls_parquet, classified, profile, crosswalk=crosswalk)
    t_classify = time.perf_counter() - started
    summary = analyze_classified(classified, profile, layers=layers, indicators=indicators,
                                 classify_summary=csum, sample_fraction=sample_fraction,
                                 allow_unreviewed=allow_unreviewed)
    summary["inputs"] = {
        "calls": Path(calls_parquet).name,
        "boundaries": {k: Path(v).name for k, v in (boundaries or {}).items()},
        "indicators": Path(indicators).name if indicators else None,
    }
    summary["timings_s"] = {"classify": round(t_classify, 3),
                            "analyze": round(time.perf_counter() - started - t_classify, 3)}
    summary["outputs"] = {"classified": str(classified), "summary": str(out / "summary.json"),
                          "report": str(out / "report.html")}
    facts = LandscapeFacts.from_summary(summary, file=str(out))
    html = render_landscape(summary, layers, facts.headline)
    write_text_atomic(out / LANDSCAPE_FACTS_FILE, facts.model_dump_json(indent=1))
    write_json_atomic(out / "summary.json", summary)
    write_text_atomic(out / "report.html", html)
    summary["timings_s"]["total"] = round(time.perf_counter() - started, 3)
    return summary


def read_indicators(path: str | Path, cols: IndicatorColumns) -> list[dict[str, Any]]:
    """Rows of the indicators CSV with the configured columns as floats (area name kept as text)."""
    p = Path(path)
    try:
        with open(p, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            need = [cols.area, cols.population]
            missing = [c for c in need if c not in header]
            if missing:
                raise BadInput(f"indicators CSV lacks columns {missing}", file=str(p), line=1,
                               column=missing[0])
            rows = list(reader)
    except OSError as exc:
        raise BadInput(f"cannot read indicators: {exc}", file=str(p)) from exc
    out = []
    skip = {normalize_area_name(a) for a in cols.exclude_areas}
    for r in rows:
        name = (r.get(cols.area) or "").strip()
        if not name or normalize_area_name(name) in skip:
            continue
        out.append({
            "area": name,
            "population": parse_number(r.get(cols.population)),
            "median_income": parse_number(r.get(cols.income)),
            "poverty_pct": parse_number(r.get(cols.poverty)),
            "black_pct": parse_number(r.get(cols.black)),
            "white_pct": parse_number(r.get(cols.white)),
            "hispanic_pct": parse_number(r.get(cols.hispanic)),
        })
    return out
