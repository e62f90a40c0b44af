"""A small hand-made registry shared by the partner tests."""

from __future__ import annotations

from typing import Any

import pytest

from altresponse.partners.registry import Registry

SOURCE = [{"title": "hand-made test record"}]


def initiative(
    id_: str, org: str, needs: list[str], areas: list[str], hours: list[dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    return {
        "id": id_,
        "name": id_.title(),
        "organization_id": org,
        "lead_agency": org,
        "kind": extra.pop("kind", "crisis_response"),
        "description": "d",
        "serves": "s",
        "needs": needs,
        "areas": areas,
        "hours": hours,
        "sources": SOURCE,
        **extra,
    }


def registry_data() -> dict[str, Any]:
    return {
        "city": "testville",
        "version": "1",
        "organizations": [
            {"id": o, "name": o.upper(), "kind": "government", "description": o, "sources": SOURCE}
            for o in ("org_a", "org_b", "org_c", "police", "dispatch")
        ],
        "always_informed": ["dispatch"],
        "initiatives": [
            initiative(
                "a",
                "org_a",
                ["behavioral_health"],
                ["*"],
                [{"days": ["MO"]}],
                call_types=["suicidal_ideation"],
                partners=["org_c"],
                referral_channels=[{"channel": "988", "how": "line"}],
            ),
            initiative(
                "b",
                "org_b",
                ["behavioral_health"],
                ["North"],
                [{"days": ["MO"], "opens": "12:00", "closes": "14:00"}],
                referral_channels=[{"channel": "988", "how": "line"}, {"channel": "911", "how": "x"}],
            ),
            initiative(
                "c",
                "org_c",
                ["homelessness"],
                ["South"],
                [{"days": ["TU"], "opens": "08:00", "closes": "10:00"}],
                coordinated_entry_access_point=True,
                capacity={"amount": 2, "unit": "referrals", "per": "day"},
            ),
            initiative(
                "d", "police", ["behavioral_health", "homelessness"], ["*"], [{}], kind="emergency_services"
            ),
            initiative("e", "org_b", ["behavioral_health", "homelessness"], ["*"], [{}], status="planned"),
        ],
        "coordinated_entry": {
            "system": "Test CE",
            "lead_organization": "org_c",
            "coc_number": "XX-500",
            "consent": "asked",
            "data_sent": ["id"],
            "never_sent": ["narrative"],
            "workflow": [{"step": "refer", "who": "team", "within": "24 hours"}],
            "measures": ["referrals per month"],
            "sources": SOURCE,
        },
        "engagement": [
            {"before_phase": 2, "organizations": ["org_b"], "step": "later"},
            {"before_phase": 1, "organizations": ["org_a", "org_c"], "step": "first"},
        ],
    }


@pytest.fixture
def registry() -> Registry:
    return Registry.from_mapping(registry_data())
