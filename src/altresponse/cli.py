"""The `altresponse` command line: a thin Typer shell over the domain modules.

Each command group lives in `altresponse.commands.<name>` and exposes `register(app)`, so the
commands are found here without this file listing them. Exit codes reach the shell: 0 done,
2 bad input or a usage error (unknown option, missing argument), 1 internal error. `--debug`,
anywhere on the line, shows the traceback of an internal error.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import sys
import traceback

import typer
from rich.console import Console
from typer._click.exceptions import ClickException

from altresponse import commands
from altresponse.errors import BadInput

DEBUG_FLAG = "--debug"

app = typer.Typer(
    name="altresponse",
    help="Plan, route and monitor alternative 911 response from a city's own CAD data. "
         f"Add {DEBUG_FLAG} anywhere to see the traceback of an internal error.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_err = Console(stderr=True)


@app.callback()
def _root(
    debug: bool = typer.Option(False, DEBUG_FLAG, help="Show the traceback of an internal error."),
) -> None:
    """Plan, route and monitor alternative 911 response from a city's own CAD data."""


def _register_commands() -> None:
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_register_commands()


def split_debug(argv: list[str]) -> tuple[list[str], bool]:
    """Remove `--debug` from anywhere before a `--` separator; report whether it was there."""
    out: list[str] = []
    debug = False
    for i, arg in enumerate(argv):
        if arg == "--":
            out.extend(argv[i:])
            break
        if arg == DEBUG_FLAG:
            debug = True
            continue
        out.append(arg)
    return out, debug


def run(argv: list[str] | None = None) -> int:
    """Run the app and return the exit code, with a clear message for every failure."""
    args, debug = split_debug(list(sys.argv[1:] if argv is None else argv))
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        result = app(args=args, prog_name="altresponse", standalone_mode=False)
    except BadInput as exc:
        _err.print(f"[bold red]error:[/] {exc}", highlight=False)
        if debug:
            traceback.print_exc()
        return 2
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        _err.print("aborted")
        return 1
    except ClickException as exc:  # usage errors: unknown option, missing argument (exit 2)
        exc.show()
        return int(exc.exit_code)
    except KeyboardInterrupt:
        _err.print("interrupted")
        return 130
    except Exception as exc:
        _err.print(f"[bold red]internal error:[/] {type(exc).__name__}: {exc}", highlight=False)
        if debug:
            traceback.print_exc()
        else:
            _err.print(f"(run again with {DEBUG_FLAG} to see where)", highlight=False)
        return 1
    # Without standalone mode the app returns the code of a `typer.Exit` raised inside a command.
    return result if isinstance(result, int) and not isinstance(result, bool) else 0


def main(argv: list[str] | None = None) -> None:
    """Entry point: the exit code of `run` goes to the shell."""
    sys.exit(run(argv))


if __name__ == "__main__":
    main()
