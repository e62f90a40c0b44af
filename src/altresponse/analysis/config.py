"""The `analysis` section of a city profile: every tunable choice of the landscape analysis.

Defaults are documented in docs/analysis.md; a city overrides them in its profile YAML.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from altresponse.errors import BadInput
from altresponse.facts import ALTERNATIVE_PATHWAYS, POLICE_HOURS_PER_FTE, SAFETY_OUTCOMES_DEFAULT
from altresponse.profile import Profile


class IndicatorColumns(BaseModel):
    """Column names in the city's area indicators CSV (the profile's `analysis.indicators` section)."""

    model_config = ConfigDict(extra="forbid")

    area: str
    population: str
    income: str
    poverty: str
    black: str
    white: str
    hispanic: str
    exclude_areas: list[str] = Field(default_factory=list)
    """Rows that are not areas (a citywide total, a jail)."""


class AnalysisConfig(BaseModel):
    """Choices the landscape analysis makes; see docs/analysis.md for why each default."""

    model_config = ConfigDict(extra="forbid")

    history_policy: str | None = None
    serious_dispositions: list[str] = Field(default_factory=lambda: list(SAFETY_OUTCOMES_DEFAULT))
    risk_tolerances: list[float] = Field(default_factory=lambda: [0.02, 0.05, 0.10, 0.20])
    scenario_scope: Literal["community_initiated", "all"] = "community_initiated"
    never_civilian_categories: list[str] = Field(
        default_factory=lambda: ["violent_crime", "fire_hazard", "medical", "unmapped"]
    )
    never_civilian_types: list[str] = Field(
        default_factory=lambda: ["no_voice_911", "warrant_service", "other"]
    )
    transfer_from_reference: bool = True
    reference_sources: list[str] = Field(default_factory=lambda: ["decc", "sfpd"])
    units_per_call: float = 1.0
    police_agencies: list[str] | None = None
    suppress_below: int = 10
    repeat_location_min_calls: int = 10
    repeat_locations_shown: int = 25
    top_types: int = 30
    draws: int = 2000
    seed: int = 20240130
    level: float = 0.90
    indicators: IndicatorColumns | None = None

    @property
    def civilian_pathways(self) -> list[str]:
        """Pathways on which no police unit goes (a fact, `facts.ALTERNATIVE_PATHWAYS`)."""
        return list(ALTERNATIVE_PATHWAYS)

    @property
    def fte_hours(self) -> float:
        return POLICE_HOURS_PER_FTE

    def indicator_columns(self, file: str | None = None) -> IndicatorColumns:
        """The indicator columns; an indicators file without them named in the profile is an error."""
        if self.indicators is None:
            raise BadInput("an indicators file was given but the profile's analysis section names no "
                           "indicators columns (area, population, income, poverty, black, white, hispanic)",
                           file=file)
        return self.indicators

    @classmethod
    def from_profile(cls, profile: Profile | None) -> AnalysisConfig:
        if profile is None:
            return cls()
        try:
            return cls.model_validate(profile.section("analysis"))
        except ValidationError as exc:
            raise BadInput(f"profile section 'analysis' is invalid: {exc}", file=profile.path) from exc
