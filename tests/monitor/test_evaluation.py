"""The evaluation recovers a planted effect within its interval and reports none on null data."""

from __future__ import annotations

import pytest

from altresponse.errors import BadInput
from altresponse.monitor.evaluation import PanelRow, estimate_effect, simulate_panel


def test_recovers_planted_effect() -> None:
    rows = simulate_panel(effect=-3.0, seed=11)
    e = estimate_effect(rows, "police dispatches")
    assert e.low < -3.0 < e.high
    assert e.significant and e.estimate < 0
    assert e.pre_trend_p is not None
    post = [c for c in e.event if c.relative_period >= 0]
    assert all(c.high < 0 for c in post)


def test_null_effect_is_not_found() -> None:
    e = estimate_effect(simulate_panel(effect=0.0, seed=12))
    assert e.low < 0 < e.high and not e.significant


def test_false_positive_rates_are_near_nominal() -> None:
    """Over 40 null panels the effect test and the pre-trend test each reject about 5% of the time."""
    runs = [estimate_effect(simulate_panel(effect=0.0, seed=s)) for s in range(40)]
    assert sum(e.significant for e in runs) <= 5  # 2 expected; 6 or more is p < 0.05 under the null
    assert sum(e.pre_trend_ok is False for e in runs) <= 5
    planted = [estimate_effect(simulate_panel(effect=-3.0, seed=s)) for s in range(40)]
    assert sum(e.low < -3.0 < e.high for e in planted) >= 35  # 95% intervals cover the planted effect


def test_pre_trend_violation_is_flagged() -> None:
    e = estimate_effect(simulate_panel(effect=0.0, trend_gap=0.4, seed=13))
    assert e.pre_trend_ok is False


def test_needs_comparison_areas() -> None:
    rows = [PanelRow("a", t, 1.0, 3) for t in range(6)] + [PanelRow("b", t, 1.0, 3) for t in range(6)]
    with pytest.raises(BadInput, match="not-yet-served"):
        estimate_effect(rows)
