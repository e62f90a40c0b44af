"""The picture of need: hand-made tables in, exact per-year figures out; real HUD and 988 figures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from altresponse import schema
from altresponse.partners.estimates import clopper_pearson, ratio_interval
from altresponse.partners.need import (
    RequestScale,
    annual_311_volume,
    crisis_line_demand,
    homelessness_picture,
    hour_of_week,
    need_picture,
)
from altresponse.partners.needs import Crosswalk311, NeedMap
from altresponse.sources.partners import read_partner

CROSSWALK = Crosswalk311.from_csv_text(
    "request_type,need,common_type,absorbs_911,note\n"
    "Noise,disorder_noise,noise_complaint,yes,\n"
    "Outreach,homelessness,homeless_person,yes,\n"
    "Pothole,city_service,,no,\n",
    name="test",
)
MONDAY_NOON_NY = datetime(2024, 1, 1, 17, 0, tzinfo=UTC)  # 12:00 in New York


def _calls(rows: list[tuple[str, str, str, str, datetime]]) -> pa.Table:
    return pa.table(
        {
            "district": [r[0] for r in rows],
            "common_type": [r[1] for r in rows],
            "category": [r[2] for r in rows],
            "pathway": [r[3] for r in rows],
            "received_utc": pa.array([r[4] for r in rows], pa.timestamp("us", "UTC")),
        }
    )


def _requests(rows: list[tuple[str, str, datetime]]) -> pa.Table:
    return pa.table(
        {
            "district": [r[0] for r in rows],
            "request_type": [r[1] for r in rows],
            "created_utc": pa.array([r[2] for r in rows], pa.timestamp("us", "UTC")),
        }
    )


def test_hour_of_week_is_local() -> None:
    assert list(hour_of_week([MONDAY_NOON_NY], "America/New_York")) == [12]
    assert list(hour_of_week([MONDAY_NOON_NY], "UTC")) == [17]


def test_need_picture_counts_and_absorption() -> None:
    t = MONDAY_NOON_NY
    calls = _calls(
        [
            ("North", "noise_complaint", "disorder_quality_of_life", "community_responder", t),
            ("North", "noise_complaint", "disorder_quality_of_life", "311_administrative", t),
            ("north ", "behavioral_crisis", "behavioral_health", "behavioral_health_team", t),
            ("South", "mystery", "nothing_known", "police", t + timedelta(days=364)),
        ]
    )
    requests = _requests([("North", "Noise", t)] * 3 + [("South", "Outreach", t), ("South", "Unheard of", t)])
    picture = need_picture(
        need_map=NeedMap.builtin(),
        calls=calls,
        requests=requests,
        crosswalk_311=CROSSWALK,
        request_scale=None,
        time_zone="America/New_York",
        calls_years=2.0,
    )
    grid = picture.demand()
    assert grid[("NORTH", 12, "disorder_noise")] == pytest.approx(2 / 2 + 3)
    assert grid[("NORTH", 12, "behavioral_health")] == pytest.approx(0.5)
    assert grid[("SOUTH", 12, "homelessness")] == pytest.approx(1.0)
    assert picture.unmapped_311 == {"Unheard of": 1}
    assert picture.unmapped_911_rows == 1
    noise = picture.summary("disorder_noise")
    assert (noise.calls_911_per_year, noise.requests_311_per_year) == (1.0, 3.0)
    assert noise.absorbed_by == "311"
    assert noise.calls_911_to_311_per_year == pytest.approx(0.5)
    assert noise.calls_911_311_has_type_per_year == pytest.approx(1.0)
    homeless = picture.summary("homelessness")
    assert homeless.calls_911_per_year == 0 and homeless.requests_311_per_year == 1
    assert "311 is its only source of demand" in homeless.note
    assert {p.area for p in picture.place_overlaps if p.need == "disorder_noise"} == {"NORTH"}


def test_request_scale_weights_rows() -> None:
    from altresponse.partners.estimates import Estimate

    scale = RequestScale(Estimate(1000, 900, 1100, "requests/year", "m", "s"), rows=4)
    picture = need_picture(
        need_map=NeedMap.builtin(),
        requests=_requests([("A", "Noise", MONDAY_NOON_NY)] * 4),
        crosswalk_311=CROSSWALK,
        request_scale=scale,
        time_zone="UTC",
    )
    assert picture.summary("disorder_noise").requests_311_per_year == pytest.approx(1000)


def test_annual_volume_from_slice_and_sample() -> None:
    base = datetime(2024, 1, 1, 0, 0, tzinfo=UTC)  # a Monday
    sample = _requests([("A", "Noise", base + timedelta(hours=h)) for h in range(168)] * 2)  # flat week
    start = base + timedelta(minutes=30)  # the first, partly covered hour does not count
    window = _requests([("A", "Noise", start + timedelta(minutes=30 * k)) for k in range(48)])
    est = annual_311_volume(sample, window, "UTC", "slice")
    # whole hours 01:00-24:00 (23 of them) hold 46 requests; a flat sample has 2 x 23 of 336 rows there
    value, _, _ = ratio_interval(46, 2 * 23, 336)
    assert est.value == pytest.approx(value * 365.25 / 7)
    assert est.low < est.value < est.high


def test_clopper_pearson_known_values() -> None:
    low, high = clopper_pearson(0, 10)
    assert low == 0.0 and high == pytest.approx(0.3085, abs=1e-4)


@pytest.mark.shared
def test_baltimore_homelessness_picture_matches_published_figures(shared: Path) -> None:
    folder = shared / "data" / "partners" / "homelessness"
    tables = [
        read_partner("pit", [folder / "hud_pit_all_cocs_2014_2024_key_measures.csv"]).table,
        read_partner("hic", [folder / "hud_hic_all_cocs_2014_2024_key_measures.csv"]).table,
        read_partner("spm", [folder / "hud_spm_maryland_cocs_fy2015_fy2023_long.csv"]).table,
    ]
    picture = homelessness_picture(pa.concat_tables(tables), "MD-501")
    # figures stated in data/partners/SOURCES.md
    assert (picture.pit_year, picture.overall) == (2024, 1600)
    assert picture.beds_es_th_sh == 2018 and picture.beds_psh == 2945 and picture.beds_rrh == 457
    assert picture.median_days_homeless_es_sh == 48
    assert picture.returns_24_months_share == pytest.approx(0.121, abs=5e-4)
    # 2024 was sheltered-only, so the unsheltered figure comes from the last full count
    assert picture.pit_count_type == "Sheltered-Only Count" and picture.unsheltered_year == 2023
    assert picture.notes


@pytest.mark.shared
def test_crisis_line_scaled_to_the_city(shared: Path) -> None:
    path = shared / "data" / "partners" / "crisis_988" / "lifeline_988_state_monthly_kpis_2021-07_2022-11.csv"
    kpis = read_partner("988", [path]).table
    md = sorted((r for r in kpis.to_pylist() if r["region"] == "MD"), key=lambda r: r["period_start"])[-12:]
    demand = crisis_line_demand(kpis, region="MD", city_population=100, region_population=1000, source="k")
    assert demand.months == 12 and demand.period.endswith("2022-11")
    assert demand.contacts_per_year.value == pytest.approx(sum(r["received"] for r in md) / 12 * 12 / 10)
    assert demand.contacts_per_year.low <= demand.contacts_per_year.value <= demand.contacts_per_year.high
    assert md[0]["period_start"] == date(2021, 12, 1)


def test_schema_has_every_partner_table() -> None:
    names = {t.name for t in schema.ALL_TABLES}
    assert {
        "service_requests",
        "crisis_line_kpis",
        "crisis_dispatches",
        "homelessness_counts",
        "coordinated_entry_referrals",
        "community_sites",
        "service_types",
        "crisis_line_contacts",
    } <= names


def test_related_needs_point_to_the_same_places() -> None:
    crosswalk = Crosswalk311.from_csv_text(
        "request_type,need,common_type,absorbs_911\nDumping,sanitation_dumping,illegal_dumping,yes\n",
        name="t",
    )
    t = MONDAY_NOON_NY
    calls = _calls(
        [
            (a, "disorderly_person", "disorder_quality_of_life", "police", t)
            for a, n in (("A", 3), ("B", 2), ("C", 1))
            for _ in range(n)
        ]
    )
    requests = _requests([(a, "Dumping", t) for a, n in (("A", 30), ("B", 20), ("C", 10)) for _ in range(n)])
    picture = need_picture(
        need_map=NeedMap.builtin(),
        calls=calls,
        requests=requests,
        crosswalk_311=crosswalk,
        time_zone="UTC",
        calls_years=1.0,
        top_places=2,
    )
    related = {(r.need_311, r.need_911): r for r in picture.related_places}
    dumping = related[("sanitation_dumping", "disorder_noise")]
    assert dumping.areas == 3 and dumping.spearman == pytest.approx(1.0)
    assert dumping.top_in_both == ("A", "B")
    assert related[("homelessness", "welfare")].spearman is None
