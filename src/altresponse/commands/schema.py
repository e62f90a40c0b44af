"""`altresponse schema docs`: regenerate docs/data-dictionary.md from the schema."""

from __future__ import annotations

from pathlib import Path

import typer

from altresponse import schema
from altresponse.fsio import write_text_atomic


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="The canonical tables and their data dictionary.", no_args_is_help=True)

    @group.command("docs")
    def docs(out: Path = typer.Option(Path("docs/data-dictionary.md"), help="Where to write it.")) -> None:
        """Write the data dictionary generated from the schema."""
        write_text_atomic(out, schema.data_dictionary_markdown())
        typer.echo(str(out))

    app.add_typer(group, name="schema")
