"""A partner table written directly in its canonical shape: a CSV whose header names the schema's columns.

Used for logs no public export format exists for yet (coordinated-entry referrals, crisis-line
contacts): a partner exports the columns of `schema.COORDINATED_ENTRY_REFERRALS` or
`schema.CRISIS_LINE_CONTACTS` by name. Times are ISO 8601 with a UTC offset; booleans are
true/false, yes/no or 1/0. A value outside a column's allowed codes is rejected and counted, never
mapped to a guess.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from altresponse import schema
from altresponse.sources.partners.common import Collector, PartnerIngest, blank_to_none, csv_records

PROVENANCE = ("source_system", "source_file", "source_line")
_TRUE = {"true", "yes", "1", "y"}
_FALSE = {"false", "no", "0", "n"}


def _parse(column: schema.Column, text: str) -> Any:
    t = column.type
    if pa.types.is_timestamp(t):
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if value.tzinfo is None:
            raise ValueError(f"expected ISO 8601 with a UTC offset, got {text!r}")
        return value.astimezone(UTC)
    if pa.types.is_date32(t):
        return date.fromisoformat(text)
    if pa.types.is_boolean(t):
        key = text.lower()
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
        raise ValueError(f"expected true/false, yes/no or 1/0, got {text!r}")
    if pa.types.is_integer(t):
        return int(text)
    if pa.types.is_floating(t):
        return float(text)
    return text


def read_canonical(paths: list[Path], table: schema.Table, *, system: str) -> PartnerIngest:
    """Rows of `table` from CSVs with its column names; required columns must be present."""
    required = tuple(c.name for c in table.columns if not c.nullable and c.name not in PROVENANCE)
    out = Collector(table, system)
    for path in paths:
        out.files.append(path.name)
        for line, row, raw in csv_records(path, required):
            out.records_in += 1
            if not row or "__width__" in row:
                out.reject(path.name, line, "wrong_field_count", "record does not match the header", raw)
                continue
            record: dict[str, Any] = {"source_system": system, "source_file": path.name, "source_line": line}
            problem = None
            for column in table.columns:
                if column.name in PROVENANCE:
                    continue
                text = blank_to_none(row.get(column.name))
                if text is None:
                    if not column.nullable:
                        problem = ("missing_value", f"{column.name} is required")
                        break
                    record[column.name] = None
                    continue
                if column.allowed and text not in column.allowed:
                    out.unknown_code(column.name, text)
                    problem = ("unknown_code", f"{column.name}: {text!r} is not one of {column.allowed}")
                    break
                try:
                    record[column.name] = _parse(column, text)
                except ValueError as exc:
                    problem = ("bad_value", f"{column.name}: {exc}")
                    break
            if problem:
                out.reject(path.name, line, problem[0], problem[1], raw)
                continue
            out.add([record], file=path.name, line=line, raw=raw)
    return out.build()
