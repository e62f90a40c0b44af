"""`altresponse partners ...`: partner files in (311, 988, crisis teams, HUD counts, sites), the
partner landscape out (need across partners, harmonization, coordinated entry) as JSON."""

from __future__ import annotations

from pathlib import Path

import typer

from altresponse.errors import BadInput
from altresponse.jsonout import emit_json

partners_app = typer.Typer(
    help="Partner data: 311, crisis lines, crisis teams, homelessness, initiatives.", no_args_is_help=True
)


@partners_app.command("sources")
def sources_cmd(
    json_out: bool = typer.Option(False, "--json", help="Print as JSON on the last line."),
) -> None:
    """List the partner adapters (`--source` names) and what each reads."""
    from altresponse.sources.partners import PARTNER_SOURCES

    if json_out:
        emit_json({"sources": PARTNER_SOURCES})
        return
    for name, what in PARTNER_SOURCES.items():
        typer.echo(f"{name:18} {what}")


@partners_app.command("ingest")
def ingest_cmd(
    files: list[Path] = typer.Argument(..., help="One or more partner files of the same kind."),
    source: str = typer.Option(..., "--source", help="Adapter (see `altresponse partners sources`)."),
    out: Path = typer.Option(..., "--out", help="Canonical partner table (Parquet) to write."),
    rejects: Path | None = typer.Option(
        None, "--rejects", help="Rejects Parquet; default <out>.rejects.parquet."
    ),
    mapping: Path | None = typer.Option(None, "--mapping", help="311 column map YAML (generic311)."),
    time_zone: str | None = typer.Option(None, "--time-zone", help="IANA zone of local times in the files."),
    profile: str | None = typer.Option(None, "--profile", help="City profile: time zone and area box."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON on the last line."),
) -> None:
    """Read partner files into a canonical table; every record ends in the output or the rejects."""
    from altresponse.profile import load_profile
    from altresponse.sources.partners import read_partner, write_partner

    bbox = None
    if profile is not None:
        prof = load_profile(profile)
        time_zone = time_zone or prof.time_zone
        bbox = prof.bbox
    result = read_partner(source, files, time_zone=time_zone, mapping=mapping, bbox=bbox)
    rejects_path = write_partner(result, out, rejects)
    summary = {**result.summary(), "out": str(out), "rejects_path": str(rejects_path)}
    if json_out:
        emit_json(summary)
        return
    typer.echo(
        f"{out}: {result.records_out:,} records ({result.table.num_rows:,} rows) in {result.table_name}"
    )
    typer.echo(
        f"read {result.records_in:,}; rejected {result.rows_rejected:,} (see {rejects_path}); "
        f"duplicates dropped {result.duplicates_dropped:,}"
    )
    for reason, n in summary["rejects_by_reason"].items():
        typer.echo(f"  rejected {reason}: {n:,}")
    for field_name, codes in result.unknown_codes.items():
        shown = ", ".join(f"{c!r} x{n:,}" for c, n in list(codes.items())[:10])
        typer.echo(f"  unknown {field_name} codes (kept as unknown): {shown}")
    for flag, n in sorted(result.quality_flags.items()):
        typer.echo(f"  flagged {flag}: {n:,}")


@partners_app.command("registry")
def registry_cmd(
    profile: str = typer.Option(..., "--profile", help="City profile name or YAML path."),
    hsds: bool = typer.Option(False, "--hsds", help="Write HSDS organizations and services with extensions."),
    out: Path | None = typer.Option(None, "--out", help="JSON file to write (default: print)."),
    json_out: bool = typer.Option(False, "--json", help="Print a summary as JSON on the last line."),
) -> None:
    """Validate the profile's initiative registry and print or write it (plain or HSDS)."""
    from altresponse.fsio import write_json_atomic
    from altresponse.partners.serialize import plain
    from altresponse.profile import load_profile
    from altresponse.sources.partners.profile_inputs import load_registry

    registry = load_registry(load_profile(profile))
    doc = registry.to_hsds() if hsds else plain(registry.model_dump())
    if out is not None:
        write_json_atomic(out, doc)
    unconfirmed = sum(len(i.unconfirmed) for i in registry.initiatives)
    summary = {
        "city": registry.city,
        "organizations": len(registry.organizations),
        "initiatives": len(registry.initiatives),
        "unconfirmed_fields": unconfirmed,
        "out": None if out is None else str(out),
    }
    if json_out:
        emit_json(summary)
    elif out is None:
        import json

        typer.echo(json.dumps(doc, indent=2, sort_keys=True, default=str))
    else:
        typer.echo(
            f"{out}: {summary['initiatives']} initiatives, {summary['organizations']} organizations, "
            f"{unconfirmed} fields to confirm with the organizations"
        )


@partners_app.command("landscape")
def landscape_cmd(
    profile: str = typer.Option(..., "--profile", help="City profile name or YAML path."),
    out: Path = typer.Option(..., "--out", help="Partner landscape JSON to write."),
    calls: list[Path] = typer.Option([], "--calls", help="Classified calls Parquet (from analyze)."),
    requests: list[Path] = typer.Option([], "--requests", help="service_requests Parquet (a random sample)."),
    requests_slice: list[Path] = typer.Option(
        [], "--requests-slice", help="A complete contiguous 311 slice, to scale the sample to a year."
    ),
    requests_per_year: float | None = typer.Option(
        None, "--requests-per-year", help="Published annual 311 volume (instead of --requests-slice)."
    ),
    crisis_kpis: list[Path] = typer.Option([], "--crisis-kpis", help="crisis_line_kpis Parquet."),
    homelessness: list[Path] = typer.Option([], "--homelessness", help="homelessness_counts Parquet."),
    crisis_log: list[Path] = typer.Option([], "--crisis-log", help="crisis_dispatches Parquet."),
    types: list[str] = typer.Option(
        [], "--type", help="Recommended call type (repeat); default plan.pilot_types."
    ),
    cells: bool = typer.Option(False, "--cells", help="Include the area x hour x need grid in the JSON."),
    json_out: bool = typer.Option(False, "--json", help="Print a summary as JSON on the last line."),
) -> None:
    """Need across partners, harmonization (overlaps, gaps, build-on), coordinated entry, team times."""
    from altresponse.fsio import write_json_atomic
    from altresponse.profile import load_profile
    from altresponse.sources.partners.profile_inputs import build_landscape, partners_config

    if requests_slice and requests_per_year is not None:
        raise BadInput("give --requests-slice or --requests-per-year, not both")
    prof = load_profile(profile)
    cfg = partners_config(prof)
    landscape = build_landscape(
        prof,
        calls=calls,
        requests=requests,
        requests_slice=requests_slice,
        requests_per_year=requests_per_year,
        crisis_kpis=crisis_kpis,
        homelessness=homelessness,
        crisis_log=crisis_log,
        recommended_types=types or None,
    )
    doc = landscape.to_dict(suppress_below=cfg.suppress_below, include_cells=cells)
    write_json_atomic(out, doc)
    h = landscape.harmonization
    summary = {
        "out": str(out),
        "needs": len(landscape.need.summaries),
        "overlaps": len(h.overlaps),
        "gaps": len(h.gaps),
        "outreach_demand_per_year": landscape.outreach.per_year.to_dict(),
        "unmapped_311_rows": sum(landscape.need.unmapped_311.values()),
    }
    if json_out:
        emit_json(summary)
        return
    typer.echo(f"{out}: {summary['needs']} needs, {summary['overlaps']} overlaps, {summary['gaps']} gaps")
    est = landscape.outreach.per_year
    typer.echo(f"homeless-outreach demand: {est.value:.0f}/yr (95% {est.low:.0f}-{est.high:.0f})")


def register(app: typer.Typer) -> None:
    app.add_typer(partners_app, name="partners")
