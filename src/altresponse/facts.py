"""Facts about responders, outcomes and time, defined once as metadata.

Which pathways are alternatives to police, which field team answers each, what a team's crew is,
which call outcomes count as a safety outcome, the cap on a plausible unit busy time and the
peer programmes' capture rates: every module that needs one of these reads it from here (city
values come from the profile, which may override the defaults named here, never re-type them).
Nothing here imports the rest of the package but `schema`.
"""

from __future__ import annotations

from dataclasses import dataclass

from altresponse.schema import DISPOSITION_CLASSES, PATHWAYS

DAYS_PER_YEAR = 365.25
"""Days in an average year: the one factor between a measured period and a year."""

BUSY_CAP_HOURS = 12.0
"""A unit busy (dispatch to clear) longer than this is a CAD artefact (a call left open), not work."""

POLICE_HOURS_PER_FTE = 1718.0
"""Productive police hours a year per FTE: 8,760 h / 5.1 FTE per 24/7 post (relief-factor example,
research/programs.md D.2). The analysis, staffing and plan all turn hours into FTE with this one value."""

POLICE_HOURS_PER_FTE_SOURCE = "8,760 h a year / 5.1 FTE per 24/7 post (relief-factor example)"

DEFAULT_OFFICER_HOURS_PER_CALL = 1.5
DEFAULT_OFFICER_HOURS_SOURCE = "published default: Houston Crisis Call Diversion, 1.5 police hours per call"


@dataclass(frozen=True)
class PathwayFact:
    """One response pathway: what it is called and what sending a call there means."""

    id: str
    label: str
    alternative: bool
    """True when sending a call here means no police unit goes (a diversion)."""
    team_type: str | None
    """The field team that answers it, or None for a phone line or an agency."""
    safety_rank: int
    """How much protection it brings on scene; a screen may only move a call up or sideways."""


PATHWAY_FACTS: dict[str, PathwayFact] = {
    p.id: p
    for p in (
        PathwayFact("police", "Police", False, None, 3),
        PathwayFact("ems", "EMS (ambulance)", False, None, 3),
        PathwayFact("fire", "Fire", False, None, 3),
        PathwayFact("co_response", "Police with a clinician (co-response)", False, "co_response", 2),
        PathwayFact("behavioral_health_team", "Behavioral-health team", True, "behavioral_health_team", 1),
        PathwayFact("community_responder", "Community responder", True, "community_responder", 1),
        PathwayFact("homeless_outreach", "Homeless outreach", True, "homeless_outreach", 1),
        PathwayFact("crisis_line_988", "988 crisis line", True, None, 1),
        PathwayFact("311_administrative", "311 / administrative", True, None, 0),
    )
}
assert set(PATHWAY_FACTS) == set(PATHWAYS), "PATHWAY_FACTS must cover schema.PATHWAYS"

ALTERNATIVE_PATHWAYS: tuple[str, ...] = tuple(p for p in PATHWAYS if PATHWAY_FACTS[p].alternative)
"""Pathways on which no police unit goes: the calls a program diverts."""

EMERGENCY_PATHWAYS: frozenset[str] = frozenset({"police", "ems", "fire"})

TEAM_OF_PATHWAY: dict[str, str] = {
    p: f.team_type for p, f in PATHWAY_FACTS.items() if f.team_type is not None
}
"""Pathway -> field team type, for every pathway a field team answers (co-response included: its
clinicians are staffed, but police still attend, so it frees no police time)."""

SAFETY_RANK: dict[str, int] = {p: f.safety_rank for p, f in PATHWAY_FACTS.items()}


@dataclass(frozen=True)
class TeamTypeFact:
    """A field team type: its label and the roles of one crew (a profile may change the crew)."""

    id: str
    label: str
    crew: tuple[str, ...]
    crew_source: str

    @property
    def crew_size(self) -> int:
        return len(self.crew)


TEAM_TYPES: dict[str, TeamTypeFact] = {
    t.id: t
    for t in (
        TeamTypeFact("behavioral_health_team", "Behavioral-health team", ("clinician", "paramedic"),
                     "Denver STAR: paramedic + clinician"),
        TeamTypeFact("community_responder", "Community responder team", ("community_responder", "emt"),
                     "Oakland MACRO: EMT + community intervention specialist"),
        TeamTypeFact("homeless_outreach", "Homeless outreach team", ("peer", "community_responder"),
                     "outreach pair (assumption)"),
        TeamTypeFact("co_response", "Co-response clinician", ("clinician",),
                     "Durham co-response: a clinician riding with an officer (officer not costed)"),
    )
}
assert set(TEAM_OF_PATHWAY.values()) <= set(TEAM_TYPES), "every pathway team needs a TeamTypeFact"


# -- call outcomes ---------------------------------------------------------------------------

SAFETY_OUTCOMES_DEFAULT: tuple[str, ...] = ("arrest", "report")
"""Disposition classes that count as a serious (safety) outcome unless the profile says otherwise:
an arrest, or a report written (a crime found). Citations are enforcement, not a safety risk: a
parking ticket does not mean the call needed an armed officer."""

OUTCOME_LABELS: dict[str, str] = {
    "report": "a report written",
    "arrest": "an arrest",
    "citation": "a citation",
    "advised_handled": "advised or handled on scene",
    "unfounded_goa": "unfounded or gone on arrival",
    "cancelled": "cancelled",
    "false_alarm": "false alarm",
    "transported": "a transport",
    "unknown": "unknown",
}
assert set(OUTCOME_LABELS) == set(DISPOSITION_CLASSES)


def serious_outcome_words(classes: tuple[str, ...] | list[str]) -> str:
    """The serious-outcome definition in words, printed beside every risk figure."""
    words = [OUTCOME_LABELS[c] for c in classes]
    if not words:
        return "no outcome counts as serious"
    body = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
    return f"a serious outcome is {body}"


# -- capture: how many eligible calls call-takers actually send ---------------------------------


@dataclass(frozen=True)
class CaptureFact:
    """The share of eligible calls an alternative programme actually serves once running."""

    low: float
    mode: float
    high: float
    ramp_months: float
    source: str


CAPTURE_DEFAULT = CaptureFact(
    low=0.44,
    mode=0.50,
    high=0.65,
    ramp_months=6.0,
    source=(
        "peer programmes: Denver STAR reached 44% (2022) and about 46% (2023) of eligible calls; "
        "Durham HEART 50–55%; NYC B-HEARD about 65% (FY2022–24, derived from the Comptroller's audit)"
    ),
)


def capture_for(value: float | None) -> CaptureFact:
    """The capture rate a city uses: its profile's point value (`simulate.capture`), else the peers' range."""
    if value is None:
        return CAPTURE_DEFAULT
    if not 0 < float(value) <= 1:
        raise ValueError(f"simulate.capture must be in (0, 1], got {value}")
    v = float(value)
    return CaptureFact(low=v, mode=v, high=v, ramp_months=CAPTURE_DEFAULT.ramp_months,
                       source="set in the city profile")


DECLINE_REASONS: tuple[str, ...] = (
    "no_capacity",
    "outside_service_area",
    "outside_service_hours",
    "not_eligible",
    "safety_concern",
    "duplicate",
    "other",
)
"""Why a provider declined a referral: codes, not free text, so no caller detail can be typed into
the record; the store refuses any other, and monitoring counts declines by these."""
