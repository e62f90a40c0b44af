"""Boundaries: point location with STRtree and strict name matching, on real Baltimore layers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import box

from altresponse.errors import BadInput
from altresponse.geo import Boundaries, load_boundaries, normalize_area_name


def _grid() -> Boundaries:
    return Boundaries(
        layer="grid",
        names=["West", "East"],
        geometries=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
        properties=[{"name_abb": "W"}, {"name_abb": "E"}],
    )


def test_locate_points_edges_and_missing() -> None:
    layer = _grid()
    got = layer.locate([0.5, 1.5, 1.0, 5.0, np.nan], [0.5, 0.5, 0.5, 0.5, 0.5])
    assert got.tolist() == ["West", "East", "West", None, None]


def test_name_matching_is_strict_and_reports_misses() -> None:
    layer = _grid()
    res = layer.match_names(["west", " EAST ", "W", "Westish", None, "Westish"])
    assert res.names.tolist() == ["West", "East", "West", None, None, None]
    assert res.matched == 3 and res.unmatched == 2
    assert res.unmatched_top == [("Westish", 2)]


def test_normalize_area_name() -> None:
    assert normalize_area_name("Mt. Vernon") == normalize_area_name("mount vernon")
    assert normalize_area_name("Allendale/Irvington/S. Hilton") == "allendaleirvingtonshilton"


def test_bad_geojson_is_bad_input(tmp_path: Path) -> None:
    bad = tmp_path / "x.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(BadInput, match=r"x\.geojson"):
        load_boundaries(bad)


@pytest.mark.shared
def test_real_baltimore_layers(shared: Path) -> None:
    geo = shared / "data" / "geo"
    csas = load_boundaries(geo / "baltimore_csas_2010.geojson")
    districts = load_boundaries(geo / "baltimore_police_districts_2023.geojson")
    hoods = load_boundaries(geo / "baltimore_neighborhoods_2020.geojson")
    assert len(csas.names) == 56 and len(districts.names) == 9 and len(hoods.names) == 279
    # City Hall (100 N Holliday St) lies in Downtown, Central district.
    assert districts.locate([-76.6108], [39.2908])[0] == "Central"
    assert csas.locate([-76.6108], [39.2908])[0] == "Downtown/Seton Hill"
    assert districts.canonical("CD") == "Central"
    # Every BNIA indicator CSA name matches a CSA polygon (the equity join depends on it).
    import csv

    indicators = shared / "data" / "indicators" / "bnia_vs_equity_latest_wide_DERIVED.csv"
    with open(indicators, encoding="utf-8") as fh:
        names = [r["csa2010"] for r in csv.DictReader(fh) if r["csa2010"] != "Baltimore City"]
    res = csas.match_names(names)
    assert res.unmatched == 0, res.unmatched_top
    # Vectorised location of 20k random points inside the city box is fast and mostly inside.
    rng = np.random.default_rng(0)
    lon = rng.uniform(-76.70, -76.53, 20000)
    lat = rng.uniform(39.21, 39.37, 20000)
    located = hoods.locate(lon, lat)
    assert 0.7 < np.mean(located != None) < 1.0  # noqa: E711
