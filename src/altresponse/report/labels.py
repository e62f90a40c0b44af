"""Names people read: call types by their catalogue label, pathways and teams by their facts' labels.

Pages never show a code name where a label exists. An id that has no label (a local call type, an
``unmapped`` marker) is shown as written, with underscores as spaces.
"""

from __future__ import annotations

from functools import cache

from altresponse.facts import OUTCOME_LABELS, PATHWAY_FACTS, TEAM_TYPES
from altresponse.taxonomy import load_catalogue


@cache
def _type_names() -> dict[str, str]:
    return {t.id: t.name for t in load_catalogue()}


def call_type(type_id: str | None) -> str:
    """A common incident type by its catalogue name ("Welfare check")."""
    if type_id is None:
        return "–"
    if type_id == "unmapped":
        return "Not mapped to a common type"
    return _type_names().get(type_id, type_id.replace("_", " "))


def pathway(pathway_id: str | None) -> str:
    if pathway_id is None:
        return "–"
    fact = PATHWAY_FACTS.get(pathway_id)
    return fact.label if fact else pathway_id.replace("_", " ")


def team_type(team_id: str) -> str:
    fact = TEAM_TYPES.get(team_id)
    return fact.label if fact else pathway(team_id)


def outcome(disposition_class: str) -> str:
    return OUTCOME_LABELS.get(disposition_class, disposition_class.replace("_", " "))


def category(category_id: str | None) -> str:
    """A category id in words ("behavioral_health" -> "Behavioral health")."""
    if category_id is None:
        return "–"
    if category_id == "unmapped":
        return "Not mapped"
    text = category_id.replace("_", " ")
    return text[:1].upper() + text[1:]


def plain(text: str | None) -> str:
    """Any other id or setting in words."""
    return "–" if text is None else str(text).replace("_", " ")
