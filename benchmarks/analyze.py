"""Analysis benchmark: classify + analyze vs ingest of the same rows, and the DECC file end to end.

Baseline and ours run in one go, each in a fresh process, --repeat times; medians are compared:
  baseline  `altresponse.sources.ingest` of N synthetic Open Baltimore rows (CSV -> canonical Parquet);
  ours      `classify_calls` + `analyze_classified` on the ingested Parquet (crosswalk join, compiled
            protocol, classified Parquet written, every landscape metric and Monte Carlo interval);
            the HTML rendering (fixed cost, independent of N) is timed and printed separately.
Targets: ours <= 1.5x baseline at 10 million rows; `run_analysis` on the DECC file (22k real CAD
incidents, with report) < 10 s.

    python benchmarks/analyze.py [--rows 10000000] [--repeat 1] [--seed 7]
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

_INGEST = """
import json, sys, time
from altresponse.sources import ingest
t = time.perf_counter()
s = ingest([sys.argv[1]], sys.argv[4], sys.argv[2], rejects=sys.argv[3])
print(json.dumps({"seconds": time.perf_counter() - t, "rows_out": s.rows_out}))
"""

_ANALYZE = """
import json, sys, time
from pathlib import Path
from altresponse.pipeline.analyze import analyze_classified
from altresponse.pipeline.classify import classify_calls
from altresponse.report.landscape import render_landscape
from altresponse.results import Headline
from altresponse.profile import load_profile
p = load_profile("baltimore")
t = time.perf_counter()
c = classify_calls(sys.argv[1], sys.argv[2], p, crosswalk=sys.argv[3] if len(sys.argv) > 3 else None)
t1 = time.perf_counter()
s = analyze_classified(sys.argv[2], p, classify_summary=c)
t2 = time.perf_counter()
render_landscape(s, {}, Headline())
t3 = time.perf_counter()
print(json.dumps({"classify": t1 - t, "analyze": t2 - t1, "render": t3 - t2, "rows": s["rows"],
                  "coverage": s["mapping"]["coverage"]}))
"""

_RUN = """
import json, sys, time
from altresponse.pipeline.analyze import run_analysis
from altresponse.profile import load_profile
t = time.perf_counter()
s = run_analysis(sys.argv[1], sys.argv[2], load_profile("baltimore"), crosswalk="decc")
print(json.dumps({"seconds": time.perf_counter() - t, "rows": s["rows"]}))
"""


def _py(code: str, *args: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def make_data(rows: int, seed: int) -> Path:
    path = DATA / f"baltimore_synthetic_{rows}.csv"
    if path.exists():
        return path
    DATA.mkdir(exist_ok=True)
    t = time.perf_counter()
    from altresponse.synth.baltimore import write_csv

    write_csv(path, rows=rows, seed=seed)
    print(f"generated {rows:,} rows in {time.perf_counter() - t:.1f} s -> {path}", flush=True)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--skip-decc", action="store_true")
    args = ap.parse_args()

    csv_path = make_data(args.rows, args.seed)
    calls = DATA / f"analyze_bench_calls_{args.rows}.parquet"
    classified = DATA / f"analyze_bench_classified_{args.rows}.parquet"
    ingest_s, ours_s, render_s = [], [], []
    for i in range(args.repeat):
        base = _py(_INGEST, str(csv_path), str(calls), str(DATA / "analyze_bench_rejects.csv"), "baltimore")
        ingest_s.append(base["seconds"])
        ours = _py(_ANALYZE, str(calls), str(classified))
        ours_s.append(ours["classify"] + ours["analyze"])
        render_s.append(ours["render"])
        print(f"run {i + 1}: ingest {base['seconds']:.2f} s | classify {ours['classify']:.2f} s + analyze "
              f"{ours['analyze']:.2f} s = {ours_s[-1]:.2f} s | render {ours['render']:.2f} s "
              f"({ours['rows']:,} rows, {100 * ours['coverage']:.2f}% mapped)", flush=True)
    b, o = statistics.median(ingest_s), statistics.median(ours_s)
    ratio = o / b
    result: dict = {"rows": args.rows, "repeat": args.repeat, "ingest_median_s": b,
                    "classify_analyze_median_s": o, "render_median_s": statistics.median(render_s),
                    "ratio_vs_ingest": ratio, "target_ratio": 1.5, "cpus": os.cpu_count(),
                    "load_avg_1m": os.getloadavg()[0]}
    print(f"\nclassify+analyze / ingest (medians): {o:.2f} s / {b:.2f} s = {ratio:.2f}x (target <= 1.5x)")

    decc = Path(os.environ.get("ALTRESPONSE_SHARED", ROOT.parent / "shared")) / \
        "data/other_cities/decc_cad/decc_cad_calls_2025_wk35_48.csv"
    if not args.skip_decc and decc.exists():
        decc_calls = DATA / "decc_calls.parquet"
        _py(_INGEST, str(decc), str(decc_calls), str(DATA / "decc_rejects.csv"), "decc")
        runs = [_py(_RUN, str(decc_calls), str(DATA / "decc_analysis"))["seconds"]
                for _ in range(args.repeat)]
        med = statistics.median(runs)
        result["decc_run_analysis_median_s"] = med
        print(f"DECC run_analysis (classify, analyze, report): {med:.2f} s (target < 10 s)")
    (DATA / f"analyze_bench_{args.rows}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
