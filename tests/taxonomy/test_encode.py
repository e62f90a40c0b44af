"""The encoder: one key in Python and SQL, unknown types counted and reported, never guessed."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from altresponse.errors import BadInput
from altresponse.taxonomy import (
    NORMALIZE_SQL,
    UNMAPPED,
    Crosswalk,
    encode_calls,
    encode_values,
    load_crosswalk,
    normalize_local_type,
)

_text = st.text(
    alphabet=st.sampled_from(list("aAbBzZ09/*&-.  \t\n\r\x0b\x0c\u00a0ßéÉıİ\u2003"))
    | st.characters(codec="utf-8"),
    max_size=30,
)


_CON = duckdb.connect()


@settings(max_examples=150, deadline=None)
@given(values=st.lists(_text, min_size=1, max_size=20))
def test_python_and_sql_keys_agree(values: list[str]) -> None:
    got = [r[0] for r in _CON.execute(f"SELECT {NORMALIZE_SQL.format(col='s')} FROM (SELECT unnest(?) AS s)",
                                      [values]).fetchall()]
    assert got == [normalize_local_type(v) for v in values]


def test_normalize_examples() -> None:
    assert normalize_local_type("  911/NO  VOICE ") == "911/NO VOICE"
    assert normalize_local_type("pEACE\tORDER") == "PEACE ORDER"
    assert normalize_local_type("Larceny f/Auto") == "LARCENY F/AUTO"
    assert normalize_local_type("") == ""


def _xw() -> Crosswalk:
    return Crosswalk.from_rows("t", [("CHECK WELL-BEING", "welfare_check"), ("Loud Music", "noise_complaint"),
                                     ("AUTO ACCIDENT", "traffic_accident")])


def test_encode_calls_maps_and_reports_unknowns() -> None:
    con = duckdb.connect()
    con.register("calls", pa.table({
        "call_id": ["1", "2", "3", "4", "5", "6"],
        "local_call_type": ["check well-being", "LOUD  MUSIC", "Zombie Sighting", "zombie sighting",
                            "NEW THING", "AUTO ACCIDENT"],
    }))
    res = encode_calls(con, "calls", _xw())
    assert (res.mapped_rows, res.unmapped_rows) == (3, 3)
    assert res.unmapped_top[0][1] == 2 and normalize_local_type(res.unmapped_top[0][0]) == "ZOMBIE SIGHTING"
    sql = f"SELECT call_id, common_type || '|' || category FROM ({res.relation_sql})"
    rows = dict(con.execute(sql).fetchall())
    miss = f"{UNMAPPED}|{UNMAPPED}"
    assert rows == {"1": "welfare_check|welfare_assist", "2": "noise_complaint|disorder_quality_of_life",
                    "3": miss, "4": miss, "5": miss, "6": "traffic_accident|traffic"}
    assert res.coverage == pytest.approx(0.5)


def test_encode_calls_accepts_a_query_and_replaces_old_columns() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT 'x' AS call_id, 'Loud Music' AS local_call_type, "
                "'stale' AS common_type, 'stale' AS category")
    res = encode_calls(con, "SELECT * FROM t", _xw())
    cols = [d[0] for d in con.execute(f"DESCRIBE {res.relation_sql}").fetchall()]
    assert cols == ["call_id", "local_call_type", "common_type", "category"]
    assert con.execute(f"SELECT common_type FROM ({res.relation_sql})").fetchone() == ("noise_complaint",)


def test_encode_calls_null_type_is_unmapped_not_dropped() -> None:
    con = duckdb.connect()
    con.register("calls", pa.table({"local_call_type": pa.array([None, "Loud Music"], pa.string())}))
    res = encode_calls(con, "calls", _xw())
    assert (res.mapped_rows, res.unmapped_rows) == (1, 1)


def test_encode_calls_needs_the_column() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT 1 AS a")
    with pytest.raises(BadInput, match="local_call_type"):
        encode_calls(con, "t", _xw())


def test_encode_values_agrees_with_sql() -> None:
    xw = load_crosswalk("baltimore")
    values = ["911/NO  VOICE", "911/no voice", "BEHAVIOR CRISIS", "unheard of", "*PROT. ORDER"]
    enc = encode_values(values, xw)
    con = duckdb.connect()
    con.register("calls", pa.table({"i": list(range(len(values))), "local_call_type": values}))
    res = encode_calls(con, "calls", xw)
    sql = [r[0] for r in con.execute(f"SELECT common_type FROM ({res.relation_sql}) ORDER BY i").fetchall()]
    assert list(enc.common_type) == sql
    assert sql[:3] == ["no_voice_911", "no_voice_911", "behavioral_crisis"] and sql[3] == UNMAPPED
    assert enc.unmapped == {"UNHEARD OF": 1}


def test_crosswalk_conflicts_and_unknown_types_fail_loudly() -> None:
    with pytest.raises(BadInput, match="share the key"):
        Crosswalk.from_rows("t", [("Loud Music", "noise_complaint"), ("LOUD  MUSIC", "disorderly_person")])
    with pytest.raises(BadInput, match="unknown common type"):
        Crosswalk.from_rows("t", [("X", "not_a_type")])
    with pytest.raises(BadInput, match="no crosswalk named"):
        load_crosswalk("atlantis")
