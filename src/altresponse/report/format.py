"""One way to write each kind of number, so a figure reads the same on every page and in the PDF."""

from __future__ import annotations

from altresponse.results import Estimate, Unit


def number(value: float | None, unit: Unit) -> str:
    """A value in its unit's rounding: the only place figures are rounded for people."""
    if value is None:
        return "–"
    if unit == "share":
        return f"{value * 100:.1f}%"
    if unit in ("USD/year", "USD"):
        if abs(value) >= 1e6:
            return f"${value / 1e6:,.1f}M"
        return f"${value:,.0f}"
    if unit == "days":
        return f"{value:,.1f}"
    if unit == "FTE":
        return f"{value:,.1f}"
    if unit == "teams":
        return f"{value:,.0f}"
    return f"{value:,.0f}"


UNIT_WORDS: dict[str, str] = {
    "days": "days",
    "calls/year": "calls a year",
    "hours/year": "hours a year",
    "FTE": "FTE",
    "USD/year": "a year",
    "USD": "",
    "teams": "teams",
    "share": "",
}


def estimate(est: Estimate) -> str:
    """`value (low–high)` in the unit's rounding; the range is left out when there is none."""
    text = number(est.value, est.unit)
    if est.low is not None and est.high is not None:
        lo, hi = number(est.low, est.unit), number(est.high, est.unit)
        if (lo, hi) != (text, text):
            text += f" ({lo}–{hi})"
    return text


def estimate_with_unit(est: Estimate) -> str:
    words = UNIT_WORDS[est.unit]
    return f"{estimate(est)} {words}".rstrip()
