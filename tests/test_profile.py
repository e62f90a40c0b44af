from pathlib import Path

import pytest

from altresponse.errors import BadInput
from altresponse.profile import load_profile


def test_builtin_baltimore_profile() -> None:
    profile = load_profile("baltimore")
    assert profile.time_zone == "America/New_York"
    assert profile.bbox.contains(-76.61, 39.29)  # downtown Baltimore
    assert not profile.bbox.contains(-77.03, 38.90)  # Washington, DC


def test_profile_missing_field_names_file(tmp_path: Path) -> None:
    bad = tmp_path / "city.yaml"
    bad.write_text("city: x\n")
    with pytest.raises(BadInput, match=r"city\.yaml"):
        load_profile(bad)


def test_relative_file_references_resolve_against_the_profile_folder(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "city"
    folder.mkdir()
    (folder / "crosswalk.csv").write_text("local_call_type,common_type,note\nNOISE,noise_complaint,\n")
    (folder / "profile.yaml").write_text(
        "city: testville\nagency: TPD\ntime_zone: America/Chicago\n"
        "bbox: {min_lon: -88, min_lat: 41, max_lon: -87, max_lat: 42}\ncrosswalk: crosswalk.csv\n"
        "protocol: baltimore\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the working directory must not matter
    for ref in (folder / "profile.yaml", folder):
        profile = load_profile(ref)
        assert profile.crosswalk == str((folder / "crosswalk.csv").resolve())
        assert profile.protocol == "baltimore"  # a bare name stays a built-in name
    (folder / "profile.yaml").write_text((folder / "profile.yaml").read_text().replace(
        "crosswalk.csv", "missing.csv"))
    with pytest.raises(BadInput, match=r"missing\.csv.*relative to the profile's folder"):
        load_profile(folder)


def test_ingest_stores_the_profile_in_the_calls_metadata(tmp_path: Path) -> None:
    from altresponse.profile import profile_from_calls, require_profile
    from altresponse.sources import ingest
    from tests.sources.helpers import row, write_csv

    src = write_csv(tmp_path / "c.csv", [row("A", "2023/05/01 12:00:00+00")])
    ingest([src], "baltimore", tmp_path / "c.parquet", profile="baltimore")
    stored = profile_from_calls(tmp_path / "c.parquet")
    assert stored is not None and stored.city == "baltimore" and stored.agency == "BPD"
    assert require_profile(None, tmp_path / "c.parquet").city == "baltimore"
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"x": [1]}), tmp_path / "bare.parquet")
    assert profile_from_calls(tmp_path / "bare.parquet") is None
    with pytest.raises(BadInput, match="a city profile is required"):
        require_profile(None, tmp_path / "bare.parquet")


def test_ingest_without_a_profile_asks_for_one(tmp_path: Path) -> None:
    """Forgetting --profile used to apply Baltimore's profile to any export, silently."""
    from tests.sources.helpers import row, write_csv
    from tests.test_cli import run_cli

    src = write_csv(tmp_path / "c.csv", [row("A", "2023/05/01 12:00:00+00")])
    result = run_cli("ingest", str(src), "--source", "baltimore", "--out", str(tmp_path / "c.parquet"))
    assert result.returncode == 2, result.stderr
    assert "--profile" in result.stderr
    assert not (tmp_path / "c.parquet").exists()
