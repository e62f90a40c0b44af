"""Synthetic Baltimore calls: exact layout, reproducibility, calibration and geographic agreement."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow.csv as pacsv
import pytest

from altresponse.synth import vocabulary
from altresponse.synth.baltimore import COLUMNS, DISTRICT_SHARE, write_csv
from altresponse.synth.gazetteer import DISTRICTS, embedded_places
from tests.conftest import ROOT

OPEN_BALTIMORE_2021_FIELDS = [
    "RecordID", "CallNumber", "CallDateTime", "Priority", "District", "Description", "IncidentLocation",
    "ZipCode", "Neighborhood", "PoliceDistrict", "PolicePost", "CouncilDistrict", "SheriffDistricts",
    "Community_Statistical_Areas", "Census_Tracts", "VRIZones", "Latitude", "Longitude", "Location",
]
TIME_RE = re.compile(r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}\+00$")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object], list[dict[str, str]]]:
    path = tmp_path_factory.mktemp("synth") / "calls.csv"
    summary = write_csv(path, rows=120_000, seed=11, year=2024)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return path, summary, rows


def test_header_is_the_open_baltimore_field_set_plus_synthetic(sample) -> None:
    path, _, _ = sample
    with open(path, newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert header == [*OPEN_BALTIMORE_2021_FIELDS, "Synthetic"]
    assert list(COLUMNS) == header


def test_every_row_is_labelled_synthetic(sample) -> None:
    _, summary, rows = sample
    assert len(rows) == summary["rows"] == 120_000
    assert all(r["Synthetic"] == "true" for r in rows)
    assert all(r["CallNumber"].startswith("SYN") for r in rows)
    assert len({r["CallNumber"] for r in rows}) == len(rows)
    assert [int(r["RecordID"]) for r in rows[:3]] == [1, 2, 3]


def test_times_are_utc_arcgis_format_within_the_local_year_and_sorted(sample) -> None:
    _, _, rows = sample
    assert all(TIME_RE.match(r["CallDateTime"]) for r in rows)
    times = [r["CallDateTime"] for r in rows]
    assert times == sorted(times)
    tz = ZoneInfo("America/New_York")
    first = datetime.strptime(times[0], "%Y/%m/%d %H:%M:%S+00").replace(tzinfo=ZoneInfo("UTC"))
    last = datetime.strptime(times[-1], "%Y/%m/%d %H:%M:%S+00").replace(tzinfo=ZoneInfo("UTC"))
    assert first.astimezone(tz).year == 2024
    assert last.astimezone(tz).year == 2024
    # midnight local is 05:00 UTC in winter: nothing lands in 2024-01-01 00:00-04:59 UTC
    assert times[0] >= "2024/01/01 05:00:00+00"


def test_local_hours_follow_the_daily_rhythm_across_dst(sample) -> None:
    _, _, rows = sample
    tz = ZoneInfo("America/New_York")
    hours = Counter()
    for r in rows[::5]:
        t = datetime.strptime(r["CallDateTime"], "%Y/%m/%d %H:%M:%S+00").replace(tzinfo=ZoneInfo("UTC"))
        hours[t.astimezone(tz).hour] += 1
    # the local trough is before dawn, in summer and winter alike, and it is deep
    assert min(hours, key=lambda h: hours[h]) in (3, 4, 5, 6)
    assert hours[18] > 1.8 * hours[5]


def test_vocabularies_are_the_real_ones(sample) -> None:
    _, _, rows = sample
    assert {r["Priority"] for r in rows} == set(vocabulary.PRIORITIES)
    assert {r["PoliceDistrict"] for r in rows} == set(DISTRICTS)
    assert {r["District"] for r in rows} == {code for code, _ in DISTRICTS.values()}
    codes = {name: code for name, (code, _) in DISTRICTS.items()}
    assert all(codes[r["PoliceDistrict"]] == r["District"] for r in rows[:5000])
    # posts are numbered by district: 1xx Central ... 9xx Southern
    assert all(r["PolicePost"][0] == str(DISTRICTS[r["PoliceDistrict"]][1]) for r in rows[:5000])
    assert all(re.match(r"^\d+ BLOCK ([NSEW] )?[A-Z0-9 ]+$", r["IncidentLocation"]) for r in rows[:5000])
    assert any(r["IncidentLocation"].endswith(" BELAIR RD") and " N BELAIR" not in r["IncidentLocation"]
               for r in rows)


def test_description_and_district_shares_match_the_calibration(sample) -> None:
    _, _, rows = sample
    n = len(rows)
    texts, share, _ = vocabulary.description_arrays()
    got = Counter(r["Description"] for r in rows)
    for text, p in zip(texts, share, strict=True):
        sd = np.sqrt(p * (1 - p) / n)
        assert abs(got[text] / n - p) < 5 * sd + 1e-4, text
    districts = Counter(r["PoliceDistrict"] for r in rows)
    for name, p in DISTRICT_SHARE.items():
        assert abs(districts[name] / n - p) < 0.01, name


def test_violence_peaks_at_night_and_admin_by_day(sample) -> None:
    _, _, rows = sample
    tz = ZoneInfo("America/New_York")

    def night_share(descs: set[str]) -> float:
        sel = [r for r in rows if r["Description"] in descs]
        night = 0
        for r in sel:
            t = datetime.strptime(r["CallDateTime"], "%Y/%m/%d %H:%M:%S+00").replace(tzinfo=ZoneInfo("UTC"))
            night += t.astimezone(tz).hour in (22, 23, 0, 1, 2)
        return night / len(sel)

    violent = {d.text for d in vocabulary.DESCRIPTIONS if d.family == "violent"}
    admin = {"FOLLOW UP", "INVESTIGATE", "WANTED ON WARR"}
    assert night_share(violent) > 2 * night_share(admin)


def test_the_spring_forward_gap_is_the_only_missing_local_hour() -> None:
    from altresponse.synth.baltimore import _missing_local_hours, _utc_offsets

    offsets = _utc_offsets(2024, "America/New_York")
    # 2024-03-10 02:00 local does not exist: day 69 (0-based), hour 2
    assert _missing_local_hours(offsets) == [69 * 24 + 2]
    assert _missing_local_hours(_utc_offsets(2024, "UTC")) == []


def test_same_seed_gives_byte_identical_file_and_other_seed_does_not(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    write_csv(a, rows=30_000, seed=5)
    write_csv(b, rows=30_000, seed=5)
    write_csv(c, rows=30_000, seed=6)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_year_option_and_zero_rows(tmp_path: Path) -> None:
    path = tmp_path / "y.csv"
    summary = write_csv(path, rows=5_000, seed=1, year=2022)
    table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(strings_can_be_null=False))
    assert summary["first_call_utc"].startswith("2022-01-01")
    assert table.num_rows == 5_000
    assert table.column("CallNumber")[0].as_py().startswith("SYNP22")
    empty = tmp_path / "e.csv"
    write_csv(empty, rows=0, seed=1)
    assert empty.read_text().strip().split(",") == [f'"{c}"' for c in COLUMNS]


@pytest.mark.shared
def test_calibration_vocabulary_comes_from_the_real_extracts(shared: Path) -> None:
    cfs = shared / "data" / "baltimore_cfs"
    with open(cfs / "baltimore_911_descriptions_2024_capstone_subset.csv", encoding="utf-8") as fh:
        real_2024 = {row["Description"] for row in csv.DictReader(fh)}
    with open(cfs / "baltimore_911_description_categories_jhwu92.csv", encoding="utf-8") as fh:
        legacy = {row["description"] for row in csv.DictReader(fh)}
    ours = {d.text for d in vocabulary.DESCRIPTIONS}
    assert real_2024 <= ours  # all 50 2024 descriptions appear
    assert ours <= real_2024 | legacy  # and nothing is invented


@pytest.mark.shared
def test_embedded_places_agree_with_the_real_polygons(shared: Path) -> None:
    import shapely
    from shapely.geometry import shape

    def layer(name: str) -> dict[str, object]:
        data = json.loads((shared / "data" / "geo" / name).read_text())
        return {f["properties"]["name"]: shapely.make_valid(shape(f["geometry"])) for f in data["features"]}

    nbhd = layer("baltimore_neighborhoods_2020.geojson")
    csas = layer("baltimore_csas_2010.geojson")
    districts = layer("baltimore_police_districts_2023.geojson")
    places = embedded_places()
    assert len(places) > 250
    for p in places:
        assert p.neighborhood in nbhd and p.csa in csas and p.district in districts
    # points on the edge of each place's disc still fall inside all three named areas
    for p in places:
        lat = p.lat + 0.95 * p.radius_m / 111_320.0
        for geom in (nbhd[p.neighborhood], csas[p.csa], districts[p.district]):
            assert shapely.contains_xy(geom, p.lon, lat) and shapely.contains_xy(geom, p.lon, p.lat), p


@pytest.mark.shared
def test_shared_names_sample_inside_the_named_polygons(shared: Path, tmp_path: Path) -> None:
    import shapely
    from shapely.geometry import shape

    path = tmp_path / "s.csv"
    summary = write_csv(path, rows=3_000, seed=2, names=str(shared))
    assert str(summary["names"]).startswith("shared:")
    data = json.loads((shared / "data/geo/baltimore_police_districts_2023.geojson").read_text())
    districts = {f["properties"]["name"]: shapely.make_valid(shape(f["geometry"])) for f in data["features"]}
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    inside = [shapely.contains_xy(districts[r["PoliceDistrict"]], float(r["Longitude"]), float(r["Latitude"]))
              for r in rows]
    assert all(inside)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "altresponse.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def test_cli_writes_and_reports_json(tmp_path: Path) -> None:
    out = tmp_path / "cli.csv"
    result = _cli("synth", "baltimore", "--rows", "500", "--seed", "9", "--out", str(out), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["rows"] == 500 and summary["synthetic"] is True
    assert out.exists()


def test_cli_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    from altresponse.cli import main

    def run(*args: str) -> tuple[int, str]:
        with pytest.raises(SystemExit) as exc:
            main(list(args))
        return int(exc.value.code or 0), "".join(capsys.readouterr().err.split())

    code, err = run("synth", "baltimore", "--rows", "-3", "--seed", "1", "--out", str(tmp_path / "x.csv"))
    assert code == 2 and "--rows" in err
    monkeypatch.setattr("altresponse.shared.shared_root", lambda: tmp_path / "nowhere")
    code, err = run("synth", "baltimore", "--rows", "10", "--seed", "1", "--out", str(tmp_path / "x.csv"),
                    "--shared-names")
    assert code == 2 and "nowhere" in err
    assert not (tmp_path / "x.csv").exists()


def test_fast_writer_matches_pyarrow_csv_byte_for_byte(tmp_path: Path) -> None:
    import io

    import pyarrow as pa

    from altresponse.synth import baltimore

    path = tmp_path / "fast.csv"
    write_csv(path, rows=3_000, seed=21)
    arrays = baltimore.generate_arrays(3_000, 21)
    table = baltimore._chunk_table(arrays, baltimore._PoolColumns(arrays["pool"]), pa.array(arrays["texts"]),
                                   pa.array(list(vocabulary.PRIORITIES)), 0, 3_000, 2024)
    reference = io.BytesIO()
    pacsv.write_csv(table, reference, pacsv.WriteOptions(include_header=True, quoting_style="needed"))
    assert path.read_bytes() == reference.getvalue()
