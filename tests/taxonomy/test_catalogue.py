"""The catalogue: valid categories, responders and APCO codes, and every id other modules rely on."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from altresponse import schema
from altresponse.errors import BadInput
from altresponse.taxonomy import UNMAPPED, Catalogue, load_catalogue

# Ids that the protocol, risk and analysis modules name, with the category they rely on.
REQUIRED_IDS = {
    "behavioral_health": ["behavioral_crisis", "suicidal_ideation", "suicide_attempt", "intoxicated_person"],
    "welfare_assist": ["welfare_check", "homeless_person", "missing_person", "assist_citizen"],
    "disorder_quality_of_life": ["noise_complaint", "verbal_dispute", "disorderly_person", "trespass",
                                 "panhandling", "indecent_exposure", "juvenile_disturbance", "loitering",
                                 "narcotics_complaint"],
    "violent_crime": ["assault", "armed_person", "shooting", "domestic_violence", "robbery", "homicide",
                      "sex_offense", "abuse_neglect"],
    "property_crime": ["burglary", "larceny", "auto_theft", "vandalism", "fraud"],
    "traffic": ["traffic_accident", "traffic_hazard", "parking_complaint", "disabled_vehicle",
                "traffic_stop"],
    "medical": ["medical_emergency", "cardiac_arrest", "sick_person", "fall", "injured_person"],
    "fire_hazard": ["structure_fire", "outside_fire", "hazmat", "fire_alarm"],
    "alarm": ["alarm_burglar", "alarm_other"],
    "administrative_no_voice": ["no_voice_911", "administrative", "follow_up", "warrant_service"],
    "officer_initiated_proactive": ["business_check", "directed_patrol", "field_interview",
                                    "investigation_proactive"],
    "officer_status": ["officer_status"],
    "other": ["other"],
}


def _apco_codes(shared: Path) -> set[str]:
    path = shared / "standards/eido-json/Schema/NIEMComponents/apco.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return set(map(str, doc["components"]["schemas"]["apcoIncidentCategoryCodeSimpleType"]["enum"]))


def test_catalogue_size_and_fields() -> None:
    cat = load_catalogue()
    assert 60 <= len(cat) <= 150
    for t in cat:
        assert t.category in schema.CATEGORIES
        assert t.responders and set(t.responders) <= set(schema.PATHWAYS)
        assert t.default_responder == t.responders[0]
        assert t.description and "\n" not in t.description
    assert UNMAPPED not in cat


def test_every_required_id_present_with_its_category() -> None:
    cat = load_catalogue()
    for category, ids in REQUIRED_IDS.items():
        for type_id in ids:
            assert cat.get(type_id).category == category, type_id
    assert cat.get("overdose").category in {"behavioral_health", "medical"}


def test_every_category_has_a_type() -> None:
    cat = load_catalogue()
    assert {t.category for t in cat} == set(schema.CATEGORIES)


@pytest.mark.shared
def test_apco_codes_exist_in_the_published_list(shared: Path) -> None:
    codes = _apco_codes(shared)
    assert len(codes) > 150
    cat = load_catalogue()
    used = [t.apco_code for t in cat if t.apco_code is not None]
    assert len(used) >= 60
    assert [c for c in used if c not in codes] == []


def test_bad_catalogues_fail_loudly() -> None:
    good = {"id": "a", "name": "A", "category": "other", "responders": ["police"], "description": "d"}
    Catalogue.from_records([good])
    with pytest.raises(BadInput, match="duplicate"):
        Catalogue.from_records([good, good])
    with pytest.raises(BadInput, match="category"):
        Catalogue.from_records([{**good, "category": "crime"}])
    with pytest.raises(BadInput, match="responders"):
        Catalogue.from_records([{**good, "responders": ["swat"]}])
    with pytest.raises(BadInput, match="reserved"):
        Catalogue.from_records([{**good, "id": UNMAPPED}])
    with pytest.raises(BadInput, match="unknown common incident type"):
        load_catalogue().get("no_such_type")


def test_officer_work_and_status_imply_their_origin() -> None:
    """Records that are an officer's own work or status are counted apart from community calls."""
    cat = load_catalogue()
    implied = cat.implied_origins()
    for type_id in ("traffic_stop", "business_check", "directed_patrol", "field_interview",
                    "investigation_proactive", "officer_status"):
        assert implied[type_id] == "officer_initiated", type_id
    assert cat.not_calls() == ["officer_status"]
    assert not cat.get("officer_status").is_call and cat.get("welfare_check").is_call
    assert cat.get("welfare_check").allows_alternative and not cat.get("assault").allows_alternative
