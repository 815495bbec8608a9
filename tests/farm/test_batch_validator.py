"""Render workers validate large batches too (#19): ``render-engine worker`` runs ``render-engine batch-validator``
beside it, which claims batches stored ``validating`` under the API's lease. Real processes over one PostgreSQL
job store and Redis: the only API process is SIGKILLed in the middle of a 120-row batch, and the worker alone
takes it over from the first unchecked row, creates each row's job once and renders them; its validator
child goes when the worker is SIGKILLed."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.net_support import free_port, wait_until_answers
from tests.pg_support import postgres_server, private_schema
from tests.redis_support import delete_keys, new_prefix, redis_server
from tests.toolkit import STOREFRONT, S

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp: Path, store: str, redis: str, prefix: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RENDER_ENGINE_") and k != "REDIS_URL"}
    env.pop("PYTEST_CURRENT_TEST", None)
    env.update(RENDER_ENGINE_STORAGE_ROOT=str(tmp / "storage"), RENDER_ENGINE_JOB_STORE_URL=store, REDIS_URL=redis,
               RENDER_ENGINE_QUEUE_PREFIX=prefix, RENDER_ENGINE_API_KEYS=f"storefront:{STOREFRONT}",
               RENDER_ENGINE_LEASE_SECONDS="3", RENDER_ENGINE_RECONCILE_INTERVAL="0.5",
               PYTHONPATH=str(ROOT))  # fmt: skip
    return env


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    kids = [int(p) for p in out.split()]
    return [k for k in kids if b"batch-validator" in Path(f"/proc/{k}/cmdline").read_bytes()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")


def test_a_worker_takes_over_a_batch_its_dead_api_process_was_validating(tmp_path: Path) -> None:
    import httpx
    import psycopg

    n = 120
    body = {"design_template": "christmas-tree", "product": "coaster-95-round",
            "outputs": {"formats": ["png"], "dpi": 30, "proof": False},
            "rows": [{"name": f"Guest {i:03d}"} for i in range(n)]}  # fmt: skip
    procs: list[subprocess.Popen[bytes]] = []
    prefix = new_prefix()
    with (
        redis_server() as redis,
        postgres_server() as pg,
        private_schema(pg) as url,
        open(tmp_path / "serve.log", "wb") as serve_log,
        open(tmp_path / "worker.log", "wb") as worker_log,
    ):
        env = _env(tmp_path, url, redis, prefix)
        try:
            port = free_port()
            api = subprocess.Popen([sys.executable, "-m", "render_engine.cli", "serve", "--port", str(port)],
                                   env=env, cwd=ROOT, stdout=serve_log, stderr=subprocess.STDOUT,
                                   start_new_session=True)  # fmt: skip
            procs.append(api)
            base = f"http://127.0.0.1:{port}"

            def answers() -> bool:
                try:
                    return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
                except httpx.HTTPError:
                    return False

            wait_until_answers(answers, api, "render-engine serve", timeout=120)
            r = httpx.post(f"{base}/v1/batches", json=body, headers=S, timeout=120)
            assert r.status_code == 202 and r.json()["state"] == "validating", r.text
            batch_id = r.json()["batch_id"]
            end = time.monotonic() + 300
            while httpx.get(f"{base}/v1/batches/{batch_id}", headers=S).json()["counts"].get("checked", 0) < 50:
                assert time.monotonic() < end, "the API's validator never got going"
                time.sleep(0.05)
            os.killpg(api.pid, signal.SIGKILL)  # the only API process: nobody but the worker can go on
            api.wait(30)
            with psycopg.connect(url) as c:
                checked, state = c.execute("SELECT checked, state FROM batch_intake WHERE id = %s",
                                           (batch_id,)).fetchone()  # fmt: skip
            assert state == "validating" and 50 <= checked < n, (state, checked)

            worker = subprocess.Popen([sys.executable, "-m", "render_engine.cli", "worker", "--name", f"{prefix}w",
                                       "--log-level", "INFO"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                      stderr=worker_log, start_new_session=True)  # fmt: skip
            procs.append(worker)
            end = time.monotonic() + 600
            while True:
                with psycopg.connect(url) as c:
                    state = c.execute("SELECT state FROM batch_intake WHERE id = %s", (batch_id,)).fetchone()[0]
                    ready = c.execute("SELECT COUNT(*) FROM jobs WHERE state = 'ready'").fetchone()[0]
                if state != "validating" and ready >= 3:
                    break
                assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
                assert time.monotonic() < end, (state, ready, (tmp_path / "worker.log").read_text()[-3000:])
                time.sleep(0.2)
            assert state == "accepted"
            with psycopg.connect(url) as c:  # one job per row, none created twice, none skipped
                counted = c.execute("SELECT COUNT(*), COUNT(DISTINCT batch_row), MIN(batch_row), MAX(batch_row)"
                                    " FROM jobs WHERE batch_id = %s", (batch_id,)).fetchone()  # fmt: skip
                skipped = c.execute("SELECT skipped FROM batches WHERE id = %s", (batch_id,)).fetchone()[0]
            assert counted == (n, n, 1, n)
            assert skipped in ("[]", [])
            # by the worker's validator (no API process is left); it logs once every job is enqueued, which on a
            # busy machine may come after the worker has already rendered the first rows
            end = time.monotonic() + 120
            while "batch accepted" not in (log := (tmp_path / "worker.log").read_text(errors="replace")):
                assert time.monotonic() < end, log[-3000:]
                time.sleep(0.2)

            (child,) = _children(worker.pid)
            os.kill(worker.pid, signal.SIGKILL)  # the worker alone: its validator child must not outlive it
            worker.wait(30)
            end = time.monotonic() + 40
            while _alive(child):
                assert time.monotonic() < end, "the batch validator outlived its worker"
                time.sleep(0.2)
        finally:
            for p in procs:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGTERM)  # its group: a work horse or validator child left behind too
                with contextlib.suppress(subprocess.TimeoutExpired):
                    p.wait(30)
            delete_keys(redis, prefix)
