"""Coordinated entry: outreach demand is not zero where 311 carries it, and the pathway is complete."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest

from altresponse.partners.coordinated_entry import design_coordinated_entry, outreach_demand
from altresponse.partners.estimates import Estimate, clopper_pearson
from altresponse.partners.needs import Crosswalk311, NeedMap
from altresponse.partners.registry import Registry

CROSSWALK = Crosswalk311.from_csv_text(
    "request_type,need,common_type,absorbs_911\nOutreach,homelessness,homeless_person,yes\nPothole,city_service,,no\n",
    name="t",
)
T = datetime(2024, 1, 1, tzinfo=UTC)


def _calls(types: list[str]) -> pa.Table:
    return pa.table({"common_type": types, "category": ["disorder_quality_of_life"] * len(types)})


def _requests(types: list[str]) -> pa.Table:
    return pa.table(
        {"request_type": types, "created_utc": pa.array([T] * len(types), pa.timestamp("us", "UTC"))}
    )


def test_outreach_demand_from_311_when_911_has_no_code() -> None:
    volume = Estimate(100_000, 90_000, 110_000, "requests/year", "m", "slice")
    demand = outreach_demand(
        need_map=NeedMap.builtin(),
        crosswalk_311=CROSSWALK,
        requests_sample=_requests(["Outreach"] * 2 + ["Pothole"] * 998),
        annual_311_volume=volume,
        calls=_calls(["noise_complaint"] * 10),
        calls_years=1.0,
    )
    by_name = {c.name: c for c in demand.components}
    assert by_name["911 calls typed as homelessness"].estimate.value == 0
    low, high = clopper_pearson(2, 1000)
    assert by_name["311 requests typed as homelessness"].estimate.value == pytest.approx(200)
    assert by_name["311 requests typed as homelessness"].estimate.low == pytest.approx(90_000 * low)
    assert by_name["311 requests typed as homelessness"].estimate.high == pytest.approx(110_000 * high)
    assert demand.per_year.value == pytest.approx(200) and demand.per_year.low > 0
    assert any("no such code" in n for n in demand.notes)


def test_911_homelessness_calls_count() -> None:
    demand = outreach_demand(
        need_map=NeedMap.builtin(), calls=_calls(["homeless_person"] * 6 + ["x"]), calls_years=2.0
    )
    assert demand.per_year.value == pytest.approx(3.0)
    assert demand.per_year.low < 3.0 < demand.per_year.high


def test_design(registry: Registry) -> None:
    demand = outreach_demand(
        need_map=NeedMap.builtin(), crosswalk_311=CROSSWALK, requests_sample=_requests(["Outreach"] * 3)
    )
    design = design_coordinated_entry(
        registry,
        need_map=NeedMap.builtin(),
        demand=demand,
        crosswalk_311=CROSSWALK,
        local_911_codes={"NOISE": "noise_complaint"},
    )
    assert [p.initiative_id for p in design.access_points] == ["c"]
    assert design.access_points[0].weekly_hours == 2
    assert len(design.hours_without_access_point) == 166
    assert design.intake_311_types == ("Outreach",)
    assert design.intake_911_types == ("homeless_person",)
    assert design.intake_911_local_codes == ()
    assert any("No local 911 code" in n for n in design.notes)
    assert design.capacity.access_capacity_per_year == pytest.approx(2 * 365.25)
    assert design.capacity.outreach_demand_per_year == pytest.approx(3.0)
    assert design.workflow[0]["within"] == "24 hours" and design.measures
