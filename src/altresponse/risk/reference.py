"""Outcomes and officer time per call type, transferred from reference agencies.

A city whose published calls carry no dispositions (or no unit times) cannot estimate from its
own records how often a call type ends in an arrest, report or citation, nor how long an officer
spends on it. This module supplies both from agencies whose records have them, and says so: every
figure it returns comes with a provenance dict naming the agencies, periods and scopes, so a
report can state "risk transferred from reference agencies" rather than present a borrowed rate
as the city's own.

The table ships inside the package (``reference_outcomes.csv``, built by
``altresponse risk reference``): one row per (source, common_type) with counts per disposition
class and, where the source has a unit time chain, unit-time statistics. Pure computation apart
from the loader.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from altresponse import schema
from altresponse.errors import BadInput
from altresponse.risk.model import DEFAULT_SERIOUS_CLASSES, RiskTable, estimate_type_risk_from_counts

PACKAGED_FILE = "reference_outcomes.csv"
TABLE_SERIOUS_CLASSES: tuple[str, ...] = DEFAULT_SERIOUS_CLASSES
"""The classes the table's own `k_serious` column counts (any other definition sums n_<class>)."""
DEFAULT_SOURCES: tuple[str, ...] = ("decc", "sfpd")
DISPOSITION_COUNT_COLUMNS: tuple[str, ...] = tuple(f"n_{c}" for c in schema.DISPOSITION_CLASSES)
CSV_COLUMNS: tuple[str, ...] = (
    "source", "source_label", "period", "agency_scope", "origin_scope", "common_type", "category",
    "n_calls", "n_known", "k_serious", *DISPOSITION_COUNT_COLUMNS,
    "n_time", "unit_busy_median_s", "unit_busy_mean_s", "unit_busy_sd_s",
    "n_on_scene", "on_scene_median_s", "on_scene_mean_s",
)
"""Columns of the reference CSV, in order. n_calls counts in-scope calls, n_known those whose
disposition class is not ``unknown``, k_serious those in TABLE_SERIOUS_CLASSES; n_<class> counts
each disposition class. Unit times (seconds) are blank for sources without a time chain."""

_INT_COLUMNS = ("n_calls", "n_known", "k_serious", *DISPOSITION_COUNT_COLUMNS, "n_time", "n_on_scene")
_FLOAT_COLUMNS = ("unit_busy_median_s", "unit_busy_mean_s", "unit_busy_sd_s", "on_scene_median_s",
                  "on_scene_mean_s")
TIME_MEASURES: tuple[str, ...] = ("unit_busy", "on_scene")

TRANSFER_STATEMENT = (
    "Risk transferred from reference agencies: this city's records carry no dispositions, so each call "
    "type's chance of ending in {classes} is estimated from {agencies}, pooled, with the city-wide "
    "prior fitted across types (empirical Bayes)."
)


@dataclass(frozen=True)
class ReferenceRow:
    """One (source, common_type): outcome counts and, where recorded, unit-time statistics (seconds)."""

    source: str
    source_label: str
    period: str
    agency_scope: str
    origin_scope: str
    common_type: str
    category: str
    n_calls: int
    n_known: int
    k_serious: int
    disposition_counts: dict[str, int]
    n_time: int
    unit_busy_median_s: float | None
    unit_busy_mean_s: float | None
    unit_busy_sd_s: float | None
    n_on_scene: int
    on_scene_median_s: float | None
    on_scene_mean_s: float | None

    def serious(self, serious_classes: Sequence[str] = DEFAULT_SERIOUS_CLASSES) -> int:
        """Calls of this row whose disposition class is in `serious_classes`."""
        if tuple(serious_classes) == TABLE_SERIOUS_CLASSES:
            return self.k_serious
        return sum(self.disposition_counts.get(c, 0) for c in serious_classes)


@dataclass(frozen=True)
class ReferenceOutcomes:
    """The reference table: rows per (source, common_type), and where it was read from."""

    rows: tuple[ReferenceRow, ...]
    origin: str = "packaged"
    _by_key: dict[tuple[str, str], ReferenceRow] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_key.update({(r.source, r.common_type): r for r in self.rows})

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(sorted({r.source for r in self.rows}))

    def types(self, sources: Sequence[str] | None = None) -> tuple[str, ...]:
        """Common types that have a row in any of `sources` (default: all)."""
        use = set(self._check_sources(sources or self.sources))
        return tuple(sorted({r.common_type for r in self.rows if r.source in use}))

    def row(self, source: str, common_type: str) -> ReferenceRow | None:
        return self._by_key.get((source, common_type))

    def _check_sources(self, sources: Iterable[str] | str) -> tuple[str, ...]:
        chosen = (sources,) if isinstance(sources, str) else tuple(sources)
        unknown = [s for s in chosen if s not in self.sources]
        if unknown:
            raise ValueError(f"no reference source {unknown}; the table has {list(self.sources)}")
        return chosen

    def pooled_counts(
        self,
        type_ids: Sequence[str] | np.ndarray,
        sources: Sequence[str] = DEFAULT_SOURCES,
        serious_classes: Sequence[str] = DEFAULT_SERIOUS_CLASSES,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(n, k) aligned to `type_ids`: calls of known outcome and serious outcomes, summed over
        `sources`; 0 where no source has the type (the risk model then gives the prior)."""
        chosen = self._check_sources(sources)
        outcome_classes = [c for c in schema.DISPOSITION_CLASSES if c != "unknown"]
        stray = [c for c in serious_classes if c not in outcome_classes]
        if stray:
            raise ValueError(f"serious classes {stray} are not outcome classes; "
                             f"expected some of {outcome_classes}")
        n = np.zeros(len(type_ids), dtype=np.int64)
        k = np.zeros(len(type_ids), dtype=np.int64)
        for i, t in enumerate(type_ids):
            for s in chosen:
                r = self._by_key.get((s, str(t)))
                if r is not None:
                    n[i] += r.n_known
                    k[i] += r.serious(serious_classes)
        return n, k

    def officer_minutes(
        self, type_ids: Sequence[str] | np.ndarray, measure: str = "unit_busy", *, min_n: int = 10
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(median_minutes, mean_minutes, n) per type from sources with unit times; NaN where none.

        n is the number of timed calls behind each figure; types with fewer than `min_n` timed calls
        get NaN minutes (a median of three calls is not a planning figure) but keep their n.

        `measure` is ``unit_busy`` (dispatch to first unit cleared: the time a unit is committed) or
        ``on_scene`` (arrival to first unit cleared). The mean is pooled over sources weighted by
        their timed calls; a median cannot be pooled, so it is the one from the source with most
        timed calls of the type.
        """
        if measure not in TIME_MEASURES:
            raise ValueError(f"measure must be one of {TIME_MEASURES}, not {measure!r}")
        med = np.full(len(type_ids), np.nan)
        mean = np.full(len(type_ids), np.nan)
        n = np.zeros(len(type_ids), dtype=np.int64)
        for i, t in enumerate(type_ids):
            timed = [r for r in self.rows if r.common_type == str(t) and _time_n(r, measure) > 0]
            if not timed:
                continue
            counts = [_time_n(r, measure) for r in timed]
            means = [_time_stat(r, measure, "mean") for r in timed]
            n[i] = sum(counts)
            if n[i] < min_n:
                continue
            best = max(range(len(timed)), key=lambda j: (counts[j], timed[j].source))
            med[i] = _time_stat(timed[best], measure, "median") / 60.0
            mean[i] = sum(c * m for c, m in zip(counts, means, strict=True)) / sum(counts) / 60.0
        return med, mean, n

    def officer_hours_model(
        self, type_ids: Sequence[str] | np.ndarray, *, min_n: int = 10
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(mean_hours, se_hours, n) of unit-busy time per call, pooled over sources with unit times.

        The shape the analysis's officer-hours model uses (mean per call and the standard error of
        that mean); NaN where a type has fewer than `min_n` timed calls.
        """
        mean = np.full(len(type_ids), np.nan)
        se = np.full(len(type_ids), np.nan)
        n = np.zeros(len(type_ids), dtype=np.int64)
        for i, t in enumerate(type_ids):
            timed = [r for r in self.rows if r.common_type == str(t) and r.n_time > 0
                     and r.unit_busy_mean_s is not None]
            total = sum(r.n_time for r in timed)
            n[i] = total
            if total < max(min_n, 2):
                continue
            m = sum(r.n_time * float(r.unit_busy_mean_s or 0.0) for r in timed) / total
            # Pooled sample variance: within-source spread plus the spread of the source means.
            ss = sum((r.n_time - 1) * float(r.unit_busy_sd_s or 0.0) ** 2
                     + r.n_time * (float(r.unit_busy_mean_s or 0.0) - m) ** 2 for r in timed)
            mean[i] = m / 3600.0
            se[i] = math.sqrt(ss / (total - 1) / total) / 3600.0
        return mean, se, n

    def provenance(self, sources: Sequence[str] | None = None,
                   serious_classes: Sequence[str] = DEFAULT_SERIOUS_CLASSES) -> dict[str, Any]:
        """Where the figures come from: each source's label, period, scope and totals, and what is pooled."""
        chosen = self._check_sources(sources or self.sources)
        per_source: list[dict[str, Any]] = []
        for s in chosen:
            rows = [r for r in self.rows if r.source == s]
            first = rows[0]
            per_source.append({
                "source": s, "label": first.source_label, "period": first.period,
                "agency_scope": first.agency_scope, "origin_scope": first.origin_scope,
                "types": len(rows), "calls": sum(r.n_calls for r in rows),
                "known_outcome": sum(r.n_known for r in rows),
                "serious": sum(r.serious(serious_classes) for r in rows),
                "timed_calls": sum(r.n_time for r in rows),
            })
        timed = [str(p["source"]) for p in per_source if int(p["timed_calls"]) > 0]
        timed_scope = "; ".join(str(p["agency_scope"]) for p in per_source if p["source"] in timed)
        officer_time = (
            f"Unit times from {', '.join(timed)} ({timed_scope} calls only): dispatch to first unit "
            "cleared, first unit only, times over 12 hours dropped."
            if timed else "No reference source carries unit times."
        )
        return {
            "kind": "transferred_from_reference_agencies",
            "table": self.origin,
            "rows": sum(1 for r in self.rows if r.source in set(chosen)),
            "sources": per_source,
            "serious_classes": list(serious_classes),
            "pooled": ("Per type, calls of known outcome (n) and serious outcomes (k) are summed over "
                       f"{', '.join(chosen)}; a type no source has gets the fitted prior (n = 0)."),
            "officer_time": officer_time,
        }


def _time_n(r: ReferenceRow, measure: str) -> int:
    return r.n_time if measure == "unit_busy" else r.n_on_scene


def _time_stat(r: ReferenceRow, measure: str, stat: str) -> float:
    value = getattr(r, f"{measure}_{stat}_s")
    return float("nan") if value is None else float(value)


@dataclass(frozen=True)
class TransferredRisk:
    """A risk table estimated from reference agencies' outcomes, with the provenance to say so."""

    risk: RiskTable
    provenance: dict[str, Any]
    statement: str
    officer_median_minutes: np.ndarray = field(default_factory=lambda: np.empty(0))
    officer_mean_minutes: np.ndarray = field(default_factory=lambda: np.empty(0))
    officer_timed_calls: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))

    def records(self) -> list[dict[str, Any]]:
        """Per type: the risk row plus borrowed officer minutes (None where there is no figure)."""
        out = []
        for i, rec in enumerate(self.risk.to_records()):
            if len(self.officer_timed_calls) == len(self.risk):
                med, mean = float(self.officer_median_minutes[i]), float(self.officer_mean_minutes[i])
                rec.update(officer_minutes_median=None if math.isnan(med) else med,
                           officer_minutes_mean=None if math.isnan(mean) else mean,
                           officer_timed_calls=int(self.officer_timed_calls[i]))
            out.append(rec)
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"transferred": True, "statement": self.statement, "provenance": self.provenance,
                "prior": self.risk.prior(), "types": self.records()}


def transferred_risk(
    type_ids: Sequence[str] | np.ndarray,
    reference: ReferenceOutcomes | None = None,
    *,
    sources: Sequence[str] = DEFAULT_SOURCES,
    level: float = 0.90,
    serious_classes: Sequence[str] = DEFAULT_SERIOUS_CLASSES,
) -> TransferredRisk:
    """Per-type risk for `type_ids` from the reference agencies' pooled outcome counts.

    The result's `risk` is an ordinary RiskTable (so tolerance_scenarios works on it unchanged);
    `provenance` and `statement` carry the label reports must show with it.
    """
    ref = reference if reference is not None else load_reference_outcomes()
    ids = [str(t) for t in type_ids]
    n, k = ref.pooled_counts(ids, sources, serious_classes)
    risk = estimate_type_risk_from_counts(ids, n, k, level=level, serious_classes=serious_classes)
    prov = ref.provenance(sources, serious_classes)
    prov["serious_classes"] = list(serious_classes)
    prov["types_requested"] = len(ids)
    prov["types_with_reference_data"] = int(np.count_nonzero(n))
    prov["types_without_reference_data"] = sorted(t for t, nn in zip(ids, n, strict=True) if nn == 0)
    labels = " and ".join(f"{p['label']} ({p['agency_scope']}, {p['origin_scope']})" for p in prov["sources"])
    statement = TRANSFER_STATEMENT.format(classes=", ".join(serious_classes), agencies=labels)
    med, mean, timed = ref.officer_minutes(ids)
    return TransferredRisk(risk=risk, provenance=prov, statement=statement, officer_median_minutes=med,
                           officer_mean_minutes=mean, officer_timed_calls=timed)


def _parse_int(value: str, col: str, line: int, where: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise BadInput(f"expected a whole number, found {value!r}", file=where, line=line,
                       column=col) from None


def _parse_float(value: str, col: str, line: int, where: str) -> float | None:
    if value == "":
        return None
    try:
        out = float(value)
    except ValueError:
        raise BadInput(f"expected seconds or blank, found {value!r}", file=where, line=line,
                       column=col) from None
    if not math.isfinite(out) or out < 0:
        raise BadInput(f"expected non-negative seconds, found {value!r}", file=where, line=line, column=col)
    return out


def parse_reference_csv(text: str, where: str = PACKAGED_FILE) -> ReferenceOutcomes:
    """Read the reference table from CSV text, checking every count (0 <= k <= n_known <= n_calls)."""
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != CSV_COLUMNS:
        raise BadInput(f"reference table columns are {reader.fieldnames}, expected {list(CSV_COLUMNS)}",
                       file=where, line=1)
    rows: list[ReferenceRow] = []
    seen: set[tuple[str, str]] = set()
    for line, rec in enumerate(reader, start=2):
        ints = {c: _parse_int(rec[c], c, line, where) for c in _INT_COLUMNS}
        floats = {c: _parse_float(rec[c], c, line, where) for c in _FLOAT_COLUMNS}
        disp = {c.removeprefix("n_"): ints[c] for c in DISPOSITION_COUNT_COLUMNS}
        if min(ints.values()) < 0 or not ints["k_serious"] <= ints["n_known"] <= ints["n_calls"]:
            raise BadInput("counts must satisfy 0 <= k_serious <= n_known <= n_calls", file=where, line=line)
        if sum(disp.values()) != ints["n_calls"] or ints["n_calls"] - disp["unknown"] != ints["n_known"]:
            raise BadInput("disposition counts do not add up to n_calls / n_known", file=where, line=line)
        key = (rec["source"], rec["common_type"])
        if key in seen:
            raise BadInput(f"duplicate row for {key}", file=where, line=line)
        seen.add(key)
        rows.append(ReferenceRow(
            source=rec["source"], source_label=rec["source_label"], period=rec["period"],
            agency_scope=rec["agency_scope"], origin_scope=rec["origin_scope"],
            common_type=rec["common_type"], category=rec["category"],
            n_calls=ints["n_calls"], n_known=ints["n_known"], k_serious=ints["k_serious"],
            disposition_counts=disp, n_time=ints["n_time"],
            unit_busy_median_s=floats["unit_busy_median_s"], unit_busy_mean_s=floats["unit_busy_mean_s"],
            unit_busy_sd_s=floats["unit_busy_sd_s"],
            n_on_scene=ints["n_on_scene"], on_scene_median_s=floats["on_scene_median_s"],
            on_scene_mean_s=floats["on_scene_mean_s"],
        ))
    if not rows:
        raise BadInput("reference table has no rows", file=where)
    return ReferenceOutcomes(rows=tuple(rows), origin=where)


def load_reference_outcomes(path: str | Path | None = None) -> ReferenceOutcomes:
    """The reference table shipped with the package, or the one at `path` (built by
    ``altresponse risk reference``)."""
    if path is None:
        text = resources.files("altresponse.risk").joinpath(PACKAGED_FILE).read_text(encoding="utf-8")
        return parse_reference_csv(text, f"altresponse/risk/{PACKAGED_FILE}")
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"cannot read the reference table: {exc}", file=str(p)) from exc
    return parse_reference_csv(text, str(p))
