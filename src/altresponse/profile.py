"""City profiles: everything city-specific lives in a profile, never in code.

A profile is a built-in YAML (`profiles/<city>.yaml`) or a folder made by `altresponse city init`
(`DIR/profile.yaml` beside its `mapping.yaml` and `crosswalk.csv`). File references in a profile
(`crosswalk`, `mapping`, `protocol`, `directory`) that are paths are read relative to the profile's
own folder, never to the working directory; bare names (``decc``) stay built-in names.

The core fields are typed here. Each domain module reads its own section (`costs`, `simulate`,
`plan`, ...) through `Profile.section()` and validates it with its own model, so adding a section
does not touch this file.

`ingest` writes the profile it used into the calls file's Parquet key-value metadata
(`PROFILE_METADATA_KEY`); `profile_from_calls(path)` reads it back, so a later command can work on
that file with the same profile without being told again. No command falls back to a city.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from altresponse.builtins import builtin_path, read_yaml_mapping, resolve
from altresponse.errors import BadInput

PROFILE_METADATA_KEY = b"altresponse.profile"
"""Parquet key-value metadata key under which `ingest` stores the profile (JSON) it used."""

FILE_FIELDS: tuple[str, ...] = ("crosswalk", "mapping", "protocol", "directory")
"""Profile fields that may name a file; a relative path is read from the profile's folder."""

_FILE_SUFFIXES = (".csv", ".yaml", ".yml", ".json")


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
    mapping: str | None = Field(None, description="Column map (YAML) for `ingest --source generic`.")
    source: str | None = Field(None, description="Adapter `ingest` uses for this city's exports.")
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

    def to_json(self) -> str:
        """The whole profile as JSON (file references already absolute), for the calls metadata."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))


def builtin_profile_path(name: str) -> Path:
    return builtin_path("altresponse", name, ".yaml", "profiles")


def _looks_like_path(value: str) -> bool:
    return "/" in value or "\\" in value or value.lower().endswith(_FILE_SUFFIXES)


def resolve_file_fields(data: dict[str, Any], folder: Path) -> dict[str, Any]:
    """File references made absolute against `folder` (the profile's own), names left alone."""
    out = dict(data)
    for name in FILE_FIELDS:
        value = out.get(name)
        if isinstance(value, str) and _looks_like_path(value):
            path = Path(value).expanduser()
            if not path.is_absolute():
                path = folder / path
            if not path.exists():
                raise BadInput(f"profile field {name!r} names {value!r}, which is not at {path} (paths "
                               "in a profile are relative to the profile's folder)",
                               file=str(folder / "profile.yaml"))
            out[name] = str(path.resolve())
    return out


def load_profile(name_or_path: str | Path) -> Profile:
    """Load a profile by built-in name (``decc``), by YAML path, or by a `city init` folder."""
    candidate = Path(name_or_path)
    if candidate.is_dir():
        candidate = candidate / "profile.yaml"
        if not candidate.is_file():
            raise BadInput(f"no profile.yaml in the folder {name_or_path} (make one with "
                           "`altresponse city init`)")
        name_or_path = candidate
    path = resolve(name_or_path, package="altresponse", suffixes=(".yaml", ".yml"), kind="profile",
                   parts=("profiles",))
    data = read_yaml_mapping(path, "profile")
    data = resolve_file_fields(data, path.resolve().parent)
    try:
        profile = Profile.model_validate({**data, "path": str(path)})
    except ValidationError as exc:
        raise BadInput(f"profile does not match the expected fields: {exc}", file=str(path)) from exc
    return profile


def profile_from_calls(path: str | Path) -> Profile | None:
    """The profile `ingest` stored in a calls Parquet file, or None when it holds none."""
    import pyarrow.parquet as pq

    try:
        metadata = pq.read_schema(path).metadata or {}
    except (OSError, ValueError) as exc:
        raise BadInput(f"cannot read the calls file: {exc}", file=str(path)) from exc
    raw = metadata.get(PROFILE_METADATA_KEY)
    if raw is None:
        return None
    try:
        return Profile.model_validate(json.loads(raw))
    except (ValueError, ValidationError) as exc:
        raise BadInput(f"the profile stored in the calls file is unreadable: {exc}", file=str(path)) from exc


def require_profile(name_or_path: str | Path | None, calls: str | Path | None = None,
                    *, option: str = "--profile") -> Profile:
    """The profile given, else the one stored in `calls`; without either, ask for one (exit 2)."""
    if name_or_path:
        return load_profile(name_or_path)
    if calls is not None and Path(calls).is_file():
        stored = profile_from_calls(calls)
        if stored is not None:
            return stored
    raise BadInput(f"a city profile is required: give {option} NAME|FILE|FOLDER (a built-in name such as "
                   "decc, a profile.yaml, or a folder made by `altresponse city init`); nothing falls back "
                   "to a city")
