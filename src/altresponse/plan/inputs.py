"""The plan's inputs as plain objects: per-type statistics of the city's calls, area x hour-of-week
demand, and the landscape's transferred risk and officer time (parsed from its result, loudly).

The pipeline edge (`altresponse.pipeline.plan_inputs`) reads the files that fill these.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from altresponse.errors import BadInput
from altresponse.plan.gaps import Demand

AREA_LEVELS: tuple[str, ...] = ("csa", "neighborhood", "district")


@dataclass(frozen=True)
class TypeStats:
    """One common type in the city's history, annualized."""

    type_id: str
    category: str
    pathway: str
    calls: int
    annual_calls: float
    officer_hours: float | None
    busy_hours_median: float | None
    n_known: int
    k_serious: int
    underserved_calls: int
    located_calls: int


@dataclass
class LocalData:
    """What the city's classified calls say, ready for the plan."""

    source: str
    rows: int
    first_day: str
    last_day: str
    days: float
    synthetic: bool
    area_level: str | None
    types: dict[str, TypeStats]
    demand: dict[str, Demand]
    underserved: set[str] = field(default_factory=set)
    underserved_rule: str = ""
    factor: float = 1.0  # calls in the data -> calls a year (the landscape's)

    @property
    def annual_factor(self) -> float:
        return self.factor


@dataclass(frozen=True)
class TransferredRisk:
    """One type's serious-outcome risk as the analysis transferred it (point, 90% interval, calls)."""

    shrunk: float
    lo: float
    hi: float
    n: int


@dataclass(frozen=True)
class Transferred:
    """Per-type risk and officer time that the landscape analysis borrowed from reference agencies.

    The plan uses these only when the city's own calls carry no outcomes (or no unit times), and the
    document says so wherever they appear: they are other agencies' records, not this city's.
    """

    kind: str
    risk_statement: str
    officer_time_statement: str
    provenance: dict[str, Any]
    prior: dict[str, Any]
    risk: dict[str, TransferredRisk]
    officer_hours: dict[str, float]  # per year, in-scope calls of the type
    hours_per_call: dict[str, float]

    @property
    def source_labels(self) -> list[str]:
        return [str(s.get("label") or s.get("source") or "") for s in self.provenance.get("sources") or []
                if isinstance(s, dict)]


def _num(value: Any, what: str, file: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BadInput(f"{what} is not a finite number: {value!r}", file=file)
    return float(value)


def transferred_from_summary(
    summary: dict[str, Any] | None, *, file: str = "summary.json"
) -> Transferred | None:
    """The transferred risk and officer time in an analysis summary.json, or None when it has none.

    Risk is taken only when the summary's risk block says it was transferred; officer time only when
    it carries the officer-time transfer statement. A malformed candidate entry is an error, not skipped.
    """
    if not summary:
        return None
    block = summary.get("risk")
    if not isinstance(block, dict):
        return None
    risk_transferred = bool(block.get("transferred"))
    hours_statement = str(block.get("officer_time_statement") or "")
    if not risk_transferred and not hours_statement:
        return None
    cands = summary.get("candidates")
    if not isinstance(cands, list):
        raise BadInput("analysis summary has a transferred risk block but no candidates list", file=file)
    risk: dict[str, TransferredRisk] = {}
    hours: dict[str, float] = {}
    per_call: dict[str, float] = {}
    for i, c in enumerate(cands):
        if not isinstance(c, dict) or not isinstance(c.get("common_type"), str):
            raise BadInput(f"candidates[{i}] has no common_type", file=file)
        t = c["common_type"]
        where = f"candidates[{i}] ({t})"
        if risk_transferred:
            point = _num(c.get("risk"), f"{where} risk", file)
            lo = _num(c.get("risk_lo"), f"{where} risk_lo", file)
            hi = _num(c.get("risk_hi"), f"{where} risk_hi", file)
            n = _num(c.get("risk_n"), f"{where} risk_n", file) or 0.0
            if point is not None and n > 0:
                if lo is None or hi is None or not (0 <= lo <= point <= hi <= 1):
                    raise BadInput(f"{where}: risk interval not 0 <= lo <= risk <= hi <= 1", file=file)
                risk[t] = TransferredRisk(point, lo, hi, int(n))
        if hours_statement:
            h = _num(c.get("officer_hours_per_year"), f"{where} officer_hours_per_year", file)
            if h is not None:
                hours[t] = h
                raw = _num(c.get("officer_hours"), f"{where} officer_hours", file)
                scope = _num(c.get("scope_calls"), f"{where} scope_calls", file)
                if raw is not None and scope:
                    per_call[t] = raw / scope
    prov = block.get("provenance") if isinstance(block.get("provenance"), dict) else {}
    assert isinstance(prov, dict)
    prior = {k: block[k] for k in ("alpha", "beta", "mean", "level", "method") if k in block}
    return Transferred(
        kind=str(prov.get("kind") or ("transferred_from_reference_agencies" if risk_transferred else "")),
        risk_statement=str(block.get("statement") or "") if risk_transferred else "",
        officer_time_statement=hours_statement,
        provenance=prov,
        prior=prior,
        risk=risk,
        officer_hours=hours,
        hours_per_call=per_call,
    )
