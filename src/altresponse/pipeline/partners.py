"""The partners' picture beside 911: ingest the partner files a profile names, then build it.

A profile's `partner_inputs:` section lists reference files (relative to ALTRESPONSE_SHARED, or
absolute) by role; a file that is absent is skipped and said so, never guessed. Each file goes
through its adapter (every record in the table or the rejects) into `DIR/partners/`, and the
landscape of need, coverage and coordinated entry is built on the landscape's classified calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from altresponse.errors import BadInput
from altresponse.profile import Profile
from altresponse.shared import shared_path

ROLES: tuple[str, ...] = ("requests", "requests_slice", "crisis_kpis", "homelessness", "crisis_log")


class PartnerInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: str
    source: str
    file: str
    time_zone: str | None = None


class PartnerInputs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    inputs: list[PartnerInput] = Field(default_factory=list)


@dataclass
class PartnerRun:
    """What the partner step read and built (`landscape` is None when no file was found)."""

    landscape: Any
    ingested: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


def partner_inputs(profile: Profile) -> list[PartnerInput]:
    raw = profile.section("partner_inputs")
    try:
        cfg = PartnerInputs.model_validate(raw)
    except ValidationError as exc:
        raise BadInput(f"profile section 'partner_inputs' is invalid: {exc}", file=profile.path) from exc
    bad = sorted({i.role for i in cfg.inputs} - set(ROLES))
    if bad:
        raise BadInput(f"partner_inputs roles must be among {ROLES}, got {bad}", file=profile.path)
    return cfg.inputs


def _locate(name: str) -> Path | None:
    path = Path(name)
    if path.is_absolute():
        return path if path.exists() else None
    return shared_path(*path.parts, required=False)


def run_partners(
    profile: Profile, classified: Path, out: Path, *, recommended_types: list[str]
) -> PartnerRun:
    """Ingest the profile's partner files that exist and build the partner landscape."""
    from altresponse.sources.partners import read_partner, write_partner
    from altresponse.sources.partners.profile_inputs import build_landscape

    inputs = partner_inputs(profile)
    if not inputs:
        return PartnerRun(landscape=None, missing=["the profile names no partner files (partner_inputs)"])
    run = PartnerRun(landscape=None)
    tables: dict[str, list[Path]] = {r: [] for r in ROLES}
    folder = out / "partners"
    for i, item in enumerate(inputs):
        path = _locate(item.file)
        if path is None:
            run.missing.append(f"{item.role}: {item.file} not found (set ALTRESPONSE_SHARED)")
            continue
        result = read_partner(item.source, [path], time_zone=item.time_zone or profile.time_zone,
                              bbox=profile.bbox)
        target = folder / f"{i:02d}_{item.role}.parquet"
        write_partner(result, target)
        tables[item.role].append(target)
        run.ingested.setdefault(item.role, []).append(
            {"file": path.name, "source": item.source, "records_in": result.records_in,
             "rows_out": result.table.num_rows, "rejected": result.rejects.num_rows})
    if not any(tables.values()):
        return run
    run.landscape = build_landscape(
        profile, calls=[classified], requests=tables["requests"] or None,
        requests_slice=tables["requests_slice"] or None, crisis_kpis=tables["crisis_kpis"] or None,
        homelessness=tables["homelessness"] or None, crisis_log=tables["crisis_log"] or None,
        recommended_types=recommended_types,
    )
    return run


def crisis_log_times(profile: Profile) -> Any:
    """Crisis-team travel and on-scene times fitted from the profile's dispatch log (role `crisis_log`)."""
    from altresponse.simulate.crisis_times import crisis_times_from_table
    from altresponse.sources.partners import read_partner

    logs = [i for i in partner_inputs(profile) if i.role == "crisis_log"]
    if not logs:
        raise BadInput("service_times: crisis_log needs a partner_inputs entry with role crisis_log",
                       file=profile.path)
    path = _locate(logs[0].file)
    if path is None:
        raise BadInput(f"crisis log not found: {logs[0].file} (set ALTRESPONSE_SHARED)", file=profile.path)
    result = read_partner(logs[0].source, [path], time_zone=logs[0].time_zone or profile.time_zone,
                          bbox=profile.bbox)
    return crisis_times_from_table(result.table, source=path.name)
