"""Kill the running server mid-burst: every referral it acknowledged must survive the restart."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from altresponse.ops import open_store, verify_audit
from altresponse.ops import repository as repo
from tests.ops.dbs import fresh_db
from tests.service.conftest import AUDIT_KEY, AUDIT_KEY_TEXT, SECRET

PASSWORD = "crash-test-password"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db_url: str, port: int, log: Path, workers: int = 1) -> subprocess.Popen[bytes]:
    env = {**os.environ, "ALTRESPONSE_SECRET_KEY": SECRET, "ALTRESPONSE_AUDIT_KEY": AUDIT_KEY_TEXT,
           "ALTRESPONSE_PROFILE": "baltimore"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "altresponse.cli", "serve", "--db", db_url, "--port", str(port),
         "--log-level", "warning", "--workers", str(workers)],
        env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 90  # generous: a loaded CI machine imports slowly
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {log.read_text()[-2000:]}")
        time.sleep(0.1)
    proc.kill()
    raise AssertionError("server did not come up in 90 s")


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_acknowledged_referrals_survive_sigkill(kind: str, tmp_path: Path,
                                                request: pytest.FixtureRequest) -> None:
    with fresh_db(kind, tmp_path, request) as db_url:
        store = open_store(db_url, audit_key=AUDIT_KEY)
        repo.create_user(store, "ct", PASSWORD, "call_taker")
        store.dispose()
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_server(db_url, port, tmp_path / "server.log")
        try:
            token = httpx.post(f"{base}/auth/token", data={"username": "ct", "password": PASSWORD}).json()
            h = {"Authorization": f"Bearer {token['access_token']}"}
            d = httpx.post(f"{base}/triage", headers=h, json={
                "call_ref": "CRASH1", "common_type": "welfare_check", "answers": {}}).json()
            target = (d["providers"][0] if d["providers"] else
                      {"service_id": "svc-test", "organization_id": "org-test"})
            body = {"decision_id": d["decision_id"], "service_id": target["service_id"],
                    "organization_id": target["organization_id"]}
            acked: list[int] = []
            lock = threading.Lock()
            stop = threading.Event()

            def writer() -> None:
                with httpx.Client(base_url=base, headers=h, timeout=5) as client:
                    while not stop.is_set():
                        try:
                            r = client.post("/referrals", json=body)
                        except httpx.HTTPError:
                            return  # the server is gone
                        if r.status_code == 201:
                            with lock:
                                acked.append(r.json()["id"])

            threads = [threading.Thread(target=writer) for _ in range(4)]
            for t in threads:
                t.start()
            give_up = time.monotonic() + 120
            while True:
                with lock:
                    if len(acked) >= 150:
                        break
                if proc.poll() is not None:
                    raise AssertionError("server died on its own")
                if time.monotonic() > give_up:
                    stop.set()
                    raise AssertionError(f"only {len(acked)} referrals acknowledged in 120 s")
                time.sleep(0.01)
            proc.send_signal(signal.SIGKILL)  # mid-burst: the writers are still sending
            proc.wait(timeout=10)
            stop.set()
            for t in threads:
                t.join(timeout=10)
            with lock:
                acknowledged = list(acked)
            assert len(acknowledged) >= 150
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

        proc = start_server(db_url, port, tmp_path / "server.log")
        try:
            missing = []
            with httpx.Client(base_url=base, headers=h, timeout=10) as client:
                for rid in acknowledged:
                    if client.get(f"/referrals/{rid}").status_code != 200:
                        missing.append(rid)
            assert missing == [], f"{len(missing)} acknowledged referrals lost after SIGKILL"
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        store = open_store(db_url, run_migrations=False)
        with store.read() as s:
            report = verify_audit(s, AUDIT_KEY)
        store.dispose()
        assert report.ok, report.as_dict()  # a crash leaves the chain whole
        assert report.rows >= 1 + 1 + len(acknowledged)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_two_worker_processes_keep_one_linear_audit_chain(kind: str, tmp_path: Path,
                                                          request: pytest.FixtureRequest) -> None:
    with fresh_db(kind, tmp_path, request) as db_url:
        store = open_store(db_url, audit_key=AUDIT_KEY)
        repo.create_user(store, "ct", PASSWORD, "call_taker")
        store.dispose()
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_server(db_url, port, tmp_path / "server.log", workers=2)
        try:
            token = httpx.post(f"{base}/auth/token", data={"username": "ct", "password": PASSWORD}).json()
            h = {"Authorization": f"Bearer {token['access_token']}"}
            statuses: list[int] = []

            def writer(k: int) -> None:
                with httpx.Client(base_url=base, headers=h, timeout=30) as client:
                    for i in range(40):
                        body = {"call_ref": f"W{k}-{i}", "common_type": "welfare_check", "answers": {}}
                        r = client.post("/triage", json=body)
                        statuses.append(r.status_code)

            threads = [threading.Thread(target=writer, args=(k,)) for k in range(6)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=120)
        finally:
            proc.terminate()
            proc.wait(timeout=20)
        assert statuses.count(201) == 240, sorted(set(statuses))
        store = open_store(db_url, run_migrations=False)
        with store.read() as s:
            report = verify_audit(s, AUDIT_KEY)
        store.dispose()
        assert report.ok and report.rows == 1 + 1 + 240, report.as_dict()  # user, sign-in, decisions
