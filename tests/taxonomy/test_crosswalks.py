"""Crosswalk coverage on the real vocabularies and on a synthetic file, and spot checks by hand."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from altresponse.taxonomy import UNMAPPED, encode_calls, encode_values, load_catalogue, load_crosswalk

DECC = "data/other_cities/decc_cad/decc_cad_calls_2025_wk35_48.csv"
SFPD = "data/other_cities/san_francisco/sfpd_calls_for_service_sample_2016_2019.csv"
BALTIMORE_2024 = "data/baltimore_cfs/baltimore_911_descriptions_2024_capstone_subset.csv"
BALTIMORE_JHWU = "data/baltimore_cfs/baltimore_911_description_categories_jhwu92.csv"


def _column(path: Path, name: str) -> list[str]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [row[name] for row in csv.DictReader(fh)]


@pytest.mark.parametrize("name", ["baltimore", "decc", "sfpd"])
def test_builtin_crosswalks_load_and_use_known_types(name: str) -> None:
    xw = load_crosswalk(name)
    cat = load_catalogue()
    assert len(xw) > 100
    assert all(e.common_type in cat for e in xw)


@pytest.mark.shared
@pytest.mark.parametrize(("name", "rel", "column", "distinct"), [
    ("decc", DECC, "Problem", 303),
    ("sfpd", SFPD, "original_crime_type_name", 931),
    ("baltimore", BALTIMORE_2024, "Description", 50),
    ("baltimore", BALTIMORE_JHWU, "description", 175),
])
def test_row_coverage_on_real_files(shared: Path, name: str, rel: str, column: str, distinct: int) -> None:
    values = _column(shared / rel, column)
    assert len(set(values)) == distinct
    enc = encode_values(values, load_crosswalk(name))
    assert enc.coverage >= 0.99, enc.unmapped.most_common(10)


@pytest.mark.shared
def test_sql_encoder_coverage_on_decc_rows(shared: Path) -> None:
    con = duckdb.connect()
    path = str(shared / DECC).replace("'", "''")
    res = encode_calls(con, f"SELECT Problem AS local_call_type FROM read_csv('{path}', all_varchar=true)",
                       load_crosswalk("decc"))
    assert res.total_rows == 22147
    assert res.unmapped_rows == 0 and res.coverage == 1.0


def test_row_coverage_on_a_synthetic_file(tmp_path: Path) -> None:
    from altresponse.synth.baltimore import write_csv

    out = tmp_path / "synthetic.csv"
    write_csv(out, rows=5000, seed=11)
    values = _column(out, "Description")
    assert len(values) == 5000
    enc = encode_values(values, load_crosswalk("baltimore"))
    assert enc.coverage >= 0.99, enc.unmapped.most_common(10)


@pytest.mark.parametrize(("name", "local", "expected"), [
    ("baltimore", "911/NO  VOICE", "no_voice_911"),
    ("baltimore", "BEHAVIOR CRISIS", "behavioral_crisis"),
    ("baltimore", "CHECK WELL-BEING", "welfare_check"),
    ("baltimore", "*PROT. ORDER", "protective_order"),
    ("baltimore", "NARCOTICSOutside", "narcotics_complaint"),
    ("baltimore", "FAMILY DISTURB", "domestic_dispute"),
    ("baltimore", "Business Check", "business_check"),
    ("decc", "MENTAL HEALTH CASE", "behavioral_crisis"),
    ("decc", "SUICIDE IN PROG INJ/PILLS", "suicide_attempt"),
    ("decc", "DIP - DRUNK/INTOX PERSON", "intoxicated_person"),
    ("decc", "CARDIAC ARREST ALS 2- SUPV", "cardiac_arrest"),
    ("sfpd", "Homeless Complaint", "homeless_person"),
    ("sfpd", "915", "homeless_person"),
    ("sfpd", "601", "trespass"),
    ("sfpd", "5150", "behavioral_crisis"),
    ("sfpd", "800", "behavioral_crisis"),
    ("sfpd", "22500e", "parking_complaint"),
    ("sfpd", "7.2.46", "parking_complaint"),
    ("sfpd", "Passing Call", "directed_patrol"),
])
def test_reviewed_spot_checks(name: str, local: str, expected: str) -> None:
    assert load_crosswalk(name).lookup(local) == expected


def test_unknown_local_type_is_unmapped_never_guessed() -> None:
    xw = load_crosswalk("baltimore")
    assert xw.lookup("CHECK WELL-BEING PLEASE") == UNMAPPED
    assert xw.category("CHECK WELL-BEING PLEASE") == UNMAPPED


@pytest.mark.shared
def test_category_mix_of_sfpd_is_plausible(shared: Path) -> None:
    values = _column(shared / SFPD, "original_crime_type_name")
    enc = encode_values(values, load_crosswalk("sfpd"))
    share = Counter(enc.category)
    n = len(values)
    # "other" holds only call-note fragments that name no incident: a small share, stated in the docs.
    assert share["other"] / n < 0.04
    assert share["behavioral_health"] / n > 0.015


def test_folder_named_like_a_crosswalk_does_not_shadow_it(tmp_path, monkeypatch) -> None:
    from altresponse.taxonomy import load_crosswalk

    (tmp_path / "decc").mkdir()
    monkeypatch.chdir(tmp_path)
    assert load_crosswalk("decc").name == "decc"


def test_apco_crosswalk_follows_the_catalogue() -> None:
    from altresponse.taxonomy import load_catalogue, load_crosswalk

    catalogue = load_catalogue()
    apco = load_crosswalk("apco")
    with_code = {t.apco_code: t.id for t in catalogue.types.values() if t.apco_code}
    assert len(apco.entries) == len(with_code) > 50
    for code, type_id in with_code.items():
        assert apco.lookup(code) == type_id
