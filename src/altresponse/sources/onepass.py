"""One pass from CSV to Parquet for the usual export; the staged path for everything else.

The staged path (`engine.stage_csv`, then `ingest._finish` and `ingest._write_outputs`) puts every
row into a DuckDB table first, so that line numbers, duplicates and order can be settled over the
whole input before anything is written. Most exports need none of that: they are valid UTF-8, hold
no structurally broken or multi-line records, no duplicate call numbers, and are written in call
order. For them the staging table is pure cost (writing it took more CPU than computing the rows),
so this module streams the same SQL statement (`engine.stage_select`) straight into the Parquet
encoder: each good row's line is its record number + 2, rows rejected for a reason are set aside as
they pass, and the summary's counts are taken batch by batch.

What the pass cannot know before the end is checked at the end, and any surprise abandons the
attempt before the output is renamed into place: then the staged path runs from the start and
writes what it always wrote. Both paths write the same bytes (a test compares them).
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from altresponse import schema
from altresponse.fsio import atomic_path
from altresponse.profile import Profile
from altresponse.sources.engine import (
    _raw_record,
    _read_csv_sql,
    ident,
    lit,
    stage_select,
    unique_header,
)
from altresponse.sources.mapping import ColumnMap, choose_map, load_map
from altresponse.sources.textcheck import TextInfo, inspect_file

BATCH_ROWS = 100_000
MAX_HELD_REJECTS = 500_000  # rows rejected for a reason held in memory before handing over
_CODE_FIELDS = ("priority", "origin", "disposition")
# Staged columns the pass needs beyond the canonical ones.
_SIDE = ("reason", "detail", "unk_priority", "unk_origin", "unk_disposition", "bad_times", "origin_raw")


class NeedsStaging(Exception):
    """The input needs the staged path; the message says why (for the record, not the user)."""


@dataclass
class _File:
    path: Path
    idx: int
    info: TextInfo
    cmap: ColumnMap
    rows_read: int = 0


@dataclass
class _Tally:
    """Counts gathered while rows stream past."""

    rows_out: int = 0
    quality_flags: Counter[str] = field(default_factory=Counter)
    unparsed_times: Counter[str] = field(default_factory=Counter)
    unknown: dict[str, Counter[str]] = field(default_factory=lambda: {n: Counter() for n in _CODE_FIELDS})
    rejects: list[pa.Table] = field(default_factory=list)
    rejected: int = 0
    reader: Any = None  # the DuckDB result being streamed, closed if the attempt is abandoned


def ingest_one_pass(
    con: duckdb.DuckDBPyConnection,
    files: list[Path],
    source: str,
    mapping: str | Path | None,
    prof: Profile,
    out: Path,
    rejects_path: Path,
    summary: Any,
    say: Callable[[str], None],
) -> bool:
    """Ingest `files` in one pass and fill `summary`; False (nothing written, summary untouched) when
    the input needs the staged path."""
    # the module (the package exports its function under the same name); it imports this one lazily
    ingest_module = importlib.import_module("altresponse.sources.ingest")

    opened: list[_File] = []
    for idx, path in enumerate(files):
        delimiter = load_map(mapping).delimiter if mapping is not None else ","
        info = inspect_file(path, delimiter)
        cmap = choose_map(source, info.header, str(path), mapping)
        if not info.valid_utf8:
            return False  # transcoded lines are flagged by line number: staged path
        opened.append(_File(path, idx, info, cmap))

    tally = _Tally()
    target = schema.CALLS.arrow_schema()
    try:
        with atomic_path(out) as tmp:
            say(f"reading and writing {out.name} in one pass")
            batches = pa.RecordBatchReader.from_batches(target, _stream(con, opened, prof, tally, target))
            written = target.with_metadata({ingest_module.PROFILE_METADATA_KEY: prof.to_json().encode()})
            ingest_module.write_parquet(ingest_module._checked_in_order(batches), tmp, written)
            # Distinct 64-bit key hashes prove distinct keys. A collision (odds about 3 in a million
            # for 10 million rows) only sends the input to the staged path, which compares the keys.
            keys = con.execute(
                f"SELECT count(*), count(DISTINCT hash(agency, call_id)) FROM read_parquet({lit(str(tmp))})"
            ).fetchone()
            if keys is None or keys[0] != keys[1]:
                raise NeedsStaging("duplicate call ids")
            if tally.rows_out == 0:
                raise NeedsStaging("no rows to write")  # the staged path decides what an empty result means
            rejected = _write_rejects(con, opened, tally, rejects_path, ingest_module.write_parquet)
            _fill_summary(summary, opened, tally, rejected)
    except (NeedsStaging, ingest_module._OutOfOrder):
        if tally.reader is not None:
            tally.reader.close()  # frees the connection for the staged path
        for t in ["onepass_rejects"] + [f"rej_{f.idx}_{part}" for f in opened for part in ("err", "scan")]:
            con.execute(f"DROP TABLE IF EXISTS {t}")  # the staged path starts from nothing
        return False
    return True


def _stream(
    con: duckdb.DuckDBPyConnection, opened: list[_File], prof: Profile, tally: _Tally, target: pa.Schema
) -> Iterator[pa.RecordBatch]:
    """Good rows of every file in file order, as canonical batches; reason rejects go to `tally`."""
    names = schema.CALLS.names
    for f in opened:
        select = stage_select(
            con,
            path=f.path,
            read_path=f.path,
            file_idx=f.idx,
            info=f.info,
            cmap=f.cmap,
            agency=prof.agency,
            time_zone=f.cmap.time_zone or prof.time_zone,
            bbox=f.cmap.bbox or prof.bbox,
            canonical_names=names,
        )
        # The casts the staging table's INSERT would apply, so both paths hold the same values.
        cols = [f"CAST({ident(c.name)} AS {c.duckdb_type}) AS {ident(c.name)}" for c in schema.CALLS.columns]
        sql = f"SELECT {', '.join(cols + list(_SIDE))} FROM ({select})"
        reader = tally.reader = con.sql(sql).to_arrow_reader(BATCH_ROWS)
        rid = 0
        for batch in reader:
            n = batch.num_rows
            if n == 0:
                continue
            lines = np.arange(rid + 2, rid + 2 + n, dtype=np.int64)
            reason = batch.column("reason")
            if reason.null_count != n:
                tally.rejected += n - reason.null_count
                if tally.rejected > MAX_HELD_REJECTS:
                    raise NeedsStaging("many rejects")  # the staging table holds them without bound
                bad = pc.is_valid(reason)
                tally.rejects.append(
                    pa.table(
                        {
                            "rid": pa.array(lines - 2).filter(bad),
                            "reason": reason.filter(bad),
                            "detail": batch.column("detail").filter(bad),
                        }
                    ).append_column("file_idx", pa.array(np.full(int(pc.sum(bad).as_py()), f.idx, np.int32)))
                )
                good = pc.invert(bad)
                batch = batch.filter(good)
                lines = lines[np.asarray(good)]
            rid += n
            if batch.num_rows == 0:
                continue
            _count(batch, tally)
            columns = [
                pa.array(lines, pa.int64()) if name == "source_line" else batch.column(name) for name in names
            ]
            tally.rows_out += batch.num_rows
            yield pa.RecordBatch.from_arrays(
                [c if c.type == t.type else c.cast(t.type) for c, t in zip(columns, target, strict=True)],
                schema=target,
            )
        reader.close()
        tally.reader = None
        f.rows_read = rid
        errors = con.execute(f"SELECT count(*) FROM rej_{f.idx}_err").fetchone()
        for t in (f"rej_{f.idx}_err", f"rej_{f.idx}_scan"):
            con.execute(f"DROP TABLE IF EXISTS {t}")
        if errors and errors[0]:
            raise NeedsStaging("structural CSV errors")  # they shift the line numbers of later rows
        if f.info.physical_lines != rid + 1:
            raise NeedsStaging("records spanning lines")


def _count(batch: pa.RecordBatch, tally: _Tally) -> None:
    """Add a batch's quality flags, unparsed times and unknown codes to the tally."""
    for name, counter in (("quality_flags", tally.quality_flags), ("bad_times", tally.unparsed_times)):
        col = batch.column(name)
        if col.null_count == len(col):
            continue
        parts = pc.list_flatten(pc.split_pattern(col.drop_null(), ";"))
        for item in pc.value_counts(parts).to_pylist():
            counter[item["values"]] += item["counts"]
    for name in _CODE_FIELDS:
        flag = batch.column(f"unk_{name}")
        if not pc.any(flag).as_py():
            continue
        raw = batch.column(f"{name}_raw").filter(pc.fill_null(flag, False))
        for item in pc.value_counts(raw).to_pylist():
            tally.unknown[name][str(item["values"])] += item["counts"]


def _write_rejects(
    con: duckdb.DuckDBPyConnection,
    opened: list[_File],
    tally: _Tally,
    rejects_path: Path,
    write_parquet: Callable[[pa.RecordBatchReader, Path, pa.Schema], int],
) -> int:
    """Write the rows rejected for a reason (record text from a second read, only of files that have
    such rows), in the staged path's order and format; returns how many."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE onepass_rejects (file_idx INTEGER, source_file VARCHAR, "
        "source_line BIGINT, reason VARCHAR, detail VARCHAR, raw VARCHAR)"
    )
    for f in opened:
        parts = [t for t in tally.rejects if t.column("file_idx")[0].as_py() == f.idx]
        if not parts:
            continue
        con.register("onepass_found", pa.concat_tables(parts))
        header = unique_header(f.info.header)
        source = _read_csv_sql(f.path, header, f.cmap, None)
        cols = ", ".join(f"{ident(h)} AS c{i}" for i, h in enumerate(header))
        con.execute(f"""
            INSERT INTO onepass_rejects
            SELECT {f.idx}, {lit(f.path.name)}, w.rid + 2, w.reason, w.detail, r.raw
            FROM onepass_found w LEFT JOIN (
                SELECT rid, {_raw_record(header, f.cmap.delimiter)} AS raw
                FROM (SELECT row_number() OVER () - 1 AS rid, {cols} FROM {source})
                SEMI JOIN onepass_found USING (rid)
            ) r USING (rid)
        """)
        con.unregister("onepass_found")
    rej_sql = (
        "SELECT source_file, source_line, reason, detail, raw FROM onepass_rejects "
        "ORDER BY file_idx, source_line, reason"
    )
    with atomic_path(rejects_path) as tmp:
        if rejects_path.suffix.lower() == ".parquet":
            write_parquet(con.sql(rej_sql).to_arrow_reader(BATCH_ROWS), tmp, schema.REJECTS.arrow_schema())
        else:
            con.execute(f"COPY ({rej_sql}) TO {lit(str(tmp))} (FORMAT csv, HEADER true)")
    row = con.execute("SELECT count(*) FROM onepass_rejects").fetchone()
    return int(row[0]) if row else 0


def _fill_summary(summary: Any, opened: list[_File], tally: _Tally, rejected: int) -> None:
    """The summary the staged path would give: no duplicates, no structural rejects, no transcoding."""
    reasons: Counter[str] = Counter()
    for t in tally.rejects:
        for item in pc.value_counts(t.column("reason")).to_pylist():
            reasons[item["values"]] += item["counts"]
    for f in opened:
        if f.cmap.name not in summary.adapters:
            summary.adapters.append(f.cmap.name)
        summary.per_file.append(
            {
                "file": f.path.name,
                "adapter": f.cmap.name,
                "rows_in": f.rows_read,
                "csv_rejects": 0,
                "multiline_records": False,
                "transcoded_lines": 0,
            }
        )
    summary.rows_in = sum(f.rows_read for f in opened)
    summary.rows_out = tally.rows_out
    summary.rows_rejected = rejected
    summary.duplicates_dropped = 0
    summary.rows_total = tally.rows_out
    summary.rejects_by_reason = dict(sorted(reasons.items()))
    summary.unknown_codes = {
        name: dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))
        for name, c in tally.unknown.items()
        if c
    }
    summary.quality_flags = dict(sorted(tally.quality_flags.items()))
    summary.unparsed_times = dict(sorted(tally.unparsed_times.items()))
    if summary.rows_in != summary.rows_out + summary.rows_rejected:
        raise AssertionError(
            f"row accounting failed: rows_in {summary.rows_in} != rows_out {summary.rows_out} + rejected "
            f"{summary.rows_rejected}"
        )
