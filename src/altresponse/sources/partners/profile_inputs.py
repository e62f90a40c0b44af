"""The edge for the partner picture: read the profile's partner files and canonical partner tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from altresponse.builtins import read_yaml_mapping
from altresponse.errors import BadInput
from altresponse.partners.config import PartnersConfig
from altresponse.partners.landscape import PartnerLandscape
from altresponse.partners.needs import Crosswalk311, NeedMap
from altresponse.partners.registry import Registry
from altresponse.profile import Profile
from altresponse.sources.partners.common import read_text


def partners_config(profile: Profile) -> PartnersConfig:
    section = profile.section("partners")
    if not section:
        raise BadInput(
            f"profile {profile.city!r} has no `partners` section (see docs/partners.md)", file=profile.path
        )
    try:
        return PartnersConfig.model_validate(section)
    except Exception as exc:
        raise BadInput(f"profile `partners` section: {exc}", file=profile.path) from exc


def profile_relative(profile: Profile, relative: str) -> Path:
    path = Path(relative)
    if not path.is_absolute() and profile.path:
        path = Path(profile.path).parent / path
    if not path.is_file():
        raise BadInput("file named in the profile's `partners` section not found", file=str(path))
    return path


def load_registry(profile: Profile, need_map: NeedMap | None = None) -> Registry:
    from altresponse.taxonomy import load_catalogue

    cfg = partners_config(profile)
    path = profile_relative(profile, cfg.registry)
    registry = Registry.from_mapping(read_yaml_mapping(path, "initiative registry"), file=str(path))
    return registry.check_needs((need_map or NeedMap.builtin()).needs, list(load_catalogue().types))


def load_crosswalk_311(profile: Profile, need_map: NeedMap | None = None) -> Crosswalk311 | None:
    from altresponse.taxonomy import load_catalogue

    cfg = partners_config(profile)
    if not cfg.crosswalk_311:
        return None
    path = profile_relative(profile, cfg.crosswalk_311)
    crosswalk = Crosswalk311.from_csv_text(read_text(path), name=f"{profile.city}_311", file=str(path))
    return crosswalk.validate(need_map or NeedMap.builtin(), list(load_catalogue().types))


CALL_COLUMNS = ("received_utc", "common_type", "category", "pathway", "source_file", "travel_s", "on_scene_s")


def read_tables(paths: list[Path], what: str, columns: list[str] | None = None) -> pa.Table | None:
    """Concatenate canonical Parquet tables written by `altresponse partners ingest` (or `analyze`).

    `columns`: read only these (those a file lacks are skipped), to keep large call files light.
    """
    if not paths:
        return None
    tables = []
    for path in paths:
        try:
            if columns is not None:
                present = set(pq.read_schema(path).names)
                tables.append(pq.read_table(path, columns=[c for c in columns if c in present]))
            else:
                tables.append(pq.read_table(path))
        except (OSError, pa.ArrowInvalid) as exc:
            raise BadInput(f"cannot read {what} Parquet: {exc}", file=str(path)) from exc
    try:
        return pa.concat_tables(tables, promote_options="default")
    except pa.ArrowInvalid as exc:
        raise BadInput(f"{what} files do not share one schema: {exc}") from exc


def build_landscape(
    profile: Profile,
    *,
    calls: list[Path] | None = None,
    requests: list[Path] | None = None,
    requests_slice: list[Path] | None = None,
    requests_per_year: float | None = None,
    crisis_kpis: list[Path] | None = None,
    homelessness: list[Path] | None = None,
    crisis_log: list[Path] | None = None,
    recommended_types: list[str] | None = None,
) -> PartnerLandscape:
    """Read the canonical partner tables and the profile's partner files; assemble the landscape.

    All paths are Parquet written by `altresponse partners ingest` (and `analyze` for calls).
    """
    from altresponse.partners.estimates import Estimate
    from altresponse.partners.landscape import partner_landscape
    from altresponse.partners.need import (
        RequestScale,
        annual_311_volume,
        crisis_line_demand,
        homelessness_picture,
    )
    from altresponse.simulate.crisis_times import crisis_times_from_table
    from altresponse.taxonomy import load_catalogue, load_crosswalk

    cfg = partners_config(profile)
    need_map = NeedMap.builtin()
    registry = load_registry(profile, need_map)
    crosswalk_311 = load_crosswalk_311(profile, need_map)
    catalogue = load_catalogue()
    calls_t = read_tables(calls or [], "classified calls", [cfg.area_column, *CALL_COLUMNS])
    requests_t = read_tables(requests or [], "311 requests")
    sources: list[str] = []
    scale = None
    if requests_t is not None:
        if requests_per_year is not None:
            volume = Estimate(
                requests_per_year,
                requests_per_year,
                requests_per_year,
                "requests/year",
                "published annual 311 volume",
                "given with --requests-per-year",
            )
        elif requests_slice:
            slice_t = read_tables(requests_slice, "311 slice")
            assert slice_t is not None
            volume = annual_311_volume(
                requests_t, slice_t, profile.time_zone, ", ".join(p.name for p in requests_slice)
            )
        else:
            volume = None
        scale = RequestScale(volume, requests_t.num_rows) if volume else None
        sources.append(f"311: {', '.join(p.name for p in requests or [])}")
    kpis_t = read_tables(crisis_kpis or [], "crisis-line KPIs")
    crisis = None
    if kpis_t is not None:
        if not (cfg.crisis_line_region and cfg.region_population and profile.population):
            raise BadInput(
                "crisis-line scaling needs profile population and partners.crisis_line_region and "
                "partners.region_population",
                file=profile.path,
            )
        crisis = crisis_line_demand(
            kpis_t,
            region=cfg.crisis_line_region,
            city_population=profile.population,
            region_population=cfg.region_population,
            source=", ".join(p.name for p in crisis_kpis or []),
        )
        sources.append(f"crisis line: {crisis.contacts_per_year.source}")
    counts_t = read_tables(homelessness or [], "homelessness counts")
    homeless = None
    if counts_t is not None:
        if not cfg.coc_number:
            raise BadInput("homelessness counts need partners.coc_number in the profile", file=profile.path)
        homeless = homelessness_picture(counts_t, cfg.coc_number)
        sources.append(f"homelessness: {', '.join(p.name for p in homelessness or [])}")
    log_t = read_tables(crisis_log or [], "crisis dispatches")
    times = None
    if log_t is not None:
        times = crisis_times_from_table(log_t, source=", ".join(p.name for p in crisis_log or []))
    police = _police_service_times(profile, calls_t)
    comparison = tuple(times.comparison(police)) if times is not None else ()
    local_codes = None
    if profile.crosswalk:
        local_codes = {e.local_call_type: e.common_type for e in load_crosswalk(profile.crosswalk)}
    if calls_t is not None:
        sources.append(f"911: {', '.join(p.name for p in calls or [])}")
    types = (
        recommended_types
        if recommended_types is not None
        else list(profile.section("plan").get("pilot_types") or [])
    )
    return partner_landscape(
        registry=registry,
        need_map=need_map,
        time_zone=profile.time_zone,
        category_of={t: catalogue.category_of(t) for t in catalogue.types},
        recommended_types=types,
        calls=calls_t,
        requests=requests_t,
        crosswalk_311=crosswalk_311,
        request_scale=scale,
        area_column=cfg.area_column,
        crisis_line=crisis,
        homelessness=homeless,
        local_911_codes=local_codes,
        crisis_team_times=times,
        sources=sources,
        service_times_choice=cfg.service_times,
        service_time_comparison=comparison,
    )


def _police_service_times(profile: Profile, calls: pa.Table | None) -> Any:
    """Travel and on-scene times fitted from the city's CAD (times the profile's multiplier), if present."""
    import numpy as np

    from altresponse.simulate.service_time import ServiceTimeModel

    if calls is None or not {"travel_s", "on_scene_s"} <= set(calls.column_names):
        return None

    def col(name: str) -> np.ndarray:
        return np.array([np.nan if v is None else v for v in calls.column(name).to_pylist()], float)

    multiplier = float(profile.section("simulate").get("on_scene_multiplier", 1.0))
    try:
        return ServiceTimeModel.fit(
            np.array(calls.column("common_type").to_pylist(), dtype=object),
            np.array(calls.column("category").to_pylist(), dtype=object),
            col("travel_s"),
            col("on_scene_s"),
            source="911 CAD (police-derived)",
            on_scene_multiplier=multiplier,
        )
    except ValueError:
        return None
