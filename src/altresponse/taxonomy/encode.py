"""Encode calls with common types: a DuckDB join on the normalized key that never guesses.

A call whose local type is not in the crosswalk keeps its row and gets `unmapped`; the miss is
counted and the most frequent unmapped spellings are reported so a person can extend the
crosswalk (or run `altresponse taxonomy suggest`). Nothing is dropped and nothing is guessed.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb
import numpy as np

from altresponse.errors import BadInput
from altresponse.taxonomy.catalogue import UNMAPPED
from altresponse.taxonomy.crosswalk import Crosswalk, normalize_local_type, normalize_sql

LOCAL_COLUMN = "local_call_type"
ADDED_COLUMNS = ("common_type", "category")
_ids = itertools.count(1)


@dataclass(frozen=True)
class EncodeResult:
    """The SQL of the encoded relation plus what it could not map."""

    relation_sql: str
    mapped_rows: int
    unmapped_rows: int
    unmapped_top: list[tuple[str, int]]

    @property
    def total_rows(self) -> int:
        return self.mapped_rows + self.unmapped_rows

    @property
    def coverage(self) -> float:
        """Share of rows mapped (1.0 for an empty input: nothing was missed)."""
        return self.mapped_rows / self.total_rows if self.total_rows else 1.0

    def as_dict(self) -> dict[str, object]:
        return {
            "mapped_rows": self.mapped_rows,
            "unmapped_rows": self.unmapped_rows,
            "coverage": round(self.coverage, 6),
            "unmapped_top": [{"local_call_type": t, "rows": n} for t, n in self.unmapped_top],
        }


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def _from_clause(calls_relation: str) -> str:
    """A table or view name is used as is; anything else is treated as a query and parenthesized."""
    rel = calls_relation.strip()
    if _IDENT.match(rel) or (rel.startswith('"') and rel.endswith('"')):
        return rel
    if rel.startswith("(") and rel.endswith(")"):
        return rel
    return f"({rel})"


def register_crosswalk(con: duckdb.DuckDBPyConnection, crosswalk: Crosswalk) -> str:
    """Register the crosswalk table on the connection under a unique view name and return it."""
    view = f"_altresponse_xw_{re.sub(r'[^A-Za-z0-9_]', '_', crosswalk.name)}_{next(_ids)}"
    con.register(view, crosswalk.to_arrow())
    return view


def encode_calls(con: duckdb.DuckDBPyConnection, calls_relation: str, crosswalk: Crosswalk,
                 top: int = 20) -> EncodeResult:
    """Add `common_type` and `category` to a calls relation by joining the crosswalk.

    `calls_relation` is a table/view name or a SELECT; it must have a `local_call_type` column.
    Existing `common_type`/`category` columns are replaced. The returned SQL stays valid on this
    connection (the crosswalk is registered on it).
    """
    source = _from_clause(calls_relation)
    try:
        columns = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source} AS c").fetchall()]
    except duckdb.Error as exc:
        raise BadInput(f"cannot read the calls relation: {exc}") from exc
    if LOCAL_COLUMN not in columns:
        raise BadInput(f"calls relation has no {LOCAL_COLUMN!r} column (has: {', '.join(columns)})",
                       column=LOCAL_COLUMN)
    keep = [c for c in columns if c not in ADDED_COLUMNS]
    select_cols = ", ".join(f'c."{c}"' for c in keep)
    view = register_crosswalk(con, crosswalk)
    # The key (a regular expression) is computed once per distinct spelling, not once per call: the
    # per-call work is a hash join on the raw string, which keeps tens of millions of rows fast.
    lookup = (
        f"SELECT d.{LOCAL_COLUMN} AS raw_type, x.common_type, x.category "
        f"FROM (SELECT DISTINCT {LOCAL_COLUMN} FROM {source} AS s) AS d "
        f"JOIN {view} AS x ON x.local_key = {normalize_sql(f'd.{LOCAL_COLUMN}')}"
    )
    relation_sql = (
        f"SELECT {select_cols}, coalesce(m.common_type, '{UNMAPPED}') AS common_type, "
        f"coalesce(m.category, '{UNMAPPED}') AS category "
        f"FROM {source} AS c LEFT JOIN ({lookup}) AS m ON m.raw_type = c.\"{LOCAL_COLUMN}\""
    )
    per_type = con.execute(
        f"SELECT t.raw_type, t.n, m.common_type IS NOT NULL AS mapped "
        f"FROM (SELECT {LOCAL_COLUMN} AS raw_type, count(*) AS n FROM {source} AS s GROUP BY 1) AS t "
        f"LEFT JOIN ({lookup}) AS m ON m.raw_type = t.raw_type"
    ).fetchall()
    mapped = sum(int(n) for _, n, ok in per_type if ok)
    unmapped = sum(int(n) for _, n, ok in per_type if not ok)
    spelling: dict[str, str] = {}
    rows_by_key: Counter[str] = Counter()
    for raw, n, ok in per_type:
        if ok:
            continue
        text = "" if raw is None else str(raw)
        key = normalize_local_type(text)
        rows_by_key[key] += int(n)
        spelling[key] = min(spelling.get(key, text), text)
    ranked = sorted(((spelling[k], n) for k, n in rows_by_key.items()), key=lambda tn: (-tn[1], tn[0]))
    unmapped_top = ranked[: int(top)]
    return EncodeResult(relation_sql, mapped, unmapped, unmapped_top)


@dataclass(frozen=True)
class EncodedValues:
    """Plain-array encoding for callers without a database: one type and category per input value."""

    common_type: np.ndarray
    category: np.ndarray
    unmapped: Counter[str]

    @property
    def coverage(self) -> float:
        n = len(self.common_type)
        return 1.0 - sum(self.unmapped.values()) / n if n else 1.0


def encode_values(values: Iterable[str | None], crosswalk: Crosswalk) -> EncodedValues:
    """Encode local call types in memory (same key, same answers as `encode_calls`)."""
    types: list[str] = []
    cats: list[str] = []
    misses: Counter[str] = Counter()
    memo: dict[str, tuple[str, str]] = {}
    for value in values:
        text = "" if value is None else value
        if text not in memo:
            t = crosswalk.lookup(text) if text else UNMAPPED
            memo[text] = (t, crosswalk.catalogue.category_of(t))
        t, c = memo[text]
        types.append(t)
        cats.append(c)
        if t == UNMAPPED:
            misses[normalize_local_type(text)] += 1
    return EncodedValues(np.array(types, dtype=object), np.array(cats, dtype=object), misses)
