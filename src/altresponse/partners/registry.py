"""Initiatives and partner organizations as data: what each does, for whom, where, when, how much.

A registry is an HSDS-shaped list of organizations and services (`to_hsds()`), with the initiative
fields HSDS lacks (needs and call types covered, capacity, funding, lead agency, referral channels,
coordinated-entry role) kept as the documented `x_initiative` extension (docs/partners.md). Each
fact carries its sources; a field named in `unconfirmed` is an example to confirm with the
organization and is shown as such. Built from a mapping (`Registry.from_mapping`); the edge reads
the YAML file the profile names.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from altresponse.errors import BadInput

DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
CITYWIDE = "*"
UNCONFIRMED_LABEL = "example — confirm with the organization"
InitiativeKind = Literal[
    "violence_prevention",
    "crisis_response",
    "behavioral_health",
    "homelessness_services",
    "youth",
    "community_sites",
    "emergency_services",
    "city_services",
]
Channel = Literal["911", "311", "988", "outreach", "walk_in", "provider", "other", "phone", "web"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceRef(_Strict):
    """Where a fact comes from: a published page or a data file."""

    title: str
    url: str | None = None
    note: str | None = None


def _hhmm(text: str) -> time:
    if text == "24:00":
        return time(23, 59, 59)
    hh, mm = text.split(":")
    return time(int(hh), int(mm))


class Hours(_Strict):
    """Weekly opening hours; `closes` at or before `opens` runs past midnight; 00:00-24:00 is all day."""

    days: list[str] = Field(default_factory=lambda: list(DAY_CODES))
    opens: str = "00:00"
    closes: str = "24:00"

    @field_validator("days")
    @classmethod
    def _days(cls, v: list[str]) -> list[str]:
        bad = [d for d in v if d not in DAY_CODES]
        if bad:
            raise ValueError(f"unknown day codes {bad}; expected {DAY_CODES}")
        return v

    @field_validator("opens", "closes")
    @classmethod
    def _time(cls, v: str) -> str:
        try:
            _hhmm(v)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"expected HH:MM, got {v!r}") from exc
        return v

    def hours_of_week(self) -> frozenset[int]:
        """The local hours of week (0 = Monday 00:00) at least partly inside these hours."""
        opens, closes = _hhmm(self.opens), _hhmm(self.closes)
        start_h = opens.hour
        if self.closes == "24:00":
            length = 24 - start_h
        else:
            end_h = closes.hour + (1 if closes.minute else 0)
            length = end_h - start_h if end_h > start_h else 24 - start_h + end_h
        out: set[int] = set()
        for day in self.days:
            base = DAY_CODES.index(day) * 24 + start_h
            out.update((base + i) % 168 for i in range(length))
        return frozenset(out)


class Capacity(_Strict):
    amount: float
    unit: str
    per: Literal["day", "week", "month", "year", "on_duty", "total"]
    note: str | None = None

    def per_year(self) -> float | None:
        factor = {"day": 365.25, "week": 52.18, "month": 12, "year": 1}.get(self.per)
        return None if factor is None else self.amount * factor


class ReferralChannel(_Strict):
    channel: Channel
    how: str


class Organization(_Strict):
    id: str
    name: str
    kind: Literal["government", "nonprofit", "health_system", "partnership", "other"]
    description: str
    url: str | None = None
    directory_id: str | None = None
    sources: list[SourceRef] = Field(default_factory=list)
    unconfirmed: list[str] = Field(default_factory=list)


class Initiative(_Strict):
    """One program or service: the unit that covers needs in areas and hours."""

    id: str
    name: str
    organization_id: str
    kind: InitiativeKind
    description: str
    serves: str
    needs: list[str]
    call_types: list[str] = Field(default_factory=list)
    areas: list[str] = Field(default_factory=lambda: [CITYWIDE])
    hours: list[Hours] = Field(default_factory=lambda: [Hours()])
    capacity: Capacity | None = None
    funding: list[str] = Field(default_factory=list)
    lead_agency: str
    partners: list[str] = Field(default_factory=list)
    referral_channels: list[ReferralChannel] = Field(default_factory=list)
    coordinated_entry_access_point: bool = False
    status: Literal["active", "planned", "inactive"] = "active"
    directory_service_id: str | None = None
    sources: list[SourceRef] = Field(default_factory=list)
    unconfirmed: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unconfirmed_are_fields(self) -> Initiative:
        bad = [f for f in self.unconfirmed if f not in type(self).model_fields]
        if bad:
            raise ValueError(f"initiative {self.id}: `unconfirmed` names unknown fields {bad}")
        if not self.sources:
            raise ValueError(f"initiative {self.id}: every initiative needs at least one source")
        return self

    def hours_of_week(self) -> frozenset[int]:
        out: set[int] = set()
        for h in self.hours:
            out |= h.hours_of_week()
        return frozenset(out)

    def covers_area(self, area: str) -> bool:
        keys = {" ".join(a.split()).upper() for a in self.areas}
        return CITYWIDE in self.areas or " ".join(area.split()).upper() in keys

    def is_confirmed(self, field_name: str) -> bool:
        return field_name not in self.unconfirmed


class ReferralStep(_Strict):
    step: str
    who: str
    sends: list[str] = Field(default_factory=list)
    within: str | None = None


class CoordinatedEntrySpec(_Strict):
    """How contacts reach the homelessness coordinated-entry system (city-specific, with sources)."""

    system: str
    lead_organization: str
    coc_number: str
    consent: str
    data_sent: list[str]
    never_sent: list[str]
    workflow: list[ReferralStep]
    measures: list[str]
    sources: list[SourceRef]
    unconfirmed: list[str] = Field(default_factory=list)


class EngagementStep(_Strict):
    before_phase: int
    organizations: list[str]
    step: str


class Registry(_Strict):
    """A city's initiatives and partner organizations."""

    city: str
    version: str
    organizations: list[Organization]
    initiatives: list[Initiative]
    always_informed: list[str] = Field(default_factory=list)
    coordinated_entry: CoordinatedEntrySpec | None = None
    engagement: list[EngagementStep] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> Registry:
        orgs = {o.id for o in self.organizations}
        ids = [i.id for i in self.initiatives]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"initiative ids repeat: {dup}")
        for ini in self.initiatives:
            missing = sorted({ini.organization_id, ini.lead_agency, *ini.partners} - orgs)
            if missing:
                raise ValueError(f"initiative {ini.id} names unknown organizations {missing}")
        for step in self.engagement:
            missing = sorted(set(step.organizations) - orgs)
            if missing:
                raise ValueError(f"engagement step {step.step!r} names unknown organizations {missing}")
        missing = sorted(set(self.always_informed) - orgs)
        if missing:
            raise ValueError(f"always_informed names unknown organizations {missing}")
        if self.coordinated_entry and self.coordinated_entry.lead_organization not in orgs:
            raise ValueError("coordinated_entry.lead_organization is not a registry organization")
        return self

    def organization(self, org_id: str) -> Organization:
        for o in self.organizations:
            if o.id == org_id:
                return o
        raise KeyError(org_id)

    def initiative(self, initiative_id: str) -> Initiative:
        for i in self.initiatives:
            if i.id == initiative_id:
                return i
        raise KeyError(initiative_id)

    def active(self) -> list[Initiative]:
        return [i for i in self.initiatives if i.status == "active"]

    def check_needs(self, known_needs: Iterable[str], known_types: Iterable[str] | None = None) -> Registry:
        """Fail loudly on a need or call type the vocabularies do not have."""
        needs, types = set(known_needs), set(known_types) if known_types is not None else None
        for ini in self.initiatives:
            bad = sorted(set(ini.needs) - needs)
            if bad:
                raise BadInput(f"registry initiative {ini.id}: unknown needs {bad}")
            if types is not None:
                bad = sorted(set(ini.call_types) - types)
                if bad:
                    raise BadInput(f"registry initiative {ini.id}: unknown call types {bad}")
        return self

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], file: str | None = None) -> Registry:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise BadInput(
                f"initiative registry does not match the expected fields: {exc}", file=file
            ) from exc

    def to_hsds(self) -> dict[str, Any]:
        """HSDS 3 organizations and services; initiative fields HSDS lacks go in `x_initiative`.

        Records that match the provider directory keep its ids; the others get stable UUIDs derived
        from the city and the registry id, so the document is the same on every run.
        """

        def uid(*parts: str) -> str:
            return str(
                uuid.uuid5(uuid.NAMESPACE_URL, "altresponse:registry:" + ":".join((self.city, *parts)))
            )

        orgs = [
            {
                "id": o.directory_id or uid("organization", o.id),
                "name": o.name,
                "description": o.description,
                "website": o.url,
                "x_initiative": {"registry_id": o.id, "kind": o.kind, "unconfirmed": o.unconfirmed},
            }
            for o in self.organizations
        ]
        for org in orgs:
            if org["website"] is None:
                del org["website"]
        org_ids = {o.id: (o.directory_id or uid("organization", o.id)) for o in self.organizations}
        services = []
        for i in self.initiatives:
            services.append(
                {
                    "id": i.directory_service_id or uid("service", i.id),
                    "organization_id": org_ids[i.organization_id],
                    "name": i.name,
                    "description": i.description,
                    "status": "active" if i.status == "active" else "inactive",
                    "service_areas": [
                        {"id": uid("area", i.id, a), "name": "citywide" if a == CITYWIDE else a}
                        for a in i.areas
                    ],
                    "schedules": [
                        {
                            "id": uid("schedule", i.id, str(n)),
                            "byday": ",".join(h.days),
                            "opens_at": h.opens,
                            "closes_at": h.closes,
                        }
                        for n, h in enumerate(i.hours)
                    ],
                    "x_initiative": {
                        "registry_id": i.id,
                        "status": i.status,
                        "kind": i.kind,
                        "serves": i.serves,
                        "needs": i.needs,
                        "call_types": i.call_types,
                        "capacity": None if i.capacity is None else i.capacity.model_dump(),
                        "funding": i.funding,
                        "lead_agency": i.lead_agency,
                        "partners": i.partners,
                        "referral_channels": [c.model_dump() for c in i.referral_channels],
                        "coordinated_entry_access_point": i.coordinated_entry_access_point,
                        "sources": [s.model_dump() for s in i.sources],
                        "unconfirmed": {f: UNCONFIRMED_LABEL for f in i.unconfirmed},
                    },
                }
            )
        return {"organizations": orgs, "services": services}
