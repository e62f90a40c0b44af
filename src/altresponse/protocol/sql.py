"""The same protocol compiled to one DuckDB SQL expression, for classifying millions of calls at once.

The compiled query computes one outcome index per row with a nested CASE (rules in order, then each
rule's screens in order: the same first-match walk as `decide()`), then reads pathway, responder,
rule ids and reasons from list literals built from `Protocol.outcomes`. Both executors therefore share
one outcome table; a property test proves they agree on every generated call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import duckdb

from altresponse.errors import BadInput
from altresponse.protocol.model import UNKNOWN, Protocol, Rule

OUTPUT_COLUMNS: tuple[str, ...] = ("pathway", "responder", "rule_ids", "reasons", "protocol_version")


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _in_list(values: Iterable[str]) -> str:
    return ", ".join(_lit(v) for v in sorted(values))


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def answer_sql(protocol: Protocol, qid: str, column_sql: str) -> str:
    """Normalized answer: NULL or blank -> 'unknown'; trimmed, lower-cased; anything else raises.

    Answers already in canonical form take the first branch, so the trimming and the error check
    only run on the rare rows that need them.
    """
    allowed = protocol.question(qid).values
    values = _in_list(allowed)
    txt = f"lower(trim(CAST({column_sql} AS VARCHAR)))"
    msg = _lit(f"column answer_{qid}: answer is not one of {', '.join(sorted(allowed))}")
    return (f"CASE WHEN {column_sql} IN ({values}) THEN CAST({column_sql} AS VARCHAR) "
            f"WHEN {column_sql} IS NULL OR {txt} = '' THEN {_lit(UNKNOWN)} "
            f"WHEN {txt} IN ({values}) THEN {txt} ELSE error({msg}) END")


# MPDS key: letters and digits only, upper-case (same as normalize_mpds); clean codes skip the regex.
MPDS_SQL = ("CASE WHEN {col} IS NULL THEN '' "
            "WHEN regexp_full_match(CAST({col} AS VARCHAR), '[0-9A-Z]*') THEN CAST({col} AS VARCHAR) "
            "ELSE upper(regexp_replace(CAST({col} AS VARCHAR), '[^0-9A-Za-z]', '', 'g')) END")


def _rule_condition(rule: Rule) -> str:
    parts = []
    if rule.mpds_codes is not None:
        parts.append(f"__mpds IN ({_in_list(rule.mpds_codes)})")
    if rule.common_types is not None:
        parts.append(f"__ct IN ({_in_list(rule.common_types)})")
    if rule.categories is not None:
        parts.append(f"__cat IN ({_in_list(rule.categories)})")
    return " AND ".join(parts) if parts else "TRUE"


def _rule_outcome_sql(rule: Rule) -> str:
    whens = []
    for screen in rule.screens:
        by_outcome: dict[int, list[str]] = {}
        for value, idx in screen.route.items():
            by_outcome.setdefault(idx, []).append(value)
        for idx, values in by_outcome.items():
            whens.append(f"WHEN __a_{screen.question} IN ({_in_list(values)}) THEN {idx + 1}")
    if not whens:
        return str(rule.outcome + 1)
    return "CASE " + " ".join(whens) + f" ELSE {rule.outcome + 1} END"


def outcome_index_sql(protocol: Protocol) -> str:
    """SQL giving the 1-based index into `protocol.outcomes` (needs the __mpds and __a_* columns)."""
    *head, last = protocol.rules
    whens = " ".join(f"WHEN {_rule_condition(r)} THEN {_rule_outcome_sql(r)}" for r in head)
    return f"CASE {whens} ELSE {_rule_outcome_sql(last)} END" if whens else _rule_outcome_sql(last)


def _source(relation_sql: str) -> str:
    text = relation_sql.strip()
    if text.lower().startswith(("select", "with", "from", "values")):
        return f"({text})"
    return f"(SELECT * FROM {text})"


def bulk_decide(con: duckdb.DuckDBPyConnection, relation_sql: str, protocol: Protocol,
                fill_answers: Mapping[str, str] | None = None) -> str:
    """SQL selecting the input's columns plus pathway, responder, rule_ids, reasons, protocol_version.

    `relation_sql` is a table or view name, a table function (``read_parquet('x')``) or a query. Input
    columns used: common_type, category, mpds_code and answer_<question id>; any that are absent count
    as NULL (unanswered). `fill_answers` supplies an answer per question id for rows whose answer column
    is NULL, blank or absent (see `history_answers`). Input columns named like the outputs are replaced.
    """
    source = _source(relation_sql)
    cols = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source} AS __probe").fetchall()]
    colset = set(cols)
    fill = dict(fill_answers or {})
    for qid, v in fill.items():
        if qid not in protocol.answer_values or v not in protocol.answer_values[qid]:
            raise BadInput(f"fill_answers: {v!r} is not an answer to question {qid!r}")

    def col_or_null(name: str) -> str:
        return f"__src.{_ident(name)}" if name in colset else "CAST(NULL AS VARCHAR)"

    derived = [
        f"{col_or_null('common_type')} AS __ct",
        f"{col_or_null('category')} AS __cat",
        f"{MPDS_SQL.format(col=col_or_null('mpds_code'))} AS __mpds",
    ]
    for q in protocol.questions:
        raw = col_or_null(f"answer_{q.id}")
        if q.id in fill:
            raw = f"coalesce(nullif(trim(CAST({raw} AS VARCHAR)), ''), {_lit(fill[q.id])})"
        derived.append(f"{answer_sql(protocol, q.id, raw)} AS __a_{q.id}")
    kept = [c for c in cols if c not in OUTPUT_COLUMNS]
    outs = protocol.outcomes
    lists = {
        "pathway": [o.pathway for o in outs],
        "responder": [o.responder for o in outs],
        "rule_ids": [";".join(o.rule_ids) for o in outs],
        "reasons": [";".join(o.reasons) for o in outs],
    }
    select = [f"__o.{_ident(c)}" for c in kept]
    for name, values in lists.items():
        select.append(f"[{', '.join(_lit(v) for v in values)}][__o.__outcome] AS {name}")
    select.append(f"{_lit(protocol.version)} AS protocol_version")
    return (
        f"SELECT {', '.join(select)} FROM ("
        f"SELECT __d.*, {outcome_index_sql(protocol)} AS __outcome FROM ("
        f"SELECT __src.*, {', '.join(derived)} FROM {source} AS __src) AS __d) AS __o"
    )
