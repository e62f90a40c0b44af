"""Need against coverage: which initiatives cover each area x hour x need, where two overlap, where
none does, and which existing initiative each recommended call type should build on.

Pure: a demand grid (`NeedPicture.demand()` or any mapping (area, hour_of_week, need) -> demand
per year) and a `Registry` in, a `Harmonization` out. Every overlap, gap and recommendation says
which figures it rests on (`evidence`), so a plan can trace it to the data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from altresponse.partners.registry import Initiative, Registry
from altresponse.partners.serialize import plain

Role = Literal["responsible", "consulted", "informed"]
DEFAULT_EXCLUDED_KINDS = ("emergency_services",)
DESK_KINDS = ("city_services",)
Grid = Mapping[tuple[str, int, str], float]


@dataclass(frozen=True)
class CoverageCell:
    area: str
    hour_of_week: int
    need: str
    demand: float
    initiatives: tuple[str, ...]


@dataclass(frozen=True)
class Overlap:
    """Two initiatives covering the same need in the same places and hours: coordinate or merge referrals."""

    need: str
    initiatives: tuple[str, str]
    cells: int
    demand_per_year: float
    areas: tuple[str, ...]
    hours_of_week: tuple[int, ...]
    shared_channels: tuple[str, ...]
    recommendation: str
    evidence: str


@dataclass(frozen=True)
class Gap:
    """Demand for a need in an area, in hours no initiative covers: a gap to fund or extend into."""

    need: str
    area: str
    hours_of_week: tuple[int, ...]
    demand_per_year: float
    recommendation: str
    evidence: str


@dataclass(frozen=True)
class BuildOn:
    """The existing initiative a recommended call type should build on, and how much of its need it covers."""

    call_type: str
    need: str
    initiative_id: str | None
    takes_call_type: bool
    coverage_share: float
    reason: str
    evidence: str
    planned: tuple[str, ...] = ()


@dataclass(frozen=True)
class StakeholderRole:
    organization_id: str
    organization: str
    call_type: str
    role: Role
    via: tuple[str, ...]


@dataclass(frozen=True)
class Harmonization:
    coverage: tuple[CoverageCell, ...]
    overlaps: tuple[Overlap, ...]
    gaps: tuple[Gap, ...]
    build_on: tuple[BuildOn, ...]
    stakeholders: tuple[StakeholderRole, ...]
    engagement: tuple[dict[str, Any], ...]
    coverage_share_by_need: Mapping[str, float]
    needs: tuple[str, ...]
    initiatives_considered: tuple[str, ...]
    unlocated_demand_by_need: Mapping[str, float] = field(default_factory=dict)

    def to_dict(self, include_cells: bool = False, suppress_below: float = 0.0) -> dict[str, Any]:
        out = {
            "overlaps": plain(self.overlaps),
            "gaps": plain(self.gaps),
            "build_on": plain(self.build_on),
            "stakeholders": plain(self.stakeholders),
            "engagement": list(self.engagement),
            "coverage_share_by_need": plain(self.coverage_share_by_need),
            "needs": list(self.needs),
            "initiatives_considered": list(self.initiatives_considered),
            "unlocated_demand_by_need": plain(self.unlocated_demand_by_need),
        }
        if include_cells:
            out["coverage"] = [plain(c) for c in self.coverage if c.demand >= suppress_below]
        return out


def _area_norm(area: str) -> str:
    return " ".join(area.split()).upper()


def covering(initiatives: Iterable[Initiative], area: str, hour: int, need: str) -> tuple[str, ...]:
    """Ids of the initiatives that cover this need in this area at this hour of week."""
    return tuple(
        sorted(
            i.id for i in initiatives if need in i.needs and i.covers_area(area) and hour in i.hours_of_week()
        )
    )


def _hours_text(hours: Iterable[int]) -> str:
    hs = sorted(set(hours))
    return f"{len(hs)} of 168 weekly hours"


def harmonize(
    demand: Grid,
    registry: Registry,
    *,
    needs: Iterable[str] | None = None,
    recommended_types: Mapping[str, str] | None = None,
    call_type_demand: Mapping[str, float] | None = None,
    exclude_kinds: Iterable[str] = DEFAULT_EXCLUDED_KINDS,
    channel_kinds: Iterable[str] = DESK_KINDS,
    min_demand: float = 0.0,
    demand_source: str = "need grid",
    unknown_area: str = "unknown",
) -> Harmonization:
    """Coverage, overlaps, gaps, build-on choices and the stakeholder map.

    `recommended_types`: call type -> its need (e.g. the plan's recommended types);
    `call_type_demand`: their calls per year, for the evidence. Initiatives of `exclude_kinds`
    (police, fire, EMS) are the 911 baseline, not partners to harmonize, and are left out.
    """
    excluded = set(exclude_kinds)
    active = [i for i in registry.active() if i.kind not in excluded]
    intake_kinds = set(channel_kinds)
    considered = [i for i in active if i.kind not in intake_kinds]  # field services: what coverage means
    intake = [i for i in active if i.kind in intake_kinds]  # request lines: build-on only for their types
    scope = set(needs) if needs is not None else None
    cells = []
    unlocated: dict[str, float] = defaultdict(float)
    for (area, hour, need), value in sorted(demand.items()):
        if value <= min_demand or (scope is not None and need not in scope):
            continue
        if area == unknown_area:  # no place: neither a gap nor an overlap anyone could act on
            unlocated[need] += value
            continue
        cells.append(CoverageCell(area, hour, need, value, covering(considered, area, hour, need)))

    by_need_total: dict[str, float] = defaultdict(float)
    by_need_covered: dict[str, float] = defaultdict(float)
    pair_cells: dict[tuple[str, str, str], list[CoverageCell]] = defaultdict(list)
    gap_cells: dict[tuple[str, str], list[CoverageCell]] = defaultdict(list)
    for c in cells:
        by_need_total[c.need] += c.demand
        if c.initiatives:
            by_need_covered[c.need] += c.demand
        else:
            gap_cells[(c.need, c.area)].append(c)
        for i, a in enumerate(c.initiatives):
            for b in c.initiatives[i + 1 :]:
                pair_cells[(c.need, a, b)].append(c)

    index = {i.id: i for i in considered}
    overlaps = []
    for (need, a, b), group in sorted(pair_cells.items()):
        channels = sorted(
            {ch.channel for ch in index[a].referral_channels}
            & {ch.channel for ch in index[b].referral_channels}
        )
        total = sum(c.demand for c in group)
        areas = tuple(sorted({c.area for c in group}))
        hours = tuple(sorted({c.hour_of_week for c in group}))
        rec = (
            f"{index[a].name} and {index[b].name} both cover {need} in {len(areas)} area(s) over "
            f"{_hours_text(hours)}: agree who takes which referral"
            + (f", and merge their shared {', '.join(channels)} referral channel(s)" if channels else "")
        )
        overlaps.append(
            Overlap(
                need,
                (a, b),
                len(group),
                total,
                areas,
                hours,
                tuple(channels),
                rec,
                f"{demand_source}: {len(group)} area-hour cells, {total:.1f} demand/yr",
            )
        )

    gaps = []
    for (need, area), group in sorted(gap_cells.items()):
        total = sum(c.demand for c in group)
        hours = tuple(sorted(c.hour_of_week for c in group))
        gaps.append(
            Gap(
                need,
                area,
                hours,
                total,
                f"no active initiative covers {need} in {area} in {_hours_text(hours)}: fund or extend "
                f"a service there",
                f"{demand_source}: {len(group)} uncovered cells, {total:.1f} demand/yr",
            )
        )

    share = {n: (by_need_covered[n] / t if t else 0.0) for n, t in sorted(by_need_total.items())}
    build_on = []
    for call_type, need in sorted((recommended_types or {}).items()):
        planned = [i for i in registry.initiatives if i.status == "planned" and i.kind not in excluded]
        build_on.append(
            _build_on(
                call_type,
                need,
                considered + intake,
                cells,
                call_type_demand,
                demand_source,
                planned,
                intake_kinds,
            )
        )
    stakeholders = _stakeholders(registry, considered + intake, build_on)
    engagement = tuple(
        {
            "before_phase": s.before_phase,
            "step": s.step,
            "organizations": s.organizations,
            "organization_names": [registry.organization(o).name for o in s.organizations],
        }
        for s in sorted(registry.engagement, key=lambda s: s.before_phase)
    )
    return Harmonization(
        tuple(cells),
        tuple(overlaps),
        tuple(gaps),
        tuple(build_on),
        stakeholders,
        engagement,
        share,
        tuple(sorted(by_need_total)),
        tuple(sorted(index)),
        dict(sorted(unlocated.items())),
    )


def _build_on(
    call_type: str,
    need: str,
    considered: list[Initiative],
    cells: list[CoverageCell],
    call_type_demand: Mapping[str, float] | None,
    source: str,
    planned_initiatives: Iterable[Initiative] = (),
    channel_kinds: Iterable[str] = DESK_KINDS,
) -> BuildOn:
    need_cells = [c for c in cells if c.need == need]
    total = sum(c.demand for c in need_cells)
    # A request line (311) is something to build on only for the call types it already takes: it
    # takes complaints, it does not send anyone.
    channels = set(channel_kinds)
    candidates = [
        i for i in considered if need in i.needs and (i.kind not in channels or call_type in i.call_types)
    ]
    planned = tuple(sorted(i.id for i in planned_initiatives if need in i.needs))
    if not candidates:
        return BuildOn(
            call_type,
            need,
            None,
            False,
            0.0,
            f"no active field initiative covers {need}: the call type needs a new service"
            + (f" (planned: {', '.join(planned)})" if planned else ""),
            source,
            planned,
        )

    def covered(i: Initiative) -> float:
        return sum(c.demand for c in need_cells if i.id in c.initiatives)

    best = max(
        candidates, key=lambda i: (call_type in i.call_types, i.kind not in channels, covered(i), i.id)
    )
    share_value = covered(best) / total if total else 0.0
    takes = call_type in best.call_types
    volume = (call_type_demand or {}).get(call_type)
    if best.kind in channels:
        reason = (
            f"{best.name} already takes {call_type} as a request (an intake channel, not a field "
            f"response); no active field initiative takes it"
        )
    else:
        reason = (
            f"{best.name} {'already takes' if takes else 'covers the need of'} {call_type} and covers "
            f"{share_value:.0%} of {need} demand in the grid"
        )
    evidence = f"{source}: {total:.1f} {need} demand/yr" + (
        f"; {volume:.0f} {call_type} calls/yr" if volume else ""
    )
    return BuildOn(call_type, need, best.id, takes, share_value, reason, evidence, planned)


def _stakeholders(
    registry: Registry, considered: list[Initiative], build_on: list[BuildOn]
) -> tuple[StakeholderRole, ...]:
    out: list[StakeholderRole] = []
    for b in build_on:
        roles: dict[str, tuple[Role, set[str]]] = {}

        def give(org: str, role: Role, via: str, roles: dict[str, tuple[Role, set[str]]] = roles) -> None:
            rank = {"responsible": 0, "consulted": 1, "informed": 2}
            if org in roles and rank[roles[org][0]] <= rank[role]:
                roles[org][1].add(via)
                return
            roles[org] = (role, {via} | (roles[org][1] if org in roles else set()))

        if b.initiative_id is not None:
            lead = registry.initiative(b.initiative_id)
            give(lead.lead_agency, "responsible", lead.id)
            give(lead.organization_id, "responsible", lead.id)
            for p in lead.partners:
                give(p, "consulted", lead.id)
        for i in considered:
            if b.need in i.needs and i.id != b.initiative_id:
                give(i.organization_id, "consulted", i.id)
        for org in registry.always_informed:
            give(org, "informed", "always informed")
        for org, (role, via) in sorted(roles.items()):
            out.append(
                StakeholderRole(org, registry.organization(org).name, b.call_type, role, tuple(sorted(via)))
            )
    return tuple(out)
