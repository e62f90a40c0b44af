"""Boundaries and point-in-polygon: which neighbourhood, CSA or district a call falls in.

`Boundaries` holds one layer of named polygons (lon/lat, WGS84). Calls with coordinates are
located with a shapely STRtree; calls that carry only a place name are matched by a normalised
name (case, punctuation and spacing ignored, plus the layer's alternative names). Names that
match nothing are counted and reported, never guessed.
"""

from altresponse.geo.boundaries import Boundaries, NameMatch, load_boundaries, normalize_area_name

__all__ = ["Boundaries", "NameMatch", "load_boundaries", "normalize_area_name"]
