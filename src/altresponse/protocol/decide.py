"""Decide one call: pure, no I/O, a handful of dict look-ups (the live-call executor)."""

from __future__ import annotations

from collections.abc import Mapping

from altresponse.errors import UnknownCode
from altresponse.protocol.model import UNKNOWN, CallFacts, Decision, Protocol


def normalize_answer(protocol: Protocol, qid: str, value: object) -> str:
    """An answer as the protocol reads it: missing or blank -> "unknown"; anything unlisted fails loudly.

    Mirrors the SQL executor exactly: spaces trimmed, lower-cased.
    """
    if value is None:
        return UNKNOWN
    text = str(value).strip(" ").lower()
    if text == "":
        return UNKNOWN
    allowed = protocol.answer_values[qid]
    if text not in allowed:
        raise UnknownCode(f"answer {value!r} to question {qid!r} is not one of {', '.join(sorted(allowed))}",
                          column=f"answer_{qid}")
    return text


def normalize_answers(protocol: Protocol, answers: Mapping[str, object]) -> dict[str, str]:
    """Every answer to a protocol question, normalized; keys that are not question ids are ignored."""
    return {k: normalize_answer(protocol, k, v) for k, v in answers.items() if k in protocol.answer_values}


def decide(protocol: Protocol, call: CallFacts, answers: Mapping[str, str | None]) -> Decision:
    """Pathway, responder, rule ids and reasons for one call, given the call-taker's answers.

    A question missing from `answers` counts as unanswered ("unknown"), and every screen sends an
    unknown safety answer to a safer pathway, so skipping a question can never route a call away from
    police, EMS or a joint response. An answer that is not one of the question's values is an error.
    """
    if not protocol.valid_pairs.issuperset(answers.items()):  # rare: blanks, case, None, extra keys
        answers = normalize_answers(protocol, answers)
    steps, base = protocol.plan_for(call.common_type, call.category, call.mpds_code)
    outcomes = protocol.outcomes
    for question, route in steps:
        hit = route.get(answers.get(question) or UNKNOWN)
        if hit is not None:
            return outcomes[hit]
    return outcomes[base]
