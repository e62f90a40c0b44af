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
    Crosswalk,
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
    if not seen:
        raise BadInput("no call types: expected one local call type per line", file=str(path))
    return list(seen)


def _count(items: object) -> int:
    return len(items) if isinstance(items, (list, tuple)) else 0


def _load_or_new(crosswalk: str) -> Crosswalk:
    """The crosswalk named, or an empty one when its CSV path does not exist yet."""
    path = crosswalk_path(crosswalk)
    if not path.exists():
        if path.suffix.lower() != ".csv":
            raise BadInput("crosswalk file not found", file=str(path))
        return Crosswalk(path.stem, (), load_catalogue())
    return load_crosswalk(crosswalk)


def _read_suggestions(path: Path) -> list[dict[str, object]]:
    try:
        lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
        doc = json.loads(lines[-1]) if lines else None
    except (OSError, json.JSONDecodeError) as exc:
        raise BadInput(f"expected the JSON printed by `taxonomy suggest --json`: {exc}",
                       file=str(path)) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("suggestions"), list):
        raise BadInput("expected an object with a 'suggestions' list", file=str(path))
    items = doc["suggestions"]
    if not items:
        raise BadInput("the suggestions list is empty", file=str(path))
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not {"text", "common_type", "confidence"} <= set(item):
            raise BadInput(f"suggestion #{i + 1} lacks text, common_type or confidence", file=str(path))
    return items


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
    "seattle_initial_call_types": ("data/other_cities/seattle/spd_calls_madison_beach_area_2010_2024.csv",
                                   "Initial.Call.Type"),
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
        if result.total_rows == 0:
            raise BadInput("no calls in the file: nothing to measure", file=str(calls))
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
        suggestions: Path | None = typer.Argument(
            None, help="JSON from `taxonomy suggest --json` (its last line); omit to accept rows by --type."),
        crosswalk: str = typer.Option(..., "--crosswalk",
                                      help="Built-in name or CSV path (created if absent)."),
        min_confidence: float = typer.Option(0.8, "--min-confidence", min=0.0, max=1.0,
                                             help="Accept only suggestions at least this confident."),
        by: str | None = typer.Option(None, "--by", help="Who is accepting (recorded in the crosswalk)."),
        types: list[str] = typer.Option([], "--type", help="Accept this local call type as suggested, or "
                                        "TEXT=common_type to choose the type (repeat; needs --by)."),
        out: Path | None = typer.Option(None, help="Write here instead of over the crosswalk file."),
        json_out: bool = typer.Option(False, "--json", help="Print one JSON object as the last line."),
    ) -> None:
        """Add suggestions to a crosswalk, or accept named rows; nothing that could send a call away from
        police, fire or EMS is accepted without a person named by --by, row by row."""
        from datetime import UTC, datetime

        from altresponse.taxonomy.review import accept_rows, entry_from_suggestion

        if suggestions is None and not types:
            raise BadInput("give a suggestions JSON file, or --type TEXT (with --by NAME) to accept rows")
        target = out or crosswalk_path(crosswalk)
        xw = _load_or_new(crosswalk)
        cat = load_catalogue()
        before_accepted, before_pending = len(xw), len(xw.pending)
        skipped = already_known = 0
        known_before = set(xw.keys())
        if suggestions is not None:
            new: list[CrosswalkEntry] = []
            for item in _read_suggestions(suggestions):
                type_id = str(item["common_type"])
                if type_id == UNMAPPED or float(str(item["confidence"])) < min_confidence:
                    skipped += 1
                    continue
                cat.get(type_id)  # unknown ids fail loudly
                s = Suggester.suggestion_from_dict(item)
                entry = entry_from_suggestion(s, cat, min_confidence=min_confidence)
                already_known += entry.key in known_before
                new.append(entry)
            xw = xw.with_entries(new)
        if types:
            if not by:
                raise BadInput("--type needs --by NAME: acceptance is recorded with who made it",
                               column="--by")
            choices: dict[str, str | None] = {}
            for choice in types:
                text, _, as_type = choice.partition("=")
                choices[text] = as_type.strip() or None
            xw = accept_rows(xw, choices, by=by, at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
        write_text_atomic(target, xw.to_csv_text())
        added = len(xw) - before_accepted
        summary = {"crosswalk": str(target), "accepted": added,
                   "already_known": already_known,
                   "needs_review": len(xw.pending),
                   "new_needs_review": max(0, len(xw.pending) - before_pending),
                   "skipped": skipped, "entries": len(xw)}
        if json_out:
            emit_json(summary)
            return
        typer.echo(f"added {added} accepted entries to {target} ({summary['already_known']} already known, "
                   f"{skipped} below the confidence floor or unmapped); {len(xw.pending)} rows need review")

    @group.command("evaluate")
    def evaluate(
        vocabulary: list[Path] = typer.Option([], "--vocabulary", help="Another reviewed crosswalk CSV to "
                                              "hold out and learn from (repeat)."),
        json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
    ) -> None:
        """Hold out each crosswalk in turn and measure the suggester on it (per string and per call)."""
        xws = [load_crosswalk(n) for n in BUILTIN_CROSSWALKS] + [Crosswalk.from_csv(p) for p in vocabulary]
        names = [x.name for x in xws]
        counts = _shared_row_counts()
        rows = []
        for variant, rules, similarity in (("full", True, True), ("similarity_only", False, True),
                                           ("rules_only", True, False)):
            for name in names:
                res = holdout_evaluation(xws, name, use_rules=rules, use_similarity=similarity,
                                         row_counts=counts.get(name))
                rows.append({"variant": variant, **res.as_dict()})
        if json_out:
            emit_json({"holdout": rows})
            return
        table = Table("variant", "held out", "types", "type acc.", "category acc.", "no suggestion", "calls",
                      "type acc. (calls)", "category acc. (calls)", "violent", "lowered")
        for r in rows:
            wt, wc = r["weighted_type_accuracy"], r["weighted_category_accuracy"]
            table.add_row(str(r["variant"]), str(r["held_out"]), str(r["n"]), f"{r['type_accuracy']:.3f}",
                          f"{r['category_accuracy']:.3f}", str(r["unmapped"]), str(r["rows"] or ""),
                          "" if wt is None else f"{wt:.3f}", "" if wc is None else f"{wc:.3f}",
                          str(r["dangerous"]), str(_count(r["dangerous_lowered"])))
        _out.print(table)

    app.add_typer(group, name="taxonomy")
