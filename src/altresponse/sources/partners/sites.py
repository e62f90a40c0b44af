"""Community sites (recreation centres and the like) into `community_sites`."""

from __future__ import annotations

from pathlib import Path

from altresponse import schema
from altresponse.sources.partners.common import Collector, PartnerIngest, blank_to_none, csv_records


def read_sites(paths: list[Path], *, system: str = "bcrp_rec_centers") -> PartnerIngest:
    """A site list with id, name and lon/lat (the BCRP recreation-centre layout)."""
    out = Collector(schema.COMMUNITY_SITES, system)
    for path in paths:
        out.files.append(path.name)
        for line, row, raw in csv_records(path, ("id", "name")):
            out.records_in += 1
            if not row or "__width__" in row:
                out.reject(path.name, line, "wrong_field_count", "record does not match the header", raw)
                continue
            site_id, name = blank_to_none(row.get("id")), blank_to_none(row.get("name"))
            if site_id is None or name is None:
                out.reject(path.name, line, "missing_site_id", "id or name is empty", raw)
                continue
            try:
                lat = float(row["latitude"]) if blank_to_none(row.get("latitude")) else None
                lon = float(row["longitude"]) if blank_to_none(row.get("longitude")) else None
            except ValueError:
                out.reject(path.name, line, "bad_coordinates", "latitude/longitude are not numbers", raw)
                continue
            amenities = "; ".join(
                filter(
                    None,
                    (blank_to_none(row.get("center_amenities")), blank_to_none(row.get("center_assets"))),
                )
            )
            out.add(
                [
                    {
                        "site_id": site_id,
                        "source_system": system,
                        "source_file": path.name,
                        "source_line": line,
                        "name": name,
                        "site_type": blank_to_none(row.get("center_type")),
                        "category": blank_to_none(row.get("center_category")),
                        "operator": blank_to_none(row.get("operator")),
                        "address": blank_to_none(row.get("address"))
                        or blank_to_none(row.get("street_address")),
                        "amenities": amenities or None,
                        "district": blank_to_none(row.get("police_district")),
                        "council_district": blank_to_none(row.get("council_district")),
                        "latitude": lat,
                        "longitude": lon,
                    }
                ],
                file=path.name,
                line=line,
                raw=raw,
            )
    return out.build()
