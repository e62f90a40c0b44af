"""Read the plan's inputs from files: classified calls (per-type volumes and area x hour-of-week
demand, with DuckDB), saved JSON results, and the most underserved areas from the city's indicators.

The edge of the plan: the plan models only see the plain objects made here (`plan.inputs`).
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from altresponse.errors import BadInput
from altresponse.facts import SAFETY_OUTCOMES_DEFAULT
from altresponse.plan.gaps import HOURS_OF_WEEK, Demand
from altresponse.plan.inputs import AREA_LEVELS, LocalData, TypeStats


def _has_values(con: duckdb.DuckDBPyConnection, col: str) -> bool:
    row = con.execute(f"SELECT count({col}) FROM c").fetchone()
    return bool(row and row[0])



def read_classified(path: str | Path, *, time_zone: str, period_days: float, annual_factor: float,
                    underserved: set[str] | None = None,
                    serious_classes: tuple[str, ...] = SAFETY_OUTCOMES_DEFAULT) -> LocalData:
    """Per-type volumes and area x hour-of-week demand from a classified calls Parquet.

    The period is the landscape's measured one (`period_days`), so annual figures match its pages.
    """
    path = Path(path)
    if not path.exists():
        raise BadInput(f"classified calls not found: {path} (run `altresponse analyze` first)")
    con = duckdb.connect()
    try:
        quoted = str(path).replace("'", "''")
        con.execute(f"CREATE VIEW c AS SELECT * FROM read_parquet('{quoted}')")
        cols = {r[0] for r in con.execute("DESCRIBE c").fetchall()}
        need = {"common_type", "category", "pathway", "received_utc", "disposition_class"}
        missing = need - cols
        if missing:
            raise BadInput(f"classified calls lack columns {sorted(missing)}", file=str(path))
        span = con.execute(
            "SELECT count(*), min(received_utc), max(received_utc), "
            "bool_or(coalesce(is_synthetic, false)) FROM c"
            if "is_synthetic" in cols else
            "SELECT count(*), min(received_utc), max(received_utc), false FROM c"
        ).fetchone()
        assert span is not None
        rows, first, last, synthetic = span
        if not rows:
            raise BadInput("classified calls file has no rows", file=str(path))
        days = period_days
        factor = annual_factor
        level = next((lv for lv in AREA_LEVELS if lv in cols and _has_values(con, lv)), None)
        underserved = underserved or set()
        under_list = sorted(a.upper() for a in underserved)
        area_expr = f"coalesce({level}, 'unknown')" if level else "'citywide'"
        under_expr = (f"upper({level}) IN (SELECT unnest(?::VARCHAR[]))" if level and under_list else "false")
        busy = "unit_busy_s" in cols and _has_values(con, "unit_busy_s")
        busy_sql = ("sum(unit_busy_s) / 3600.0, avg(unit_busy_s) / 3600.0, median(unit_busy_s) / 3600.0,"
                    " count(unit_busy_s)") if busy else "NULL, NULL, NULL, 0"
        params: list[Any] = [list(serious_classes)]
        if under_expr != "false":
            params.append(under_list)
        stats = con.execute(f"""
            SELECT common_type, mode(category), mode(pathway), count(*),
                   count(*) FILTER (WHERE disposition_class <> 'unknown'),
                   count(*) FILTER (WHERE disposition_class IN (SELECT unnest(?::VARCHAR[]))),
                   count(*) FILTER (WHERE {under_expr}),
                   count(*) FILTER (WHERE {area_expr} NOT IN ('unknown')),
                   {busy_sql}
            FROM c GROUP BY common_type ORDER BY common_type
        """, params).fetchall()
        types: dict[str, TypeStats] = {}
        for (t, cat, pw, n, known, serious, under, located, _busy_sum, busy_mean, busy_med, busy_n) in stats:
            officer = None
            if busy and busy_n:
                officer = float(busy_mean) * n * factor  # calls without times assumed like those with
            types[str(t)] = TypeStats(
                type_id=str(t), category=str(cat), pathway=str(pw), calls=int(n), annual_calls=n * factor,
                officer_hours=officer, busy_hours_median=None if busy_med is None else float(busy_med),
                n_known=int(known), k_serious=int(serious), underserved_calls=int(under),
                located_calls=int(located),
            )
        how_rows = con.execute(f"""
            SELECT common_type, {area_expr} AS area,
                   ((isodow(timezone(?, received_utc)) - 1) * 24
                    + hour(timezone(?, received_utc)))::INT AS how,
                   count(*)
            FROM c GROUP BY ALL
        """, [time_zone, time_zone]).fetchall()
    finally:
        con.close()
    areas_by_type: dict[str, list[str]] = {}
    for t, a, _, _ in how_rows:
        areas_by_type.setdefault(str(t), [])
        if a not in areas_by_type[str(t)]:
            areas_by_type[str(t)].append(str(a))
    all_areas = tuple(sorted({str(a) for _, a, _, _ in how_rows}))
    index = {a: i for i, a in enumerate(all_areas)}
    mats = {t: np.zeros((len(all_areas), HOURS_OF_WEEK)) for t in areas_by_type}
    for t, a, how, n in how_rows:
        mats[str(t)][index[str(a)], int(how)] += n * factor
    demand = {t: Demand(t, all_areas, m) for t, m in mats.items()}
    return LocalData(
        source=str(path), rows=int(rows), first_day=str(first.date()), last_day=str(last.date()), days=days,
        synthetic=bool(synthetic), area_level=level, types=types, demand=demand,
        underserved={a for a in all_areas if a.upper() in {u.upper() for u in underserved}}, factor=factor,
    )



def underserved_from_indicators(path: str | Path, *, indicator: str, quantile: float, area_column: str,
                                exclude_areas: list[str]) -> tuple[set[str], str]:
    """Areas in the lowest `quantile` of an indicator (the profile's; e.g. the poorest fifth by income).

    `exclude_areas` are rows that are not areas (a citywide total, a jail): the profile names them.
    """
    path = Path(path)
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        raise BadInput("indicator file is empty", file=str(path))
    name_col = area_column
    if name_col not in rows[0]:
        raise BadInput(f"area column {name_col!r} not found", file=str(path), column=name_col)
    if indicator not in rows[0]:
        raise BadInput(f"indicator column {indicator!r} not found", file=str(path), column=indicator)
    vals = []
    for r in rows:
        v = r.get(indicator) or ""
        name = r[name_col]
        if not v or name.lower() in {a.lower() for a in exclude_areas}:
            continue
        vals.append((name, float(v)))
    vals.sort(key=lambda t: t[1])
    n = max(1, math.floor(len(vals) * quantile))
    rule = f"lowest {n} of {len(vals)} areas by {indicator} ({path.name})"
    return {name for name, _ in vals[:n]}, rule



def read_json_if_exists(path: Path | None) -> dict[str, Any] | None:
    if path is None or not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise BadInput(f"not valid JSON: {exc}", file=str(path)) from exc
    return data if isinstance(data, dict) else None


