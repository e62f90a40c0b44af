from __future__ import annotations

import pytest
import yaml

from altresponse.errors import BadInput
from altresponse.plan.peers import SCREEN_QUESTIONS, load_peers, peers_from_mapping

CONTRACT_TYPES = {
    "behavioral_crisis",
    "suicidal_ideation",
    "suicide_attempt",
    "intoxicated_person",
    "overdose",
    "welfare_check",
    "homeless_person",
    "missing_person",
    "assist_citizen",
    "noise_complaint",
    "verbal_dispute",
    "disorderly_person",
    "trespass",
    "panhandling",
    "indecent_exposure",
    "juvenile_disturbance",
    "loitering",
    "narcotics_complaint",
    "sick_person",
}
REQUIRED_PROGRAMS = {
    "cahoots",
    "denver_star",
    "nyc_bheard",
    "albuquerque_acs",
    "durham_heart",
    "oakland_macro",
    "portland_psr",
    "houston_ccd",
    "olympia_cru",
    "sf_scrt",
    "phoenix_cap",
    "baltimore_pilot",
}


def test_catalogue_covers_the_twelve_programs():
    cat = load_peers()
    assert {p.id for p in cat.programs} == REQUIRED_PROGRAMS


def test_every_figure_has_a_source_url_and_a_year():
    cat = load_peers()
    n = 0
    for p in cat.programs:
        assert p.source.startswith("http"), p.id
        for f in p.figures:
            n += 1
            assert f.source.startswith("http"), (p.id, f.key)
            assert 1989 <= f.year <= 2026, (p.id, f.key, f.year)
            assert f.unit and f.label
        for ev in p.evaluations:
            assert ev.source.startswith("http"), (p.id, ev.design)
    assert n >= 40
    # conflicting or secondary figures are flagged, not silently used
    assert any(f.unverified for p in cat.programs for f in p.figures)


def test_call_types_and_screens_use_contract_ids():
    cat = load_peers()
    for p in cat.programs:
        assert set(p.call_types) <= CONTRACT_TYPES, (p.id, set(p.call_types) - CONTRACT_TYPES)
        assert set(p.screen_out) <= set(SCREEN_QUESTIONS)
    prec = cat.precedent()
    assert prec["behavioral_crisis"] == 12
    assert prec["welfare_check"] >= 6


def test_a_figure_without_source_is_rejected():
    data = yaml.safe_load(
        """
programs:
  - {id: x, name: X, city: Y, start_year: 2020, call_types: [welfare_check], sources_main: "https://a",
     figures: [{key: k, value: 1, unit: calls, year: 2020}]}
"""
    )
    with pytest.raises(BadInput, match="source"):
        peers_from_mapping(data)


def test_unknown_screen_question_is_rejected():
    data = {
        "programs": [
            {
                "id": "x",
                "name": "X",
                "city": "Y",
                "start_year": 2020,
                "call_types": [],
                "sources_main": "https://a",
                "screen_out": ["gun"],
            }
        ]
    }
    with pytest.raises(BadInput, match="gun"):
        peers_from_mapping(data)
