"""The real DECC CAD and SFPD files: every record conserved, codes mapped or counted."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from altresponse import schema
from altresponse.sources import ingest

pytestmark = pytest.mark.shared

DECC = ("data", "other_cities", "decc_cad", "decc_cad_calls_2025_wk35_48.csv")
SFPD = ("data", "other_cities", "san_francisco", "sfpd_calls_for_service_sample_2016_2019.csv")


def test_decc_all_rows_conserved(shared: Path, tmp_path: Path) -> None:
    src = shared.joinpath(*DECC)
    s = ingest([src], "decc", tmp_path / "decc.parquet", rejects=tmp_path / "decc.rejects.csv")
    assert s.rows_in == 22147
    assert s.rows_in == s.rows_out + s.rows_rejected + s.duplicates_dropped
    # Nine incidents have an empty incident number (the "8 duplicates" of 22,139 unique values).
    assert s.rejects_by_reason == {"missing_call_id": 9}
    assert s.rows_out == 22138
    # Priority 10's meaning is not published: counted, never guessed.
    assert s.unknown_codes == {"priority": {"10": 33}}
    assert s.quality_flags.get("ambiguous_local_time", 0) > 0

    con = duckdb.connect()
    path = str(tmp_path / "decc.parquet")
    raw = f"read_csv('{src}', all_varchar=true) WHERE Master_Incident_Number IS NOT NULL"
    agencies = dict(con.execute(f"SELECT agency, count(*) FROM '{path}' GROUP BY 1").fetchall())
    assert agencies == dict(con.execute(f"SELECT Agency, count(*) FROM {raw} GROUP BY 1").fetchall())
    origin = dict(con.execute(f"SELECT origin, count(*) FROM '{path}' GROUP BY 1").fetchall())
    expected_officer = con.execute(
        f"SELECT count(*) FROM {raw} AND Call_Reception IN ('OFFICER', 'Radio')"
    ).fetchone()[0]
    assert origin["officer_initiated"] == expected_officer > 3000
    disp = dict(con.execute(f"SELECT disposition_class, count(*) FROM '{path}' GROUP BY 1").fetchall())
    assert disp["report"] >= 2385 and disp["citation"] == 1356
    # The first row: 2025-08-24 00:07:06 EDT = 04:07:06 UTC; dispatched 00:09:46.810.
    first = con.execute(
        f"SELECT received_utc, dispatch_delay_s FROM '{path}' WHERE call_id = '25-071089'"
    ).fetchone()
    assert first[0] == datetime(2025, 8, 24, 4, 7, 6, tzinfo=UTC)
    assert first[1] == pytest.approx(160.81)

    # Fall-back hour (2025-11-02 01:xx local happened twice): resolved to the first, daylight-time
    # occurrence (05:xx UTC) and flagged; nothing lands in the second occurrence (06:xx UTC).
    def window(lo: str, hi: str) -> tuple[int, int]:
        row = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE quality_flags LIKE '%ambiguous_local_time%') "
            f"FROM '{path}' "
            f"WHERE received_utc >= TIMESTAMPTZ '2025-11-02 {lo}:00:00+00' "
            f"AND received_utc < TIMESTAMPTZ '2025-11-02 {hi}:00:00+00'"
        ).fetchone()
        return int(row[0]), int(row[1])

    n_first, n_flagged = window("05", "06")
    assert n_first > 0 and n_flagged == n_first
    assert window("06", "07")[0] == 0
    assert pq.read_schema(path).equals(schema.CALLS.arrow_schema())


def test_sfpd_all_rows_conserved(shared: Path, tmp_path: Path) -> None:
    src = shared.joinpath(*SFPD)
    s = ingest([src], "sfpd", tmp_path / "sf.parquet")
    assert s.rows_in == 24833
    assert (s.rows_out, s.rows_rejected, s.duplicates_dropped) == (24833, 0, 0)
    assert s.unknown_codes == {}
    con = duckdb.connect()
    path = str(tmp_path / "sf.parquet")
    row = con.execute(f"""SELECT received_utc, disposition_class, time_zone, agency, latitude
                          FROM '{path}' WHERE call_id = '161100690'""").fetchone()
    # 04/19/2016 07:45 AM Pacific daylight time = 14:45 UTC.
    assert row[:4] == (
        datetime(2016, 4, 19, 14, 45, tzinfo=UTC),
        "advised_handled",
        "America/Los_Angeles",
        "SFPD",
    )
    assert row[4] == pytest.approx(37.7424950002)
    disp = dict(con.execute(f"SELECT disposition_class, count(*) FROM '{path}' GROUP BY 1").fetchall())
    assert disp["arrest"] == 224 and disp["citation"] == 2472
