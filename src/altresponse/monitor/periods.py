"""Reporting periods: '2027Q1', '2027-03', '2027' as half-open UTC intervals."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from altresponse.errors import BadInput

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True)
class Period:
    label: str
    start: datetime  # inclusive, UTC
    end: datetime  # exclusive, UTC

    def contains(self, t: datetime) -> bool:
        return self.start <= t < self.end

    def previous(self) -> Period:
        if m := _QUARTER.match(self.label):
            y, q = int(m[1]), int(m[2])
            return parse_period(f"{y - 1}Q4" if q == 1 else f"{y}Q{q - 1}")
        if m := _MONTH.match(self.label):
            y, mo = int(m[1]), int(m[2])
            return parse_period(f"{y - 1}-12" if mo == 1 else f"{y}-{mo - 1:02d}")
        return parse_period(str(int(self.label) - 1))


def _month_start(y: int, m: int) -> datetime:
    return datetime(y + (m - 1) // 12, (m - 1) % 12 + 1, 1, tzinfo=UTC)


FIRST_YEAR, LAST_YEAR = 1900, 2999


def parse_period(text: str) -> Period:
    """Parse a period label; a bad label is bad input naming the forms expected."""
    text = text.strip().upper()
    year = text[:4]
    if year.isdigit() and not FIRST_YEAR <= int(year) <= LAST_YEAR:
        raise BadInput(f"period {text!r}: year must be between {FIRST_YEAR} and {LAST_YEAR}")
    if m := _QUARTER.match(text):
        y, q = int(m[1]), int(m[2])
        return Period(text, _month_start(y, 3 * q - 2), _month_start(y, 3 * q + 1))
    if m := _MONTH.match(text):
        y, mo = int(m[1]), int(m[2])
        if not 1 <= mo <= 12:
            raise BadInput(f"period {text!r}: month must be 01..12")
        return Period(text, _month_start(y, mo), _month_start(y, mo + 1))
    if m := _YEAR.match(text):
        y = int(m[1])
        return Period(text, _month_start(y, 1), _month_start(y + 1, 1))
    raise BadInput(f"period {text!r} not understood: expected YYYYQn (2027Q1), YYYY-MM or YYYY")


def quarter_of(t: datetime) -> str:
    t = t.astimezone(UTC)
    return f"{t.year}Q{(t.month - 1) // 3 + 1}"
