"""The `analysis` section of a city profile: every tunable choice of the landscape analysis.

Defaults are documented in docs/analysis.md; a city overrides them in its profile YAML.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from altresponse.errors import BadInput
from altresponse.profile import Profile

CIVILIAN_PATHWAYS: tuple[str, ...] = (
    "behavioral_health_team",
    "community_responder",
    "homeless_outreach",
    "crisis_line_988",
    "311_administrative",
)


class IndicatorColumns(BaseModel):
    """Column names in the area indicators CSV (defaults: BNIA Vital Signs wide extract)."""

    model_config = ConfigDict(extra="forbid")

    area: str = "csa2010"
    population: str = "tpop20"
    income: str = "median_household_income_2018"
    poverty: str = "percent_of_family_households_living_below_the_poverty_line_2018"
    black: str = "percent_of_residents_black_african_american_non_hispanic_2018"
    white: str = "percent_of_residents_white_caucasian_non_hispanic_2018"
    hispanic: str = "percent_of_residents_hispanic_2018"
    exclude_areas: list[str] = Field(default_factory=lambda: ["Baltimore City", "Unassigned -- Jail"])


class AnalysisConfig(BaseModel):
    """Choices the landscape analysis makes; see docs/analysis.md for why each default."""

    model_config = ConfigDict(extra="forbid")

    history_policy: str | None = None
    serious_dispositions: list[str] = Field(default_factory=lambda: ["arrest", "report", "citation"])
    risk_tolerances: list[float] = Field(default_factory=lambda: [0.02, 0.05, 0.10, 0.20])
    scenario_scope: Literal["community_initiated", "all"] = "community_initiated"
    civilian_pathways: list[str] = Field(default_factory=lambda: list(CIVILIAN_PATHWAYS))
    never_civilian_categories: list[str] = Field(
        default_factory=lambda: ["violent_crime", "fire_hazard", "medical", "unmapped"]
    )
    never_civilian_types: list[str] = Field(
        default_factory=lambda: ["no_voice_911", "warrant_service", "other"]
    )
    transfer_from_reference: bool = True
    reference_sources: list[str] = Field(default_factory=lambda: ["decc", "sfpd"])
    fte_hours: float = 2080.0
    units_per_call: float = 1.0
    max_busy_hours: float = 12.0
    police_agencies: list[str] | None = None
    suppress_below: int = 10
    repeat_location_min_calls: int = 10
    repeat_locations_shown: int = 25
    top_types: int = 30
    draws: int = 2000
    seed: int = 20240130
    level: float = 0.90
    indicators: IndicatorColumns = Field(default_factory=IndicatorColumns)

    @classmethod
    def from_profile(cls, profile: Profile | None) -> AnalysisConfig:
        if profile is None:
            return cls()
        try:
            return cls.model_validate(profile.section("analysis"))
        except ValidationError as exc:
            raise BadInput(f"profile section 'analysis' is invalid: {exc}", file=profile.path) from exc
