from __future__ import annotations

import pytest

from altresponse.plan.selection import Candidate, normalize_weights, rank_candidates


def _c(t: str, calls: float, risk: float, peers: int = 3, **kw) -> Candidate:
    return Candidate(
        type_id=t,
        category="x",
        pathway=kw.pop("pathway", "community_responder"),
        annual_calls=calls,
        officer_hours=calls,
        risk=risk,
        risk_lo=risk * 0.8,
        risk_hi=risk * 1.2,
        peer_programs=peers,
        **kw,
    )


def test_dominant_type_ranks_first_under_every_draw():
    cands = [
        _c("best", 10000, 0.01, 10),
        _c("mid", 1000, 0.05, 5),
        _c("worst", 10, 0.2, 0),
        _c("low", 50, 0.1, 1),
    ]
    r = rank_candidates(cands, top_k=1, draws=300)
    assert r.rows[0].type_id == "best"
    assert r.row("best").top_k_share == 1.0
    assert r.row("best").rank_p95 == 1
    assert r.row("worst").rank_p5 >= 3
    assert [x.type_id for x in r.recommended()] == ["best"]


def test_risk_gate_and_pilot_are_never_recommended():
    cands = [
        _c("risky", 50000, 0.4),
        _c("pilot", 40000, 0.01, in_pilot=True),
        _c("ok", 100, 0.02),
        _c("police", 90000, 0.01, pathway="police"),
    ]
    r = rank_candidates(cands, top_k=3, max_risk=0.25, draws=100)
    assert [x.type_id for x in r.recommended()] == ["ok"]
    assert "tolerance" in r.row("risky").reason
    assert r.row("pilot").reason == "already in the pilot"
    # only types that could be chosen count toward "in the top k"
    assert r.row("pilot").top_k_share == 0.0 and r.row("risky").top_k_share == 0.0
    assert r.row("ok").top_k_share == 1.0


def test_sensitivity_tracks_weight_uncertainty():
    # volume favours a, risk favours b; with equal weights their order is uncertain
    cands = [_c("a", 10000, 0.10, 3), _c("b", 100, 0.01, 3), _c("c", 10, 0.3, 3)]
    tight = rank_candidates(cands, {"volume": 0.5, "risk": 0.5}, top_k=1, concentration=5000, draws=400)
    loose = rank_candidates(cands, {"volume": 0.5, "risk": 0.5}, top_k=1, concentration=2, draws=400)
    assert 0.0 < loose.row("a").top_k_share < 1.0
    spread_tight = tight.row("a").rank_p95 - tight.row("a").rank_p5
    spread_loose = loose.row("a").rank_p95 - loose.row("a").rank_p5
    assert spread_loose >= spread_tight


def test_missing_criterion_is_neutral_and_reported():
    cands = [
        Candidate("a", "x", "community_responder", annual_calls=10, peer_programs=1),
        Candidate("b", "x", "community_responder", annual_calls=1000, peer_programs=1),
    ]
    r = rank_candidates(cands, top_k=1, draws=100)
    assert "equity" in r.missing_criteria and "risk" in r.missing_criteria
    assert r.rows[0].type_id == "b"
    assert r.row("a").criterion_scores["equity"] == 0.5


def test_weights_are_validated():
    with pytest.raises(ValueError, match="unknown"):
        normalize_weights({"speed": 1})
    assert sum(normalize_weights({"volume": 2, "risk": 2}).values()) == pytest.approx(1.0)


def test_profile_plan_section_is_validated():
    from altresponse.errors import BadInput
    from altresponse.plan.config import plan_config
    from altresponse.profile import load_profile

    cfg = plan_config(load_profile("baltimore").section("plan"))
    assert cfg.pilot_types == ["suicidal_ideation"] and len(cfg.phases) == 3
    assert cfg.gates["phase1_exit"]  # defaults filled in
    with pytest.raises(BadInput, match="pilot_plus_top"):
        plan_config({"phases": [{"name": "x", "types": "everything"}]})
    with pytest.raises(BadInput, match="unknown criteria"):
        plan_config({"weights": {"speed": 1.0}})
