"""`altresponse ingest`: CAD exports in, canonical calls Parquet out, rejects beside it."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from altresponse.errors import BadInput
from altresponse.jsonout import emit_json


def register(app: typer.Typer) -> None:
    @app.command("ingest")
    def ingest_cmd(
        files: list[Path] = typer.Argument(..., help="One or more export files (CSV, or EIDO JSON)."),
        source: str | None = typer.Option(
            None, "--source", help="Adapter: baltimore, decc, sfpd, eido or generic (with --mapping); "
            "default: the profile's `source`."
        ),
        out: Path = typer.Option(..., "--out", help="Canonical calls Parquet to write."),
        mapping: Path | None = typer.Option(
            None, "--mapping",
            help="Column map YAML (required for generic; default: the profile's `mapping`)."
        ),
        profile: str | None = typer.Option(
            None, "--profile", envvar="ALTRESPONSE_PROFILE",
            help="City profile: built-in name, YAML path or a `city init` folder (required)."),
        max_rejected: float | None = typer.Option(
            None, "--max-rejected-share", min=0.0, max=1.0,
            help="Fail (exit 2) when more than this share of records is rejected (default 0.5)."),
        rejects: Path | None = typer.Option(
            None, "--rejects", help="Rejects file (.csv or .parquet); default <out>.rejects.csv."
        ),
        append: bool = typer.Option(
            False, "--append", help="Merge into an existing --out; existing rows win on (agency, call_id)."
        ),
        json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON on the last line."),
    ) -> None:
        """Read CAD exports into the canonical calls table; every record ends in the output or the rejects."""
        from altresponse.profile import require_profile
        from altresponse.sources import SOURCES, ingest
        from altresponse.sources.ingest import MAX_REJECTED_SHARE

        prof = require_profile(profile)
        source = source or prof.source
        if source is None:
            raise BadInput(f"give --source (one of {', '.join(SOURCES)}); the profile {prof.city!r} "
                           "names none")
        if source not in SOURCES:
            raise BadInput(f"--source must be one of {', '.join(SOURCES)}, got {source!r}")
        if mapping is not None and source == "eido":
            raise BadInput("--mapping applies to CSV sources only")
        console = Console(stderr=True)
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("starting", total=None)
            summary = ingest(
                files,
                source,
                out,
                mapping=mapping,
                profile=prof,
                rejects=rejects,
                append=append,
                max_rejected_share=MAX_REJECTED_SHARE if max_rejected is None else max_rejected,
                progress=lambda msg: bar.update(task, description=msg),
            )
        data = summary.as_dict()
        if json_out:
            emit_json(data)
            return
        typer.echo(f"{summary.out}: {summary.rows_out:,} calls written ({summary.rows_total:,} in the file)")
        typer.echo(
            f"read {summary.rows_in:,}; rejected {summary.rows_rejected:,} "
            f"(see {summary.rejects_path}); duplicates dropped {summary.duplicates_dropped:,}"
        )
        for reason, n in summary.rejects_by_reason.items():
            typer.echo(f"  rejected {reason}: {n:,}")
        for fieldname, codes in summary.unknown_codes.items():
            shown = ", ".join(f"{code!r} x{n:,}" for code, n in list(codes.items())[:10])
            typer.echo(f"  unknown {fieldname} codes (mapped to unknown): {shown}")
        for flag, n in summary.quality_flags.items():
            typer.echo(f"  flagged {flag}: {n:,}")
