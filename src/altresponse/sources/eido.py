"""NENA EIDO (Emergency Incident Data Object, NENA-STA-021) JSON documents -> canonical calls.

Each document is validated against the EIDO OpenAPI schema (components/schemas/
EmergencyIncidentDataObjectType, with the NIEM component files it references) before anything is
read from it; an invalid document becomes a reject carrying the validator's messages. Valid
documents are mapped:

* call type: `incidentComponent.incidentTypeCommonRegistryText`, an APCO common incident code
  (checked against the APCO code list shipped with the schema; unknown codes are rejected, never
  guessed). The code is kept as `local_call_type`; `apco_common_types()` gives the taxonomy's
  APCO -> common type table for classification.
* received time: the earliest `callComponent[].callStartTimestamp` (else the incident's first
  update). Dispatch: the earliest `dispatchComponent[].lastUpdateTimeStamp`. Close: the incident's
  last update when its common status says closed. An EIDO is a snapshot, so en-route, arrival and
  clear times are not carried and stay empty.
* priority, disposition: the incident's priority text/number and its primary disposition code,
  through maps in the profile's `eido:` section (defaults below).
* location: the PIDF-LO of the incident's (else the call's) locations: gml:pos for coordinates,
  civic address reduced to a block ("4200 BLOCK N CHARLES ST"; house numbers are never kept).

Known defect of the standard: `AgentType.agentRoleRegistryText` has `minItems: 1,`, which YAML
reads as the string "1,"; the schema loader repairs any such string to the integer before use.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pyarrow as pa
import yaml

from altresponse import schema
from altresponse.errors import BadInput
from altresponse.profile import Profile

ROOT_SCHEMA = "EmergencyIncidentDataObjectType"
DEFAULT_SCHEMA = "standards/eido-json/Schema/openapi.yaml"

# Defaults, overridable in the profile's `eido:` section (priority_map, disposition_map).
PRIORITY_WORDS: dict[str, str] = {
    "emergency": "emergency", "high": "high", "medium": "medium", "low": "low",
    "non-emergency": "non_emergency", "non emergency": "non_emergency", "nonemergency": "non_emergency",
}
PRIORITY_NUMBERS: dict[int, str] = {1: "emergency", 2: "high", 3: "medium", 4: "low", 5: "non_emergency"}
# Disposition registry codes vary by agency; these keyword rules cover common wording.
DISPOSITION_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("false alarm", "false_alarm"), ("falsealarm", "false_alarm"),
    ("arrest", "arrest"), ("citation", "citation"), ("cited", "citation"),
    ("transport", "transported"), ("report", "report"),
    ("unfounded", "unfounded_goa"), ("gone on arrival", "unfounded_goa"), ("goneonarrival", "unfounded_goa"),
    ("unable to locate", "unfounded_goa"), ("cancel", "cancelled"),
    ("advised", "advised_handled"), ("assist", "advised_handled"), ("handled", "advised_handled"),
    ("resolved", "advised_handled"), ("referred", "advised_handled"),
)
PRIVATE_COMPONENTS = ("personComponent", "callbackComponent", "additionalDataComponent", "notesComponent",
                      "locationComponent")


# ----------------------------------------------------------------------------------- schema

def _repair(node: Any) -> Any:
    """Fix the standard's `minItems: 1,` (a string) and friends, in memory."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in ("minItems", "maxItems", "minLength", "maxLength") and isinstance(value, str):
                digits = re.sub(r"\D", "", value)
                out[key] = int(digits) if digits else 0
            else:
                out[key] = _repair(value)
        return out
    if isinstance(node, list):
        return [_repair(v) for v in node]
    return node


def _load_yaml(path: Path) -> Any:
    try:
        return _repair(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError) as exc:
        raise BadInput(f"cannot read EIDO schema file: {exc}", file=str(path)) from exc


@dataclass(frozen=True)
class EidoSchema:
    validator: Any
    apco_codes: frozenset[str]
    path: Path


@lru_cache(maxsize=4)
def load_schema(openapi_path: str) -> EidoSchema:
    """A Draft 4 validator (OpenAPI 3.0 schema objects) with the NIEM files resolved locally."""
    from jsonschema import Draft4Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    path = Path(openapi_path).resolve()
    if not path.exists():
        raise BadInput(f"EIDO schema not found: {path} (set ALTRESPONSE_SHARED, or `schema:` in the "
                       "profile's eido section)")
    base = path.as_uri()

    def retrieve(uri: str) -> Resource[Any]:
        local = Path(urlparse(uri).path.replace("//", "/"))
        if not local.is_relative_to(path.parent):
            raise BadInput(f"EIDO schema reference outside the schema folder: {uri}")
        return Resource.from_contents(_load_yaml(local), default_specification=DRAFT4)

    root = _load_yaml(path)
    registry: Registry[Any] = Registry(retrieve=retrieve).with_resource(  # type: ignore[call-arg]
        base, Resource.from_contents(root, default_specification=DRAFT4))
    validator = Draft4Validator({"$ref": f"{base}#/components/schemas/{ROOT_SCHEMA}"}, registry=registry)
    apco_file = path.parent / "NIEMComponents" / "apco.yaml"
    codes: frozenset[str] = frozenset()
    if apco_file.exists():
        apco = _load_yaml(apco_file)
        codes = frozenset(str(c) for c in
                          apco["components"]["schemas"]["apcoIncidentCategoryCodeSimpleType"]["enum"])
    return EidoSchema(validator=validator, apco_codes=codes, path=path)


def schema_path(profile: Profile) -> Path:
    section = profile.section("eido")
    configured = section.get("schema", DEFAULT_SCHEMA)
    p = Path(str(configured))
    if p.is_absolute():
        return p
    from altresponse.shared import shared_root

    return shared_root() / p


def validation_errors(doc: Any, eido_schema: EidoSchema, limit: int = 5) -> list[str]:
    """Human-readable schema violations ("path: message"), most specific first."""
    errors = sorted(eido_schema.validator.iter_errors(doc),
                    key=lambda e: (len(e.path), list(map(str, e.path))))
    out = []
    for err in errors[:limit]:
        where = "/".join(str(p) for p in err.absolute_path) or "(document)"
        out.append(f"{where}: {err.message[:200]}")
    if len(errors) > limit:
        out.append(f"... and {len(errors) - limit} more")
    return out


# ----------------------------------------------------------------------------------- reading

def _documents(path: Path) -> Iterator[tuple[int, Any, str | None]]:
    """(record index from 1, document or None, problem) for a JSON object, array, or JSON Lines file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        yield 1, None, f"file is not UTF-8: {exc}"
        return
    except OSError as exc:
        raise BadInput(f"cannot read file: {exc}", file=str(path)) from exc
    try:
        data = json.loads(text)
    except ValueError as whole_error:
        lines = text.splitlines()
        first = next((ln for ln in lines if ln.strip()), "")
        try:
            looks_like_lines = len(lines) > 1 and isinstance(json.loads(first), dict)
        except ValueError:
            looks_like_lines = False
        if not looks_like_lines:  # one document, broken: one reject, not one per line
            yield 1, None, f"not valid JSON: {whole_error}"
            return
        for number, line in enumerate(lines, start=1):  # JSON Lines: one document per line
            if not line.strip():
                continue
            try:
                yield number, json.loads(line), None
            except ValueError as exc:
                yield number, None, f"line is not valid JSON: {exc}"
        return
    if isinstance(data, list):
        for i, doc in enumerate(data, start=1):
            yield i, doc, None
    else:
        yield 1, data, None


def _parse_time(value: Any, tz: ZoneInfo) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        t = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"bad timestamp {value!r} (expected RFC 3339, e.g. "
                         "2021-04-30T14:40:00-04:00)") from exc
    if t.tzinfo is None:
        t = t.replace(tzinfo=tz)
    return t.astimezone(UTC)


def _by_id(components: Iterable[Any]) -> dict[str, dict[str, Any]]:
    return {str(c.get("$id")): c for c in components if isinstance(c, dict) and c.get("$id") is not None}


def _refs(obj: dict[str, Any], key: str) -> list[str]:
    value = obj.get(key)
    items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
    return [str(r["$ref"]) for r in items if isinstance(r, dict) and "$ref" in r]


_POS = re.compile(r"<(?:[\w.-]+:)?pos\b[^>]*>\s*([-+]?\d+(?:\.\d+)?)\s+([-+]?\d+(?:\.\d+)?)")


def _civic(xml: str, tag: str) -> str:
    m = re.search(rf"<(?:[\w.-]+:)?{tag}\b[^>]*>([^<]*)</", xml)
    return re.sub(r"\s+", " ", m.group(1)).strip() if m else ""


def pidf_point(xml: str) -> tuple[float, float] | None:
    """(lat, lon) of the first gml:pos in a PIDF-LO document."""
    m = _POS.search(xml)
    return (float(m.group(1)), float(m.group(2))) if m else None


def pidf_block_address(xml: str) -> str | None:
    """Civic address reduced to its block: house number rounded down to the hundred."""
    road = " ".join(p for p in (_civic(xml, "PRD"), _civic(xml, "RD"), _civic(xml, "STS"), _civic(xml, "POD"))
                    if p)
    if not road:
        return None
    hno = re.sub(r"\D", "", _civic(xml, "HNO"))
    block = f"{int(hno) // 100 * 100} BLOCK " if hno else ""
    return (block + road).upper()


def _classify_priority(raw_text: Any, number: Any, section: dict[str, Any]) -> tuple[str | None, str]:
    custom = {str(k).strip().lower(): str(v) for k, v in (section.get("priority_map") or {}).items()}
    raw = (str(raw_text).strip() if raw_text not in (None, "")
           else str(number) if number is not None else None)
    if raw is None:
        return None, "unknown"
    key = raw.lower()
    if key in custom:
        return raw, custom[key]
    if key in PRIORITY_WORDS:
        return raw, PRIORITY_WORDS[key]
    if isinstance(number, int) and number in PRIORITY_NUMBERS and raw_text in (None, ""):
        return raw, PRIORITY_NUMBERS[number]
    return raw, "unknown"


def _classify_disposition(code: str | None, section: dict[str, Any]) -> str:
    if not code:
        return "unknown"
    custom = {str(k).strip().lower(): str(v) for k, v in (section.get("disposition_map") or {}).items()}
    key = code.strip().lower()
    if key in custom:
        return custom[key]
    for word, cls in DISPOSITION_KEYWORDS:
        if word in key:
            return cls
    return "unknown"


def _private_free(doc: Any) -> str:
    """The document as text without the parts that hold caller details (persons, callbacks, places)."""
    if isinstance(doc, dict):
        doc = {k: v for k, v in doc.items() if k not in PRIVATE_COMPONENTS}
    text = json.dumps(doc, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 4000 else text[:4000] + "..."


class _Reject(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def map_document(doc: dict[str, Any], profile: Profile, apco_codes: frozenset[str]) -> dict[str, Any]:
    """One valid EIDO document -> one canonical call row (without the source_* columns)."""
    tz = ZoneInfo(profile.time_zone)
    section = profile.section("eido")
    incident = doc.get("incidentComponent") if isinstance(doc.get("incidentComponent"), dict) else None
    calls = [c for c in doc.get("callComponent") or [] if isinstance(c, dict)]
    if incident is None:
        raise _Reject("missing_call_type", "document has no incidentComponent, so no incident type "
                      "(incidentComponent.incidentTypeCommonRegistryText is expected)")
    code = str(incident.get("incidentTypeCommonRegistryText") or "").strip().upper()
    if not code:
        raise _Reject("missing_call_type", "incidentComponent.incidentTypeCommonRegistryText is empty")
    if apco_codes and code not in apco_codes:
        raise _Reject("unknown_incident_type", f"incident type {code!r} is not an APCO common incident code "
                      "(apcoIncidentCategoryCodeSimpleType)")
    try:
        starts = [t for t in (_parse_time(c.get("callStartTimestamp"), tz) for c in calls) if t]
        received = min(starts) if starts else _parse_time(incident.get("lastUpdateTimeStamp"), tz)
        dispatches = [t for t in (_parse_time(d.get("lastUpdateTimeStamp"), tz)
                                  for d in doc.get("dispatchComponent") or [] if isinstance(d, dict)) if t]
        statuses = [str(s).lower() for s in incident.get("incidentStatusCommonRegistryText") or []]
        closed = any("closed" in s or s == "close" for s in statuses)
        close = _parse_time(incident.get("lastUpdateTimeStamp"), tz) if closed else None
    except ValueError as exc:
        raise _Reject("bad_timestamp", str(exc)) from exc
    if received is None:
        raise _Reject("bad_timestamp",
                      "no callComponent[].callStartTimestamp and no incident lastUpdateTimeStamp")
    dispatch = min(dispatches) if dispatches else None
    if dispatch is not None and dispatch < received:
        dispatch = None  # an update stamped before the call started cannot be its dispatch
    priority_raw, priority_class = _classify_priority(incident.get("incidentPriorityInternalText"),
                                                      incident.get("incidentCommonPriorityNumber"), section)
    dispositions = [d for d in incident.get("dispositionComponent") or [] if isinstance(d, dict)]
    primary = next((d for d in dispositions if d.get("dispositionPrimaryIndicator")), None) or (
        dispositions[0] if dispositions else None)
    disposition_raw = str(primary.get("dispositionCommonRegistryCode")) if primary else None
    if calls:
        origin = "community_initiated"
    elif doc.get("alarmsSensorsComponent"):
        origin = "alarm"
    else:
        origin = "unknown"

    locations = _by_id(doc.get("locationComponent") or [])
    order = _refs(incident, "locationReference") + [r for c in calls for r in _refs(c, "locationReference")]
    order += [k for k in locations if k not in order]
    point = None
    address = None
    for ref in order:
        loc = locations.get(ref)
        xml = str(loc.get("locationByValue") or "") if loc else ""
        if point is None:
            point = pidf_point(xml)
        if address is None:
            address = pidf_block_address(xml)
    flags = []
    lat = lon = None
    if point is None:
        flags.append("coordinates_missing")
    elif profile.bbox.contains(point[1], point[0]):
        lat, lon = point
    else:
        flags.append("coordinates_outside_area")

    def seconds(a: datetime | None, b: datetime | None) -> float | None:
        return (b - a).total_seconds() if a and b else None

    call_id = str(incident.get("internalIncidentId") or doc.get("$id") or incident.get("$id") or "")
    if not call_id:
        raise _Reject("missing_call_id", "no incidentComponent.internalIncidentId and no document $id")
    return {
        "call_id": call_id, "agency": profile.agency, "source_system": "eido",
        "received_utc": received, "time_zone": profile.time_zone, "local_call_type": code,
        "priority_raw": priority_raw, "priority_class": priority_class, "origin": origin,
        "disposition_raw": disposition_raw,
        "disposition_class": _classify_disposition(disposition_raw, section),
        "dispatch_utc": dispatch, "enroute_utc": None, "arrival_utc": None, "clear_utc": None,
        "close_utc": close, "dispatch_delay_s": seconds(received, dispatch), "travel_s": None,
        "response_s": None, "on_scene_s": None, "unit_busy_s": None, "total_s": seconds(received, close),
        "block_address": address, "latitude": lat, "longitude": lon,
        "district": str(incident.get("beatOrDispatchGroupText") or "") or None,
        "neighborhood": None, "csa": None, "census_tract": None, "zip_code": None,
        "is_synthetic": False, "quality_flags": ";".join(flags) or None,
    }


@dataclass
class EidoResult:
    calls: pa.Table
    rejects: pa.Table


def read_eido(paths: Iterable[str | Path], profile: Profile) -> tuple[pa.Table, pa.Table]:
    """Read EIDO JSON files (object, array of objects, or JSON Lines) into (calls, rejects)."""
    eido_schema = load_schema(str(schema_path(profile)))
    rows: list[dict[str, Any]] = []
    rejects: list[dict[str, Any]] = []
    for p in paths:
        path = Path(p)
        for index, doc, problem in _documents(path):
            base = {"source_file": path.name, "source_line": index}
            if problem is not None:
                rejects.append({**base, "reason": "bad_json", "detail": problem, "raw": None})
                continue
            if not isinstance(doc, dict):
                rejects.append({**base, "reason": "not_an_object",
                                "detail": f"expected a JSON object (an EIDO), found {type(doc).__name__}",
                                "raw": _private_free(doc)})
                continue
            errors = validation_errors(doc, eido_schema)
            if errors:
                rejects.append({**base, "reason": "eido_schema_invalid", "detail": "; ".join(errors),
                                "raw": _private_free(doc)})
                continue
            try:
                row = map_document(doc, profile, eido_schema.apco_codes)
            except _Reject as rej:
                rejects.append({**base, "reason": rej.reason, "detail": rej.detail,
                                "raw": _private_free(doc)})
                continue
            rows.append({**row, **base})
    calls = pa.Table.from_pylist([{c: r.get(c) for c in schema.CALLS.names} for r in rows],
                                 schema=schema.CALLS.arrow_schema())
    rejected = pa.Table.from_pylist(rejects, schema=schema.REJECTS.arrow_schema())
    return calls, rejected


def apco_common_types() -> dict[str, str]:
    """APCO common incident code -> common incident type id, from the taxonomy catalogue."""
    from altresponse.taxonomy import load_catalogue

    out: dict[str, str] = {}
    for type_id, common in load_catalogue().types.items():
        if common.apco_code:
            out.setdefault(str(common.apco_code).upper(), type_id)
    return out
