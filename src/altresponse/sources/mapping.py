"""Column maps: a YAML file that says how one export format becomes canonical calls.

Every adapter except EIDO is a column map in `sources/maps/*.yaml`; a city whose CAD export has
another shape writes its own map and runs `altresponse ingest --source generic --mapping my.yaml`.
The format is documented in docs/ingest.md. Code tables live in the map, never in code, and a code
that is not in its table becomes `unknown` and is counted, never guessed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from altresponse import schema
from altresponse.builtins import builtin_path, read_yaml_mapping, resolve
from altresponse.errors import BadInput
from altresponse.profile import BoundingBox

BUILTIN_MAPS: tuple[str, ...] = ("baltimore_2021", "baltimore_pre2021", "decc", "sfpd")
# `--source` names that choose among built-in maps by the file's header.
SOURCE_MAPS: dict[str, tuple[str, ...]] = {
    "baltimore": ("baltimore_2021", "baltimore_pre2021"),
    "decc": ("decc",),
    "sfpd": ("sfpd",),
}

TIME_FIELDS: tuple[str, ...] = ("received", "dispatch", "enroute", "arrival", "clear", "close")
TEXT_FIELDS: tuple[str, ...] = (
    "block_address",
    "district",
    "neighborhood",
    "csa",
    "census_tract",
    "zip_code",
)
CODE_FIELDS: dict[str, tuple[str, ...]] = {
    "priority": schema.PRIORITY_CLASSES,
    "origin": schema.ORIGINS,
    "disposition": schema.DISPOSITION_CLASSES,
}


def code_key(value: str) -> str:
    """The form in which a code is looked up: trimmed and upper-cased (SQL: upper(trim(x)))."""
    return value.strip().upper()


class FieldSpec(BaseModel):
    """Where one canonical field comes from: a source column or a constant, and how to read it."""

    model_config = ConfigDict(extra="forbid")

    column: str | None = None
    columns: list[str] = Field(
        default_factory=list,
        description="Time fields only: columns joined with a space before parsing (a date column and a "
                    "time column).")
    value: str | None = None
    optional: bool = Field(False, description="The column may be absent from the file (then null).")
    # Time fields: strptime formats tried in order for local (or UTC) times without an offset.
    # A trailing offset (+00, -05:00, Z) after the time always wins and gives an absolute time.
    formats: list[str] = Field(default_factory=list)
    zone: Literal["local", "utc"] = "local"
    # Code fields: optional regex whose first group is the code, then the code table.
    extract: str | None = None
    codes: dict[str, str] = Field(default_factory=dict)
    default: str | None = Field(
        None, description="Class for codes not in the table; declared, so not counted."
    )
    missing: str = Field("unknown", description="Class when the source value is empty.")
    # Boolean fields: which values mean true.
    true_values: list[str] = Field(default_factory=list)
    # Coordinate pair in one column, such as "(39.29, -76.61)".
    order: Literal["lat_lon", "lon_lat"] = "lat_lon"

    @model_validator(mode="after")
    def _one_source(self) -> FieldSpec:
        if self.columns and self.column is not None:
            raise ValueError("give `column` or `columns`, not both")
        if self.columns and len(self.columns) < 2:
            raise ValueError("`columns` joins two or more columns (use `column` for one)")
        if self.column is None and self.value is None and not self.columns:
            raise ValueError("give either `column`, `columns` or `value`")
        return self


class ColumnMap(BaseModel):
    """A whole export format: which columns feed which canonical fields."""

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    source_system: str | None = None
    time_zone: str | None = Field(None, description="Overrides the profile's time zone.")
    bbox: BoundingBox | None = Field(None, description="Overrides the profile's bounding box.")
    delimiter: str = ","
    null_strings: list[str] = Field(default_factory=lambda: [""])
    fields: dict[str, FieldSpec]
    path: str | None = None

    @model_validator(mode="after")
    def _check_fields(self) -> ColumnMap:
        allowed = {
            "call_id",
            "agency",
            "local_call_type",
            "priority",
            "origin",
            "disposition",
            "latitude",
            "longitude",
            "location_pair",
            "is_synthetic",
            *TIME_FIELDS,
            *TEXT_FIELDS,
        }
        unknown = sorted(set(self.fields) - allowed)
        if unknown:
            raise ValueError(f"unknown fields {unknown}; allowed: {sorted(allowed)}")
        for required in ("call_id", "received", "local_call_type"):
            if required not in self.fields:
                raise ValueError(f"field {required!r} is required")
        joined = sorted(f for f, spec in self.fields.items() if spec.columns and f not in TIME_FIELDS)
        if joined:
            raise ValueError(f"only time fields may join `columns`; not {joined}")
        for name, vocabulary in CODE_FIELDS.items():
            spec = self.fields.get(name)
            if spec is None:
                continue
            values = [*spec.codes.values(), spec.missing]
            if spec.default is not None:
                values.append(spec.default)
            if spec.column is None and spec.value is not None:
                values.append(spec.value)
            bad = sorted({v for v in values if v not in vocabulary})
            if bad:
                raise ValueError(f"field {name!r} maps to {bad}, which are not in {list(vocabulary)}")
            keys = [code_key(k) for k in spec.codes]
            if len(keys) != len(set(keys)):
                raise ValueError(f"field {name!r} has codes that are equal after trimming and upper-casing")
        return self

    @property
    def system(self) -> str:
        return self.source_system or self.name

    def columns_used(self) -> list[tuple[str, str, bool]]:
        """(field, source column, optional) for every field that reads a column."""
        used = [(f, s.column, s.optional) for f, s in self.fields.items() if s.column is not None]
        used += [(f, c, s.optional) for f, s in self.fields.items() for c in s.columns]
        return used

    def required_columns(self) -> list[str]:
        return [c for _, c, optional in self.columns_used() if not optional]


def builtin_map_path(name: str) -> Path:
    return builtin_path("altresponse.sources", name, ".yaml", "maps")


def load_map(name_or_path: str | Path) -> ColumnMap:
    """Load a built-in map by name (`decc`) or a map file by path."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml") and str(name_or_path) not in BUILTIN_MAPS:
        raise BadInput(f"column map not found: {path} (built-in maps: {', '.join(BUILTIN_MAPS)})")
    path = resolve(name_or_path, package="altresponse.sources", suffixes=(".yaml", ".yml"), kind="column map",
                   parts=("maps",))
    data = read_yaml_mapping(path, "column map")
    # YAML reads bare codes such as 1 or true as numbers or booleans; codes are strings.
    for spec in (data.get("fields") or {}).values():
        if isinstance(spec, dict) and isinstance(spec.get("codes"), dict):
            spec["codes"] = {_yaml_str(k): v for k, v in spec["codes"].items()}
        if isinstance(spec, dict) and "value" in spec and spec["value"] is not None:
            spec["value"] = _yaml_str(spec["value"])
        if isinstance(spec, dict) and isinstance(spec.get("true_values"), list):
            spec["true_values"] = [_yaml_str(v) for v in spec["true_values"]]
    try:
        return ColumnMap.model_validate({**data, "path": str(path)})
    except ValidationError as exc:
        raise BadInput(f"column map does not match the expected format: {exc}", file=str(path)) from exc


def _yaml_str(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def choose_map(source: str, header: list[str], file: str, mapping: str | Path | None = None) -> ColumnMap:
    """Pick the column map for a file: the one given, or the built-in map whose columns the header has."""
    if source == "generic":
        if mapping is None:
            raise BadInput("--source generic needs --mapping my.yaml (see docs/ingest.md)")
        candidates = [load_map(mapping)]
    elif mapping is not None:
        candidates = [load_map(mapping)]
    elif source in SOURCE_MAPS:
        candidates = [load_map(name) for name in SOURCE_MAPS[source]]
    else:
        raise BadInput(f"unknown source {source!r}; expected one of baltimore, decc, sfpd, eido, generic")
    present = {h.strip().lower() for h in header}
    fits = [m for m in candidates if all(c.lower() in present for c in m.required_columns())]
    if fits:
        # Prefer the map that reads the most of this file's columns.
        return max(fits, key=lambda m: sum(c.lower() in present for _, c, _ in m.columns_used()))
    best = min(candidates, key=lambda m: sum(c.lower() not in present for c in m.required_columns()))
    missing = [c for c in best.required_columns() if c.lower() not in present]
    expected = "; ".join(f"{m.name}: {', '.join(c for _, c, _ in m.columns_used())}" for m in candidates)
    raise BadInput(
        f"missing required column {missing[0]!r}"
        + (f" (and {len(missing) - 1} more: {', '.join(missing[1:])})" if len(missing) > 1 else "")
        + f"; the file has {', '.join(header) or 'no columns'}; expected columns ({expected})",
        file=file,
        column=missing[0],
    )
