"""What every partner adapter shares: the result type, local-time parsing and row collection."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow as pa
import pyarrow.parquet as pq

from altresponse import schema
from altresponse.errors import BadInput
from altresponse.fsio import atomic_path


@dataclass
class PartnerIngest:
    """One adapter run: the canonical table, its rejects and the counts that must add up."""

    source: str
    table_name: str
    files: list[str]
    table: pa.Table
    rejects: pa.Table
    records_in: int
    records_out: int
    duplicates_dropped: int = 0
    unknown_codes: dict[str, dict[str, int]] = field(default_factory=dict)
    quality_flags: dict[str, int] = field(default_factory=dict)

    @property
    def rows_rejected(self) -> int:
        return self.rejects.num_rows

    def check(self) -> PartnerIngest:
        """Fail (as our bug, not the user's) if a record went missing."""
        total = self.records_out + self.rows_rejected + self.duplicates_dropped
        if total != self.records_in:
            raise AssertionError(
                f"{self.source}: records_in {self.records_in} != out {self.records_out} + rejected "
                f"{self.rows_rejected} + duplicates {self.duplicates_dropped}"
            )
        return self

    def summary(self) -> dict[str, Any]:
        reasons = Counter(self.rejects.column("reason").to_pylist()) if self.rejects.num_rows else Counter()
        return {
            "source": self.source,
            "table": self.table_name,
            "files": self.files,
            "records_in": self.records_in,
            "records_out": self.records_out,
            "rows_out": self.table.num_rows,
            "rows_rejected": self.rows_rejected,
            "duplicates_dropped": self.duplicates_dropped,
            "rejects_by_reason": dict(sorted(reasons.items())),
            "unknown_codes": self.unknown_codes,
            "quality_flags": dict(sorted(self.quality_flags.items())),
        }


def write_partner(result: PartnerIngest, out: str | Path, rejects: str | Path | None = None) -> Path:
    """Write the table (Parquet) and its rejects atomically; the rejects go beside it by default."""
    out = Path(out)
    rejects_path = Path(rejects) if rejects else out.with_name(out.stem + ".rejects.parquet")
    for path, table in ((out, result.table), (rejects_path, result.rejects)):
        with atomic_path(path) as tmp:
            pq.write_table(table, tmp, compression="zstd")
    return rejects_path


class Collector:
    """Accumulates canonical rows and rejects for one table, then builds typed Arrow tables."""

    def __init__(self, table: schema.Table, source: str) -> None:
        self.spec = table
        self.source = source
        self.rows: list[dict[str, Any]] = []
        self.rejects: list[dict[str, Any]] = []
        self.records_in = 0
        self.records_out = 0
        self.duplicates = 0
        self.unknown: dict[str, Counter[str]] = {}
        self.flags: Counter[str] = Counter()
        self.files: list[str] = []
        self._keys: set[tuple[Any, ...]] = set()

    def reject(self, file: str, line: int, reason: str, detail: str, raw: str) -> None:
        self.rejects.append(
            {"source_file": file, "source_line": line, "reason": reason, "detail": detail, "raw": raw[:4000]}
        )

    def unknown_code(self, field_name: str, value: str) -> None:
        self.unknown.setdefault(field_name, Counter())[value] += 1

    def add(self, rows: list[dict[str, Any]], *, file: str, line: int, raw: str) -> None:
        """Add the rows one input record produced (usually one); a repeated key is a duplicate."""
        keys = [tuple(r.get(k) for k in self.spec.primary_key) for r in rows]
        if any(k in self._keys for k in keys):
            if all(k in self._keys for k in keys):
                self.duplicates += 1
                return
            self.reject(file, line, "conflicting_key", "part of this record repeats an earlier key", raw)
            return
        self._keys.update(keys)
        for r in rows:
            for flag in filter(None, (r.get("quality_flags") or "").split(";")):
                self.flags[flag] += 1
        self.rows.extend(rows)
        self.records_out += 1

    def build(self) -> PartnerIngest:
        names = self.spec.names
        columns = {n: [r.get(n) for r in self.rows] for n in names}
        table = pa.Table.from_pydict(columns, schema=self.spec.arrow_schema())
        rejects = pa.Table.from_pylist(self.rejects, schema=schema.REJECTS.arrow_schema())
        return PartnerIngest(
            source=self.source,
            table_name=self.spec.name,
            files=self.files,
            table=table,
            rejects=rejects,
            records_in=self.records_in,
            records_out=self.records_out,
            duplicates_dropped=self.duplicates,
            unknown_codes={k: dict(v.most_common()) for k, v in sorted(self.unknown.items())},
            quality_flags=dict(self.flags),
        ).check()


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BadInput(f"unknown IANA time zone {name!r}") from exc


def local_to_utc(naive: datetime, tz: ZoneInfo) -> tuple[datetime, str | None]:
    """UTC for a local wall-clock time; flags a repeated (fold 0 taken) or skipped hour."""
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    flag = None
    if first.utcoffset() != second.utcoffset():
        # In a gap both folds round-trip to a different wall time; in a repeat both are valid.
        back = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        flag = "ambiguous_local_time" if back == naive else "nonexistent_local_time"
    return first.astimezone(UTC), flag


def parse_local(text: str, formats: tuple[str, ...], tz: ZoneInfo) -> tuple[datetime, str | None]:
    """Parse a local time stamp with the first matching format; ValueError when none matches."""
    value = text.strip()
    for fmt in formats:
        try:
            naive = datetime.strptime(value, fmt)
        except ValueError:
            continue
        return local_to_utc(naive, tz)
    raise ValueError(f"expected a time like {formats[0]!r}, got {value!r}")


def seconds_between(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start) / timedelta(seconds=1)


def read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise BadInput(f"cannot read file: {exc}", file=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise BadInput(
            f"not UTF-8 text (byte {exc.start}): save the export as UTF-8", file=str(path)
        ) from exc


def csv_records(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str], str]]:
    """(first physical line, row, raw text) per CSV record; a missing required column is exit 2."""
    text = read_text(path)
    # The reader reads this same list of lines, so its line numbers index it exactly.
    lines = io.StringIO(text, newline="").readlines()
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        raise BadInput("empty file: expected a CSV header", file=str(path), line=1) from None
    header = [h.strip() for h in header]
    missing = [c for c in required if c not in header]
    if missing:
        raise BadInput(f"missing required columns {missing}; found {header[:30]}", file=str(path), line=1)
    previous_end = reader.line_num
    try:
        for values in reader:
            start = previous_end + 1
            end = reader.line_num
            previous_end = end
            raw = "".join(lines[start - 1 : end]).rstrip("\r\n")
            if not values or all(not v.strip() for v in values):
                if raw.strip():
                    yield start, {}, raw
                continue
            row = {h: (values[i] if i < len(values) else "") for i, h in enumerate(header)}
            if len(values) != len(header):
                row["__width__"] = str(len(values))
            yield start, row, raw
    except csv.Error as exc:
        raise BadInput(f"malformed CSV: {exc}", file=str(path), line=reader.line_num) from exc


def csv_header(path: Path) -> list[str]:
    """The header row of a CSV file, parsed as CSV (empty for an empty file)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        try:
            return [h.strip() for h in next(csv.reader(fh))]
        except StopIteration:
            return []
        except (csv.Error, UnicodeDecodeError) as exc:
            raise BadInput(f"unreadable CSV header: {exc}", file=str(path), line=1) from exc


def blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def parse_number(text: str | None) -> float | None:
    """A published number (thousands separators and % stripped); None for blank; ValueError otherwise."""
    value = (text or "").strip().replace(",", "").rstrip("%")
    if not value:
        return None
    return float(value)
