"""`altresponse synth baltimore`: calibrated synthetic calls in the Open Baltimore CSV layout."""

from __future__ import annotations

from pathlib import Path

import typer

from altresponse.jsonout import emit_json


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Synthetic call data for demos and scale tests (every row labelled synthetic).",
                        no_args_is_help=True)

    @group.command("baltimore")
    def baltimore(
        rows: int = typer.Option(..., "--rows", help="Calls to write (a real year is about 1.6 million)."),
        seed: int = typer.Option(..., "--seed", help="Random seed: same seed, byte-identical file."),
        out: Path = typer.Option(..., "--out", help="CSV file to write."),
        year: int = typer.Option(2024, "--year", help="Calendar year the calls fall in (local time)."),
        shared_names: bool = typer.Option(
            False, "--shared-names",
            help="Sample places inside the real boundary files under ALTRESPONSE_SHARED instead of the "
                 "embedded place table."),
        json_out: bool = typer.Option(False, "--json", help="Print a JSON summary as the last line."),
    ) -> None:
        """Write synthetic Baltimore 911 calls (Open Baltimore 2021-present CSV columns + Synthetic)."""
        from altresponse.synth.baltimore import write_csv

        summary = write_csv(out, rows=rows, seed=seed, year=year, names="shared" if shared_names else None)
        if json_out:
            emit_json(summary)
        else:
            typer.echo(f"wrote {summary['rows']:,} synthetic calls to {out} in {summary['seconds']:.1f} s")

    app.add_typer(group, name="synth")
