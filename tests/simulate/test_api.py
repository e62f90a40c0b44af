"""run_staffing / run_simulation end to end on a small classified table, and the two commands."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import typer
import yaml
from typer.testing import CliRunner

from altresponse.commands import simulate as simulate_command
from altresponse.errors import BadInput
from altresponse.pipeline.staffing import run_simulation, run_staffing
from altresponse.profile import Profile, builtin_profile_path, load_profile
from altresponse.results import LANDSCAPE_FACTS_FILE, Headline, LandscapeFacts, OfficerHours, Period

PATHWAYS = ["behavioral_health_team", "community_responder", "police", "police"]
TYPES = {
    "behavioral_health_team": "behavioral_crisis",
    "community_responder": "welfare_check",
    "police": "burglary",
}


@pytest.fixture
def profile(tmp_path: Path) -> Profile:
    """The Baltimore profile with fewer replications and zones, to keep these tests quick."""
    data = yaml.safe_load(builtin_profile_path("baltimore").read_text())
    data["simulate"].update({"replications": 3, "verify_rounds": 2, "zones": 5})
    path = tmp_path / "fast.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_profile(path)


def _classified(path: Path, rows: int = 6000, weeks: int = 6, seed: int = 1) -> Path:
    """A classified calls table with a daily cycle, inside Baltimore's box, no real people."""
    rng = np.random.default_rng(seed)
    start = dt.datetime(2024, 3, 4, 5, tzinfo=dt.UTC)  # a Monday, 00:00 in Baltimore
    hour = rng.choice(24, rows, p=(lambda w: w / w.sum())(1.2 + np.sin((np.arange(24) - 9) / 24 * 2 * np.pi)))
    day = rng.integers(0, weeks * 7, rows)
    secs = day * 86400 + hour * 3600 + rng.uniform(0, 3600, rows)
    received = [start + dt.timedelta(seconds=float(s)) for s in np.sort(secs)]
    pathway = rng.choice(PATHWAYS, rows)
    table = pa.table(
        {
            "call_id": [f"SYN{i}" for i in range(rows)],
            "received_utc": pa.array(received, pa.timestamp("us", tz="UTC")),
            "pathway": pathway,
            "common_type": [TYPES[p] for p in pathway],
            "category": [
                "behavioral_health" if p == "behavioral_health_team" else "welfare_assist" for p in pathway
            ],
            "priority_class": rng.choice(["high", "medium", "low"], rows),
            "latitude": rng.uniform(39.26, 39.35, rows),
            "longitude": rng.uniform(-76.68, -76.55, rows),
            "on_scene_s": np.full(rows, np.nan),
            "unit_busy_s": np.full(rows, np.nan),
        }
    )
    pq.write_table(table, path)
    return path


def _facts(path: Path, hours: float = 1.5) -> LandscapeFacts:
    """The landscape's typed result for a hand-built table: its measured period, one hours figure per type.

    Saved beside the table too, where `altresponse staff` looks for it.
    """
    table = pq.read_table(path)
    times = table.column("received_utc").to_pylist()
    start, end = min(times), max(times)
    types = sorted(set(table.column("common_type").to_pylist()))
    facts = LandscapeFacts(
        data=path.name,
        period=Period(start_utc=start, end_utc=end, days=(end - start).total_seconds() / 86400,
                      time_zone="America/New_York"),
        officer_hours={t: OfficerHours(hours_per_call=hours, source="default", source_words="test figure")
                       for t in types},
        serious_outcomes=["arrest", "report"],
        headline=Headline(),
    )
    (path.parent / LANDSCAPE_FACTS_FILE).write_text(facts.model_dump_json())
    return facts


def test_run_staffing_meets_target_and_writes_outputs(tmp_path: Path, profile: Profile) -> None:
    src = _classified(tmp_path / "classified.parquet", rows=4000, weeks=4)
    result = run_staffing(src, tmp_path / "out", profile, _facts(src), target_reach=0.9, target_minutes=20)
    data = json.loads((tmp_path / "out" / "staffing.json").read_text())
    html = (tmp_path / "out" / "staffing.html").read_text()
    assert data["team_hours_per_week"] == result["team_hours_per_week"] > 0
    assert set(data["plans"]) == {"behavioral_health_team", "community_responder"}
    reach = data["simulation"]["reached_within_target_share"]
    assert reach["hi"] >= 0.9 - 0.02, reach  # verified by simulation
    for p in data["plans"].values():
        cov = np.array(p["coverage_by_hour_of_week"])
        assert np.all(cov >= np.ceil(np.array(p["requirement_by_hour_of_week"]) - 1e-9))
    b = data["budget"]["annual_operating_cost"]
    assert b["p5"] < b["p50"] < b["p95"]
    assert data["budget"]["cost_per_call_reached"]["p50"] > 0
    assert "<svg" in html and re.search(r'(src|href)="https?://', html) is None  # works offline
    assert "Assumptions and sources" in html
    # a stricter target needs at least as many team-hours
    strict = run_staffing(src, tmp_path / "strict", profile, _facts(src), target_reach=0.95,
                          target_minutes=15)
    assert strict["team_hours_per_week"] >= result["team_hours_per_week"]


def test_run_simulation_pilot_scenario(tmp_path: Path, profile: Profile) -> None:
    src = _classified(tmp_path / "classified.parquet", rows=2000, weeks=3)
    result = run_simulation(src, tmp_path / "sim", profile, _facts(src), scenario="pilot")
    sim = result["simulation"]
    assert 0 < sim["reached_share"]["mean"] <= 1
    assert sim["reached_share"]["lo"] <= sim["reached_share"]["mean"] <= sim["reached_share"]["hi"]
    assert len(sim["by_hour_of_day"]["utilization"]) == 24
    assert (tmp_path / "sim" / "simulation.html").exists()
    with pytest.raises(BadInput, match="unknown scenario"):
        run_simulation(src, tmp_path / "sim", profile, _facts(src), scenario="nope")


def test_missing_column_is_bad_input_naming_it(tmp_path: Path, profile: Profile) -> None:
    path = tmp_path / "bad.parquet"
    pq.write_table(pa.table({"received_utc": pa.array([dt.datetime(2024, 1, 1, tzinfo=dt.UTC)])}), path)
    with pytest.raises(BadInput, match="pathway"):
        run_staffing(path, tmp_path / "o", profile, _facts(_classified(tmp_path / "ok.parquet", rows=50)))


def test_commands_print_json_last(tmp_path: Path, profile: Profile) -> None:
    app = typer.Typer()
    simulate_command.register(app)
    app.command("noop")(lambda: None)
    src = _classified(tmp_path / "c.parquet", rows=1200, weeks=2)
    _facts(src)
    res = CliRunner().invoke(
        app, ["staff", str(src), "--out", str(tmp_path / "s"), "--json", "--profile", str(profile.path)]
    )
    assert res.exit_code == 0, res.output
    last = json.loads(res.output.strip().splitlines()[-1])
    assert last["kind"] == "staff" and last["team_hours_per_week"] > 0
    res = CliRunner().invoke(
        app, ["simulate", str(src), "--out", str(tmp_path / "m"), "--json", "--profile", str(profile.path)]
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.output.strip().splitlines()[-1])["scenario"] == "pilot"


@pytest.mark.slow
@pytest.mark.shared
def test_staffing_on_real_decc_records(tmp_path: Path, shared: Path) -> None:
    """The whole chain on real CAD records: ingest, landscape, then fit service times and staff.

    DECC records unit times, so police time per call comes from DECC's own calls, not a default."""
    from altresponse.pipeline import load_landscape
    from altresponse.pipeline.analyze import run_analysis
    from altresponse.sources.ingest import ingest

    profile = load_profile("decc")
    calls = tmp_path / "decc.parquet"
    ingest([shared / "data/other_cities/decc_cad/decc_cad_calls_2025_wk35_48.csv"], source="decc", out=calls,
           profile=profile)
    run_analysis(calls, tmp_path / "analysis", profile)
    landscape = load_landscape(tmp_path / "analysis")
    classified = tmp_path / "analysis" / "classified.parquet"
    result = run_staffing(classified, tmp_path / "out", profile, landscape)
    assert result["demand"]["calls"] > 500
    eligible = result["eligible_common_types"]
    assert {landscape.officer_hours[t].source for t in eligible} <= {"measured", "measured_overall"}
    assert any(landscape.officer_hours[t].source == "measured" for t in eligible)
    assert "this city's unit times" in result["headline"]["police_hours_freed"]["source"] or \
        "landscape analysis" in result["headline"]["police_hours_freed"]["source"]
    assert "fitted from" in result["assumptions"][0][2]  # DECC has on-scene times: they are used
    fits = result["service_times"]["on_scene"]
    assert "*" in fits and fits["*"]["n"] > 10000
    assert result["team_hours_per_week"] > 0
    assert 0.5 < result["simulation"]["reached_within_target_share"]["mean"] <= 1.0
    # the period is DECC's measured span (14 weeks less a few hours), not the simulated horizon
    assert abs(result["headline"]["period_days"]["value"] - landscape.period.days) < 1e-9
    assert 95 < landscape.period.days < 99
    # small cells are suppressed in public outputs (DECC has a handful of co-response calls)
    small = [v for v in result["demand"]["pathway_counts"].values() if isinstance(v, str)]
    assert small and set(small) == {"<10"}
    assert all(c is None or c == 0 or c >= 10 for c in result["simulation"]["by_hour_of_week"]["calls"])


def test_poisson_demand_model_agrees_with_replay(tmp_path: Path, profile: Profile) -> None:
    """Fresh Poisson arrivals fitted by hour of week give the same fleet about the same reach as replay."""
    src = _classified(tmp_path / "classified.parquet", rows=3000, weeks=4)
    replay = run_simulation(src, tmp_path / "replay", profile, _facts(src), scenario="pilot")["simulation"]
    data = yaml.safe_load(Path(str(profile.path)).read_text())
    data["simulate"]["demand"] = "poisson"
    (tmp_path / "poisson.yaml").write_text(yaml.safe_dump(data))
    poisson = run_simulation(
        src, tmp_path / "poisson", load_profile(tmp_path / "poisson.yaml"), _facts(src), scenario="pilot"
    )["simulation"]
    a, b = replay["reached_within_target_share"], poisson["reached_within_target_share"]
    assert abs(a["mean"] - b["mean"]) < 0.05, (a, b)
    assert abs(replay["calls"] - poisson["calls"]) < 0.1 * replay["calls"]


def test_without_coordinates_or_times_published_defaults_are_used(tmp_path: Path, profile: Profile) -> None:
    src = _classified(tmp_path / "c.parquet", rows=1500, weeks=3)
    table = pq.read_table(src)
    nan = pa.array(np.full(table.num_rows, np.nan))
    table = table.set_column(table.column_names.index("latitude"), "latitude", nan)
    table = table.set_column(table.column_names.index("longitude"), "longitude", nan)
    pq.write_table(table, src)
    result = run_staffing(src, tmp_path / "out", profile, _facts(src))
    assert result["assumptions"][0][2].startswith("published program figures")
    assert "one zone" in next(a for a in result["assumptions"] if a[0].startswith("zones"))[2]
    # travel drawn from the published default (mean 11 min) plus turnout and processing
    assert 8 < result["simulation"]["response_p50_min"]["mean"] < 20
