"""The one-pass path gives exactly what the staged path gives, and hands over whatever it cannot do."""

from __future__ import annotations

import hashlib
import importlib
from pathlib import Path
from typing import Any

import pytest

from altresponse.sources import ingest

from .helpers import read_rows, row, write_csv

onepass = importlib.import_module("altresponse.sources.onepass")
ingest_module = importlib.import_module("altresponse.sources.ingest")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _mixed(tmp_path: Path, n: int = 2500) -> Path:
    """An export in call order with something for every count: reason rejects, an unknown priority,
    coordinates outside the area or missing, an ambiguous local time, a quoted comma."""
    rows = []
    for i in range(n):
        when = f"2023/11/{5 + i // 1440:02d} {(i // 60) % 24:02d}:{i % 60:02d}:00+00"
        rows.append(row(f"Q{i:05d}", when, record=str(i)))
    rows[10][1] = ""  # missing call id
    rows[20][2] = "2023/02/30 12:00:00"  # impossible time
    rows[30][2] = "2023/03/12 02:30:00"  # daylight-saving gap
    rows[40][5] = ""  # missing call type
    rows[50][3] = "Urgent-ish"  # unknown priority code
    rows[60][16], rows[60][17] = "0", "0"  # outside the area
    rows[70][16], rows[70][17] = "", ""  # no coordinates
    rows[80][5] = "SICK, PERSON"  # quoted comma in the raw record
    rows[330][2] = "2023/11/05 01:30:00"  # local, in the repeated hour: 05:30 UTC, its own time
    return write_csv(tmp_path / "mixed.csv", rows)


def _run(
    tmp_path: Path, src: Path, name: str, rejects_suffix: str = ".csv"
) -> tuple[dict[str, Any], Path, Path]:
    out, rej = tmp_path / f"{name}.parquet", tmp_path / f"{name}.rej{rejects_suffix}"
    s = ingest([src], "baltimore", out, rejects=rej).as_dict()
    s.pop("seconds")
    for key in ("out", "rejects_path"):
        s.pop(key)
    return s, out, rej


@pytest.mark.parametrize("rejects_suffix", [".csv", ".parquet"])
def test_one_pass_equals_staged_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rejects_suffix: str
) -> None:
    src = _mixed(tmp_path)
    taken: list[bool] = []
    real = onepass.ingest_one_pass

    def spy(*args: Any) -> bool:
        taken.append(real(*args))
        return taken[-1]

    monkeypatch.setattr(onepass, "ingest_one_pass", spy)
    fast, fast_out, fast_rej = _run(tmp_path, src, "fast", rejects_suffix)
    assert taken == [True]
    monkeypatch.setattr(onepass, "ingest_one_pass", lambda *args: False)
    slow, slow_out, slow_rej = _run(tmp_path, src, "slow", rejects_suffix)

    assert fast == slow
    assert _sha(fast_out) == _sha(slow_out)
    assert _sha(fast_rej) == _sha(slow_rej)
    assert fast["rejects_by_reason"] == {
        "bad_timestamp": 1,
        "missing_call_id": 1,
        "missing_call_type": 1,
        "nonexistent_local_time": 1,
    }
    assert fast["unknown_codes"] == {"priority": {"Urgent-ish": 1}}
    assert fast["quality_flags"] == {
        "ambiguous_local_time": 1,
        "coordinates_missing": 1,
        "coordinates_outside_area": 1,
    }
    lines = {r["call_id"]: r["source_line"] for r in read_rows(fast_out)}
    assert lines["Q00000"] == 2 and lines["Q02499"] == 2501


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda text: text.replace("Q00100,", "Q00099,", 1), id="duplicate call id"),
        pytest.param(lambda text: text + 'x,"unclosed\n', id="broken record"),
        pytest.param(
            lambda text: text.replace("100 N CHARLES ST", "100 N\nCHARLES ST", 1), id="multi-line record"
        ),
        pytest.param(
            lambda text: text.replace("2023/11/05 00:05:00", "2023/11/06 00:05:00", 1), id="out of order"
        ),
    ],
)
def test_what_one_pass_cannot_do_goes_to_the_staged_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spoil: Any
) -> None:
    src = _mixed(tmp_path, 400)
    src.write_text(spoil(src.read_text()))
    taken: list[bool] = []
    real = onepass.ingest_one_pass

    def spy(*args: Any) -> bool:
        taken.append(real(*args))
        return taken[-1]

    monkeypatch.setattr(onepass, "ingest_one_pass", spy)
    fast, fast_out, fast_rej = _run(tmp_path, src, "fast")
    assert taken == [False]
    monkeypatch.setattr(onepass, "ingest_one_pass", lambda *args: False)
    slow, slow_out, slow_rej = _run(tmp_path, src, "slow")
    assert fast == slow  # the abandoned attempt left nothing behind
    assert _sha(fast_out) == _sha(slow_out) and _sha(fast_rej) == _sha(slow_rej)
    assert fast["rows_in"] == fast["rows_out"] + fast["rows_rejected"] + fast["duplicates_dropped"]


def test_many_rejects_are_left_to_the_staging_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows rejected for a reason are held in memory only up to a bound; beyond it the staged path runs."""
    src = _mixed(tmp_path, 400)
    monkeypatch.setattr(onepass, "MAX_HELD_REJECTS", 3)  # the file has 4
    taken: list[bool] = []
    real = onepass.ingest_one_pass

    def spy(*args: Any) -> bool:
        taken.append(real(*args))
        return taken[-1]

    monkeypatch.setattr(onepass, "ingest_one_pass", spy)
    s, _, _ = _run(tmp_path, src, "bounded")
    assert taken == [False] and s["rows_rejected"] == 4 and s["rows_out"] == 396
