"""Sustained triage load: 200 requests/s for 60 s from this process against `altresponse serve`
(SQLite, then PostgreSQL) and against a bare FastAPI endpoint, on loopback; then triage again
beside a flood of 20 sign-ins/s sent from another process.

Each triage request decides, matches providers and writes the decision plus its audit row. The
schedule is open-loop (request i is due at t0 + i/rate), so a slow server cannot slow the offered
load; latency is measured from the moment a request was due (no coordinated omission) and from
the moment it was sent. Prints p50/p99/max, errors, and the ratio of ours to the bare endpoint.

The flood uses the real sign-in route with the per-address limit lifted, so every attempt that
finds room in the bounded hashing pool costs a full argon2 verification; the rest get 429.
Targets: p99 <= 25 ms with 0 errors for plain triage, p99 <= 50 ms beside the flood.

Run: .venv/bin/python benchmarks/triage_load.py [--rate 200] [--seconds 60] [--skip-postgres]
     [--flood-rate 20] [--skip-flood]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("ALTRESPONSE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SECRET = "benchmark-secret-key-benchmark-secret-key"
AUDIT_KEY = "benchmark-audit-key-benchmark-audit-key-0001"
TYPES = ["behavioral_crisis", "welfare_check", "noise_complaint", "homeless_person", "suicidal_ideation",
         "intoxicated_person", "verbal_dispute", "trespass", "assault", "medical_emergency"]
QUESTIONS = ["weapon", "violence_in_progress", "medical_emergency", "crime_in_progress", "imminent_self_harm",
             "risk_to_others", "insufficient_information", "under_18", "intoxication"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(base: str, proc: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("server did not come up")


def bodies(n: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        answers = {q: rng.choices(["no", "yes", "unknown"], [0.8, 0.1, 0.1])[0] for q in QUESTIONS}
        answers["location_type"] = rng.choice(["public_space", "residence", "business", "unknown"])
        out.append({"call_ref": f"BENCH{i:07d}", "common_type": rng.choice(TYPES), "answers": answers,
                    "lon": -76.61 + rng.uniform(-0.05, 0.05), "lat": 39.29 + rng.uniform(-0.05, 0.05)})
    return out


def run_load(base: str, headers: dict[str, str], rate: float, seconds: float, workers: int = 16
             ) -> dict[str, Any]:
    """Open-loop load: request i is due at t0 + i/rate; workers take the next due request."""
    n = int(rate * seconds)
    payloads = bodies(n)
    from_due: list[float] = []
    from_send: list[float] = []
    errors: dict[str, int] = {}
    lock = threading.Lock()
    counter = iter(range(n))
    t0 = time.perf_counter() + 0.5
    cutoff = t0 + 1.5 * seconds + 5  # bounded in time too: a server that falls behind is not waited for
    not_sent = 0

    def worker() -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
            client.get("/health")  # open the connection before the clock starts
            while True:
                nonlocal not_sent
                with lock:
                    i = next(counter, None)
                    if i is not None and time.perf_counter() > cutoff:
                        not_sent += 1 + sum(1 for _ in counter)
                        i = None
                if i is None:
                    return
                due = t0 + i / rate
                delay = due - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                sent = time.perf_counter()
                try:
                    r = client.post("/triage", json=payloads[i])
                    ok, key = r.status_code == 201, str(r.status_code)
                except httpx.HTTPError as exc:
                    ok, key = False, type(exc).__name__
                end = time.perf_counter()
                with lock:
                    if ok:
                        from_due.append(end - due)
                        from_send.append(end - sent)
                    else:
                        errors[key] = errors.get(key, 0) + 1

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0

    def pct(values: list[float], q: float) -> float:
        if not values:
            return float("nan")
        v = sorted(values)
        return 1000 * v[min(len(v) - 1, int(q * len(v)))]

    return {
        "requests": n, "ok": len(from_send), "errors": sum(errors.values()), "error_kinds": errors,
        "not_sent_by_cutoff": not_sent,
        "achieved_rps": round(len(from_send) / elapsed, 1),
        "p50_ms": round(pct(from_send, 0.50), 2), "p99_ms": round(pct(from_send, 0.99), 2),
        "max_ms": round(pct(from_send, 1.0), 2),
        "p50_from_due_ms": round(pct(from_due, 0.50), 2), "p99_from_due_ms": round(pct(from_due, 0.99), 2),
        "mean_ms": round(1000 * statistics.fmean(from_send), 2) if from_send else None,
    }


Served = tuple[subprocess.Popen[bytes], str, dict[str, str]]


def serve_ours(db_url: str, log: Path, workers: int = 1, extra_env: dict[str, str] | None = None) -> Served:
    from altresponse.ops import open_store
    from altresponse.ops import repository as repo

    store = open_store(db_url, audit_key=AUDIT_KEY.encode())
    if not any(u.username == "bench" for u in repo.list_users(store)):
        repo.create_user(store, "bench", "bench-password", "call_taker")
    store.dispose()
    port = free_port()
    env = {**os.environ, "ALTRESPONSE_SECRET_KEY": SECRET, "ALTRESPONSE_AUDIT_KEY": AUDIT_KEY,
           "ALTRESPONSE_PROFILE": "baltimore",
           "ALTRESPONSE_AUDIT_CHECKPOINTS": str(log.with_suffix(".checkpoints")), **(extra_env or {})}
    proc = subprocess.Popen([sys.executable, "-m", "altresponse.cli", "serve", "--db", db_url, "--port",
                             str(port), "--log-level", "warning", "--workers", str(workers)], env=env,
                            stdout=log.open("ab"),
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    wait_up(base, proc)
    token = httpx.post(f"{base}/auth/token", data={"username": "bench", "password": "bench-password"}).json()
    return proc, base, {"Authorization": f"Bearer {token['access_token']}"}


def flood(base: str, rate: float, seconds: float, out: Any) -> None:
    """Sign-in attempts at `rate` per second (wrong passwords for a user that exists, so each costs a
    verification and counts towards nothing: the lock-out is lifted for the run). Runs in its own
    process so its client work does not share the triage client's interpreter."""
    counts: dict[str, int] = {}
    n = int(rate * seconds)
    t0 = time.perf_counter() + 0.5
    lock = threading.Lock()
    counter = iter(range(n))
    cutoff = t0 + seconds + 5  # bounded in time: attempts still due then are not sent

    def worker() -> None:
        with httpx.Client(base_url=base, timeout=10) as client:
            while True:
                with lock:
                    i = next(counter, None)
                if i is None or time.perf_counter() > cutoff:
                    return
                delay = t0 + i / rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                try:
                    key = str(client.post("/auth/token", data={"username": "bench",
                                                               "password": f"wrong-{i}"}).status_code)
                except httpx.HTTPError as exc:
                    key = type(exc).__name__
                with lock:
                    counts[key] = counts.get(key, 0) + 1

    # Enough concurrent clients that slow answers do not hold the offered rate down (open loop).
    threads = [threading.Thread(target=worker) for _ in range(max(8, int(rate * 3)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put(counts)


def run_with_flood(base: str, headers: dict[str, str], rate: float, seconds: float,
                   flood_rate: float) -> dict[str, Any]:
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=flood, args=(base, flood_rate, seconds + 1, queue))
    proc.start()
    try:
        result = run_load(base, headers, rate, seconds)
        try:
            result["flood_statuses"] = queue.get(timeout=60)
        except Exception:  # the triage figures stand either way
            result["flood_statuses"] = "flood process did not report"
    finally:
        proc.join(timeout=30)
        if proc.is_alive():
            proc.terminate()
    result["flood_rate"] = flood_rate
    return result


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rate", type=float, default=200.0)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--skip-postgres", action="store_true")
    ap.add_argument("--workers", type=int, default=1, help="server worker processes for ours (bare: 1)")
    ap.add_argument("--flood-rate", type=float, default=20.0, help="sign-ins per second beside triage")
    ap.add_argument("--skip-flood", action="store_true")
    ap.add_argument("--flood-only", action="store_true", help="bare endpoint, then SQLite beside the flood")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="triage-load-"))
    results: dict[str, Any] = {"rate": args.rate, "seconds": args.seconds, "cpus": os.cpu_count(),
                               "workers": args.workers,
                               "load_avg_before": os.getloadavg()}

    bare_port = free_port()
    bare = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "bare_app.py"), "--port",
                             str(bare_port)])
    try:
        wait_up(f"http://127.0.0.1:{bare_port}", bare)
        results["bare"] = run_load(f"http://127.0.0.1:{bare_port}", {}, args.rate, args.seconds)
    finally:
        stop(bare)
    print("bare     ", json.dumps(results["bare"]), flush=True)

    backends = [("sqlite", f"sqlite:///{tmp / 'bench.db'}")]
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = None
    if not args.skip_postgres:
        try:
            admin = sa.create_engine(PG_URL)
            with admin.begin() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            backends.append(("postgres", f"{PG_URL}?options=-csearch_path%3D{schema}"))
        except Exception as exc:  # report and carry on with SQLite
            print(f"postgres skipped: {exc}", flush=True)
    try:
        for name, url in [] if args.flood_only else backends:
            proc, base, headers = serve_ours(url, tmp / f"{name}.log", args.workers)
            try:
                results[name] = run_load(base, headers, args.rate, args.seconds)
            finally:
                stop(proc)
            r = results[name]
            r["ratio_p50_to_bare"] = round(r["p50_ms"] / results["bare"]["p50_ms"], 2)
            r["ratio_p99_to_bare"] = round(r["p99_ms"] / results["bare"]["p99_ms"], 2)
            r["meets_target"] = r["p99_ms"] <= 25 and r["errors"] == 0 and r["not_sent_by_cutoff"] == 0
            print(f"{name:9s}", json.dumps(r), flush=True)
        if not args.skip_flood:
            name, url = backends[0]
            flood_env = {"ALTRESPONSE_LOGIN_ATTEMPTS_PER_MINUTE": "1000000",
                         "ALTRESPONSE_LOGIN_FAILURES_BEFORE_LOCKOUT": "1000000000"}
            proc, base, headers = serve_ours(url, tmp / f"{name}-flood.log", args.workers, flood_env)
            try:
                r = run_with_flood(base, headers, args.rate, args.seconds, args.flood_rate)
            finally:
                stop(proc)
            r["ratio_p50_to_bare"] = round(r["p50_ms"] / results["bare"]["p50_ms"], 2)
            r["ratio_p99_to_bare"] = round(r["p99_ms"] / results["bare"]["p99_ms"], 2)
            r["meets_target"] = r["p99_ms"] <= 50 and r["errors"] == 0 and r["not_sent_by_cutoff"] == 0
            results[f"{name}+flood"] = r
            backends.append((f"{name}+flood", url))
            print(f"{name}+flood", json.dumps(r), flush=True)
    finally:
        if admin is not None:
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()
    results["load_avg_after"] = os.getloadavg()
    print()
    head = ("target", "p50 ms", "p99 ms", "p99 due", "errors", "rps", "x bare p50", "meets")
    print(f"{head[0]:14s} {head[1]:>8s} {head[2]:>8s} {head[3]:>8s} {head[4]:>7s} {head[5]:>7s}",
          f"{head[6]:>10s} {head[7]:>6s}")
    for name in ["bare", *[b for b, _ in backends]]:
        if name not in results:
            continue
        r = results[name]
        meets = str(r.get("meets_target", ""))
        print(f"{name:14s} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f} {r['p99_from_due_ms']:8.2f} "
              f"{r['errors']:7d} {r['achieved_rps']:7.1f} {r.get('ratio_p50_to_bare', 1.0):10.2f} "
              f"{meets:>6s}")
    print(json.dumps(results, sort_keys=True, default=str))


if __name__ == "__main__":
    main()
