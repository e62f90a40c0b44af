"""Local wall-clock time to UTC, with daylight-saving gaps and repeats made explicit.

CAD exports mostly give local time without an offset. A local time in the spring-forward gap never
happened (the row is rejected as `nonexistent_local_time`); one in the fall-back hour happened twice
and is resolved to its first (daylight-time) occurrence and flagged `ambiguous_local_time`. The rule
is applied in SQL through short per-year lists (1970-2099), built here from the IANA database and
indexed by the local year: the offset in force at the start of the year, then up to K changes in the
year, each a window [local_start, local_end) with the offsets before and after it. No join is needed
and the lists are small enough to stay in cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from altresponse.errors import BadInput

_START = datetime(1970, 1, 1, tzinfo=UTC)
_END = datetime(2100, 1, 1, tzinfo=UTC)


def _offset_s(zone: ZoneInfo, instant: datetime) -> int:
    off = instant.astimezone(zone).utcoffset()
    return int(off.total_seconds()) if off is not None else 0


@lru_cache(maxsize=16)
def transitions(tz_name: str) -> tuple[tuple[datetime, datetime, int, int], ...]:
    """(local_start, local_end, offset_before_s, offset_after_s) for every offset change, 1970-2100.

    Local times in [local_start, local_end) are in a gap when the offset grows and repeated when it
    shrinks. A first row at year 1 carries the zone's earliest offset for times before any change.
    """
    try:
        zone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BadInput(
            f"unknown time zone {tz_name!r}; expected an IANA name such as America/New_York"
        ) from exc
    rows: list[tuple[datetime, datetime, int, int]] = []
    first = _offset_s(zone, _START)
    rows.append((datetime(1, 1, 1), datetime(1, 1, 1), first, first))
    step = timedelta(days=7)  # offset changes are months apart; each one is then found to the second
    t = _START
    prev = first
    while t < _END:
        nxt = t + step
        off = _offset_s(zone, nxt)
        if off != prev:
            lo, hi = t, nxt  # the change happens in (lo, hi]
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                if _offset_s(zone, mid) == prev:
                    lo = mid
                else:
                    hi = mid
            change = hi.replace(microsecond=0)
            utc_naive = change.replace(tzinfo=None)
            a, b = prev, off
            rows.append(
                (utc_naive + timedelta(seconds=min(a, b)), utc_naive + timedelta(seconds=max(a, b)), a, b)
            )
            prev = off
        t = nxt
    return tuple(rows)


FIRST_YEAR = 1970
LAST_YEAR = 2099


@dataclass(frozen=True)
class YearSlots:
    """Per-year lists (index 1 = 1970): base offset, and for slot k the k-th change window in that year."""

    slots: int
    base: tuple[int, ...]
    start: tuple[tuple[datetime | None, ...], ...]
    end: tuple[tuple[datetime | None, ...], ...]
    before: tuple[tuple[int | None, ...], ...]
    after: tuple[tuple[int | None, ...], ...]


@lru_cache(maxsize=16)
def year_slots(tz_name: str) -> YearSlots:
    rows = transitions(tz_name)
    first_offset = rows[0][3]
    per_year: list[list[tuple[datetime, datetime, int, int]]] = []
    base: list[int] = []
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        y0, y1 = datetime(year, 1, 1), datetime(year + 1, 1, 1)
        inside = [r for r in rows[1:] if (r[0] < y1 and r[1] > y0) or (r[0] == r[1] and y0 <= r[0] < y1)]
        earlier = [r for r in rows[1:] if r[1] <= y0]
        base.append(inside[0][2] if inside else (earlier[-1][3] if earlier else first_offset))
        per_year.append(inside)
    k = max((len(v) for v in per_year), default=0)

    def column(i: int, j: int) -> tuple:
        return tuple(v[i][j] if i < len(v) else None for v in per_year)

    return YearSlots(
        slots=k,
        base=tuple(base),
        start=tuple(column(i, 0) for i in range(k)),
        end=tuple(column(i, 1) for i in range(k)),
        before=tuple(column(i, 2) for i in range(k)),
        after=tuple(column(i, 3) for i in range(k)),
    )
