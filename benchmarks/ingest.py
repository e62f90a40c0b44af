"""Ingest benchmark: our full ingest vs DuckDB's bare CSV count vs a straightforward pandas version.

Generates synthetic Open Baltimore rows (default 10 million) under bench-data/, then times:
  ours     `altresponse.sources.ingest` (parse, map, time zones, de-duplicate, sort, write Parquet),
           in a subprocess so its peak memory (ru_maxrss) is measured on its own;
  duckdb   `SELECT count(*) FROM read_csv(...)` on the same file: the floor for reading it at all;
  pandas   read_csv + per-row normalization in Python + to_parquet, timed on the first --pandas-rows
           rows and scaled linearly to the full size (said so in the output).
Targets: ours <= 2x the bare count; ours >= 5x faster than pandas; peak memory <= 2 GiB.

    python benchmarks/ingest.py [--rows 10000000] [--pandas-rows 1000000] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench-data"

_OURS = """
import json, sys, time
from altresponse.sources import ingest
t = time.perf_counter()
s = ingest([sys.argv[1]], "baltimore", sys.argv[2], rejects=sys.argv[3])
print(json.dumps({"seconds": time.perf_counter() - t, "rows_out": s.rows_out, "rows_in": s.rows_in}))
"""


def make_data(rows: int, seed: int) -> Path:
    path = DATA / f"baltimore_synthetic_{rows}.csv"
    if path.exists():
        return path
    DATA.mkdir(exist_ok=True)
    t = time.perf_counter()
    from altresponse.synth.baltimore import write_csv

    write_csv(path, rows=rows, seed=seed)
    print(
        f"generated {rows:,} rows in {time.perf_counter() - t:.1f} s -> {path} "
        f"({path.stat().st_size / 2**30:.2f} GiB)",
        flush=True,
    )
    return path


def run_ours(path: Path) -> tuple[float, float, int, float]:
    """Wall seconds, peak RSS in GiB, rows written, CPU seconds: one ingest in a fresh process."""
    out = DATA / "bench_calls.parquet"
    rej = DATA / "bench_rejects.csv"
    usage0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    before = usage0.ru_maxrss
    t = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _OURS, str(path), str(out), str(rej)],
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - t
    usage1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (usage1.ru_utime + usage1.ru_stime) - (usage0.ru_utime + usage0.ru_stime)
    peak_kib = max(usage1.ru_maxrss, before)
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    return wall, peak_kib / 2**20, int(info["rows_out"]), cpu


def run_duckdb_count(path: Path) -> tuple[float, float]:
    """Wall and CPU seconds of DuckDB's bare count over the same file."""
    import duckdb

    con = duckdb.connect()
    t, c = time.perf_counter(), time.process_time()
    con.execute(f"SELECT count(*) FROM read_csv('{path}')").fetchone()
    return time.perf_counter() - t, time.process_time() - c


def run_pandas(path: Path, nrows: int) -> tuple[float, float]:
    """The obvious pandas approach: read everything as text, normalize row by row, write Parquet."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    import pandas as pd

    tz = ZoneInfo("America/New_York")
    priorities = {
        "EMERGENCY": "emergency",
        "HIGH": "high",
        "MEDIUM": "medium",
        "LOW": "low",
        "NON-EMERGENCY": "non_emergency",
        "OUT OF SERVICE": "non_emergency",
    }
    t, c = time.perf_counter(), time.process_time()
    df = pd.read_csv(path, dtype=str, keep_default_na=False, nrows=nrows)
    out = []
    for rec in df.to_dict("records"):
        text = rec["CallDateTime"].strip()
        if text.endswith("+00"):
            when = datetime.strptime(text[:-3], "%Y/%m/%d %H:%M:%S").replace(tzinfo=ZoneInfo("UTC"))
        else:
            local = datetime.strptime(text, "%Y/%m/%d %H:%M:%S").replace(tzinfo=tz)
            when = local.astimezone(ZoneInfo("UTC")) - timedelta(0)
        lat = float(rec["Latitude"]) if rec["Latitude"] else None
        lon = float(rec["Longitude"]) if rec["Longitude"] else None
        inside = lat is not None and lon is not None and 39.19 <= lat <= 39.38 and -76.72 <= lon <= -76.52
        out.append(
            {
                "call_id": rec["CallNumber"].strip(),
                "agency": "BPD",
                "received_utc": when,
                "local_call_type": rec["Description"].strip(),
                "priority_class": priorities.get(rec["Priority"].strip().upper(), "unknown"),
                "latitude": lat if inside else None,
                "longitude": lon if inside else None,
                "district": rec["PoliceDistrict"] or None,
                "neighborhood": rec["Neighborhood"] or None,
                "is_synthetic": rec.get("Synthetic", "") == "true",
            }
        )
    frame = pd.DataFrame(out).drop_duplicates(["agency", "call_id"]).sort_values(["received_utc", "call_id"])
    frame.to_parquet(DATA / "bench_pandas.parquet", index=False)
    return time.perf_counter() - t, time.process_time() - c


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--pandas-rows", type=int, default=1_000_000, help="0 skips the pandas run")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each contender; medians are reported")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    path = make_data(args.rows, args.seed)
    print(f"machine: {os.cpu_count()} cores; file {path.stat().st_size / 2**30:.2f} GiB", flush=True)

    # Wall time is what a user waits; CPU time is also reported because a shared machine's load
    # inflates wall time unevenly between contenders.
    load_before = os.getloadavg()[0]
    ours = [run_ours(path) for _ in range(args.repeat)]
    ours_s = statistics.median(o[0] for o in ours)
    ours_cpu = statistics.median(o[3] for o in ours)
    peak = max(o[1] for o in ours)
    print(f"ours          {ours_s:8.1f} s wall {ours_cpu:8.1f} s cpu  {args.rows / ours_s:12,.0f} rows/s  "
          f"peak RSS {peak:.2f} GiB", flush=True)
    counts = [run_duckdb_count(path) for _ in range(args.repeat)]
    count_s = statistics.median(c[0] for c in counts)
    count_cpu = statistics.median(c[1] for c in counts)
    print(f"duckdb count  {count_s:8.1f} s wall {count_cpu:8.1f} s cpu  {args.rows / count_s:12,.0f} rows/s",
          flush=True)
    n_pd = min(args.pandas_rows, args.rows)
    if n_pd > 0:
        pds = [run_pandas(path, n_pd) for _ in range(args.repeat)]
        scale = args.rows / n_pd
        pd_s = statistics.median(p[0] for p in pds) * scale
        pd_cpu = statistics.median(p[1] for p in pds) * scale
        print(f"pandas        {pd_s:8.1f} s wall {pd_cpu:8.1f} s cpu  {args.rows / pd_s:12,.0f} rows/s  "
              f"(measured on {n_pd:,} rows, scaled linearly x{scale:g})", flush=True)
    else:  # --pandas-rows 0 skips the slow pandas run
        pd_s = pd_cpu = float("nan")
    result = {
        "rows": args.rows, "file_gib": round(path.stat().st_size / 2**30, 3), "repeat": args.repeat,
        "cores": os.cpu_count(), "load_avg_1m_before": round(load_before, 2),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "ours_wall_s": round(ours_s, 2), "ours_cpu_s": round(ours_cpu, 2),
        "ours_rows_per_s": round(args.rows / ours_s),
        "duckdb_count_wall_s": round(count_s, 2), "duckdb_count_cpu_s": round(count_cpu, 2),
        "pandas_measured_rows": n_pd, "pandas_scaled_wall_s": round(pd_s, 2),
        "pandas_scaled_cpu_s": round(pd_cpu, 2),
        "ours_over_count_wall": round(ours_s / count_s, 2),
        "ours_over_count_cpu": round(ours_cpu / count_cpu, 2),
        "pandas_over_ours_wall": round(pd_s / ours_s, 2), "pandas_over_ours_cpu": round(pd_cpu / ours_cpu, 2),
        "peak_rss_gib": round(peak, 3), "rows_out": ours[0][2],
    }
    print(f"ratio ours / duckdb count = {result['ours_over_count_wall']:.2f}x wall, "
          f"{result['ours_over_count_cpu']:.2f}x cpu (target <= 2)")
    print(f"ratio pandas / ours       = {result['pandas_over_ours_wall']:.2f}x wall, "
          f"{result['pandas_over_ours_cpu']:.2f}x cpu (target >= 5)")
    print(f"peak memory of ours       = {peak:.2f} GiB (target <= 2)")
    (DATA / "ingest_bench.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
