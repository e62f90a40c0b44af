"""`altresponse simulate` and `altresponse staff`: fleet simulation and staffing from classified calls."""

from __future__ import annotations

from pathlib import Path

import typer

from altresponse.jsonout import emit_json


def _summary(result: dict, kind: str) -> dict:
    sim = result.get("simulation", {})
    out = {"kind": kind, "calls": result.get("demand", {}).get("calls")}
    for key in ("reached_within_target_share", "reached_share", "utilization", "police_fte_freed"):
        if key in sim:
            out[key] = sim[key]
    if kind == "staff":
        out["headline"] = result.get("headline")
        out["target"] = result.get("target")
        out["team_hours_per_week"] = result.get("team_hours_per_week")
        out["peak_teams_on_duty"] = result.get("peak_teams_on_duty")
        if "budget" in result:
            out["annual_operating_cost"] = result["budget"]["annual_operating_cost"]
            out["fte_total"] = result["budget"]["fte"]["total"]
    return out


def register(app: typer.Typer) -> None:
    @app.command("simulate")
    def simulate(
        classified: Path = typer.Argument(..., help="Classified calls Parquet (from `altresponse analyze`)."),
        out: Path = typer.Option(..., "--out", help="Folder for simulation.json and simulation.html."),
        scenario: str = typer.Option(
            None, "--scenario", help="Fleet scenario from the profile's simulate.scenarios."
        ),
        target_minutes: float = typer.Option(20.0, "--target-minutes", help="Response target in minutes."),
        profile: str = typer.Option(None, "--profile", help="City profile name or YAML path (required)."),
        json_out: bool = typer.Option(False, "--json", help="Print a JSON summary as the last stdout line."),
    ) -> None:
        """Simulate a fleet of alternative teams against the eligible calls (replications with intervals)."""
        from altresponse.pipeline import load_landscape
        from altresponse.pipeline.staffing import run_simulation
        from altresponse.profile import require_profile

        prof = require_profile(profile)
        result = run_simulation(
            classified, out, prof, load_landscape(classified), scenario=scenario,
            target_minutes=target_minutes,
        )
        typer.echo(str(out / "simulation.html"))
        if json_out:
            emit_json(
                {
                    **_summary(result, "simulate"),
                    "scenario": result["scenario"],
                    "html": str(out / "simulation.html"),
                    "json": str(out / "simulation.json"),
                }
            )

    @app.command("staff")
    def staff(
        classified: Path = typer.Argument(..., help="Classified calls Parquet (from `altresponse analyze`)."),
        out: Path = typer.Option(..., "--out", help="Folder for staffing.json and staffing.html."),
        target_reach: float = typer.Option(0.9, "--target-reach", help="Share of calls to reach in time."),
        target_minutes: float = typer.Option(20.0, "--target-minutes", help="Response target in minutes."),
        profile: str = typer.Option(None, "--profile", help="City profile name or YAML path (required)."),
        json_out: bool = typer.Option(False, "--json", help="Print a JSON summary as the last stdout line."),
    ) -> None:
        """Cheapest shifts meeting the target, verified by simulation, with a budget range."""
        from altresponse.pipeline import load_landscape
        from altresponse.pipeline.staffing import run_staffing
        from altresponse.profile import require_profile

        prof = require_profile(profile)
        result = run_staffing(
            classified, out, prof, load_landscape(classified), target_reach=target_reach,
            target_minutes=target_minutes,
        )
        typer.echo(str(out / "staffing.html"))
        if json_out:
            emit_json(
                {
                    **_summary(result, "staff"),
                    "html": str(out / "staffing.html"),
                    "json": str(out / "staffing.json"),
                }
            )
