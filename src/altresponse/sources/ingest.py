"""`ingest()`: files in, canonical calls out, with every input record accounted for.

rows_in = rows_out + rows_rejected + duplicates_dropped, always (checked before anything is
written). Outputs are written atomically and deterministically: the same input gives a
byte-identical Parquet file (rows sorted by received_utc, call_id, agency; fixed writer settings).
"""

from __future__ import annotations

import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from queue import Empty, Full, Queue
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from altresponse import schema
from altresponse.errors import BadInput
from altresponse.fsio import atomic_path
from altresponse.profile import PROFILE_METADATA_KEY, BoundingBox, Profile, load_profile
from altresponse.settings import get_settings
from altresponse.sources.engine import STAGED_EXTRA, create_staged, lit, stage_csv, start_file
from altresponse.sources.mapping import choose_map, load_map
from altresponse.sources.textcheck import inspect_file, transcode_to_utf8

SOURCES: tuple[str, ...] = ("baltimore", "decc", "sfpd", "eido", "generic")
ROW_GROUP_ROWS = 250_000  # bounds the Arrow buffer held while writing
MAX_REJECTED_SHARE = 0.5
"""Above this share of rejected records an ingest fails (exit 2): the map does not fit the file."""
BUILTIN_SOURCE_PROFILES: tuple[str, ...] = ("baltimore", "decc", "sfpd")
"""Sources that are one city's own export format, whose built-in profile the Python API may use."""
Progress = Callable[[str], None]


@dataclass
class IngestSummary:
    """What an ingest did. rows_in = rows_out + rows_rejected + duplicates_dropped."""

    source: str
    adapters: list[str]
    files: list[str]
    out: str
    rejects_path: str
    rows_in: int = 0
    rows_out: int = 0
    rows_rejected: int = 0
    duplicates_dropped: int = 0
    rows_total: int = 0
    appended_to_existing: int = 0
    rejects_by_reason: dict[str, int] = field(default_factory=dict)
    unknown_codes: dict[str, dict[str, int]] = field(default_factory=dict)
    quality_flags: dict[str, int] = field(default_factory=dict)
    unparsed_times: dict[str, int] = field(default_factory=dict)
    transcoded_lines: int = 0
    seconds: float = 0.0
    per_file: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _canonical_ddl() -> str:
    return ", ".join(f'"{c.name}" {c.duckdb_type}' for c in schema.CALLS.columns)


_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
          "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}


def duckdb_share(limit: str, share: float = 2 / 3) -> str:
    """DuckDB's part of the memory budget: the rest is for Arrow batches and Parquet encoders.

    `ALTRESPONSE_DUCKDB_MEMORY_LIMIT` is read as the budget of the whole ingest; DuckDB's buffer pool
    gets two thirds of it (1500MB -> 1000MB measured 1.64 GiB peak on 10 million rows).
    """
    m = re.fullmatch(r"\s*([0-9.]+)\s*([A-Za-z]*)\s*", limit)
    if not m or m.group(2).upper() not in _UNITS:
        return limit
    total = float(m.group(1)) * _UNITS[m.group(2).upper()]
    return f"{max(64, int(total * share / 10**6))}MB"


def _connect(workdir: Path) -> duckdb.DuckDBPyConnection:
    settings = get_settings()
    # A database file in the scratch folder, not ":memory:": DuckDB then stores the staged rows
    # compressed (dictionary, FSST, constant columns), several times smaller than an in-memory
    # table, so far less of it spills to temp_directory beyond memory_limit.
    con = duckdb.connect(str(workdir / "ingest.duckdb"))
    con.execute(f"SET memory_limit = {lit(duckdb_share(settings.duckdb_memory_limit))}")
    if settings.duckdb_threads:
        con.execute(f"SET threads = {int(settings.duckdb_threads)}")
    con.execute(f"SET temp_directory = {lit(str(workdir / 'spill'))}")
    con.execute("SET preserve_insertion_order = true")
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    return con


def _resolve_profile(profile: Profile | str | Path | None, source: str,
                     mapping: str | Path | None) -> Profile:
    """The profile given. From Python, a city's own export format stands for its built-in profile, and
    a column map that names its time zone stands for a profile of its own; nothing else is assumed.

    The command line always asks for `--profile`; nothing falls back to another city.
    """
    if isinstance(profile, Profile):
        return profile
    if profile:
        return load_profile(profile)
    if source in BUILTIN_SOURCE_PROFILES and mapping is None:
        return load_profile(source)
    if source == "generic" and mapping is None:
        raise BadInput("--source generic needs --mapping my.yaml (see docs/ingest.md), or a profile that "
                       "names its mapping")
    if mapping is not None:
        cmap = load_map(mapping)
        if cmap.time_zone:
            agency = cmap.fields.get("agency")
            return Profile(city=cmap.name, agency=(agency.value if agency and agency.value else cmap.name),
                           time_zone=cmap.time_zone,
                           bbox=cmap.bbox or BoundingBox(min_lon=-180, min_lat=-90, max_lon=180, max_lat=90),
                           mapping=None, source="generic", path=cmap.path)
    raise BadInput(f"--source {source} needs a city profile (--profile NAME|FILE|FOLDER); nothing falls back "
                   "to a city")


def rejection_problem(summary: IngestSummary, max_share: float) -> str | None:
    """Why an ingest must fail: no records at all, or too many of them rejected (top reasons named)."""
    if summary.rows_in == 0:
        return f"no records in {', '.join(summary.files)} (only a header, or empty)"
    share = summary.rows_rejected / summary.rows_in
    if summary.rows_rejected == summary.rows_in or share > max_share:
        top = sorted(summary.rejects_by_reason.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        reasons = "; ".join(f"{reason} x{n:,}" for reason, n in top)
        what = "every record was rejected" if summary.rows_rejected == summary.rows_in else (
            f"{share:.0%} of records were rejected (more than {max_share:.0%})")
        return (f"{what}: {summary.rows_rejected:,} of {summary.rows_in:,}; top reasons: {reasons}; see "
                f"{summary.rejects_path}. Check the column map and time formats (docs/ingest.md).")
    return None


def ingest(
    paths: Sequence[str | Path],
    source: str,
    out: str | Path,
    *,
    mapping: str | Path | None = None,
    profile: Profile | str | Path | None = None,
    rejects: str | Path | None = None,
    append: bool = False,
    progress: Progress | None = None,
    max_rejected_share: float = MAX_REJECTED_SHARE,
) -> IngestSummary:
    """Read CAD exports into canonical calls (schema.CALLS) at `out`, rejects beside them.

    `source` picks the adapter (baltimore chooses its field set from the header); `mapping` gives a
    column map for `generic`. With `append`, rows already in `out` win over new rows with the same
    (agency, call_id). When nothing was read, or more than `max_rejected_share` of the records were
    rejected, the rejects are written, the calls are not, and BadInput names the top reasons.
    The profile used is stored in the calls file's metadata (`altresponse.profile.profile_from_calls`).
    """
    started = time.perf_counter()
    if source not in SOURCES:
        raise BadInput(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")
    if not paths:
        raise BadInput("no input files given")
    prof = _resolve_profile(profile, source, mapping)
    if mapping is None and prof.mapping and source in ("generic", *BUILTIN_SOURCE_PROFILES):
        mapping = prof.mapping
    out = Path(out)
    rejects_path = Path(rejects) if rejects else out.with_name(out.stem + ".rejects.csv")
    say = progress or (lambda _msg: None)
    files = [Path(p) for p in paths]
    summary = IngestSummary(
        source=source,
        adapters=[],
        files=[p.name for p in files],
        out=str(out),
        rejects_path=str(rejects_path),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".ingest-", dir=out.parent) as tmp:
        workdir = Path(tmp)
        con = _connect(workdir)
        try:
            # The usual export (valid UTF-8, no broken records, no duplicates, in call order) goes from
            # CSV to Parquet in one pass; anything else, or an abandoned attempt, takes the staged path.
            one_pass = source != "eido" and not append
            if one_pass and _one_pass(con, files, source, mapping, prof, out, rejects_path, summary, say):
                problem = rejection_problem(summary, max_rejected_share)
                if problem is not None:
                    out.unlink(missing_ok=True)  # a failed ingest leaves only its rejects
            else:
                create_staged(con, _canonical_ddl())
                for idx, path in enumerate(files):
                    say(f"reading {path.name} ({idx + 1}/{len(files)})")
                    if source == "eido":
                        per_file = _stage_eido(con, path, idx, prof)
                    else:
                        per_file = _stage_one_csv(con, path, idx, source, mapping, prof, workdir, summary)
                    summary.per_file.append(per_file)
                    summary.rows_in += per_file["rows_in"]
                say("numbering lines and de-duplicating")
                _finish(con, out, append, summary)
                problem = rejection_problem(summary, max_rejected_share)
                say(f"writing {out.name}")
                _write_outputs(con, out, rejects_path, prof, calls=problem is None)
        finally:
            con.close()
    summary.seconds = round(time.perf_counter() - started, 3)
    if problem is not None:
        raise BadInput(problem, file=str(files[0]) if len(files) == 1 else None)
    return summary


def _one_pass(*args: Any) -> bool:
    from altresponse.sources.onepass import ingest_one_pass  # imports this module's writer lazily

    return ingest_one_pass(*args)


def _stage_one_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    idx: int,
    source: str,
    mapping: str | Path | None,
    prof: Profile,
    workdir: Path,
    summary: IngestSummary,
) -> dict[str, Any]:
    delimiter = load_map(mapping).delimiter if mapping is not None else ","
    info = inspect_file(path, delimiter)
    cmap = choose_map(source, info.header, str(path), mapping)
    read_path = path
    if not info.valid_utf8:
        read_path = workdir / f"transcoded_{idx}.csv"
        transcode_to_utf8(path, read_path, info)
    if cmap.name not in summary.adapters:
        summary.adapters.append(cmap.name)
    result = stage_csv(
        con,
        path=path,
        read_path=read_path,
        file_idx=idx,
        info=info,
        cmap=cmap,
        agency=prof.agency,
        time_zone=cmap.time_zone or prof.time_zone,
        bbox=cmap.bbox or prof.bbox,
        canonical_names=schema.CALLS.names,
    )
    summary.transcoded_lines += result.transcoded_lines
    return {
        "file": path.name,
        "adapter": cmap.name,
        "rows_in": result.rows_read + result.csv_rejects,
        "csv_rejects": result.csv_rejects,
        "multiline_records": result.multiline,
        "transcoded_lines": result.transcoded_lines,
    }


def _stage_eido(con: duckdb.DuckDBPyConnection, path: Path, idx: int, prof: Profile) -> dict[str, Any]:
    try:
        from altresponse.sources import eido  # imported lazily: the EIDO reader is optional
    except ImportError as exc:
        raise BadInput(
            "--source eido is not available in this installation (altresponse.sources.eido is missing)"
        ) from exc
    read_eido = getattr(eido, "read_eido", None)
    if read_eido is None:
        raise BadInput("--source eido is not available: altresponse.sources.eido has no read_eido()")
    result = read_eido([path], prof)
    if isinstance(result, tuple):
        calls, rejected = result[0], result[1]
    else:
        calls, rejected = result.calls, result.rejects
    calls = calls.select(schema.CALLS.names).cast(schema.CALLS.arrow_schema())
    con.register("eido_calls", calls)
    extras = ", ".join(
        {"file_idx": str(idx), "rid": "row_number() OVER () - 1"}.get(n, f"CAST(NULL AS {t})")
        for n, t in STAGED_EXTRA
    )
    start_file(con, idx)
    con.execute(f"INSERT INTO staged_rows SELECT *, {extras} FROM eido_calls")
    con.unregister("eido_calls")
    if rejected is not None and rejected.num_rows:
        con.register("eido_rej", rejected.select(schema.REJECTS.names))
        con.execute(f"INSERT INTO csv_rejects SELECT {idx}, * FROM eido_rej")
        con.unregister("eido_rej")
    n_rej = rejected.num_rows if rejected is not None else 0
    return {
        "file": path.name,
        "adapter": "eido",
        "rows_in": calls.num_rows + n_rej,
        "csv_rejects": n_rej,
        "multiline_records": False,
        "transcoded_lines": 0,
    }


def _finish(con: duckdb.DuckDBPyConnection, out: Path, append: bool, summary: IngestSummary) -> None:
    """Number lines, split rejects, de-duplicate (existing rows first), and fill the summary.

    Nothing here copies the staged rows: line numbers and de-duplication are views over `staged`,
    joins happen only when a file had structural rejects, multi-line records or transcoded lines, and
    duplicates are found with a hash aggregate before any row is ranked.
    """
    cols = schema.CALLS.names

    def one(sql: str) -> int:
        row = con.execute(sql).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    line = "coalesce(s.source_line, 2 + s.rid"
    joins = ""
    if one("SELECT count(*) FROM gaps"):
        line += " + coalesce(g.cnt, 0)"
        joins += " ASOF LEFT JOIN gaps g ON s.file_idx = g.file_idx AND s.rid >= g.g"
    line += ")"
    if one("SELECT count(*) FROM linefix"):
        line = f"coalesce(lf.line, {line})"
        joins += " LEFT JOIN linefix lf ON lf.file_idx = s.file_idx AND lf.rid = s.rid"
    flags = "s.quality_flags"
    if one("SELECT count(*) FROM transcoded"):
        joins += f" LEFT JOIN transcoded tc ON tc.file_idx = s.file_idx AND tc.line = {line}"
        flags = (
            "CASE WHEN tc.line IS NOT NULL THEN concat_ws(';', s.quality_flags, 'transcoded_cp1252') "
            "ELSE s.quality_flags END"
        )
    con.execute(
        f"CREATE VIEW numbered AS SELECT s.* REPLACE ({line} AS source_line, {flags} AS quality_flags) "
        f"FROM staged s{joins}"
    )

    existing = False
    if append and out.exists():
        try:
            names = pq.read_schema(out).names
        except Exception as exc:  # pyarrow raises several types for a non-Parquet file
            raise BadInput(f"cannot --append: not a Parquet file ({exc})", file=str(out)) from exc
        if names != cols:
            raise BadInput(
                f"cannot --append: columns differ from the calls schema (expected {', '.join(cols)})",
                file=str(out),
            )
        existing = True
        sel = ", ".join(f'"{c}"' for c in cols)
        con.execute(f"CREATE TABLE existing AS SELECT {sel} FROM read_parquet({lit(str(out))})")

    # Keys seen more than once among new rows (and against existing rows).
    keys = "SELECT agency, call_id FROM staged WHERE reason IS NULL"
    if existing:
        keys += " UNION ALL SELECT agency, call_id FROM existing"
    con.execute(
        f"CREATE TEMP TABLE dup_keys AS SELECT agency, call_id FROM ({keys}) GROUP BY ALL HAVING count(*) > 1"
    )
    prior = (
        "SELECT 0 AS prio, -1 AS file_idx, 0::BIGINT AS rid, agency, call_id FROM existing UNION ALL "
        if existing
        else ""
    )
    con.execute(f"""
        CREATE TEMP TABLE losers AS
        SELECT file_idx, rid FROM (
            SELECT prio, file_idx, rid,
                   row_number() OVER (PARTITION BY agency, call_id ORDER BY prio, file_idx, rid) AS rn
            FROM ({prior}SELECT 1 AS prio, file_idx, rid, agency, call_id FROM staged
                  WHERE reason IS NULL AND (agency, call_id) IN (SELECT (agency, call_id) FROM dup_keys)) c
            WHERE (agency, call_id) IN (SELECT (agency, call_id) FROM dup_keys)
        ) WHERE rn > 1 AND prio = 1
    """)
    # Without duplicates (the usual case) there is no anti-join: a plain filtered scan keeps file order,
    # which lets an export already in call order be written without a sort.
    no_losers = one("SELECT count(*) FROM losers") == 0
    con.execute(
        "CREATE VIEW accepted AS SELECT * FROM numbered n WHERE reason IS NULL"
        + (
            ""
            if no_losers
            else " AND NOT EXISTS (SELECT 1 FROM losers l WHERE l.file_idx = n.file_idx AND l.rid = n.rid)"
        )
    )
    sel = ", ".join(f'"{c}"' for c in cols)
    union = f" UNION ALL SELECT {sel} FROM existing" if existing else ""
    con.execute(f"CREATE VIEW final AS SELECT {sel} FROM accepted{union}")

    accepted = one("SELECT count(*) FROM staged WHERE reason IS NULL")
    summary.duplicates_dropped = one("SELECT count(*) FROM losers")
    summary.rows_out = accepted - summary.duplicates_dropped
    summary.appended_to_existing = one("SELECT count(*) FROM existing") if existing else 0
    summary.rows_total = summary.rows_out + summary.appended_to_existing
    con.execute("""
        CREATE TABLE all_rejects AS
        SELECT file_idx, source_file, source_line, reason, detail, raw FROM csv_rejects
        UNION ALL
        SELECT n.file_idx, n.source_file, n.source_line, n.reason, n.detail, coalesce(n.raw, rr.raw)
        FROM numbered n LEFT JOIN reason_raw rr ON rr.file_idx = n.file_idx AND rr.rid = n.rid
        WHERE n.reason IS NOT NULL
    """)
    summary.rows_rejected = one("SELECT count(*) FROM all_rejects")
    summary.rejects_by_reason = dict(
        con.execute("SELECT reason, count(*) FROM all_rejects GROUP BY reason ORDER BY reason").fetchall()
    )
    unknown: dict[str, dict[str, int]] = {}
    for name in ("priority", "origin", "disposition"):
        rows = con.execute(
            f"SELECT {name}_raw, count(*) FROM accepted WHERE unk_{name} GROUP BY 1 ORDER BY 2 DESC, 1"
        ).fetchall()
        if rows:
            unknown[name] = {str(k): int(v) for k, v in rows}
    summary.unknown_codes = unknown
    summary.quality_flags = dict(
        con.execute("""
        SELECT flag, count(*) FROM (SELECT unnest(string_split(quality_flags, ';')) AS flag
                                    FROM accepted WHERE quality_flags IS NOT NULL)
        GROUP BY flag ORDER BY flag
    """).fetchall()
    )
    summary.unparsed_times = dict(
        con.execute("""
        SELECT t, count(*) FROM (SELECT unnest(string_split(bad_times, ';')) AS t
                                 FROM accepted WHERE bad_times IS NOT NULL)
        GROUP BY t ORDER BY t
    """).fetchall()
    )
    balance = summary.rows_out + summary.rows_rejected + summary.duplicates_dropped
    if summary.rows_in != balance:
        raise AssertionError(
            f"row accounting failed: rows_in {summary.rows_in} != rows_out {summary.rows_out} + rejected "
            f"{summary.rows_rejected} + duplicates {summary.duplicates_dropped}"
        )


SORT_KEY: tuple[str, ...] = ("received_utc", "call_id", "agency", "source_file", "source_line")


def _write_outputs(con: duckdb.DuckDBPyConnection, out: Path, rejects_path: Path, prof: Profile,
                   *, calls: bool = True) -> None:
    """Write calls sorted by SORT_KEY (with the profile in the file's metadata), then the rejects.

    CAD exports are usually written in call order, so the rows are first streamed in file order and
    checked batch by batch; only when a row is out of order is that attempt dropped and the rows sorted
    by DuckDB. Both paths give the same bytes (same rows, same order, same row groups). With
    `calls=False` (a failed ingest) only the rejects are written.
    """
    cols = ", ".join(f'"{c}"' for c in schema.CALLS.names)
    target = schema.CALLS.arrow_schema().with_metadata({PROFILE_METADATA_KEY: prof.to_json().encode()})
    if calls:
        with atomic_path(out) as tmp:
            in_order = con.sql(f"SELECT {cols} FROM final").to_arrow_reader(100_000)
            try:
                write_parquet(_checked_in_order(in_order), tmp, target)
            except _OutOfOrder:
                in_order.close()  # frees the connection for the sorted query
                order = ", ".join(SORT_KEY)
                reader = con.sql(f"SELECT {cols} FROM final ORDER BY {order}").to_arrow_reader(100_000)
                write_parquet(reader, tmp, target)
    rej_sql = (
        "SELECT source_file, source_line, reason, detail, raw FROM all_rejects "
        "ORDER BY file_idx, source_line, reason"
    )
    with atomic_path(rejects_path) as tmp:
        if rejects_path.suffix.lower() == ".parquet":
            write_parquet(con.sql(rej_sql).to_arrow_reader(100_000), tmp, schema.REJECTS.arrow_schema())
        else:
            con.execute(f"COPY ({rej_sql}) TO {lit(str(tmp))} (FORMAT csv, HEADER true)")


class _OutOfOrder(Exception):
    """Rows streamed in file order are not in SORT_KEY order: they must be sorted."""


def _checked_in_order(reader: pa.RecordBatchReader) -> pa.RecordBatchReader:
    """Pass batches through, raising _OutOfOrder at the first row that sorts before the row above it.

    Nulls never occur in the key columns (schema: not nullable), so plain comparisons suffice. Equal
    full keys (the same file given twice) also raise, so ties are settled by the sort as before.
    """

    def batches() -> Any:
        previous: pa.RecordBatch | None = None
        for batch in reader:
            if batch.num_rows == 0:
                continue
            keys = batch.select(list(SORT_KEY))
            if previous is not None:
                keys = pa.concat_batches([previous, keys])
            if keys.num_rows > 1 and not _strictly_increasing(keys):
                raise _OutOfOrder
            previous = keys.slice(keys.num_rows - 1, 1)
            yield batch

    return pa.RecordBatchReader.from_batches(reader.schema, batches())


def _strictly_increasing(keys: pa.RecordBatch) -> bool:
    """Whether each row's key tuple is greater than the one before it (lexicographic order)."""
    greater = None  # rows already known to be greater than their predecessor
    equal = None  # rows whose key columns so far equal their predecessor's
    for name in SORT_KEY:
        col = keys.column(name)
        cur, prev = col.slice(1), col.slice(0, len(col) - 1)
        gt, eq = pc.greater(cur, prev), pc.equal(cur, prev)
        if greater is None:
            greater, equal = gt, eq
        else:
            greater = pc.or_(greater, pc.and_(equal, gt))
            equal = pc.and_(equal, eq)
    assert greater is not None
    return bool(pc.all(greater).as_py())


NO_DICTIONARY = frozenset(
    {"call_id", "source_line", "received_utc", "dispatch_utc", "enroute_utc", "arrival_utc", "clear_utc",
     "close_utc"}
)


def write_parquet(reader: pa.RecordBatchReader, path: Path, target: pa.Schema) -> int:
    """Stream batches into Parquet with fixed row groups and settings, so equal input gives equal bytes."""
    written = 0
    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    with pq.ParquetWriter(
        path,
        target,
        compression="zstd",
        compression_level=3,
        # A dictionary of values that hardly repeat (call ids, line numbers, time stamps) is built and
        # then abandoned by the encoder: skipping it saves about a third of the encoding CPU and gives
        # a smaller file (15.9 MB against 18.6 MB for 1 million Baltimore rows).
        use_dictionary=[f.name for f in target if f.name not in NO_DICTIONARY],
        write_statistics=True,
        version="2.6",
        data_page_version="1.0",
    ) as writer:

        def flush(final: bool) -> None:
            nonlocal pending, pending_rows, written
            if not pending:
                return
            table = pa.Table.from_batches(pending)
            while table.num_rows >= ROW_GROUP_ROWS or (final and table.num_rows):
                chunk = table.slice(0, ROW_GROUP_ROWS)
                # One contiguous chunk per column: page boundaries then depend on the rows alone,
                # not on how the reader happened to batch them.
                writer.write_table(_conform(chunk, target).combine_chunks(), row_group_size=ROW_GROUP_ROWS)
                written += chunk.num_rows
                table = table.slice(chunk.num_rows)
            pending = table.to_batches()
            pending_rows = table.num_rows

        for batch in _prefetched(reader):
            pending.append(batch)
            pending_rows += batch.num_rows
            if pending_rows >= ROW_GROUP_ROWS:
                flush(False)
        flush(True)
    return written


PREFETCH_BATCHES = 2  # batches DuckDB may run ahead of the Parquet encoder (bounds memory)


def _prefetched(reader: pa.RecordBatchReader) -> Iterator[pa.RecordBatch]:
    """Yield the reader's batches, produced on a second thread so that DuckDB computes the next
    batches while this thread encodes Parquet (both release the GIL). Order is kept; an error on the
    producer side (such as _OutOfOrder) is raised here."""
    done = object()
    queue: Queue[Any] = Queue(maxsize=PREFETCH_BATCHES)
    stop = threading.Event()

    def produce() -> None:
        try:
            for batch in reader:
                while not stop.is_set():
                    try:
                        queue.put(batch, timeout=0.1)
                        break
                    except Full:
                        continue
                if stop.is_set():
                    return
            queue.put(done)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            queue.put(exc)

    worker = threading.Thread(target=produce, name="parquet-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = queue.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():
            try:
                queue.get_nowait()
            except Empty:
                worker.join(0.05)


def _conform(table: pa.Table, target: pa.Schema) -> pa.Table:
    arrays = []
    for f in target:
        col = table.column(f.name)
        if col.type != f.type:
            col = col.cast(f.type)
        if not f.nullable and col.null_count:
            raise AssertionError(f"column {f.name} has {col.null_count} nulls but the schema forbids them")
        arrays.append(col)
    return pa.Table.from_arrays(arrays, schema=target)
