"""Locate the optional reference data folder (`ALTRESPONSE_SHARED`, default ../shared).

The product runs without it; analyses that want real boundaries or indicators ask here.
"""

from __future__ import annotations

from pathlib import Path

from altresponse.errors import BadInput
from altresponse.settings import get_settings


def shared_root() -> Path:
    return Path(get_settings().shared).expanduser()


def shared_path(*parts: str, required: bool = True) -> Path | None:
    path = shared_root().joinpath(*parts)
    if path.exists():
        return path
    if required:
        raise BadInput(f"reference file not found: {path} (set ALTRESPONSE_SHARED to the folder that holds "
                       "data/ and standards/)")
    return None
