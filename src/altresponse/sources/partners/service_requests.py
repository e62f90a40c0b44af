"""311 service requests: any CSV through a YAML column map, and Open311 GeoReport v2 JSON or XML.

Built-in maps (`sources/partners/maps/*.yaml`) cover the Open Baltimore and NYC Open Data exports;
a city with another 311 export writes its own map (format in docs/partners.md). A request without
an id, a type or a readable creation time is rejected with the reason; placeholder or missing
coordinates are kept as null with a flag.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from altresponse import schema
from altresponse.builtins import builtin_path, read_yaml_mapping
from altresponse.errors import BadInput
from altresponse.profile import BoundingBox
from altresponse.sources.partners.common import (
    Collector,
    PartnerIngest,
    blank_to_none,
    csv_header,
    csv_records,
    parse_local,
    read_text,
    zone,
)

REQUIRED_FIELDS = ("request_id", "created", "request_type")
OPTIONAL_FIELDS = (
    "closed",
    "request_detail",
    "agency",
    "status_raw",
    "method_received",
    "block_address",
    "latitude",
    "longitude",
    "district",
    "neighborhood",
    "council_district",
    "zip_code",
)
BUILTIN_311_MAPS = ("baltimore_311", "nyc_311")


class RequestMap(BaseModel):
    """How one 311 CSV export becomes `service_requests` rows."""

    model_config = ConfigDict(extra="forbid")

    name: str
    system: str
    time_zone: str | None = None
    time_formats: list[str] = Field(min_length=1)
    placeholder_coordinates: list[tuple[float, float]] = Field(default_factory=list)
    fields: dict[str, str | None]

    def column(self, field_name: str) -> str | None:
        return self.fields.get(field_name)


def load_request_map(name_or_path: str | Path) -> RequestMap:
    path = Path(name_or_path)
    if path.suffix.lower() not in (".yaml", ".yml"):
        path = builtin_path("altresponse.sources.partners", str(name_or_path), ".yaml", "maps")
    if not path.is_file():
        raise BadInput(f"311 column map not found: {path} (built in: {', '.join(BUILTIN_311_MAPS)})")
    data = read_yaml_mapping(path, "311 column map")
    try:
        spec = RequestMap.model_validate(data)
    except ValidationError as exc:
        raise BadInput(f"311 column map does not match the expected fields: {exc}", file=str(path)) from exc
    unknown = sorted(set(spec.fields) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    missing = [f for f in REQUIRED_FIELDS if not spec.fields.get(f)]
    if unknown or missing:
        raise BadInput(
            f"311 column map: unknown fields {unknown}, missing required {missing}", file=str(path)
        )
    return spec


def _coordinates(
    lat_text: str | None,
    lon_text: str | None,
    spec_placeholders: list[tuple[float, float]],
    bbox: BoundingBox | None,
) -> tuple[float | None, float | None, str | None]:
    lat_s, lon_s = blank_to_none(lat_text), blank_to_none(lon_text)
    if lat_s is None or lon_s is None:
        return None, None, "coordinates_missing"
    try:
        lat, lon = float(lat_s), float(lon_s)
    except ValueError:
        return None, None, "coordinates_missing"
    if any(abs(lat - p_lat) < 1e-9 and abs(lon - p_lon) < 1e-9 for p_lat, p_lon in spec_placeholders):
        return None, None, "coordinates_placeholder"
    if bbox is not None and not bbox.contains(lon, lat):
        return None, None, "coordinates_outside_area"
    return lat, lon, None


def read_requests_csv(
    paths: list[Path], mapping: str | Path, *, time_zone: str | None = None, bbox: BoundingBox | None = None
) -> PartnerIngest:
    """311 CSV files through a column map into `service_requests`."""
    spec = load_request_map(mapping)
    tz_name = spec.time_zone or time_zone
    if not tz_name:
        raise BadInput(f"311 map {spec.name!r} names no time zone: give --time-zone or a profile")
    tz = zone(tz_name)
    formats = tuple(spec.time_formats)
    out = Collector(schema.SERVICE_REQUESTS, f"311:{spec.name}")
    required_cols = tuple(str(spec.fields[f]) for f in REQUIRED_FIELDS)
    for path in paths:
        out.files.append(path.name)
        for line, row, raw in csv_records(path, required_cols):
            out.records_in += 1
            if not row:
                out.reject(path.name, line, "blank_record", "a record with no values", raw)
                continue
            if "__width__" in row:
                out.reject(
                    path.name,
                    line,
                    "wrong_field_count",
                    f"expected {len(row) - 1} fields, found {row['__width__']}",
                    raw,
                )
                continue

            def get(field_name: str, row: dict[str, str] = row) -> str | None:
                col = spec.column(field_name)
                return blank_to_none(row.get(col)) if col else None

            request_id, request_type, created_text = get("request_id"), get("request_type"), get("created")
            if request_id is None:
                out.reject(
                    path.name,
                    line,
                    "missing_request_id",
                    f"column {spec.fields['request_id']!r} is empty",
                    raw,
                )
                continue
            if request_type is None:
                out.reject(
                    path.name,
                    line,
                    "missing_request_type",
                    f"column {spec.fields['request_type']!r} is empty",
                    raw,
                )
                continue
            flags: list[str] = []
            try:
                created, flag = parse_local(created_text or "", formats, tz)
            except ValueError as exc:
                out.reject(path.name, line, "bad_timestamp", f"{spec.fields['created']}: {exc}", raw)
                continue
            if flag:
                flags.append(flag)
            closed = None
            closed_text = get("closed")
            if closed_text:
                try:
                    closed, flag = parse_local(closed_text, formats, tz)
                except ValueError as exc:
                    out.reject(path.name, line, "bad_timestamp", f"{spec.fields['closed']}: {exc}", raw)
                    continue
                if flag:
                    flags.append(flag)
                if closed < created:
                    flags.append("time_chain_out_of_order")
            lat, lon, flag = _coordinates(
                get("latitude"), get("longitude"), spec.placeholder_coordinates, bbox
            )
            if flag:
                flags.append(flag)
            record = {
                "request_id": request_id,
                "source_system": spec.system,
                "source_file": path.name,
                "source_line": line,
                "created_utc": created,
                "closed_utc": closed,
                "time_zone": tz_name,
                "request_type": request_type,
                "latitude": lat,
                "longitude": lon,
                "quality_flags": ";".join(sorted(set(flags))) or None,
            }
            for field_name in (
                "request_detail",
                "agency",
                "status_raw",
                "method_received",
                "block_address",
                "district",
                "neighborhood",
                "council_district",
                "zip_code",
            ):
                record[field_name] = get(field_name)
            out.add([record], file=path.name, line=line, raw=raw)
    return out.build()


# --- Open311 GeoReport v2 -------------------------------------------------------------------------


def _iso_utc(text: str | None) -> datetime:
    value = (text or "").strip()
    if not value:
        raise ValueError("empty time stamp")
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"GeoReport v2 times carry a UTC offset (ISO 8601 w3c), got {value!r}")
    return parsed.astimezone(UTC)


def _xml_root(path: Path, text: str) -> ET.Element:
    head = text[:4096].upper()
    if "<!DOCTYPE" in head or "<!ENTITY" in head:
        raise BadInput("XML with a DOCTYPE or entities is not accepted", file=str(path), line=1)
    try:
        return ET.fromstring(text)
    except ET.ParseError as exc:
        line, col = exc.position
        raise BadInput(f"malformed XML: {exc}", file=str(path), line=line, column=str(col)) from exc


def _xml_records(root: ET.Element, tag: str) -> list[dict[str, str]]:
    records = []
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == tag:
            records.append({child.tag.rsplit("}", 1)[-1]: (child.text or "") for child in element})
    return records


def georeport_records(path: Path, tag: str) -> list[dict[str, Any]]:
    """The records of a GeoReport v2 response (JSON array, or XML with one element per `tag`)."""
    text = read_text(path)
    if text.lstrip().startswith("<"):
        return list(_xml_records(_xml_root(path, text), tag))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(
            f"not JSON or XML: {exc.msg}", file=str(path), line=exc.lineno, column=str(exc.colno)
        ) from exc
    if isinstance(data, dict):  # some servers wrap the array
        data = data.get("service_requests") or data.get("services") or data.get("requests")
    if not isinstance(data, list):
        raise BadInput("expected a GeoReport v2 JSON array", file=str(path), line=1)
    return data


def read_requests_georeport(
    paths: list[Path], *, time_zone: str = "UTC", system: str = "open311", bbox: BoundingBox | None = None
) -> PartnerIngest:
    """GeoReport v2 `GET requests` responses (JSON or XML) into `service_requests`."""
    out = Collector(schema.SERVICE_REQUESTS, f"311:{system}")
    for path in paths:
        out.files.append(path.name)
        for index, rec in enumerate(georeport_records(path, "request"), start=1):
            out.records_in += 1
            raw = json.dumps(rec, sort_keys=True, default=str)
            if not isinstance(rec, dict):
                out.reject(path.name, index, "not_an_object", "expected a request object", raw)
                continue
            request_id = blank_to_none(str(rec.get("service_request_id") or ""))
            request_type = blank_to_none(str(rec.get("service_name") or rec.get("service_code") or ""))
            if request_id is None:
                out.reject(path.name, index, "missing_request_id", "service_request_id is empty", raw)
                continue
            if request_type is None:
                out.reject(
                    path.name, index, "missing_request_type", "service_name and service_code empty", raw
                )
                continue
            try:
                created = _iso_utc(rec.get("requested_datetime"))
            except ValueError as exc:
                out.reject(path.name, index, "bad_timestamp", f"requested_datetime: {exc}", raw)
                continue
            flags: list[str] = []
            closed = None
            if str(rec.get("status") or "").lower() == "closed" and rec.get("updated_datetime"):
                try:
                    closed = _iso_utc(rec.get("updated_datetime"))
                except ValueError as exc:
                    out.reject(path.name, index, "bad_timestamp", f"updated_datetime: {exc}", raw)
                    continue
            lat, lon, flag = _coordinates(str(rec.get("lat") or ""), str(rec.get("long") or ""), [], bbox)
            if flag:
                flags.append(flag)
            record = {
                "request_id": request_id,
                "source_system": system,
                "source_file": path.name,
                "source_line": index,
                "created_utc": created,
                "closed_utc": closed,
                "time_zone": time_zone,
                "request_type": request_type,
                "request_detail": blank_to_none(str(rec.get("service_code") or "")),
                "agency": blank_to_none(str(rec.get("agency_responsible") or "")),
                "status_raw": blank_to_none(str(rec.get("status") or "")),
                "method_received": None,
                "block_address": blank_to_none(str(rec.get("address") or "")),
                "latitude": lat,
                "longitude": lon,
                "district": None,
                "neighborhood": None,
                "council_district": None,
                "zip_code": blank_to_none(str(rec.get("zipcode") or "")),
                "quality_flags": ";".join(flags) or None,
            }
            out.add([record], file=path.name, line=index, raw=raw)
    return out.build()


def read_service_types(paths: list[Path], *, system: str) -> PartnerIngest:
    """A GeoReport v2 `GET services` response (XML, JSON or its CSV flattening), or a plain list of
    request-type names (a CSV with one column `request_type`), into `service_types`."""
    out = Collector(schema.SERVICE_TYPES, f"311-services:{system}")
    for path in paths:
        out.files.append(path.name)
        records: list[tuple[int, dict[str, Any], str]]
        if path.suffix.lower() == ".csv":
            header = csv_header(path)
            required = ("request_type",) if "service_code" not in header else ("service_code", "service_name")
            records = [(line, row, raw) for line, row, raw in csv_records(path, required)]
        else:
            records = [
                (i, r, json.dumps(r, sort_keys=True))
                for i, r in enumerate(georeport_records(path, "service"), start=1)
            ]
        for line, rec, raw in records:
            out.records_in += 1
            if not isinstance(rec, dict) or not rec:
                out.reject(path.name, line, "not_an_object", "expected a service record", raw)
                continue
            if "request_type" in rec and "service_code" not in rec:
                name = blank_to_none(str(rec.get("request_type") or ""))
                code = name
            else:
                code = blank_to_none(str(rec.get("service_code") or ""))
                name = blank_to_none(str(rec.get("service_name") or ""))
            if code is None or name is None:
                out.reject(
                    path.name, line, "missing_service_code", "service_code or service_name is empty", raw
                )
                continue
            description = blank_to_none(str(rec.get("description") or ""))
            out.add(
                [
                    {
                        "service_code": code,
                        "source_system": system,
                        "source_file": path.name,
                        "source_line": line,
                        "service_name": name,
                        "group_name": blank_to_none(str(rec.get("group") or "")),
                        "description": description,
                        "service_kind": blank_to_none(str(rec.get("type") or "")),
                        "keywords": blank_to_none(str(rec.get("keywords") or "")),
                    }
                ],
                file=path.name,
                line=line,
                raw=raw,
            )
    return out.build()
