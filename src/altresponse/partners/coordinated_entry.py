"""The homelessness pathway end to end: intake, access points, capacity, referral and measures.

`outreach_demand` estimates how many contacts a year need a homeless-outreach response, from 911
calls whose type maps to homelessness and from 311 requests the city's 311 crosswalk maps there (so
demand is not zero where 911 has no homelessness code), each with an interval and its source.
`design_coordinated_entry` puts that beside the registry's coordinated-entry access points (areas,
hours, capacity), the PIT/HIC counts and the referral workflow the registry documents. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from altresponse.partners.estimates import Estimate, clopper_pearson, poisson_interval
from altresponse.partners.need import HomelessnessPicture
from altresponse.partners.needs import Crosswalk311, NeedMap
from altresponse.partners.registry import CITYWIDE, Registry
from altresponse.partners.serialize import plain

HOMELESSNESS = "homelessness"


@dataclass(frozen=True)
class DemandComponent:
    name: str
    rows_seen: int
    estimate: Estimate


@dataclass(frozen=True)
class OutreachDemand:
    """Contacts per year that need homeless outreach, by source, with intervals."""

    per_year: Estimate
    components: tuple[DemandComponent, ...]
    people_served_per_year: Estimate | None
    unsheltered_point_in_time: float | None
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return dict(plain(self))


def outreach_demand(
    *,
    need_map: NeedMap,
    crosswalk_311: Crosswalk311 | None = None,
    requests_sample: pa.Table | None = None,
    annual_311_volume: Estimate | None = None,
    calls: pa.Table | None = None,
    calls_years: float | None = None,
    homelessness: HomelessnessPicture | None = None,
    source_311: str = "311 requests",
    source_911: str = "911 calls",
) -> OutreachDemand:
    """Homeless-outreach demand per year: 911 component + 311 component (intervals added end to end)."""
    components: list[DemandComponent] = []
    notes: list[str] = []
    if calls is not None and calls.num_rows:
        needs = [
            need_map.for_call(t, c)
            for t, c in zip(
                calls.column("common_type").to_pylist(), calls.column("category").to_pylist(), strict=True
            )
        ]
        k = sum(1 for n in needs if n == HOMELESSNESS)
        years = calls_years or 1.0
        low, high = poisson_interval(k)
        components.append(
            DemandComponent(
                "911 calls typed as homelessness",
                k,
                Estimate(
                    k / years,
                    low / years,
                    high / years,
                    "contacts/year",
                    f"{k} calls over {years:.2f} years, exact Poisson interval",
                    source_911,
                ),
            )
        )
        if k == 0:
            notes.append(
                "No 911 call in the data maps to a homelessness type (the city's CAD has no such "
                "code), so 911 contributes nothing measurable; 311 and outreach referrals carry it."
            )
    if requests_sample is not None and requests_sample.num_rows and crosswalk_311 is not None:
        types = requests_sample.column("request_type").to_pylist()
        n = len(types)
        k = sum(1 for t in types if crosswalk_311.need(t) == HOMELESSNESS)
        p_low, p_high = clopper_pearson(k, n)
        if annual_311_volume is not None:
            est = Estimate(
                annual_311_volume.value * k / n,
                annual_311_volume.low * p_low,
                annual_311_volume.high * p_high,
                "contacts/year",
                f"{k} of {n} sampled 311 requests are homelessness types "
                f"({', '.join(crosswalk_311.types_for_need(HOMELESSNESS))}); share x annual 311 volume, "
                f"exact binomial interval on the share times the volume interval",
                f"{source_311}; volume: {annual_311_volume.source}",
            )
        else:
            low, high = poisson_interval(k)
            est = Estimate(
                float(k),
                low,
                high,
                "contacts/year",
                f"{k} requests, read as one year of data (exact Poisson)",
                source_311,
            )
        components.append(DemandComponent("311 requests typed as homelessness", k, est))
    if not components:
        notes.append("No 911 or 311 data given: outreach demand cannot be estimated.")
    total = Estimate(
        sum(c.estimate.value for c in components),
        sum(c.estimate.low for c in components),
        sum(c.estimate.high for c in components),
        "contacts/year",
        "sum of the components; the interval adds the component bounds (conservative)",
        "; ".join(c.estimate.source for c in components) or "none",
    )
    served = None
    if homelessness is not None and homelessness.persons_exiting_street_outreach:
        series = homelessness.persons_exiting_street_outreach
        recent = sorted(series)[-3:]
        values = [series[y] for y in recent]
        served = Estimate(
            values[-1],
            min(values),
            max(values),
            "people/year",
            f"HUD SPM 7a persons exiting street outreach, FY{recent[-1]} (range FY{recent[0]}-"
            f"FY{recent[-1]})",
            f"HUD System Performance Measures, {homelessness.coc_number}",
        )
        notes.append(
            "People served by street outreach (HUD SPM) measures the existing teams' caseload, "
            "not new contacts from 911 or 311; both belong in the outreach team's sizing."
        )
    return OutreachDemand(
        total, tuple(components), served, homelessness.unsheltered if homelessness else None, tuple(notes)
    )


@dataclass(frozen=True)
class AccessPoint:
    initiative_id: str
    name: str
    organization: str
    areas: tuple[str, ...]
    weekly_hours: int
    hours: tuple[str, ...]
    capacity_per_year: float | None
    capacity_note: str | None
    channels: tuple[str, ...]
    unconfirmed: tuple[str, ...]


@dataclass(frozen=True)
class CapacityCheck:
    pit_year: int | None
    people_homeless_point_in_time: float | None
    unsheltered_point_in_time: float | None
    beds_es_th_sh: float | None
    beds_psh: float | None
    beds_rrh: float | None
    access_capacity_per_year: float | None
    outreach_demand_per_year: float
    capacity_to_demand: float | None
    beds_per_homeless_person: float | None
    notes: tuple[str, ...]


@dataclass(frozen=True)
class CoordinatedEntryDesign:
    system: str
    lead_organization: str
    coc_number: str
    intake_911_types: tuple[str, ...]
    intake_911_local_codes: tuple[str, ...]
    intake_311_types: tuple[str, ...]
    access_points: tuple[AccessPoint, ...]
    hours_without_access_point: tuple[int, ...]
    capacity: CapacityCheck
    consent: str
    data_sent: tuple[str, ...]
    never_sent: tuple[str, ...]
    workflow: tuple[dict[str, Any], ...]
    measures: tuple[str, ...]
    demand: OutreachDemand
    sources: tuple[dict[str, Any], ...]
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return dict(plain(self))


def design_coordinated_entry(
    registry: Registry,
    *,
    need_map: NeedMap,
    demand: OutreachDemand,
    crosswalk_311: Crosswalk311 | None = None,
    homelessness: HomelessnessPicture | None = None,
    local_911_codes: Mapping[str, str] | None = None,
) -> CoordinatedEntryDesign:
    """The coordinated-entry pathway for this registry. `local_911_codes`: local code -> common type."""
    spec = registry.coordinated_entry
    if spec is None:
        from altresponse.errors import BadInput

        raise BadInput("the initiative registry has no `coordinated_entry` section")
    types_911 = tuple(sorted(t for t, n in need_map.by_common_type.items() if n == HOMELESSNESS))
    local_codes = tuple(sorted(code for code, t in (local_911_codes or {}).items() if t in types_911))
    notes = []
    if local_911_codes is not None and not local_codes:
        notes.append(
            "No local 911 code maps to a homelessness type: the city's 911 crosswalk cannot send calls "
            "to coordinated entry until call-takers have a code for it (see taxonomy)."
        )
    points = []
    hours_covered: set[int] = set()
    for ini in registry.active():
        if not ini.coordinated_entry_access_point:
            continue
        hours_covered |= ini.hours_of_week()
        points.append(
            AccessPoint(
                ini.id,
                ini.name,
                registry.organization(ini.organization_id).name,
                tuple("citywide" if a == CITYWIDE else a for a in ini.areas),
                len(ini.hours_of_week()),
                tuple(f"{','.join(h.days)} {h.opens}-{h.closes}" for h in ini.hours),
                ini.capacity.per_year() if ini.capacity else None,
                None
                if ini.capacity is None
                else f"{ini.capacity.amount:g} {ini.capacity.unit} per {ini.capacity.per}",
                tuple(c.channel for c in ini.referral_channels),
                tuple(ini.unconfirmed),
            )
        )
    capacity_total = sum(p.capacity_per_year for p in points if p.capacity_per_year is not None) or None
    cap_notes: list[str] = []
    if homelessness and homelessness.notes:
        cap_notes.extend(homelessness.notes)
    beds_ratio = None
    if homelessness and homelessness.overall and homelessness.beds_es_th_sh:
        beds_ratio = homelessness.beds_es_th_sh / homelessness.overall
        cap_notes.append(
            f"{homelessness.beds_es_th_sh:.0f} year-round ES/TH/SH beds ({homelessness.hic_year} HIC) for "
            f"{homelessness.overall:.0f} people counted ({homelessness.pit_year} PIT)."
        )
    capacity = CapacityCheck(
        homelessness.pit_year if homelessness else None,
        homelessness.overall if homelessness else None,
        homelessness.unsheltered if homelessness else None,
        homelessness.beds_es_th_sh if homelessness else None,
        homelessness.beds_psh if homelessness else None,
        homelessness.beds_rrh if homelessness else None,
        capacity_total,
        demand.per_year.value,
        (capacity_total / demand.per_year.value) if capacity_total and demand.per_year.value else None,
        beds_ratio,
        tuple(cap_notes),
    )
    return CoordinatedEntryDesign(
        system=spec.system,
        lead_organization=registry.organization(spec.lead_organization).name,
        coc_number=spec.coc_number,
        intake_911_types=types_911,
        intake_911_local_codes=local_codes,
        intake_311_types=tuple(crosswalk_311.types_for_need(HOMELESSNESS)) if crosswalk_311 else (),
        access_points=tuple(points),
        hours_without_access_point=tuple(h for h in range(168) if h not in hours_covered),
        capacity=capacity,
        consent=spec.consent,
        data_sent=tuple(spec.data_sent),
        never_sent=tuple(spec.never_sent),
        workflow=tuple(s.model_dump() for s in spec.workflow),
        measures=tuple(spec.measures),
        demand=demand,
        sources=tuple(s.model_dump() for s in spec.sources),
        notes=tuple(notes + list(demand.notes)),
    )
