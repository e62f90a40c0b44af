"""`altresponse analyze calls.parquet --out DIR`: classify and analyse calls, write the report."""

from __future__ import annotations

from pathlib import Path

import typer

from altresponse.errors import BadInput
from altresponse.jsonout import emit_json


def _parse_boundaries(values: list[str]) -> dict[str, Path]:
    from altresponse.pipeline.analyze import layer_key_for

    out: dict[str, Path] = {}
    for value in values:
        if "=" in value and not Path(value).exists():
            key, _, raw_path = value.partition("=")
            out[key.strip()] = Path(raw_path.strip())
        else:
            out[layer_key_for(Path(value))] = Path(value)
    for layer_name, layer_path in out.items():
        if not layer_path.exists():
            raise BadInput(f"boundary file for layer {layer_name!r} not found", file=str(layer_path))
    return out


def register(app: typer.Typer) -> None:
    @app.command("analyze")
    def analyze(
        calls: Path = typer.Argument(..., help="Canonical calls Parquet (from `altresponse ingest`)."),
        out: Path = typer.Option(
            ..., "--out", help="Folder for report.html, summary.json, classified.parquet."
        ),
        boundaries: list[str] = typer.Option(
            [], "--boundaries",
            help="GeoJSON boundary file; repeat for several. LAYER=PATH with LAYER one of districts, "
                 "neighborhoods, csas, or a path whose name says which.",
        ),
        indicators: Path | None = typer.Option(
            None, "--indicators", help="Area indicators CSV (BNIA columns)."
        ),
        profile: str = typer.Option(None, "--profile", help="City profile name or YAML path (required)."),
        crosswalk: str | None = typer.Option(
            None, "--crosswalk", help="Crosswalk name or CSV (default: the profile's), e.g. decc or sfpd."
        ),
        city_layers: bool = typer.Option(
            False, "--city-layers",
            help="Also use the profile's boundaries and indicators from ALTRESPONSE_SHARED when present.",
        ),
        sample_fraction: float | None = typer.Option(
            None, "--sample-fraction",
            help="Share of all calls the export holds (e.g. 0.01 for a 1% random sample; 1 if complete).",
        ),
        allow_unreviewed: bool = typer.Option(
            False, "--allow-unreviewed", help="Analyse even when many call types are unmapped.",
        ),
        json_out: bool = typer.Option(False, "--json", help="Print a JSON summary as the last line."),
    ) -> None:
        """Classify calls and write the landscape analysis (volumes, scenarios, time, places, equity)."""
        from altresponse.pipeline.analyze import run_analysis
        from altresponse.profile import require_profile
        from altresponse.shared import shared_path

        prof = require_profile(profile, calls)
        layers = _parse_boundaries(boundaries)
        ind = indicators
        if ind is not None and not ind.exists():
            raise BadInput("indicators file not found", file=str(ind))
        if city_layers:
            for layer, rel in prof.boundaries.items():
                found = shared_path(*Path(rel).parts, required=False)
                if found is not None:
                    layers.setdefault(layer, found)
            rel_ind = prof.sources.get("indicators")
            if ind is None and rel_ind:
                ind = shared_path(*Path(rel_ind).parts, required=False)
        summary = run_analysis(calls, out, prof, boundaries=layers or None, indicators=ind,
                               crosswalk=crosswalk, sample_fraction=sample_fraction,
                               allow_unreviewed=allow_unreviewed)
        proto = next((s for s in summary["scenarios"] if s["kind"] == "protocol"), None)
        if json_out:
            emit_json({
                "headline": summary["headline"],
                "data_checks": summary["data_checks"],
                "report": summary["outputs"]["report"], "summary": summary["outputs"]["summary"],
                "classified": summary["outputs"]["classified"], "rows": summary["rows"],
                "mapping_coverage": summary["mapping"]["coverage"],
                "unmapped_rows": summary["mapping"]["unmapped_rows"],
                "category_shares": {c["category"]: round(c["share"], 6) for c in summary["category_shares"]},
                "scenarios": [{k: s.get(k) for k in ("id", "share", "lo", "hi", "accepted_error", "fte")}
                              for s in summary["scenarios"]],
                "protocol_share": proto["share"] if proto else None,
                "timings_s": summary["timings_s"],
            })
        else:
            typer.echo(f"Report:  {summary['outputs']['report']}")
            typer.echo(f"Summary: {summary['outputs']['summary']}")
            typer.echo(f"Mapped {summary['mapping']['coverage'] * 100:.1f}% of {summary['rows']:,} calls")
