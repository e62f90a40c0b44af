"""One layer of named polygons with fast point location and strict name matching."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from altresponse.errors import BadInput

ALIAS_FIELDS: tuple[str, ...] = ("name", "name_alt", "name_abb", "abbr", "label", "csa2010", "nsa")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalize_area_name(value: str) -> str:
    """Comparison key for place names: lower case, '&' as 'and', punctuation and spaces removed."""
    s = value.strip().lower().replace("&", " and ").replace("st.", "saint ").replace("mt.", "mount ")
    return _NON_ALNUM.sub("", s)


@dataclass(frozen=True)
class NameMatch:
    """Result of matching names to a layer: the canonical name per input (None when unmatched)."""

    names: np.ndarray
    matched: int
    unmatched: int
    unmatched_top: list[tuple[str, int]]


@dataclass
class Boundaries:
    """A named polygon layer (e.g. Baltimore's 55 CSAs). Geometries are lon/lat."""

    layer: str
    names: list[str]
    geometries: list[BaseGeometry]
    properties: list[dict[str, Any]] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)
    _tree: STRtree | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if len(self.names) != len(self.geometries):
            raise ValueError("names and geometries differ in length")
        for i, name in enumerate(self.names):
            self.aliases.setdefault(normalize_area_name(name), name)
            props = self.properties[i] if i < len(self.properties) else {}
            for key in ALIAS_FIELDS:
                alt = props.get(key)
                if isinstance(alt, str) and alt.strip():
                    self.aliases.setdefault(normalize_area_name(alt), name)

    @classmethod
    def from_geojson(
        cls, path: str | Path, *, name_field: str = "name", layer: str | None = None
    ) -> Boundaries:
        """Read a GeoJSON FeatureCollection; each feature's `name_field` property names it."""
        p = Path(path)
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise BadInput(f"cannot read GeoJSON boundaries: {exc}", file=str(p)) from exc
        feats = data.get("features") if isinstance(data, dict) else None
        if not isinstance(feats, list) or not feats:
            raise BadInput("expected a GeoJSON FeatureCollection with features", file=str(p))
        names, geoms, props = [], [], []
        for i, feat in enumerate(feats):
            fprops = feat.get("properties") or {}
            name = fprops.get(name_field)
            if name is None or str(name).strip() == "":
                raise BadInput(f"feature {i} has no {name_field!r} property", file=str(p), column=name_field)
            try:
                geom = shape(feat["geometry"])
            except Exception as exc:
                raise BadInput(f"feature {i} ({name}) has an invalid geometry: {exc}", file=str(p)) from exc
            if not geom.is_valid:
                geom = shapely.make_valid(geom)
            names.append(str(name).strip())
            geoms.append(geom)
            props.append(dict(fprops))
        return cls(layer=layer or str(data.get("name") or p.stem), names=names, geometries=geoms,
                   properties=props)

    @property
    def tree(self) -> STRtree:
        if self._tree is None:
            self._tree = STRtree(self.geometries)
        return self._tree

    def locate(self, lon: Sequence[float] | np.ndarray, lat: Sequence[float] | np.ndarray) -> np.ndarray:
        """Name of the polygon holding each point (object array; None outside every polygon or NaN).

        A point on a shared edge goes to the first polygon in layer order, so every point gets
        at most one area and totals add up.
        """
        x = np.asarray(lon, dtype=float)
        y = np.asarray(lat, dtype=float)
        out = np.full(len(x), None, dtype=object)
        ok = np.isfinite(x) & np.isfinite(y)
        if not ok.any():
            return out
        idx = np.nonzero(ok)[0]
        pts = shapely.points(x[idx], y[idx])
        pt_i, poly_i = self.tree.query(pts, predicate="intersects")
        if len(pt_i):
            order = np.lexsort((poly_i, pt_i))
            pt_i, poly_i = pt_i[order], poly_i[order]
            first = np.ones(len(pt_i), dtype=bool)
            first[1:] = pt_i[1:] != pt_i[:-1]
            names = np.asarray(self.names, dtype=object)
            out[idx[pt_i[first]]] = names[poly_i[first]]
        return out

    def match_names(self, values: Iterable[str | None], *, top: int = 10) -> NameMatch:
        """Map free-text place names to this layer's canonical names; unmatched are counted, not guessed."""
        vals = list(values)
        out = np.full(len(vals), None, dtype=object)
        misses: Counter[str] = Counter()
        cache: dict[str, str | None] = {}
        for i, v in enumerate(vals):
            if v is None or (isinstance(v, float) and np.isnan(v)) or str(v).strip() == "":
                continue
            key = str(v)
            if key not in cache:
                cache[key] = self.aliases.get(normalize_area_name(key))
            hit = cache[key]
            if hit is None:
                misses[key] += 1
            else:
                out[i] = hit
        matched = int(sum(1 for o in out if o is not None))
        return NameMatch(names=out, matched=matched, unmatched=int(sum(misses.values())),
                         unmatched_top=misses.most_common(top))

    def canonical(self, name: str | None) -> str | None:
        """The layer's name for one free-text name, or None."""
        if name is None:
            return None
        return self.aliases.get(normalize_area_name(name))

    def geometry(self, name: str) -> BaseGeometry:
        return self.geometries[self.names.index(name)]


def load_boundaries(path: str | Path, *, name_field: str = "name", layer: str | None = None) -> Boundaries:
    """Convenience wrapper for `Boundaries.from_geojson`."""
    return Boundaries.from_geojson(path, name_field=name_field, layer=layer)
