"""One protocol, two executors: `decide()` and the compiled SQL agree on every generated call."""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from altresponse.errors import UnknownCode
from altresponse.protocol import CallFacts, Protocol, bulk_decide, decide, history_answers, load_protocol
from altresponse.schema import CATEGORIES

PROTO = load_protocol("baltimore")
EXTRA_TYPES = {"unmapped", "shooting", "cardiac_arrest", "structure_fire", "no_such_type"}
TYPE_IDS = sorted(PROTO.type_ids() | EXTRA_TYPES)
MPDS = [None, "25A01", "25a02", "25-B-03", "25B04", "26A01", "", " 25 a 01 "]


def answer_values(qid: str) -> st.SearchStrategy[Any]:
    values = list(PROTO.question(qid).values)
    odd = [v.upper() for v in values] + ["", " "]
    return st.one_of(st.none(), st.sampled_from(values), st.sampled_from(odd))


call_strategy = st.fixed_dictionaries({
    "common_type": st.sampled_from(TYPE_IDS),
    "category": st.sampled_from([*CATEGORIES, "unmapped"]),
    "mpds_code": st.sampled_from(MPDS),
    **{f"answer_{q}": answer_values(q) for q in PROTO.question_ids},
})


OUT = ("pathway", "responder", "rule_ids", "reasons", "protocol_version")


_CON = duckdb.connect()  # one in-process database for every example (connecting costs more than a query)


def run_bulk(proto: Protocol, rows: list[dict[str, Any]], **kw: Any) -> list[dict[str, Any]]:
    schema = pa.schema([(k, pa.string()) for k in rows[0]])
    _CON.register("calls_in", pa.Table.from_pylist(rows, schema=schema))
    try:
        sql = bulk_decide(_CON, "calls_in", proto, **kw)
        cur = _CON.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    finally:
        _CON.unregister("calls_in")


def one(proto: Protocol, row: dict[str, Any], fill: dict[str, str] | None = None) -> tuple[str, ...]:
    answers = {q: row.get(f"answer_{q}") for q in proto.question_ids}
    if fill:
        answers = {q: (v if v is not None and str(v).strip(" ") else fill[q]) for q, v in answers.items()}
    d = decide(proto, CallFacts(row["common_type"], row["category"], row["mpds_code"]), answers)
    return d.pathway, d.responder, ";".join(d.rule_ids), ";".join(d.reasons), d.protocol_version


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(call_strategy, min_size=1, max_size=60))
def test_decide_and_sql_agree(rows: list[dict[str, Any]]) -> None:
    out = run_bulk(PROTO, rows)
    assert len(out) == len(rows)
    for row, got in zip(rows, out, strict=True):
        expected = one(PROTO, row)
        assert (got["pathway"], got["responder"], got["rule_ids"], got["reasons"],
                got["protocol_version"]) == expected, row
        assert got["common_type"] == row["common_type"]  # input columns are kept


@settings(max_examples=15, deadline=None)
@given(st.lists(call_strategy, min_size=1, max_size=30))
def test_agree_with_history_fill(rows: list[dict[str, Any]]) -> None:
    fill = history_answers(PROTO)
    out = run_bulk(PROTO, rows, fill_answers=fill)
    for row, got in zip(rows, out, strict=True):
        assert (got["pathway"], got["responder"], got["rule_ids"], got["reasons"],
                got["protocol_version"]) == one(PROTO, row, fill), row


def test_every_outcome_is_reachable_by_both() -> None:
    """Exhaustive over rules x screens x answers: covers every row of the outcome table."""
    rows = []
    for rule in PROTO.rules:
        ctype = sorted(rule.common_types)[0] if rule.common_types else "other"
        cat = sorted(rule.categories)[0] if rule.categories else "other"
        mpds = sorted(rule.mpds_codes)[0] if rule.mpds_codes else None
        for screen in rule.screens:
            for value in PROTO.question(screen.question).values:
                base = {f"answer_{q}": "no" for q in PROTO.question_ids}
                base["answer_location_type"] = "public_space"
                base[f"answer_{screen.question}"] = value
                rows.append({"common_type": ctype, "category": cat, "mpds_code": mpds, **base})
        rows.append({"common_type": ctype, "category": cat, "mpds_code": mpds,
                     **{f"answer_{q}": None for q in PROTO.question_ids}})
    out = run_bulk(PROTO, rows)
    seen = set()
    for row, got in zip(rows, out, strict=True):
        exp = one(PROTO, row)
        assert tuple(got[k] for k in OUT) == exp
        seen.add(exp[2])
    assert seen == {";".join(o.rule_ids) for o in PROTO.outcomes}


def test_invalid_answer_fails_in_both() -> None:
    row = {"common_type": "welfare_check", "category": "welfare_assist", "mpds_code": None,
           "answer_weapon": "maybe"}
    with pytest.raises(UnknownCode):
        one(PROTO, row)
    with pytest.raises(duckdb.Error, match="answer_weapon"):
        run_bulk(PROTO, [row])


def test_missing_columns_count_as_unanswered() -> None:
    con = duckdb.connect()
    sql = bulk_decide(con, "SELECT 'welfare_check' AS common_type, 'welfare_assist' AS category", PROTO)
    pathway, rule_ids = con.execute(f"SELECT pathway, rule_ids FROM ({sql})").fetchone()  # type: ignore[misc]
    assert (pathway, rule_ids) == ("co_response", "WELFARE-CHECK;G1-WEAPON.unknown")


def test_output_columns_replace_existing_ones() -> None:
    con = duckdb.connect()
    sql = bulk_decide(con, "SELECT 'shooting' AS common_type, 'violent_crime' AS category, 'old' AS pathway",
                      PROTO)
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    assert names.count("pathway") == 1
    assert cur.fetchone()[names.index("pathway")] == "police"  # type: ignore[index]


@settings(max_examples=30, deadline=None)
@given(call_strategy, st.sampled_from(PROTO.question_ids),
       st.text(alphabet=st.sampled_from(list("yesnoUNKOWpublic_ \t")), max_size=8))
def test_arbitrary_answer_text_agrees_or_fails_in_both(row: dict[str, Any], qid: str, text: str) -> None:
    row = {**row, f"answer_{qid}": text}
    try:
        expected: tuple[str, ...] | None = one(PROTO, row)
    except UnknownCode:
        expected = None
    if expected is None:
        with pytest.raises(duckdb.Error, match=f"answer_{qid}"):
            run_bulk(PROTO, [row])
    else:
        got = run_bulk(PROTO, [row])[0]
        assert tuple(got[k] for k in OUT) == expected
