"""Versioned triage protocol: one rule set, two executors.

`decide()` routes one live call; `bulk_decide()` compiles the same rules to one DuckDB SQL expression
for millions of historical calls. A property test proves they agree.
"""

from altresponse.protocol.decide import decide, normalize_answer, normalize_answers
from altresponse.protocol.history import history_answer_columns, history_answers
from altresponse.protocol.model import (
    EMERGENCY_PATHWAYS,
    CallFacts,
    Decision,
    Protocol,
    Question,
    Rule,
    Screen,
    load_protocol,
    normalize_mpds,
)
from altresponse.protocol.sql import bulk_decide, outcome_index_sql

__all__ = [
    "EMERGENCY_PATHWAYS",
    "CallFacts",
    "Decision",
    "Protocol",
    "Question",
    "Rule",
    "Screen",
    "bulk_decide",
    "decide",
    "history_answer_columns",
    "history_answers",
    "load_protocol",
    "normalize_answer",
    "normalize_answers",
    "normalize_mpds",
    "outcome_index_sql",
]
