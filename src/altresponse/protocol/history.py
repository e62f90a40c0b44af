"""Answers for historical calls, whose screening questions were never asked or recorded.

History tells us a call's type, not what a call-taker would have heard. The protocol names the policy
(a `history_scenarios` entry) used to fill the answers, so the pathway a historical call gets is its
*candidate* pathway under that policy. The share of candidates that would fail screening in practice is
not guessed here: the risk model carries it, with its uncertainty.

- ``screening_passed`` (default): every safety question "no" — the upper bound on eligibility.
- ``unanswered``: every question "unknown" — what the protocol does when screening is skipped.
"""

from __future__ import annotations

from altresponse.errors import BadInput
from altresponse.protocol.model import UNKNOWN, Protocol

DEFAULT_SCENARIO = "screening_passed"


def history_answers(protocol: Protocol, scenario: str = DEFAULT_SCENARIO) -> dict[str, str]:
    """One answer per question id under the named policy (questions it leaves out are "unknown")."""
    scenarios = protocol.history_scenarios
    if scenario not in scenarios:
        expected = ", ".join(sorted(scenarios))
        raise BadInput(f"unknown history scenario {scenario!r} (expected one of {expected})")
    given = scenarios[scenario].get("answers") or {}
    return {q.id: str(given.get(q.id, UNKNOWN)) for q in protocol.questions}


def history_answer_columns(protocol: Protocol, scenario: str = DEFAULT_SCENARIO) -> dict[str, str]:
    """The same policy keyed by input column name (answer_<question id>), for frames and SQL."""
    return {f"answer_{qid}": value for qid, value in history_answers(protocol, scenario).items()}
