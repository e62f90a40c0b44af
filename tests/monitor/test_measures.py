"""Measures on hand-built facts equal hand counts; a fallback to co-response is never a diversion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from altresponse.monitor.facts import AreaProfile, CallFact
from altresponse.monitor.intervals import percentile, share
from altresponse.monitor.measures import CadCall, compute_measures, repeat_flags

T0 = datetime(2027, 1, 5, 12, tzinfo=UTC)


def fact(i: int, decided: str, actual: str | None, **kw: object) -> CallFact:
    base: dict[str, object] = dict(
        decision_id=i,
        decided_at=T0 + timedelta(hours=i),
        decided_pathway=decided,
        common_type="welfare_check",
        area="A",
    )
    base.update(kw)
    return CallFact(actual_pathway=actual, **base)  # type: ignore[arg-type]


def hand_built() -> list[CallFact]:
    return [
        # 1-3: community responder went, no backup: diverted
        fact(
            1,
            "community_responder",
            "community_responder",
            asked_organization="org-a",
            actual_organization="org-a",
            seconds_to_arrive=600,
            seconds_to_accept=60,
            seconds_on_scene=1800,
            referral_completed=True,
            place_key="p1",
        ),
        fact(
            2,
            "community_responder",
            "community_responder",
            asked_organization="org-a",
            seconds_to_arrive=1200,
            seconds_to_accept=120,
            seconds_on_scene=2400,
            place_key="p2",
        ),
        fact(
            3,
            "behavioral_health_team",
            "behavioral_health_team",
            asked_organization="org-b",
            seconds_to_arrive=1800,
            area="B",
            place_key="p1",
        ),
        # 4: went, but called police in afterwards: reached, not diverted
        fact(
            4,
            "behavioral_health_team",
            "behavioral_health_team",
            asked_organization="org-b",
            seconds_to_arrive=900,
            backup="police",
            injury=True,
            area="B",
        ),
        # 5: decided community responder, team busy, fell back to police co-response
        fact(
            5,
            "community_responder",
            "co_response",
            asked_organization="org-a",
            unserved_reason="busy",
            declines=("busy",),
        ),
        # 6: eligible, off duty, police went
        fact(6, "community_responder", "police", unserved_reason="off_duty"),
        # 7: eligible, outcome not recorded yet
        fact(7, "homeless_outreach", None),
        # 8-9: police calls
        fact(8, "police", "police", arrest=True),
        fact(9, "ems", "ems", transport=True, area=None),
    ]


def test_hand_counts() -> None:
    m = compute_measures(hand_built())
    h = m.headline
    assert h["decisions"].n == 9
    assert h["eligible_calls"].n == 7
    assert h["reached_calls"].n == 4
    assert h["diverted_calls"].n == 3
    assert h["reach"].value == pytest.approx(4 / 7)
    # linked = eligible with a referral: 1,2,3,4,5 -> diverted 1,2,3
    assert h["successful_diversion"].value == pytest.approx(3 / 5)
    assert h["co_notification"].value == pytest.approx(2 / 5)
    assert h["backup_rate"].value == pytest.approx(1 / 4)
    assert h["response_time_p50"].value == pytest.approx((15 + 20) / 2)  # 10, 15, 20, 30 minutes
    assert h["time_to_accept_p50"].value == pytest.approx(1.5)
    assert h["linkage"].value == pytest.approx(1 / 4)
    assert h["safety_incidents"].value == 1
    assert h["arrests"].value == 1 and h["transports"].value == 1
    assert h["reach"].small  # 7 < 10
    assert h["reach"].low is not None and h["reach"].low < 4 / 7 < h["reach"].high  # type: ignore[operator]
    unserved = {r["reason"]: r["calls"] for r in m.tables["unserved_by_reason"]}
    assert unserved == {"busy": 1, "off_duty": 1, "not recorded": 1}
    assert {r["reason"]: r["declines"] for r in m.tables["declines_by_reason"]} == {"busy": 1}
    vol = {r["pathway"]: (r["decided"], r["actual"]) for r in m.tables["volume_by_pathway"]}
    assert vol["community_responder"] == (4, 2)
    assert vol["co_response"] == (0, 1)
    assert vol["not recorded"] == (0, 1)
    areas = {r["area"]: r for r in m.tables["by_area"]}
    assert areas["A"]["eligible"] == 5 and areas["A"]["diverted"] == 2
    assert areas["B"]["diverted"] == 1 and areas["B"]["reached"] == 2


def test_fallback_to_co_response_is_never_diverted() -> None:
    f = fact(1, "community_responder", "co_response", asked_organization="org-a")
    assert f.eligible and not f.diverted and not f.reached
    m = compute_measures([f])
    assert m.headline["diverted_calls"].n == 0
    assert m.headline["reach"].value == 0.0
    # even with no backup flag and a community responder asked
    f2 = fact(2, "behavioral_health_team", "co_response", backup="none")
    assert not f2.diverted


def test_eligible_share_and_repeat_calls_from_cad() -> None:
    facts = hand_built()
    calls = [
        CadCall(T0 + timedelta(days=d), "A", "welfare_check", place_key=k)
        for d, k in [(1, "p1"), (40, "p2"), (2, "p9")]
    ]
    calls += [CadCall(T0 - timedelta(days=60), "A", "x") for _ in range(11)]
    calls += [CadCall(T0, "A", "x", community_initiated=False)]
    flags = repeat_flags(facts, calls)
    # reached with a place: 1 (p1, repeat at day 1), 2 (p2, next call at day 40: no), 3 (p1, +day1: yes,
    # decided 3 h after T0, call at T0+1 day)
    assert flags == {1: True, 2: False, 3: True}
    m = compute_measures(facts, calls=calls, police_hours_by_type={"welfare_check": 1.5})
    assert m.headline["eligible_share"].value == pytest.approx(7 / 14)
    assert m.headline["repeat_calls"].value == pytest.approx(2 / 3)
    assert m.headline["police_hours_freed"].value == pytest.approx(4.5)


def test_equity_breakdowns() -> None:
    profiles = {
        "A": AreaProfile("A", "lowest fifth", "majority Black"),
        "B": AreaProfile("B", "highest fifth", "majority white"),
    }
    m = compute_measures(hand_built(), area_profiles=profiles)
    bands = {r["income_band"]: r for r in m.tables["by_income_band"]}
    assert bands["lowest fifth"]["eligible"] == 5
    assert bands["unknown"]["eligible"] == 0  # the EMS call without an area
    assert {r["composition"] for r in m.tables["by_composition"]} == {
        "majority Black",
        "majority white",
        "unknown",
    }


def test_intervals() -> None:
    s = share(0, 20)
    assert s.value == 0 and s.low == 0 and 0 < s.high < 0.2  # type: ignore[operator]
    assert share(0, 0).value is None
    p = percentile([float(x) for x in range(1, 101)], 0.5)
    assert p.value == pytest.approx(50.5)
    assert p.low is not None and p.high is not None and p.low < 50.5 < p.high
    assert not p.small


def test_area_profiles_from_indicators() -> None:
    from altresponse.monitor.equity import area_profiles

    rows = [
        {
            "area": f"Area {i}",
            "median_income": 10_000.0 * i,
            "black_pct": 80.0 if i < 4 else 20.0,
            "white_pct": 10.0 if i < 4 else 70.0,
            "hispanic_pct": 5.0,
        }
        for i in range(1, 11)
    ]
    rows.append(
        {
            "area": "No income",
            "median_income": None,
            "black_pct": 40.0,
            "white_pct": 40.0,
            "hispanic_pct": 20.0,
        }
    )
    p = area_profiles(rows, ["area 1", "Area 10", "No income", "Elsewhere"])
    assert p["area 1"].income_band == "lowest fifth" and p["area 1"].majority_group == "majority Black"
    assert p["Area 10"].income_band == "highest fifth" and p["Area 10"].majority_group == "majority white"
    assert p["No income"].income_band is None and p["No income"].majority_group == "no majority group"
    assert p["Elsewhere"] == AreaProfile("Elsewhere")


def test_income_bands_are_listed_lowest_first() -> None:
    profiles = {"A": AreaProfile("A", "highest fifth"), "B": AreaProfile("B", "lowest fifth")}
    m = compute_measures(hand_built(), area_profiles=profiles)
    assert [r["income_band"] for r in m.tables["by_income_band"]] == [
        "lowest fifth",
        "highest fifth",
        "unknown",
    ]
