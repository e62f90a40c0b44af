"""`altresponse plan`: the implementation plan (HTML, PDF, JSON) from analysis and staffing outputs."""

from __future__ import annotations

from pathlib import Path

import typer

from altresponse.jsonout import emit_json


def register(app: typer.Typer) -> None:
    @app.command("plan")
    def plan(
        out: Path = typer.Option(
            ..., "--out", help="Folder for plan.html, plan.pdf, plan.json, monitoring.json."
        ),
        profile: str = typer.Option(None, "--profile", help="City profile name or YAML path (required)."),
        analysis: Path | None = typer.Option(
            None,
            "--analysis",
            help="Output folder of `altresponse analyze` (classified.parquet, summary.json).",
        ),
        staffing: Path | None = typer.Option(
            None, "--staffing", help="Output folder of `altresponse staff`."
        ),
        compare: Path | None = typer.Option(
            None, "--compare", help="Another plan.json to show side by side."
        ),
        no_pdf: bool = typer.Option(False, "--no-pdf", help="Skip the PDF (faster)."),
        json_out: bool = typer.Option(False, "--json", help="Print a JSON summary as the last line."),
    ) -> None:
        """Write the strategy document: recommendations, phases, timeline, budget, monitoring plan."""
        from altresponse.pipeline import load_landscape, load_staffing_headline
        from altresponse.pipeline.plan import build_plan
        from altresponse.profile import require_profile

        landscape = load_landscape(analysis) if analysis is not None else None
        headline = load_staffing_headline(staffing) if staffing is not None else None
        data = build_plan(require_profile(profile), analysis, staffing, out, landscape=landscape,
                          headline=headline, compare=compare, pdf=not no_pdf)
        summary = {
            "headline": data["headline"],
            "outputs": data["outputs"],
            "pilot": data["pilot"],
            "recommended": data["recommended"],
            "phases": [
                {
                    k: p[k]
                    for k in ("index", "name", "hours", "calls_per_year", "peak_teams", "operating_cost_p50")
                }
                for p in data["phases"]
            ],
            "notes": data["notes"],
        }
        if json_out:
            emit_json(summary)
        else:
            typer.echo(f"Plan: {data['outputs']['html']}")
