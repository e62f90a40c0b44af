"""Errors that the command line turns into exit codes.

`BadInput` means the user gave us something we cannot use (exit 2); its message must name the
file, line or column and say what was expected. Anything else is our fault (exit 1).
"""

from __future__ import annotations


class BadInput(Exception):
    """Input the user can fix: a missing column, an unreadable file, an unknown option value."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 column: str | None = None) -> None:
        where = []
        if file:
            where.append(str(file))
        if line is not None:
            where.append(f"line {line}")
        if column:
            where.append(f"column {column!r}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)
        self.file = file
        self.line = line
        self.column = column


class UnknownCode(BadInput):
    """A code mapping met a value it does not know; mappings never guess silently."""
