"""Agency crosswalks: an agency's own call-type strings mapped to common incident types.

A crosswalk is a hand-reviewed CSV (`local_call_type, common_type, note`). Lookups go through one
key, `normalize_local_type`, which has an identical SQL form (`NORMALIZE_SQL`) so the Python
encoder and the DuckDB join can never disagree about which row a call matches.

A crosswalk made by `altresponse city init` is a review worksheet as well (`REVIEW_COLUMNS`): each
row has a `status`. Only `accepted` rows map calls; a `needs_review` row is kept in the file (as
`pending`) but its calls stay `unmapped` (the police pathway) until a person accepts it. An accepted
row whose type the protocol could send to a pathway without police, fire or EMS must name who
accepted it (`reviewed_by`, `reviewed_at`, and the `suggested_type` it came from): loading fails
otherwise, so nothing lowers a call's response level without a person's recorded decision.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
REVIEW_COLUMNS = ("local_call_type", "common_type", "status", "calls", "suggested_type", "confidence",
                  "reason", "reviewed_by", "reviewed_at", "note")
ACCEPTED = "accepted"
NEEDS_REVIEW = "needs_review"
STATUSES = (ACCEPTED, NEEDS_REVIEW)
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
    """One local call type. The review fields are empty in a plain reviewed crosswalk."""

    local_call_type: str
    common_type: str
    note: str = ""
    status: str = ACCEPTED
    calls: int | None = None
    suggested_type: str = ""
    confidence: float | None = None
    reason: str = ""
    reviewed_by: str = ""
    reviewed_at: str = ""

    @property
    def accepted(self) -> bool:
        return self.status == ACCEPTED

    @property
    def key(self) -> str:
        return normalize_local_type(self.local_call_type)


@dataclass(frozen=True)
class Crosswalk:
    """An agency's mapping from local call types to common type ids, validated against the catalogue."""

    name: str
    entries: tuple[CrosswalkEntry, ...]
    catalogue: Catalogue = field(repr=False, compare=False)
    pending: tuple[CrosswalkEntry, ...] = ()
    review: bool = False  # written with REVIEW_COLUMNS (a `city init` worksheet)
    _by_key: dict[str, CrosswalkEntry] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        by_key: dict[str, CrosswalkEntry] = {}
        for entry in self.pending:
            if entry.accepted:
                raise BadInput(f"crosswalk {self.name!r}: pending entry {entry.local_call_type!r} is "
                               "accepted")
            if entry.common_type != UNMAPPED and entry.common_type not in self.catalogue:
                raise BadInput(f"crosswalk {self.name!r}: {entry.local_call_type!r} maps to unknown common "
                               f"type {entry.common_type!r}", column="common_type")
        for entry in self.entries:
            if not entry.accepted:
                raise BadInput(f"crosswalk {self.name!r}: entry {entry.local_call_type!r} is not accepted")
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

    def pending_keys(self) -> set[str]:
        return {e.key for e in self.pending}

    def with_entries(self, new: Iterable[CrosswalkEntry]) -> Crosswalk:
        """A new crosswalk with entries added; existing keys win (accepting never overwrites review).

        A new accepted entry replaces a pending one of the same key (that is what accepting is); a new
        pending entry is kept only when its key is not known at all.
        """
        merged = list(self.entries)
        pending = {e.key: e for e in self.pending}
        known = set(self._by_key)
        for entry in new:
            if entry.key in known:
                continue
            if entry.accepted:
                merged.append(entry)
                known.add(entry.key)
                pending.pop(entry.key, None)
            else:
                pending.setdefault(entry.key, entry)
        return Crosswalk(self.name, tuple(merged), self.catalogue, tuple(pending.values()),
                         self.review or bool(pending))

    def all_rows(self) -> list[CrosswalkEntry]:
        """Accepted and pending rows, most calls first when counts are known, else by key."""
        rows = list(self.entries) + list(self.pending)
        if self.review:
            return sorted(rows, key=lambda e: (-(e.calls or 0), e.key, e.local_call_type))
        return sorted(rows, key=lambda e: (e.key, e.local_call_type))

    def to_csv_text(self) -> str:
        """CSV text, one row per spelling, no exact duplicates: sorted by key, or (a review worksheet)
        by call volume with every review column."""
        seen: set[tuple[str, str]] = set()
        rows = []
        for entry in self.all_rows():
            ident = (entry.local_call_type, entry.common_type)
            if ident in seen:
                continue
            seen.add(ident)
            rows.append(entry)
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        if not self.review:
            writer.writerow(CSV_COLUMNS)
            for entry in rows:
                writer.writerow([entry.local_call_type, entry.common_type, entry.note])
            return buf.getvalue()
        writer.writerow(REVIEW_COLUMNS)
        for e in rows:
            writer.writerow([e.local_call_type, e.common_type, e.status, "" if e.calls is None else e.calls,
                             e.suggested_type, "" if e.confidence is None else f"{e.confidence:.2f}",
                             e.reason, e.reviewed_by, e.reviewed_at, e.note])
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
        fields = reader.fieldnames or []
        missing = [c for c in CSV_COLUMNS[:2] if c not in fields]
        if missing:
            raise BadInput(f"crosswalk needs columns {CSV_COLUMNS}; missing {missing}", file=str(path),
                           line=1)
        catalogue = catalogue or load_catalogue()
        review = "status" in fields
        entries: list[CrosswalkEntry] = []
        pending: list[CrosswalkEntry] = []
        for line_no, row in enumerate(reader, start=2):
            entry = _entry_from_row(row, review, catalogue, str(path), line_no)
            (entries if entry.accepted else pending).append(entry)
        try:
            return cls(name or path.stem, tuple(entries), catalogue, tuple(pending), review)
        except BadInput as exc:
            raise BadInput(str(exc), file=str(path)) from exc


def _entry_from_row(row: dict[str, str], review: bool, catalogue: Catalogue, file: str,
                    line_no: int) -> CrosswalkEntry:
    """One CSV row, checked: known status, numbers that parse, a recorded reviewer where one is needed."""
    local = row.get("local_call_type") or ""
    common = (row.get("common_type") or "").strip()
    status = (row.get("status") or ACCEPTED).strip() if review else ACCEPTED
    if not local.strip():
        raise BadInput("empty local_call_type", file=file, line=line_no)
    if status not in STATUSES:
        raise BadInput(f"status {status!r} is not one of {', '.join(STATUSES)}", file=file, line=line_no,
                       column="status")
    if not common and status == ACCEPTED:
        raise BadInput("empty local_call_type or common_type", file=file, line=line_no)
    common = common or UNMAPPED
    if status == ACCEPTED and common == UNMAPPED:
        raise BadInput(f"an accepted row must name a common type, not {UNMAPPED!r}", file=file, line=line_no,
                       column="common_type")

    def number(name: str, kind: type) -> Any:
        raw = (row.get(name) or "").strip()
        if not raw:
            return None
        try:
            return kind(raw)
        except ValueError:
            raise BadInput(f"{name} {raw!r} is not a number", file=file, line=line_no, column=name) from None

    entry = CrosswalkEntry(
        local, common, (row.get("note") or "").strip(), status=status, calls=number("calls", int),
        suggested_type=(row.get("suggested_type") or "").strip(), confidence=number("confidence", float),
        reason=(row.get("reason") or "").strip(), reviewed_by=(row.get("reviewed_by") or "").strip(),
        reviewed_at=(row.get("reviewed_at") or "").strip())
    if review and entry.accepted and common in catalogue and catalogue.get(common).allows_alternative \
            and not entry.reviewed_by:
        raise BadInput(f"{local!r} is accepted as {common}, which the protocol could send to a pathway "
                       "without police, fire or EMS, but names no reviewer: accept it with `altresponse "
                       "taxonomy accept --by NAME` (or fill reviewed_by and reviewed_at)", file=file,
                       line=line_no, column="reviewed_by")
    return entry


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
