"""Review that is safe by construction: which suggestions may be accepted without a person, and how a
person's acceptance is recorded.

A suggestion is accepted on its own only when it cannot lower a call's response level: it is confident
(`AUTO_ACCEPT_CONFIDENCE`), names a type, and that type keeps police, fire or EMS (the protocol has no
alternative pathway for it). Everything else waits as `needs_review` and its calls stay `unmapped`,
which the protocol sends to police. A person accepts a row by name (`accept_rows`), and the crosswalk
keeps who, when and from which suggestion.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from altresponse.errors import BadInput
from altresponse.taxonomy.catalogue import UNMAPPED, Catalogue
from altresponse.taxonomy.crosswalk import (
    ACCEPTED,
    NEEDS_REVIEW,
    Crosswalk,
    CrosswalkEntry,
    normalize_local_type,
)
from altresponse.taxonomy.suggest import Suggestion

AUTO_ACCEPT_CONFIDENCE = 0.8


def lowers_response(type_id: str, catalogue: Catalogue) -> bool:
    """Whether mapping a call to `type_id` could take it away from police, fire and EMS."""
    return type_id != UNMAPPED and catalogue.get(type_id).allows_alternative


def proposed_status(s: Suggestion, catalogue: Catalogue,
                    min_confidence: float = AUTO_ACCEPT_CONFIDENCE) -> str:
    """`accepted` only for a confident suggestion that keeps the emergency response; else `needs_review`."""
    if s.common_type == UNMAPPED or s.confidence < min_confidence:
        return NEEDS_REVIEW
    if lowers_response(s.common_type, catalogue):
        return NEEDS_REVIEW
    return ACCEPTED


def entry_from_suggestion(s: Suggestion, catalogue: Catalogue, calls: int | None = None,
                          min_confidence: float = AUTO_ACCEPT_CONFIDENCE) -> CrosswalkEntry:
    """A worksheet row for one suggestion, with the status the safety policy allows."""
    status = proposed_status(s, catalogue, min_confidence)
    why = s.reason
    if status == NEEDS_REVIEW and lowers_response(s.common_type, catalogue):
        why = f"{why}; {s.common_type} could go to a pathway without police, so only a person can accept it"
    note = "accepted automatically: confident and keeps police, fire or EMS" if status == ACCEPTED else ""
    return CrosswalkEntry(s.text, s.common_type, note, status=status, calls=calls,
                          suggested_type=s.common_type, confidence=s.confidence, reason=why)


def accept_rows(crosswalk: Crosswalk, choices: Mapping[str, str | None], *, by: str, at: str) -> Crosswalk:
    """Accept the named local call types (optionally as another type), recording who and when.

    `choices` maps a local call type (any spelling) to the common type to accept it as, or None to
    accept the suggestion in the row. Unknown names and `unmapped` fail loudly.
    """
    if not by.strip():
        raise BadInput("--by must name the person accepting")
    catalogue = crosswalk.catalogue
    rows = {e.key: e for e in crosswalk.all_rows()}
    accepted: list[CrosswalkEntry] = []
    replaced: set[str] = set()
    for text, as_type in choices.items():
        key = normalize_local_type(text)
        row = rows.get(key)
        if row is None:
            raise BadInput(f"{text!r} is not a row of the crosswalk {crosswalk.name!r}", column="--type")
        type_id = as_type or row.common_type
        if type_id == UNMAPPED:
            raise BadInput(f"{text!r} has no suggestion: give the type to accept it as (TEXT=common_type)",
                           column="--type")
        catalogue.get(type_id)  # unknown ids fail loudly
        automatic = row.note.startswith("accepted automatically")
        note = row.note if row.note and not automatic else f"accepted by {by.strip()}"
        accepted.append(replace(row, common_type=type_id, status=ACCEPTED, reviewed_by=by.strip(),
                                reviewed_at=at, suggested_type=row.suggested_type or row.common_type,
                                note=note))
        replaced.add(key)
    keep = tuple(e for e in crosswalk.entries if e.key not in replaced)
    pending = tuple(e for e in crosswalk.pending if e.key not in replaced)
    return Crosswalk(crosswalk.name, keep + tuple(accepted), catalogue, pending, True)
