"""Classify canonical calls: common incident type, category, and the protocol's pathway.

One streaming DuckDB query: the taxonomy's crosswalk join (`encode_calls`) feeds the protocol's
compiled rules (`bulk_decide`), with the screening answers that history never recorded filled
by the protocol's documented policy (`history_answers`, "screening assumed passed" by default).
The result is written as Parquet in `schema.CLASSIFIED_CALLS` column order. Unmapped local call
types are kept as `unmapped`, counted and reported, never guessed.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from altresponse import schema
from altresponse.errors import BadInput
from altresponse.fsio import atomic_path
from altresponse.profile import Profile
from altresponse.settings import get_settings


@dataclass(frozen=True)
class ClassifySummary:
    """What classification did: rows, mapping coverage, top unmapped types, rule set used."""

    rows: int
    mapped_rows: int
    unmapped_rows: int
    coverage: float
    unmapped_top: list[dict[str, Any]]
    crosswalk: str
    protocol_version: str
    history_policy: str
    pathway_counts: dict[str, int] = field(default_factory=dict)
    out_path: str = ""
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def connect(memory_limit: str | None = None, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """An in-process DuckDB connection sized by settings (ALTRESPONSE_DUCKDB_*)."""
    settings = get_settings()
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{memory_limit or settings.duckdb_memory_limit}'")
    n = threads if threads is not None else settings.duckdb_threads
    if n:
        con.execute(f"SET threads = {int(n)}")
    con.execute("SET preserve_insertion_order = true")
    con.execute("SET enable_progress_bar = false")
    return con


def _sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _check_calls(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    if not path.exists():
        raise BadInput("calls file not found (expected Parquet written by `altresponse ingest`)",
                       file=str(path))
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM read_parquet({_sql_path(path)})").fetchall()
        cols = {r[0] for r in described}
    except duckdb.Error as exc:
        raise BadInput(f"not a readable Parquet file: {exc}", file=str(path)) from exc
    missing = [c for c in schema.CALLS.names if c not in cols]
    if missing:
        raise BadInput(f"calls file lacks canonical columns {missing} (expected schema.CALLS)",
                       file=str(path), column=missing[0])


def _crosswalk_for_source(con: duckdb.DuckDBPyConnection, src: Path) -> str | None:
    """NENA EIDO calls carry APCO common incident codes, not the city's CAD vocabulary."""
    quoted = str(src).replace("'", "''")
    row = con.execute(f"SELECT bool_and(source_system = 'eido') FROM read_parquet('{quoted}')").fetchone()
    return "apco" if row and row[0] else None


def classify_calls(
    calls_parquet: str | Path,
    out_parquet: str | Path,
    profile: Profile,
    *,
    history_policy: str | None = None,
    crosswalk: str | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> ClassifySummary:
    """Write `out_parquet` (schema.CLASSIFIED_CALLS) from canonical calls; return the summary.

    The crosswalk (unless `crosswalk` names another, e.g. ``decc``) and protocol come from the
    profile (`crosswalk`, `protocol`); the history policy
    from the profile's `analysis.history_policy` or the protocol's default ("screening_passed").
    """
    from altresponse.protocol import bulk_decide, history_answers, load_protocol
    from altresponse.protocol.history import DEFAULT_SCENARIO
    from altresponse.taxonomy import encode_calls, load_crosswalk, normalize_sql

    start = time.perf_counter()
    src = Path(calls_parquet)
    out = Path(out_parquet)
    own = con is None
    con = con or connect()
    try:
        _check_calls(con, src)
        chosen = crosswalk or _crosswalk_for_source(con, src) or profile.crosswalk or profile.city
        xwalk = load_crosswalk(chosen)
        protocol = load_protocol(profile.protocol or profile.city)
        policy = history_policy or str(profile.section("analysis").get("history_policy") or DEFAULT_SCENARIO)
        fill = history_answers(protocol, policy)
        # Classify each distinct local call type once (a few hundred rows), then join the result
        # back to every call. The protocol's inputs that vary by call (answer_*, mpds_code) are not
        # canonical columns, so a call's pathway is a function of its local type under the policy.
        con.execute(
            "CREATE OR REPLACE TEMP TABLE __local_types AS SELECT local_call_type, count(*) AS n_rows "
            f"FROM read_parquet({_sql_path(src)}) GROUP BY 1"
        )
        enc = encode_calls(con, "__local_types", xwalk)
        decided = bulk_decide(con, enc.relation_sql, protocol, fill_answers=fill)
        added = [c.name for c in schema.CLASSIFICATION.columns]
        con.execute(
            "CREATE OR REPLACE TEMP TABLE __lookup AS SELECT local_call_type, n_rows, "
            + ", ".join(f'"{c}"' for c in added) + f" FROM ({decided})"
        )
        select = ", ".join(
            f'CAST({"l" if c.name in added else "c"}."{c.name}" AS {c.duckdb_type}) AS "{c.name}"'
            for c in schema.CLASSIFIED_CALLS.columns
        )
        with atomic_path(out) as tmp:
            con.execute(
                f"COPY (SELECT {select} FROM read_parquet({_sql_path(src)}) AS c "
                "LEFT JOIN __lookup AS l ON c.local_call_type IS NOT DISTINCT FROM l.local_call_type) "
                f"TO {_sql_path(tmp)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 262144)"
            )
        counts = con.execute(
            "SELECT coalesce(sum(n_rows) FILTER (WHERE common_type <> 'unmapped'), 0), "
            "coalesce(sum(n_rows) FILTER (WHERE common_type = 'unmapped'), 0) FROM __lookup"
        ).fetchone()
        mapped, unmapped = (int(counts[0]), int(counts[1])) if counts else (0, 0)
        top_rows = con.execute(
            "SELECT min(local_call_type) AS spelling, sum(n_rows) AS n FROM __lookup WHERE common_type = "
            f"'unmapped' GROUP BY {normalize_sql('local_call_type')} ORDER BY n DESC, spelling LIMIT 20"
        ).fetchall()
        pathway_counts = dict(con.execute(
            "SELECT pathway, sum(n_rows) FROM __lookup GROUP BY 1 ORDER BY 2 DESC"
        ).fetchall())
    finally:
        if own:
            con.close()
    top = [{"local_call_type": "" if t is None else str(t), "calls": int(n)} for t, n in top_rows]
    total = mapped + unmapped
    return ClassifySummary(
        rows=total, mapped_rows=mapped, unmapped_rows=unmapped,
        coverage=mapped / total if total else 1.0, unmapped_top=top, crosswalk=xwalk.name,
        protocol_version=protocol.version,
        history_policy=policy, pathway_counts={str(k): int(v) for k, v in pathway_counts.items()},
        out_path=str(out), seconds=round(time.perf_counter() - start, 3),
    )
