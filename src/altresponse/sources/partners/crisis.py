"""Crisis lines and mobile-crisis teams: 988 KPIs by state and month, and team dispatch logs.

The dispatch-log adapter reads the Lane County MCSLC layout (docs/partners/mobile-crisis.md); a
time stamp that carries a date only (00:00:00) is kept as null with a `date_only_time` flag, since
its real time is unknown. End points and dispositions map through code tables below; a value not in
them becomes `unknown` and is counted.
"""

from __future__ import annotations

from datetime import date, datetime
from itertools import pairwise
from pathlib import Path

from altresponse import schema
from altresponse.sources.partners.common import (
    Collector,
    PartnerIngest,
    blank_to_none,
    csv_records,
    parse_local,
    parse_number,
    seconds_between,
    zone,
)

KPI_COLUMNS = (
    "period_start",
    "period_end",
    "state",
    "routed",
    "received",
    "answered_in_state",
    "abandoned_in_state",
    "flowout_to_backup",
)


def _int(text: str | None) -> int | None:
    value = parse_number(text)
    if value is None:
        return None
    if value != int(value):
        raise ValueError(f"expected a whole number, got {text!r}")
    return int(value)


def read_988_kpis(
    paths: list[Path], *, system: str = "vibrant_988_state_kpis", channel: str = "calls"
) -> PartnerIngest:
    """Vibrant's monthly in-state KPIs by originating state (calls only) into `crisis_line_kpis`."""
    out = Collector(schema.CRISIS_LINE_KPIS, system)
    for path in paths:
        out.files.append(path.name)
        for line, row, raw in csv_records(path, KPI_COLUMNS):
            out.records_in += 1
            if not row or "__width__" in row:
                out.reject(path.name, line, "wrong_field_count", "record does not match the header", raw)
                continue
            try:
                start = date.fromisoformat(row["period_start"].strip())
                end = date.fromisoformat(row["period_end"].strip())
            except ValueError as exc:
                out.reject(path.name, line, "bad_date", f"period_start/period_end: {exc}", raw)
                continue
            region = blank_to_none(row["state"])
            if region is None:
                out.reject(path.name, line, "missing_region", "state is empty", raw)
                continue
            try:
                received = _int(row.get("received"))
                answered = _int(row.get("answered_in_state"))
                record = {
                    "source_system": system,
                    "source_file": path.name,
                    "source_line": line,
                    "period_start": start,
                    "period_end": end,
                    "region": region,
                    "channel": channel,
                    "routed": _int(row.get("routed")),
                    "received": received,
                    "answered_in_region": answered,
                    "answer_rate": (answered / received) if received and answered is not None else None,
                    "abandoned_in_region": _int(row.get("abandoned_in_state")),
                    "flowout_to_backup": _int(row.get("flowout_to_backup")),
                    "avg_speed_answer_s": parse_number(row.get("asa_in_state_seconds")),
                    "avg_talk_time_s": parse_number(row.get("avg_talk_time_in_state_seconds")),
                }
            except ValueError as exc:
                out.reject(path.name, line, "bad_number", str(exc), raw)
                continue
            out.add([record], file=path.name, line=line, raw=raw)
    return out.build()


# Code tables for the MCSLC log: normalized (lower-case, trimmed) value -> class.
END_POINTS: dict[str, str] = {
    "engaged client": "engaged",
    "unable to locate": "unable_to_locate",
    "unable to locate client": "unable_to_locate",
    "refused": "refused",
    "client declined to engage": "refused",
    "cancelled": "cancelled",
    "dispatch canceled before arrival": "cancelled",
    "no contact due to safety concern": "no_contact_safety",
    "other": "other",
}
DISPOSITIONS: dict[str, str] = {
    "remained in community": "remained_in_community",
    "emergency department": "emergency_department",
    "sobering/detox facility": "sobering_detox",
    "sobering or detox facility": "sobering_detox",
    "crisis walk-in center": "crisis_walk_in",
    "respite": "respite",
    "arrest": "arrest",
    "other": "other",
}
MCSLC_TIMES = {
    "requested_utc": "Dispatch Request Date & Time",
    "dispatched_utc": "Dispatch Date & Time",
    "arrival_utc": "Arrival on Scene Date & Time",
    "engaged_utc": "Engagement with Client Date & Time",
    "departed_utc": "MCIT Departure Date & Time",
}
MCSLC_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")
EARLIEST_PLAUSIBLE_YEAR = 2010


def _code(out: Collector, field: str, value: str | None, table: dict[str, str]) -> str:
    if value is None:
        return "unknown"
    key = " ".join(value.lower().split())
    if key in table:
        return table[key]
    out.unknown_code(field, value)
    return "unknown"


def read_dispatch_log(
    paths: list[Path], *, time_zone: str, team: str = "mobile crisis", system: str = "mcslc"
) -> PartnerIngest:
    """A mobile-crisis dispatch log (MCSLC layout) into `crisis_dispatches`."""
    tz = zone(time_zone)
    out = Collector(schema.CRISIS_DISPATCHES, system)
    required = ("ID", "Dispatch Request Date & Time", "Disposition")
    for path in paths:
        out.files.append(path.name)
        for line, row, raw in csv_records(path, required):
            out.records_in += 1
            if not row or "__width__" in row:
                out.reject(path.name, line, "wrong_field_count", "record does not match the header", raw)
                continue
            dispatch_id = blank_to_none(row.get("ID"))
            if dispatch_id is None:
                out.reject(path.name, line, "missing_dispatch_id", "ID is empty", raw)
                continue
            flags: set[str] = set()
            times: dict[str, datetime | None] = {}
            bad = None
            for name, column in MCSLC_TIMES.items():
                text = blank_to_none(row.get(column))
                if text is None:
                    times[name] = None
                    continue
                try:
                    naive_check = (
                        datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S") if len(text) >= 19 else None
                    )
                    value, flag = parse_local(text, MCSLC_FORMATS, tz)
                except ValueError as exc:
                    bad = f"{column}: {exc}"
                    break
                if flag:
                    flags.add(flag)
                if naive_check is not None and naive_check.time().isoformat() == "00:00:00":
                    flags.add("date_only_time")
                    times[name] = None
                    continue
                if value.year < EARLIEST_PLAUSIBLE_YEAR:
                    flags.add("implausible_date")
                    times[name] = None
                    continue
                times[name] = value
            if bad:
                out.reject(path.name, line, "bad_timestamp", bad, raw)
                continue
            requested = times["requested_utc"]
            if requested is None:
                out.reject(
                    path.name,
                    line,
                    "missing_request_time",
                    "Dispatch Request Date & Time is empty or has a date only",
                    raw,
                )
                continue
            chain = [
                t
                for t in (requested, times["dispatched_utc"], times["arrival_utc"], times["departed_utc"])
                if t is not None
            ]
            if any(b < a for a, b in pairwise(chain)):
                flags.add("time_chain_out_of_order")

            def span(a: str, b: str, times: dict[str, datetime | None] = times) -> float | None:
                s = seconds_between(times[a], times[b])
                return s if s is not None and s >= 0 else None

            reasons = [
                r for r in (blank_to_none(row.get(f"Reason for Dispatch #{i}")) for i in range(1, 6)) if r
            ]
            end_raw = blank_to_none(row.get("End Point of Dispatch"))
            disp_raw = blank_to_none(row.get("Disposition"))
            record = {
                "dispatch_id": dispatch_id,
                "source_system": system,
                "source_file": path.name,
                "source_line": line,
                "team": team,
                "time_zone": time_zone,
                **times,
                "area": blank_to_none(row.get("City")),
                "reason_primary": reasons[0] if reasons else None,
                "reasons": ";".join(reasons) or None,
                "end_point_raw": end_raw,
                "end_point_class": _code(out, "end_point", end_raw, END_POINTS),
                "disposition_raw": disp_raw,
                "disposition_class": _code(out, "disposition", disp_raw, DISPOSITIONS),
                "dispatch_delay_s": span("requested_utc", "dispatched_utc"),
                "travel_s": span("dispatched_utc", "arrival_utc"),
                "response_s": span("requested_utc", "arrival_utc"),
                "on_scene_s": span("arrival_utc", "departed_utc"),
                "quality_flags": ";".join(sorted(flags)) or None,
            }
            out.add([record], file=path.name, line=line, raw=raw)
    return out.build()
