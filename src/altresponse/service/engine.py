"""Triage for one live call: the protocol decides, the directory matches, the store records.

This is the only place the service touches the protocol and directory modules, so a change in
their interfaces is absorbed here and nowhere else.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from altresponse.directory import Directory, load_directory
from altresponse.errors import BadInput
from altresponse.ops import repository as repo
from altresponse.ops.db import Store
from altresponse.profile import Profile
from altresponse.protocol import CallFacts, Protocol, decide, load_protocol
from altresponse.taxonomy.catalogue import Catalogue, load_catalogue

log = logging.getLogger(__name__)



def _plain(obj: Any) -> Any:
    """A JSON-ready copy of a dataclass or pydantic object (directory options, services)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [_plain(v) for v in obj]
    if isinstance(obj, datetime):
        return obj.isoformat()
    return obj


def option_summary(option: Any) -> dict[str, Any]:
    """The fields of a matched provider option the call-taker needs, from whatever shape it has."""
    data = _plain(option)
    if not isinstance(data, dict):
        return {"service_id": str(data), "organization_id": "", "name": str(data)}
    nested = data.get("service")
    service: dict[str, Any] = nested if isinstance(nested, dict) else {}
    service_id = data.get("service_id") or service.get("id") or data.get("id") or ""
    org = data.get("organization_id") or service.get("organization_id") or data.get("organization") or ""
    name = data.get("name") or data.get("service_name") or service.get("name") or service_id
    out: dict[str, Any] = {"service_id": str(service_id), "organization_id": str(org), "name": str(name)}
    if data.get("organization"):
        out["organization_name"] = str(data["organization"])
    for key in ("organization_name", "pathway", "responder", "phone", "distance_km", "travel_minutes",
                "open_now", "capacity", "reason", "reasons"):
        if key in data and data[key] is not None:
            out[key] = data[key]
    return out


class TriageEngine:
    """The loaded protocol, catalogue and directory the service decides with."""

    def __init__(self, profile: Profile, store: Store) -> None:
        self.profile = profile
        self.store = store
        if not profile.protocol:
            raise BadInput("the city profile names no triage protocol (protocol: NAME or PATH)",
                           file=profile.path)
        self.protocol: Protocol = load_protocol(profile.protocol)
        self.catalogue: Catalogue = load_catalogue()
        self.directory: Directory | None = None
        self.directory_source = "none"
        self.reload_directory()

    # -- directory --------------------------------------------------------------------------------
    def reload_directory(self) -> None:
        """The newest directory an admin published, else the profile's; none when the profile names none
        (then every call goes by its pathway's usual channel, and `match` says so)."""
        published = repo.latest_directory(self.store)
        if published is not None:
            self.directory = Directory.from_hsds_json(published[2])
            self.directory_source = f"published:{published[0]}:{published[1][:12]}"
        elif self.profile.directory:
            self.directory = load_directory(self.profile.directory)
            self.directory_source = f"builtin:{self.profile.directory}"
        else:
            self.directory, self.directory_source = None, "none"

    def match(self, decision: Any, lon: float | None, lat: float | None, when: datetime,
              common_type: str) -> tuple[list[dict[str, Any]], bool, list[str]]:
        if self.directory is None:
            return [], False, ["provider directory not loaded: dispatch by the pathway's usual channel"]
        from altresponse.directory import match

        m = match(self.directory, decision, lon, lat, when, common_type)
        options = []
        for o in m.options:
            summary = option_summary(o)
            org_id = self.organization_of(summary["service_id"])
            if org_id:
                summary["organization_name"] = summary.get("organization_name") or summary["organization_id"]
                summary["organization_id"] = org_id
            options.append(summary)
        return options, bool(m.fallback_used), [str(r) for r in m.reasons]

    def organization_of(self, service_id: str) -> str | None:
        """The HSDS organization id of a directory service (None when unknown)."""
        if self.directory is None:
            return None
        try:
            record = self.directory.service(service_id).record
        except KeyError:
            return None
        org = record.get("organization_id") if isinstance(record, dict) else None
        return str(org) if org else None

    def organization_name(self, organization_id: str | None) -> str | None:
        """The organization's name as the directory lists it (for screens; ids stay the key)."""
        if self.directory is None or not organization_id:
            return None
        document = getattr(self.directory, "document", None) or {}
        for org in document.get("organizations", []) if isinstance(document, dict) else []:
            if isinstance(org, dict) and org.get("id") == organization_id:
                return str(org.get("name") or organization_id)
        return None

    def known_service(self, service_id: str, organization_id: str) -> bool | None:
        """Whether the directory lists this service under this organization (None: cannot tell)."""
        if self.directory is None:
            return None
        return self.organization_of(service_id) == organization_id

    # -- triage -----------------------------------------------------------------------------------
    def questions(self) -> list[dict[str, Any]]:
        return [{"id": q.id, "ask": q.ask, "help": q.help, "values": list(q.values)}
                for q in self.protocol.questions]

    def triage(self, actor: repo.Actor, *, call_ref: str, common_type: str, answers: Mapping[str, str],
               mpds_code: str | None = None, area: str | None = None, lon: float | None = None,
               lat: float | None = None, when: datetime | None = None,
               record_at: datetime | None = None) -> dict[str, Any]:
        """Decide, match and record one call; `record_at` backdates the record (replays, simulated years)."""
        if common_type not in self.catalogue:
            raise BadInput(f"unknown common_type {common_type!r}; see GET /protocol for the type list",
                           column="common_type")
        unknown_q = sorted(set(answers) - set(self.protocol.question_ids))
        if unknown_q:
            raise BadInput(f"unknown question ids {unknown_q}; expected {list(self.protocol.question_ids)}",
                           column="answers")
        category = self.catalogue.category_of(common_type)
        decision = decide(self.protocol, CallFacts(common_type, category, mpds_code), answers)
        full_answers = {q: answers.get(q) or "unknown" for q in self.protocol.question_ids}
        when = when or datetime.now(UTC)
        options, fallback_used, match_reasons = self.match(decision, lon, lat, when, common_type)
        rec = repo.record_decision(
            self.store, actor, call_ref=call_ref, common_type=common_type, category=category,
            answers=full_answers, pathway=decision.pathway, responder=decision.responder,
            rule_ids=decision.rule_ids, reasons=decision.reasons, fallbacks=decision.fallbacks,
            protocol_version=decision.protocol_version, protocol_hash=self.protocol.content_hash,
            matched=options, area=area, lon=lon, lat=lat, at=record_at,
        )
        return {
            "decision_id": rec.id, "call_ref": call_ref, "common_type": common_type, "category": category,
            "pathway": decision.pathway, "responder": decision.responder,
            "rule_ids": list(decision.rule_ids), "reasons": list(decision.reasons),
            "fallbacks": list(decision.fallbacks), "protocol_version": decision.protocol_version,
            "protocol_hash": self.protocol.content_hash, "providers": options,
            "fallback_used": fallback_used, "match_reasons": match_reasons,
            "answers": full_answers, "created_at": rec.created_at,
        }
