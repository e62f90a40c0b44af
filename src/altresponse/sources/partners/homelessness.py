"""HUD homelessness figures (PIT, HIC, SPM), long or wide, into one long `homelessness_counts` table.

Long files have `measure` and `value` columns; wide files (one row per CoC and year, one column per
measure) become one output row per measure, all carrying the input row's line. A record without a
CoC or a year is rejected; a value that is not a number is kept as text with a null `value`.
"""

from __future__ import annotations

from pathlib import Path

from altresponse import schema
from altresponse.errors import BadInput
from altresponse.sources.partners.common import (
    Collector,
    PartnerIngest,
    blank_to_none,
    csv_header,
    csv_records,
)

ID_COLUMNS = (
    "year",
    "fiscal_year",
    "coc_number",
    "coc_name",
    "coc_category",
    "count_type",
    "section",
    "measure",
    "value",
)


def _value(text: str | None) -> float | None:
    value = (text or "").strip().replace(",", "")
    if not value:
        return None
    try:
        return float(value.rstrip("%"))
    except ValueError:
        return None


def read_homelessness(paths: list[Path], *, kind: str, system: str = "hud") -> PartnerIngest:
    """Read HUD PIT / HIC / SPM CSVs (long or wide) for `kind` in pit, hic, spm."""
    if kind not in schema.HOMELESSNESS_COUNT_KINDS:
        raise BadInput(
            f"unknown homelessness kind {kind!r}; expected one of {schema.HOMELESSNESS_COUNT_KINDS}"
        )
    out = Collector(schema.HOMELESSNESS_COUNTS, f"hud_{kind}")
    for path in paths:
        out.files.append(path.name)
        header = csv_header(path)
        year_col = "fiscal_year" if "fiscal_year" in header else "year"
        long_form = "measure" in header and "value" in header
        for line, row, raw in csv_records(path, (year_col, "coc_number")):
            out.records_in += 1
            if not row or "__width__" in row:
                out.reject(path.name, line, "wrong_field_count", "record does not match the header", raw)
                continue
            coc = blank_to_none(row.get("coc_number"))
            year_text = blank_to_none(row.get(year_col))
            if coc is None:
                out.reject(path.name, line, "missing_coc", "coc_number is empty", raw)
                continue
            try:
                year = int(str(year_text))
            except ValueError:
                out.reject(
                    path.name, line, "bad_year", f"{year_col}: expected a year, got {year_text!r}", raw
                )
                continue
            base = {
                "source_system": system,
                "source_file": path.name,
                "source_line": line,
                "kind": kind,
                "year": year,
                "coc_number": coc,
                "coc_name": blank_to_none(row.get("coc_name")),
                "count_type": blank_to_none(row.get("count_type")),
            }
            if long_form:
                measure = blank_to_none(row.get("measure"))
                if measure is None:
                    out.reject(path.name, line, "missing_measure", "measure is empty", raw)
                    continue
                text = row.get("value", "").strip()
                rows = [
                    {
                        **base,
                        "section": (row.get("section") or "").strip(),
                        "measure": measure,
                        "value": _value(text),
                        "value_text": text or None,
                    }
                ]
            else:
                rows = []
                for column, text in row.items():
                    if column in ID_COLUMNS or column.startswith("__"):
                        continue
                    text = (text or "").strip()
                    rows.append(
                        {
                            **base,
                            "section": "",
                            "measure": column,
                            "value": _value(text),
                            "value_text": text or None,
                        }
                    )
            out.add(rows, file=path.name, line=line, raw=raw)
    return out.build()
