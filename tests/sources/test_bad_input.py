"""Every bad-input case ends in the output, the rejects file or a clear exit 2; nothing is lost."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from altresponse.cli import main
from altresponse.errors import BadInput
from altresponse.sources import ingest

from .helpers import BALTIMORE_2021_HEADER, csv_text, read_rows, row, write_csv


def _rejects(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _line(values: list[str]) -> str:
    return csv_text([values]).splitlines()[1]


def _balanced(s) -> None:
    assert s.rows_in == s.rows_out + s.rows_rejected + s.duplicates_dropped


def test_structural_csv_errors_are_rejected_with_their_line(tmp_path: Path) -> None:
    good = csv_text([row("P1", "2023/05/01 12:00:00+00")])
    lines = good.splitlines()
    lines += [
        "2,P2,2023/05/01 13:00:00+00,Medium",  # short line (line 3)
        _line(row("P3", "2023/05/01 14:00:00+00")) + ",extra",  # long line (line 4)
        _line(row("P4", "2023/05/01 15:00:00+00")).replace("DISORDERLY", '"DISOR"DERLY'),  # broken quote
        _line(row("P5", "2023/05/01 16:00:00+00")),  # good (line 6)
    ]
    src = tmp_path / "calls.csv"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    s = ingest([src], "baltimore", tmp_path / "calls.parquet", rejects=tmp_path / "rej.csv",
               max_rejected_share=1.0)
    _balanced(s)
    assert (s.rows_in, s.rows_out, s.rows_rejected) == (5, 2, 3)
    rej = {r["source_line"]: r for r in _rejects(tmp_path / "rej.csv")}
    assert rej["3"]["reason"] == "short_line"
    assert rej["4"]["reason"] == "long_line"
    assert rej["5"]["reason"] == "broken_quoting"
    assert rej["3"]["raw"].startswith("2,P2,")
    out = {r["call_id"]: r["source_line"] for r in read_rows(tmp_path / "calls.parquet")}
    assert out == {"P1": 2, "P5": 6}


def test_multiline_quoted_field_keeps_physical_line_numbers(tmp_path: Path) -> None:
    rows = [
        row("P1", "2023/05/01 12:00:00+00"),
        row("P2", "2023/05/01 13:00:00+00", description="LINE ONE\nLINE TWO"),
        row("P3", "2023/05/01 14:00:00+00"),
    ]
    text = csv_text(rows) + "4,P4,short\n" + _line(row("P5", "2023/05/01 15:00:00+00")) + "\n"
    src = write_csv(tmp_path / "m.csv", [])
    src.write_text(text, encoding="utf-8")
    s = ingest([src], "baltimore", tmp_path / "m.parquet", rejects=tmp_path / "m.csv.rej.csv")
    _balanced(s)
    lines = {r["call_id"]: r["source_line"] for r in read_rows(tmp_path / "m.parquet")}
    assert lines == {"P1": 2, "P2": 3, "P3": 5, "P5": 7}
    assert [r["source_line"] for r in _rejects(tmp_path / "m.csv.rej.csv")] == ["6"]
    p2 = next(r for r in read_rows(tmp_path / "m.parquet") if r["call_id"] == "P2")
    assert p2["local_call_type"] == "LINE ONE\nLINE TWO"


def test_cp1252_bytes_are_transcoded_and_flagged(tmp_path: Path) -> None:
    text = csv_text(
        [
            row("P1", "2023/05/01 12:00:00+00"),
            row("P2", "2023/05/01 13:00:00+00", description="CAF\u00c9 DISTURBANCE"),
        ]
    )
    src = tmp_path / "cp.csv"
    src.write_bytes(text.encode("utf-8").replace("\u00c9".encode(), "\u00c9".encode("cp1252")))
    with pytest.raises(UnicodeDecodeError):
        src.read_bytes().decode("utf-8")
    s = ingest([src], "baltimore", tmp_path / "cp.parquet")
    _balanced(s)
    assert s.transcoded_lines == 1
    rows = {r["call_id"]: r for r in read_rows(tmp_path / "cp.parquet")}
    assert rows["P2"]["local_call_type"] == "CAF\u00c9 DISTURBANCE"
    assert rows["P2"]["quality_flags"] == "transcoded_cp1252"
    assert rows["P1"]["quality_flags"] is None
    assert s.quality_flags == {"transcoded_cp1252": 1}


def test_timestamps_impossible_gap_and_repeat(tmp_path: Path) -> None:
    rows = [
        row("OK", "2023/05/01 12:00:00"),  # local EDT -> 16:00 UTC
        row("FEB30", "2023/02/30 12:00:00"),  # impossible
        row("HOUR25", "2023/05/01 25:00:00"),  # impossible
        row("GAP", "2023/03/12 02:30:00"),  # spring forward: never happened in New York
        row("REPEAT", "2023/11/05 01:30:00"),  # fall back: happened twice
        row("UTC", "2023/11/05 01:30:00+00"),  # explicit offset: not local
        row("EMPTY", ""),
    ]
    src = write_csv(tmp_path / "t.csv", rows)
    s = ingest([src], "baltimore", tmp_path / "t.parquet", rejects=tmp_path / "t.rej.csv",
               max_rejected_share=1.0)
    _balanced(s)
    out = {r["call_id"]: r for r in read_rows(tmp_path / "t.parquet")}
    assert set(out) == {"OK", "REPEAT", "UTC"}
    assert out["OK"]["received_utc"] == datetime(2023, 5, 1, 16, 0, tzinfo=UTC)
    # First (daylight-time, UTC-4) occurrence of 01:30, flagged.
    assert out["REPEAT"]["received_utc"] == datetime(2023, 11, 5, 5, 30, tzinfo=UTC)
    assert out["REPEAT"]["quality_flags"] == "ambiguous_local_time"
    assert out["UTC"]["received_utc"] == datetime(2023, 11, 5, 1, 30, tzinfo=UTC)
    assert out["UTC"]["quality_flags"] is None
    reasons = {r["raw"].split(",")[1]: r["reason"] for r in _rejects(tmp_path / "t.rej.csv")}
    assert reasons == {
        "FEB30": "bad_timestamp",
        "HOUR25": "bad_timestamp",
        "GAP": "nonexistent_local_time",
        "EMPTY": "missing_timestamp",
    }


def test_coordinates_outside_area_are_nulled_and_flagged(tmp_path: Path) -> None:
    rows = [
        row("IN", "2023/05/01 12:00:00+00"),
        row("ZERO", "2023/05/01 12:00:00+00", lat="0", lon="0"),
        row("FAR", "2023/05/01 12:00:00+00", lat="40.7", lon="-74.0"),
        row("NONE", "2023/05/01 12:00:00+00", lat="", lon=""),
    ]
    s = ingest([write_csv(tmp_path / "c.csv", rows)], "baltimore", tmp_path / "c.parquet")
    out = {r["call_id"]: r for r in read_rows(tmp_path / "c.parquet")}
    assert (out["IN"]["latitude"], out["IN"]["longitude"]) == (39.29, -76.61)
    for cid in ("ZERO", "FAR"):
        assert out[cid]["latitude"] is None and out[cid]["longitude"] is None
        assert out[cid]["quality_flags"] == "coordinates_outside_area"
    assert out["NONE"]["quality_flags"] == "coordinates_missing"
    assert s.quality_flags == {"coordinates_missing": 1, "coordinates_outside_area": 2}


def test_empty_call_type_and_duplicates(tmp_path: Path) -> None:
    rows = [
        row("A", "2023/05/01 12:00:00+00", description="FIRST"),
        row("B", "2023/05/01 12:00:00+00", description="  "),
        row("A", "2023/05/01 13:00:00+00", description="SECOND"),
        row("C", "2023/05/01 12:30:00+00"),
        row("A", "2023/05/01 14:00:00+00", description="THIRD"),
    ]
    s = ingest(
        [write_csv(tmp_path / "d.csv", rows)],
        "baltimore",
        tmp_path / "d.parquet",
        rejects=tmp_path / "d.rej.csv",
    )
    _balanced(s)
    assert (s.rows_in, s.rows_out, s.rows_rejected, s.duplicates_dropped) == (5, 2, 1, 2)
    assert s.rejects_by_reason == {"missing_call_type": 1}
    out = {r["call_id"]: r for r in read_rows(tmp_path / "d.parquet")}
    assert out["A"]["local_call_type"] == "FIRST" and out["A"]["source_line"] == 2


def test_unknown_priority_is_counted_not_guessed(tmp_path: Path) -> None:
    rows = [
        row("A", "2023/05/01 12:00:00+00", priority="High"),
        row("B", "2023/05/01 12:00:00+00", priority="Urgentish"),
        row("C", "2023/05/01 12:00:00+00", priority="Urgentish"),
        row("D", "2023/05/01 12:00:00+00", priority=""),
    ]
    s = ingest([write_csv(tmp_path / "u.csv", rows)], "baltimore", tmp_path / "u.parquet")
    out = {r["call_id"]: r["priority_class"] for r in read_rows(tmp_path / "u.parquet")}
    assert out == {"A": "high", "B": "unknown", "C": "unknown", "D": "unknown"}
    assert s.unknown_codes == {"priority": {"Urgentish": 2}}


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b'{"calls": [1, 2]}', "JSON"),
        (b"\n\n  \n", "blank"),
    ],
)
def test_unusable_files_exit_2(tmp_path: Path, content: bytes, expected: str, capsys) -> None:
    src = tmp_path / "bad.csv"
    src.write_bytes(content)
    with pytest.raises(BadInput, match=expected):
        ingest([src], "baltimore", tmp_path / "o.parquet")
    with pytest.raises(SystemExit) as exc:
        main(["ingest", str(src), "--source", "baltimore", "--profile", "baltimore",
              "--out", str(tmp_path / "o.parquet")])
    assert exc.value.code == 2
    assert "bad.csv" in capsys.readouterr().err
    assert not (tmp_path / "o.parquet").exists()


def test_missing_required_column_names_it_and_lists_expected(tmp_path: Path, capsys) -> None:
    header = [h for h in BALTIMORE_2021_HEADER if h != "Description"]
    rows = [
        [
            v
            for h, v in zip(BALTIMORE_2021_HEADER, row("A", "2023/05/01 12:00:00+00"), strict=True)
            if h != "Description"
        ]
    ]
    src = write_csv(tmp_path / "nodesc.csv", rows, header=header)
    with pytest.raises(SystemExit) as exc:
        main(["ingest", str(src), "--source", "baltimore", "--profile", "baltimore",
              "--out", str(tmp_path / "o.parquet")])
    assert exc.value.code == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "'Description'" in err
    assert "CallDateTime" in err and "IncidentLocation" in err  # the expected headers are listed


def test_header_only_file_is_bad_input(tmp_path: Path) -> None:
    """An export with no records cannot be analysed: exit 2, no calls file left to mislead."""
    src = write_csv(tmp_path / "h.csv", [])
    with pytest.raises(BadInput, match="no records"):
        ingest([src], "baltimore", tmp_path / "h.parquet")
    assert not (tmp_path / "h.parquet").exists()


def test_all_or_most_rows_rejected_is_bad_input_naming_the_reasons(tmp_path: Path) -> None:
    rows = [row(f"B{i}", "2023/02/30 12:00:00") for i in range(3)] + [row("OK", "2023/05/01 12:00:00+00")]
    src = write_csv(tmp_path / "r.csv", rows)
    with pytest.raises(BadInput, match=r"75% of records were rejected.*bad_timestamp x3"):
        ingest([src], "baltimore", tmp_path / "r.parquet", rejects=tmp_path / "r.rej.csv")
    assert not (tmp_path / "r.parquet").exists()
    assert len(_rejects(tmp_path / "r.rej.csv")) == 3  # nothing lost: the rejects are written
    every = write_csv(tmp_path / "e.csv", rows[:3])
    with pytest.raises(BadInput, match="every record was rejected"):
        ingest([every], "baltimore", tmp_path / "e.parquet", max_rejected_share=1.0)
    ok = ingest([src], "baltimore", tmp_path / "r.parquet", max_rejected_share=0.8)
    assert ok.rows_out == 1


def test_cli_json_is_last_line(tmp_path: Path, capsys) -> None:
    src = write_csv(tmp_path / "j.csv", [row("A", "2023/05/01 12:00:00+00")])
    with pytest.raises(SystemExit) as exc:
        main(["ingest", str(src), "--source", "baltimore", "--profile", "baltimore",
              "--out", str(tmp_path / "j.parquet"), "--json"])
    assert exc.value.code == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    data = json.loads(last)
    assert data["rows_in"] == 1 and data["rows_out"] == 1 and data["adapters"] == ["baltimore_2021"]


def test_reason_reject_after_a_broken_record_shows_its_own_record(tmp_path: Path) -> None:
    """The record text of a row rejected for a reason comes from a second read; a structurally
    broken record before it must not shift which record is shown, nor its line."""
    good = csv_text([row("P1", "2023/05/01 12:00:00+00")])
    lines = good.splitlines()
    lines += [
        "2,P2,2023/05/01 13:00:00+00,Medium",  # short line (line 3)
        _line(row("BADTIME", "2023/02/30 10:00:00")),  # bad timestamp (line 4)
        _line(row("P5", "2023/05/01 16:00:00+00")),  # good (line 5)
        _line(row("", "2023/05/01 17:00:00+00")),  # missing call id (line 6)
    ]
    src = tmp_path / "calls.csv"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    s = ingest([src], "baltimore", tmp_path / "calls.parquet", rejects=tmp_path / "rej.csv",
               max_rejected_share=1.0)
    _balanced(s)
    rej = {r["source_line"]: r for r in _rejects(tmp_path / "rej.csv")}
    assert {k: v["reason"] for k, v in rej.items()} == {
        "3": "short_line",
        "4": "bad_timestamp",
        "6": "missing_call_id",
    }
    assert rej["4"]["raw"].split(",")[1] == "BADTIME"
    assert rej["4"]["raw"] == lines[3]
    assert rej["6"]["raw"] == lines[5]
    out = {r["call_id"]: r["source_line"] for r in read_rows(tmp_path / "calls.parquet")}
    assert out == {"P1": 2, "P5": 5}
