"""Data that tells on itself: checks of an export that would otherwise give confident, wrong answers.

Each check says what it saw, in words for the first page, and whether the figures can stand: a gap in
the period or a suspiciously small category is a warning; an export that looks like a sample (without
a stated sample fraction) or one with many unmapped call types is refused by `analyze` unless the
analyst says otherwise. Thresholds and their published sources: docs/analysis.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

MAX_UNREVIEWED_SHARE = 0.05
"""Above this share of calls with an unmapped call type, `analyze` stops unless --allow-unreviewed."""

SAMPLE_MIN_SPAN_DAYS = 365.0
SAMPLE_MAX_CALLS_PER_DAY = 50.0
"""A year or more of calls at under 50 a day is not a city's full CAD export: a police agency serving
a city logs hundreds to thousands of calls a day."""
EVEN_YEARS_TOLERANCE = 0.02
"""Whole calendar years whose counts differ by under 2% look drawn, not recorded."""

BH_SHARE_LOW = 0.0045
"""Half the lowest coded behavioral-health share published: the 'Mental Health' call type was 0.9% of
calls in one police service (Koziarski, Ferguson & Huey 2021); 5–10% of police 911 calls relate to
behavioral health (Dignity Best Practices). Below this the export may lack these calls."""


@dataclass(frozen=True)
class DataCheck:
    """One finding about the export, with its verdict."""

    id: str
    status: Literal["ok", "warning", "refused"]
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def sample_check(
    rows: int,
    days: float,
    calls_by_year: Mapping[int, int],
    full_years: Sequence[int],
    sample_fraction: float | None,
) -> DataCheck:
    """Does the export look like a sample? Then annual figures need the fraction, or are refused."""
    reasons: list[str] = []
    per_day = rows / days if days > 0 else 0.0
    if days >= SAMPLE_MIN_SPAN_DAYS and per_day < SAMPLE_MAX_CALLS_PER_DAY:
        reasons.append(f"{per_day:,.1f} calls a day over {days:,.0f} days")
    counts = [calls_by_year[y] for y in full_years if y in calls_by_year]
    if len(counts) >= 2 and min(counts) > 0 and max(counts) / min(counts) - 1 < EVEN_YEARS_TOLERANCE:
        reasons.append(f"whole years with nearly equal counts ({', '.join(f'{c:,}' for c in counts)})")
    if sample_fraction is not None:
        if sample_fraction < 1:
            return DataCheck("sample", "ok", f"A sample of {sample_fraction:.2%} of all calls (as stated): "
                             "annual figures are scaled up by its inverse.")
        return DataCheck("sample", "ok", "Stated to be a complete export (sample fraction 1).")
    if reasons:
        return DataCheck("sample", "refused", "The export looks like a sample or a partial extract ("
                         + "; ".join(reasons) + "): annual figures would be far too low. Give "
                         "--sample-fraction F (the share of all calls it holds; 1 if it is complete).")
    return DataCheck("sample", "ok", "Volume looks like a complete export.")


def gap_check(gap_days: int, gaps: int, days: float) -> DataCheck:
    if gaps == 0:
        return DataCheck("period_gaps", "ok", "Calls on every day of the period.")
    return DataCheck("period_gaps", "warning",
                     f"{gap_days} days without a single call in {gaps} gap(s) inside the {days:,.1f}-day "
                     "period: annual figures use the whole span, so they are low if the export is missing "
                     "days.")


def unmapped_check(unmapped: int, rows: int, allow_unreviewed: bool) -> DataCheck:
    share = unmapped / rows if rows else 0.0
    text = (f"{share:.1%} of calls ({unmapped:,}) have a call type the crosswalk does not map; they count as "
            "police calls in every figure.")
    if share <= MAX_UNREVIEWED_SHARE:
        return DataCheck("unmapped", "ok", text)
    if allow_unreviewed:
        return DataCheck("unmapped", "warning", text + " Shown as asked (--allow-unreviewed).")
    return DataCheck("unmapped", "refused", text + f" Above {MAX_UNREVIEWED_SHARE:.0%}: review the crosswalk "
                     "(`altresponse taxonomy suggest` / `accept`) or pass --allow-unreviewed.")


def category_checks(category_shares: Sequence[Mapping[str, Any]]) -> list[DataCheck]:
    """Categories far outside published ranges: the export may lack these calls."""
    share = {str(c["category"]): float(c["share"]) for c in category_shares}
    bh = share.get("behavioral_health", 0.0)
    if bh < BH_SHARE_LOW:
        return [DataCheck("behavioral_health_share", "warning",
                          f"Behavioral-health calls are {bh:.2%} of calls, below half the lowest published "
                          "coded share (0.9%): the export may lack these calls (they may be logged by "
                          "another agency or line, or coded under other types), so diversion figures for "
                          "them are likely low.")]
    return [DataCheck("behavioral_health_share", "ok", f"Behavioral-health calls are {bh:.2%} of calls.")]


def not_calls_check(counts: Mapping[str, Any], rows: int) -> DataCheck:
    """Records that are not calls: counted, shown, and left out of every eligible share."""
    status, own = int(counts["status_records"]), int(counts["officer_initiated_by_type"])
    if status + own == 0:
        return DataCheck("not_calls", "ok", "No unit-status entries or officer-initiated call types found.")
    share = (status + own) / rows if rows else 0.0
    return DataCheck("not_calls", "warning" if share > 0.2 else "ok",
                     f"{status:,} unit-status or administrative entries and {own:,} officer-initiated "
                     f"records ({share:.1%} of rows) are not calls from the public: they stay in the "
                     "totals and are left out of every share of eligible calls.")
