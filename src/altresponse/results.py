"""Typed results that cross stage boundaries: an estimate with its interval and source, the
measured period, and the headline figures every page and JSON output shows.

A headline figure is computed once, by the stage that owns it, and carried in a `Headline`; pages,
the PDF and every JSON output show that object (same value, same interval, same rounding through
`report.format`), never a figure of their own. JSON carries it as a top-level ``headline`` object
with the keys of `HEADLINE_KEYS`.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Unit = Literal["days", "calls/year", "hours/year", "FTE", "USD/year", "USD", "teams", "share"]


class Estimate(BaseModel):
    """A figure with its plausible range and where it comes from, in words a reader can follow."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: float
    low: float | None = None
    high: float | None = None
    unit: Unit
    source: str

    def scaled(self, factor: float, *, unit: Unit, source: str) -> Estimate:
        return Estimate(
            value=self.value * factor,
            low=None if self.low is None else self.low * factor,
            high=None if self.high is None else self.high * factor,
            unit=unit,
            source=source,
        )


HEADLINE_KEYS: dict[str, str] = {
    "period_days": "Days of calls in the data (first to last call)",
    "eligible_calls_per_year": "Calls a year the protocol sends to an alternative to police",
    "calls_served_per_year": "Eligible calls a year alternative teams would serve (after capture)",
    "police_hours_freed": "Police hours a year freed",
    "police_fte_freed": "Police officers' time freed (full-time equivalents)",
    "police_cost_avoided": "Police cost avoided a year",
    "operating_cost": "Operating cost a year",
    "first_year_cost": "First-year cost (operating plus start-up)",
    "fte": "Staff needed (full-time equivalents)",
    "peak_teams": "Teams on duty at the busiest hour",
    "reach_share": "Share of served calls reached within the target time",
}
"""Every headline key and its label, in page order. A figure for another call set gets its own key
(``plan_`` prefix for the plan's final phase)."""

PLAN_PREFIX = "plan_"


class Headline(BaseModel):
    """The headline figures known so far; later stages add theirs (a copy, never a recomputation)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    figures: dict[str, Estimate] = Field(default_factory=dict)
    call_sets: dict[str, str] = Field(default_factory=dict)
    """For each key prefix ('' and 'plan_'), the call set its figures describe, in words."""

    def with_figures(self, figures: dict[str, Estimate], *, prefix: str = "", call_set: str | None = None
                     ) -> Headline:
        clash = sorted(k for k in figures if prefix + k in self.figures)
        if clash:
            raise ValueError(f"headline figures already computed: {clash}")
        unknown = sorted(k for k in figures if k not in HEADLINE_KEYS)
        if unknown:
            raise ValueError(f"unknown headline keys: {unknown}")
        sets = dict(self.call_sets)
        if call_set is not None:
            sets[prefix] = call_set
        return Headline(figures={**self.figures, **{prefix + k: v for k, v in figures.items()}},
                        call_sets=sets)

    def get(self, key: str) -> Estimate | None:
        return self.figures.get(key)

    def as_json(self) -> dict[str, dict[str, object]]:
        """The top-level ``headline`` object of every JSON output."""
        return {k: v.model_dump() for k, v in self.figures.items()}

    @staticmethod
    def label(key: str) -> str:
        if key.startswith(PLAN_PREFIX) and key[len(PLAN_PREFIX):] in HEADLINE_KEYS:
            return HEADLINE_KEYS[key[len(PLAN_PREFIX):]] + " (plan, final phase)"
        return HEADLINE_KEYS[key]


class Gap(BaseModel):
    """A run of days with no calls inside the measured period."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: dt.date
    days: int


class Period(BaseModel):
    """The period the calls cover, measured from the data: first to last received time."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start_utc: dt.datetime | None
    end_utc: dt.datetime | None
    days: float
    """Measured span in days (first to last call); annual figures scale by DAYS_PER_YEAR / days."""
    gaps: list[Gap] = Field(default_factory=list)
    time_zone: str
    sample_fraction: float = Field(default=1.0, gt=0, le=1)
    """The share of all calls the export holds (1 for a full export; a random sample says less)."""

    @property
    def annual_factor(self) -> float:
        """Calls in the data -> calls a year: the measured span, and the sample fraction if a sample."""
        from altresponse.facts import DAYS_PER_YEAR

        return DAYS_PER_YEAR / self.days / self.sample_fraction if self.days > 0 else 0.0

    @property
    def gap_days(self) -> int:
        return sum(g.days for g in self.gaps)


class OfficerHours(BaseModel):
    """Police hours one call of a type takes (first unit, dispatch to clear), and where that comes from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    hours_per_call: float
    se: float | None = None
    source: Literal["measured", "measured_overall", "transferred", "default"]
    source_words: str


LANDSCAPE_FACTS_FILE = "landscape.json"
"""The landscape's typed result, saved beside the classified calls; later commands load it."""


class LandscapeFacts(BaseModel):
    """What later stages take from the landscape, typed: they never recompute these."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal["1"] = "1"
    data: str
    period: Period
    officer_hours: dict[str, OfficerHours]
    serious_outcomes: list[str]
    headline: Headline

    @classmethod
    def from_summary(cls, summary: dict[str, object], *, file: str = "landscape") -> LandscapeFacts:
        """From the landscape's saved result; a result without these parts is an error, not a guess."""
        try:
            period = summary["period"]
            assert isinstance(period, dict)
            headline = summary["headline"]
            assert isinstance(headline, dict)
            config = summary["config"]
            assert isinstance(config, dict)
            inputs = summary.get("inputs") or {}
            assert isinstance(inputs, dict)
            return cls(
                data=str(inputs.get("calls") or file),
                period=Period(start_utc=period["start_utc"], end_utc=period["end_utc"], days=period["days"],
                              gaps=period.get("gaps") or [], time_zone=period["time_zone"],
                              sample_fraction=period.get("sample_fraction", 1.0)),
                officer_hours=summary["officer_hours_per_call"],  # type: ignore[arg-type]
                serious_outcomes=list(config["serious_dispositions"]),
                headline=Headline(figures=headline, call_sets=summary.get("headline_call_sets") or {}),  # type: ignore[arg-type]
            )
        except (KeyError, AssertionError, TypeError, ValueError) as exc:
            from altresponse.errors import BadInput

            raise BadInput(f"not a landscape result this version can read ({type(exc).__name__}: {exc}); "
                           "run `altresponse analyze` again", file=file) from exc
