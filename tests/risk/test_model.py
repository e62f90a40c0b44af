"""Risk model: recovers known per-type risk within its intervals at the nominal rate."""

from __future__ import annotations

import numpy as np
import pytest

from altresponse.risk import (
    estimate_type_risk,
    estimate_type_risk_from_counts,
    fit_beta_prior,
    serious_outcome,
    tolerance_scenarios,
)


def _simulate(seed: int, types: int = 300, a: float = 1.5, b: float = 8.0):
    rng = np.random.default_rng(seed)
    p = rng.beta(a, b, size=types)
    n = rng.integers(3, 400, size=types)
    k = rng.binomial(n, p)
    return p, n, k


def test_intervals_cover_truth_at_nominal_rate() -> None:
    covered, total = 0, 0
    for seed in range(6):
        p, n, k = _simulate(seed)
        table = estimate_type_risk_from_counts([f"t{i}" for i in range(len(p))], n, k, level=0.90)
        covered += int(np.sum((table.lo <= p) & (p <= table.hi)))
        total += len(p)
    rate = covered / total
    # 1,800 type-intervals: binomial s.e. at 0.9 is 0.007, so 0.86-0.94 is a wide but failing-capable band.
    assert 0.86 <= rate <= 0.94, rate


def test_prior_is_learned_and_shrinkage_beats_raw_rates() -> None:
    p, n, k = _simulate(42, types=500)
    a, b, method = fit_beta_prior(n, k)
    assert method == "empirical_bayes"
    assert abs(a / (a + b) - 1.5 / 9.5) < 0.03
    table = estimate_type_risk_from_counts([str(i) for i in range(len(p))], n, k)
    small = n < 30
    raw_err = np.mean((table.raw[small] - p[small]) ** 2)
    shrunk_err = np.mean((table.shrunk[small] - p[small]) ** 2)
    assert shrunk_err < raw_err * 0.8


def test_rare_type_moves_toward_mean_common_type_does_not() -> None:
    types = ["common"] * 5000 + ["rare"] * 3 + [f"o{i}" for i in range(20) for _ in range(100)]
    rng = np.random.default_rng(1)
    serious = np.concatenate([rng.random(5000) < 0.4, [True, True, True], rng.random(2000) < 0.1])
    table = estimate_type_risk(np.array(types), serious)
    rare, common = table.row("rare"), table.row("common")
    assert rare["raw"] == 1.0 and rare["shrunk"] < 0.6
    assert abs(common["shrunk"] - common["raw"]) < 0.01
    assert rare["hi"] - rare["lo"] > common["hi"] - common["lo"]


def test_unknown_outcomes_are_not_counted_as_safe() -> None:
    serious, known = serious_outcome(np.array(["arrest", "unknown", "advised_handled", "report", None]))
    assert serious.tolist() == [True, False, False, True, False]
    assert known.tolist() == [True, False, True, True, False]
    table = estimate_type_risk(np.array(["a", "a", "a", "a", "a"]), serious, known=known)
    assert table.row("a")["n"] == 3 and table.row("a")["k"] == 2


def test_few_types_fall_back_to_jeffreys() -> None:
    table = estimate_type_risk_from_counts(["a", "b"], [10, 10], [1, 9])
    assert table.method == "jeffreys" and table.alpha == 0.5


def test_scenarios_monotone_and_accepted_error_matches_truth() -> None:
    rng = np.random.default_rng(7)
    p = np.concatenate([np.full(10, 0.01), np.full(10, 0.08), np.full(10, 0.5)])
    n = np.full(30, 2000)
    k = rng.binomial(n, p)
    names = [f"t{i}" for i in range(30)]
    table = estimate_type_risk_from_counts(names, n, k)
    res = tolerance_scenarios(table, thresholds=(0.03, 0.2, 0.9), draws=500)
    assert [r.share for r in res] == pytest.approx([1 / 3, 2 / 3, 1.0], abs=1e-3)
    assert res[0].accepted_error is not None and abs(res[0].accepted_error - 0.01) < 0.005
    assert res[1].accepted_error is not None and abs(res[1].accepted_error - 0.045) < 0.01
    for r in res:
        assert r.share_lo <= r.share <= r.share_hi
    # Candidate restriction: only the first ten may go to civilians.
    restricted = tolerance_scenarios(table, thresholds=(0.9,), candidate_types=names[:10], draws=100)
    assert restricted[0].share == pytest.approx(1 / 3, abs=1e-3)


def test_scenario_interval_widens_when_a_type_straddles_the_threshold() -> None:
    table = estimate_type_risk_from_counts(["a", "b", "c", "d"], [40, 1000, 1000, 1000], [2, 10, 400, 600])
    res = tolerance_scenarios(table, {"a": 40, "b": 1000, "c": 1000, "d": 1000, "x": 60}, thresholds=(0.05,))
    r = res[0]
    assert r.total_calls == 3100
    assert r.share_hi - r.share_lo > 0.005  # type a (raw 5%) is in some draws and out of others
    assert "x" not in r.eligible_types
