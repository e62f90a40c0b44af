"""The plan's typed result: everything the plan document shows, computed from the inputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from altresponse.plan.config import PlanConfig
from altresponse.plan.gaps import ServiceCover, TypeGap
from altresponse.plan.inputs import LocalData, Transferred
from altresponse.plan.peers import PeerCatalogue
from altresponse.plan.phases import Phase
from altresponse.plan.selection import Candidate, Ranking
from altresponse.plan.staffing import StaffingAssumptions
from altresponse.plan.timeline import Task
from altresponse.profile import Profile
from altresponse.results import Headline


@dataclass(frozen=True)
class Exclusion:
    """One screening question that sends a call of this type elsewhere, as the protocol words it."""

    rule_id: str
    screen_id: str
    question: str
    ask: str
    answer: str
    pathway: str
    reason: str
    safety: bool = False  # one of the protocol's global safety screens, asked for every screened rule


@dataclass
class PlanContext:
    """Everything the plan document shows, computed from the inputs."""

    profile: Profile
    cfg: PlanConfig
    peers: PeerCatalogue
    protocol_version: str
    local: LocalData | None
    analysis_summary: dict[str, Any] | None
    staffing_summary: dict[str, Any] | None
    risk: dict[str, dict[str, Any]]
    risk_prior: dict[str, Any] | None
    candidates: list[Candidate]
    ranking: Ranking
    pathway_of: dict[str, str]
    rule_of: dict[str, str]
    exclusions: dict[str, list[Exclusion]]
    services: list[ServiceCover]
    directory_note: str
    gaps: dict[str, TypeGap]
    coordinated_entry: ServiceCover | None
    phases: list[Phase]
    tasks: list[Task]
    monitoring: list[dict[str, Any]]
    assumptions: StaffingAssumptions
    cost_sources: dict[str, str]
    cost_ranges: dict[str, tuple[float, float, float]]
    generated_utc: str
    notes: list[str] = field(default_factory=list)
    # where per-type risk and officer time come from: "local" (the city's calls), "transferred"
    # (reference agencies, via the analysis summary.json) or "none"
    risk_source: str = "none"
    officer_time_source: str = "none"
    transfer: Transferred | None = None
    headline: Headline = field(default_factory=Headline)
    partners: dict[str, Any] | None = None
    """The partners' picture (`{"landscape": ..., "missing": [...]}`), when the run has partner data."""

    @property
    def pilot(self) -> list[str]:
        return list(self.cfg.pilot_types)

    @property
    def recommended(self) -> list[str]:
        return [r.type_id for r in self.ranking.recommended()]


