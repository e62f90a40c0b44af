"""Everything the partner side knows, assembled once: the typed result a plan or report page reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from altresponse.partners.coordinated_entry import (
    CoordinatedEntryDesign,
    OutreachDemand,
    design_coordinated_entry,
    outreach_demand,
)
from altresponse.partners.harmonize import Harmonization, harmonize
from altresponse.partners.need import (
    CrisisLineDemand,
    HomelessnessPicture,
    NeedPicture,
    RequestScale,
    need_picture,
)
from altresponse.partners.needs import Crosswalk311, NeedMap
from altresponse.partners.registry import Registry
from altresponse.partners.serialize import plain


@dataclass(frozen=True)
class PartnerLandscape:
    need: NeedPicture
    harmonization: Harmonization
    outreach: OutreachDemand
    coordinated_entry: CoordinatedEntryDesign | None
    crisis_team_times: Any | None  # simulate.crisis_times.CrisisTeamTimes
    registry: Registry
    service_times_choice: str = "published"
    service_time_comparison: tuple[dict[str, Any], ...] = ()

    def to_dict(self, suppress_below: float = 0.0, include_cells: bool = False) -> dict[str, Any]:
        need = self.need.to_dict(suppress_below)
        if not include_cells:
            need.pop("cells")
        return {
            "need": need,
            "harmonization": self.harmonization.to_dict(include_cells, suppress_below),
            "outreach_demand": self.outreach.to_dict(),
            "coordinated_entry": None if self.coordinated_entry is None else self.coordinated_entry.to_dict(),
            "crisis_team_times": None if self.crisis_team_times is None else self.crisis_team_times.to_dict(),
            "service_times": {
                "choice": self.service_times_choice,
                "comparison": list(self.service_time_comparison),
            },
            "registry": {
                "city": self.registry.city,
                "version": self.registry.version,
                "initiatives": [plain(i.model_dump()) for i in self.registry.initiatives],
                "organizations": [plain(o.model_dump()) for o in self.registry.organizations],
            },
        }


def partner_landscape(
    *,
    registry: Registry,
    need_map: NeedMap,
    time_zone: str,
    category_of: Mapping[str, str],
    recommended_types: Sequence[str] = (),
    calls: pa.Table | None = None,
    requests: pa.Table | None = None,
    crosswalk_311: Crosswalk311 | None = None,
    request_scale: RequestScale | None = None,
    area_column: str = "district",
    crisis_line: CrisisLineDemand | None = None,
    homelessness: HomelessnessPicture | None = None,
    local_911_codes: Mapping[str, str] | None = None,
    crisis_team_times: Any | None = None,
    sources: Sequence[str] = (),
    service_times_choice: str = "published",
    service_time_comparison: Sequence[dict[str, Any]] = (),
) -> PartnerLandscape:
    """Need picture, harmonization, outreach demand and coordinated entry from the same inputs."""
    picture = need_picture(
        need_map=need_map,
        calls=calls,
        requests=requests,
        crosswalk_311=crosswalk_311,
        request_scale=request_scale,
        time_zone=time_zone,
        area_column=area_column,
        crisis_line=crisis_line,
        homelessness=homelessness,
        sources=sources,
    )
    types = {t: need_map.for_call(t, category_of.get(t)) for t in recommended_types}
    type_volume: dict[str, float] = {}
    if calls is not None and calls.num_rows and picture.calls_911_years:
        wanted = set(types)
        for t in calls.column("common_type").to_pylist():
            if t in wanted:
                type_volume[t] = type_volume.get(t, 0.0) + 1.0 / picture.calls_911_years
    harmonization = harmonize(
        picture.demand(),
        registry,
        needs=need_map.community_scope or None,
        recommended_types=types,
        call_type_demand=type_volume,
        demand_source="911 calls and 311 requests per year",
    )
    outreach = outreach_demand(
        need_map=need_map,
        crosswalk_311=crosswalk_311,
        requests_sample=requests,
        annual_311_volume=request_scale.annual_volume if request_scale else None,
        calls=calls,
        calls_years=picture.calls_911_years,
        homelessness=homelessness,
        source_311=", ".join(sorted(set(requests.column("source_file").to_pylist())))
        if requests is not None and requests.num_rows
        else "311 requests",
        source_911=", ".join(sorted(set(calls.column("source_file").to_pylist())))
        if calls is not None and calls.num_rows and "source_file" in calls.column_names
        else "911 calls",
    )
    ce = None
    if registry.coordinated_entry is not None:
        ce = design_coordinated_entry(
            registry,
            need_map=need_map,
            demand=outreach,
            crosswalk_311=crosswalk_311,
            homelessness=homelessness,
            local_911_codes=local_911_codes,
        )
    return PartnerLandscape(
        picture,
        harmonization,
        outreach,
        ce,
        crisis_team_times,
        registry,
        service_times_choice,
        tuple(service_time_comparison),
    )
