"""The cross-partner picture: needs, the initiative registry, harmonization and coordinated entry.

Pure functions from canonical tables and registry records to typed results (docs/partners.md):
`need_picture` -> `NeedPicture`, `harmonize` -> `Harmonization`, `outreach_demand` ->
`OutreachDemand`, `design_coordinated_entry` -> `CoordinatedEntryDesign`.
"""

from altresponse.partners.coordinated_entry import (
    CoordinatedEntryDesign,
    OutreachDemand,
    design_coordinated_entry,
    outreach_demand,
)
from altresponse.partners.estimates import Estimate
from altresponse.partners.harmonize import Gap, Harmonization, Overlap, harmonize
from altresponse.partners.need import (
    NeedPicture,
    RequestScale,
    annual_311_volume,
    crisis_line_demand,
    homelessness_picture,
    need_picture,
)
from altresponse.partners.needs import Crosswalk311, NeedMap
from altresponse.partners.registry import Initiative, Organization, Registry

__all__ = [
    "CoordinatedEntryDesign",
    "Crosswalk311",
    "Estimate",
    "Gap",
    "Harmonization",
    "Initiative",
    "NeedMap",
    "NeedPicture",
    "Organization",
    "OutreachDemand",
    "Overlap",
    "Registry",
    "RequestScale",
    "annual_311_volume",
    "crisis_line_demand",
    "design_coordinated_entry",
    "harmonize",
    "homelessness_picture",
    "need_picture",
    "outreach_demand",
]
