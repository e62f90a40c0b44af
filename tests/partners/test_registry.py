"""The registry: references checked, sources required, Baltimore's entries loadable and sourced."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from altresponse.errors import BadInput
from altresponse.partners.needs import NeedMap
from altresponse.partners.registry import UNCONFIRMED_LABEL, Registry
from altresponse.profile import load_profile
from altresponse.sources.partners.profile_inputs import load_crosswalk_311, load_registry
from altresponse.taxonomy import load_catalogue
from tests.partners.conftest import registry_data


def test_unknown_organization_fails_loudly() -> None:
    data = registry_data()
    data["initiatives"][0]["lead_agency"] = "nobody"
    with pytest.raises(BadInput, match="unknown organizations"):
        Registry.from_mapping(data)


def test_initiative_without_source_fails() -> None:
    data = copy.deepcopy(registry_data())
    data["initiatives"][0]["sources"] = []
    with pytest.raises(BadInput, match="at least one source"):
        Registry.from_mapping(data)


def test_unknown_need_fails(registry: Registry) -> None:
    with pytest.raises(BadInput, match="unknown needs"):
        registry.check_needs(["homelessness"])


def test_baltimore_registry() -> None:
    registry = load_registry(load_profile("baltimore"))
    kinds = {i.kind for i in registry.initiatives}
    assert {
        "violence_prevention",
        "crisis_response",
        "homelessness_services",
        "youth",
        "community_sites",
    } <= kinds
    assert all(i.sources for i in registry.initiatives)
    hsds = registry.to_hsds()
    assert len(hsds["services"]) == len(registry.initiatives)
    org_ids = {o["id"] for o in hsds["organizations"]}
    assert all(s["organization_id"] in org_ids for s in hsds["services"])
    marked = {s["x_initiative"]["registry_id"]: s["x_initiative"]["unconfirmed"] for s in hsds["services"]}
    assert marked["safe_streets"]["areas"] == UNCONFIRMED_LABEL
    assert any(i.coordinated_entry_access_point for i in registry.active())


def test_baltimore_registry_links_to_the_provider_directory() -> None:
    from altresponse.directory import load_directory

    directory = load_directory("baltimore")
    ids = {s.id for s in directory.services}
    registry = load_registry(load_profile("baltimore"))
    linked = [i.directory_service_id for i in registry.initiatives if i.directory_service_id]
    assert linked and set(linked) <= ids


def test_baltimore_311_crosswalk_is_valid_and_covers_the_vocabulary() -> None:
    crosswalk = load_crosswalk_311(load_profile("baltimore"))
    assert crosswalk is not None
    need_map = NeedMap.builtin()
    crosswalk.validate(need_map, list(load_catalogue().types))
    assert crosswalk.types_for_need("homelessness") == ["MOHS-Homeless Outreach"]
    assert crosswalk.need("  hcd-illegal   dumping ") == "sanitation_dumping"
    assert crosswalk.need("NOT A TYPE") == "unmapped"


@pytest.mark.shared
def test_baltimore_registry_is_valid_hsds(shared: Path) -> None:
    from altresponse.directory.hsds import validate_hsds

    registry = load_registry(load_profile("baltimore"))
    doc = registry.to_hsds()
    assert validate_hsds(doc, schema_root=shared / "standards") == []
    assert doc == registry.to_hsds(), "ids are stable from run to run"
    planned = [s for s in doc["services"] if s["x_initiative"]["status"] == "planned"]
    assert planned and all(s["status"] == "inactive" for s in planned)
