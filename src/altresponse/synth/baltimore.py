"""Synthetic Baltimore 911 calls in the Open Baltimore "Calls for Service 2021-present" CSV layout.

Used by the offline demo, by scale tests and by benchmarks, so it must be fast (vectorized numpy,
CSV text assembled column-wise in Arrow, written in chunks) and exactly reproducible (same seed
and options -> byte-identical file). Every row is labelled synthetic twice: CallNumber starts
with "SYN" and the trailing `Synthetic` column is "true". Calibration figures and their
sources: docs/calibration.md.
"""

from __future__ import annotations

import os
import time
import zlib
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from altresponse.errors import BadInput
from altresponse.fsio import atomic_path
from altresponse.synth import gazetteer, vocabulary

# The 2021-present Open Baltimore field set, in export order, plus the synthetic marker.
COLUMNS: tuple[str, ...] = (
    "RecordID", "CallNumber", "CallDateTime", "Priority", "District", "Description", "IncidentLocation",
    "ZipCode", "Neighborhood", "PoliceDistrict", "PolicePost", "CouncilDistrict", "SheriffDistricts",
    "Community_Statistical_Areas", "Census_Tracts", "VRIZones", "Latitude", "Longitude", "Location",
    "Synthetic",
)
TIME_FORMAT = "%Y/%m/%d %H:%M:%S+00"
TIME_ZONE = "America/New_York"
CALLS_PER_YEAR = 1_600_000  # JHU DS4PH capstone: ~1.6 million calls in 2024 (docs/calibration.md)

# Target share of calls per police district (assumption; ordering follows the 2022 Open Baltimore
# analysis that found Southern and Southeastern busiest, Western and Southwestern quietest).
DISTRICT_SHARE: dict[str, float] = {
    "Southeastern": 0.135, "Southern": 0.13, "Central": 0.13, "Northeastern": 0.125, "Northern": 0.11,
    "Eastern": 0.10, "Northwestern": 0.10, "Southwestern": 0.085, "Western": 0.085,
}
# Neighborhoods that carry a Violence Reduction Initiative zone label (assumption, see docs).
VRI_NEIGHBORHOODS: frozenset[str] = frozenset({
    "Sandtown-Winchester", "Harlem Park", "Penn North", "Broadway East", "Oliver", "McElderry Park",
    "Brooklyn", "Curtis Bay", "Belair-Edison", "Upton", "Druid Heights", "Coldstream Homestead Montebello",
})
POINTS_PER_PLACE = 40
CHUNK_ROWS = 1_000_000


def _utc_offsets(year: int, tz: str) -> np.ndarray:
    """UTC offset in seconds for each local hour of the year (DST from the tz database)."""
    zone = ZoneInfo(tz)
    start = datetime(year, 1, 1)
    hours = (datetime(year + 1, 1, 1) - start).days * 24
    out = np.empty(hours, dtype=np.int64)
    for h in range(hours):
        off = (start + timedelta(hours=h)).replace(tzinfo=zone).utcoffset()
        out[h] = int(off.total_seconds()) if off is not None else 0
    return out


def _missing_local_hours(offsets: np.ndarray) -> list[int]:
    """Local hours that do not exist (the spring-forward gap): the offset grows right after them."""
    return [h for h in range(len(offsets) - 1) if offsets[h + 1] > offsets[h]]


def _block_addresses(lon: np.ndarray, lat: np.ndarray) -> list[str]:
    """Block-level address on the nearest major street, numbered on Baltimore's grid."""
    out = []
    for x, y in zip(lon.tolist(), lat.tolist(), strict=True):
        best: tuple[float, str] | None = None
        for name, slon, lo, hi in vocabulary.NS_STREETS:
            if lo <= y <= hi:
                d = abs(x - slon) * 86_000
                if best is None or d < best[0]:
                    block = int(abs(y - vocabulary.BALTIMORE_ST_LAT) * vocabulary.NUMBERS_PER_DEG_LAT)
                    block = block // 100 * 100
                    side = "N " if y >= vocabulary.BALTIMORE_ST_LAT else "S "
                    best = (d, f"{block} BLOCK {'' if name in vocabulary.NO_PREFIX else side}{name}")
        for name, slat, lo, hi in vocabulary.EW_STREETS:
            if lo <= x <= hi:
                d = abs(y - slat) * 111_000
                if best is None or d < best[0]:
                    block = int(abs(x - vocabulary.CHARLES_ST_LON) * vocabulary.NUMBERS_PER_DEG_LON)
                    block = block // 100 * 100
                    side = "E " if x >= vocabulary.CHARLES_ST_LON else "W "
                    best = (d, f"{block} BLOCK {'' if name in vocabulary.NO_PREFIX else side}{name}")
        out.append(best[1] if best else "0 BLOCK N CHARLES ST")
    return out


def _tract_label(tract: str) -> str:
    if len(tract) != 6 or not tract.isdigit():
        return ""
    base, suffix = int(tract[:4]), tract[4:]
    return f"Census Tract {base}" if suffix == "00" else f"Census Tract {base}.{suffix}"


@lru_cache(maxsize=2)
def _boundaries(root: str, neighborhoods: str | None) -> gazetteer.SharedBoundaries:
    """Boundary files parsed once per process (the demo and tests write several files)."""
    return gazetteer.SharedBoundaries(Path(root), Path(neighborhoods) if neighborhoods else None)


def _load_pool(names: Any, rng: np.random.Generator) -> tuple[gazetteer.PointPool, str]:
    """Places from the embedded table, or from real boundary files (a folder or a neighborhoods file)."""
    if names is None or names == "embedded":
        return gazetteer.sample_from_places(gazetteer.embedded_places(), POINTS_PER_PLACE, rng), "embedded"
    neighborhoods: Path | None = None
    if names == "shared":
        from altresponse.shared import shared_root

        root = shared_root()
    elif Path(names).is_file():  # a neighborhoods GeoJSON inside <root>/data/geo/
        neighborhoods = Path(names)
        root = neighborhoods.resolve().parents[2]
    else:
        root = Path(names)
    needed = [gazetteer.CSAS, gazetteer.DISTRICTS_2023, gazetteer.COUNCIL, gazetteer.XWALK_ZIP,
              gazetteer.XWALK_TRACT, gazetteer.CSA_POPULATION]
    if neighborhoods is None:
        needed.append(gazetteer.NEIGHBORHOODS)
    missing = [rel for rel in needed if not (root / rel).exists()]
    if missing:
        raise BadInput(f"boundary files not found under {root}: {', '.join(missing)} (set "
                       "ALTRESPONSE_SHARED, or leave out --shared-names to use the embedded names)")
    boundaries = _boundaries(str(root), str(neighborhoods) if neighborhoods else None)
    return boundaries.sample_points(POINTS_PER_PLACE, rng), f"shared:{neighborhoods or root}"


def _reweight_districts(pool: gazetteer.PointPool) -> np.ndarray:
    district = np.array(pool.district)
    w = pool.weight.copy()
    for name, share in DISTRICT_SHARE.items():
        mask = district == name
        if mask.any():
            w[mask] = w[mask] / w[mask].sum() * share
    return w / w.sum()


class _PoolColumns:
    """Per-point output strings, built once; rows take from them."""

    def __init__(self, pool: gazetteer.PointPool) -> None:
        digits = [gazetteer.DISTRICTS.get(d, ("", 0))[1] for d in pool.district]
        self.district_code = pa.array([gazetteer.DISTRICTS.get(d, ("", 0))[0] for d in pool.district])
        self.address = pa.array(_block_addresses(pool.lon, pool.lat))
        self.zip_code = pa.array(pool.zip_code)
        self.neighborhood = pa.array(pool.neighborhood)
        self.police_district = pa.array(pool.district)
        self.post = pa.array([str(dg * 100 + 11 + zlib.crc32(n.encode()) % 35) if dg else ""
                              for dg, n in zip(digits, pool.neighborhood, strict=True)])
        self.council = pa.array([str(c) for c in pool.council_district])
        self.sheriff = pa.array([f"D{dg}" if dg else "" for dg in digits])
        self.csa = pa.array(pool.csa)
        self.tract = pa.array([_tract_label(t) for t in pool.census_tract])
        self.vri = pa.array([d if n in VRI_NEIGHBORHOODS else ""
                             for n, d in zip(pool.neighborhood, pool.district, strict=True)])
        self.lat = pa.array(pool.lat, pa.float64())
        self.lon = pa.array(pool.lon, pa.float64())
        self.location = pa.array([f"({y:.6f},{x:.6f})" for x, y in zip(pool.lon, pool.lat, strict=True)])
        # The same values rendered once as CSV text: every place-dependent field from
        # IncidentLocation to Location, plus the trailing Synthetic field and the line end.
        text_cols = [self.address, self.zip_code, self.neighborhood, self.police_district, self.post,
                     self.council, self.sheriff, self.csa, self.tract, self.vri]
        quoted = [_quoted(c.to_pylist()) for c in text_cols]
        lat_lon = [[repr(float(v)) for v in pool.lat], [repr(float(v)) for v in pool.lon]]
        fields = [*quoted, *lat_lon, _quoted(self.location.to_pylist())]
        self.place_csv = pa.array([",".join(parts) + ',"true"\n' for parts in zip(*fields, strict=True)])
        self.district_csv = pa.array(_quoted(self.district_code.to_pylist()))


def _quoted(values: list[Any]) -> list[str]:
    """CSV text of string values, always quoted (as pyarrow's "needed" style writes strings)."""
    return ['"' + str(v).replace('"', '""') + '"' for v in values]


def _alias_table(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Walker/Vose alias table: O(1) draws from a discrete distribution with many outcomes."""
    k = len(weights)
    scaled = np.asarray(weights, dtype=float) / np.sum(weights) * k
    prob = np.zeros(k)
    alias = np.zeros(k, dtype=np.int64)
    small = [i for i in range(k) if scaled[i] < 1.0]
    large = [i for i in range(k) if scaled[i] >= 1.0]
    while small and large:
        s, g = small.pop(), large.pop()
        prob[s], alias[s] = scaled[s], g
        scaled[g] -= 1.0 - scaled[s]
        (small if scaled[g] < 1.0 else large).append(g)
    for i in small + large:
        prob[i], alias[i] = 1.0, i
    return prob, alias


def _normalized(w: np.ndarray) -> np.ndarray:
    w = np.asarray(w, dtype=float)
    return w / w.sum(axis=-1, keepdims=True)


def generate_arrays(rows: int, seed: int, year: int = 2024, names: Any = None,
                    tz: str = TIME_ZONE) -> dict[str, Any]:
    """Draw every row's description, priority, time and place (as indices), in call-time order.

    Counts are drawn per (description, day, hour, priority) cell with multinomials, so the cost is
    a few passes over the rows rather than a search per row.
    """
    if rows < 0:
        raise BadInput(f"--rows must be zero or more, got {rows}")
    if not 1990 <= year <= 2100:
        raise BadInput(f"--year must be a four-digit year, got {year}")
    rng = np.random.default_rng(seed)
    pool, names_source = _load_pool(names, rng)
    pool_weight = _reweight_districts(pool)

    texts, share, family = vocabulary.description_arrays()
    n_desc = len(texts)
    jan1 = datetime(year, 1, 1)
    n_days = (datetime(year + 1, 1, 1) - jan1).days
    doy = np.arange(n_days)
    weekday = (jan1.weekday() + doy) % 7
    season = 1 + vocabulary.SEASON_AMPLITUDE * np.cos(2 * np.pi * (doy - vocabulary.SEASON_PEAK_DAY) / 365.25)
    day_p = _normalized(np.stack([season * np.array(vocabulary.DOW_FACTOR[f])[weekday]
                                  for f in vocabulary.FAMILIES]))
    hour_w = np.empty((len(vocabulary.FAMILIES), 7, 24))
    for i, f in enumerate(vocabulary.FAMILIES):
        shape = np.array(vocabulary.HOUR_SHAPE[f])
        for dow in range(7):
            h = shape.copy()
            if dow in (5, 6) and f in ("violent", "disorder", "no_voice", "traffic"):
                h[:5] *= 1.35  # Friday and Saturday nights spill past midnight
            hour_w[i, dow] = h
    hour_p = _normalized(hour_w)

    n_pri = len(vocabulary.PRIORITIES)
    mix = _normalized(np.array([vocabulary.PRIORITY_MIX[vocabulary.FAMILIES[f]] for f in family]))
    per_desc = rng.multinomial(rows, share)                                   # (D,)
    per_day = rng.multinomial(per_desc, day_p[family])                       # (D, days)
    per_hour = rng.multinomial(per_day, hour_p[family][:, weekday, :])        # (D, days, 24)
    per_hour = per_hour.reshape(n_desc, n_days * 24)
    offsets = _utc_offsets(year, tz)
    for gap in _missing_local_hours(offsets):  # clocks jump forward: move that hour's calls on by one
        per_hour[:, gap + 1] += per_hour[:, gap]
        per_hour[:, gap] = 0
    per_pri = rng.multinomial(per_hour.T, mix)                                # (hours, D, priorities)
    cells = per_pri.ravel()                                                   # (hour, desc, priority) order
    n_cells = n_days * 24 * n_desc * n_pri
    local_hour = np.repeat((np.arange(n_cells) // (n_desc * n_pri)).astype(np.uint16), cells)
    desc = np.repeat((np.arange(n_cells) // n_pri % n_desc).astype(np.int32), cells)
    priority = np.repeat((np.arange(n_cells) % n_pri).astype(np.int32), cells)
    second = rng.integers(0, 3600, rows, dtype=np.uint16)

    # Rows are grouped by local hour; order each hour by its seconds. Two stable radix sorts on
    # 16-bit keys are far cheaper than a general sort of 64-bit times.
    by_second = np.argsort(second, kind="stable")
    order = by_second[np.argsort(local_hour[by_second], kind="stable")]
    local_hour, second, desc, priority = local_hour[order], second[order], desc[order], priority[order]
    epoch0 = int((jan1 - datetime(1970, 1, 1)).total_seconds())
    hour_utc = (epoch0 + np.arange(len(offsets), dtype=np.int64) * 3600 - offsets)
    utc = hour_utc[local_hour] + second

    prob, alias = _alias_table(pool_weight)
    pick = rng.integers(0, len(pool), rows)
    place = np.where(rng.random(rows) < prob[pick], pick, alias[pick])
    return {
        "utc": utc, "desc": desc, "priority": priority, "place": place.astype(np.int32),
        "pool": pool, "texts": texts, "names_source": names_source,
    }


def _dict(indices: np.ndarray, values: pa.Array) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(indices, pa.int32()), values)


def _chunk_table(arrays: dict[str, Any], cols: _PoolColumns, texts: pa.Array, priorities: pa.Array,
                 start: int, stop: int, year: int) -> pa.Table:
    """Rows start..stop as an Arrow table (the reference rendering the fast writer must match)."""
    place = arrays["place"][start:stop]
    utc = arrays["utc"][start:stop]
    record = pa.array(np.arange(start + 1, stop + 1, dtype=np.int64))
    seq = pc.utf8_lpad(pc.cast(record, pa.string()), width=8, padding="0")
    call_number = pc.binary_join_element_wise(f"SYNP{year % 100:02d}", seq, "")
    # "YYYY/MM/DD HH:" per UTC hour joined to "MM:SS+00": strftime on every row is far slower
    hour0 = int(arrays["utc"][0]) // 3600 if len(arrays["utc"]) else 0
    hour_idx = utc // 3600 - hour0
    n_hours = int(hour_idx.max()) + 1 if len(hour_idx) else 1
    hours = pa.array((np.arange(n_hours, dtype=np.int64) + hour0) * 3600, pa.int64()).cast(pa.timestamp("s"))
    hour_text = pc.strftime(hours, format="%Y/%m/%d %H:")
    when = pc.binary_join_element_wise(pc.take(hour_text, pa.array(hour_idx)),
                                       pc.take(_MINUTE_SECOND, pa.array(utc % 3600)), "")
    n = stop - start
    return pa.table({
        "RecordID": record,
        "CallNumber": call_number,
        "CallDateTime": when,
        "Priority": _dict(arrays["priority"][start:stop], priorities),
        "District": _dict(place, cols.district_code),
        "Description": _dict(arrays["desc"][start:stop], texts),
        "IncidentLocation": _dict(place, cols.address),
        "ZipCode": _dict(place, cols.zip_code),
        "Neighborhood": _dict(place, cols.neighborhood),
        "PoliceDistrict": _dict(place, cols.police_district),
        "PolicePost": _dict(place, cols.post),
        "CouncilDistrict": _dict(place, cols.council),
        "SheriffDistricts": _dict(place, cols.sheriff),
        "Community_Statistical_Areas": _dict(place, cols.csa),
        "Census_Tracts": _dict(place, cols.tract),
        "VRIZones": _dict(place, cols.vri),
        "Latitude": pc.take(cols.lat, pa.array(place)),
        "Longitude": pc.take(cols.lon, pa.array(place)),
        "Location": _dict(place, cols.location),
        "Synthetic": _dict(np.zeros(n, dtype=np.int32), pa.array(["true"])),
    })


_MINUTE_SECOND = pa.array([f"{m:02d}:{s:02d}+00" for m in range(60) for s in range(60)])
_MINUTE_SECOND_CSV = pa.array([f'{m:02d}:{s:02d}+00"' for m in range(60) for s in range(60)])


def _chunk_csv(arrays: dict[str, Any], cols: _PoolColumns, texts_csv: pa.Array, priorities_csv: pa.Array,
               start: int, stop: int, year: int) -> memoryview:
    """Rows start..stop as CSV bytes, joined column-wise in Arrow (same text as pyarrow.csv writes)."""
    place = pa.array(arrays["place"][start:stop])
    utc = arrays["utc"][start:stop]
    record = pc.cast(pa.array(np.arange(start + 1, stop + 1, dtype=np.int64)), pa.string())
    call_number = pc.binary_join_element_wise(f'"SYNP{year % 100:02d}',
                                              pc.utf8_lpad(record, width=8, padding="0"), '"', "")
    hour0 = int(arrays["utc"][0]) // 3600
    hour_idx = utc // 3600 - hour0
    hours = pa.array((np.arange(int(hour_idx.max()) + 1, dtype=np.int64) + hour0) * 3600,
                     pa.int64()).cast(pa.timestamp("s"))
    hour_text = pc.strftime(hours, format='"%Y/%m/%d %H:')
    when = pc.binary_join_element_wise(pc.take(hour_text, pa.array(hour_idx)),
                                       pc.take(_MINUTE_SECOND_CSV, pa.array(utc % 3600)), "")
    lines = pc.binary_join_element_wise(
        record, call_number, when,
        pc.take(priorities_csv, pa.array(arrays["priority"][start:stop])),
        pc.take(cols.district_csv, place),
        pc.take(texts_csv, pa.array(arrays["desc"][start:stop])),
        pc.take(cols.place_csv, place),
        ",",
    )
    # The place text ends each line with a newline, so the string data buffer *is* the CSV chunk.
    buffers = lines.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int32, count=len(lines) + 1, offset=lines.offset * 4)
    return memoryview(buffers[2])[int(offsets[0]):int(offsets[-1])]


def write_csv(path: str | os.PathLike[str], *, rows: int, seed: int, year: int = 2024,
              names: Any = None) -> dict[str, Any]:
    """Write `rows` synthetic calls for `year` to `path` (atomically); return a summary dict.

    `names`: None or "embedded" for the built-in place table (no reference data needed), "shared"
    for the real boundary files under ALTRESPONSE_SHARED, or a path to such a folder.
    """
    t0 = time.perf_counter()
    arrays = generate_arrays(rows, seed, year, names)
    cols = _PoolColumns(arrays["pool"])
    texts_csv = pa.array(_quoted(arrays["texts"]))
    priorities_csv = pa.array(_quoted(list(vocabulary.PRIORITIES)))
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write((",".join(_quoted(list(COLUMNS))) + "\n").encode())
        for start in range(0, rows, CHUNK_ROWS):
            stop = min(rows, start + CHUNK_ROWS)
            fh.write(_chunk_csv(arrays, cols, texts_csv, priorities_csv, start, stop, year))
    utc = arrays["utc"]
    return {
        "path": str(path),
        "rows": rows,
        "seed": seed,
        "year": year,
        "names": arrays["names_source"],
        "synthetic": True,
        "places": len(arrays["pool"]),
        "descriptions": len(arrays["texts"]),
        "first_call_utc": datetime.fromtimestamp(int(utc[0]), UTC).isoformat() if rows else None,
        "last_call_utc": datetime.fromtimestamp(int(utc[-1]), UTC).isoformat() if rows else None,
        "bytes": Path(path).stat().st_size,
        "seconds": round(time.perf_counter() - t0, 3),
    }
