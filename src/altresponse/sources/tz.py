"""Local wall-clock time to UTC, with daylight-saving gaps and repeats made explicit.

CAD exports mostly give local time without an offset. A local time in the spring-forward gap never
happened (the row is rejected as `nonexistent_local_time`); one in the fall-back hour happened twice
and is resolved to its first (daylight-time) occurrence and flagged `ambiguous_local_time`. The rule
is applied in SQL through a small table of the zone's transitions, built here from the IANA database.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow as pa

from altresponse.errors import BadInput

_START = datetime(1900, 1, 1, tzinfo=UTC)
_END = datetime(2100, 1, 1, tzinfo=UTC)


def _offset_s(zone: ZoneInfo, instant: datetime) -> int:
    off = instant.astimezone(zone).utcoffset()
    return int(off.total_seconds()) if off is not None else 0


@lru_cache(maxsize=16)
def transitions(tz_name: str) -> tuple[tuple[datetime, datetime, int, int], ...]:
    """(local_start, local_end, offset_before_s, offset_after_s) for every offset change, 1900-2100.

    Local times in [local_start, local_end) are in a gap when the offset grows and repeated when it
    shrinks. A first row at year 1 carries the zone's earliest offset for times before any change.
    """
    try:
        zone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BadInput(f"unknown time zone {tz_name!r}; expected an IANA name such as America/New_York") from exc
    rows: list[tuple[datetime, datetime, int, int]] = []
    first = _offset_s(zone, _START)
    rows.append((datetime(1, 1, 1), datetime(1, 1, 1), first, first))
    step = timedelta(hours=12)
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
            rows.append((utc_naive + timedelta(seconds=min(a, b)), utc_naive + timedelta(seconds=max(a, b)), a, b))
            prev = off
        t = nxt
    return tuple(rows)


def transitions_table(tz_name: str) -> pa.Table:
    rows = transitions(tz_name)
    return pa.table({
        "local_start": pa.array([r[0] for r in rows], pa.timestamp("us")),
        "local_end": pa.array([r[1] for r in rows], pa.timestamp("us")),
        "before_s": pa.array([r[2] for r in rows], pa.int64()),
        "after_s": pa.array([r[3] for r in rows], pa.int64()),
    })
