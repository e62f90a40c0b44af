"""Where synthetic calls happen: real Baltimore neighborhoods, CSAs, districts and block addresses.

Two sources give the same shape of table (`Place` rows), so the generator does not care which:

* the real boundary files under ALTRESPONSE_SHARED (``from_shared``): points are sampled inside
  the neighborhood polygons and each point's CSA, police district and council district come from
  point-in-polygon tests, so coordinates and names always agree;
* an embedded table of the same neighborhoods (``embedded``), derived once from those files, with
  a disc that lies inside the neighborhood, CSA, district and council district at once. Points
  sampled in the disc therefore agree with the names too, and the product runs without ../shared.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from altresponse.errors import BadInput

# Police district name -> (CAD short code, post-number hundreds digit). BPD numbers posts by
# district: 1xx Central, 2xx Southeastern, ... 9xx Southern.
DISTRICTS: dict[str, tuple[str, int]] = {
    "Central": ("CD", 1),
    "Southeastern": ("SE", 2),
    "Eastern": ("ED", 3),
    "Northeastern": ("NE", 4),
    "Northern": ("ND", 5),
    "Northwestern": ("NW", 6),
    "Western": ("WD", 7),
    "Southwestern": ("SW", 8),
    "Southern": ("SD", 9),
}

METRES_PER_DEG_LAT = 111_320.0


@dataclass(frozen=True)
class Place:
    """One neighborhood as the generator needs it (names agree with the sampling disc)."""

    neighborhood: str
    csa: str
    district: str
    council_district: int
    zip_code: str
    census_tract: str
    lon: float
    lat: float
    radius_m: float
    weight: float


@dataclass(frozen=True)
class PointPool:
    """Sampled points with the names that agree with them; rows of the output index into it."""

    lon: np.ndarray
    lat: np.ndarray
    neighborhood: list[str]
    csa: list[str]
    district: list[str]
    council_district: list[int]
    zip_code: list[str]
    census_tract: list[str]
    weight: np.ndarray  # sums to 1

    def __len__(self) -> int:
        return len(self.lon)


# Paths inside ALTRESPONSE_SHARED.
NEIGHBORHOODS = "data/geo/baltimore_neighborhoods_2020.geojson"
CSAS = "data/geo/baltimore_csas_2010.geojson"
DISTRICTS_2023 = "data/geo/baltimore_police_districts_2023.geojson"
COUNCIL = "data/geo/baltimore_council_districts.geojson"
XWALK_ZIP = "data/geo/baltimore_xwalk_zip2csa.csv"
XWALK_TRACT = "data/geo/baltimore_xwalk_neighborhood2tract.csv"
CSA_POPULATION = "data/indicators/csa_total_population_2010_2020.csv"


def _load_features(path: Path) -> list[tuple[str, object]]:
    import shapely
    from shapely.geometry import shape

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BadInput(f"cannot read boundary file: {exc}", file=str(path)) from exc
    # some published rings self-touch; repair them so overlay operations succeed
    return [(str(f["properties"]["name"]), shapely.make_valid(shape(f["geometry"])))
            for f in data["features"]]


def _majority(geom: object, layer: list[tuple[str, object]]) -> tuple[str, object]:
    best = max(layer, key=lambda item: geom.intersection(item[1]).area)  # type: ignore[attr-defined]
    return best


class SharedBoundaries:
    """The real boundary layers and crosswalks, loaded once."""

    def __init__(self, root: Path, neighborhoods: Path | None = None) -> None:
        self.root = root
        self.neighborhoods = _load_features(neighborhoods or root / NEIGHBORHOODS)
        self.csas = [(n, g) for n, g in _load_features(root / CSAS) if not n.lower().startswith("unassigned")]
        self.districts = _load_features(root / DISTRICTS_2023)
        self.council = _load_features(root / COUNCIL)
        self.zips_by_csa: dict[str, list[str]] = {}
        with open(root / XWALK_ZIP, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                self.zips_by_csa.setdefault(row["csa"], []).append(row["zip"])
        self.tract_by_neighborhood: dict[str, tuple[str, float]] = {}
        with open(root / XWALK_TRACT, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                w = float(row["weight_households"] or 0)
                cur = self.tract_by_neighborhood.get(row["name"])
                if cur is None or w > cur[1]:
                    self.tract_by_neighborhood[row["name"]] = (row["tract"], w)
        self.csa_population: dict[str, float] = {}
        with open(root / CSA_POPULATION, newline="", encoding="utf-8-sig") as fh:
            for row in csv.DictReader(fh):
                self.csa_population[row["CSA2010"]] = float(row["tpop20"])

    def zip_for(self, csa: str) -> str:
        zips = sorted(self.zips_by_csa.get(csa, []))
        return zips[0] if zips else ""

    def places(self) -> list[Place]:
        """One Place per neighborhood: the majority CSA/district/council and an inscribed disc."""
        import shapely

        csa_area: dict[str, float] = {}
        assigned: list[tuple[str, object, str, str, str]] = []
        for name, geom in self.neighborhoods:
            csa, csa_geom = _majority(geom, self.csas)
            district, d_geom = _majority(geom, self.districts)
            council, c_geom = _majority(geom, self.council)
            piece = geom.intersection(csa_geom).intersection(d_geom).intersection(c_geom)  # type: ignore[attr-defined]
            assigned.append((name, piece, csa, district, council))
            csa_area[csa] = csa_area.get(csa, 0.0) + float(geom.area)  # type: ignore[attr-defined]
        out = []
        for name, piece, csa, district, council in assigned:
            parts = [g for g in shapely.get_parts(piece) if g.geom_type == "Polygon" and g.area > 0]
            if not parts:
                continue
            piece = max(parts, key=lambda g: g.area)  # the largest polygon of the overlay
            # work in a locally isotropic frame (lon scaled by cos(lat)) so the circle is a circle
            lat0 = piece.centroid.y
            k = math.cos(math.radians(lat0))
            scaled = shapely.affinity.scale(piece, xfact=k, yfact=1.0, origin=(0, 0))
            circle = shapely.maximum_inscribed_circle(scaled, tolerance=1e-5)
            centre = shapely.get_point(circle, 0)
            radius_deg = float(shapely.length(circle))
            cx, cy = float(shapely.get_x(centre)) / k, float(shapely.get_y(centre))
            full_geom = dict(self.neighborhoods)[name]
            share = float(full_geom.area) / csa_area[csa] if csa_area[csa] else 0.0  # type: ignore[attr-defined]
            weight = self.csa_population.get(csa, 0.0) * share
            tract = self.tract_by_neighborhood.get(name, ("", 0.0))[0]
            out.append(Place(name, csa, district, int(council.split()[-1]), self.zip_for(csa), tract,
                             round(cx, 6), round(cy, 6), round(radius_deg * METRES_PER_DEG_LAT, 1),
                             round(max(weight, 50.0), 1)))
        return out

    def neighborhood_weights(self) -> dict[str, float]:
        """Expected calls per neighborhood: its CSA's 2020 population times its share of the CSA's area.

        The CSA is the one holding the neighborhood's representative point (cheap; `places()` uses
        the majority overlap, which needs polygon overlays).
        """
        import shapely

        points = [geom.representative_point() for _, geom in self.neighborhoods]  # type: ignore[attr-defined]
        xs = np.array([p.x for p in points])
        ys = np.array([p.y for p in points])
        csa_of = np.full(len(points), "", dtype=object)
        for name, geom in self.csas:
            csa_of[shapely.contains_xy(geom, xs, ys)] = name
        areas = np.array([float(geom.area) for _, geom in self.neighborhoods])  # type: ignore[attr-defined]
        csa_area: dict[str, float] = {}
        for csa, area in zip(csa_of, areas, strict=True):
            csa_area[csa] = csa_area.get(csa, 0.0) + area
        return {
            name: max(self.csa_population.get(csa, 0.0) * area / csa_area[csa], 50.0) if csa else 50.0
            for (name, _), csa, area in zip(self.neighborhoods, csa_of, areas, strict=True)
        }

    def sample_points(self, per_place: int, rng: np.random.Generator) -> PointPool:
        """Points uniformly inside each neighborhood polygon, named by point-in-polygon."""
        import shapely

        lons: list[np.ndarray] = []
        lats: list[np.ndarray] = []
        nbhd_names: list[str] = []
        for name, geom in self.neighborhoods:
            minx, miny, maxx, maxy = geom.bounds  # type: ignore[attr-defined]
            got_x: list[np.ndarray] = []
            got = 0
            tries = 0
            while got < per_place and tries < 50:
                x = rng.uniform(minx, maxx, per_place * 4)
                y = rng.uniform(miny, maxy, per_place * 4)
                inside = shapely.contains_xy(geom, x, y)
                got_x.append(np.stack([x[inside], y[inside]], axis=1))
                got += int(inside.sum())
                tries += 1
            pts = np.concatenate(got_x)[:per_place]
            lons.append(pts[:, 0])
            lats.append(pts[:, 1])
            nbhd_names += [name] * len(pts)
        lon = np.concatenate(lons)
        lat = np.concatenate(lats)

        def locate(layer: list[tuple[str, object]]) -> list[str]:
            names = np.full(len(lon), "", dtype=object)
            for lname, lgeom in layer:
                names[shapely.contains_xy(lgeom, lon, lat)] = lname
            return [str(v) for v in names]

        csa = locate(self.csas)
        district = locate(self.districts)
        council = locate(self.council)
        weights = self.neighborhood_weights()
        keep = np.array([bool(c) and bool(d) and bool(k)
                         for c, d, k in zip(csa, district, council, strict=True)])
        idx = np.flatnonzero(keep)
        weight = np.array([weights.get(n, 50.0) for n in nbhd_names], dtype=float)[idx]
        return PointPool(
            lon=np.round(lon[idx], 6), lat=np.round(lat[idx], 6),
            neighborhood=[nbhd_names[i] for i in idx],
            csa=[csa[i] for i in idx],
            district=[district[i] for i in idx],
            council_district=[int(council[i].split()[-1]) for i in idx],
            zip_code=[self.zip_for(csa[i]) for i in idx],
            census_tract=[self.tract_by_neighborhood.get(nbhd_names[i], ("", 0.0))[0] for i in idx],
            weight=weight / weight.sum(),
        )


def embedded_places() -> list[Place]:
    from altresponse.synth._places import PLACES

    return [Place(*row) for row in PLACES]


def sample_from_places(places: list[Place], per_place: int, rng: np.random.Generator) -> PointPool:
    """Points uniformly inside each place's inscribed disc (which lies inside all its areas)."""
    n = len(places)
    radius = np.array([p.radius_m for p in places])[:, None] * 0.95
    r = np.sqrt(rng.uniform(0.0, 1.0, (n, per_place))) * radius
    theta = rng.uniform(0.0, 2 * math.pi, (n, per_place))
    lat0 = np.array([p.lat for p in places])[:, None]
    lon0 = np.array([p.lon for p in places])[:, None]
    lat = lat0 + r * np.sin(theta) / METRES_PER_DEG_LAT
    lon = lon0 + r * np.cos(theta) / (METRES_PER_DEG_LAT * np.cos(np.radians(lat0)))
    weight = np.repeat(np.array([p.weight for p in places], dtype=float), per_place)

    def rep(values: list[Any]) -> list[Any]:
        return [v for v in values for _ in range(per_place)]

    return PointPool(
        lon=np.round(lon.ravel(), 6), lat=np.round(lat.ravel(), 6),
        neighborhood=rep([p.neighborhood for p in places]),
        csa=rep([p.csa for p in places]),
        district=rep([p.district for p in places]),
        council_district=rep([p.council_district for p in places]),
        zip_code=rep([p.zip_code for p in places]),
        census_tract=rep([p.census_tract for p in places]),
        weight=weight / weight.sum(),
    )


def render_places_module(places: list[Place]) -> str:
    """Python source of the embedded table (regenerate with `python -m altresponse.synth.gazetteer`)."""
    lines = [
        "# ruff: noqa: E501  (generated data table: one place per line)",
        '"""Embedded Baltimore places, derived from the public boundary files (see docs/calibration.md).',
        "",
        "Generated by `python -m altresponse.synth.gazetteer ROOT`; do not edit by hand.",
        "Columns: neighborhood, CSA, police district, council district, ZIP, census tract,",
        "disc centre lon/lat, disc radius (m),",
        "weight (CSA 2020 population x neighborhood's share of the CSA's area).",
        '"""',
        "",
        "PLACES: tuple[tuple[str, str, str, int, str, str, float, float, float, float], ...] = (",
    ]
    for p in places:
        lines.append(f"    ({p.neighborhood!r}, {p.csa!r}, {p.district!r}, {p.council_district}, "
                     f"{p.zip_code!r}, {p.census_tract!r}, {p.lon}, {p.lat}, {p.radius_m}, {p.weight}),")
    lines.append(")")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    import sys

    root = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared")
    target = Path(__file__).with_name("_places.py")
    target.write_text(render_places_module(SharedBoundaries(root).places()), encoding="utf-8")
    print(target)
