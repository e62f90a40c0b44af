"""Turn an `ExportProposal` into a profile folder's texts: profile.yaml, mapping.yaml, crosswalk.csv and
the review worksheet (review.html). Pure functions returning text; the command writes the files.
"""

from __future__ import annotations

import html
import re
from typing import Any

import yaml

from altresponse.onboard.infer import ExportProposal
from altresponse.taxonomy import Catalogue, Crosswalk, CrosswalkEntry
from altresponse.taxonomy.review import AUTO_ACCEPT_CONFIDENCE, entry_from_suggestion
from altresponse.taxonomy.suggest import Suggester

_TEXT_ROLES = ("block_address", "district")


def slug(name: str) -> str:
    """A name usable as a map name and file stem: lower case letters, digits and underscores."""
    out = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return out or "city"


def mapping_document(prop: ExportProposal, name: str, agency: str) -> dict[str, Any]:
    """The column map (sources.mapping.ColumnMap) for this export, as a plain mapping."""
    fields: dict[str, Any] = {"call_id": {"column": prop.roles["call_id"]}}
    agency_col = prop.roles.get("agency")
    fields["agency"] = {"column": agency_col, "value": agency} if agency_col else {"value": agency}
    received = prop.times["received"]
    spec: dict[str, Any] = {"zone": "local", "formats": received.duckdb_formats}
    if len(received.columns) > 1:
        spec["columns"] = received.columns
    else:
        spec["column"] = received.columns[0]
    fields["received"] = spec
    for role, t in prop.times.items():
        if role != "received":
            fields[role] = {"column": t.columns[0], "zone": "local", "formats": t.duckdb_formats,
                            "optional": True}
    fields["local_call_type"] = {"column": prop.roles["local_call_type"]}
    for role, table in prop.codes.items():
        code_spec: dict[str, Any] = {"column": table.column, "codes": dict(sorted(table.codes.items()))}
        if table.extract:
            code_spec["extract"] = table.extract
        fields[role] = code_spec
    if "origin" not in fields:
        fields["origin"] = {"value": "unknown"}
    if "latitude" in prop.roles:
        fields["latitude"] = {"column": prop.roles["latitude"]}
        fields["longitude"] = {"column": prop.roles["longitude"]}
    elif "location_pair" in prop.roles:
        fields["location_pair"] = {"column": prop.roles["location_pair"], "order": prop.location_pair_order}
    for role in _TEXT_ROLES:
        if role in prop.roles:
            fields[role] = {"column": prop.roles[role], "optional": True}
    return {"name": slug(name), "description": f"{name} CAD export (proposed by `altresponse city init`)",
            "source_system": f"generic:{slug(name)}", "null_strings": ["", "NULL"], "fields": fields}


def mapping_yaml(prop: ExportProposal, name: str, agency: str) -> str:
    doc = mapping_document(prop, name, agency)
    lines = [
        f"# Column map for {name}, proposed by `altresponse city init` from {prop.rows:,} records.",
        "# Each field names the export column it reads (docs/ingest.md). Codes not listed in a table are",
        "# counted as unknown at ingest, never guessed. Unclassified codes seen in the sample:",
    ]
    for role, table in prop.codes.items():
        if table.unclassified:
            shown = ", ".join(f"{c} ({table.labels.get(c, c)}, {table.counts.get(c, 0):,})"
                              for c in table.unclassified[:15])
            lines.append(f"#   {role}: {shown}")
    for note in prop.notes:
        lines.append(f"# Note: {note}")
    return "\n".join(lines) + "\n" + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=110)


def profile_yaml(prop: ExportProposal, name: str, agency: str, protocol: str, directory: str | None) -> str:
    bbox = prop.bbox or {"min_lon": -180.0, "min_lat": -90.0, "max_lon": 180.0, "max_lat": 90.0}
    doc: dict[str, Any] = {
        "city": slug(name),
        "agency": agency,
        "time_zone": prop.time_zone,
        "bbox": bbox,
        "source": "generic",
        "mapping": "mapping.yaml",
        "crosswalk": "crosswalk.csv",
        "protocol": protocol,
    }
    if directory:
        doc["directory"] = directory
    head = [
        f"# City profile for {name}, proposed by `altresponse city init` (docs/new-city.md).",
        "# mapping and crosswalk are read relative to this file's folder.",
        f"# time_zone: {prop.time_zone_evidence or 'given'}.",
        "# bbox: " + ("from the export's coordinates" if prop.bbox else
                      "the export has no coordinates, so the whole globe (nothing is blanked)") + ".",
        f"# protocol: {protocol!r} is the protocol shipped with altresponse, an example to replace with "
        "your own.",
    ]
    return "\n".join(head) + "\n" + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=110)


def crosswalk_for(prop: ExportProposal, name: str, suggester: Suggester, catalogue: Catalogue,
                  min_confidence: float = AUTO_ACCEPT_CONFIDENCE) -> Crosswalk:
    """One worksheet row per local call type (most calls first) with its suggestion and status."""
    entries: list[CrosswalkEntry] = []
    pending: list[CrosswalkEntry] = []
    seen: set[str] = set()
    for text, calls in sorted(prop.call_types.items(), key=lambda kv: (-kv[1], kv[0])):
        entry = entry_from_suggestion(suggester.suggest(text), catalogue, calls=calls,
                                      min_confidence=min_confidence)
        if entry.key in seen:
            continue
        seen.add(entry.key)
        (entries if entry.accepted else pending).append(entry)
    return Crosswalk(slug(name), tuple(entries), catalogue, tuple(pending), True)


def review_html(prop: ExportProposal, name: str, crosswalk: Crosswalk, folder: str) -> str:
    """The review worksheet: roles, code tables and every call type, sorted by call volume."""
    from altresponse.report.page import Section, paragraph, render_page
    from altresponse.report.tables import html_table

    rows = crosswalk.all_rows()
    total = sum(e.calls or 0 for e in rows) or 1
    accepted = sum(e.calls or 0 for e in rows if e.accepted)
    roles = html_table(["role", "column", "detail"], [
        [role, col, _role_detail(prop, role)] for role, col in prop.roles.items()])
    code_sections = []
    for role, table in prop.codes.items():
        body = html_table(["code", "label seen", "records", "proposed class"], [
            [code, table.labels.get(code, code), table.counts.get(code, 0),
             table.codes.get(code, "(not classified: counted as unknown)")]
            for code in sorted(table.counts, key=lambda c: -table.counts[c])])
        code_sections.append(Section(f"Codes: {role} ({table.column})", body))
    worksheet = html_table(
        ["local call type", "calls", "share", "suggested type", "confidence", "status", "reason"],
        [[e.local_call_type, e.calls or 0, f"{100 * (e.calls or 0) / total:.1f}%", e.suggested_type,
          "" if e.confidence is None else f"{e.confidence:.2f}", e.status, e.reason] for e in rows])
    how = paragraph(
        "Every call type is listed, most calls first. Rows marked needs_review are not used: their calls "
        "stay unmapped and go to police until a person accepts them. A type that could go to a pathway "
        "without police (a welfare check, a noise complaint, a 311 matter) is never accepted "
        "automatically, however confident the suggestion. To accept a row as suggested, or as another "
        "type, run (the crosswalk records who and when):") + (
        f"<pre>altresponse taxonomy accept --crosswalk {html.escape(folder)}/crosswalk.csv "
        "--by \"Your Name\" "
        "--type \"LOCAL TYPE\" --type \"OTHER TYPE=common_type\"</pre>") + paragraph(
        "or edit crosswalk.csv (set common_type, status accepted, reviewed_by and reviewed_at). "
        "`altresponse taxonomy types` lists the common types.")
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in prop.notes)
    sections = [
        Section("How to review", how),
        Section("Columns", roles + (f"<ul>{notes}</ul>" if notes else "")),
        *code_sections,
        Section("Call types", paragraph(
            f"{accepted:,} of {total:,} records ({100 * accepted / total:.1f}%) are covered by rows accepted "
            f"automatically; {len(crosswalk.pending):,} call types need review.") + worksheet),
    ]
    return render_page(f"Review worksheet: {name}", sections, meta={
        "records read": f"{prop.rows:,}", "time zone": prop.time_zone or "", "call types": len(rows)})


def _role_detail(prop: ExportProposal, role: str) -> str:
    if role in prop.times:
        t = prop.times[role]
        joined = " + ".join(t.columns)
        return f"{joined}; format {t.python_formats[0]}; reads {100 * t.parse_share:.0f}% of the sample"
    if role == "received_time":
        return "joined to the date column for the received time"
    if role in prop.codes:
        table = prop.codes[role]
        return f"{len(table.codes)} codes classified, {len(table.unclassified)} left unknown"
    if role == "location_pair":
        return f"coordinate pair, order {prop.location_pair_order}"
    return ""
