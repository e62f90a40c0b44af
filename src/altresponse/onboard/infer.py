"""Propose what each column of a new export means, from its content first and its header second.

Input is a header and rows of strings (a sample of the export); output is an `ExportProposal`: one
role per column that has one (call id, received time or the date and time columns that make it, call
type, priority, disposition, origin, coordinates, address, district, agency, the time chain), the
time formats, a time zone when the data give evidence, a bounding box, and the code tables with the
class proposed for each code. No I/O: the command reads the sample and writes the files.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from altresponse import schema
from altresponse.errors import BadInput
from altresponse.taxonomy import UNMAPPED
from altresponse.taxonomy.suggest import Suggester, drop_exclusions

TIME_ROLES: tuple[str, ...] = ("dispatch", "enroute", "arrival", "clear", "close")
MIN_PARSE_SHARE = 0.95  # a time format must read this share of a column's non-empty values
MIN_ID_UNIQUE = 0.95


@dataclass(frozen=True)
class Hints:
    """The onboarding tables (hints.yaml): header hints, formats, code-class patterns, zone boxes."""

    header: dict[str, re.Pattern[str]]
    penalties: dict[str, re.Pattern[str]]
    datetime_formats: tuple[str, ...]
    date_formats: tuple[str, ...]
    time_formats: tuple[str, ...]
    disposition: tuple[tuple[str, re.Pattern[str]], ...]
    origin: tuple[tuple[str, re.Pattern[str]], ...]
    priority_words: tuple[tuple[str, re.Pattern[str]], ...]
    numbered_priorities: tuple[str, ...]
    zone_boxes: tuple[dict[str, Any], ...]


@lru_cache(maxsize=1)
def load_hints(path: str | None = None) -> Hints:
    file = Path(path) if path else Path(__file__).with_name("hints.yaml")
    data = yaml.safe_load(file.read_text(encoding="utf-8"))

    def classes(key: str, vocabulary: tuple[str, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
        out = []
        for item in data[key]:
            if item["class"] not in vocabulary:
                raise BadInput(f"{key}: class {item['class']!r} not in {vocabulary}", file=str(file))
            out.append((str(item["class"]), re.compile(str(item["pattern"]))))
        return tuple(out)

    return Hints(
        header={k: re.compile(v) for k, v in data["header_hints"].items()},
        penalties={k: re.compile(v) for k, v in data["header_penalties"].items()},
        datetime_formats=tuple(data["datetime_formats"]),
        date_formats=tuple(data["date_formats"]),
        time_formats=tuple(data["time_formats"]),
        disposition=classes("disposition_classes", schema.DISPOSITION_CLASSES),
        origin=classes("origin_classes", schema.ORIGINS),
        priority_words=classes("priority_words", schema.PRIORITY_CLASSES),
        numbered_priorities=tuple(data["numbered_priorities"]),
        zone_boxes=tuple(data["zone_boxes"]),
    )


def header_words(name: str) -> str:
    """A header as hints see it: lower case, camel case and punctuation split into single spaces."""
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


@dataclass
class CodeTable:
    """A code field: the column, an optional extraction regex, each code's count and proposed class."""

    column: str
    extract: str | None
    codes: dict[str, str]
    counts: dict[str, int]
    labels: dict[str, str] = field(default_factory=dict)
    unclassified: list[str] = field(default_factory=list)


@dataclass
class TimeRole:
    """Where a time comes from: one column or a date and a time column, and the formats that read it."""

    columns: list[str]
    python_formats: list[str]
    duckdb_formats: list[str]
    parse_share: float
    date_only: bool = False


@dataclass
class ExportProposal:
    """Everything `city init` proposes for one export format."""

    rows: int
    header: list[str]
    roles: dict[str, str] = field(default_factory=dict)
    times: dict[str, TimeRole] = field(default_factory=dict)
    codes: dict[str, CodeTable] = field(default_factory=dict)
    location_pair_order: str | None = None
    time_zone: str | None = None
    time_zone_evidence: str = ""
    bbox: dict[str, float] | None = None
    call_types: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "roles": dict(self.roles),
            "received": asdict(self.times["received"]) if "received" in self.times else None,
            "times": {k: asdict(v) for k, v in self.times.items() if k != "received"},
            "codes": {k: {"column": v.column, "extract": v.extract, "codes": v.codes,
                          "unclassified": v.unclassified} for k, v in self.codes.items()},
            "time_zone": self.time_zone,
            "time_zone_evidence": self.time_zone_evidence,
            "bbox": self.bbox,
            "call_types": len(self.call_types),
            "notes": list(self.notes),
        }


# --- column statistics ------------------------------------------------------------------------


@dataclass
class _Column:
    name: str
    values: list[str]  # non-empty, stripped
    n_rows: int
    raw: list[str] = field(default_factory=list)  # one per row ("" when empty), aligned across columns

    @property
    def filled(self) -> float:
        return len(self.values) / self.n_rows if self.n_rows else 0.0

    @property
    def counts(self) -> Counter[str]:
        return Counter(self.values)

    @property
    def distinct(self) -> int:
        return len(set(self.values))

    @property
    def unique_share(self) -> float:
        return self.distinct / len(self.values) if self.values else 0.0

    def numbers(self) -> list[float] | None:
        out = []
        for v in self.values:
            try:
                out.append(float(v))
            except ValueError:
                return None
        return out


def _sample(values: list[str], n: int = 400) -> list[str]:
    if len(values) <= n:
        return values
    step = len(values) / n
    return [values[int(i * step)] for i in range(n)]


def _parse_share(values: list[str], fmt: str) -> float:
    ok = 0
    for v in values:
        try:
            datetime.strptime(v, fmt)
            ok += 1
        except ValueError:
            pass
    return ok / len(values) if values else 0.0


def _best_format(values: list[str], formats: Sequence[str]) -> tuple[str, float] | None:
    sample = _sample(values)
    if not sample:
        return None
    best: tuple[str, float] | None = None
    for fmt in formats:
        share = _parse_share(sample, fmt)
        if share >= MIN_PARSE_SHARE and (best is None or share > best[1]):
            best = (fmt, share)
            if share == 1.0:
                break
    return best


def duckdb_formats(python_format: str, values: list[str]) -> list[str]:
    """DuckDB strptime formats for a Python format: milliseconds are %g there, microseconds %f."""
    if "%f" not in python_format:
        return [python_format]
    fractions = Counter(len(m.group(1)) for v in _sample(values, 100) if (m := re.search(r"\.(\d+)", v)))
    if fractions and fractions.most_common(1)[0][0] == 3:
        return [python_format.replace("%f", "%g"), python_format, python_format.split(".%f")[0]]
    return [python_format, python_format.split(".%f")[0]]


def _hint(hints: Hints, role: str, name: str) -> float:
    words = header_words(name)
    score = 1.0 if (p := hints.header.get(role)) is not None and p.search(words) else 0.0
    if (pen := hints.penalties.get(role)) is not None and pen.search(words):
        score -= 1.5
    return score


def _classify(value: str, table: Sequence[tuple[str, re.Pattern[str]]]) -> str | None:
    text = drop_exclusions(re.sub(r"[^A-Z0-9() ]+", " ", value.upper()))
    text = re.sub(r"\s+", " ", text).strip()
    for klass, pattern in table:
        if pattern.search(text):
            return klass
    return None


# --- the inference ----------------------------------------------------------------------------


def infer_export(header: Sequence[str], rows: Sequence[Sequence[str]], suggester: Suggester,
                 time_zone: str | None = None) -> ExportProposal:
    """Propose roles, formats, code tables, time zone and bounding box for one export's sample."""
    hints = load_hints()
    n = len(rows)
    if n == 0:
        raise BadInput("the export has a header but no records to learn from")
    cols = {}
    for i, name in enumerate(header):
        raw = [r[i].strip() if i < len(r) else "" for r in rows]
        raw = ["" if v.upper() == "NULL" else v for v in raw]
        cols[name] = _Column(name, [v for v in raw if v], n, raw)
    prop = ExportProposal(rows=n, header=list(header))
    taken: set[str] = set()

    def take(role: str, name: str) -> None:
        prop.roles[role] = name
        taken.add(name)

    # Times: every column that reads as a date-time, a date or a time of day.
    datetimes: dict[str, tuple[str, float]] = {}
    dates: dict[str, tuple[str, float]] = {}
    times_of_day: dict[str, tuple[str, float]] = {}
    for name, col in cols.items():
        if col.filled < 0.05:
            continue
        if (best := _best_format(col.values, hints.datetime_formats)) is not None:
            datetimes[name] = best
        elif (best := _best_format(col.values, hints.date_formats)) is not None:
            dates[name] = best
        elif (best := _best_format(col.values, hints.time_formats)) is not None:
            times_of_day[name] = best
    _infer_received(prop, cols, datetimes, dates, times_of_day, hints, take)
    for role in TIME_ROLES:
        candidates = [c for c in datetimes if c not in taken and _hint(hints, role, c) > 0]
        if candidates:
            # The final close rather than the first; for the others the first unit's time, which is the
            # earliest of the columns that name it.
            if role == "close":
                pick = max(candidates, key=lambda c: ("final" in header_words(c), -header.index(c)))
            else:
                first = _earliest(cols, candidates, datetimes) if len(candidates) > 1 else None
                pick = first or candidates[0]
            fmt, share = datetimes[pick]
            prop.times[role] = TimeRole([pick], [fmt], duckdb_formats(fmt, cols[pick].values), share)
            take(role, pick)
    taken.update(datetimes)
    taken.update(dates)
    taken.update(times_of_day)

    _infer_call_id(prop, cols, hints, taken, take)
    _infer_coordinates(prop, cols, hints, taken, take)
    _infer_codes(prop, cols, hints, taken, take)
    _infer_call_type(prop, cols, hints, taken, take, suggester)
    _infer_text_roles(prop, cols, hints, taken, take)
    _infer_zone(prop, hints, time_zone)
    return prop


def _infer_received(prop: ExportProposal, cols: dict[str, _Column], datetimes: dict[str, tuple[str, float]],
                    dates: dict[str, tuple[str, float]], times_of_day: dict[str, tuple[str, float]],
                    hints: Hints, take: Callable[[str, str], None]) -> None:
    def score(name: str) -> tuple[float, float, int]:
        return (_hint(hints, "received", name), cols[name].filled, -prop.header.index(name))

    full = [c for c in datetimes if cols[c].filled >= 0.9]
    if full:
        pick = max(full, key=score)
        if _hint(hints, "received", pick) <= 0:
            # No header says so: the column that is earliest in most rows is when the call began.
            pick = _earliest(cols, full, datetimes) or pick
        fmt, share = datetimes[pick]
        prop.times["received"] = TimeRole([pick], [fmt], duckdb_formats(fmt, cols[pick].values), share)
        take("received", pick)
        return
    if dates and times_of_day:
        d = max(dates, key=lambda c: (_hint(hints, "received_date", c), cols[c].filled))
        t = max(times_of_day, key=lambda c: (_hint(hints, "received_time", c), cols[c].filled))
        fmt = f"{dates[d][0]} {times_of_day[t][0]}"
        joined = [f"{a} {b}" for a, b in zip(cols[d].raw, cols[t].raw, strict=True) if a and b]
        share = _parse_share(_sample(joined), fmt)
        prop.times["received"] = TimeRole([d, t], [fmt], duckdb_formats(fmt, joined), share)
        take("received", d)
        take("received_time", t)
        prop.notes.append(f"received time joined from the date column {d!r} and the time column {t!r}")
        return
    if dates:
        d = max(dates, key=lambda c: (_hint(hints, "received", c) + _hint(hints, "received_date", c),
                                      cols[c].filled))
        fmt, share = dates[d]
        prop.times["received"] = TimeRole([d], [fmt], [fmt], share, date_only=True)
        take("received", d)
        prop.notes.append(f"the export has dates without a time of day ({d!r}): hour-of-day figures and "
                          "response times cannot be computed")
        return
    raise BadInput("no column reads as the time a call was received (tried the formats in "
                   "onboard/hints.yaml); give the export with a received date-time column")


def _earliest(cols: dict[str, _Column], names: list[str],
              formats: dict[str, tuple[str, float]]) -> str | None:
    n = min(len(cols[c].raw) for c in names)
    wins: Counter[str] = Counter()
    for i in range(0, n, max(1, n // 2000)):
        parsed = {}
        for c in names:
            try:
                parsed[c] = datetime.strptime(cols[c].raw[i], formats[c][0])
            except ValueError:
                continue
        if parsed:
            wins[min(parsed, key=lambda c: (parsed[c], names.index(c)))] += 1
    return wins.most_common(1)[0][0] if wins else None


def _infer_call_id(prop: ExportProposal, cols: dict[str, _Column], hints: Hints, taken: set[str],
                   take: Callable[[str, str], None]) -> None:
    candidates = []
    for name, col in cols.items():
        if name in taken or col.filled < 0.99 or col.unique_share < MIN_ID_UNIQUE:
            continue
        spaced = sum(" " in v for v in _sample(col.values)) / max(1, len(_sample(col.values)))
        nums = col.numbers()
        decimal = nums is not None and any("." in v for v in _sample(col.values))
        if spaced > 0.2 or decimal:
            continue
        candidates.append((_hint(hints, "call_id", name), col.unique_share, -prop.header.index(name), name))
    if not candidates:
        raise BadInput("no column is a call id (filled in every row and unique in 95% of them)")
    take("call_id", max(candidates)[3])


def _infer_coordinates(prop: ExportProposal, cols: dict[str, _Column], hints: Hints, taken: set[str],
                       take: Callable[[str, str], None]) -> None:
    numeric = {}
    for name, col in cols.items():
        if name in taken or col.filled < 0.3 or col.distinct < 10:
            continue
        nums = col.numbers()
        if nums is None or not any("." in v for v in _sample(col.values)):
            continue
        inner = [x for x in nums if x != 0.0] or nums
        if all(-180 <= x <= 180 for x in inner):
            numeric[name] = statistics.median(inner)
    lat = [c for c in numeric if -90 <= numeric[c] <= 90]
    points: list[tuple[float, float]] = []
    if len(numeric) >= 2:
        by_hint_lat = [c for c in lat if _hint(hints, "latitude", c) > 0]
        by_hint_lon = [c for c in numeric if _hint(hints, "longitude", c) > 0]
        if by_hint_lat and by_hint_lon:
            la, lo = by_hint_lat[0], next(c for c in by_hint_lon if c != by_hint_lat[0])
        else:
            # Two columns: the one whose values exceed 90 in magnitude, or the larger one, is longitude.
            pair = sorted(numeric, key=lambda c: abs(numeric[c]))[:2]
            la, lo = pair[0], pair[1]
        take("latitude", la)
        take("longitude", lo)
        points = _pairs(cols[la], cols[lo])
    else:
        rx = re.compile(r"^\(?\s*(-?\d+\.\d+)\s*[, ]\s*(-?\d+\.\d+)\s*\)?$")
        for name, col in cols.items():
            if name in taken or col.filled < 0.3:
                continue
            sample = _sample(col.values)
            found = [m for v in sample if (m := rx.match(v))]
            if len(found) < 0.9 * len(sample):
                continue
            a = statistics.median(float(m.group(1)) for m in found)
            b = statistics.median(float(m.group(2)) for m in found)
            order = "lat_lon" if abs(a) <= 90 and abs(a) <= abs(b) else "lon_lat"
            take("location_pair", name)
            prop.location_pair_order = order
            for v in col.values:
                if (m := rx.match(v)):
                    x, y = float(m.group(1)), float(m.group(2))
                    points.append((x, y) if order == "lat_lon" else (y, x))
            break
    points = [(y, x) for y, x in points if (y, x) != (0.0, 0.0) and -90 <= y <= 90 and -180 <= x <= 180]
    if len(points) >= 10:
        ys = sorted(p[0] for p in points)
        xs = sorted(p[1] for p in points)

        def q(v: list[float], f: float) -> float:
            return v[min(len(v) - 1, max(0, int(f * (len(v) - 1))))]

        lo_y, hi_y, lo_x, hi_x = q(ys, 0.005), q(ys, 0.995), q(xs, 0.005), q(xs, 0.995)
        pad_y = max(0.02, 0.1 * (hi_y - lo_y))
        pad_x = max(0.02, 0.1 * (hi_x - lo_x))
        prop.bbox = {"min_lon": round(lo_x - pad_x, 4), "min_lat": round(lo_y - pad_y, 4),
                     "max_lon": round(hi_x + pad_x, 4), "max_lat": round(hi_y + pad_y, 4)}
        prop.notes.append("bounding box: the middle 99% of the coordinates, widened by a tenth; points "
                          "outside it will be flagged and blanked at ingest")
        prop.time_zone_evidence = f"{statistics.median(ys):.4f},{statistics.median(xs):.4f}"


def _pairs(lat: _Column, lon: _Column) -> list[tuple[float, float]]:
    out = []
    for a, b in zip(lat.raw, lon.raw, strict=True):
        try:
            out.append((float(a), float(b)))
        except ValueError:
            continue
    return out


def _code_table(col: _Column, classes: Sequence[tuple[str, re.Pattern[str]]]) -> CodeTable:
    counts = col.counts
    code_rx = re.compile(r"^\s*([A-Za-z0-9]{1,8})\s*-\s*\S")
    distinct = list(counts)
    coded = sum(bool(code_rx.match(v)) for v in distinct)
    extract = r"^\s*([A-Za-z0-9]+)" if distinct and coded >= 0.6 * len(distinct) else None
    table = CodeTable(col.name, extract, {}, {})
    for value, n in counts.most_common():
        first = value.split(",")[0].strip() if extract else value
        code = m.group(1) if extract and (m := re.match(extract, first)) else value
        key = code.strip().upper()
        table.counts[key] = table.counts.get(key, 0) + n
        if key in table.codes or key in table.unclassified:
            continue
        table.labels[key] = first
        klass = _classify(first, classes)
        if klass is None:
            table.unclassified.append(key)
        else:
            table.codes[key] = klass
    return table


def _recognized(col: _Column, classes: Sequence[tuple[str, re.Pattern[str]]]) -> float:
    counts = col.counts
    total = sum(counts.values())
    hit = sum(n for v, n in counts.most_common(200) if _classify(v, classes) is not None)
    return hit / total if total else 0.0


def _infer_codes(prop: ExportProposal, cols: dict[str, _Column], hints: Hints, taken: set[str],
                 take: Callable[[str, str], None]) -> None:
    flags = {"TRUE", "FALSE", "YES", "NO", "Y", "N", "0", "1", "T", "F"}
    small = {n: c for n, c in cols.items() if n not in taken and c.values and 2 <= c.distinct <= 400
             and not {v.upper() for v in c.counts} <= flags}
    # Origin: a field whose values say how the call came in.
    scored = sorted(((_recognized(c, hints.origin) + 0.3 * _hint(hints, "origin", n), n)
                     for n, c in small.items() if c.distinct <= 60), reverse=True)
    if scored and scored[0][0] >= 0.6:
        name = scored[0][1]
        take("origin", name)
        prop.codes["origin"] = _code_table(cols[name], hints.origin)
    # Disposition: outcome words.
    scored = sorted(((_recognized(c, hints.disposition) + 0.3 * _hint(hints, "disposition", n), n)
                     for n, c in small.items() if n not in taken), reverse=True)
    if scored and scored[0][0] >= 0.5:
        name = scored[0][1]
        take("disposition", name)
        prop.codes["disposition"] = _code_table(cols[name], hints.disposition)
    # Priority: a few small numbers (or priority words) under a priority-like header.
    best: tuple[float, str] | None = None
    for name, col in small.items():
        if name in taken or col.distinct > 12:
            continue
        nums = col.numbers()
        words = sum(n for v, n in col.counts.items() if _classify(v, hints.priority_words)) / len(col.values)
        numeric_ok = nums is not None and all(x == int(x) and 0 <= x <= 12 for x in nums)
        top_share = col.counts.most_common(1)[0][1] / len(col.values)
        if not (numeric_ok or words >= 0.8) or top_share > 0.9 or col.distinct < 3:
            continue
        score = _hint(hints, "priority", name) + (0.5 if words >= 0.8 else 0.0)
        if score > 0 and (best is None or score > best[0]):
            best = (score, name)
    if best is not None:
        name = best[1]
        take("priority", name)
        col = cols[name]
        table = CodeTable(name, None, {}, dict(Counter(v.upper() for v in col.values)))
        for value in sorted(table.counts, key=lambda v: (len(v), v)):
            klass = _classify(value, hints.priority_words)
            if klass is None and value.isdigit():
                rank = int(value)
                ranks = hints.numbered_priorities
                klass = ranks[rank - 1] if 1 <= rank <= len(ranks) else "non_emergency"
            if klass is None:
                table.unclassified.append(value)
            else:
                table.codes[value] = klass
        prop.codes["priority"] = table
        prop.notes.append(f"priority {name!r}: numbers read as 1 = most urgent; check the order in the "
                          "worksheet")


def _infer_call_type(prop: ExportProposal, cols: dict[str, _Column], hints: Hints, taken: set[str],
                     take: Callable[[str, str], None], suggester: Suggester) -> None:
    best: tuple[float, str] | None = None
    for name, col in cols.items():
        if name in taken or col.filled < 0.5 or col.distinct < 2:
            continue
        if col.unique_share > 0.5 and col.distinct > 50:
            continue  # free text or ids, not a vocabulary
        if col.numbers() is not None and col.distinct < 15:
            continue
        counts = col.counts
        total = sum(counts.values())
        known = 0
        for value, k in counts.most_common(150):
            s = suggester.suggest(value)
            if s.common_type != UNMAPPED and s.confidence >= 0.5:
                known += k
        score = known / total + 0.25 * _hint(hints, "local_call_type", name)
        if best is None or score > best[0]:
            best = (score, name)
    if best is None or best[0] < 0.2:
        raise BadInput("no column reads as a call type (a vocabulary the suggester recognizes)")
    take("local_call_type", best[1])
    prop.call_types = dict(cols[best[1]].counts.most_common())


def _infer_text_roles(prop: ExportProposal, cols: dict[str, _Column], hints: Hints, taken: set[str],
                      take: Callable[[str, str], None]) -> None:
    street = re.compile(r"\b(ST|AVE?|AV|RD|BLVD|DR|LN|WAY|PL|CT|HWY|PKWY|BLOCK|BLK|STREET|AVENUE|ROAD)\b",
                        re.I)
    best: tuple[float, str] | None = None
    for name, col in cols.items():
        if name in taken or col.filled < 0.3:
            continue
        sample = _sample(col.values)
        share = sum(bool(street.search(v)) and any(ch.isdigit() for ch in v) for v in sample) / len(sample)
        score = share + 0.2 * _hint(hints, "block_address", name)
        if share >= 0.5 and (best is None or score > best[0]):
            best = (score, name)
    if best is not None:
        take("block_address", best[1])
    for role in ("district", "agency"):
        best = None
        for name, col in cols.items():
            if name in taken or col.filled < 0.5 or not (2 <= col.distinct <= 200):
                continue
            if _hint(hints, role, name) <= 0:
                continue
            score = _hint(hints, role, name) + col.filled
            if best is None or score > best[0]:
                best = (score, name)
        if best is not None:
            take(role, best[1])


def _infer_zone(prop: ExportProposal, hints: Hints, given: str | None) -> None:
    if given:
        prop.time_zone = given
        prop.time_zone_evidence = "given with --time-zone"
        return
    if prop.time_zone_evidence:
        lat, lon = (float(x) for x in prop.time_zone_evidence.split(","))
        for box in hints.zone_boxes:
            if box["min_lon"] <= lon <= box["max_lon"] and box["min_lat"] <= lat <= box["max_lat"]:
                prop.time_zone = str(box["zone"])
                prop.time_zone_evidence = (f"the coordinates' median point ({lat:.3f}, {lon:.3f}) lies in "
                                           f"the region of {box['zone']}")
                return
        prop.time_zone_evidence = (f"the coordinates' median point ({lat:.3f}, {lon:.3f}) is in no known "
                                   "region")
