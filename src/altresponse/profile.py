"""City profiles: everything city-specific lives in profiles/<city>.yaml, never in code.

The core fields are typed here. Each domain module reads its own section (`costs`, `simulate`,
`plan`, ...) through `Profile.section()` and validates it with its own model, so adding a section
does not touch this file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from altresponse.builtins import builtin_path, read_yaml_mapping, resolve
from altresponse.errors import BadInput


class BoundingBox(BaseModel):
    """The agency's service area as a lon/lat box; coordinates outside it are flagged."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def contains(self, lon: float, lat: float) -> bool:
        return self.min_lon <= lon <= self.max_lon and self.min_lat <= lat <= self.max_lat


class Profile(BaseModel):
    """A city's configuration. Unknown top-level sections are kept for the modules that own them."""

    model_config = ConfigDict(extra="allow")

    city: str
    agency: str
    time_zone: str
    bbox: BoundingBox
    population: int | None = None
    crosswalk: str | None = None
    protocol: str | None = None
    directory: str | None = None
    boundaries: dict[str, str] = Field(default_factory=dict)
    sources: dict[str, str] = Field(default_factory=dict)
    path: str | None = None

    def section(self, name: str) -> dict[str, Any]:
        extra = self.model_extra or {}
        value = extra.get(name, {})
        if not isinstance(value, dict):
            raise BadInput(f"profile section {name!r} must be a mapping", file=self.path)
        return value


def builtin_profile_path(name: str) -> Path:
    return builtin_path("altresponse", name, ".yaml", "profiles")


def load_profile(name_or_path: str | Path = "baltimore") -> Profile:
    """Load a profile by built-in name (``baltimore``) or by path to a YAML file."""
    path = resolve(name_or_path, package="altresponse", suffixes=(".yaml", ".yml"), kind="profile",
                   parts=("profiles",))
    data = read_yaml_mapping(path, "profile")
    try:
        profile = Profile.model_validate({**data, "path": str(path)})
    except ValidationError as exc:
        raise BadInput(f"profile does not match the expected fields: {exc}", file=str(path)) from exc
    return profile
