"""The profile's `simulate:` section, validated, with every default in one place."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from altresponse.errors import BadInput
from altresponse.facts import DEFAULT_OFFICER_HOURS_PER_CALL, POLICE_HOURS_PER_FTE, TEAM_OF_PATHWAY
from altresponse.schema import PATHWAYS
from altresponse.simulate.engine import SimParams


class ShiftSpec(BaseModel):
    """`count` teams working `hours` from `start` (HH:MM local) on the listed days (default every day)."""

    model_config = ConfigDict(extra="forbid")

    count: int = Field(ge=0)
    start: str
    hours: float = Field(gt=0, le=24)
    days: list[str] = Field(default_factory=lambda: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
    zone: int | None = None

    @field_validator("start")
    @classmethod
    def _hhmm(cls, v: str) -> str:
        hh, _, mm = v.partition(":")
        if not (hh.isdigit() and mm.isdigit() and 0 <= int(hh) < 24 and 0 <= int(mm) < 60):
            raise ValueError(f"start must be HH:MM, got {v!r}")
        return v

    @field_validator("days")
    @classmethod
    def _days(cls, v: list[str]) -> list[str]:
        allowed = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
        bad = [d for d in v if d not in allowed]
        if bad:
            raise ValueError(f"days must be among {allowed}, got {bad}")
        return v

    def weekly_intervals(self) -> list[tuple[float, float]]:
        hh, _, mm = self.start.partition(":")
        start = int(hh) * 3600 + int(mm) * 60
        order = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
        return [
            (order.index(d) * 86400 + start, order.index(d) * 86400 + start + self.hours * 3600)
            for d in self.days
        ]


class Scenario(BaseModel):
    """A named fleet to simulate, with optional overrides of demand growth."""

    model_config = ConfigDict(extra="forbid")

    description: str = ""
    growth: float | None = None
    fleet: dict[str, list[ShiftSpec]] = Field(default_factory=dict)


class SimulateConfig(BaseModel):
    """Operating assumptions for simulation and staffing; defaults and sources in docs/simulation.md."""

    model_config = ConfigDict(extra="forbid")

    pathway_teams: dict[str, str] = Field(default_factory=lambda: dict(TEAM_OF_PATHWAY))
    max_wait_min: float = 30.0
    detour: float = 1.3
    speed_kmh: float = 30.0
    turnout_min: float = 1.0
    processing_min: float = 2.0
    wrap_min: float = 10.0
    backup_probability: float = 0.02
    backup_police_hours: float = 0.75
    police_hours_per_call: float = DEFAULT_OFFICER_HOURS_PER_CALL
    police_hours_per_fte: float = POLICE_HOURS_PER_FTE
    capture: float | None = None  # share of eligible calls served; None: the peer programmes' mode
    on_scene_multiplier: float = 1.25
    zones: int = 9
    replications: int = 5
    demand: str = "replay"
    growth: float = 1.0
    shift_lengths_h: list[int] = Field(default_factory=lambda: [8, 10, 12])
    shift_start_hours: list[int] = Field(default_factory=lambda: list(range(24)))
    length_premium: dict[int, float] = Field(default_factory=dict)
    min_teams_per_hour: dict[str, float] = Field(default_factory=dict)
    verify_rounds: int = 3
    min_calls_per_week: float = 1.0  # team types with fewer eligible calls are not staffed (calls fall back)
    seed: int = 20240601
    scenarios: dict[str, Scenario] = Field(default_factory=dict)

    @field_validator("pathway_teams")
    @classmethod
    def _pathways(cls, v: dict[str, str]) -> dict[str, str]:
        bad = [p for p in v if p not in PATHWAYS]
        if bad:
            raise ValueError(f"pathway_teams keys must be pathways from the schema {PATHWAYS}, got {bad}")
        return v

    @field_validator("demand")
    @classmethod
    def _demand(cls, v: str) -> str:
        if v not in ("replay", "poisson"):
            raise ValueError(f"demand must be 'replay' or 'poisson', got {v!r}")
        return v

    def params(self, target_minutes: float = 20.0) -> SimParams:
        return SimParams(
            max_wait_s=self.max_wait_min * 60,
            detour=self.detour,
            speed_kmh=self.speed_kmh,
            turnout_s=self.turnout_min * 60,
            processing_s=self.processing_min * 60,
            wrap_s=self.wrap_min * 60,
            backup_probability=self.backup_probability,
            backup_police_hours=self.backup_police_hours,
            police_hours_per_call=self.police_hours_per_call,
            target_s=target_minutes * 60,
        )

    @classmethod
    def from_profile(cls, section: Mapping[str, Any], *, path: str | None = None) -> SimulateConfig:
        try:
            return cls.model_validate(dict(section))
        except ValidationError as exc:
            raise BadInput(f"profile section 'simulate' is invalid: {exc}", file=path) from exc
