"""`altresponse taxonomy ...` end to end: suggest -> accept -> coverage, and bad input exits 2."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tests.conftest import ROOT


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "altresponse.cli", "taxonomy", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def test_suggest_accept_coverage_round_trip(tmp_path: Path) -> None:
    types = tmp_path / "types.txt"
    types.write_text("CHEST PAIN CHARLIE\nSUSP VEH\nQWXZ\nCHEST PAIN CHARLIE\n\nLOUD  MUSIC\n",
                     encoding="utf-8")
    res = run_cli("suggest", str(types), "--known", "decc", "--json")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout.strip().splitlines()[-1])
    rows = {s["text"]: s for s in doc["suggestions"]}
    assert list(rows) == ["CHEST PAIN CHARLIE", "SUSP VEH", "QWXZ", "LOUD  MUSIC"]
    assert set(rows["SUSP VEH"]) >= {"text", "common_type", "category", "pathway", "confidence"}
    assert rows["CHEST PAIN CHARLIE"]["common_type"] == "heart_problem"
    assert rows["CHEST PAIN CHARLIE"]["pathway"] == "ems"
    assert rows["QWXZ"]["common_type"] == "unmapped"

    suggestions = tmp_path / "suggestions.json"
    suggestions.write_text(res.stdout, encoding="utf-8")
    xw = tmp_path / "city.csv"
    xw.write_text("local_call_type,common_type,note\nLoud Music,disorderly_person,reviewed by hand\n",
                  encoding="utf-8")
    res = run_cli("accept", str(suggestions), "--crosswalk", str(xw), "--min-confidence", "0.5", "--json")
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout.strip().splitlines()[-1])
    assert summary["accepted"] == 2 and summary["already_known"] == 1 and summary["skipped"] == 1
    with xw.open(newline="", encoding="utf-8") as fh:
        table = list(csv.DictReader(fh))
    assert [r["local_call_type"] for r in table] == ["CHEST PAIN CHARLIE", "Loud Music", "SUSP VEH"]
    assert table[1]["common_type"] == "disorderly_person"  # the reviewed row was not overwritten
    again = run_cli("accept", str(suggestions), "--crosswalk", str(xw), "--json")
    assert json.loads(again.stdout.strip().splitlines()[-1])["accepted"] == 0
    assert len(list(csv.DictReader(xw.open(encoding="utf-8")))) == 3  # no duplicates

    calls = tmp_path / "calls.parquet"
    pq.write_table(pa.table({"call_id": ["1", "2", "3", "4"],
                             "local_call_type": ["susp veh", "chest pain charlie", "NEW", "NEW"]}), calls)
    res = run_cli("coverage", str(calls), "--crosswalk", str(xw), "--json")
    assert res.returncode == 0, res.stderr
    cov = json.loads(res.stdout.strip().splitlines()[-1])
    assert (cov["mapped_rows"], cov["unmapped_rows"]) == (2, 2)
    assert cov["unmapped_top"] == [{"local_call_type": "NEW", "rows": 2}]


def test_bad_input_exits_2(tmp_path: Path) -> None:
    res = run_cli("coverage", str(tmp_path / "missing.parquet"), "--crosswalk", "baltimore")
    assert res.returncode == 2 and "missing.parquet" in res.stderr
    res = run_cli("coverage", str(tmp_path / "missing.parquet"), "--crosswalk", "atlantis")
    assert res.returncode == 2 and "atlantis" in res.stderr
    bad = tmp_path / "bad.json"
    bad.write_text('{"suggestions": [{"text": "X", "common_type": "no_such_type", "confidence": 1}]}\n')
    xw = tmp_path / "x.csv"
    xw.write_text("local_call_type,common_type,note\n")
    res = run_cli("accept", str(bad), "--crosswalk", str(xw))
    assert res.returncode == 2 and "no_such_type" in res.stderr


def test_empty_inputs_exit_2(tmp_path: Path) -> None:
    empty = tmp_path / "types.txt"
    empty.write_text("\n  \n", encoding="utf-8")
    res = run_cli("suggest", str(empty))
    assert res.returncode == 2 and "no call types" in " ".join(res.stderr.split())
    calls = tmp_path / "none.parquet"
    pq.write_table(pa.table({"local_call_type": pa.array([], pa.string())}), calls)
    res = run_cli("coverage", str(calls), "--crosswalk", "decc")
    assert res.returncode == 2 and "no calls" in " ".join(res.stderr.split())
    sugg = tmp_path / "s.json"
    sugg.write_text('{"suggestions": []}\n', encoding="utf-8")
    res = run_cli("accept", str(sugg), "--crosswalk", str(tmp_path / "x.csv"))
    assert res.returncode == 2 and "empty" in " ".join(res.stderr.split())
