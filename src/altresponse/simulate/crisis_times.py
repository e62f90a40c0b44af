"""Alternative-team service times fitted from a real crisis team's dispatch log.

The police-derived model (`ServiceTimeModel.fit` on CAD travel and on-scene times, times the
profile's `on_scene_multiplier`) and the published defaults are guesses about how long a civilian
team takes; a mobile-crisis log measures it. `fit_crisis_team_times` takes the `crisis_dispatches`
columns (dispatch -> arrival as travel, arrival -> departure as on scene) and returns the same
`ServiceTimeModel` the fleet simulation uses, with the pooled fit standing in for every call type,
plus a side-by-side comparison. `choose_service_times` applies the profile's choice. No I/O here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from altresponse.errors import BadInput
from altresponse.simulate.service_time import (
    DEFAULT_ON_SCENE,
    DEFAULT_TRAVEL,
    MIN_OBSERVATIONS,
    Distribution,
    ServiceTimeModel,
    clean_durations,
    fit_duration,
)

ServiceTimeChoice = Literal["police", "published", "crisis_log"]
SERVICE_TIME_CHOICES: tuple[str, ...] = ("police", "published", "crisis_log")


@dataclass(frozen=True)
class CrisisTeamTimes:
    """Fitted crisis-team durations, the model built from them, and how they compare."""

    source: str
    dispatches: int
    travel: Distribution
    on_scene: Distribution
    response: Distribution | None
    dispatch_delay: Distribution | None
    model: ServiceTimeModel
    used_travel: int
    used_on_scene: int
    by_reason_on_scene: Mapping[str, Distribution] = field(default_factory=dict)

    def comparison(self, police: ServiceTimeModel | None = None) -> list[dict[str, Any]]:
        """Mean and median minutes of travel and on-scene time: crisis log, published, police-derived."""
        rows = []
        for label, travel, on_scene, multiplier in (
            ("crisis_log", self.travel, self.on_scene, 1.0),
            ("published", DEFAULT_TRAVEL, DEFAULT_ON_SCENE, 1.0),
            *(
                [("police", police.travel_for("*"), police.on_scene_for("*"), police.on_scene_multiplier)]
                if police is not None
                else []
            ),
        ):
            rows.append(
                {
                    "model": label,
                    "travel_mean_min": round(travel.mean_s / 60, 1),
                    "travel_median_min": round(travel.median_s / 60, 1),
                    "on_scene_mean_min": round(on_scene.mean_s * multiplier / 60, 1),
                    "on_scene_median_min": round(on_scene.median_s * multiplier / 60, 1),
                    "source": on_scene.source,
                }
            )
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "dispatches": self.dispatches,
            "used_travel": self.used_travel,
            "used_on_scene": self.used_on_scene,
            "travel": self.travel.to_dict(),
            "on_scene": self.on_scene.to_dict(),
            "response": None if self.response is None else self.response.to_dict(),
            "dispatch_delay": None if self.dispatch_delay is None else self.dispatch_delay.to_dict(),
            "by_reason_on_scene": {k: v.to_dict() for k, v in sorted(self.by_reason_on_scene.items())},
            "comparison": self.comparison(),
        }


def _fit_or_none(values: np.ndarray, source: str, minimum: int) -> Distribution | None:
    return fit_duration(values, source) if len(clean_durations(values)) >= minimum else None


def fit_crisis_team_times(
    travel_s: np.ndarray,
    on_scene_s: np.ndarray,
    *,
    source: str,
    response_s: np.ndarray | None = None,
    dispatch_delay_s: np.ndarray | None = None,
    reasons: np.ndarray | None = None,
    min_observations: int = MIN_OBSERVATIONS,
) -> CrisisTeamTimes:
    """Fit travel and on-scene time of a crisis team (seconds; NaN where unknown).

    The arrays are `crisis_dispatches` columns. The returned model has the pooled fits under `*`,
    so every call type a simulation asks about gets the team's measured times (multiplier 1: they
    are the team's own times, not police times to be stretched).
    """
    travel_s = np.asarray(travel_s, float)
    on_scene_s = np.asarray(on_scene_s, float)
    if len(travel_s) != len(on_scene_s):
        raise BadInput("travel and on-scene arrays differ in length")
    used_travel = len(clean_durations(travel_s))
    used_on_scene = len(clean_durations(on_scene_s))
    if used_travel < min_observations or used_on_scene < min_observations:
        raise BadInput(
            f"the dispatch log has {used_travel} usable travel and {used_on_scene} usable on-scene "
            f"durations; at least {min_observations} of each are needed to fit crisis-team times"
        )
    travel = fit_duration(travel_s, f"{source}: crisis-team travel (dispatch to arrival)")
    on_scene = fit_duration(on_scene_s, f"{source}: crisis-team on scene (arrival to departure)")
    by_reason: dict[str, Distribution] = {}
    if reasons is not None:
        reasons = np.asarray(reasons, dtype=object)
        for reason in sorted({str(r) for r in reasons if r is not None and str(r)}):
            mask = reasons == reason
            fitted = _fit_or_none(on_scene_s[mask], f"{source}: on scene, reason {reason}", min_observations)
            if fitted is not None:
                by_reason[reason] = fitted
    model = ServiceTimeModel(on_scene={"*": on_scene}, travel={"*": travel}, on_scene_multiplier=1.0)
    return CrisisTeamTimes(
        source=source,
        dispatches=len(travel_s),
        travel=travel,
        on_scene=on_scene,
        response=None
        if response_s is None
        else _fit_or_none(np.asarray(response_s, float), f"{source}: request to arrival", min_observations),
        dispatch_delay=None
        if dispatch_delay_s is None
        else _fit_or_none(
            np.asarray(dispatch_delay_s, float), f"{source}: request to dispatch", min_observations
        ),
        model=model,
        used_travel=used_travel,
        used_on_scene=used_on_scene,
        by_reason_on_scene=by_reason,
    )


def crisis_times_from_table(
    dispatches: Any, *, source: str, min_observations: int = MIN_OBSERVATIONS
) -> CrisisTeamTimes:
    """`fit_crisis_team_times` on a `crisis_dispatches` Arrow table (or anything with `.column()`)."""

    def col(name: str) -> np.ndarray:
        return np.array([np.nan if v is None else v for v in dispatches.column(name).to_pylist()], float)

    reasons = np.array(dispatches.column("reason_primary").to_pylist(), dtype=object)
    return fit_crisis_team_times(
        col("travel_s"),
        col("on_scene_s"),
        source=source,
        response_s=col("response_s"),
        dispatch_delay_s=col("dispatch_delay_s"),
        reasons=reasons,
        min_observations=min_observations,
    )


def choose_service_times(
    choice: str,
    *,
    police: ServiceTimeModel | None = None,
    crisis: CrisisTeamTimes | None = None,
    on_scene_multiplier: float = 1.0,
) -> ServiceTimeModel:
    """The alternative-team service-time model the profile asks for.

    `police`: times fitted from the city's CAD (already carrying its multiplier); `published`: the
    published defaults times `on_scene_multiplier`; `crisis_log`: the team's own measured times.
    """
    if choice == "police":
        if police is None:
            raise BadInput("service_times: police needs CAD travel and on-scene times")
        return police
    if choice == "published":
        return ServiceTimeModel.defaults(on_scene_multiplier)
    if choice == "crisis_log":
        if crisis is None:
            raise BadInput(
                "service_times: crisis_log needs a mobile-crisis dispatch log (partners.crisis_log)"
            )
        return crisis.model
    raise BadInput(f"service_times must be one of {', '.join(SERVICE_TIME_CHOICES)}, got {choice!r}")
