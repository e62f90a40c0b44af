"""Agency crosswalks: an agency's own call-type strings mapped to common incident types.

A crosswalk is a hand-reviewed CSV (`local_call_type, common_type, note`). Lookups go through one
key, `normalize_local_type`, which has an identical SQL form (`NORMALIZE_SQL`) so the Python
encoder and the DuckDB join can never disagree about which row a call matches.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from altresponse.errors import BadInput
from altresponse.taxonomy.catalogue import UNMAPPED, Catalogue, builtin_path, load_catalogue

# Whitespace that collapses to one space: ASCII whitespace plus the no-break space that CAD
# exports and spreadsheets often carry. Case folding is ASCII-only, on purpose: it is the same
# in Python and in every SQL engine, whereas full Unicode upper-casing differs between them.
_WHITESPACE = " \t\n\r\f\v\u00a0"
_LOWER = "abcdefghijklmnopqrstuvwxyz"
_UPPER = _LOWER.upper()
_UPPER_TABLE = str.maketrans(_LOWER, _UPPER)

NORMALIZE_SQL = (
    "trim(translate(regexp_replace({col}, '[ \\t\\n\\r\\f\\v\u00a0]+', ' ', 'g'), "
    f"'{_LOWER}', '{_UPPER}'))"
)
"""DuckDB expression template giving `normalize_local_type` of the column `{col}`."""

CSV_COLUMNS = ("local_call_type", "common_type", "note")
BUILTIN_CROSSWALKS = ("baltimore", "decc", "sfpd")
DERIVED_CROSSWALKS = ("apco",)  # built from the catalogue, not a reviewed agency file


def normalize_local_type(text: str) -> str:
    """Lookup key for a local call type: whitespace runs collapsed to one space, trimmed, upper-case."""
    out: list[str] = []
    in_space = False
    for ch in text:
        if ch in _WHITESPACE:
            in_space = True
            continue
        if in_space and out:
            out.append(" ")
        in_space = False
        out.append(ch)
    return "".join(out).translate(_UPPER_TABLE)


def normalize_sql(column: str) -> str:
    """`NORMALIZE_SQL` applied to a column or expression."""
    return NORMALIZE_SQL.format(col=column)


@dataclass(frozen=True)
class CrosswalkEntry:
    local_call_type: str
    common_type: str
    note: str = ""

    @property
    def key(self) -> str:
        return normalize_local_type(self.local_call_type)


@dataclass(frozen=True)
class Crosswalk:
    """An agency's mapping from local call types to common type ids, validated against the catalogue."""

    name: str
    entries: tuple[CrosswalkEntry, ...]
    catalogue: Catalogue = field(repr=False, compare=False)
    _by_key: dict[str, CrosswalkEntry] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        by_key: dict[str, CrosswalkEntry] = {}
        for entry in self.entries:
            if entry.common_type not in self.catalogue:
                raise BadInput(f"crosswalk {self.name!r}: {entry.local_call_type!r} maps to unknown common "
                               f"type {entry.common_type!r}", column="common_type")
            key = entry.key
            if not key:
                raise BadInput(f"crosswalk {self.name!r}: empty local_call_type", column="local_call_type")
            seen = by_key.get(key)
            if seen is not None and seen.common_type != entry.common_type:
                raise BadInput(f"crosswalk {self.name!r}: {entry.local_call_type!r} and "
                               f"{seen.local_call_type!r} share the key {key!r} but map to "
                               f"{entry.common_type!r} and {seen.common_type!r}", column="local_call_type")
            by_key.setdefault(key, entry)
        self._by_key.update(by_key)

    def __len__(self) -> int:
        return len(self._by_key)

    def __iter__(self) -> Iterator[CrosswalkEntry]:
        return iter(self._by_key.values())

    def __contains__(self, local_call_type: object) -> bool:
        return isinstance(local_call_type, str) and normalize_local_type(local_call_type) in self._by_key

    def lookup(self, local_call_type: str) -> str:
        """Common type id for a local call type, or `unmapped` (never a guess)."""
        entry = self._by_key.get(normalize_local_type(local_call_type))
        return entry.common_type if entry else UNMAPPED

    def category(self, local_call_type: str) -> str:
        return self.catalogue.category_of(self.lookup(local_call_type))

    def keys(self) -> list[str]:
        return list(self._by_key)

    def to_arrow(self) -> pa.Table:
        """One row per key: local_key, local_call_type (first spelling seen), common_type, category."""
        rows = list(self._by_key.items())
        return pa.table({
            "local_key": pa.array([k for k, _ in rows], pa.string()),
            "local_call_type": pa.array([e.local_call_type for _, e in rows], pa.string()),
            "common_type": pa.array([e.common_type for _, e in rows], pa.string()),
            "category": pa.array([self.catalogue.category_of(e.common_type) for _, e in rows], pa.string()),
        })

    def with_entries(self, new: Iterable[CrosswalkEntry]) -> Crosswalk:
        """A new crosswalk with entries added; existing keys win (accepting never overwrites review)."""
        merged = list(self.entries)
        known = set(self._by_key)
        for entry in new:
            if entry.key not in known:
                merged.append(entry)
                known.add(entry.key)
        return Crosswalk(self.name, tuple(merged), self.catalogue)

    def to_csv_text(self) -> str:
        """CSV text, sorted by key, one row per spelling, no exact duplicates."""
        seen: set[tuple[str, str]] = set()
        rows = []
        for entry in sorted(self.entries, key=lambda e: (e.key, e.local_call_type)):
            ident = (entry.local_call_type, entry.common_type)
            if ident in seen:
                continue
            seen.add(ident)
            rows.append(entry)
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for entry in rows:
            writer.writerow([entry.local_call_type, entry.common_type, entry.note])
        return buf.getvalue()

    @classmethod
    def from_rows(cls, name: str, rows: Sequence[Sequence[str]] | Iterable[dict[str, str]],
                  catalogue: Catalogue | None = None) -> Crosswalk:
        """Build from (local_call_type, common_type[, note]) tuples or dicts with those keys."""
        entries = []
        for row in rows:
            if isinstance(row, dict):
                note = row.get("note") or ""
                entries.append(CrosswalkEntry(row["local_call_type"], row["common_type"], note))
            else:
                entries.append(CrosswalkEntry(row[0], row[1], row[2] if len(row) > 2 else ""))
        return cls(name, tuple(entries), catalogue or load_catalogue())

    @classmethod
    def from_csv(cls, path: str | Path, name: str | None = None,
                 catalogue: Catalogue | None = None) -> Crosswalk:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise BadInput(f"cannot read crosswalk: {exc}", file=str(path)) from exc
        reader = csv.DictReader(io.StringIO(text))
        missing = [c for c in CSV_COLUMNS[:2] if c not in (reader.fieldnames or [])]
        if missing:
            raise BadInput(f"crosswalk needs columns {CSV_COLUMNS}; missing {missing}", file=str(path),
                           line=1)
        entries = []
        for line_no, row in enumerate(reader, start=2):
            local = row.get("local_call_type") or ""
            common = (row.get("common_type") or "").strip()
            if not local.strip() or not common:
                raise BadInput("empty local_call_type or common_type", file=str(path), line=line_no)
            entries.append(CrosswalkEntry(local, common, (row.get("note") or "").strip()))
        try:
            return cls(name or path.stem, tuple(entries), catalogue or load_catalogue())
        except BadInput as exc:
            raise BadInput(str(exc), file=str(path)) from exc


def crosswalk_path(name_or_path: str | Path) -> Path:
    """Path of a built-in crosswalk by name (baltimore, decc, sfpd) or of a CSV file."""
    path = Path(name_or_path)
    if path.suffix.lower() == ".csv" or path.is_file():  # a folder that happens to share a name is not one
        return path
    builtin = builtin_path("crosswalks", f"{name_or_path}.csv")
    if not builtin.exists():
        builtins = ", ".join(BUILTIN_CROSSWALKS + DERIVED_CROSSWALKS)
        raise BadInput(f"no crosswalk named {str(name_or_path)!r} (built in: {builtins}; or give a CSV path)")
    return builtin


def apco_crosswalk(catalogue: Catalogue | None = None) -> Crosswalk:
    """APCO common incident codes (as NENA EIDO documents carry them) to common types.

    Derived from the catalogue's own `apco_code` field, so it can never disagree with it.
    """
    catalogue = catalogue or load_catalogue()
    rows = [(str(t.apco_code), t.id, "APCO common incident code in the catalogue")
            for t in sorted(catalogue.types.values(), key=lambda t: str(t.apco_code)) if t.apco_code]
    return Crosswalk.from_rows("apco", rows, catalogue)


def load_crosswalk(name: str | Path) -> Crosswalk:
    """Load a built-in crosswalk by name (baltimore, decc, sfpd, apco) or a crosswalk CSV by path."""
    if str(name) == "apco":
        return apco_crosswalk()
    path = crosswalk_path(name)
    if not path.exists():
        raise BadInput("crosswalk file not found", file=str(path))
    stem = path.stem if path.suffix else str(name)
    return Crosswalk.from_csv(path, name=stem)
