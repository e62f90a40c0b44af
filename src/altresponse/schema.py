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
        pa.date32(): "DATE",
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

# ---------------------------------------------------------------------------------------------
# Partner tables: 311, crisis lines, mobile-crisis teams, homelessness counts, coordinated entry and
# community sites (`altresponse partners ingest`, docs/partners.md). Partner adapters write their
# rejects in the `rejects` shape above, with the same rule:
# records_in = records_out + rows_rejected + duplicates_dropped.

PARTNER_QUALITY_FLAGS: tuple[str, ...] = (
    "coordinates_missing",
    "coordinates_placeholder",
    "coordinates_outside_area",
    "ambiguous_local_time",
    "nonexistent_local_time",
    "date_only_time",
    "time_chain_out_of_order",
    "implausible_date",
)
HOMELESSNESS_COUNT_KINDS: tuple[str, ...] = ("pit", "hic", "spm")
DISPATCH_END_POINTS: tuple[str, ...] = (
    "engaged",
    "unable_to_locate",
    "refused",
    "cancelled",
    "no_contact_safety",
    "other",
    "unknown",
)
DISPATCH_DISPOSITIONS: tuple[str, ...] = (
    "remained_in_community",
    "emergency_department",
    "sobering_detox",
    "crisis_walk_in",
    "respite",
    "arrest",
    "other",
    "unknown",
)
REFERRAL_CHANNELS: tuple[str, ...] = ("911", "311", "988", "outreach", "walk_in", "provider", "other")
I64 = pa.int64()
BOOL = pa.bool_()


def _provenance(record: str = "record") -> tuple[Column, ...]:
    return (
        Column("source_system", STR, "Adapter or column map that produced the row.", nullable=False),
        Column("source_file", STR, "Base name of the input file the row came from.", nullable=False),
        Column(
            "source_line",
            I64,
            f"Physical line (CSV, 1 = header) or index (JSON/XML) of the input {record}.",
            nullable=False,
        ),
    )


SERVICE_REQUESTS = Table(
    name="service_requests",
    description=(
        "One row per 311 (non-emergency) service request, whatever the source: Open Baltimore CSV, "
        "NYC Open Data CSV or any CSV through a YAML column map, Open311 GeoReport v2 JSON or XML."
    ),
    primary_key=("source_system", "request_id"),
    columns=(
        Column("request_id", STR, "Service request number as the city issued it.", nullable=False),
        *_provenance("request"),
        Column("created_utc", UTC_TS, "When the request was created, in UTC.", nullable=False),
        Column("closed_utc", UTC_TS, "When the request was closed, in UTC, where it was."),
        Column("time_zone", STR, "IANA time zone used to read local times.", nullable=False),
        Column(
            "request_type",
            STR,
            "Request or complaint type exactly as the source gave it (trimmed); mapped to needs by the "
            "city's 311 crosswalk.",
            nullable=False,
        ),
        Column("request_detail", STR, "Descriptor or sub-type, where the source has one."),
        Column("agency", STR, "Agency or department the request was routed to."),
        Column("status_raw", STR, "Status as the source gave it (as of the export)."),
        Column("method_received", STR, "Channel the request came in by (phone, app, internal, ...)."),
        Column("block_address", STR, "Service location as given (a block or intersection; no requester)."),
        Column("latitude", F64, "WGS84 latitude; null when missing or a placeholder.", unit="degrees"),
        Column("longitude", F64, "WGS84 longitude; null when missing or a placeholder.", unit="degrees"),
        Column("district", STR, "Police district (or borough) of the service location."),
        Column("neighborhood", STR, "Neighborhood name."),
        Column("council_district", STR, "Council district."),
        Column("zip_code", STR, "Postal code."),
        Column(
            "quality_flags",
            STR,
            "Semicolon-separated data-quality notes kept with the row.",
            allowed=PARTNER_QUALITY_FLAGS,
        ),
    ),
)

SERVICE_TYPES = Table(
    name="service_types",
    description=(
        "A 311 system's list of request types: an Open311 GeoReport v2 `services` response (XML, JSON "
        "or its CSV flattening) or a plain list of request-type names."
    ),
    primary_key=("source_system", "service_code"),
    columns=(
        Column("service_code", STR, "Service code (the name itself for a plain list).", nullable=False),
        *_provenance("service"),
        Column("service_name", STR, "Service name as published.", nullable=False),
        Column("group_name", STR, "Group the service is listed under."),
        Column("description", STR, "Published description."),
        Column("service_kind", STR, "Open311 `type` (realtime, batch, blackbox)."),
        Column("keywords", STR, "Comma-separated keywords, as published."),
    ),
)

CRISIS_LINE_KPIS = Table(
    name="crisis_line_kpis",
    description=(
        "Aggregate crisis-line (988 Lifeline) measures per region and period, e.g. Vibrant's monthly "
        "in-state KPIs by originating state. Calls only unless `channel` says otherwise."
    ),
    primary_key=("source_system", "region", "period_start", "channel"),
    columns=(
        *_provenance("row"),
        Column("period_start", pa.date32(), "First day of the period.", nullable=False),
        Column("period_end", pa.date32(), "Last day of the period.", nullable=False),
        Column("region", STR, "Originating state or region code as published.", nullable=False),
        Column("channel", STR, "Contact channel the figures cover (calls, chat, text).", nullable=False),
        Column("routed", I64, "Contacts routed to the region's centres."),
        Column("received", I64, "Contacts received."),
        Column("answered_in_region", I64, "Contacts answered by a centre in the region."),
        Column("answer_rate", F64, "Answered in region / received, as a share (0-1)."),
        Column("abandoned_in_region", I64, "Contacts abandoned before an in-region answer."),
        Column("flowout_to_backup", I64, "Contacts that flowed to the national backup network."),
        Column("avg_speed_answer_s", F64, "Average wait after the greeting, in-region answers.", unit="s"),
        Column("avg_talk_time_s", F64, "Average talk time, in-region answers.", unit="s"),
    ),
)

CRISIS_LINE_CONTACTS = Table(
    name="crisis_line_contacts",
    description=(
        "One row per crisis-line contact, where a centre keeps a log (no caller details): when, "
        "channel, reason, outcome and any mobile dispatch or referral."
    ),
    primary_key=("source_system", "contact_id"),
    columns=(
        Column("contact_id", STR, "Contact id as the centre issued it (de-identified).", nullable=False),
        *_provenance("contact"),
        Column("center", STR, "Answering centre.", nullable=False),
        Column("received_utc", UTC_TS, "When the contact arrived, in UTC.", nullable=False),
        Column("time_zone", STR, "IANA time zone used to read local times.", nullable=False),
        Column("channel", STR, "calls, chat or text.", nullable=False),
        Column("reason", STR, "Reason for contact as recorded."),
        Column("outcome", STR, "Outcome as recorded (resolved by phone, mobile dispatch, 911 transfer...)."),
        Column("duration_s", F64, "Talk or session time.", unit="s"),
        Column("mobile_dispatched", BOOL, "True when a mobile crisis team was sent."),
        Column("referred_to", STR, "Service the contact was referred to."),
        Column("area", STR, "Area of the caller's location where recorded (district, zip)."),
    ),
)

CRISIS_DISPATCHES = Table(
    name="crisis_dispatches",
    description=(
        "One row per dispatch of a mobile-crisis or other alternative team, with its time chain, "
        "reasons and outcome. Durations are computed from the time stamps and are null where a time "
        "is missing or carries a date only."
    ),
    primary_key=("source_system", "dispatch_id"),
    columns=(
        Column("dispatch_id", STR, "Dispatch id as the team's record system issued it.", nullable=False),
        *_provenance("dispatch"),
        Column("team", STR, "Team or program that was dispatched.", nullable=False),
        Column("time_zone", STR, "IANA time zone used to read local times.", nullable=False),
        Column("requested_utc", UTC_TS, "When the dispatch was requested.", nullable=False),
        Column("dispatched_utc", UTC_TS, "When the team was dispatched."),
        Column("arrival_utc", UTC_TS, "When the team arrived on scene."),
        Column("engaged_utc", UTC_TS, "When the team engaged the person."),
        Column("departed_utc", UTC_TS, "When the team left the scene."),
        Column("area", STR, "Place as the source gives it (city, zip, district)."),
        Column("reason_primary", STR, "First recorded reason for dispatch, as given."),
        Column("reasons", STR, "All recorded reasons, semicolon-separated, as given."),
        Column("end_point_raw", STR, "End point of the dispatch as given."),
        Column("end_point_class", STR, "End point normalized.", nullable=False, allowed=DISPATCH_END_POINTS),
        Column("disposition_raw", STR, "Disposition as given."),
        Column(
            "disposition_class", STR, "Disposition normalized.", nullable=False, allowed=DISPATCH_DISPOSITIONS
        ),
        Column("dispatch_delay_s", F64, "Seconds from request to dispatch.", unit="s"),
        Column("travel_s", F64, "Seconds from dispatch to arrival.", unit="s"),
        Column("response_s", F64, "Seconds from request to arrival.", unit="s"),
        Column("on_scene_s", F64, "Seconds from arrival to departure.", unit="s"),
        Column(
            "quality_flags",
            STR,
            "Semicolon-separated data-quality notes kept with the row.",
            allowed=PARTNER_QUALITY_FLAGS,
        ),
    ),
)

HOMELESSNESS_COUNTS = Table(
    name="homelessness_counts",
    description=(
        "HUD homelessness figures in long form: Point-in-Time counts (pit), Housing Inventory Counts "
        "(hic) and System Performance Measures (spm), one row per CoC, year and measure. A wide input "
        "row becomes one row per measure, all with the input row's `source_line`."
    ),
    primary_key=("kind", "coc_number", "year", "section", "measure"),
    columns=(
        *_provenance("row"),
        Column("kind", STR, "Which HUD collection.", nullable=False, allowed=HOMELESSNESS_COUNT_KINDS),
        Column("year", I64, "Count year (PIT, HIC) or federal fiscal year (SPM).", nullable=False),
        Column("coc_number", STR, "Continuum of Care number, e.g. MD-501.", nullable=False),
        Column("coc_name", STR, "Continuum of Care name, where given."),
        Column("count_type", STR, "PIT count type (sheltered and unsheltered, or sheltered only)."),
        Column("section", STR, "HUD's section or header group ('' where the source has none).",
               nullable=False),
        Column("measure", STR, "Measure name, HUD's wording.", nullable=False),
        Column("value", F64, "Numeric value; null when the published value is text."),
        Column("value_text", STR, "The value exactly as published."),
    ),
)

COORDINATED_ENTRY_REFERRALS = Table(
    name="coordinated_entry_referrals",
    description=(
        "One row per referral into a homelessness coordinated-entry system from a 911, 311, 988 or "
        "outreach contact: what was sent, whether consent was recorded and the follow-up. Holds no "
        "names; `person_key` is the CE system's own pseudonymous id where it shares one."
    ),
    primary_key=("source_system", "referral_id"),
    columns=(
        Column("referral_id", STR, "Referral id.", nullable=False),
        *_provenance("referral"),
        Column("referred_utc", UTC_TS, "When the referral was sent.", nullable=False),
        Column("channel", STR, "Where the contact came from.", nullable=False, allowed=REFERRAL_CHANNELS),
        Column("source_record_id", STR, "Call, request or contact id the referral came from."),
        Column("access_point_id", STR, "Registry id of the coordinated-entry access point.", nullable=False),
        Column("area", STR, "Area of the contact (district or equivalent)."),
        Column("consent_recorded", BOOL, "True when the person's consent to share was recorded.",
               nullable=False),
        Column("person_key", STR, "Pseudonymous CE id, where the CE system shares one."),
        Column("assessed_utc", UTC_TS, "When the CE assessment was done."),
        Column("outcome", STR, "Outcome as the CE system records it (sheltered, housed, declined...)."),
        Column("follow_up_due_utc", UTC_TS, "When follow-up is due."),
        Column("follow_up_done_utc", UTC_TS, "When follow-up was done."),
    ),
)

COMMUNITY_SITES = Table(
    name="community_sites",
    description=(
        "Candidate community and youth partner sites (recreation centres, libraries, hubs) with where "
        "they are and what they have."
    ),
    primary_key=("source_system", "site_id"),
    columns=(
        Column("site_id", STR, "Site id from the source.", nullable=False),
        *_provenance("site"),
        Column("name", STR, "Site name.", nullable=False),
        Column("site_type", STR, "Kind of site as the source gives it."),
        Column("category", STR, "Source's category (e.g. neighborhood, community)."),
        Column("operator", STR, "Who operates it."),
        Column("address", STR, "Street address (a public building)."),
        Column("amenities", STR, "Amenities and assets as listed."),
        Column("district", STR, "Police district as the source gives it."),
        Column("council_district", STR, "Council district."),
        Column("latitude", F64, "WGS84 latitude.", unit="degrees"),
        Column("longitude", F64, "WGS84 longitude.", unit="degrees"),
    ),
)

PARTNER_TABLES: tuple[Table, ...] = (
    SERVICE_REQUESTS,
    SERVICE_TYPES,
    CRISIS_LINE_KPIS,
    CRISIS_LINE_CONTACTS,
    CRISIS_DISPATCHES,
    HOMELESSNESS_COUNTS,
    COORDINATED_ENTRY_REFERRALS,
    COMMUNITY_SITES,
)

ALL_TABLES: tuple[Table, ...] = (CALLS, REJECTS, CLASSIFICATION, *PARTNER_TABLES)


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
