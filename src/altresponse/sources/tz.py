"""Local wall-clock time to UTC, with daylight-saving gaps and repeats made explicit.

CAD exports mostly give local time without an offset. A local time in the spring-forward gap never
happened (the row is rejected as `nonexistent_local_time`); one in the fall-back hour happened twice
and is resolved to its first (daylight-time) occurrence and flagged `ambiguous_local_time`. The rule
is applied in SQL through a table with one row per local calendar day (1970-2099), built here from
the IANA database and joined on the local date: days without a change carry one offset; a day with a
change carries the window [local_start, local_end) and the offsets before and after.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pyarrow as pa

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


@lru_cache(maxsize=16)
def day_table(tz_name: str) -> pa.Table:
    """One row per local date 1970-2099: the offset, or the change window on days with a change."""
    rows = transitions(tz_name)
    days = np.arange(np.datetime64("1970-01-01"), np.datetime64("2100-01-01"), dtype="datetime64[D]")
    starts = np.array([np.datetime64(r[0], "s") for r in rows])
    after = np.array([r[3] for r in rows], dtype=np.int64)
    # Offset in force from each day's midnight (the last change that began at or before it).
    idx = np.searchsorted(starts, days.astype("datetime64[s]"), side="right") - 1
    offset = after[np.clip(idx, 0, None)]
    before_s = offset.copy()
    after_s = offset.copy()
    win_start = np.full(days.shape, np.datetime64("NaT"), dtype="datetime64[us]")
    win_end = win_start.copy()
    first = days[0]
    for local_start, local_end, a, b in rows[1:]:
        d0 = np.datetime64(local_start.date())
        d1 = np.datetime64((local_end - timedelta(microseconds=1)).date())
        for d in np.arange(d0, d1 + 1, dtype="datetime64[D]"):
            i = int((d - first).astype(int))
            if 0 <= i < len(days):
                before_s[i], after_s[i] = a, b
                win_start[i] = np.datetime64(local_start, "us")
                win_end[i] = np.datetime64(local_end, "us")
    return pa.table(
        {
            "day": pa.array(days, pa.date32()),
            "local_start": pa.array(win_start, pa.timestamp("us")),
            "local_end": pa.array(win_end, pa.timestamp("us")),
            "before_s": pa.array(before_s, pa.int64()),
            "after_s": pa.array(after_s, pa.int64()),
        }
    )
