"""The profile's `partners` section, validated (paths stay relative to the profile until the edge)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class PartnersConfig(BaseModel):
    """Profile keys for the partner picture (docs/partners.md)."""

    model_config = ConfigDict(extra="forbid")

    registry: str
    crosswalk_311: str | None = None
    area_column: str = "district"
    coc_number: str | None = None
    crisis_line_region: str | None = None
    region_population: int | None = None
    service_times: Literal["police", "published", "crisis_log"] = "published"
    suppress_below: float = 0.0
