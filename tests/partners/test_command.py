"""`altresponse partners ...`: exit codes, the --json contract and the landscape on real partner data."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from altresponse.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out, out.err


def test_ingest_json_and_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "kpis.csv"
    good.write_text(
        "period_start,period_end,state,routed,received,answered_in_state,abandoned_in_state,flowout_to_backup\n"
        "2022-01-01,2022-01-31,MD,10,10,8,1,1\n2022-02-01,2022-02-28,MD,x,10,8,1,1\n",
        encoding="utf-8",
    )
    code, out, _ = run(
        capsys,
        "partners",
        "ingest",
        str(good),
        "--source",
        "988",
        "--out",
        str(tmp_path / "k.parquet"),
        "--json",
    )
    assert code == 0
    summary = json.loads(out.strip().splitlines()[-1])
    assert (summary["records_in"], summary["records_out"], summary["rows_rejected"]) == (2, 1, 1)
    assert summary["rejects_by_reason"] == {"bad_number": 1}
    assert pq.read_table(tmp_path / "k.rejects.parquet").num_rows == 1
    bad = tmp_path / "bad.csv"
    bad.write_text("period_start,state\n2022-01-01,MD\n", encoding="utf-8")
    code, _, err = run(
        capsys, "partners", "ingest", str(bad), "--source", "988", "--out", str(tmp_path / "b.parquet")
    )
    assert code == 2 and "bad.csv" in err and "line 1" in err
    assert not (tmp_path / "b.parquet").exists()


def test_registry_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "partners",
        "registry",
        "--profile",
        "baltimore",
        "--hsds",
        "--out",
        str(tmp_path / "hsds.json"),
        "--json",
    )
    assert code == 0
    summary = json.loads(out.strip().splitlines()[-1])
    doc = json.loads((tmp_path / "hsds.json").read_text())
    assert summary["initiatives"] == len(doc["services"]) > 0


@pytest.mark.shared
def test_landscape_on_real_partner_data(
    shared: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = shared / "data" / "partners"
    inputs = {
        "r": (
            "baltimore311",
            data / "baltimore_311" / "baltimore_311_requests_2014_2019_random10k_citytraining.csv",
        ),
        "s": ("baltimore311", data / "baltimore_311" / "baltimore_311_requests_2019-10-18_to_21_sample.csv"),
        "k": ("988", data / "crisis_988" / "lifeline_988_state_monthly_kpis_2021-07_2022-11.csv"),
        "p": ("pit", data / "homelessness" / "hud_pit_all_cocs_2014_2024_key_measures.csv"),
        "h": ("hic", data / "homelessness" / "hud_hic_all_cocs_2014_2024_key_measures.csv"),
        "m": ("spm", data / "homelessness" / "hud_spm_maryland_cocs_fy2015_fy2023_long.csv"),
    }
    for key, (source, path) in inputs.items():
        code, _, err = run(
            capsys,
            "partners",
            "ingest",
            str(path),
            "--source",
            source,
            "--profile",
            "baltimore",
            "--out",
            str(tmp_path / f"{key}.parquet"),
            "--json",
        )
        assert code == 0, err
    start = datetime(2023, 1, 2, 12, tzinfo=UTC)
    calls = pa.table(
        {
            "received_utc": pa.array(
                [start + timedelta(days=d) for d in range(0, 365, 5)], pa.timestamp("us", "UTC")
            ),
            "district": ["Central"] * 73,
            "common_type": ["suicidal_ideation"] * 73,
            "category": ["behavioral_health"] * 73,
            "pathway": ["crisis_line_988"] * 73,
            "source_file": ["c.csv"] * 73,
        }
    )
    pq.write_table(calls, tmp_path / "calls.parquet")
    out_json = tmp_path / "landscape.json"
    code, out, err = run(
        capsys,
        "partners",
        "landscape",
        "--profile",
        "baltimore",
        "--out",
        str(out_json),
        "--calls",
        str(tmp_path / "calls.parquet"),
        "--requests",
        str(tmp_path / "r.parquet"),
        "--requests-slice",
        str(tmp_path / "s.parquet"),
        "--crisis-kpis",
        str(tmp_path / "k.parquet"),
        "--homelessness",
        str(tmp_path / "p.parquet"),
        "--homelessness",
        str(tmp_path / "h.parquet"),
        "--homelessness",
        str(tmp_path / "m.parquet"),
        "--type",
        "suicidal_ideation",
        "--json",
    )
    assert code == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    doc = json.loads(out_json.read_text())
    outreach = doc["outreach_demand"]["per_year"]
    assert summary["outreach_demand_per_year"] == outreach
    assert 0 < outreach["low"] <= outreach["value"] <= outreach["high"], "outreach demand is no longer zero"
    assert summary["unmapped_311_rows"] == 0, "every 311 type in the sample is in Baltimore's 311 crosswalk"
    needs = {s["need"]: s for s in doc["need"]["summaries"]}
    assert (
        needs["homelessness"]["calls_911_per_year"] == 0
        and needs["homelessness"]["requests_311_per_year"] > 0
    )
    assert needs["behavioral_health"]["absorbed_by"] == "crisis_line"
    assert doc["need"]["crisis_line"]["calls_911_behavioral_per_year"] == pytest.approx(
        73 / (360 / 365.25), rel=1e-3
    )
    build = {b["call_type"]: b for b in doc["harmonization"]["build_on"]}
    assert build["suicidal_ideation"]["initiative_id"] == "here2help_988"
    assert doc["service_times"]["choice"] == "published"
    ce = doc["coordinated_entry"]
    assert ce["intake_311_types"] == ["MOHS-Homeless Outreach"] and ce["access_points"]
