"""Output contract: exact schema, byte-identical re-runs, atomic writes, --append de-duplication."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from altresponse import schema
from altresponse.errors import BadInput
from altresponse.sources import ingest

from .helpers import read_rows, row, write_csv


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _month(tmp_path: Path, name: str, month: int, ids: range) -> Path:
    rows = [
        row(f"P{i}", f"2023/{month:02d}/{1 + i % 27:02d} {i % 24:02d}:{i % 60:02d}:00+00", record=str(i))
        for i in ids
    ]
    return write_csv(tmp_path / name, rows)


def test_output_columns_are_exactly_the_calls_schema(tmp_path: Path) -> None:
    src = _month(tmp_path, "a.csv", 1, range(20))
    ingest([src], "baltimore", tmp_path / "calls.parquet", rejects=tmp_path / "rej.parquet")
    got = pq.read_schema(tmp_path / "calls.parquet")
    assert got.names == schema.CALLS.names
    assert got.equals(schema.CALLS.arrow_schema())
    assert pq.read_schema(tmp_path / "rej.parquet").equals(schema.REJECTS.arrow_schema())
    first = read_rows(tmp_path / "calls.parquet")[0]
    assert first["source_system"] == "baltimore" and first["agency"] == "BPD"
    assert first["time_zone"] == "America/New_York" and first["is_synthetic"] is False


def test_reingest_is_byte_identical_and_sorted(tmp_path: Path) -> None:
    src = _month(tmp_path, "a.csv", 1, range(500))
    ingest([src], "baltimore", tmp_path / "one.parquet")
    ingest([src], "baltimore", tmp_path / "two.parquet")
    assert _sha(tmp_path / "one.parquet") == _sha(tmp_path / "two.parquet")
    again = tmp_path / "one.parquet"
    before = _sha(again)
    ingest([src], "baltimore", again)
    assert _sha(again) == before
    keys = [(r["received_utc"], r["call_id"]) for r in read_rows(again)]
    assert keys == sorted(keys)


def test_append_two_months_keeps_existing_rows(tmp_path: Path) -> None:
    out = tmp_path / "calls.parquet"
    jan = _month(tmp_path, "jan.csv", 1, range(0, 300))
    feb_rows = [
        row(f"P{i}", f"2023/02/{1 + i % 27:02d} 10:00:00+00", description="FEBRUARY") for i in range(250, 600)
    ]
    feb = write_csv(tmp_path / "feb.csv", feb_rows)
    s1 = ingest([jan], "baltimore", out)
    assert s1.rows_total == 300
    s2 = ingest([feb], "baltimore", out, append=True)
    assert s2.rows_in == 350 and s2.duplicates_dropped == 50 and s2.rows_out == 300
    assert s2.rows_in == s2.rows_out + s2.rows_rejected + s2.duplicates_dropped
    assert s2.rows_total == 600 and s2.appended_to_existing == 300
    rows = {r["call_id"]: r for r in read_rows(out)}
    assert len(rows) == 600
    assert rows["P260"]["local_call_type"] == "DISORDERLY"  # the January row won
    assert rows["P500"]["local_call_type"] == "FEBRUARY"
    # Appending the same month again adds nothing.
    s3 = ingest([feb], "baltimore", out, append=True)
    assert s3.rows_out == 0 and s3.duplicates_dropped == 350 and s3.rows_total == 600


def test_two_files_in_one_run_keep_first_file_rows(tmp_path: Path) -> None:
    a = write_csv(tmp_path / "a.csv", [row("X", "2023/05/01 12:00:00+00", description="FROM A")])
    b = write_csv(
        tmp_path / "b.csv",
        [row("X", "2023/05/01 12:00:00+00", description="FROM B"), row("Y", "2023/05/01 12:00:00+00")],
    )
    s = ingest([a, b], "baltimore", tmp_path / "ab.parquet")
    assert (s.rows_in, s.rows_out, s.duplicates_dropped) == (3, 2, 1)
    rows = {r["call_id"]: r for r in read_rows(tmp_path / "ab.parquet")}
    assert rows["X"]["local_call_type"] == "FROM A" and rows["X"]["source_file"] == "a.csv"
    assert rows["Y"]["source_file"] == "b.csv"


def test_failed_ingest_leaves_old_output(tmp_path: Path) -> None:
    out = tmp_path / "calls.parquet"
    ingest([_month(tmp_path, "a.csv", 1, range(10))], "baltimore", out)
    before = _sha(out)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01binary")
    with pytest.raises(BadInput):
        ingest([_month(tmp_path, "b.csv", 2, range(10)), bad], "baltimore", out)
    assert _sha(out) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_append_refuses_a_foreign_parquet(tmp_path: Path) -> None:
    import pyarrow as pa

    out = tmp_path / "calls.parquet"
    pq.write_table(pa.table({"x": [1]}), out)
    with pytest.raises(BadInput, match="columns differ"):
        ingest([_month(tmp_path, "a.csv", 1, range(3))], "baltimore", out, append=True)


def test_synthetic_column_marks_rows(tmp_path: Path) -> None:
    from .helpers import BALTIMORE_2021_HEADER

    header = [*BALTIMORE_2021_HEADER, "Synthetic"]
    rows = [[*row("S1", "2023/05/01 12:00:00+00"), "true"], [*row("S2", "2023/05/01 12:00:00+00"), "false"]]
    ingest([write_csv(tmp_path / "s.csv", rows, header=header)], "baltimore", tmp_path / "s.parquet")
    flags = {r["call_id"]: r["is_synthetic"] for r in read_rows(tmp_path / "s.parquet")}
    assert flags == {"S1": True, "S2": False}


def test_duckdb_gets_two_thirds_of_the_memory_budget() -> None:
    from altresponse.sources.ingest import duckdb_share

    assert duckdb_share("1500MB") == "1000MB"
    assert duckdb_share("3GB") == "2000MB"
    assert duckdb_share("1GiB") == "715MB"
    assert duckdb_share("80%") == "80%"  # a form we do not parse is passed to DuckDB unchanged


def _in_order(tmp_path: Path, n: int) -> Path:
    # One call a minute: already in call order.
    when = [f"2023/03/{1 + i // 1440:02d} {(i // 60) % 24:02d}:{i % 60:02d}:00+00" for i in range(n)]
    rows = [row(f"Q{i:05d}", when[i], record=str(i)) for i in range(n)]
    return write_csv(tmp_path / "ordered.csv", rows)


def test_in_order_file_skips_the_sort_and_gives_the_sorted_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An export already in call order is written without a sort; the result must be byte for byte
    what the sorted path writes, and both paths must be taken as intended."""
    import importlib

    ingest_module = importlib.import_module("altresponse.sources.ingest")  # the module, not the function
    src = _in_order(tmp_path, 3000)
    seen: list[bool] = []
    check = ingest_module._strictly_increasing

    def spy(keys):  # records the verdicts of the real check
        seen.append(check(keys))
        return seen[-1]

    monkeypatch.setattr(ingest_module, "_strictly_increasing", spy)
    ingest([src], "baltimore", tmp_path / "direct.parquet")
    assert seen and all(seen)  # in order: no fallback
    monkeypatch.setattr(ingest_module, "_strictly_increasing", lambda keys: False)
    ingest([src], "baltimore", tmp_path / "sorted.parquet")
    assert _sha(tmp_path / "direct.parquet") == _sha(tmp_path / "sorted.parquet")
    lines = [r["source_line"] for r in read_rows(tmp_path / "direct.parquet")]
    assert lines == list(range(2, 3002))


def test_order_check_compares_whole_keys() -> None:
    import pyarrow as pa

    from altresponse.sources.ingest import SORT_KEY, _strictly_increasing

    def keys(rows: list[tuple]) -> pa.RecordBatch:
        cols = list(zip(*rows, strict=True))
        t = [pa.timestamp("us", tz="UTC"), pa.string(), pa.string(), pa.string(), pa.int64()]
        arrays = [pa.array(c, typ) for c, typ in zip(cols, t, strict=True)]
        return pa.RecordBatch.from_arrays(arrays, list(SORT_KEY))

    a = (1_000_000, "B", "X", "f.csv", 2)
    assert _strictly_increasing(keys([a, (1_000_000, "C", "X", "f.csv", 3)]))
    assert not _strictly_increasing(keys([a, (1_000_000, "A", "X", "f.csv", 3)]))  # tie, then call_id
    assert not _strictly_increasing(keys([a, a]))  # equal keys go to the sort
    assert not _strictly_increasing(keys([a, (999_999, "Z", "Z", "z.csv", 9)]))
    assert _strictly_increasing(keys([a, (1_000_000, "B", "X", "f.csv", 3)]))
