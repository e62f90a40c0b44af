"""The Baltimore protocol: loading, identity, each rule and screen, and the safety guarantees."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from altresponse.errors import BadInput, UnknownCode
from altresponse.protocol import (
    CallFacts,
    Protocol,
    decide,
    history_answers,
    load_protocol,
    normalize_mpds,
)
from altresponse.protocol.model import SAFETY_RANK, builtin_protocol_path
from altresponse.schema import PATHWAYS

CONTRACT_QUESTIONS = (
    "weapon", "violence_in_progress", "medical_emergency", "crime_in_progress", "imminent_self_harm",
    "risk_to_others", "insufficient_information", "under_18", "location_type", "intoxication",
)


@pytest.fixture(scope="module")
def proto() -> Protocol:
    return load_protocol("baltimore")


def clear(proto: Protocol, **over: str) -> dict[str, str]:
    """Answers of a call that passes every screen, with overrides."""
    answers = {q: "no" for q in proto.question_ids}
    answers["location_type"] = "public_space"
    answers.update(over)
    return answers


def test_questions_are_the_contract_ids_in_safety_order(proto: Protocol) -> None:
    assert proto.question_ids == CONTRACT_QUESTIONS
    places = ("public_space", "residence", "business", "school", "unknown")
    assert proto.question("location_type").values == places
    assert all(q.ask.endswith("?") and q.help for q in proto.questions)


def test_version_is_name_version_and_content_hash(proto: Protocol) -> None:
    assert proto.version == f"baltimore-1.0+{proto.content_hash[:8]}"
    assert len(proto.content_hash) == 64


def test_identity_ignores_layout_but_not_content(tmp_path: Path, proto: Protocol) -> None:
    text = builtin_protocol_path("baltimore").read_text(encoding="utf-8")
    relaid = tmp_path / "relaid.yaml"
    relaid_text = "# a comment\n" + yaml.safe_dump(yaml.safe_load(text), sort_keys=False)
    relaid.write_text(relaid_text, encoding="utf-8")
    assert load_protocol(relaid).content_hash == proto.content_hash
    changed = tmp_path / "changed.yaml"
    changed.write_text(text.replace("Welfare check with no safety concern", "Welfare check, no concern"),
                       encoding="utf-8")
    assert load_protocol(changed).content_hash != proto.content_hash


@pytest.mark.parametrize("code", ["25A01", "25A02", "25B03", "25-a-01", " 25 B 03 "])
def test_baltimore_pilot_codes_go_to_988(proto: Protocol, code: str) -> None:
    d = decide(proto, CallFacts("behavioral_crisis", "behavioral_health", code), clear(proto))
    assert (d.pathway, d.responder, d.rule_ids) == ("crisis_line_988", "crisis_line_988", ("BAL-988-PILOT",))
    assert d.fallbacks == ("behavioral_health_team", "co_response", "police")
    assert d.protocol_version == proto.version


def test_other_mpds_codes_are_not_the_pilot(proto: Protocol) -> None:
    d = decide(proto, CallFacts("behavioral_crisis", "behavioral_health", "25B04"), clear(proto))
    assert d.rule_ids == ("BH-CRISIS",)


@pytest.mark.parametrize(("over", "pathway", "fired"), [
    ({"weapon": "yes"}, "police", "G1-WEAPON.yes"),
    ({"weapon": "unknown"}, "co_response", "G1-WEAPON.unknown"),
    ({"violence_in_progress": "yes"}, "police", "G2-VIOLENCE.yes"),
    ({"medical_emergency": "yes"}, "ems", "G3-MEDICAL.yes"),
    ({"crime_in_progress": "yes"}, "police", "G4-CRIME.yes"),
    ({"imminent_self_harm": "yes"}, "co_response", "G5-SELF-HARM.yes"),
    ({"risk_to_others": "yes"}, "police", "G6-OTHERS.yes"),
    ({"insufficient_information": "yes"}, "co_response", "G7-INFO.yes"),
    ({"under_18": "yes"}, "co_response", "BAL-988-AGE.yes"),
    ({"under_18": "unknown"}, "co_response", "BAL-988-AGE.unknown"),
])
def test_pilot_exclusions(proto: Protocol, over: dict[str, str], pathway: str, fired: str) -> None:
    d = decide(proto, CallFacts("suicidal_ideation", "behavioral_health", "25A02"), clear(proto, **over))
    assert d.pathway == pathway
    assert d.rule_ids == ("BAL-988-PILOT", fired)
    assert len(d.reasons) == 2


def test_screens_are_asked_in_safety_order(proto: Protocol) -> None:
    d = decide(proto, CallFacts("welfare_check", "welfare_assist"),
               clear(proto, weapon="yes", medical_emergency="yes", insufficient_information="yes"))
    assert d.rule_ids == ("WELFARE-CHECK", "G1-WEAPON.yes")


@pytest.mark.parametrize(("ctype", "category", "over", "pathway", "responder", "rule"), [
    ("suicidal_ideation", "behavioral_health", {}, "crisis_line_988", "crisis_line_988", "BH-IDEATION"),
    ("suicidal_ideation", "behavioral_health", {"under_18": "yes"}, "behavioral_health_team",
     "youth_mobile_crisis", "BH-IDEATION"),
    ("behavioral_crisis", "behavioral_health", {}, "behavioral_health_team", "mobile_crisis_team",
     "BH-CRISIS"),
    ("behavioral_crisis", "behavioral_health", {"under_18": "unknown"}, "behavioral_health_team",
     "mobile_crisis_team", "BH-CRISIS"),
    ("welfare_check", "welfare_assist", {}, "community_responder", "community_responder_team",
     "WELFARE-CHECK"),
    ("intoxicated_person", "behavioral_health", {}, "community_responder", "community_responder_team",
     "INTOXICATED"),
    ("homeless_person", "welfare_assist", {}, "homeless_outreach", "homeless_outreach_team",
     "HOMELESS-OUTREACH"),
    ("homeless_person", "welfare_assist", {"location_type": "residence"}, "community_responder",
     "community_responder_team", "HOMELESS-OUTREACH"),
    ("verbal_dispute", "disorder_quality_of_life", {}, "community_responder", "community_responder_team",
     "DISPUTE-NOISE"),
    ("noise_complaint", "disorder_quality_of_life", {"intoxication": "yes"}, "co_response",
     "co_response_team", "DISPUTE-NOISE"),
    ("trespass", "disorder_quality_of_life", {}, "community_responder", "community_responder_team",
     "QOL-LOW-LEVEL"),
    ("indecent_exposure", "disorder_quality_of_life", {"location_type": "school"}, "police", "police_patrol",
     "QOL-LOW-LEVEL"),
    ("parking_complaint", "traffic", {}, "311_administrative", "city_311", "ADMIN-311"),
    ("overdose", "behavioral_health", {}, "ems", "ems_unit", "EMS-BH-MEDICAL"),
    ("missing_person", "welfare_assist", {}, "police", "police_patrol", "DEFAULT-POLICE"),
    ("cardiac_arrest", "medical", {}, "ems", "ems_unit", "MEDICAL"),
    ("structure_fire", "fire_hazard", {}, "fire", "fire_company", "FIRE"),
    ("shooting", "violent_crime", {}, "police", "police_patrol", "DEFAULT-POLICE"),
    ("unmapped", "unmapped", {}, "police", "police_patrol", "DEFAULT-POLICE"),
    ("no_such_type", "behavioral_health", {}, "co_response", "co_response_team", "BH-OTHER"),
])
def test_rules(proto: Protocol, ctype: str, category: str, over: dict[str, str], pathway: str,
               responder: str, rule: str) -> None:
    d = decide(proto, CallFacts(ctype, category), clear(proto, **over))
    assert (d.pathway, d.responder, d.rule_ids[0]) == (pathway, responder, rule)


def test_unanswered_call_never_goes_below_co_response(proto: Protocol) -> None:
    """Skipping every question sends every alternative type to a joint response or higher."""
    for rule in proto.rules:
        ctype = sorted(rule.common_types)[0] if rule.common_types else "x"
        cat = sorted(rule.categories)[0] if rule.categories else "other"
        mpds = sorted(rule.mpds_codes)[0] if rule.mpds_codes else None
        d = decide(proto, CallFacts(ctype, cat, mpds), {})
        assert SAFETY_RANK[d.pathway] >= SAFETY_RANK["co_response"], (rule.id, d)


def test_every_outcome_is_a_known_pathway_with_a_chain_to_emergency(proto: Protocol) -> None:
    for o in proto.outcomes:
        assert o.pathway in PATHWAYS
        assert o.responder
        if o.pathway not in ("police", "ems", "fire"):
            assert o.fallbacks and o.fallbacks[-1] in ("police", "ems", "fire")


def test_answers_are_normalized_or_rejected(proto: Protocol) -> None:
    call = CallFacts("welfare_check", "welfare_assist")
    assert decide(proto, call, clear(proto, weapon=" YES")).rule_ids[-1] == "G1-WEAPON.yes"
    assert decide(proto, call, clear(proto, weapon="")).rule_ids[-1] == "G1-WEAPON.unknown"
    with pytest.raises(UnknownCode, match="answer_weapon"):
        decide(proto, call, clear(proto, weapon="maybe"))
    # keys that are not questions are ignored
    assert decide(proto, call, {**clear(proto), "caller_mood": "calm"}).pathway == "community_responder"


def test_normalize_mpds() -> None:
    assert normalize_mpds("25-a-01") == "25A01"
    assert normalize_mpds(None) == ""


def test_history_scenarios(proto: Protocol) -> None:
    passed = history_answers(proto)
    assert set(passed) == set(CONTRACT_QUESTIONS)
    assert passed["weapon"] == "no"
    welfare = CallFacts("welfare_check", "welfare_assist")
    assert decide(proto, welfare, passed).pathway == "community_responder"
    unanswered = history_answers(proto, "unanswered")
    assert set(unanswered.values()) == {"unknown"}
    with pytest.raises(BadInput):
        history_answers(proto, "optimistic")


def _load_modified(tmp_path: Path, edit) -> Protocol:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(builtin_protocol_path("baltimore").read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return load_protocol(path)


def test_load_rejects_unsafe_unknown_routing(tmp_path: Path) -> None:
    def proceed_on_weapon(d):  # type: ignore[no-untyped-def]
        d["safety_screens"][0]["route"]["unknown"] = {"pathway": "proceed", "reason": "x"}

    with pytest.raises(BadInput, match="only an unknown answer to a context question"):
        _load_modified(tmp_path, proceed_on_weapon)


def test_load_rejects_downgrade_and_missing_unknown_and_no_catch_all(tmp_path: Path) -> None:
    def downgrade(d):  # type: ignore[no-untyped-def]
        d["safety_screens"][0]["route"]["yes"] = {"pathway": "311_administrative", "reason": "x"}

    with pytest.raises(BadInput, match="less protective"):
        _load_modified(tmp_path, downgrade)

    def no_unknown(d):  # type: ignore[no-untyped-def]
        del d["safety_screens"][1]["route"]["unknown"]

    with pytest.raises(BadInput, match="unknown answer goes"):
        _load_modified(tmp_path, no_unknown)

    def no_catch_all(d):  # type: ignore[no-untyped-def]
        d["rules"] = d["rules"][:-1]

    with pytest.raises(BadInput, match="last rule must match every call"):
        _load_modified(tmp_path, no_catch_all)

    def bad_pathway(d):  # type: ignore[no-untyped-def]
        d["rules"][3]["pathway"] = "drone"

    with pytest.raises(BadInput, match="unknown pathway 'drone'"):
        _load_modified(tmp_path, bad_pathway)


def test_load_missing_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="protocol not found"):
        load_protocol(tmp_path / "nope.yaml")


def test_protocol_type_ids_exist_in_the_taxonomy(proto: Protocol) -> None:
    taxonomy = pytest.importorskip("altresponse.taxonomy")
    if not hasattr(taxonomy, "load_catalogue"):
        pytest.skip("taxonomy catalogue not available")
    catalogue = taxonomy.load_catalogue()
    missing = sorted(proto.type_ids() - set(catalogue.types))
    assert not missing, f"protocol names type ids the catalogue lacks: {missing}"
    for rule in proto.rules:
        if rule.common_types and rule.categories:
            for t in rule.common_types:
                assert catalogue.types[t].category in rule.categories


def test_rule_cache_is_bounded() -> None:
    from altresponse.protocol import model

    proto = load_protocol("baltimore")
    for i in range(model._CACHE_LIMIT + 10):
        proto.rule_for(f"type_{i}", "other", f"code{i}")
    assert len(proto._rule_cache) <= model._CACHE_LIMIT
    assert len(proto._mpds_cache) <= model._CACHE_LIMIT
    assert proto.rule_for("welfare_check", "welfare_assist", None).id == "WELFARE-CHECK"


def test_every_catalogue_type_gets_a_pathway(proto: Protocol) -> None:
    taxonomy = pytest.importorskip("altresponse.taxonomy")
    if not hasattr(taxonomy, "load_catalogue"):
        pytest.skip("taxonomy catalogue not available")
    passed = history_answers(proto)
    routed: dict[str, str] = {}
    for tid, t in taxonomy.load_catalogue().types.items():
        d = decide(proto, CallFacts(tid, t.category), passed)
        assert d.pathway in PATHWAYS
        routed[tid] = d.pathway
        blind = decide(proto, CallFacts(tid, t.category), {})
        assert SAFETY_RANK[blind.pathway] >= SAFETY_RANK["co_response"], tid
    alternative = {t for t, p in routed.items() if SAFETY_RANK[p] < SAFETY_RANK["co_response"]}
    assert {"behavioral_crisis", "suicidal_ideation", "welfare_check", "intoxicated_person",
            "homeless_person", "verbal_dispute", "noise_complaint", "parking_complaint"} <= alternative
    assert routed["shooting"] == "police" and routed["cardiac_arrest"] == "ems"
