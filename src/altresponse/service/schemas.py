"""Request and response bodies of the API (separate from the table models on purpose).

Requests forbid unknown fields, so a client cannot slip caller details (name, phone, address) into
the store under another name.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Answer = str
CALL_REF_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
# Directory ids (HSDS service and organization ids): no spaces, so no name or sentence fits.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,119}$"
# A neighborhood or block name; the store screens it again (`repository.screen_area`).
AREA_PATTERN = r"^[A-Za-z][A-Za-z .,'/&()-]{0,59}$"
EARLIEST_CALL = datetime(2000, 1, 1, tzinfo=UTC)
DeclineReason = Literal["no_capacity", "outside_service_area", "outside_service_hours", "not_eligible",
                        "safety_concern", "duplicate", "other"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorOut(BaseModel):
    detail: str


class HealthOut(BaseModel):
    status: Literal["ok"]
    database: str
    revision: str
    protocol_version: str
    directory: str


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    role: str


class MeOut(BaseModel):
    id: int | None
    username: str
    role: str
    organization_id: str | None


class UserIn(Strict):
    username: str = Field(min_length=2, max_length=80, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=8, max_length=200)
    role: Literal["call_taker", "provider", "analyst", "admin"]
    organization_id: str | None = Field(default=None, max_length=120, pattern=ID_PATTERN)


class PasswordIn(Strict):
    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=8, max_length=200)


class UserOut(BaseModel):
    id: int
    username: str
    role: str
    organization_id: str | None
    active: bool
    created_at: datetime


class TriageIn(Strict):
    call_ref: str = Field(pattern=CALL_REF_PATTERN, description="CAD incident number; never caller details.")
    common_type: str = Field(min_length=1, max_length=64, description="Common incident type id (taxonomy).")
    mpds_code: str | None = Field(default=None, max_length=16, description="MPDS determinant, if any.")
    answers: dict[str, str] = Field(default_factory=dict,
                                    description="Question id -> answer; missing = unknown.")
    area: str | None = Field(default=None, max_length=60, pattern=AREA_PATTERN,
                             description="Neighborhood or block name, not an address: letters, spaces and "
                                         ".,'/&()- only, no digits.")
    lon: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)
    lat: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    when: datetime | None = Field(default=None, description="Call time, zone-aware, from 2000-01-01 to "
                                                             "a day ahead of now; default now.")

    @field_validator("when")
    @classmethod
    def _when_in_range(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("give a zone-aware time (with Z or an offset)")
        try:
            value = value.astimezone(UTC)
        except (OverflowError, ValueError):
            raise ValueError("time out of range") from None
        if not EARLIEST_CALL <= value <= datetime.now(UTC) + timedelta(days=1):
            raise ValueError("call time must lie between 2000-01-01 and a day from now")
        return value


class ProviderOption(BaseModel):
    model_config = ConfigDict(extra="allow")
    service_id: str
    organization_id: str
    name: str


class TriageOut(BaseModel):
    decision_id: int
    call_ref: str
    common_type: str
    category: str
    pathway: str
    responder: str
    rule_ids: list[str]
    reasons: list[str]
    fallbacks: list[str]
    protocol_version: str
    protocol_hash: str
    providers: list[ProviderOption]
    fallback_used: bool
    match_reasons: list[str]
    answers: dict[str, str]
    created_at: datetime


class ReferralIn(Strict):
    decision_id: int = Field(ge=1, le=2**31 - 1)
    service_id: str = Field(min_length=1, max_length=120, pattern=ID_PATTERN)
    organization_id: str = Field(min_length=1, max_length=120, pattern=ID_PATTERN)


class DeclineIn(Strict):
    reason: DeclineReason | None = Field(default=None, description="Why, as a code (no free text, so no "
                                                                    "caller detail can be typed in).")


class OutcomeIn(Strict):
    outcome: Literal["successful_diversion", "co_notification", "backup_requested", "transported",
                     "linked_to_services"]


class ReferralOut(BaseModel):
    id: int
    decision_id: int
    service_id: str
    organization_id: str
    status: str
    outcome: str | None
    decline_reason: str | None
    created_at: datetime
    accepted_at: datetime | None
    declined_at: datetime | None
    en_route_at: datetime | None
    on_scene_at: datetime | None
    closed_at: datetime | None
    pathway: str | None = None
    common_type: str | None = None
    area: str | None = None


class QuestionOut(BaseModel):
    id: str
    ask: str
    help: str
    values: list[str]


class CommonTypeOut(BaseModel):
    id: str
    name: str
    category: str


class ProtocolOut(BaseModel):
    name: str
    version: str
    content_hash: str
    title: str
    questions: list[QuestionOut]
    common_types: list[CommonTypeOut]


class ProtocolVersionOut(BaseModel):
    protocol_version: str
    content_hash: str
    decisions: int
    first_used: datetime | None
    last_used: datetime | None
    current: bool


class DirectoryOut(BaseModel):
    source: str
    hsds: Any


class DirectoryPublishedOut(BaseModel):
    id: int
    content_hash: str
    source: str


class StatsOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    source: str
