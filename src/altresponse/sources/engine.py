"""The mapping-driven CSV engine: a column map plus DuckDB turn any CAD export into canonical calls.

Rows never become Python objects. DuckDB reads every field as text (structural CSV errors go to its
rejects table), one parallel SQL statement per file parses, maps codes and converts times, and the
rows land in the `staged_rows` table in file order (the `staged` view adds each row's position in its
file, `rid`) with, for rows that cannot become calls, a reject reason. `ingest.py` then
de-duplicates, sorts and writes.

Line numbers: DuckDB numbers rejected records, not good ones, so each good row's record number is
rebuilt from its position and the rejected records before it. When a quoted field spans lines, a
second read measures each record's span so `source_line` is the physical line where it starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from altresponse.profile import BoundingBox
from altresponse.sources.mapping import TEXT_FIELDS, TIME_FIELDS, ColumnMap, FieldSpec, code_key
from altresponse.sources.textcheck import TextInfo
from altresponse.sources.tz import FIRST_YEAR, LAST_YEAR, YearSlots, year_slots

CSV_REASONS: dict[str, str] = {
    "MISSING COLUMNS": "short_line",
    "TOO MANY COLUMNS": "long_line",
    "UNQUOTED VALUE": "broken_quoting",
    "LINE SIZE OVER MAXIMUM": "line_too_long",
    "INVALID ENCODING": "invalid_encoding",
    "INVALID UNICODE": "invalid_encoding",
    "CAST": "cast_error",
}
# Columns of the `staged` table beyond the canonical ones.
STAGED_EXTRA: tuple[tuple[str, str], ...] = (
    ("file_idx", "INTEGER"),
    ("rid", "BIGINT"),
    ("reason", "VARCHAR"),
    ("detail", "VARCHAR"),
    ("raw", "VARCHAR"),
    ("unk_priority", "BOOLEAN"),
    ("unk_origin", "BOOLEAN"),
    ("unk_disposition", "BOOLEAN"),
    ("bad_times", "VARCHAR"),
    ("origin_raw", "VARCHAR"),
)
# Chain order checks: (earlier, later) pairs whose reversal flags `time_chain_out_of_order`.
_CHAIN = (
    ("received", "dispatch"),
    ("dispatch", "enroute"),
    ("enroute", "arrival"),
    ("received", "arrival"),
    ("arrival", "clear"),
    ("received", "close"),
)
# Interval columns: name -> (from, to).
_INTERVALS = {
    "dispatch_delay_s": ("received", "dispatch"),
    "travel_s": ("enroute", "arrival"),
    "response_s": ("received", "arrival"),
    "on_scene_s": ("arrival", "clear"),
    "unit_busy_s": ("dispatch", "clear"),
    "total_s": ("received", "close"),
}
_OFFSET_TAIL = r"\d:\d\d(:\d\d(\.\d+)?)?\s*(Z|[+-]\d\d(:?\d\d)?)$"


def lit(value: str | None) -> str:
    """A SQL string literal."""
    if value is None:
        return "NULL"
    return "'" + value.replace("'", "''") + "'"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class StageResult:
    """What staging one file produced (counts before de-duplication)."""

    file: str
    map_name: str
    rows_read: int
    csv_rejects: int
    physical_lines: int
    multiline: bool
    transcoded_lines: int = 0
    header: list[str] = field(default_factory=list)


def unique_header(header: list[str]) -> list[str]:
    """Column names DuckDB can use: blanks named, repeats numbered, order kept."""
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(header):
        base = name or f"column{i + 1}"
        key = base.lower()
        seen[key] = seen.get(key, 0) + 1
        out.append(base if seen[key] == 1 else f"{base}__{seen[key]}")
    return out


class _Columns:
    """Resolves map column names against the file's header (case-insensitive)."""

    def __init__(self, header: list[str]) -> None:
        self._by_lower: dict[str, str] = {}
        for h in header:
            self._by_lower.setdefault(h.lower(), h)

    def get(self, name: str) -> str | None:
        actual = self._by_lower.get(name.lower())
        return ident(actual) if actual is not None else None


def _text(col: str | None) -> str:
    return f"nullif(trim({col}), '')" if col else "NULL"


def _code_expr(name: str, spec: FieldSpec, cols: _Columns) -> tuple[str, str, str]:
    """(raw expression, class expression, unknown-code flag expression) for a code field."""
    col = cols.get(spec.column) if spec.column else None
    if col is None:
        return "NULL", lit(spec.value or spec.missing), "false"
    raw = _text(col)
    key = f"upper(trim(regexp_extract({raw}, {lit(spec.extract)}, 1)))" if spec.extract else f"upper({raw})"
    whens = " ".join(f"WHEN {lit(code_key(k))} THEN {lit(v)}" for k, v in sorted(spec.codes.items()))
    mapped = f"(CASE {key} {whens} ELSE NULL END)" if whens else "CAST(NULL AS VARCHAR)"
    fallback = lit(spec.default) if spec.default is not None else "'unknown'"
    klass = f"(CASE WHEN {raw} IS NULL THEN {lit(spec.missing)} ELSE coalesce({mapped}, {fallback}) END)"
    unknown = "false" if spec.default is not None else f"({raw} IS NOT NULL AND {mapped} IS NULL)"
    return raw, klass, unknown


def _list_lit(values: list[str]) -> str:
    return "[" + ", ".join(lit(v) for v in values) + "]"


def _time_parts(name: str, spec: FieldSpec, cols: _Columns) -> dict[str, str]:
    """Expressions for one time field: text, absolute (had an offset) and wall-clock parts."""
    col = cols.get(spec.column) if spec.column else None
    parts = [c for c in (cols.get(name) for name in spec.columns) if c is not None]
    if col is None and not parts:
        return {
            "s": "CAST(NULL AS VARCHAR)",
            "abs": "CAST(NULL AS TIMESTAMPTZ)",
            "naive": "CAST(NULL AS TIMESTAMP)",
        }
    # A date column and a time column are joined with one space before parsing.
    s = _text(col) if col is not None else f"nullif(concat_ws(' ', {', '.join(_text(c) for c in parts)}), '')"
    formats = spec.formats or [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S.%f",
        "%Y-%m-%dT%H:%M:%S.%f",
    ]
    offset_formats = [f + "%z" for f in formats] + [f + " %z" for f in formats]
    has_off = f"regexp_matches({s}, {lit(_OFFSET_TAIL)})"
    with_z = f"(CASE WHEN ends_with({s}, 'Z') THEN {s}[:-2] || '+00' ELSE {s} END)"
    return {
        "s": s,
        "abs": f"(CASE WHEN {has_off} THEN {_parse_first(with_z, offset_formats)} END)",
        "naive": f"(CASE WHEN NOT {has_off} THEN {_parse_first(s, formats)} END)",
    }


def _parse_first(text: str, formats: list[str]) -> str:
    """try_strptime over `formats`, trying the first format on its own before the list: a file
    mostly uses one format, and a single constant format parses about twice as fast as a list
    (same result: the list also returns the first format that fits)."""
    if len(formats) == 1:
        return f"try_strptime({text}, {lit(formats[0])})"
    return f"coalesce(try_strptime({text}, {lit(formats[0])}), try_strptime({text}, {_list_lit(formats)}))"


def _raw_record(header_cols: list[str], delimiter: str) -> str:
    """The record rebuilt as CSV text (used only for rejected rows)."""
    parts = []
    for i in range(len(header_cols)):
        q = f"c{i}"
        parts.append(
            f"CASE WHEN {q} IS NULL THEN '' WHEN regexp_matches({q}, '[\"{re.escape(delimiter)}\\r\\n]') "
            f"THEN '\"' || replace({q}, '\"', '\"\"') || '\"' ELSE {q} END"
        )
    return f"concat_ws({lit(delimiter)}, {', '.join(parts)})"


def _read_csv_sql(path: Path, header: list[str], cmap: ColumnMap, rejects: str | None) -> str:
    columns = "{" + ", ".join(f"{lit(h)}: 'VARCHAR'" for h in header) + "}"
    opts = [
        f"columns={columns}",
        "auto_detect=false",
        "header=true",
        f"delim={lit(cmap.delimiter)}",
        "quote='\"'",
        "escape='\"'",
        "null_padding=false",
        "strict_mode=true",
        f"nullstr={_list_lit(cmap.null_strings)}",
        "max_line_size=4194304",
    ]
    if not rejects:
        opts.append("ignore_errors=true")  # a second read of a file whose bad records are already known
    else:
        opts += [
            "store_rejects=true",
            f"rejects_table={lit(rejects + '_err')}",
            f"rejects_scan={lit(rejects + '_scan')}",
        ]
    return f"read_csv({lit(str(path))}, {', '.join(opts)})"


def create_staged(con: duckdb.DuckDBPyConnection, canonical_ddl: str) -> None:
    """The table every file is staged into, and the side tables used to number lines."""
    extra = ", ".join(f"{n} {t}" for n, t in STAGED_EXTRA)
    con.execute(f"CREATE TABLE staged_rows ({canonical_ddl}, {extra})")
    # A record's position in its file is its row's position in the table less the rows staged before
    # the file: inserts keep file order (preserve_insertion_order), so no row_number() window is
    # needed, and the CSV read runs on every thread instead of one.
    con.execute("SET VARIABLE file_base = []::BIGINT[]")
    con.execute(
        "CREATE VIEW staged AS SELECT * REPLACE "
        "(rowid - list_element(getvariable('file_base'), file_idx + 1) AS rid) FROM staged_rows"
    )
    con.execute("CREATE TABLE gaps (file_idx INTEGER, g BIGINT, cnt BIGINT)")
    con.execute("CREATE TABLE linefix (file_idx INTEGER, rid BIGINT, line BIGINT)")
    con.execute("CREATE TABLE transcoded (file_idx INTEGER, line BIGINT)")
    con.execute("CREATE TABLE reason_raw (file_idx INTEGER, rid BIGINT, raw VARCHAR)")
    con.execute(
        "CREATE TABLE csv_rejects (file_idx INTEGER, source_file VARCHAR, source_line BIGINT, "
        "reason VARCHAR, detail VARCHAR, raw VARCHAR)"
    )


def start_file(con: duckdb.DuckDBPyConnection, file_idx: int) -> None:
    """Remember where file `file_idx` starts in `staged_rows` (files are staged in order, once each)."""
    row = con.execute("SELECT count(*), len(getvariable('file_base')) FROM staged_rows").fetchone()
    assert row is not None and row[1] == file_idx, "files must be staged in order"
    con.execute(f"SET VARIABLE file_base = list_append(getvariable('file_base'), {int(row[0])}::BIGINT)")


def stage_csv(
    con: duckdb.DuckDBPyConnection,
    *,
    path: Path,
    read_path: Path,
    file_idx: int,
    info: TextInfo,
    cmap: ColumnMap,
    agency: str,
    time_zone: str,
    bbox: BoundingBox,
    canonical_names: list[str],
) -> StageResult:
    """Parse one CSV file into `staged` (good and rejected rows) and `csv_rejects`."""
    select = stage_select(
        con,
        path=path,
        read_path=read_path,
        file_idx=file_idx,
        info=info,
        cmap=cmap,
        agency=agency,
        time_zone=time_zone,
        bbox=bbox,
        canonical_names=canonical_names,
    )
    start_file(con, file_idx)
    con.execute(f"INSERT INTO staged_rows {select}")
    return record_csv_errors(con, path=path, read_path=read_path, file_idx=file_idx, info=info, cmap=cmap)


def stage_select(
    con: duckdb.DuckDBPyConnection,
    *,
    path: Path,
    read_path: Path,
    file_idx: int,
    info: TextInfo,
    cmap: ColumnMap,
    agency: str,
    time_zone: str,
    bbox: BoundingBox,
    canonical_names: list[str],
) -> str:
    """The one statement that turns a CSV file into staged rows: canonical columns then STAGED_EXTRA,
    one row per good CSV record in file order (structural errors go to the `rej_<file_idx>_err`
    table). Sets the session variables the statement reads."""
    header = unique_header(info.header)
    cols = _Columns(header)
    f = cmap.fields
    rej = f"rej_{file_idx}"
    source = _read_csv_sql(read_path, header, cmap, rej)

    sel: dict[str, str] = {}
    sel["call_id"] = _text(cols.get(f["call_id"].column)) if f["call_id"].column else lit(f["call_id"].value)
    ag = f.get("agency")
    if ag is None:
        sel["agency"] = lit(agency)
    elif ag.column and cols.get(ag.column):
        sel["agency"] = f"coalesce({_text(cols.get(ag.column))}, {lit(ag.value or agency)})"
    else:
        sel["agency"] = lit(ag.value or agency)
    sel["source_system"] = lit(cmap.system)
    sel["source_file"] = lit(path.name)
    sel["time_zone"] = lit(time_zone)
    lct = f["local_call_type"]
    sel["local_call_type"] = _text(cols.get(lct.column)) if lct.column else lit(lct.value)
    unk: dict[str, str] = {}
    for name in ("priority", "origin", "disposition"):
        spec = f.get(name)
        if spec is None:
            sel[f"{name}_raw"], sel[f"{name}_class"], unk[name] = "NULL", "'unknown'", "false"
        else:
            sel[f"{name}_raw"], sel[f"{name}_class"], unk[name] = _code_expr(name, spec, cols)
    for name in TEXT_FIELDS:
        spec = f.get(name)
        if spec is None:
            sel[name] = "NULL"
        else:
            sel[name] = _text(cols.get(spec.column)) if spec.column else lit(spec.value)
    # Coordinates.
    has_coords = False
    if "location_pair" in f and f["location_pair"].column:
        has_coords = True
        pair = _text(cols.get(f["location_pair"].column))
        rx = lit(r"^\(?\s*(-?[0-9]+(?:\.[0-9]*)?)\s*[, ]\s*(-?[0-9]+(?:\.[0-9]*)?)\s*\)?$")
        first, second = (f"TRY_CAST(regexp_extract({pair}, {rx}, {i}) AS DOUBLE)" for i in (1, 2))
        lat_e, lon_e = (first, second) if f["location_pair"].order == "lat_lon" else (second, first)
    else:
        lat_e = lon_e = "CAST(NULL AS DOUBLE)"
    if "latitude" in f and "longitude" in f:
        has_coords = True
        lat_c, lon_c = cols.get(f["latitude"].column or ""), cols.get(f["longitude"].column or "")
        lat_e = f"coalesce(TRY_CAST({_text(lat_c)} AS DOUBLE), {lat_e})"
        lon_e = f"coalesce(TRY_CAST({_text(lon_c)} AS DOUBLE), {lon_e})"
    syn = f.get("is_synthetic")
    if syn is not None and syn.column and cols.get(syn.column):
        tv = _list_lit([v.strip() for v in syn.true_values] or ["true"])
        sel["is_synthetic"] = f"coalesce(list_contains({tv}, trim({cols.get(syn.column)})), false)"
    else:
        sel["is_synthetic"] = "true" if (syn is not None and syn.value == "true") else "false"

    times = {name: _time_parts(name, f[name], cols) for name in TIME_FIELDS if name in f}
    zone_local = {name: f[name].zone == "local" for name in times}

    # Step 1 (p): parse text; one row per good CSV record, in file order.
    p_cols = [f"{expr} AS {ident(name)}" for name, expr in sel.items()]
    p_cols += [f"{e} AS unk_{n}" for n, e in unk.items()]
    p_cols += [f"{lat_e} AS lat0", f"{lon_e} AS lon0"]
    for name, parts in times.items():
        p_cols += [
            f"{parts['s']} AS {name}_s",
            f"{parts['abs']} AS {name}_abs",
            f"{parts['naive']} AS {name}_naive",
        ]
    # Only the mapped columns are read here (DuckDB skips converting the others); the record text of
    # rows rejected for a reason is fetched by a second read, only when there are such rows.

    # Time zone lookups: short per-year lists held in session variables (no join, no big constants).
    tzv = f"tz{file_idx}"
    slots = year_slots(time_zone)
    lookups = []
    utc: dict[str, str] = {}
    gap: dict[str, str] = {}
    amb: dict[str, str] = {}
    for name in times:
        n, a = f"{name}_naive", f"{name}_abs"
        if zone_local[name]:
            year = (f"(CASE WHEN year({n}) BETWEEN {FIRST_YEAR} AND {LAST_YEAR} "
                    f"THEN year({n}) - {FIRST_YEAR - 1} END)")
            lookups.append(f"list_element(getvariable('{tzv}_base'), {year}) AS {name}_tz_base")
            for k in range(slots.slots):
                for part in ("start", "end", "before", "after"):
                    lookups.append(
                        f"list_element(getvariable('{tzv}_{part}{k}'), {year}) AS {name}_tz_{part}{k}"
                    )
            gaps, ambs = [], []
            for k in range(slots.slots):
                st, en, bf, af = (f"{name}_tz_{p}{k}" for p in ("start", "end", "before", "after"))
                gaps.append(f"({n} >= {st} AND {n} < {en} AND {af} > {bf})")
                ambs.append(f"({n} >= {st} AND {n} < {en} AND {af} < {bf})")
            offset = _chain_offsets(name, n, slots.slots)
            gap[name] = f"coalesce({' OR '.join(gaps) or 'false'}, false)"
            amb[name] = f"coalesce({' OR '.join(ambs) or 'false'}, false)"
            local_utc = f"timezone('UTC', {n} - to_seconds({offset}))"
        else:
            gap[name] = amb[name] = "false"
            local_utc = f"timezone('UTC', {n})"
        utc[name] = f"coalesce({a}, {local_utc})"

    # Step 2 (q): times in UTC, flags.
    q_cols = ["pz.*"]
    for name in TIME_FIELDS:
        if name in times:
            q_cols += [
                f"{utc[name]} AS {name}_utc0",
                f"{gap[name]} AS {name}_gap",
                f"{amb[name]} AS {name}_amb",
            ]
        else:
            q_cols += [
                f"CAST(NULL AS TIMESTAMPTZ) AS {name}_utc0",
                f"false AS {name}_gap",
                f"false AS {name}_amb",
            ]

    in_box = (
        f"(lat0 BETWEEN {bbox.min_lat} AND {bbox.max_lat} AND lon0 BETWEEN {bbox.min_lon} AND {bbox.max_lon})"
    )
    received_ok = "(received_utc0 IS NOT NULL AND year(received_utc0) BETWEEN 1970 AND 2099)"
    rec_col = f["received"].column or " + ".join(f["received"].columns) or "received"
    formats_txt = "; ".join(f["received"].formats) or "ISO 8601"
    reason = (
        "CASE WHEN call_id IS NULL THEN 'missing_call_id' "
        "WHEN local_call_type IS NULL THEN 'missing_call_type' "
        "WHEN received_s IS NULL THEN 'missing_timestamp' "
        "WHEN received_gap THEN 'nonexistent_local_time' "
        f"WHEN NOT {received_ok} THEN 'bad_timestamp' END"
    )
    detail = (
        f"CASE WHEN call_id IS NULL THEN {lit('empty call id in column ' + str(f['call_id'].column))} "
        f"WHEN local_call_type IS NULL THEN {lit('empty call type in column ' + str(lct.column))} "
        f"WHEN received_s IS NULL THEN {lit('empty time in column ' + rec_col)} "
        f"WHEN received_gap THEN {lit(rec_col + ' ')} || received_s || "
        f"{lit(' does not exist in ' + time_zone + ' (daylight-saving gap)')} "
        f"WHEN NOT {received_ok} THEN {lit(rec_col + ' ')} || received_s || "
        f"{lit(' is not a valid time between 1970 and 2099; expected one of: ' + formats_txt)} END"
    )
    flags = []
    if has_coords:
        flags.append(
            "CASE WHEN lat0 IS NOT NULL AND lon0 IS NOT NULL AND NOT "
            f"{in_box} THEN 'coordinates_outside_area' END"
        )
        flags.append("CASE WHEN lat0 IS NULL OR lon0 IS NULL THEN 'coordinates_missing' END")
    amb_any = " OR ".join(f"{n}_amb" for n in TIME_FIELDS)
    flags.append(f"CASE WHEN {amb_any} THEN 'ambiguous_local_time' END")
    order_bad = " OR ".join(f"coalesce({b}_utc0 < {a}_utc0, false)" for a, b in _CHAIN)
    flags.append(f"CASE WHEN {order_bad} THEN 'time_chain_out_of_order' END")
    bad_times = (
        ", ".join(
            f"CASE WHEN {n}_s IS NOT NULL AND {n}_utc0 IS NULL THEN {lit(n)} END"
            for n in TIME_FIELDS
            if n != "received" and n in times
        )
        or "CAST(NULL AS VARCHAR)"
    )

    out: dict[str, str] = {}
    for name in canonical_names:
        if name in sel:
            out[name] = ident(name)
    out["source_line"] = "CAST(NULL AS BIGINT)"
    out["received_utc"] = "received_utc0"
    for name in TIME_FIELDS[1:]:
        out[f"{name}_utc"] = f"{name}_utc0"
    for col, (a, b) in _INTERVALS.items():
        out[col] = f"CASE WHEN {b}_utc0 >= {a}_utc0 THEN (epoch_us({b}_utc0) - epoch_us({a}_utc0)) / 1e6 END"
    out["latitude"] = f"CASE WHEN {in_box} THEN lat0 END"
    out["longitude"] = f"CASE WHEN {in_box} THEN lon0 END"
    out["quality_flags"] = f"nullif(concat_ws(';', {', '.join(flags)}), '')"
    out["priority_raw"], out["origin"], out["disposition_raw"] = (
        "priority_raw",
        "origin_class",
        "disposition_raw",
    )
    out["priority_class"], out["disposition_class"] = "priority_class", "disposition_class"
    ordered = [f"{out[n]} AS {ident(n)}" for n in canonical_names]
    extras = [
        f"{file_idx} AS file_idx",
        "CAST(NULL AS BIGINT) AS rid",  # the `staged` view derives it from the row's position
        f"{reason} AS reason",
        f"{detail} AS detail",
        "CAST(NULL AS VARCHAR) AS raw",
        "unk_priority",
        "unk_origin",
        "unk_disposition",
        f"nullif(concat_ws(';', {bad_times}), '') AS bad_times",
        "origin_raw",
    ]
    _set_year_variables(con, tzv, slots)
    pz = f"SELECT p.*{''.join(', ' + e for e in lookups)} FROM (SELECT {', '.join(p_cols)} FROM {source}) p"
    q = f"SELECT {', '.join(q_cols)} FROM ({pz}) pz"
    return f"SELECT {', '.join(ordered + extras)} FROM ({q}) q"


def record_csv_errors(
    con: duckdb.DuckDBPyConnection,
    *,
    path: Path,
    read_path: Path,
    file_idx: int,
    info: TextInfo,
    cmap: ColumnMap,
) -> StageResult:
    """After a file's rows are in `staged`: fetch the text of rows rejected for a reason, move the
    structural errors into `csv_rejects` and the line-number side tables."""
    header = unique_header(info.header)
    rej = f"rej_{file_idx}"
    rows_read = _scalar(con, f"SELECT count(*) FROM staged_rows WHERE file_idx = {file_idx}")
    if _scalar(con, f"SELECT count(*) FROM staged_rows WHERE file_idx = {file_idx} AND reason IS NOT NULL"):
        _fetch_reason_raw(con, read_path, header, cmap, file_idx)
    # Structural CSV errors: one reject per record (the first error found on it).
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE rej_rec AS
        SELECT line AS rec, arg_min(error_type::VARCHAR, coalesce(column_idx, 0)) AS etype,
               arg_min(error_message, coalesce(column_idx, 0)) AS msg,
               arg_min(csv_line, coalesce(column_idx, 0)) AS raw
        FROM {rej}_err GROUP BY line
    """)
    csv_rejects = _scalar(con, "SELECT count(*) FROM rej_rec")
    con.execute(f"""
        INSERT INTO gaps
        SELECT {file_idx}, g, max(j) + 1 FROM (
            SELECT rec - 2 - (row_number() OVER (ORDER BY rec) - 1) AS g,
                   row_number() OVER (ORDER BY rec) - 1 AS j
            FROM rej_rec) GROUP BY g
    """)
    records = rows_read + csv_rejects
    multiline = info.physical_lines != records + 1
    rec_to_line = "rec"
    if multiline:
        _number_multiline(con, read_path, header, cmap, file_idx)
        rec_to_line = "coalesce((SELECT line FROM recline WHERE recline.rec = rej_rec.rec), rec)"
    reason_case = "CASE etype " + " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in CSV_REASONS.items())
    reason_case += " ELSE 'csv_error' END"
    con.execute(f"""
        INSERT INTO csv_rejects
        SELECT {file_idx}, {lit(path.name)}, {rec_to_line}, {reason_case},
               etype || ': ' || coalesce(msg, ''), rtrim(raw, chr(13) || chr(10)) FROM rej_rec
    """)
    if info.transcoded_lines:
        import pyarrow as pa

        con.register("tc_arrow", pa.table({"line": pa.array(info.transcoded_lines, pa.int64())}))
        con.execute(f"INSERT INTO transcoded SELECT {file_idx}, line FROM tc_arrow")
        con.unregister("tc_arrow")
    for t in (f"{rej}_err", f"{rej}_scan"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    return StageResult(
        file=path.name,
        map_name=cmap.name,
        rows_read=rows_read,
        csv_rejects=csv_rejects,
        physical_lines=info.physical_lines,
        multiline=multiline,
        transcoded_lines=len(info.transcoded_lines),
        header=info.header,
    )


def _fetch_reason_raw(
    con: duckdb.DuckDBPyConnection, read_path: Path, header: list[str], cmap: ColumnMap, file_idx: int
) -> None:
    """The record text of rows rejected for a reason (second read, only when a file has such rows).

    The read skips the structurally broken records, as the first read did, so a good record's number
    among them is its `rid`.
    """
    source = _read_csv_sql(read_path, header, cmap, None)
    cols = ", ".join(f"{ident(h)} AS c{i}" for i, h in enumerate(header))
    con.execute(f"""
        INSERT INTO reason_raw
        SELECT {file_idx}, r.rid, r.raw FROM (
            SELECT rid, {_raw_record(header, cmap.delimiter)} AS raw
            FROM (SELECT row_number() OVER () - 1 AS rid, {cols} FROM {source})
        ) r
        SEMI JOIN (SELECT rid FROM staged WHERE file_idx = {file_idx} AND reason IS NOT NULL) w
        ON r.rid = w.rid
    """)


def _chain_offsets(name: str, n: str, slots: int) -> str:
    """The UTC offset for wall-clock time `n`: the year's base offset before its first change, each
    change's window (NULL in a gap, the earlier offset in a repeat), the later offset after it."""

    def col(part: str, k: int) -> str:
        return f"{name}_tz_{part}{k}"

    if slots == 0:
        return f"{name}_tz_base"
    expr = col("after", slots - 1)
    for k in reversed(range(slots)):
        prev = f"{name}_tz_base" if k == 0 else col("after", k - 1)
        window = f"(CASE WHEN {col('after', k)} > {col('before', k)} THEN NULL ELSE {col('before', k)} END)"
        expr = (
            f"(CASE WHEN {col('start', k)} IS NULL OR {n} < {col('start', k)} THEN {prev} "
            f"WHEN {n} < {col('end', k)} THEN {window} ELSE {expr} END)"
        )
    return expr


def _set_year_variables(con: duckdb.DuckDBPyConnection, prefix: str, slots: YearSlots) -> None:
    def ts_list(values: tuple) -> str:
        return (
            "["
            + ", ".join("NULL" if v is None else f"TIMESTAMP '{v.isoformat(sep=' ')}'" for v in values)
            + "]"
        )

    def int_list(values: tuple) -> str:
        return "[" + ", ".join("NULL" if v is None else str(int(v)) for v in values) + "]"

    con.execute(f"SET VARIABLE {prefix}_base = {int_list(slots.base)}::BIGINT[]")
    for k in range(slots.slots):
        con.execute(f"SET VARIABLE {prefix}_start{k} = {ts_list(slots.start[k])}::TIMESTAMP[]")
        con.execute(f"SET VARIABLE {prefix}_end{k} = {ts_list(slots.end[k])}::TIMESTAMP[]")
        con.execute(f"SET VARIABLE {prefix}_before{k} = {int_list(slots.before[k])}::BIGINT[]")
        con.execute(f"SET VARIABLE {prefix}_after{k} = {int_list(slots.after[k])}::BIGINT[]")


def _number_multiline(
    con: duckdb.DuckDBPyConnection, read_path: Path, header: list[str], cmap: ColumnMap, file_idx: int
) -> None:
    """Physical start line of every record when quoted fields span lines (second, rarer read)."""
    cat = "concat_ws(chr(31), " + ", ".join(ident(h) for h in header) + ")"
    source = _read_csv_sql(read_path, header, cmap, None)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE good_span AS
        SELECT row_number() OVER () - 1 AS rid,
               1 + length(coalesce({cat}, '')) - length(replace(coalesce({cat}, ''), chr(10), '')) AS span
        FROM {source}
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE recline AS
        WITH good AS (
            SELECT gs.rid, 2 + gs.rid + coalesce(g.cnt, 0) AS rec, gs.span
            FROM good_span gs
            ASOF LEFT JOIN (SELECT * FROM gaps WHERE file_idx = {file_idx}) g ON gs.rid >= g.g
        ), recs AS (
            SELECT 1 AS rec, 1 AS span, NULL::BIGINT AS rid
            UNION ALL SELECT rec, span, rid FROM good
            UNION ALL SELECT rec, 1 + length(rtrim(raw, chr(13) || chr(10)))
                   - length(replace(rtrim(raw, chr(13) || chr(10)), chr(10), '')), NULL FROM rej_rec
        )
        SELECT rec, rid,
               1 + coalesce(sum(span) OVER (ORDER BY rec ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
               AS line
        FROM recs
    """)
    con.execute(f"INSERT INTO linefix SELECT {file_idx}, rid, line FROM recline WHERE rid IS NOT NULL")


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row and row[0] is not None else 0
