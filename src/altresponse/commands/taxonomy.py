"""`altresponse taxonomy ...`: common incident types, crosswalk coverage, suggestions for unknown types."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from altresponse.errors import BadInput
from altresponse.fsio import write_text_atomic
from altresponse.jsonout import emit_json
from altresponse.taxonomy import (
    BUILTIN_CROSSWALKS,
    UNMAPPED,
    CrosswalkEntry,
    encode_calls,
    load_catalogue,
    load_crosswalk,
)
from altresponse.taxonomy.crosswalk import crosswalk_path
from altresponse.taxonomy.suggest import Suggester, holdout_evaluation

_out = Console()
_JSON_HELP = "Print one JSON object as the last line."


def _read_lines(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read call types: {exc}", file=str(path)) from exc
    seen: dict[str, None] = {}
    for line in text.splitlines():
        if line.strip():
            seen.setdefault(line.strip(), None)
    return list(seen)


def _calls_sql(path: Path, column: str) -> str:
    if not path.exists():
        raise BadInput("file not found", file=str(path))
    reader = "read_csv_auto" if path.suffix.lower() in {".csv", ".txt"} else "read_parquet"
    quoted = str(path).replace("'", "''")
    col = column.replace('"', '""')
    return f"SELECT *, CAST(\"{col}\" AS VARCHAR) AS local_call_type FROM {reader}('{quoted}')" if (
        column != "local_call_type") else f"SELECT * FROM {reader}('{quoted}')"


# Real call files whose row counts weight the hold-out figures, when the reference folder is present.
_ROW_FILES = {
    "decc": ("data/other_cities/decc_cad/decc_cad_calls_2025_wk35_48.csv", "Problem"),
    "sfpd": ("data/other_cities/san_francisco/sfpd_calls_for_service_sample_2016_2019.csv",
             "original_crime_type_name"),
}


def _shared_row_counts() -> dict[str, dict[str, int]]:
    from altresponse.shared import shared_path

    out: dict[str, dict[str, int]] = {}
    for name, (rel, column) in _ROW_FILES.items():
        path = shared_path(*rel.split("/"), required=False)
        if path is None:
            continue
        counts: dict[str, int] = {}
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                counts[row[column]] = counts.get(row[column], 0) + 1
        out[name] = counts
    return out


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Common incident types, agency crosswalks and suggestions for unmapped call "
                        "types.", no_args_is_help=True)

    @group.command("types")
    def types(json_out: bool = typer.Option(False, "--json", help=_JSON_HELP)) -> None:
        """List the common incident types with category, APCO code and responders."""
        cat = load_catalogue()
        if json_out:
            emit_json({"version": cat.version, "types": [
                {"id": t.id, "name": t.name, "category": t.category, "apco_code": t.apco_code,
                 "responders": list(t.responders), "description": t.description} for t in cat]})
            return
        table = Table("id", "category", "apco", "responders")
        for t in cat:
            table.add_row(t.id, t.category, t.apco_code or "", ", ".join(t.responders))
        _out.print(table)

    @group.command("coverage")
    def coverage(
        calls: Path = typer.Argument(..., help="Canonical calls Parquet (or a CSV with --column)."),
        crosswalk: str = typer.Option(..., "--crosswalk", help="Built-in name or CSV path."),
        column: str = typer.Option("local_call_type", help="Column holding the agency's call type."),
        top: int = typer.Option(20, help="How many unmapped call types to list."),
        json_out: bool = typer.Option(False, "--json", help="Print one JSON object as the last line."),
    ) -> None:
        """Report how many calls the crosswalk maps and which call types it does not know."""
        import duckdb

        xw = load_crosswalk(crosswalk)
        con = duckdb.connect()
        try:
            result = encode_calls(con, _calls_sql(calls, column), xw, top=top)
        except duckdb.Error as exc:
            raise BadInput(f"cannot read calls: {exc}", file=str(calls)) from exc
        summary = {"file": str(calls), "crosswalk": xw.name, "rows": result.total_rows, **result.as_dict()}
        if json_out:
            emit_json(summary)
            return
        typer.echo(f"{result.mapped_rows:,} of {result.total_rows:,} calls mapped "
                   f"({100 * result.coverage:.2f}%) with crosswalk {xw.name!r}; "
                   f"{result.unmapped_rows:,} unmapped")
        if result.unmapped_top:
            table = Table("unmapped local call type", "calls")
            for text, n in result.unmapped_top:
                table.add_row(text, f"{n:,}")
            _out.print(table)

    @group.command("suggest")
    def suggest(
        file: Path = typer.Argument(..., help="Text file: one local call type per line."),
        known: list[str] = typer.Option(list(BUILTIN_CROSSWALKS), "--known",
                                        help="Crosswalks to learn from (repeat; default: all built in)."),
        json_out: bool = typer.Option(False, "--json", help="Print one JSON object as the last line."),
    ) -> None:
        """Propose a common type, category and pathway, with a confidence, for each call type."""
        texts = _read_lines(file)
        suggester = Suggester.from_crosswalks(known)
        found = suggester.suggest_many(texts)
        if json_out:
            emit_json({"suggestions": [s.as_dict() for s in found]})
            return
        table = Table("text", "common_type", "category", "pathway", "confidence", "method")
        for s in found:
            table.add_row(s.text, s.common_type, s.category, s.pathway, f"{s.confidence:.2f}", s.method)
        _out.print(table)

    @group.command("accept")
    def accept(
        suggestions: Path = typer.Argument(..., help="JSON from `taxonomy suggest --json` (its last line)."),
        crosswalk: str = typer.Option(..., "--crosswalk", help="Built-in name or CSV path to add to."),
        min_confidence: float = typer.Option(0.0, "--min-confidence", min=0.0, max=1.0,
                                             help="Accept only suggestions at least this confident."),
        out: Path | None = typer.Option(None, help="Write here instead of over the crosswalk file."),
        json_out: bool = typer.Option(False, "--json", help="Print one JSON object as the last line."),
    ) -> None:
        """Write accepted suggestions into a crosswalk CSV (atomically, sorted); reviewed rows always win."""
        try:
            lines = [ln for ln in suggestions.read_text(encoding="utf-8").splitlines() if ln.strip()]
            doc = json.loads(lines[-1]) if lines else None
        except (OSError, json.JSONDecodeError) as exc:
            raise BadInput(f"expected the JSON printed by `taxonomy suggest --json`: {exc}",
                           file=str(suggestions)) from exc
        if not isinstance(doc, dict) or not isinstance(doc.get("suggestions"), list):
            raise BadInput("expected an object with a 'suggestions' list", file=str(suggestions))
        cat = load_catalogue()
        xw = load_crosswalk(crosswalk)
        new: list[CrosswalkEntry] = []
        skipped = 0
        for i, item in enumerate(doc["suggestions"]):
            if not isinstance(item, dict) or not {"text", "common_type", "confidence"} <= set(item):
                raise BadInput(f"suggestion #{i + 1} lacks text, common_type or confidence",
                               file=str(suggestions))
            type_id = str(item["common_type"])
            if type_id == UNMAPPED or float(item["confidence"]) < min_confidence:
                skipped += 1
                continue
            cat.get(type_id)  # unknown ids fail loudly
            confidence = float(item["confidence"])
            note = f"accepted suggestion ({item.get('method', 'suggest')}, confidence {confidence:.2f})"
            new.append(CrosswalkEntry(str(item["text"]), type_id, note))
        merged = xw.with_entries(new)
        added = len(merged) - len(xw)
        target = out or crosswalk_path(crosswalk)
        write_text_atomic(target, merged.to_csv_text())
        summary = {"crosswalk": str(target), "accepted": added, "already_known": len(new) - added,
                   "skipped": skipped, "entries": len(merged)}
        if json_out:
            emit_json(summary)
            return
        typer.echo(f"added {added} entries to {target} ({len(new) - added} already known, {skipped} below "
                   f"the confidence floor or unmapped)")

    @group.command("evaluate")
    def evaluate(json_out: bool = typer.Option(False, "--json", help=_JSON_HELP)) -> None:
        """Hold out each built-in crosswalk in turn and measure the suggester on it."""
        xws = [load_crosswalk(n) for n in BUILTIN_CROSSWALKS]
        counts = _shared_row_counts()
        rows = []
        for variant, rules, similarity in (("full", True, True), ("similarity_only", False, True),
                                           ("rules_only", True, False)):
            for name in BUILTIN_CROSSWALKS:
                res = holdout_evaluation(xws, name, use_rules=rules, use_similarity=similarity,
                                         row_counts=counts.get(name))
                rows.append({"variant": variant, **res.as_dict()})
        if json_out:
            emit_json({"holdout": rows})
            return
        table = Table("variant", "held out", "types", "type acc.", "category acc.", "no suggestion", "calls",
                      "type acc. (calls)", "category acc. (calls)")
        for r in rows:
            wt, wc = r["weighted_type_accuracy"], r["weighted_category_accuracy"]
            table.add_row(str(r["variant"]), str(r["held_out"]), str(r["n"]), f"{r['type_accuracy']:.3f}",
                          f"{r['category_accuracy']:.3f}", str(r["unmapped"]), str(r["rows"] or ""),
                          "" if wt is None else f"{wt:.3f}", "" if wc is None else f"{wc:.3f}")
        _out.print(table)

    app.add_typer(group, name="taxonomy")
