"""Harmonization on a hand-made area x hour x need grid: overlaps and gaps found exactly."""

from __future__ import annotations

import pytest

from altresponse.partners.harmonize import covering, harmonize
from altresponse.partners.registry import Hours, Registry

MO, TU = 0, 24
GRID = {
    ("NORTH", MO + 12, "behavioral_health"): 5.0,  # a and b
    ("NORTH", MO + 13, "behavioral_health"): 3.0,  # a and b
    ("SOUTH", MO + 12, "behavioral_health"): 2.0,  # a only
    ("NORTH", TU + 6, "behavioral_health"): 4.0,  # nobody (a works Mondays)
    ("SOUTH", TU + 8, "homelessness"): 1.0,  # c
    ("NORTH", TU + 8, "homelessness"): 6.0,  # nobody: c serves South
    ("SOUTH", TU + 16, "homelessness"): 2.0,  # nobody: c closes at 10:00
    ("SOUTH", TU + 17, "homelessness"): 0.0,  # no demand: not a gap
    ("NORTH", MO + 12, "medical"): 9.0,  # out of scope
    ("unknown", TU + 6, "homelessness"): 7.0,  # no place: reported apart, never a gap
}


def test_overlaps_and_gaps_exactly(registry: Registry) -> None:
    result = harmonize(GRID, registry, needs=["behavioral_health", "homelessness"])
    assert [
        (o.need, o.initiatives, o.cells, o.demand_per_year, o.areas, o.hours_of_week, o.shared_channels)
        for o in result.overlaps
    ] == [("behavioral_health", ("a", "b"), 2, 8.0, ("NORTH",), (12, 13), ("988",))]
    assert [(g.need, g.area, g.hours_of_week, g.demand_per_year) for g in result.gaps] == [
        ("behavioral_health", "NORTH", (30,), 4.0),
        ("homelessness", "NORTH", (32,), 6.0),
        ("homelessness", "SOUTH", (40,), 2.0),
    ]
    assert result.coverage_share_by_need == pytest.approx(
        {"behavioral_health": 10 / 14, "homelessness": 1 / 9}
    )
    # police (911 baseline) and the planned initiative never count as coverage
    assert result.initiatives_considered == ("a", "b", "c")
    assert all("d" not in c.initiatives and "e" not in c.initiatives for c in result.coverage)


def test_excluding_nothing_closes_the_gaps(registry: Registry) -> None:
    result = harmonize(GRID, registry, needs=["behavioral_health", "homelessness"], exclude_kinds=())
    assert result.gaps == ()
    assert ("behavioral_health", ("a", "d")) in {(o.need, o.initiatives) for o in result.overlaps}


def test_build_on_and_stakeholders(registry: Registry) -> None:
    result = harmonize(
        GRID,
        registry,
        needs=["behavioral_health", "homelessness"],
        recommended_types={"suicidal_ideation": "behavioral_health", "noise_complaint": "disorder_noise"},
        call_type_demand={"suicidal_ideation": 120.0},
    )
    by_type = {b.call_type: b for b in result.build_on}
    assert by_type["suicidal_ideation"].initiative_id == "a"
    assert by_type["suicidal_ideation"].takes_call_type
    assert by_type["suicidal_ideation"].coverage_share == pytest.approx(10 / 14)
    assert "120 suicidal_ideation calls/yr" in by_type["suicidal_ideation"].evidence
    assert by_type["noise_complaint"].initiative_id is None
    assert by_type["noise_complaint"].planned == ()
    roles = {(s.organization_id, s.role) for s in result.stakeholders if s.call_type == "suicidal_ideation"}
    assert roles == {
        ("org_a", "responsible"),
        ("org_b", "consulted"),
        ("org_c", "consulted"),
        ("dispatch", "informed"),
    }
    assert [e["before_phase"] for e in result.engagement] == [1, 2]


def test_a_request_line_is_built_on_only_for_types_it_takes(registry: Registry) -> None:
    from altresponse.partners.registry import Registry as R
    from tests.partners.conftest import initiative, registry_data

    data = registry_data()
    data["initiatives"].append(
        initiative("line", "org_c", ["homelessness"], ["*"], [{}], kind="city_services", call_types=["x"])
    )
    reg = R.from_mapping(data)
    result = harmonize(
        GRID,
        reg,
        needs=["behavioral_health", "homelessness"],  # with the a-b overlap
        recommended_types={"homeless_person": "homelessness", "x": "homelessness"},
    )
    by_type = {b.call_type: b for b in result.build_on}
    assert by_type["homeless_person"].initiative_id == "c"  # the field team, not the line
    assert by_type["x"].initiative_id == "line" and by_type["x"].takes_call_type
    assert "intake channel" in by_type["x"].reason
    # a request line is not coverage: the homelessness gaps stay
    assert {(g.area, g.hours_of_week) for g in result.gaps if g.need == "homelessness"} == {
        ("NORTH", (32,)),
        ("SOUTH", (40,)),
    }
    assert by_type["homeless_person"].planned == ("e",)


def test_hours_past_midnight_and_all_day() -> None:
    assert Hours(days=["SU"], opens="22:00", closes="02:00").hours_of_week() == frozenset({166, 167, 0, 1})
    assert len(Hours().hours_of_week()) == 168
    assert Hours(days=["MO"], opens="08:30", closes="09:15").hours_of_week() == frozenset({8, 9})


def test_covering_is_case_insensitive_on_areas(registry: Registry) -> None:
    assert covering(registry.active(), "north", 12, "behavioral_health") == ("a", "b", "d")
    assert covering(registry.active(), "SOUTH", 12, "behavioral_health") == ("a", "d")
