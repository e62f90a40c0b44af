"""Benchmark: protocol decisions per second, ours vs a naive interpreter, plus the SQL executor.

Ours: `decide()` on the compiled protocol (rule lookup cached per type/category/code, outcomes
pre-built). Baseline: the same rules interpreted from the raw YAML mapping on every call (walk the
rules, normalize codes and answers, build the Decision), which is how a straightforward implementation
reads a rule file. A second baseline re-reads the YAML file per call, on a small sample. Both baselines
are checked to give the same answers as ours. Prints medians of repeated runs and the ratios.

    .venv/bin/python benchmarks/decide.py [--calls 200000] [--bulk-rows 2000000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable, Mapping
from typing import Any

import duckdb
import pyarrow as pa

from altresponse.protocol import CallFacts, Decision, Protocol, bulk_decide, decide, load_protocol
from altresponse.protocol.model import builtin_protocol_path, normalize_mpds
from altresponse.schema import CATEGORIES


def make_calls(proto: Protocol, n: int, seed: int = 7) -> list[tuple[CallFacts, dict[str, str]]]:
    rng = random.Random(seed)
    types = sorted(proto.type_ids() | {"shooting", "cardiac_arrest", "unmapped", "burglary"})
    mpds = [None] * 8 + ["25A01", "25A02", "25B03", "26A01"]
    calls = []
    for _ in range(n):
        answers = {}
        for q in proto.questions:
            if rng.random() < 0.85:  # some questions unanswered
                answers[q.id] = "no" if rng.random() < 0.8 and "no" in q.values else rng.choice(q.values)
        calls.append((CallFacts(rng.choice(types), rng.choice([*CATEGORIES, "unmapped"]), rng.choice(mpds)),
                      answers))
    return calls


def naive_decide(raw: Mapping[str, Any], version: str, call: CallFacts,
                 answers: Mapping[str, str]) -> Decision:
    """Interpret the rule file's mapping directly, every call."""
    responders = raw["responders"]
    fallbacks = raw["fallbacks"]
    code = normalize_mpds(call.mpds_code)
    for rule in raw["rules"]:
        m = rule.get("match") or {}
        if "mpds_codes" in m and code not in [normalize_mpds(c) for c in m["mpds_codes"]]:
            continue
        if "common_types" in m and call.common_type not in m["common_types"]:
            continue
        if "categories" in m and call.category not in m["categories"]:
            continue
        pathway = rule["pathway"]
        screens = (list(raw.get("safety_screens") or []) if rule.get("screened", False) else []) \
            + list(rule.get("screens") or [])
        for s in screens:
            value = str(answers.get(s["question"]) or "unknown").strip(" ").lower() or "unknown"
            target = s["route"].get(value)
            if target is not None and target["pathway"] != "proceed":
                tp = target["pathway"]
                return Decision(tp, target.get("responder") or responders[tp],
                                (rule["id"], f"{s['id']}.{value}"), (rule["reason"], target["reason"]),
                                version, tuple(fallbacks[tp] or ()))
        return Decision(pathway, rule.get("responder") or responders[pathway], (rule["id"],),
                        (rule["reason"],), version, tuple(fallbacks[pathway] or ()))
    raise AssertionError("no rule matched")


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, float]:
    """Median wall-clock and median CPU seconds of this process (CPU time is robust to a busy machine)."""
    walls, cpus = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=200_000)
    ap.add_argument("--bulk-rows", type=int, default=2_000_000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()

    proto = load_protocol("baltimore")
    calls = make_calls(proto, args.calls)

    # correctness first: the baselines must agree with ours
    for call, answers in calls[:20_000]:
        assert naive_decide(proto.raw, proto.version, call, answers) == decide(proto, call, answers), call

    ours = timed(lambda: [decide(proto, c, a) for c, a in calls], args.repeats)
    naive = timed(lambda: [naive_decide(proto.raw, proto.version, c, a) for c, a in calls], args.repeats)
    sample = calls[:200]
    path = builtin_protocol_path("baltimore")
    reread = timed(lambda: [decide(load_protocol(path), c, a) for c, a in sample], 3)

    print(f"protocol {proto.version}: {len(calls):,} generated calls, median of {args.repeats} runs")
    print(f"  {'':38}{'wall decisions/s':>18}{'CPU decisions/s':>18}{'ratio (CPU)':>14}")
    rows = [("ours  decide()", len(calls), ours),
            ("naive interpret rule mapping per call", len(calls), naive),
            ("naive re-read YAML per call", len(sample), reread)]
    for label, n_calls, (wall, cpu) in rows:
        ratio = (len(calls) / ours[1]) / (n_calls / cpu)
        print(f"  {label:<38}{n_calls / wall:>18,.0f}{n_calls / cpu:>18,.0f}{ratio:>13,.1f}x")

    # SQL executor: the same rules over a table of calls
    rng = random.Random(11)
    n = args.bulk_rows
    base = [(c.common_type, c.category, c.mpds_code, *(a.get(q) for q in proto.question_ids))
            for c, a in calls]
    rows = [base[rng.randrange(len(base))] for _ in range(min(n, 200_000))]
    cols = list(zip(*rows, strict=True))
    names = ["common_type", "category", "mpds_code", *(f"answer_{q}" for q in proto.question_ids)]
    table = pa.table({k: pa.array(v, pa.string()) for k, v in zip(names, cols, strict=True)})
    con = duckdb.connect()
    con.register("seed", table)
    reps = max(1, n // table.num_rows)
    con.execute(f"CREATE TABLE calls AS SELECT seed.* FROM seed, range({reps})")
    total = con.execute("SELECT count(*) FROM calls").fetchone()[0]  # type: ignore[index]
    sql = bulk_decide(con, "calls", proto)
    bulk, _ = timed(lambda: con.execute(f"SELECT pathway, count(*) FROM ({sql}) GROUP BY ALL").fetchall(), 3)
    print(f"  SQL bulk_decide() in DuckDB: {total / bulk:,.0f} rows/s wall ({total:,} rows in {bulk:.2f} s, "
          "DuckDB threads)")


if __name__ == "__main__":
    main()
