"""Every canonical table and column, defined once.

Adapters, models, the operational store and the data dictionary all read these definitions, so
a column's name, type and meaning cannot drift between the places that use it. Nothing here
imports the rest of the package.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pyarrow as pa

# Enumerated vocabularies. Adapters must map into these and nothing else.
PRIORITY_CLASSES: tuple[str, ...] = ("emergency", "high", "medium", "low", "non_emergency", "unknown")
ORIGINS: tuple[str, ...] = ("community_initiated", "officer_initiated", "alarm", "unknown")
DISPOSITION_CLASSES: tuple[str, ...] = (
    "report",
    "arrest",
    "citation",
    "advised_handled",
    "unfounded_goa",
    "cancelled",
    "false_alarm",
    "transported",
    "unknown",
)
CATEGORIES: tuple[str, ...] = (
    "violent_crime",
    "property_crime",
    "traffic",
    "medical",
    "behavioral_health",
    "welfare_assist",
    "disorder_quality_of_life",
    "alarm",
    "administrative_no_voice",
    "officer_initiated_proactive",
    "officer_status",
    "fire_hazard",
    "other",
)
NOT_CALL_CATEGORIES: tuple[str, ...] = ("officer_status",)
"""Categories of CAD records that are not calls for service (a unit's status, administrative entries)."""
EMERGENCY_PATHWAYS: tuple[str, ...] = ("police", "ems", "fire")
"""Pathways that keep a sworn or emergency response; every other pathway is an alternative."""
PATHWAYS: tuple[str, ...] = (
    "police",
    "ems",
    "fire",
    "behavioral_health_team",
    "community_responder",
    "homeless_outreach",
    "crisis_line_988",
    "311_administrative",
    "co_response",
)
QUALITY_FLAGS: tuple[str, ...] = (
    "coordinates_outside_area",
    "coordinates_missing",
    "ambiguous_local_time",
    "time_chain_out_of_order",
    "transcoded_cp1252",
)


@dataclass(frozen=True)
class Column:
    """One column: its name, Arrow type, meaning, and (for enums) the values it may hold."""

    name: str
    type: pa.DataType
    description: str
    nullable: bool = True
    allowed: tuple[str, ...] | None = None
    unit: str | None = None

    @property
    def duckdb_type(self) -> str:
        return _duckdb_type(self.type)


@dataclass(frozen=True)
class Table:
    """A canonical table: ordered columns, a primary key and a purpose."""

    name: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = field(default_factory=tuple)

    def __iter__(self) -> Iterator[Column]:
        return iter(self.columns)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    def arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.type, nullable=c.nullable) for c in self.columns])


def _duckdb_type(t: pa.DataType) -> str:
    if pa.types.is_timestamp(t):
        return "TIMESTAMPTZ" if t.tz else "TIMESTAMP"
    mapping = {
        pa.string(): "VARCHAR",
        pa.int64(): "BIGINT",
        pa.int32(): "INTEGER",
        pa.int16(): "SMALLINT",
        pa.int8(): "TINYINT",
        pa.float64(): "DOUBLE",
        pa.float32(): "FLOAT",
        pa.bool_(): "BOOLEAN",
    }
    if t in mapping:
        return mapping[t]
    raise TypeError(f"no DuckDB type for Arrow type {t}")


UTC_TS = pa.timestamp("us", tz="UTC")
STR = pa.string()
F64 = pa.float64()

_TIME_POINTS = (
    ("dispatch_utc", "first unit dispatched"),
    ("enroute_utc", "first unit en route"),
    ("arrival_utc", "first unit on scene"),
    ("clear_utc", "first unit cleared (available again)"),
    ("close_utc", "incident closed in CAD (final close)"),
)

CALLS = Table(
    name="calls",
    description=(
        "One row per 911 or CAD call for service, in a single shape whatever the source. "
        "Written by `altresponse ingest` as Parquet, sorted by received time then call id."
    ),
    primary_key=("agency", "call_id"),
    columns=(
        Column("call_id", STR, "Call or incident number as the agency issued it.", nullable=False),
        Column(
            "agency",
            STR,
            "Agency or centre that owns the call (profile `agency`, or the source's agency column).",
            nullable=False,
        ),
        Column(
            "source_system",
            STR,
            "Adapter that produced the row (baltimore, decc, sfpd, eido, generic:<map>).",
            nullable=False,
        ),
        Column("source_file", STR, "Base name of the input file the row came from.", nullable=False),
        Column(
            "source_line",
            pa.int64(),
            "Physical line (CSV, 1 = header) or record index (JSON) of the row.",
            nullable=False,
        ),
        Column("received_utc", UTC_TS, "When the call was received (call start), in UTC.", nullable=False),
        Column(
            "time_zone",
            STR,
            "IANA time zone of the agency, used to read local times (e.g. America/New_York).",
            nullable=False,
        ),
        Column(
            "local_call_type",
            STR,
            "Call type, nature or problem code exactly as the source gave it (trimmed).",
            nullable=False,
        ),
        Column("priority_raw", STR, "Priority as the source gave it."),
        Column(
            "priority_class",
            STR,
            "Priority normalized to a common scale.",
            nullable=False,
            allowed=PRIORITY_CLASSES,
        ),
        Column("origin", STR, "Who started the call.", nullable=False, allowed=ORIGINS),
        Column("disposition_raw", STR, "Disposition or clearance code as the source gave it."),
        Column(
            "disposition_class",
            STR,
            "Disposition normalized to a common set of outcomes.",
            nullable=False,
            allowed=DISPOSITION_CLASSES,
        ),
        *(
            Column(name, UTC_TS, f"Time the {meaning}, in UTC, where the source has it.")
            for name, meaning in _TIME_POINTS
        ),
        Column("dispatch_delay_s", F64, "Seconds from received to first dispatch.", unit="s"),
        Column("travel_s", F64, "Seconds from en route to arrival.", unit="s"),
        Column("response_s", F64, "Seconds from received to first arrival.", unit="s"),
        Column("on_scene_s", F64, "Seconds from arrival to first unit cleared.", unit="s"),
        Column(
            "unit_busy_s",
            F64,
            "Seconds from dispatch to first unit cleared: the time a unit was committed.",
            unit="s",
        ),
        Column("total_s", F64, "Seconds from received to incident close.", unit="s"),
        Column("block_address", STR, "Block-level address (never a house number)."),
        Column(
            "latitude", F64, "WGS84 latitude; null when missing or outside the agency's area.", unit="degrees"
        ),
        Column(
            "longitude",
            F64,
            "WGS84 longitude; null when missing or outside the agency's area.",
            unit="degrees",
        ),
        Column("district", STR, "Police district or equivalent patrol area."),
        Column("neighborhood", STR, "Neighborhood name."),
        Column("csa", STR, "Community Statistical Area (Baltimore) or equivalent planning area."),
        Column("census_tract", STR, "Census tract (GEOID or tract number as given)."),
        Column("zip_code", STR, "Postal code."),
        Column(
            "is_synthetic",
            pa.bool_(),
            "True for rows made by the synthetic generator, never real calls.",
            nullable=False,
        ),
        Column(
            "quality_flags",
            STR,
            "Semicolon-separated data-quality notes kept with the row.",
            allowed=QUALITY_FLAGS,
        ),
    ),
)

REJECTS = Table(
    name="rejects",
    description=(
        "Input records that could not become a call, with the reason. Written beside the output by "
        "`altresponse ingest --rejects`. rows_in = rows_out + rows_rejected + duplicates_dropped."
    ),
    primary_key=("source_file", "source_line"),
    columns=(
        Column("source_file", STR, "Base name of the input file.", nullable=False),
        Column(
            "source_line",
            pa.int64(),
            "Physical line (CSV) or record index (JSON) of the record.",
            nullable=False,
        ),
        Column(
            "reason",
            STR,
            "Short machine-readable reason (e.g. missing_call_type, bad_timestamp).",
            nullable=False,
        ),
        Column("detail", STR, "What was found and what was expected."),
        Column("raw", STR, "The record's raw text, as read."),
    ),
)

CLASSIFICATION = Table(
    name="classification",
    description=(
        "Columns added to calls by classification: the common incident type from the agency crosswalk, "
        "its category, and the protocol's pathway with the rule ids and reasons that chose it."
    ),
    columns=(
        Column(
            "common_type",
            STR,
            "Common incident type id from the taxonomy (`unmapped` when the crosswalk has no entry).",
            nullable=False,
        ),
        Column(
            "category", STR, "Category of the common type.", nullable=False, allowed=(*CATEGORIES, "unmapped")
        ),
        Column(
            "pathway",
            STR,
            "Pathway the protocol chose for the historical call.",
            nullable=False,
            allowed=PATHWAYS,
        ),
        Column("responder", STR, "Responder type the protocol named."),
        Column("rule_ids", STR, "Semicolon-separated ids of the protocol rules that fired."),
        Column("reasons", STR, "Semicolon-separated human-readable reasons."),
        Column("protocol_version", STR, "Protocol version and content hash used."),
    ),
)

CLASSIFIED_CALLS = Table(
    name="classified_calls",
    description="Canonical calls with the classification columns appended.",
    primary_key=CALLS.primary_key,
    columns=CALLS.columns + CLASSIFICATION.columns,
)

ALL_TABLES: tuple[Table, ...] = (CALLS, REJECTS, CLASSIFICATION)


def data_dictionary_markdown() -> str:
    """Render the data dictionary that lives in docs/data-dictionary.md."""
    lines = [
        "# Data dictionary",
        "",
        "Generated from `src/altresponse/schema.py` by `altresponse schema docs`; do not edit by hand "
        "(a test fails when this file is stale).",
        "",
    ]
    for table in ALL_TABLES:
        lines += [f"## `{table.name}`", "", table.description, ""]
        if table.primary_key:
            lines += [f"Key: {', '.join(f'`{k}`' for k in table.primary_key)}.", ""]
        lines += ["| column | type | required | meaning | values |", "|---|---|---|---|---|"]
        for c in table.columns:
            values = ", ".join(f"`{v}`" for v in c.allowed) if c.allowed else ""
            unit = f" ({c.unit})" if c.unit else ""
            required = "no" if c.nullable else "yes"
            lines.append(f"| `{c.name}` | {c.duckdb_type} | {required} | {c.description}{unit} | {values} |")
        lines.append("")
    return "\n".join(lines)
