"""Reference outcomes: the packaged table, the command that rebuilds it, and risk transferred from it."""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from altresponse.errors import BadInput
from altresponse.risk import tolerance_scenarios
from altresponse.risk.reference import (
    CSV_COLUMNS,
    ReferenceOutcomes,
    load_reference_outcomes,
    parse_reference_csv,
    transferred_risk,
)
from tests.conftest import ROOT

DECC = ("data", "other_cities", "decc_cad", "decc_cad_calls_2025_wk35_48.csv")
SFPD = ("data", "other_cities", "san_francisco", "sfpd_calls_for_service_sample_2016_2019.csv")
PACKAGED = ROOT / "src" / "altresponse" / "risk" / "reference_outcomes.csv"


@pytest.fixture(scope="module")
def ref() -> ReferenceOutcomes:
    return load_reference_outcomes()


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run `altresponse risk ...` in this process (the import is shared); (exit code, stdout, stderr)."""
    from altresponse.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["risk", *args])
    out = capsys.readouterr()
    return int(stop.value.code or 0), out.out, out.err


def test_packaged_table_loads_and_counts_are_consistent(ref: ReferenceOutcomes) -> None:
    assert ref.sources == ("decc", "sfpd")
    assert len(ref.rows) > 100
    for r in ref.rows:
        assert 0 <= r.k_serious <= r.n_known <= r.n_calls, r
        assert sum(r.disposition_counts.values()) == r.n_calls
        assert r.common_type != "unmapped"
    decc = [r for r in ref.rows if r.source == "decc"]
    assert {r.agency_scope for r in decc} == {"POLICE"}
    assert {r.origin_scope for r in decc} == {"community_initiated"}
    assert all(r.n_time == 0 and r.unit_busy_median_s is None for r in ref.rows if r.source == "sfpd")
    assert sum(r.n_time for r in decc) > 9000


def test_packaged_table_ships_with_the_package() -> None:
    res = resources.files("altresponse.risk").joinpath("reference_outcomes.csv")
    assert res.is_file()
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    package_data = pyproject["tool"]["setuptools"]["package-data"]
    assert any("*.csv" in patterns for patterns in package_data.values())


@pytest.mark.shared
def test_command_regenerates_the_packaged_table_byte_for_byte(
    shared: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "reference.csv"
    code, stdout, stderr = run_cli(capsys, "reference", "--decc", str(shared.joinpath(*DECC)),
                                   "--sfpd", str(shared.joinpath(*SFPD)), "--out", str(out), "--profile",
                                   "baltimore", "--json")
    assert code == 0, stderr
    summary = json.loads(stdout.strip().splitlines()[-1])
    by_source = {s["source"]: s for s in summary["sources"]}
    # Every input record is accounted for: DECC has 9 rows without an incident number.
    assert by_source["decc"]["rows_in"] == 22147
    assert by_source["decc"]["rows_out"] + by_source["decc"]["rows_rejected"] == 22147
    assert by_source["sfpd"]["rows_in"] == 24833
    assert by_source["decc"]["period"] == "2025-08-24/2025-11-29"
    assert out.read_bytes() == PACKAGED.read_bytes(), (
        "the packaged reference table is stale (a crosswalk or adapter changed): regenerate it with "
        "`altresponse risk reference --decc ... --sfpd ... "
        "--out src/altresponse/risk/reference_outcomes.csv`")


def test_command_names_a_missing_file_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.csv"
    code, _, stderr = run_cli(capsys, "reference", "--decc", str(missing), "--out", str(tmp_path / "out.csv"))
    assert code == 2
    assert "nope.csv" in stderr
    assert not (tmp_path / "out.csv").exists()


def test_known_answers(ref: ReferenceOutcomes) -> None:
    types = ["welfare_check", "assault", "noise_complaint", "disorderly_person", "trespass",
             "behavioral_crisis", "homeless_person"]
    tr = transferred_risk(types, ref)
    row = {t: tr.risk.row(t) for t in types}
    # A welfare check rarely ends in arrest, report or citation; an assault about half the time.
    assert row["welfare_check"]["hi"] < row["assault"]["lo"]
    assert row["welfare_check"]["shrunk"] < row["assault"]["shrunk"] / 4
    assert 0.35 < row["assault"]["raw"] < 0.65
    assert row["noise_complaint"]["shrunk"] < 0.02
    med, mean, n = ref.officer_minutes(types)
    got = dict(zip(types, zip(med, mean, n, strict=True), strict=True))
    for t in ("disorderly_person", "trespass", "behavioral_crisis", "noise_complaint", "assault"):
        m, a, k = got[t]
        assert k >= 100 and 0 < m < 120 and a > 0, (t, m, a, k)
        assert a >= m  # officer time is right-skewed: the mean sits above the median
    assert got["assault"][0] > got["noise_complaint"][0]
    # Homeless concerns come only from SFPD, which has no unit times.
    assert np.isnan(got["homeless_person"][0]) and got["homeless_person"][2] == 0


def test_officer_minutes_needs_enough_timed_calls(ref: ReferenceOutcomes) -> None:
    thin = next(r for r in ref.rows if 0 < r.n_time < 10)
    med, mean, n = ref.officer_minutes([thin.common_type])
    if n[0] < 10:  # no other source adds timed calls of the type
        assert np.isnan(med[0]) and np.isnan(mean[0]) and n[0] == thin.n_time
    med1, _, _ = ref.officer_minutes([thin.common_type], min_n=1)
    assert med1[0] > 0
    _, on_scene, _ = ref.officer_minutes(["disorderly_person"], measure="on_scene")
    _, busy, _ = ref.officer_minutes(["disorderly_person"])
    assert 0 < on_scene[0] < busy[0]  # on scene is part of the time a unit is committed
    with pytest.raises(ValueError):
        ref.officer_minutes(["assault"], measure="wall_clock")


def test_transferred_risk_intervals_contain_the_pooled_rate(ref: ReferenceOutcomes) -> None:
    types = [*ref.types(), "no_such_type"]
    tr = transferred_risk(types, ref)
    n, k = ref.pooled_counts(types)
    well = n >= 200
    assert well.sum() >= 20
    raw = k[well] / n[well]
    assert np.all(tr.risk.lo[well] <= raw) and np.all(raw <= tr.risk.hi[well])
    assert np.array_equal(tr.risk.n, n) and np.array_equal(tr.risk.k, k)
    # A type no reference agency has gets the prior, and the provenance says so.
    gone = tr.risk.row("no_such_type")
    assert gone["n"] == 0 and gone["raw"] is None
    assert tr.provenance["types_without_reference_data"] == ["no_such_type"]
    assert tr.provenance["kind"] == "transferred_from_reference_agencies"
    assert tr.statement.startswith("Risk transferred from reference agencies")
    assert "DECC CAD" in tr.statement and "SFPD" in tr.statement
    assert tr.as_dict()["transferred"] is True
    # The transferred table drives the tolerance scenarios like any other risk table.
    scen = tolerance_scenarios(tr.risk, thresholds=(0.05,), draws=200)
    assert "noise_complaint" in scen[0].eligible_types and "assault" not in scen[0].eligible_types


def test_pooled_counts_add_up_over_sources(ref: ReferenceOutcomes) -> None:
    types = ["trespass", "welfare_check", "homeless_person", "no_such_type"]
    n, k = ref.pooled_counts(types)
    n_d, k_d = ref.pooled_counts(types, sources=("decc",))
    n_s, k_s = ref.pooled_counts(types, sources=("sfpd",))
    assert np.array_equal(n, n_d + n_s) and np.array_equal(k, k_d + k_s)
    assert n[3] == 0 and k[3] == 0 and n_d[2] == 0 and n_s[2] > 1000
    _, arrests = ref.pooled_counts(types, serious_classes=("arrest",))
    assert np.all(arrests <= k)
    assert arrests[0] == sum(r.disposition_counts["arrest"] for r in ref.rows if r.common_type == "trespass")
    with pytest.raises(ValueError, match="no reference source"):
        ref.pooled_counts(types, sources=("nypd",))
    with pytest.raises(ValueError, match="not outcome classes"):
        ref.pooled_counts(types, serious_classes=("arrest", "unknown"))
    assert np.array_equal(ref.pooled_counts(types, sources="sfpd")[0], n_s)


def test_provenance_names_sources_periods_and_scope(ref: ReferenceOutcomes) -> None:
    prov = ref.provenance()
    assert prov["rows"] == len(ref.rows)
    src = {s["source"]: s for s in prov["sources"]}
    assert src["decc"]["label"] == "DECC CAD, 14 weeks Aug–Nov 2025"
    assert src["sfpd"]["period"].startswith("2016-")
    assert src["sfpd"]["timed_calls"] == 0 and src["decc"]["timed_calls"] > 0
    assert "decc" in prov["officer_time"] and "POLICE" in prov["officer_time"]


def _csv(*rows: list[str]) -> str:
    return "\n".join([",".join(CSV_COLUMNS), *(",".join(r) for r in rows)]) + "\n"


def _good_row() -> list[str]:
    values = {c: "" for c in CSV_COLUMNS}
    values.update(source="x", source_label="X", period="2020-01-01/2020-12-31", agency_scope="all",
                  origin_scope="all", common_type="assault", category="violent_crime")
    for c in CSV_COLUMNS:
        if c.startswith("n_") or c == "k_serious":
            values[c] = "0"
    values.update(n_calls="10", n_known="9", k_serious="4", n_arrest="4", n_advised_handled="5",
                  n_unknown="1")
    return [values[c] for c in CSV_COLUMNS]


def test_parser_rejects_bad_tables_loudly() -> None:
    good = _good_row()
    table = parse_reference_csv(_csv(good), "t.csv")
    assert table.pooled_counts(["assault"], sources=("x",))[0][0] == 9
    bad = list(good)
    bad[CSV_COLUMNS.index("k_serious")] = "12"
    with pytest.raises(BadInput, match="line 3"):
        parse_reference_csv(_csv(good, bad), "t.csv")
    miscounted = list(good)
    miscounted[CSV_COLUMNS.index("n_arrest")] = "3"
    with pytest.raises(BadInput, match="add up"):
        parse_reference_csv(_csv(miscounted), "t.csv")
    with pytest.raises(BadInput, match="duplicate"):
        parse_reference_csv(_csv(good, good), "t.csv")
    with pytest.raises(BadInput, match="columns"):
        parse_reference_csv("source,common_type\nx,assault\n", "t.csv")
    not_number = list(good)
    not_number[CSV_COLUMNS.index("n_calls")] = "ten"
    with pytest.raises(BadInput, match="n_calls"):
        parse_reference_csv(_csv(not_number), "t.csv")


def test_hours_model_matches_minutes_and_records_carry_them(ref: ReferenceOutcomes) -> None:
    types = ["disorderly_person", "assault", "homeless_person"]
    mean_h, se_h, n = ref.officer_hours_model(types)
    _, mean_min, n_min = ref.officer_minutes(types)
    assert np.array_equal(n, n_min)
    assert mean_h[0] * 60 == pytest.approx(mean_min[0]) and mean_h[1] * 60 == pytest.approx(mean_min[1])
    # The standard error of a mean over ~1,000 timed calls is a small fraction of the mean.
    assert 0 < se_h[0] < mean_h[0] / 10 and se_h[1] > se_h[0]
    assert np.isnan(mean_h[2]) and np.isnan(se_h[2])
    recs = {r["type"]: r for r in transferred_risk(types, ref).records()}
    assert recs["assault"]["officer_timed_calls"] == n[1] and recs["assault"]["officer_minutes_median"] > 0
    assert recs["homeless_person"]["officer_minutes_median"] is None
