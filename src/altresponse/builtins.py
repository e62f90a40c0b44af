"""Files that ship inside the package (profiles, protocols, directories, column maps).

Every loader accepts either a built-in name (``baltimore``) or a path to the user's own file; this
module does the resolving and the YAML reading once, with the same clear errors everywhere.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from altresponse.errors import BadInput


def builtin_path(package: str, name: str, suffix: str, *parts: str) -> Path:
    """Path of a file shipped in `package` (e.g. ``altresponse.protocol``), optionally in a subfolder."""
    return Path(str(resources.files(package).joinpath(*parts, f"{name}{suffix}")))


def resolve(name_or_path: str | Path, *, package: str, suffixes: tuple[str, ...], kind: str,
            parts: tuple[str, ...] = ()) -> Path:
    """A user's file when the argument has one of `suffixes`, else the built-in file of that name."""
    path = Path(name_or_path)
    if path.suffix.lower() not in suffixes:
        path = builtin_path(package, str(name_or_path), suffixes[0], *parts)
    if not path.is_file():
        raise BadInput(f"{kind} not found: {path} (give a built-in name such as 'decc' or a "
                       f"{'/'.join(suffixes)} path)")
    return path


def read_yaml_mapping(path: Path, kind: str) -> dict[str, Any]:
    """Parse a YAML file that must hold a mapping; bad YAML is the user's to fix (exit 2)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise BadInput(f"{kind} is not valid YAML: {exc}", file=str(path)) from exc
    if not isinstance(data, dict):
        raise BadInput(f"{kind} must be a YAML mapping", file=str(path))
    return data
