"""The `altresponse` command line: a thin Typer shell over the domain modules.

Each command group lives in `altresponse.commands.<name>` and exposes `register(app)`, so the
commands are found here without this file listing them. Exit codes: 0 done, 2 bad input,
1 internal error.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import sys

import typer
from rich.console import Console

from altresponse import commands
from altresponse.errors import BadInput

app = typer.Typer(
    name="altresponse",
    help="Plan, route and monitor alternative 911 response from a city's own CAD data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_err = Console(stderr=True)


def _register_commands() -> None:
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_register_commands()


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app and turn errors into exit codes with a clear message."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app(args=argv, standalone_mode=False)
    except BadInput as exc:
        _err.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        _err.print("aborted")
        sys.exit(1)
    except Exception as exc:  # click's usage errors carry their own exit code (2)
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        _err.print(f"[bold red]internal error:[/] {type(exc).__name__}: {exc}", highlight=False)
        if "--debug" in (argv or sys.argv):
            raise
        sys.exit(1)
    sys.exit(0)


if __name__ == "__main__":
    main()
