"""Ingest benchmark: our full ingest against DuckDB's bare count and two one-statement conversions.

Generates synthetic Open Baltimore rows under bench-data/ (default 10 million), then times, each in
its own process so that its peak memory (ru_maxrss) is its own:

  count    `SELECT count(*) FROM read_csv(...)`: the floor for reading the file at all.
  expert   the conversion an expert writes in one DuckDB statement: CSV -> Parquet with a join for
           the priority codes and a `strptime`, but without rejects, de-duplication, line numbers,
           time zones or checks.
  polars   the same conversion as a Polars lazy query (`scan_csv ... sink_parquet`).
  ours     `altresponse.sources.ingest`: parse, map, time zones and daylight saving, rejects with
           line numbers, de-duplication, call order, atomic deterministic zstd Parquet.
  pandas   (optional, --pandas-rows N) read_csv + per-row normalization + to_parquet on the first N
           rows, scaled linearly.

Targets: ours <= 3x the count (the way to 2x is in docs/ingest.md); the expert conversion >= 1.2x
slower than ours; our peak memory <= 2 GiB and flat in the row count (--memory-rows, default
1M, 10M and 30M rows: only our ingest runs at the other sizes). The file is read once before the
timings so that every contender finds it in the page cache. The load average is printed with every
figure: on a shared machine, wall time is inflated by other work, so ratios come from one run.

    python benchmarks/ingest.py [--rows 10000000] [--memory-rows 1000000,10000000,30000000]
                                [--repeat 1] [--pandas-rows 0]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench-data"

# Each contender runs in a fresh interpreter and prints one JSON line: wall and CPU seconds of the
# work itself (imports excluded) and its own peak RSS.
_PRELUDE = """
import json, os, resource, sys, time
path, out = sys.argv[1], sys.argv[2]
def peak_kib():
    # VmHWM is this process's own peak; ru_maxrss would also count the benchmark's RSS at the fork.
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
def done(t, c, **extra):
    print(json.dumps({"wall": time.perf_counter() - t, "cpu": time.process_time() - c,
                      "peak_gib": peak_kib() / 2**20, **extra}))
"""

_PRIORITY = (
    "('EMERGENCY', 'emergency'), ('HIGH', 'high'), ('MEDIUM', 'medium'), ('LOW', 'low'), "
    "('NON-EMERGENCY', 'non_emergency'), ('OUT OF SERVICE', 'non_emergency')"
)

CONTENDERS = {
    "count": _PRELUDE
    + """
import duckdb
con = duckdb.connect()
t, c = time.perf_counter(), time.process_time()
n = con.execute(f"SELECT count(*) FROM read_csv('{path}')").fetchone()[0]
done(t, c, rows=n)
""",
    "expert": _PRELUDE
    + f"""
import duckdb
con = duckdb.connect()
t, c = time.perf_counter(), time.process_time()
con.execute(f'''COPY (
    SELECT r.CallNumber AS call_id, 'BPD' AS agency,
           strptime(r.CallDateTime, '%Y/%m/%d %H:%M:%S%z') AS received_utc,
           r.Description AS local_call_type, coalesce(p.klass, 'unknown') AS priority_class,
           r.Latitude AS latitude, r.Longitude AS longitude, r.PoliceDistrict AS district,
           r.Neighborhood AS neighborhood, r.Synthetic = 'true' AS is_synthetic
    FROM read_csv('{{path}}', types={{{{'CallDateTime': 'VARCHAR'}}}}) r
    LEFT JOIN (VALUES {_PRIORITY}) p(code, klass) ON upper(r.Priority) = p.code
) TO '{{out}}' (FORMAT parquet)''')
done(t, c)
""",
    "polars": _PRELUDE
    + """
import polars as pl
t, c = time.perf_counter(), time.process_time()
codes = pl.LazyFrame({
    "code": ["EMERGENCY", "HIGH", "MEDIUM", "LOW", "NON-EMERGENCY", "OUT OF SERVICE"],
    "priority_class": ["emergency", "high", "medium", "low", "non_emergency", "non_emergency"],
})
(
    pl.scan_csv(path, infer_schema=False)
    .with_columns(pl.col("Priority").str.to_uppercase().alias("code"))
    .join(codes, on="code", how="left", maintain_order="left")
    .select(
        pl.col("CallNumber").alias("call_id"),
        pl.lit("BPD").alias("agency"),
        pl.col("CallDateTime").str.strptime(pl.Datetime("us", "UTC"), "%Y/%m/%d %H:%M:%S%#z")
        .alias("received_utc"),
        pl.col("Description").alias("local_call_type"),
        pl.col("priority_class").fill_null("unknown"),
        pl.col("Latitude").cast(pl.Float64).alias("latitude"),
        pl.col("Longitude").cast(pl.Float64).alias("longitude"),
        pl.col("PoliceDistrict").alias("district"),
        pl.col("Neighborhood").alias("neighborhood"),
        (pl.col("Synthetic") == "true").alias("is_synthetic"),
    )
    .sink_parquet(out)
)
done(t, c)
""",
    "ours": _PRELUDE
    + """
from altresponse.sources import ingest
t, c = time.perf_counter(), time.process_time()
steps = []
s = ingest([path], "baltimore", out, rejects=out + ".rejects.csv", progress=steps.append)
done(t, c, rows=s.rows_out, rows_in=s.rows_in, one_pass=any("one pass" in m for m in steps))
""",
}


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


def run(name: str, path: Path) -> dict[str, float]:
    """One contender in a fresh process; its figures plus the 1-minute load average around it."""
    out = DATA / f"bench_{name}.parquet"
    load = os.getloadavg()[0]
    proc = subprocess.run(
        [sys.executable, "-c", CONTENDERS[name], str(path), str(out)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")},
    )
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    info["load_before"] = round(load, 2)
    info["load_after"] = round(os.getloadavg()[0], 2)
    return info


def warm(path: Path) -> None:
    """Read the file once so that every contender finds it in the page cache."""
    with open(path, "rb") as fh:
        while fh.read(1 << 24):
            pass


def run_pandas(path: Path, nrows: int) -> tuple[float, float]:
    """The obvious pandas approach: read everything as text, normalize row by row, write Parquet."""
    from datetime import datetime
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
            when = datetime.strptime(text, "%Y/%m/%d %H:%M:%S").replace(tzinfo=tz).astimezone(ZoneInfo("UTC"))
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


def _line(name: str, r: dict[str, float], rows: int) -> str:
    return (
        f"{name:<8}{r['wall']:9.2f} s wall {r['cpu']:8.2f} s cpu {rows / r['wall']:12,.0f} rows/s  "
        f"peak {r['peak_gib']:5.2f} GiB  load {r['load_before']:.2f} -> {r['load_after']:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument(
        "--memory-rows",
        default="1000000,10000000,30000000",
        help="comma-separated sizes at which our peak memory is measured ('' skips)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of each contender; medians are reported")
    parser.add_argument("--pandas-rows", type=int, default=0, help="rows for the optional pandas run")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    path = make_data(args.rows, args.seed)
    print(
        f"machine: {os.cpu_count()} cores; file {path.stat().st_size / 2**30:.2f} GiB; "
        f"load average {os.getloadavg()}",
        flush=True,
    )
    warm(path)

    figures: dict[str, dict[str, float]] = {}
    # Interleaved, so that a change of load during the run touches every contender alike.
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in ("count", "expert", "polars", "ours")}
    for _ in range(args.repeat):
        for name in runs:
            runs[name].append(run(name, path))
            print(_line(name, runs[name][-1], args.rows), flush=True)
    for name, rs in runs.items():
        figures[name] = {k: statistics.median(r[k] for r in rs) for k in rs[0] if k != "one_pass"}
    print(f"ours took the one-pass path: {'yes' if all(r['one_pass'] for r in runs['ours']) else 'NO'}")

    o, c, e, p = figures["ours"], figures["count"], figures["expert"], figures["polars"]
    print()
    print(
        f"ratio ours / count         = {o['wall'] / c['wall']:5.2f}x wall, {o['cpu'] / c['cpu']:5.2f}x cpu "
        f"(target <= 3; the way to 2 is in docs/ingest.md)"
    )
    print(
        f"ratio expert / ours        = {e['wall'] / o['wall']:5.2f}x wall, {e['cpu'] / o['cpu']:5.2f}x cpu "
        "(target >= 1.2)"
    )
    print(f"ratio polars / ours        = {p['wall'] / o['wall']:5.2f}x wall, {p['cpu'] / o['cpu']:5.2f}x cpu")
    print(
        f"ratio expert / count       = {e['wall'] / c['wall']:5.2f}x wall; polars / count = "
        f"{p['wall'] / c['wall']:5.2f}x wall"
    )
    result: dict[str, object] = {
        "rows": args.rows,
        "file_gib": round(path.stat().st_size / 2**30, 3),
        "cores": os.cpu_count(),
        "repeat": args.repeat,
        "figures": figures,
        "ours_over_count_wall": round(o["wall"] / c["wall"], 2),
        "ours_over_count_cpu": round(o["cpu"] / c["cpu"], 2),
        "expert_over_ours_wall": round(e["wall"] / o["wall"], 2),
        "polars_over_ours_wall": round(p["wall"] / o["wall"], 2),
    }
    if args.pandas_rows:
        n = min(args.pandas_rows, args.rows)
        pd_wall, pd_cpu = run_pandas(path, n)
        scale = args.rows / n
        print(
            f"pandas (first {n:,} rows, scaled x{scale:g}): {pd_wall * scale:.1f} s wall, "
            f"{pd_cpu * scale:.1f} s cpu; pandas / ours = {pd_wall * scale / o['wall']:.1f}x wall"
        )
        result["pandas_scaled_wall_s"] = round(pd_wall * scale, 2)

    memory: dict[int, dict[str, float]] = {args.rows: o}
    sizes = [int(s) for s in args.memory_rows.split(",") if s.strip()]
    for rows in sizes:
        if rows in memory:
            continue
        p_rows = make_data(rows, args.seed)
        warm(p_rows)
        memory[rows] = run("ours", p_rows)
        print(_line(f"ours {rows // 10**6}M", memory[rows], rows), flush=True)
    if sizes:
        print()
        print("peak memory of ours by rows (target <= 2 GiB at 10M, flat):")
        for rows in sorted(memory):
            gib, wall, load = memory[rows]["peak_gib"], memory[rows]["wall"], memory[rows]["load_before"]
            print(f"  {rows:>12,} rows  {gib:5.2f} GiB  ({wall:.1f} s wall, load {load:.2f})")
        result["peak_gib_by_rows"] = {str(k): round(v["peak_gib"], 3) for k, v in sorted(memory.items())}
    result["load_avg_end"] = os.getloadavg()
    (DATA / "ingest_bench.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
