"""The provider directory as plain objects, and `match()`: who can take this call, here, now.

A `Directory` is built from an HSDS document (`from_hsds_json`) and can be written back unchanged
(`to_hsds_json`). `match()` walks the decision's pathway and then its fallbacks, keeping the services
that cover the place, are open at that local time, take the call's type and have a team on duty; the
first pathway with any such service wins. A call is never left without a responder: if even the
directory's police entry is missing, the 911 police dispatch stands in, and the reasons say so.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from altresponse.builtins import builtin_path, resolve
from altresponse.directory.hsds import (
    ALL_TYPES,
    FORMAT,
    LINK_INCIDENT_TYPE,
    LINK_PATHWAY,
    LINK_RECORD_STATUS,
    LINK_RESPONDER,
    LINK_ROLE,
    as_directory_document,
    read_hsds_json,
)
from altresponse.errors import BadInput
from altresponse.protocol.model import EMERGENCY_PATHWAYS, Decision
from altresponse.schema import PATHWAYS

DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
LAST_RESORT_ID = "911-police-dispatch"


def _hhmm(text: str, where: str) -> time:
    try:
        hh, mm = text.strip()[:5].split(":")
        return time(int(hh), int(mm))
    except (ValueError, AttributeError) as exc:
        raise BadInput(f"{where}: expected a time as HH:MM, got {text!r}") from exc


@dataclass(frozen=True)
class Schedule:
    """Weekly opening hours: days (0 = Monday) and a local opening window, possibly past midnight."""

    days: frozenset[int]
    opens: time
    closes: time

    @classmethod
    def from_hsds(cls, rec: dict[str, Any], where: str) -> Schedule:
        byday = rec.get("byday") or ",".join(DAY_CODES)
        days = set()
        for code in str(byday).split(","):
            code = code.strip().upper()[-2:]
            if code not in DAY_CODES:
                raise BadInput(f"{where}.byday: unknown day {code!r} (expected MO..SU)")
            days.add(DAY_CODES.index(code))
        return cls(frozenset(days), _hhmm(rec.get("opens_at") or "00:00", f"{where}.opens_at"),
                   _hhmm(rec.get("closes_at") or "23:59", f"{where}.closes_at"))

    def open_at(self, local: datetime) -> bool:
        t = local.time().replace(second=0, microsecond=0)
        day = local.weekday()
        if self.opens < self.closes:  # same-day window; 23:59 closes at midnight
            end_ok = t <= self.closes if self.closes >= time(23, 59) else t < self.closes
            return day in self.days and self.opens <= t and end_ok
        # overnight (or 24 h when equal): today's shift from opens, or yesterday's shift until closes
        if day in self.days and t >= self.opens:
            return True
        return (day - 1) % 7 in self.days and t < self.closes


@dataclass
class Service:
    """One directory service, with the facts `match()` needs read out of its HSDS record."""

    id: str
    name: str
    organization: str
    pathway: str
    responder: str
    role: str
    common_types: frozenset[str]
    status: str
    schedules: tuple[Schedule, ...]
    areas: tuple[Any, ...]  # prepared shapely geometries; empty = no area limit
    area_names: tuple[str, ...]
    capacity_available: float | None
    capacity_maximum: float | None
    phone: str | None
    example: bool
    record: dict[str, Any] = field(repr=False)

    def takes(self, common_type: str) -> bool:
        return ALL_TYPES in self.common_types or common_type in self.common_types

    def covers(self, lon: float | None, lat: float | None) -> bool:
        if lon is None or lat is None or not self.areas:
            return True
        from shapely.geometry import Point

        pt = Point(lon, lat)
        return any(a.covers(pt) for a in self.areas)

    def open_at(self, local: datetime) -> bool:
        return not self.schedules or any(s.open_at(local) for s in self.schedules)

    @property
    def age_restricted(self) -> bool:
        return self.record.get("maximum_age") is not None or self.record.get("minimum_age") is not None

    def has_capacity(self) -> bool:
        """Capacity not tracked (police, EMS, fire) counts as available."""
        return self.capacity_available is None or self.capacity_available > 0

    @property
    def active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True)
class ServiceOption:
    """A service offered for a call, as shown to the call-taker or dispatcher."""

    service_id: str
    name: str
    organization: str
    pathway: str
    responder: str
    phone: str | None
    capacity_available: float | None
    example: bool

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Match:
    """Services that can take the call on the chosen pathway, plus follow-up referrals, and why."""

    options: list[ServiceOption]
    pathway: str
    fallback_used: bool
    reasons: tuple[str, ...]
    referrals: list[ServiceOption] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "pathway": self.pathway,
            "fallback_used": self.fallback_used,
            "reasons": list(self.reasons),
            "options": [o.to_dict() for o in self.options],
            "referrals": [o.to_dict() for o in self.referrals],
        }


def _terms(record: dict[str, Any], link_type: str) -> list[dict[str, Any]]:
    out = []
    for a in record.get("attributes") or []:
        if a.get("link_type") == link_type:
            out.append({**(a.get("taxonomy_term") or {}), "value": a.get("value")})
    return out


def _one_term(record: dict[str, Any], link_type: str, where: str) -> str:
    terms = _terms(record, link_type)
    if len(terms) != 1 or not terms[0].get("code"):
        raise BadInput(f"{where}: expected exactly one attribute with link_type {link_type!r} and a "
                        f"taxonomy_term "
                       f"code, found {len(terms)}")
    return str(terms[0]["code"])


def service_from_hsds(record: dict[str, Any], org_names: dict[str, str], where: str) -> Service:
    """Read one HSDS service record into a `Service` (fails loudly on missing routing attributes)."""
    from shapely import prepare
    from shapely.geometry import shape

    pathway = _one_term(record, LINK_PATHWAY, where)
    if pathway not in PATHWAYS:
        raise BadInput(f"{where}: pathway {pathway!r} is not one of {', '.join(PATHWAYS)}")
    areas, area_names = [], []
    for j, a in enumerate(record.get("service_areas") or []):
        if a.get("extent_type") != "geojson" or not a.get("extent"):
            continue
        try:
            geom = shape(json.loads(a["extent"]))
        except Exception as exc:
            raise BadInput(f"{where}.service_areas[{j}].extent: not a GeoJSON geometry ({exc})") from exc
        prepare(geom)
        areas.append(geom)
        area_names.append(str(a.get("name") or ""))
    caps = record.get("capacities") or []
    available = sum(float(c.get("available", 0)) for c in caps) if caps else None
    maximum = sum(float(c.get("maximum", 0) or 0) for c in caps) if caps else None
    phones = record.get("phones") or []
    return Service(
        id=str(record["id"]),
        name=str(record.get("name", "")),
        organization=org_names.get(str(record.get("organization_id")), ""),
        pathway=pathway,
        responder=_one_term(record, LINK_RESPONDER, where),
        role=(_terms(record, LINK_ROLE) or [{"code": "dispatch"}])[0].get("code") or "dispatch",
        common_types=frozenset(str(t["code"]) for t in _terms(record, LINK_INCIDENT_TYPE)),
        status=str(record.get("status", "active")),
        schedules=tuple(Schedule.from_hsds(s, f"{where}.schedules[{k}]")
                        for k, s in enumerate(record.get("schedules") or [])),
        areas=tuple(areas),
        area_names=tuple(area_names),
        capacity_available=available,
        capacity_maximum=maximum,
        phone=str(phones[0]["number"]) if phones else None,
        example=any(t.get("code") == "example" for t in _terms(record, LINK_RECORD_STATUS)),
        record=record,
    )


@dataclass
class Directory:
    """Providers as HSDS records plus the parsed services `match()` ranks."""

    name: str
    time_zone: str
    services: list[Service]
    document: dict[str, Any] = field(repr=False)

    @classmethod
    def from_hsds_json(cls, document: Any, *, source: str = "<directory>",
                       time_zone: str | None = None) -> Directory:
        """Build from our document, an HSDS API page of services, or a list of HSDS service records."""
        try:
            document = as_directory_document(document, time_zone=time_zone)
        except BadInput as exc:
            raise BadInput(str(exc), file=source) from exc
        if document.get("format", FORMAT) != FORMAT:
            raise BadInput(f"expected format {FORMAT!r}, got {document.get('format')!r}", file=source)
        orgs = {str(o.get("id")): str(o.get("name", "")) for o in document.get("organizations") or []}
        services = [service_from_hsds(s, orgs, f"{source}: services[{i}]")
                    for i, s in enumerate(document.get("services") or [])]
        tz = str(document.get("time_zone") or "UTC")
        try:
            ZoneInfo(tz)
        except Exception as exc:
            raise BadInput(f"unknown time zone {tz!r}", file=source) from exc
        return cls(str(document.get("name", "directory")), tz, services, copy.deepcopy(document))

    def to_hsds_json(self) -> dict[str, Any]:
        """The HSDS document (organizations, services with schedules, areas, attributes, capacities)."""
        doc = copy.deepcopy(self.document)
        by_id = {s.id: s for s in self.services}
        for rec in doc.get("services") or []:
            svc = by_id.get(str(rec.get("id")))
            if svc is not None and svc.capacity_available is not None and rec.get("capacities"):
                rec["capacities"][0]["available"] = svc.capacity_available - sum(
                    float(c.get("available", 0)) for c in rec["capacities"][1:])
        return doc

    def services_for(self, common_type: str) -> list[Service]:
        """Active services that take this common incident type (any pathway), by name."""
        return sorted((s for s in self.services if s.active and s.takes(common_type)), key=lambda s: s.name)

    def service(self, service_id: str) -> Service:
        for s in self.services:
            if s.id == service_id:
                return s
        raise KeyError(service_id)

    def with_capacity(self, service_id: str, available: float) -> Directory:
        """A copy with one service's teams on duty changed (live capacity updates)."""
        services = []
        for s in self.services:
            if s.id == service_id:
                s = copy.copy(s)
                s.capacity_available = float(available)
            services.append(s)
        if not any(s.id == service_id for s in self.services):
            raise KeyError(service_id)
        return Directory(self.name, self.time_zone, services, self.document)

    def local_time(self, when: datetime) -> datetime:
        tz = ZoneInfo(self.time_zone)
        return when.replace(tzinfo=tz) if when.tzinfo is None else when.astimezone(tz)


def builtin_directory_path(name: str) -> Path:
    return builtin_path("altresponse.directory", name, ".json")


def load_directory(name: str | Path) -> Directory:
    """Load a directory by built-in name (``baltimore``) or from an HSDS JSON file."""
    path = resolve(name, package="altresponse.directory", suffixes=(".json",), kind="directory")
    return Directory.from_hsds_json(read_hsds_json(path), source=str(path))


def _option(s: Service) -> ServiceOption:
    return ServiceOption(s.id, s.name, s.organization, s.pathway, s.responder, s.phone, s.capacity_available,
                         s.example)


def _why_not(candidates: Iterable[Service], common_type: str, lon: float | None, lat: float | None,
             local: datetime) -> str:
    why = []
    for s in candidates:
        if not s.active:
            why.append(f"{s.name} is {s.status}")
        elif not s.takes(common_type):
            why.append(f"{s.name} does not take {common_type}")
        elif not s.covers(lon, lat):
            why.append(f"{s.name} does not cover this place")
        elif not s.open_at(local):
            why.append(f"{s.name} is closed at {local:%a %H:%M}")
        elif not s.has_capacity():
            why.append(f"{s.name} has no team on duty")
    return "; ".join(why) if why else "no service in the directory"


def match(directory: Directory, decision: Decision, lon: float | None, lat: float | None, when: datetime,
          common_type: str) -> Match:
    """Rank the services that can take this call now, falling back along the decision's fallbacks."""
    local = directory.local_time(when)
    chain = [decision.pathway, *decision.fallbacks]
    if chain[-1] not in EMERGENCY_PATHWAYS:
        chain.append("police")
    reasons: list[str] = []
    if lon is None or lat is None:
        reasons.append("Location not given: service areas not checked")
    dispatchable = [s for s in directory.services if s.role == "dispatch"]
    referrals = [_option(s) for s in directory.services
                 if s.role == "referral" and s.active and s.takes(common_type) and s.covers(lon, lat)]
    for i, pathway in enumerate(chain):
        # The protocol knows the caller's age and names an age-specific responder; match does not, so
        # age-restricted services are offered only when the decision named their responder.
        candidates = [s for s in dispatchable if s.pathway == pathway
                      and (not s.age_restricted or s.responder == decision.responder)]
        ok = [s for s in candidates if s.active and s.takes(common_type) and s.covers(lon, lat)
              and s.open_at(local) and s.has_capacity()]
        if ok:
            ok.sort(key=lambda s: (s.responder != decision.responder, -(s.capacity_available or 0)
                                   if s.capacity_available is not None else -1e9, s.name))
            if i > 0:
                reasons.append(f"Fallback to {pathway}")
            else:
                reasons.append(f"{len(ok)} {pathway} service(s) can take the call")
            return Match([_option(s) for s in ok], pathway, i > 0, tuple(reasons), referrals)
        nxt = chain[i + 1] if i + 1 < len(chain) else "911 police dispatch"
        reasons.append(f"No {pathway} service can take the call now "
                       f"({_why_not(candidates, common_type, lon, lat, local)}): trying {nxt}")
    last = ServiceOption(LAST_RESORT_ID, "911 police dispatch", "", "police", "police_patrol", "911", None,
                         False)
    reasons.append("No directory service available: 911 police dispatch responds")
    return Match([last], "police", True, tuple(reasons), referrals)
