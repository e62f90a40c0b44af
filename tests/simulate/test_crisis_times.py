"""Crisis-team service times fitted from a real mobile-crisis log, and the profile's choice."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from altresponse.errors import BadInput
from altresponse.simulate.crisis_times import (
    choose_service_times,
    crisis_times_from_table,
    fit_crisis_team_times,
)
from altresponse.simulate.service_time import DEFAULT_ON_SCENE, ServiceTimeModel, clean_durations


@pytest.mark.shared
def test_fit_on_the_mcslc_log(shared: Path) -> None:
    from altresponse.sources.partners import read_partner

    path = (
        shared
        / "data"
        / "partners"
        / "mobile_crisis"
        / ("lane_county_mcslc_mobile_crisis_dispatches_2024-08_2025-12.csv")
    )
    table = read_partner("mobile-crisis", [path], time_zone="America/Los_Angeles").table
    times = crisis_times_from_table(table, source="MCSLC")
    on_scene = clean_durations(
        np.array([np.nan if v is None else v for v in table.column("on_scene_s").to_pylist()])
    )
    travel = clean_durations(
        np.array([np.nan if v is None else v for v in table.column("travel_s").to_pylist()])
    )
    assert times.used_on_scene == len(on_scene) and times.used_travel == len(travel)
    # maximum-likelihood fits of these families reproduce the sample mean closely
    assert times.on_scene.mean_s == pytest.approx(on_scene.mean(), rel=0.05)
    assert times.travel.mean_s == pytest.approx(travel.mean(), rel=0.05)
    model = times.model
    assert model.on_scene_multiplier == 1.0
    assert model.on_scene_for("behavioral_crisis") is times.on_scene
    assert model.travel_for("anything") is times.travel
    rows = {r["model"]: r for r in times.comparison()}
    assert set(rows) == {"crisis_log", "published"}
    assert rows["published"]["on_scene_mean_min"] == pytest.approx(DEFAULT_ON_SCENE.mean_s / 60, abs=0.1)


def test_too_few_durations_is_bad_input() -> None:
    with pytest.raises(BadInput, match="at least 30"):
        fit_crisis_team_times(np.full(10, 600.0), np.full(10, 1800.0), source="x")


def test_choose_service_times() -> None:
    rng = np.random.default_rng(1)
    times = fit_crisis_team_times(
        rng.gamma(2, 300, 200), rng.gamma(2, 900, 200), source="synthetic test data"
    )
    police = ServiceTimeModel.defaults(on_scene_multiplier=1.25)
    assert choose_service_times("crisis_log", crisis=times) is times.model
    assert choose_service_times("police", police=police) is police
    assert choose_service_times("published", on_scene_multiplier=1.25).on_scene_multiplier == 1.25
    with pytest.raises(BadInput):
        choose_service_times("crisis_log")
    with pytest.raises(BadInput):
        choose_service_times("guess")
