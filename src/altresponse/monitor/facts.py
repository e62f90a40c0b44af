"""What actually happened on a decided call, as plain records the measures are computed from.

A decision says where a call *should* go; a `CallFact` says who was asked, who actually went and
what came of it. Diversion is counted from `actual_pathway`, never from `decided_pathway`: a call
decided for a community responder that fell back to police co-response is not a diversion.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from altresponse.facts import ALTERNATIVE_PATHWAYS, DECLINE_REASONS, PATHWAY_FACTS

# Pathways where no police, fire or EMS unit is sent by design come from `altresponse.facts`;
# co-response sends police with a clinician, so it is not a diversion.
NOT_DIVERTED: frozenset[str] = frozenset(p for p, f in PATHWAY_FACTS.items() if not f.alternative)
__all__ = ["ALTERNATIVE_PATHWAYS", "DECLINE_REASONS", "NOT_DIVERTED"]
NONE = "none"  # nobody went (gone on arrival, cancelled, unserved)

# Why an eligible call was not taken by an alternative team (the gap B-HEARD's audit found untracked).
UNSERVED_REASONS: tuple[str, ...] = (
    "off_duty",
    "busy",
    "declined",
    "outside_area",
    "no_provider",
    "cancelled",
    "other",
)
# Provider decline reasons, coded so declines can be counted by reason.
BACKUP_KINDS: tuple[str, ...] = ("none", "police", "ems", "police_and_ems")
# Fifths of the areas' median household income, lowest first (equity breakdowns).
INCOME_BANDS: tuple[str, ...] = (
    "lowest fifth",
    "second fifth",
    "middle fifth",
    "fourth fifth",
    "highest fifth",
)


def place_key(lon: float | None, lat: float | None) -> str | None:
    """The key repeat calls are matched on: the point snapped to a ~110 m block grid (3 decimals),
    the same coarsening the store applies to a decision's location."""
    if lon is None or lat is None:
        return None
    return f"{round(lon, 3):.3f},{round(lat, 3):.3f}"


def is_alternative(pathway: str | None) -> bool:
    return pathway in ALTERNATIVE_PATHWAYS


@dataclass(frozen=True)
class CallFact:
    """One decided call and what actually happened (times zone-aware UTC; seconds for durations)."""

    decision_id: int
    decided_at: datetime
    decided_pathway: str
    common_type: str
    area: str | None
    asked_organization: str | None = None  # the responder that was asked (first referral)
    actual_pathway: str | None = None  # None = not yet recorded
    actual_organization: str | None = None
    unserved_reason: str | None = None
    declines: tuple[str, ...] = ()  # coded decline reasons, one per declined referral
    seconds_to_accept: float | None = None
    seconds_to_arrive: float | None = None
    seconds_on_scene: float | None = None
    outcome: str | None = None
    backup: str = "none"
    injury: bool = False
    use_of_force: bool = False
    arrest: bool = False
    transport: bool = False
    referral_completed: bool = False
    place_key: str | None = None  # coarse block key for repeat-call counting, never an address

    @property
    def eligible(self) -> bool:
        """The protocol found the call eligible for an alternative response."""
        return is_alternative(self.decided_pathway)

    @property
    def recorded(self) -> bool:
        return self.actual_pathway is not None

    @property
    def diverted(self) -> bool:
        """An alternative team actually went and no police/EMS were called in afterwards."""
        return (
            self.actual_pathway is not None and is_alternative(self.actual_pathway) and self.backup == "none"
        )

    @property
    def reached(self) -> bool:
        """An alternative team actually responded (backup or not)."""
        return self.actual_pathway is not None and is_alternative(self.actual_pathway)

    @property
    def police_backup(self) -> bool:
        return self.backup in ("police", "police_and_ems")


@dataclass(frozen=True)
class AreaProfile:
    """An area's composition from the city's indicators, for equity breakdowns."""

    area: str
    income_band: str | None = None  # e.g. "lowest fifth"
    majority_group: str | None = None  # e.g. "majority Black"
