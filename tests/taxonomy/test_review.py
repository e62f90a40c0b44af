"""Review that is safe by construction: no suggestion lowers a call's response level on its own."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from altresponse.errors import BadInput
from altresponse.taxonomy import Crosswalk, load_catalogue, load_crosswalk
from altresponse.taxonomy.crosswalk import REVIEW_COLUMNS
from altresponse.taxonomy.review import accept_rows, entry_from_suggestion
from altresponse.taxonomy.suggest import Suggester
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def suggester() -> Suggester:
    return Suggester.from_crosswalks(["baltimore", "decc", "sfpd"])


@pytest.mark.parametrize("text", ["PERSON STABBED", "CHILD ABUSE", "ELDER ABUSE", "MAN WITH A GUN",
                                  "HANDGUN VIOLATIO", "ASSAULT IN PROGRESS", "DOMESTIC VIOLENCE",
                                  "WELFARE CHECK - PERSON SHOT", "SUBJECT WITH KNIFE", "FIGHT"])
def test_danger_words_never_go_below_police(suggester: Suggester, text: str) -> None:
    s = suggester.suggest(text)
    cat = load_catalogue()
    assert s.common_type != "unmapped", s
    assert not cat.get(s.common_type).allows_alternative, s
    assert s.pathway in ("police", "ems", "fire"), s


def test_a_crime_in_progress_stays_with_police(suggester: Suggester) -> None:
    s = suggester.suggest("THEFT IN PROGRESS")
    assert s.pathway == "police" and s.confidence <= 0.5 and s.safety == "in_progress"


def test_a_string_two_agencies_read_differently_is_low_confidence_and_says_why(suggester: Suggester) -> None:
    s = suggester.suggest("INVESTIGATION")
    assert s.confidence <= 0.3
    assert "ambiguous" in s.reason and "decc" in s.reason and "baltimore" in s.reason
    status = entry_from_suggestion(s, load_catalogue()).status
    assert status == "needs_review"


@pytest.mark.parametrize(("text", "expected"), [
    ("PARK AND WALK", "directed_patrol"), ("RETURN TO STATION", "officer_status"),
    ("OUT OF SERVICE", "officer_status"), ("REPORT WRITING", "officer_status"),
    ("MEAL BREAK", "officer_status"), ("TRAFFIC STOP", "traffic_stop"), ("BUSINESS CHECK", "business_check"),
])
def test_officer_work_and_status_are_recognized(suggester: Suggester, text: str, expected: str) -> None:
    s = suggester.suggest(text)
    assert s.common_type == expected, s
    assert load_catalogue().get(expected).origin == "officer_initiated"


def test_lowering_suggestions_wait_for_a_person(suggester: Suggester, tmp_path: Path) -> None:
    cat = load_catalogue()
    welfare = suggester.suggest("CHECK WELL-BEING")  # confident, but could go to a community responder
    stab = suggester.suggest("ASSAULT")
    rows = [entry_from_suggestion(welfare, cat, calls=40), entry_from_suggestion(stab, cat, calls=9)]
    assert welfare.confidence >= 0.8 and rows[0].status == "needs_review"
    assert rows[1].status == "accepted"
    xw = Crosswalk("city", (rows[1],), cat, (rows[0],), True)
    assert xw.lookup("CHECK WELL-BEING") == "unmapped" and xw.lookup("assault") == "assault"
    path = tmp_path / "crosswalk.csv"
    path.write_text(xw.to_csv_text(), encoding="utf-8")
    header = path.read_text().splitlines()[0].split(",")
    assert tuple(header) == REVIEW_COLUMNS
    assert [r["local_call_type"] for r in csv.DictReader(path.open())] == ["CHECK WELL-BEING", "ASSAULT"]
    again = load_crosswalk(path)
    assert again.lookup("CHECK WELL-BEING") == "unmapped" and len(again.pending) == 1
    done = accept_rows(again, {"check well-being": None}, by="A. Reviewer", at="2026-12-01T10:00:00Z")
    row = next(e for e in done if e.key == "CHECK WELL-BEING")
    assert (row.common_type, row.reviewed_by, row.reviewed_at, row.suggested_type) == (
        "welfare_check", "A. Reviewer", "2026-12-01T10:00:00Z", "welfare_check")
    path.write_text(done.to_csv_text(), encoding="utf-8")
    assert load_crosswalk(path).lookup("check well-being") == "welfare_check"
    # A hand edit that accepts a lowering row without naming who fails loudly.
    text = path.read_text().replace("A. Reviewer", "")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInput, match="names no reviewer"):
        load_crosswalk(path)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "altresponse.cli", "taxonomy", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def test_accept_creates_the_crosswalk_and_records_the_person(tmp_path: Path) -> None:
    types = tmp_path / "types.txt"
    types.write_text("CHECK WELL-BEING\nCOMMON ASSAULT\n", encoding="utf-8")
    res = run_cli("suggest", str(types), "--json")
    assert res.returncode == 0, res.stderr
    sugg = tmp_path / "s.json"
    sugg.write_text(res.stdout, encoding="utf-8")
    xw = tmp_path / "new" / "city.csv"
    xw.parent.mkdir()
    res = run_cli("accept", str(sugg), "--crosswalk", str(xw), "--json")
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout.strip().splitlines()[-1])
    assert (summary["accepted"], summary["needs_review"]) == (1, 1)
    rows = {r["local_call_type"]: r for r in csv.DictReader(xw.open(encoding="utf-8"))}
    assert rows["CHECK WELL-BEING"]["status"] == "needs_review"
    res = run_cli("accept", "--crosswalk", str(xw), "--type", "CHECK WELL-BEING")
    assert res.returncode == 2 and "--by" in res.stderr
    res = run_cli("accept", "--crosswalk", str(xw), "--type", "CHECK WELL-BEING", "--by", "J. Doe", "--json")
    assert res.returncode == 0, res.stderr
    rows = {r["local_call_type"]: r for r in csv.DictReader(xw.open(encoding="utf-8"))}
    assert rows["CHECK WELL-BEING"]["status"] == "accepted"
    assert rows["CHECK WELL-BEING"]["reviewed_by"] == "J. Doe" and rows["CHECK WELL-BEING"]["reviewed_at"]
