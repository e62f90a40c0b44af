"""Read the provider directory (HSDS records) into the plan's ServiceCover objects.

Opening hours become a 168-hour mask; a service area becomes the set of the city's areas (e.g.
CSAs) whose representative point it covers, or the whole city when it covers them all or the
boundaries are not at hand. Inactive (planned) services are kept for the record but cover nothing,
so the gap analysis shows what still has to be put in place. Police, fire, EMS and co-response
take every type and are not alternative providers, so they are left out.
"""

from __future__ import annotations

import json
import logging
from datetime import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from altresponse.facts import ALTERNATIVE_PATHWAYS
from altresponse.plan.gaps import HOURS_OF_WEEK, ServiceCover, hours_mask

if TYPE_CHECKING:
    from altresponse.plan.inputs import LocalData
    from altresponse.profile import Profile

log = logging.getLogger(__name__)


def services_from_directory(profile: Profile, local: LocalData | None) -> tuple[list[ServiceCover], str]:
    from altresponse.directory import load_directory

    if not profile.directory:
        return [], "the city profile names no provider directory"
    name = profile.directory
    directory = load_directory(name)
    points = _area_points(profile, local)
    covers = []
    for s in directory.services:
        if s.pathway not in ALTERNATIVE_PATHWAYS or "*" in s.common_types:
            continue
        covers.append(_cover(s, points, profile.city))  # an area named after the city is citywide
    inactive = [c.name for c in covers if not c.hours.any()]
    note = f"{len(covers)} alternative services in the {name} directory"
    if inactive:
        note += "; not yet active (cover nothing): " + ", ".join(inactive)
    return covers, note


def _hour(t: time, *, closing: bool) -> int:
    if closing and t >= time(23, 59):
        return 24
    return t.hour + (1 if closing and t.minute > 0 else 0)


def _hours(service: Any) -> np.ndarray:
    if not getattr(service, "active", True):
        return np.zeros(HOURS_OF_WEEK, dtype=bool)
    if not service.schedules:
        return np.ones(HOURS_OF_WEEK, dtype=bool)
    mask = np.zeros(HOURS_OF_WEEK, dtype=bool)
    for sch in service.schedules:
        opens, closes = _hour(sch.opens, closing=False), _hour(sch.closes, closing=True)
        if closes == 24 and opens == 0:
            mask |= hours_mask(sorted(sch.days), 0, 0)
        else:
            mask |= hours_mask(sorted(sch.days), opens, closes % 24)
    return mask


def _area_points(profile: Profile, local: LocalData | None) -> dict[str, tuple[float, float]]:
    """Representative lon/lat of each area named in the calls, from the profile's boundary file."""
    if local is None or local.area_level is None:
        return {}
    key = {"csa": "csas", "neighborhood": "neighborhoods", "district": "districts"}.get(local.area_level)
    rel = profile.boundaries.get(key or "")
    if not rel:
        return {}
    from altresponse.shared import shared_path

    path = shared_path(*Path(rel).parts, required=False)
    if path is None:
        return {}
    try:
        from shapely.geometry import shape

        doc = json.loads(path.read_text(encoding="utf-8"))
        wanted = {a.upper(): a for a in next(iter(local.demand.values())).areas} if local.demand else {}
        out = {}
        for feat in doc.get("features", []):
            props = feat.get("properties") or {}
            nm = str(props.get("name") or props.get("Community") or "")
            if nm.upper() in wanted:
                pt = shape(feat["geometry"]).representative_point()
                out[wanted[nm.upper()]] = (pt.x, pt.y)
        return out
    except Exception as exc:  # boundaries are optional; the areas then count as citywide
        log.warning("boundaries not usable for provider areas: %s", exc)
        return {}


def _cover(s: Any, points: dict[str, tuple[float, float]], city: str = "") -> ServiceCover:
    areas: frozenset[str] | None = None
    citywide = any(city.lower() in n.lower() for n in s.area_names) if city else False
    if s.areas and points and not citywide:
        covered = frozenset(a for a, (lon, lat) in points.items() if s.covers(lon, lat))
        if len(covered) < len(points):
            areas = covered
    is_ce = "coordinated entry" in s.name.lower() or (
        s.pathway == "homeless_outreach" and s.role == "referral")
    return ServiceCover(
        id=str(s.id), name=str(s.name), organization=str(s.organization), types=frozenset(s.common_types),
        hours=_hours(s), areas=areas,
        teams=None if s.capacity_maximum is None else int(s.capacity_maximum),
        coordinated_entry=is_ce, example=bool(s.example), responds=s.role != "referral",
    )
