"""Adapters at the edge of the simulation: read a classified calls file, read a CAD time chain.

Everything else in `altresponse.simulate` takes arrays; this is the only module that opens files.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from altresponse.errors import BadInput

REQUIRED = ("received_utc", "pathway", "common_type", "priority_class", "latitude", "longitude")
OPTIONAL = ("category", "travel_s", "on_scene_s", "unit_busy_s", "district", "agency")


def read_classified(path: str | Path) -> pa.Table:
    """The columns the simulation uses from a classified calls Parquet (schema.CLASSIFIED_CALLS)."""
    path = Path(path)
    if not path.exists():
        raise BadInput("classified calls file not found (run `altresponse analyze` first)", file=str(path))
    try:
        schema = pq.read_schema(path)
    except Exception as exc:  # pyarrow raises several types for a non-Parquet file
        raise BadInput(f"not a Parquet file: {exc}", file=str(path)) from exc
    missing = [c for c in REQUIRED if c not in schema.names]
    if missing:
        raise BadInput(
            f"missing column(s) {missing}; expected a classified calls table (schema.CLASSIFIED_CALLS)",
            file=str(path),
            column=missing[0],
        )
    cols = [c for c in (*REQUIRED, *OPTIONAL) if c in schema.names]
    table = pq.read_table(path, columns=cols)
    if table.num_rows and table.column("received_utc").null_count:
        raise BadInput("received_utc has empty values", file=str(path), column="received_utc")
    return table


def week_seconds(received_utc: pa.ChunkedArray | pa.Array, time_zone: str) -> tuple[np.ndarray, dt.datetime]:
    """Seconds since the Monday 00:00 (local) on or before the first call, and that Monday."""
    local_us = _to_local_naive(received_utc.cast(pa.timestamp("us", tz="UTC")), time_zone)
    if len(local_us) == 0:
        return np.zeros(0), dt.datetime(2024, 1, 1)
    first = local_us.min().astype("datetime64[D]").astype(dt.datetime)
    monday = dt.datetime.combine(first - dt.timedelta(days=first.weekday()), dt.time())
    t = (local_us - np.datetime64(monday, "us")).astype("timedelta64[us]").astype(np.int64) / 1e6
    return t.astype(float), monday


def _to_local_naive(arr: pa.Array | pa.ChunkedArray, time_zone: str) -> np.ndarray:
    """UTC timestamps to naive local wall-clock datetime64[us] (DST-aware)."""
    converted = arr.cast(pa.timestamp("us", tz=time_zone))
    local = pc.local_timestamp(converted)
    return np.asarray(local.to_numpy(zero_copy_only=False), dtype="datetime64[us]")


DECC_COLUMNS = (
    "Master_Incident_Number",
    "Agency",
    "Problem",
    "Priority_Number",
    "Incident_Start_Time",
    "Incident_Dispatch_Time",
    "Incident_Enroute_Time",
    "Incident_Arrival_Time",
    "TimeFirstCallCleared",
    "Disposition",
)


def decc_time_chain(csv_path: str | Path, time_zone: str = "America/New_York") -> pa.Table:
    """Durations from the DECC CAD export's timestamps (travel, on scene, unit busy), one row per incident.

    A small stand-in for the full ingest adapter, used to fit service times from the raw export:
    travel = en route -> arrival, on scene = arrival -> first unit cleared, busy = dispatch -> cleared.
    Timestamps are local wall-clock times; `NULL` marks a missing one.
    """
    path = Path(csv_path)
    if not path.exists():
        raise BadInput("DECC CSV not found", file=str(path))
    ts_cols = DECC_COLUMNS[4:9]
    opts = pacsv.ConvertOptions(
        include_columns=list(DECC_COLUMNS),
        null_values=["NULL", ""],
        strings_can_be_null=True,
        column_types={c: pa.timestamp("ms") for c in ts_cols} | {"Priority_Number": pa.string()},
    )
    try:
        raw = pacsv.read_csv(path, convert_options=opts)
    except (pa.ArrowInvalid, KeyError) as exc:
        raise BadInput(f"not the DECC CAD layout: {exc}", file=str(path)) from exc

    def secs(a: str, b: str) -> np.ndarray:
        x = raw.column(a).cast(pa.timestamp("ms")).to_numpy(zero_copy_only=False).astype("datetime64[ms]")
        y = raw.column(b).cast(pa.timestamp("ms")).to_numpy(zero_copy_only=False).astype("datetime64[ms]")
        d = (y - x).astype("timedelta64[ms]").astype(float) / 1000.0
        d[np.isnat(x) | np.isnat(y)] = np.nan
        return d

    start_local = raw.column("Incident_Start_Time").cast(pa.timestamp("us"))
    received = pc.assume_timezone(start_local, time_zone, ambiguous="earliest", nonexistent="earliest")
    return pa.table(
        {
            "call_id": raw.column("Master_Incident_Number"),
            "agency": raw.column("Agency"),
            "local_call_type": raw.column("Problem"),
            "priority_raw": raw.column("Priority_Number"),
            "disposition_raw": raw.column("Disposition"),
            "received_utc": received.cast(pa.timestamp("us", tz="UTC")),
            "travel_s": pa.array(secs("Incident_Enroute_Time", "Incident_Arrival_Time")),
            "on_scene_s": pa.array(secs("Incident_Arrival_Time", "TimeFirstCallCleared")),
            "unit_busy_s": pa.array(secs("Incident_Dispatch_Time", "TimeFirstCallCleared")),
        }
    )
