"""Open Referral HSDS 3.0 records for the provider directory: vocabulary, import/export, validation.

How altresponse facts sit in HSDS (chosen so a standard HSDS reader still understands the records):
- what a service takes, which pathway it serves, its responder type and role are HSDS `attributes`
  whose `taxonomy_term` comes from the `altresponse` taxonomy; `link_type` says which
  (`incident_type`, `pathway`, `responder_type`, `service_role`, `record_status`). An incident-type
  term with code `*` means every type (police, EMS, fire, co-response).
- opening hours are HSDS `schedules` (freq WEEKLY, byday, opens_at/closes_at) read in the directory's
  time zone (HSDS 3.0's numeric UTC offset cannot follow daylight saving time, so it is left out);
- service areas are GeoJSON polygons in `service_areas[].extent` with `extent_type` "geojson";
- capacity is the HSDS 3.1 `service_capacity` record (`capacities` on the service: teams on duty as
  `available`, the full complement as `maximum`).

Validation reads the official JSON schemas from the reference standards folder (`standards/hsds-3.0`
and `standards/hsds-3.1` under ALTRESPONSE_SHARED): organizations against compiled/organization.json,
services (without the 3.1 `capacities`) against compiled/service.json, each capacity against 3.1
service_capacity.json. All with JSON Schema 2020-12 and format checks (uuid, date-time).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from altresponse.errors import BadInput

log = logging.getLogger(__name__)

TAXONOMY_NAME = "altresponse"
ALL_TYPES = "*"
EXAMPLE_NOTE = "Example — confirm with provider"
LINK_INCIDENT_TYPE = "incident_type"
LINK_PATHWAY = "pathway"
LINK_RESPONDER = "responder_type"
LINK_ROLE = "service_role"
LINK_RECORD_STATUS = "record_status"
FORMAT = "altresponse-directory"


def _standards_root(schema_root: str | Path | None) -> Path:
    if schema_root is not None:
        root = Path(schema_root)
    else:
        from altresponse.shared import shared_root

        root = shared_root() / "standards"
    if not (root / "hsds-3.0" / "schema").is_dir():
        raise BadInput(f"HSDS schemas not found under {root} (expected hsds-3.0/schema and "
                        f"hsds-3.1/schema; set "
                       "ALTRESPONSE_SHARED to the folder that holds standards/)")
    return root


@lru_cache(maxsize=4)
def _validators(root: str) -> dict[str, Any]:
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    base = Path(root)
    checker = FormatChecker()

    def load(p: Path) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(p.read_text(encoding="utf-8"))
        return data

    v30 = base / "hsds-3.0" / "schema"
    v31 = base / "hsds-3.1" / "schema"
    resources = [(p.name, Resource.from_contents(load(p), default_specification=DRAFT202012))
                 for p in sorted(v31.glob("*.json"))]
    registry: Registry = Registry().with_resources(resources)
    return {
        "organization": Draft202012Validator(load(v30 / "compiled" / "organization.json"),
                                             format_checker=checker),
        "service": Draft202012Validator(load(v30 / "compiled" / "service.json"), format_checker=checker),
        "service_capacity": Draft202012Validator(load(v31 / "service_capacity.json"), registry=registry,
                                                 format_checker=checker),
    }


def _errors(validator: Any, record: Any, where: str) -> list[str]:
    out = []
    for err in sorted(validator.iter_errors(record), key=lambda e: list(e.absolute_path)):
        path = "/".join(str(p) for p in err.absolute_path)
        out.append(f"{where}{'/' + path if path else ''}: {err.message}")
    return out


_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_STATUS = ("active", "inactive", "defunct", "temporarily closed")


class _Structural:
    """Built-in check of the HSDS rules the directory relies on, for use where the official schemas are
    not installed: required fields, uuid ids, status and schedule enums, the 3.1 capacity fields."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def iter_errors(self, record: Any) -> list[Any]:
        out: list[Any] = []

        def err(path: list[Any], message: str) -> None:
            out.append(_StructuralError(path, message))

        if not isinstance(record, dict):
            err([], "expected an object")
            return out
        required = {"organization": ("id", "name", "description"), "service": ("id", "name", "status"),
                    "service_capacity": ("id", "unit", "available", "updated")}[self.kind]
        for key in required:
            if key not in record:
                err([], f"{key!r} is a required property")
        if "id" in record and not (isinstance(record["id"], str) and _UUID.match(record["id"])):
            err(["id"], f"{record['id']!r} is not a 'uuid'")
        if self.kind == "service":
            if "status" in record and record["status"] not in _STATUS:
                err(["status"], f"{record['status']!r} is not one of {list(_STATUS)}")
            for i, sch in enumerate(record.get("schedules") or []):
                if not isinstance(sch, dict) or not _UUID.match(str(sch.get("id", ""))):
                    err(["schedules", i, "id"], "schedule needs a uuid id")
                elif sch.get("freq") not in (None, "WEEKLY", "MONTHLY"):
                    err(["schedules", i, "freq"], f"{sch.get('freq')!r} is not one of ['WEEKLY', 'MONTHLY']")
            for key in ("service_areas", "attributes", "phones"):
                for i, sub in enumerate(record.get(key) or []):
                    if not isinstance(sub, dict) or not _UUID.match(str(sub.get("id", ""))):
                        err([key, i, "id"], f"{key} entry needs a uuid id")
        if self.kind == "service_capacity":
            unit = record.get("unit")
            if "unit" in record and not (isinstance(unit, dict) and unit.get("id") and unit.get("name")):
                err(["unit"], "unit needs an id and a name")
            if "available" in record and not isinstance(record["available"], int | float):
                err(["available"], f"{record['available']!r} is not of type 'number'")
        return out


@dataclass(frozen=True)
class _StructuralError:
    absolute_path: list[Any]
    message: str


def validate_hsds(document: Any, version: str = "3.0",
                  schema_root: str | Path | None = None, *, require_schemas: bool = True) -> list[str]:
    """Every schema violation in a directory document, as "where: what" strings (empty = valid).

    With the official schemas (reference standards folder) every record is checked in full. Where they
    are not installed, `require_schemas=True` (the default) stops with BadInput; `require_schemas=False`
    runs the built-in structural check instead (required fields, uuid ids, enums, capacity fields) and
    says so in the log, so a production service without the reference folder still refuses bad records.
    """
    if version != "3.0":
        raise BadInput(f"HSDS version {version!r} is not supported (expected 3.0, with 3.1 capacities)")
    try:
        document = as_directory_document(document)
    except BadInput as exc:
        return [f"document: {exc}"]
    validators: dict[str, Any]
    try:
        validators = _validators(str(_standards_root(schema_root)))
    except BadInput:
        if require_schemas:
            raise
        log.warning("HSDS schemas not installed: structural check only")
        validators = {k: _Structural(k) for k in ("organization", "service", "service_capacity")}
    problems: list[str] = []
    if document.get("hsds_version", "3.0") != "3.0":
        problems.append(f"hsds_version: expected '3.0', got {document.get('hsds_version')!r}")
    orgs = document.get("organizations")
    services = document.get("services")
    if not isinstance(orgs, list):
        problems.append("organizations: expected a list")
        orgs = []
    if not isinstance(services, list):
        problems.append("services: expected a list")
        services = []
    org_ids = set()
    for i, org in enumerate(orgs):
        problems += _errors(validators["organization"], org, f"organizations/{i}")
        if isinstance(org, dict):
            org_ids.add(org.get("id"))
    ids: set[Any] = set()
    for i, svc in enumerate(services):
        where = f"services/{i}"
        if not isinstance(svc, dict):
            problems.append(f"{where}: expected an object")
            continue
        core = {k: v for k, v in svc.items() if k != "capacities"}
        problems += _errors(validators["service"], core, where)
        if svc.get("id") in ids:
            problems.append(f"{where}/id: duplicate service id {svc.get('id')!r}")
        ids.add(svc.get("id"))
        if svc.get("organization_id") and svc["organization_id"] not in org_ids:
            problems.append(f"{where}/organization_id: no organization with id {svc['organization_id']!r}")
        for j, cap in enumerate(svc.get("capacities") or []):
            problems += _errors(validators["service_capacity"], cap, f"{where}/capacities/{j}")
        for j, area in enumerate(svc.get("service_areas") or []):
            if area.get("extent_type") == "geojson":
                try:
                    from shapely.geometry import shape

                    shape(json.loads(area.get("extent") or ""))
                except Exception as exc:
                    problems.append(f"{where}/service_areas/{j}/extent: not a GeoJSON geometry ({exc})")
    return problems


def as_directory_document(data: Any, *, time_zone: str | None = None,
                          name: str = "imported") -> dict[str, Any]:
    """Accept the shapes HSDS publishers use and return our document shape.

    - our document (`organizations` + `services`) is returned as is;
    - an HSDS API page of services (`{"contents": [...], "total_items": ...}`) or a bare list of
      compiled service records becomes a document; organizations nested in the services are lifted
      into `organizations` (and replaced by `organization_id`).
    `time_zone` sets (or overrides) the zone in which opening hours are read.
    """
    if isinstance(data, dict) and "services" in data:
        doc = dict(data)
    elif (isinstance(data, dict) and isinstance(data.get("contents"), list)) or isinstance(data, list):
        records = data["contents"] if isinstance(data, dict) else data
        orgs: dict[str, Any] = {}
        services = []
        for rec in records:
            rec = dict(rec) if isinstance(rec, dict) else rec
            if isinstance(rec, dict) and isinstance(rec.get("organization"), dict):
                org = rec.pop("organization")
                org_id = str(org.get("id"))
                orgs.setdefault(org_id, {k: v for k, v in org.items() if k != "services"})
                rec.setdefault("organization_id", org_id)
            services.append(rec)
        doc = {"format": FORMAT, "name": name, "hsds_version": "3.0", "organizations": list(orgs.values()),
               "services": services}
    else:
        raise BadInput("expected an HSDS directory: an object with services, an HSDS API page with contents, "
                       "or a list of service records")
    if time_zone is not None:
        doc["time_zone"] = time_zone
    return doc


def read_hsds_json(path: str | Path) -> dict[str, Any]:
    """Read a directory document (JSON) from a file, failing with the file name on bad input."""
    p = Path(path)
    if not p.exists():
        raise BadInput("file not found", file=str(p))
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise BadInput(f"not valid JSON: {exc.msg}", file=str(p), line=exc.lineno) from exc
    try:
        return as_directory_document(data, name=p.stem)
    except BadInput as exc:
        raise BadInput(str(exc), file=str(p)) from exc
