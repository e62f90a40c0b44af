"""Service-time fits (synthetic and real DECC time chains), demand models and the cost model."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from altresponse.pipeline.calls_io import decc_time_chain, week_seconds
from altresponse.simulate.costs import CostParameters, budget
from altresponse.simulate.demand import HourOfWeekRates, replay_demand, urgency_of
from altresponse.simulate.engine import HOUR_S, WEEK_S
from altresponse.simulate.service_time import ServiceTimeModel, fit_duration

DECC = Path("data/other_cities/decc_cad/decc_cad_calls_2025_wk35_48.csv")


@pytest.mark.parametrize(
    ("family", "draw"),
    [
        ("lognormal", lambda r: r.lognormal(math.log(1500), 0.7, 3000)),
        ("gamma", lambda r: r.gamma(3.0, 600.0, 3000)),
        ("exponential", lambda r: r.exponential(900.0, 3000)),
    ],
)
def test_fit_picks_the_generating_family(family: str, draw) -> None:  # type: ignore[no-untyped-def]
    x = draw(np.random.default_rng(11))
    d = fit_duration(x, "test")
    assert d.family == family
    assert d.mean_s == pytest.approx(x.mean(), rel=0.08)
    assert d.ks_p is not None and d.ks_p > 0.01
    wrong = fit_duration(np.random.default_rng(1).lognormal(7, 1.2, 3000), "test")
    assert wrong.family == "lognormal" and wrong.aic["exponential"] > wrong.aic["lognormal"]


def test_model_falls_back_from_type_to_category_to_pooled_to_published() -> None:
    rng = np.random.default_rng(2)
    types = np.array(["welfare_check"] * 200 + ["trespass"] * 10 + ["noise_complaint"] * 40, object)
    cats = np.array(["welfare_assist"] * 200 + ["disorder_quality_of_life"] * 50, object)
    scene = np.concatenate([rng.lognormal(7.5, 0.5, 200), rng.lognormal(6.5, 0.5, 50)])
    m = ServiceTimeModel.fit(types, cats, np.full(250, np.nan), scene, source="t", on_scene_multiplier=1.5)
    assert m.on_scene_for("welfare_check").source.endswith("welfare_check")
    assert m.on_scene_for("trespass").source.endswith("category:disorder_quality_of_life")
    assert m.on_scene_for("something_else").source.endswith("*")
    assert "default" in m.travel_for("welfare_check").source  # no travel times at all: published default
    s = m.sample_on_scene(np.array(["welfare_check"] * 4000, object), rng)
    assert s.mean() == pytest.approx(1.5 * m.on_scene_for("welfare_check").mean_s, rel=0.06)


@pytest.mark.shared
def test_decc_time_chain_fits(shared: Path) -> None:
    table = decc_time_chain(shared / DECC)
    assert table.num_rows == 22147
    travel = table.column("travel_s").to_numpy(zero_copy_only=False)
    scene = table.column("on_scene_s").to_numpy(zero_copy_only=False)
    agency = np.array(table.column("agency").to_pylist(), object)
    police = agency == "POLICE"
    d_travel = fit_duration(travel[police], "DECC police travel")
    d_scene = fit_duration(scene[police], "DECC police on scene")
    # en route -> arrival for police: a few minutes; on scene: tens of minutes (medians, not means)
    assert 2 * 60 < d_travel.median_s < 12 * 60
    assert 5 * 60 < d_scene.median_s < 45 * 60
    assert d_scene.family in ("lognormal", "gamma")
    # the fit's median is close to the sample median
    ok = scene[police][np.isfinite(scene[police]) & (scene[police] > 0)]
    assert d_scene.median_s == pytest.approx(float(np.median(ok)), rel=0.25)
    t, monday = week_seconds(table.column("received_utc"), "America/New_York")
    assert monday.weekday() == 0 and t.min() >= 0 and t.max() < 16 * WEEK_S


def test_replay_growth_and_hour_of_week_rates() -> None:
    rng = np.random.default_rng(5)
    t = np.sort(rng.uniform(0, 4 * WEEK_S, 2000))
    n = len(t)
    args = (
        np.zeros(n, np.int64),
        ("bh",),
        np.array(["x"] * n, object),
        np.zeros(n, np.int64),
        np.full(n, np.nan),
        np.full(n, np.nan),
    )
    assert replay_demand(t, *args).n == n
    grown = replay_demand(t, *args, growth=1.5, rng=rng)
    assert abs(grown.n - 3000) < 120
    assert np.all(np.diff(grown.t) >= 0)
    rates = HourOfWeekRates.fit(t, np.zeros(n, np.int64), ("bh",), 4 * WEEK_S)
    assert rates.total().sum() * 4 == pytest.approx(n)
    assert rates.rates.shape == (1, 168)
    assert HOUR_S == 3600


def test_urgency_orders_priority_then_people_at_risk() -> None:
    u = urgency_of(
        np.array(["low", "high", "high", "unknown"]),
        np.array(["noise_complaint", "welfare_check", "suicidal_ideation", "trespass"]),
    )
    assert u[2] < u[1] < u[3] < u[0]


def test_budget_ranges_ordered_and_scale_with_hours() -> None:
    params = CostParameters()
    cov = {"behavioral_health_team": np.full(168, 2.0)}
    small = budget(
        params,
        {"behavioral_health_team": 336.0},
        cov,
        calls_reached_per_year=(5000, 4800, 5200),
        police_hours_freed_per_year=(7000, 6800, 7200),
        draws=2000,
    )
    big = budget(
        params,
        {"behavioral_health_team": 672.0},
        {"behavioral_health_team": np.full(168, 4.0)},
        calls_reached_per_year=(5000, 4800, 5200),
        police_hours_freed_per_year=(7000, 6800, 7200),
        draws=2000,
    )
    for b in (small, big):
        a = b["annual_operating_cost"]
        assert a["p5"] < a["p50"] < a["p95"]
    ratio = (
        big["components_per_year"]["field_teams"]["p50"] / small["components_per_year"]["field_teams"]["p50"]
    )
    assert ratio == pytest.approx(2.0, rel=0.05)
    # two 24/7 teams of clinician + paramedic: cost per team-hour near published per-hour benchmarks
    per_hour = small["by_team_type"]["behavioral_health_team"]["cost_per_team_hour"]["p50"]
    assert 50 < per_hour < 120
    assert small["police_cost_avoided_per_year"]["p50"] == pytest.approx(7000 * 180, rel=0.15)


def test_cost_overrides_from_profile_and_unknown_roles_fail_loudly() -> None:
    p = CostParameters.from_profile(
        {"roles": {"clinician": {"low": 40, "mode": 45, "high": 50, "source": "x"}}}
    )
    assert p.roles["clinician"].mode == 45 and "paramedic" in p.roles
    bad = CostParameters.from_profile({"compositions": {"behavioral_health_team": ["wizard"]}})
    with pytest.raises(ValueError, match="wizard"):
        bad.check_compositions()
    with pytest.raises(ValueError):
        CostParameters.from_profile({"benefits_loading": {"low": 2, "mode": 1, "high": 3, "source": "x"}})
