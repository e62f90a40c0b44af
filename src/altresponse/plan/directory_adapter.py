"""Read the provider directory (HSDS records) into the plan's ServiceCover objects.

Kept apart from build.py so the plan still renders, with a note, when the directory is missing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from altresponse.plan.gaps import HOURS_OF_WEEK, ServiceCover

if TYPE_CHECKING:
    from altresponse.plan.inputs import LocalData
    from altresponse.profile import Profile


def services_from_directory(profile: Profile, local: LocalData | None) -> tuple[list[ServiceCover], str]:
    from altresponse.directory import load_directory  # raises ImportError while the module is absent

    directory = load_directory(profile.directory or "baltimore")
    covers = [_cover(s) for s in _services(directory)]
    return covers, f"{len(covers)} services from the {profile.directory or 'baltimore'} directory"


def _services(directory: Any) -> list[Any]:
    services = getattr(directory, "services", None)
    if services is None:
        raise ImportError("directory object has no services")
    return list(services.values()) if isinstance(services, dict) else list(services)


def _cover(s: Any) -> ServiceCover:
    hours = np.ones(HOURS_OF_WEEK, dtype=bool)
    return ServiceCover(id=str(getattr(s, "id", "")), name=str(getattr(s, "name", "")),
                        organization=str(getattr(s, "organization", "")), types=frozenset(), hours=hours)
