"""`run_analysis`: classify calls, compute the landscape, write report.html + summary.json.

This is the adapter at the edge: it reads Parquet, GeoJSON and CSV, calls the pure parts
(taxonomy, protocol, risk, geo, landscape metrics), and writes the outputs atomically.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from altresponse.analysis.classify import ClassifySummary, _sql_path, classify_calls, connect
from altresponse.analysis.config import AnalysisConfig
from altresponse.analysis.equity import equity_summary, read_indicators
from altresponse.analysis.landscape import AREA_COLUMNS, Landscape
from altresponse.analysis.published import compare_published
from altresponse.errors import BadInput
from altresponse.fsio import write_json_atomic, write_text_atomic
from altresponse.geo import Boundaries, load_boundaries
from altresponse.profile import Profile

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
) -> dict[str, Any]:
    """The summary dict (summary.json) for an already-classified Parquet file."""
    cfg = cfg or AnalysisConfig.from_profile(profile)
    layers = dict(layers or {})
    con = connect()
    try:
        con.execute(f"CREATE VIEW calls AS SELECT * FROM read_parquet({_sql_path(Path(classified_parquet))})")
        land = Landscape(con, cfg)
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
            "config": cfg.model_dump(),
        }
        summary["risk"] = land.risk_summary(types, risk)
    finally:
        con.close()
    summary["equity"] = _equity(summary, indicators, cfg, land.annual)
    summary["published_comparison"] = compare_published(summary)
    return summary


def _equity(summary: dict[str, Any], indicators: str | Path | None, cfg: AnalysisConfig,
            annual: float) -> dict[str, Any]:
    if indicators is None:
        return {"available": False, "reason": "no indicators file given (--indicators)"}
    csa = summary["by_area"].get("csa")
    if not csa:
        return {"available": False, "reason": "calls carry no CSA and no CSA boundaries were given"}
    rows = read_indicators(indicators, cfg.indicators)
    return equity_summary(csa["areas"], rows, annual_factor=annual, source=Path(indicators).name)


def run_analysis(
    calls_parquet: str | Path,
    out_dir: str | Path,
    profile: Profile,
    boundaries: Mapping[str, str | Path] | None = None,
    indicators: str | Path | None = None,
    *,
    crosswalk: str | None = None,
) -> dict[str, Any]:
    """Classify `calls_parquet`, analyse it, write classified.parquet, summary.json and report.html.

    `boundaries` maps layer (districts, neighborhoods, csas) to a GeoJSON path; `indicators` is an
    area indicators CSV (BNIA Vital Signs columns by default). Returns the summary dict.
    """
    from altresponse.report.landscape import render_landscape
    from altresponse.results import Headline

    started = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    classified = out / "classified.parquet"
    layers = load_layers(boundaries)
    csum = classify_calls(calls_parquet, classified, profile, crosswalk=crosswalk)
    t_classify = time.perf_counter() - started
    summary = analyze_classified(classified, profile, layers=layers, indicators=indicators,
                                 classify_summary=csum)
    summary["inputs"] = {
        "calls": Path(calls_parquet).name,
        "boundaries": {k: Path(v).name for k, v in (boundaries or {}).items()},
        "indicators": Path(indicators).name if indicators else None,
    }
    summary["timings_s"] = {"classify": round(t_classify, 3),
                            "analyze": round(time.perf_counter() - started - t_classify, 3)}
    summary["outputs"] = {"classified": str(classified), "summary": str(out / "summary.json"),
                          "report": str(out / "report.html")}
    html = render_landscape(summary, layers, Headline())
    write_json_atomic(out / "summary.json", summary)
    write_text_atomic(out / "report.html", html)
    summary["timings_s"]["total"] = round(time.perf_counter() - started, 3)
    return summary
