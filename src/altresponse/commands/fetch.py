"""`altresponse fetch CITY --year YYYY --out FILE`: download a year of calls from ArcGIS.

CITY is a profile (built-in name, YAML or folder) whose `fetch:` section names its ArcGIS layers, so
`fetch baltimore` downloads Open Baltimore; no city is named here.
"""

from __future__ import annotations

from pathlib import Path

import typer

from altresponse.jsonout import emit_json


def register(app: typer.Typer) -> None:
    @app.command("fetch")
    def fetch(
        city: str = typer.Argument(..., help="City profile whose `fetch:` section names its layers."),
        year: int = typer.Option(..., "--year", help="Local calendar year to download."),
        out: Path = typer.Option(..., "--out", help="CSV file to write (the profile's source layout)."),
        url: str | None = typer.Option(None, "--url", help="ArcGIS layer or /query URL (overrides profile)."),
        page_size: int | None = typer.Option(None, "--page-size", help="Features per request."),
        keep_pages: bool = typer.Option(False, "--keep-pages", help="Keep the page folder after success."),
        json_out: bool = typer.Option(False, "--json", help="Print a JSON summary as the last line."),
    ) -> None:
        """Page through the layer (resumable: pages kept in FILE.pages/ until the CSV is written)."""
        from altresponse.profile import load_profile
        from altresponse.sources.arcgis import ArcGISError, fetch_to_csv, settings_for_year

        profile = load_profile(city)
        settings = settings_for_year(profile.section("fetch"), year, profile.time_zone, url)
        if page_size:
            settings.page_size = page_size
        try:
            summary = fetch_to_csv(settings, out, keep_pages=keep_pages, progress=not json_out)
        except ArcGISError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from exc
        summary["year"] = year
        if json_out:
            emit_json(summary)
        else:
            typer.echo(f"wrote {summary['rows']:,} calls to {out} ({summary['pages']} pages, "
                       f"{summary['retries']} retries)")

