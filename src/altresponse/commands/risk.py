"""`altresponse risk reference`: per-type outcomes and officer time from reference agencies.

Some cities publish calls without dispositions or unit times (Baltimore's open 911 data has
neither), so per-type risk and officer time cannot be estimated from their own records. This
command builds the table that lets the risk model borrow both from agencies whose records carry
them: the DECC CAD export (dispositions and the full unit time chain) and the SFPD calls-for-
service sample (dispositions). Each file is ingested and classified with its own crosswalk into
the common incident types; the per-type counts are written as CSV, which ships inside the
package as ``altresponse/risk/reference_outcomes.csv`` (read by ``altresponse.risk.reference``).
"""

from __future__ import annotations

import csv
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from altresponse import schema
from altresponse.errors import BadInput
from altresponse.fsio import write_text_atomic
from altresponse.jsonout import emit_json
from altresponse.profile import Profile, load_profile, require_profile
from altresponse.risk.model import DEFAULT_SERIOUS_CLASSES
from altresponse.risk.reference import CSV_COLUMNS
from altresponse.settings import get_settings

_out = Console()
_JSON_HELP = "Print one JSON object as the last line."

MAX_BUSY_HOURS = 12.0
"""Unit times above this are data errors (a unit left assigned overnight), not officer time."""


@dataclass(frozen=True)
class ReferenceSource:
    """How one reference file is read: adapter, crosswalk, which agencies count, how it is labelled."""

    name: str
    label: str
    agencies: tuple[str, ...] | None  # None: every agency in the file
    has_unit_times: bool


REFERENCE_SOURCES: dict[str, ReferenceSource] = {
    "decc": ReferenceSource(
        name="decc", label="DECC CAD, 14 weeks Aug–Nov 2025", agencies=("POLICE",), has_unit_times=True,
    ),
    "sfpd": ReferenceSource(
        name="sfpd", label="SFPD calls for service sample, 2016–2019 (mostly 2019)", agencies=None,
        has_unit_times=False,
    ),
}


def _q(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _in(values: tuple[str, ...]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def _fmt(value: Any) -> str:
    """CSV text for one cell: integers plain, floats to 0.1 s (stable across runs), None empty."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _aggregate(classified: Path, src: ReferenceSource) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Per common type counts and unit-time statistics for one classified reference file."""
    import duckdb

    con = duckdb.connect()
    try:
        con.execute("SET threads = 1")  # one thread: sums and medians identical run to run
        con.execute("SET TimeZone = 'UTC'")
        rel = f"read_parquet({_q(classified)})"
        agency_pred = f"agency IN ({_in(src.agencies)})" if src.agencies else "TRUE"
        row = con.execute(
            f"SELECT count(*) FILTER (WHERE origin = 'community_initiated'), count(*) FROM {rel} "
            f"WHERE {agency_pred}"
        ).fetchone()
        n_comm, n_agency = (int(row[0]), int(row[1])) if row else (0, 0)
        if n_comm > 0:
            origin_scope, origin_pred = "community_initiated", "origin = 'community_initiated'"
        else:
            origin_scope, origin_pred = "all (origin not recorded)", "TRUE"
        where = f"{agency_pred} AND {origin_pred}"
        serious = _in(DEFAULT_SERIOUS_CLASSES)
        max_s = MAX_BUSY_HOURS * 3600.0
        busy_ok = f"unit_busy_s > 0 AND unit_busy_s <= {max_s}"
        scene_ok = f"on_scene_s > 0 AND on_scene_s <= {max_s}"
        per_class = ", ".join(
            f"count(*) FILTER (WHERE disposition_class = '{c}') AS n_{c}" for c in schema.DISPOSITION_CLASSES
        )
        time_cols = (
            f"count(*) FILTER (WHERE {busy_ok}) AS n_time, "
            f"median(unit_busy_s) FILTER (WHERE {busy_ok}) AS unit_busy_median_s, "
            f"avg(unit_busy_s) FILTER (WHERE {busy_ok}) AS unit_busy_mean_s, "
            f"stddev_samp(unit_busy_s) FILTER (WHERE {busy_ok}) AS unit_busy_sd_s, "
            f"count(*) FILTER (WHERE {scene_ok}) AS n_on_scene, "
            f"median(on_scene_s) FILTER (WHERE {scene_ok}) AS on_scene_median_s, "
            f"avg(on_scene_s) FILTER (WHERE {scene_ok}) AS on_scene_mean_s"
        ) if src.has_unit_times else (
            "0 AS n_time, NULL AS unit_busy_median_s, NULL AS unit_busy_mean_s, NULL AS unit_busy_sd_s, "
            "0 AS n_on_scene, "
            "NULL AS on_scene_median_s, NULL AS on_scene_mean_s"
        )
        cur = con.execute(
            f"SELECT common_type, min(category) AS category, count(*) AS n_calls, "
            f"count(*) FILTER (WHERE disposition_class <> 'unknown') AS n_known, "
            f"count(*) FILTER (WHERE disposition_class IN ({serious})) AS k_serious, "
            f"{per_class}, {time_cols} FROM {rel} WHERE {where} AND common_type <> 'unmapped' "
            "GROUP BY common_type ORDER BY common_type"
        )
        names = [d[0] for d in cur.description or []]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        period_row = con.execute(
            f"SELECT min(CAST(timezone(time_zone, received_utc) AS DATE)), "
            f"max(CAST(timezone(time_zone, received_utc) AS DATE)) FROM {rel} WHERE {where}"
        ).fetchone()
        unmapped_row = con.execute(
            f"SELECT count(*) FROM {rel} WHERE {where} AND common_type = 'unmapped'"
        ).fetchone()
    finally:
        con.close()
    period = f"{period_row[0]}/{period_row[1]}" if period_row and period_row[0] else ""
    agency_scope = ";".join(src.agencies) if src.agencies else "all"
    for r in rows:
        r.update(source=src.name, source_label=src.label, period=period, agency_scope=agency_scope,
                 origin_scope=origin_scope)
    info = {
        "source": src.name, "label": src.label, "period": period, "agency_scope": agency_scope,
        "origin_scope": origin_scope, "calls_in_agency_scope": n_agency,
        "calls_in_scope": sum(int(r["n_calls"]) for r in rows),
        "unmapped_in_scope": int(unmapped_row[0]) if unmapped_row else 0, "types": len(rows),
    }
    return rows, info


def render_csv(rows: list[dict[str, Any]]) -> str:
    """The reference table as CSV text: fixed columns, rows sorted by (source, common_type)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in sorted(rows, key=lambda r: (str(r["source"]), str(r["common_type"]))):
        writer.writerow([_fmt(r.get(c)) for c in CSV_COLUMNS])
    return buf.getvalue()


def build_reference_outcomes(
    decc: Path | None, sfpd: Path | None, out: Path, profile: Profile | None = None
) -> dict[str, Any]:
    """Ingest and classify each reference file in a scratch folder; write the per-type CSV at `out`."""
    from altresponse.pipeline.classify import classify_calls
    from altresponse.sources import ingest

    inputs = {name: path for name, path in (("decc", decc), ("sfpd", sfpd)) if path is not None}
    if not inputs:
        raise BadInput("give at least one reference file (--decc and/or --sfpd)")
    for path in inputs.values():
        if not Path(path).is_file():
            raise BadInput("reference file not found", file=str(path))
    prof = profile or require_profile(get_settings().profile, option="--profile")
    rows: list[dict[str, Any]] = []
    sources: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="altresponse-reference-") as tmp:
        for name, path in inputs.items():
            src = REFERENCE_SOURCES[name]
            calls = Path(tmp) / f"{name}.parquet"
            classified = Path(tmp) / f"{name}.classified.parquet"
            ing = ingest([path], name, calls, profile=prof)
            cls = classify_calls(calls, classified, prof, crosswalk=name)
            src_rows, info = _aggregate(classified, src)
            info.update(file=Path(path).name, rows_in=ing.rows_in, rows_out=ing.rows_out,
                        rows_rejected=ing.rows_rejected, duplicates_dropped=ing.duplicates_dropped,
                        crosswalk_coverage=cls.coverage, unmapped_top=cls.unmapped_top[:5])
            rows += src_rows
            sources.append(info)
    bad = [r["common_type"] for r in rows if not 0 <= int(r["k_serious"]) <= int(r["n_known"])]
    if bad:  # pragma: no cover - guards the SQL above
        raise RuntimeError(f"inconsistent counts (k > n) for {bad[:5]}")
    write_text_atomic(out, render_csv(rows))
    return {"out": str(out), "rows": len(rows), "sources": sources,
            "serious_classes": list(DEFAULT_SERIOUS_CLASSES)}


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Per-type risk inputs: outcomes and officer time borrowed from reference "
                        "agencies.", no_args_is_help=True)

    @group.command("reference")
    def reference_cmd(
        decc: Path = typer.Option(None, "--decc", help="DECC CAD export (CSV)."),
        sfpd: Path = typer.Option(None, "--sfpd", help="SFPD calls-for-service CSV (DataSF schema)."),
        out: Path = typer.Option(..., "--out", help="Where to write the per-type reference CSV."),
        profile: str = typer.Option(None, "--profile", help="Profile whose protocol classifies the calls."),
        as_json: bool = typer.Option(False, "--json", help=_JSON_HELP),
    ) -> None:
        """Count outcomes per common type (and DECC police unit time) from reference agencies' calls."""
        prof = load_profile(profile) if profile else None
        summary = build_reference_outcomes(decc, sfpd, out, prof)
        if as_json:
            emit_json(summary)
            return
        table = Table(title=f"Reference outcomes written to {out}")
        for col in ("source", "period", "agencies", "origin", "calls", "types", "unmapped"):
            table.add_column(col)
        for s in summary["sources"]:
            table.add_row(s["source"], s["period"], s["agency_scope"], s["origin_scope"],
                          f"{s['calls_in_scope']:,}", str(s["types"]), str(s["unmapped_in_scope"]))
        _out.print(table)

    app.add_typer(group, name="risk")


__all__ = ["REFERENCE_SOURCES", "build_reference_outcomes", "register", "render_csv"]
