"""`altresponse directory export|validate`: the provider directory as Open Referral HSDS JSON."""

from __future__ import annotations

from pathlib import Path

import typer

from altresponse.errors import BadInput
from altresponse.jsonout import emit_json


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Provider directory (Open Referral HSDS 3.0).", no_args_is_help=True)

    @group.command("export")
    def export(
        out: Path = typer.Option(..., "--out", help="Where to write the HSDS JSON document."),
        directory: str | None = typer.Option(None, "--directory", help="Directory name or HSDS JSON path."),
        profile: str | None = typer.Option(None, "--profile", envvar="ALTRESPONSE_PROFILE",
                                           help="City profile whose directory to export."),
        json_out: bool = typer.Option(False, "--json", help="Print a JSON summary as the last stdout line."),
    ) -> None:
        """Write the directory's organizations and services as one HSDS JSON document."""
        from altresponse.commands.protocol import chosen
        from altresponse.directory import load_directory
        from altresponse.fsio import write_json_atomic

        d = load_directory(chosen("directory", directory, profile))
        doc = d.to_hsds_json()
        write_json_atomic(out, doc)
        typer.echo(str(out))
        if json_out:
            emit_json({"out": str(out), "organizations": len(doc.get("organizations") or []),
                       "services": len(doc.get("services") or []), "hsds_version": doc.get("hsds_version")})

    @group.command("validate")
    def validate(
        file: Path = typer.Argument(..., help="HSDS JSON document (as written by `directory export`)."),
        schemas: Path = typer.Option(None, "--schemas", help="Folder holding hsds-3.0/ and hsds-3.1/ "
                                     "(default: ALTRESPONSE_SHARED/standards)."),
        json_out: bool = typer.Option(False, "--json", help="Print the result as JSON (last stdout line)."),
    ) -> None:
        """Check every record against the HSDS 3.0 schemas (capacities against 3.1); exit 2 when invalid."""
        from altresponse.directory import from_hsds_json, read_hsds_json, validate_hsds

        doc = read_hsds_json(file)
        problems = validate_hsds(doc, schema_root=schemas)
        if not problems:
            from_hsds_json(doc, source=str(file))  # routing attributes must also be readable
        n_services = len(doc.get("services") or [])
        if json_out:
            emit_json({"file": str(file), "valid": not problems, "problems": problems,
                       "services": n_services})
        if problems:
            for p in problems[:50]:
                typer.echo(p, err=True)
            raise BadInput(f"{len(problems)} schema problem(s); first: {problems[0]}", file=str(file))
        typer.echo(f"{file}: valid HSDS 3.0 ({n_services} services)")

    app.add_typer(group, name="directory")
