"""The partner `--source` names and the one function that dispatches to their adapters."""

from __future__ import annotations

from pathlib import Path

from altresponse import schema
from altresponse.errors import BadInput
from altresponse.profile import BoundingBox
from altresponse.sources.partners.canonical import read_canonical
from altresponse.sources.partners.common import PartnerIngest
from altresponse.sources.partners.crisis import read_988_kpis, read_dispatch_log
from altresponse.sources.partners.homelessness import read_homelessness
from altresponse.sources.partners.service_requests import (
    read_requests_csv,
    read_requests_georeport,
    read_service_types,
)
from altresponse.sources.partners.sites import read_sites

PARTNER_SOURCES: dict[str, str] = {
    "baltimore311": "Open Baltimore 311 customer service requests CSV -> service_requests",
    "nyc311": "NYC Open Data 311 service requests CSV -> service_requests",
    "generic311": "any 311 CSV with a YAML column map (--mapping) -> service_requests",
    "open311": "Open311 GeoReport v2 GET requests, JSON or XML -> service_requests",
    "open311-services": "GeoReport v2 GET services (XML/JSON/CSV) or a request-type list -> service_types",
    "988": "988 Lifeline monthly state KPIs CSV -> crisis_line_kpis",
    "mobile-crisis": "mobile-crisis dispatch log (MCSLC layout) -> crisis_dispatches",
    "pit": "HUD Point-in-Time counts (long or wide) -> homelessness_counts",
    "hic": "HUD Housing Inventory Counts (long or wide) -> homelessness_counts",
    "spm": "HUD System Performance Measures (long) -> homelessness_counts",
    "sites": "community sites (recreation centres) CSV -> community_sites",
    "ce-referrals": "CSV with the coordinated_entry_referrals columns -> coordinated_entry_referrals",
    "crisis-contacts": "CSV with the crisis_line_contacts columns -> crisis_line_contacts",
}


def read_partner(
    source: str,
    paths: list[Path],
    *,
    time_zone: str | None = None,
    mapping: str | Path | None = None,
    bbox: BoundingBox | None = None,
    system: str | None = None,
) -> PartnerIngest:
    """Run the adapter for `source` over `paths`; every record ends in the table or the rejects."""
    for path in paths:
        if not path.is_file():
            raise BadInput("input file not found", file=str(path))
    if source == "baltimore311":
        return read_requests_csv(paths, "baltimore_311", time_zone=time_zone, bbox=bbox)
    if source == "nyc311":
        return read_requests_csv(paths, "nyc_311", time_zone=time_zone, bbox=bbox)
    if source == "generic311":
        if mapping is None:
            raise BadInput("--source generic311 needs --mapping MAP.yaml (format: docs/partners.md)")
        return read_requests_csv(paths, mapping, time_zone=time_zone, bbox=bbox)
    if source == "open311":
        return read_requests_georeport(
            paths, time_zone=time_zone or "UTC", system=system or "open311", bbox=bbox
        )
    if source == "open311-services":
        return read_service_types(paths, system=system or "open311")
    if source == "988":
        return read_988_kpis(paths)
    if source == "mobile-crisis":
        if not time_zone:
            raise BadInput("--source mobile-crisis needs --time-zone (the log's local zone)")
        return read_dispatch_log(paths, time_zone=time_zone, system=system or "mcslc")
    if source in ("pit", "hic", "spm"):
        return read_homelessness(paths, kind=source)
    if source == "sites":
        return read_sites(paths, system=system or "sites")
    if source == "ce-referrals":
        return read_canonical(paths, schema.COORDINATED_ENTRY_REFERRALS, system=system or "ce_referrals")
    if source == "crisis-contacts":
        return read_canonical(paths, schema.CRISIS_LINE_CONTACTS, system=system or "crisis_contacts")
    raise BadInput(f"unknown partner source {source!r}; expected one of {', '.join(PARTNER_SOURCES)}")
