"""Build the Baltimore example directory (directory/baltimore.json) as HSDS 3.0 records.

Run once by a maintainer who has the reference boundaries (``python -m
altresponse.directory.build_example``); the product then reads only the JSON it writes, so it works
without the reference folder. Service areas are the city outline and police districts, simplified with
shapely (about 200 m tolerance) and embedded as GeoJSON in each service area's `extent`.

Every provider fact here comes from public program descriptions (see docs/directory.md); hours and
capacities that the sources do not state are marked as examples to confirm with the provider.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from altresponse.directory.hsds import (
    ALL_TYPES,
    EXAMPLE_NOTE,
    LINK_INCIDENT_TYPE,
    LINK_PATHWAY,
    LINK_RECORD_STATUS,
    LINK_RESPONDER,
    LINK_ROLE,
    TAXONOMY_NAME,
)

NAMESPACE = uuid.UUID("6f1c2b1e-4c1a-5d2b-9a51-0a5c7e3d9b10")
UPDATED = "2026-11-01T00:00:00Z"
DAYS_ALL = "MO,TU,WE,TH,FR,SA,SU"
DAYS_WEEKDAYS = "MO,TU,WE,TH,FR"


def uid(*parts: str) -> str:
    """Stable UUIDs so a rebuild produces the same file."""
    return str(uuid.uuid5(NAMESPACE, "baltimore:" + ":".join(parts)))


def _simplified(geoms: list[Any], tolerance: float = 0.002) -> dict[str, Any]:
    from shapely import set_precision
    from shapely.geometry import MultiPolygon, Polygon, mapping
    from shapely.ops import unary_union

    merged = unary_union([g.buffer(0) for g in geoms]).buffer(0.0005).buffer(-0.0005)
    merged = merged.simplify(tolerance, preserve_topology=True)
    parts = [merged] if isinstance(merged, Polygon) else list(getattr(merged, "geoms", []))
    keep = [Polygon(p.exterior) for p in parts if p.area > 1e-6]
    out = set_precision(MultiPolygon(keep), 1e-5)
    return dict(mapping(out))


def load_areas(shared: Path) -> dict[str, dict[str, Any]]:
    """City outline and police districts (2023) from the reference boundaries, simplified."""
    from shapely.geometry import shape

    hoods = json.loads((shared / "data/geo/baltimore_neighborhoods_2020.geojson").read_text(encoding="utf-8"))
    districts_path = shared / "data/geo/baltimore_police_districts_2023.geojson"
    districts = json.loads(districts_path.read_text(encoding="utf-8"))
    areas = {"city": _simplified([shape(f["geometry"]) for f in hoods["features"]])}
    by_name = {f["properties"]["name"]: shape(f["geometry"]) for f in districts["features"]}
    areas["cvi_example"] = _simplified([by_name[n] for n in ("Eastern", "Western", "Southwestern")])
    return areas


def _term(link_type: str, code: str, name: str, description: str) -> dict[str, Any]:
    return {
        "id": uid("term", link_type, code),
        "code": code,
        "name": name,
        "description": description,
        "taxonomy": TAXONOMY_NAME,
    }


def _attr(service_id: str, link_type: str, code: str, name: str, description: str,
          value: str | None = None) -> dict[str, Any]:
    term = _term(link_type, code, name, description)
    out = {
        "id": uid("attr", service_id, link_type, code),
        "link_id": service_id,
        "link_type": link_type,
        "link_entity": "service",
        "taxonomy_term_id": term["id"],
        "taxonomy_term": term,
    }
    if value is not None:
        out["value"] = value
    return out


def _schedule(service_id: str, key: str, byday: str, opens: str, closes: str,
              description: str) -> dict[str, Any]:
    return {
        "id": uid("schedule", service_id, key),
        "service_id": service_id,
        "freq": "WEEKLY",
        "wkst": "MO",
        "byday": byday,
        "opens_at": opens,
        "closes_at": closes,
        "description": description,
        "notes": "Times are local (America/New_York). closes_at 23:59 means open through midnight; "
                 "closes_at earlier than opens_at means the shift ends the next day.",
    }


def _area(service_id: str, key: str, name: str, geometry: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "id": uid("area", service_id, key),
        "service_id": service_id,
        "name": name,
        "description": description,
        "extent": json.dumps(geometry, separators=(",", ":")),
        "extent_type": "geojson",
    }


def _capacity(service_id: str, unit: str, available: int, maximum: int, description: str) -> dict[str, Any]:
    return {
        "id": uid("capacity", service_id),
        "service_id": service_id,
        "unit": {"id": uid("unit", unit), "name": unit},
        "available": available,
        "maximum": maximum,
        "description": description,
        "updated": UPDATED,
    }


ORGS: list[dict[str, str]] = [
    {"key": "bcri", "name": "Baltimore Crisis Response, Inc.", "alternate_name": "BCRI",
     "description": "Runs the Here2Help line (part of 988 since July 2022) and mobile crisis teams (a "
                    "registered "
                    "nurse and a licensed mental-health clinician) under Behavioral Health System "
                    "Baltimore."},
    {"key": "bhsb", "name": "Behavioral Health System Baltimore", "alternate_name": "BHSB",
     "description": "Local behavioral health authority for Baltimore City; oversees the 988 line and crisis "
                    "services and is a partner in the city's 911 behavioral-health diversion."},
    {"key": "youth", "name": "Youth mobile crisis provider (to be confirmed)",
     "description": "Youth mobile crisis service funded by the 2022 federal expansion grant for callers "
                    "under 18. "
                    "Whether and when it went live is not confirmed: confirm with BHSB."},
    {"key": "mohs", "name": "Mayor's Office of Homeless Services", "alternate_name": "MOHS",
     "description": "City office for homeless services: street outreach and the coordinated entry point that "
                    "connects people to shelter and housing."},
    {"key": "monse", "name": "Mayor's Office of Neighborhood Safety and Engagement",
     "alternate_name": "MONSE",
     "description": "Leads the city's 911 diversion program and community violence intervention (Safe "
                    "Streets)."},
    {"key": "city311", "name": "Baltimore City 311",
     "description": "The city's non-emergency service request line."},
    {"key": "bpd", "name": "Baltimore Police Department", "alternate_name": "BPD",
     "description": "Police patrol and crisis intervention response."},
    {"key": "bcfd", "name": "Baltimore City Fire Department", "alternate_name": "BCFD",
     "description": "Fire suppression and emergency medical services; medical direction for 911 call "
                    "triage."},
]

# key, org, name, pathway, responder, role, types, hours, area, capacity, phone, status, ages, description
SERVICES: list[dict[str, Any]] = [
    {"key": "988", "org": "bcri", "name": "Here2Help / 988 Suicide & Crisis Lifeline (Baltimore)",
     "pathway": "crisis_line_988", "responder": "crisis_line_988", "role": "dispatch",
     "types": ["suicidal_ideation", "behavioral_crisis", "intoxicated_person"],
     "hours": "24/7", "area": "city", "phone": "988", "where": "phone",
     "capacity": ("counselor on duty", 4, 4, "Crisis counselors on the line per shift (about 4 per 8-hour "
                                             "shift "
                  "in 2022)."),
     "description": "911 call-takers transfer eligible behavioral-health calls (MPDS 25A01, 25A02, 25B03; "
                    "adults, no weapon) to the line; a clinician resolves the call by phone or sends a "
                    "mobile "
                    "crisis team."},
    {"key": "mct", "org": "bcri", "name": "BCRI mobile crisis team",
     "pathway": "behavioral_health_team", "responder": "mobile_crisis_team", "role": "dispatch",
     "types": ["behavioral_crisis", "suicidal_ideation", "intoxicated_person"],
     "hours": "24/7", "area": "city", "phone": "988",
     "capacity": ("team on duty", 2, 3, "Mobile crisis teams on duty (example: confirm with BCRI; waits of "
                  "1 to 1.5 hours were reported in 2025)."),
     "description": "A registered nurse and a licensed mental-health clinician go to the person in crisis."},
    {"key": "ymct", "org": "youth", "name": "Youth mobile crisis team",
     "pathway": "behavioral_health_team", "responder": "youth_mobile_crisis", "role": "dispatch",
     "types": ["behavioral_crisis", "suicidal_ideation"], "max_age": 17,
     "hours": "24/7", "area": "city", "phone": "988",
     "capacity": ("team on duty", 1, 1, "Youth teams on duty (example)."),
     "description": "Mobile crisis response for people under 18."},
    {"key": "outreach", "org": "mohs", "name": "Homeless street outreach",
     "pathway": "homeless_outreach", "responder": "homeless_outreach_team", "role": "dispatch",
     "types": ["homeless_person", "welfare_check"],
     "hours": "weekdays", "area": "city", "phone": "311",
     "capacity": ("team on duty", 2, 3, "Outreach teams on duty (example)."),
     "description": "Outreach workers visit people experiencing homelessness and encampments and refer "
                    "them to "
                    "coordinated entry for shelter and housing."},
    {"key": "coordinated_entry", "org": "mohs", "name": "Coordinated entry access point",
     "pathway": "homeless_outreach", "responder": "coordinated_entry", "role": "referral",
     "types": ["homeless_person"], "hours": "weekdays", "area": "city", "phone": "311", "where": "phone",
     "description": "Single front door to shelter and housing assessment; outreach teams and responders "
                    "refer "
                    "here."},
    {"key": "community_responder", "org": "monse", "name": "Community responder team (planned)",
     "pathway": "community_responder", "responder": "community_responder_team", "role": "dispatch",
     "types": ["welfare_check", "intoxicated_person", "homeless_person", "verbal_dispute", "noise_complaint",
               "trespass", "panhandling", "indecent_exposure", "loitering", "juvenile_disturbance"],
     "hours": "day", "area": "city", "status": "inactive",
     "capacity": ("team on duty", 0, 4, "Planned teams; none on duty until the program launches."),
     "description": "Unarmed civilian team (medic and crisis worker) modeled on peer programs. Not yet "
                    "operating: status inactive, so calls fall back along the protocol's fallback list."},
    {"key": "safe_streets", "org": "monse", "name": "Safe Streets community violence intervention",
     "pathway": "community_responder", "responder": "violence_interruption", "role": "referral",
     "types": ["shooting", "assault", "armed_person", "homicide"], "hours": "24/7", "area": "cvi_example",
     "where": "community",
     "description": "Violence interrupters and outreach workers in the program's neighborhoods; a follow-up "
                    "referral after violence, never a 911 dispatch. Service area here is an example."},
    {"key": "311", "org": "city311", "name": "Baltimore City 311 service requests",
     "pathway": "311_administrative", "responder": "city_311", "role": "dispatch",
     "types": ["parking_complaint", "noise_complaint", "administrative"], "hours": "24/7", "area": "city",
     "phone": "311", "where": "phone",
     "description": "Non-emergency service requests handled without a field response."},
    {"key": "co_response", "org": "bpd", "name": "Police and clinician co-response",
     "pathway": "co_response", "responder": "co_response_team", "role": "dispatch", "types": [ALL_TYPES],
     "hours": "24/7", "area": "city", "phone": "911",
     "capacity": ("team on duty", 1, 2, "Co-response pairs on duty (example)."),
     "description": "A crisis-intervention-trained officer with a behavioral-health clinician, for calls "
                    "that "
                    "are not safe for an unarmed team but need clinical skill."},
    {"key": "patrol", "org": "bpd", "name": "BPD patrol", "pathway": "police", "responder": "police_patrol",
     "role": "dispatch", "types": [ALL_TYPES], "hours": "24/7", "area": "city", "phone": "911",
     "description": "Police patrol response through 911 dispatch."},
    {"key": "ems", "org": "bcfd", "name": "BCFD emergency medical services", "pathway": "ems",
     "responder": "ems_unit", "role": "dispatch", "types": [ALL_TYPES], "hours": "24/7", "area": "city",
     "phone": "911", "description": "Ambulance response through 911 dispatch."},
    {"key": "fire", "org": "bcfd", "name": "BCFD fire suppression", "pathway": "fire",
     "responder": "fire_company",
     "role": "dispatch", "types": [ALL_TYPES], "hours": "24/7", "area": "city", "phone": "911",
     "description": "Fire and hazard response through 911 dispatch."},
]

# Where the service is delivered. Field teams go to the caller and lines answer by phone, so their
# HSDS locations are virtual; a fixed address is added when the provider confirms one.
LOCATION_TEXT: dict[str, tuple[str, str]] = {
    "mobile": ("goes to the caller",
               "Field team dispatched to the caller's location within its service area."),
    "community": ("in the community", "Outreach workers based in the program's neighborhoods."),
    "phone": ("by phone", "Delivered by phone; no visit needed."),
}

HOURS: dict[str, list[tuple[str, str, str, str]]] = {
    "24/7": [("all", DAYS_ALL, "00:00", "23:59")],
    "weekdays": [("weekdays", DAYS_WEEKDAYS, "08:00", "17:00")],
    "day": [("day", DAYS_ALL, "07:00", "23:00")],
}
HOURS_TEXT = {"24/7": "Open 24 hours, every day", "weekdays": "Monday to Friday, 08:00 to 17:00 (example)",
              "day": "Every day, 07:00 to 23:00 (example)"}
AREA_TEXT = {"city": ("Baltimore City", "The whole city (outline simplified to about 200 m)."),
             "cvi_example": ("Example program area (Eastern, Western and Southwestern police districts)",
                             "Example only: confirm the program's sites with MONSE.")}


def build_baltimore(shared: Path, *, name: str, time_zone: str) -> dict[str, Any]:
    """The whole directory document: organizations and services (HSDS 3.0) with 3.1 capacities.

    `name` and `time_zone` come from the city's profile (the caller's), never from here."""
    areas = load_areas(shared)
    orgs = {o["key"]: {"id": uid("org", o["key"]), "name": o["name"], "description": o["description"],
                       **({"alternate_name": o["alternate_name"]} if "alternate_name" in o else {})}
            for o in ORGS}
    services = []
    for s in SERVICES:
        sid = uid("service", s["key"])
        org = orgs[s["org"]]
        attributes = [
            _attr(sid, LINK_PATHWAY, s["pathway"], s["pathway"], "Protocol pathway this service serves."),
            _attr(sid, LINK_RESPONDER, s["responder"], s["responder"], "Responder type (protocol "
                                                                       "responder id)."),
            _attr(sid, LINK_ROLE, s["role"], s["role"],
                  "dispatch: sent or transferred to by 911; referral: follow-up link, not dispatched."),
            _attr(sid, LINK_RECORD_STATUS, "example", "example", "Whether the record is confirmed.",
                  value=EXAMPLE_NOTE),
        ]
        for t in s["types"]:
            attributes.append(_attr(sid, LINK_INCIDENT_TYPE, t, t, "Common incident type the service takes."))
        record: dict[str, Any] = {
            "id": sid,
            "organization_id": org["id"],
            "name": s["name"],
            "description": f"{s['description']} {EXAMPLE_NOTE}.",
            "status": s.get("status", "active"),
            "eligibility_description": HOURS_TEXT[s["hours"]] + ".",
            "schedules": [_schedule(sid, k, d, o, c, HOURS_TEXT[s["hours"]])
                          for k, d, o, c in HOURS[s["hours"]]],
            "service_areas": [_area(sid, s["area"], *AREA_TEXT[s["area"]][:1], areas[s["area"]],
                                    AREA_TEXT[s["area"]][1])],
            "attributes": attributes,
        }
        where = s.get("where", "mobile")
        loc_name, loc_desc = LOCATION_TEXT[where]
        location = {"id": uid("location", s["key"]), "location_type": "virtual", "organization_id": org["id"],
                    "name": f"{s['name']}: {loc_name}", "description": loc_desc}
        record["service_at_locations"] = [{"id": uid("sal", s["key"]), "service_id": sid,
                                           "location_id": location["id"], "description": loc_desc,
                                           "location": location}]
        if "phone" in s:
            record["phones"] = [{"id": uid("phone", sid), "service_id": sid, "number": s["phone"],
                                 "type": "voice"}]
        if "min_age" in s:
            record["minimum_age"] = s["min_age"]
        if "max_age" in s:
            record["maximum_age"] = s["max_age"]
        if "capacity" in s:
            unit, available, maximum, desc = s["capacity"]
            record["capacities"] = [_capacity(sid, unit, available, maximum, desc)]
        services.append(record)
    return {
        "format": "altresponse-directory",
        "name": name,
        "hsds_version": "3.0",
        "extensions": {"capacities": "HSDS 3.1 service_capacity (teams on duty)"},
        "time_zone": time_zone,
        "note": f"Example directory built from public program descriptions. {EXAMPLE_NOTE}.",
        "organizations": list(orgs.values()),
        "services": services,
    }


def main() -> None:  # pragma: no cover - maintainer tool: python -m ... PROFILE
    import sys

    from altresponse.profile import require_profile
    from altresponse.shared import shared_root

    profile = require_profile(sys.argv[1] if len(sys.argv) > 1 else None)
    doc = build_baltimore(shared_root(), name=profile.city, time_zone=profile.time_zone)
    out = Path(__file__).with_name(f"{profile.directory or profile.city}.json")
    out.write_text(json.dumps(doc, indent=1, sort_keys=False, ensure_ascii=False) + "\n", encoding="utf-8")
    print(out)


if __name__ == "__main__":  # pragma: no cover
    main()
