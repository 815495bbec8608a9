"""When a worker takes a job (#20): two real ``render-engine worker`` processes on real Redis and a shared
SQLite job store render a standard backlog; express and same-day jobs arrive mid-stream. Every job records
``taken_at`` (the worker's dequeue, before it forks the work horse) and a ``taken`` event naming the worker
and queue; no lower-priority job is taken between an urgent job's arrival (its enqueue returned) and its
own take — measured exactly on the Redis order of the push and take scripts (farm/taking.py) that each
``taken`` event records, not assumed from RQ's polling order and with no grace window."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from render_engine.farm.dispatch import RqDispatcher
from render_engine.farm.services import Services
from render_engine.farm.settings import ServiceSettings
from render_engine.farm.store_orders import PRIORITIES

ROOT = Path(__file__).resolve().parents[2]

REQUEST = {"design": {"version": 1, "template": "coaster-95-round", "layers": [{"type": "background",
           "color": "#f4a261"}]}, "outputs": {"formats": ["png"], "dpi": 40, "proof": False}}  # fmt: skip


def start_worker(url: str, root: Path, prefix: str, name: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "REDIS_URL": url, "RENDER_ENGINE_STORAGE_ROOT": str(root),
           "RENDER_ENGINE_QUEUE_PREFIX": prefix, "PYTHONPATH": str(ROOT)}  # fmt: skip
    with open(log, "wb") as err:  # a file, not a pipe nobody reads
        return subprocess.Popen(
            [sys.executable, "-m", "render_engine.cli", "worker", "--name", name, "--log-level", "WARNING"],
            env=env, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=err,
        )  # fmt: skip


def stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    for w in workers:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(w.pid, signal.SIGTERM)
    for w in workers:
        try:
            w.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(w.pid, signal.SIGKILL)
            w.wait()


def test_urgent_jobs_arriving_mid_stream_are_taken_before_the_waiting_backlog(tmp_path: Path, engine: Any) -> None:
    from tests.redis_support import delete_keys, new_prefix, redis_server

    with redis_server() as url:
        prefix = new_prefix()
        root = tmp_path / "storage"
        svc = Services.build(ServiceSettings(storage_root=root, redis_url=url, queue_prefix=prefix), engine)
        dispatcher = RqDispatcher(svc, url)
        workers: list[subprocess.Popen[bytes]] = []
        try:
            backlog = [svc.store.create(REQUEST, "standard", "shop", f"s{n}", None)[0] for n in range(150)]
            for rec in backlog:
                assert dispatcher.enqueue(rec)
            workers = [start_worker(url, root, prefix, f"{prefix}{n}", tmp_path / f"w{n}.log") for n in "ab"]
            arrived: dict[str, float] = {}
            deadline = time.monotonic() + 120
            while sum(svc.store.get(r.id).taken_at is not None for r in backlog) < 6:  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "the workers took nothing"
                time.sleep(0.1)
            for n, priority in enumerate(["express", "same_day", "express", "same_day"]):
                rec, _ = svc.store.create(REQUEST, priority, "shop", f"u{n}", None)  # type: ignore[arg-type]
                assert dispatcher.enqueue(rec)
                arrived[rec.id] = time.time()
                time.sleep(0.4)  # mid-stream: the workers keep taking standard jobs in between
            ids = [r.id for r in backlog] + list(arrived)
            while True:
                recs = [svc.store.get(j) for j in ids]
                if all(r is not None and r.state in ("ready", "failed") for r in recs):
                    break
                assert time.monotonic() < deadline + 120, "the farm did not drain"
                time.sleep(0.2)
        finally:
            stop_workers(workers)
            delete_keys(url, prefix)
        assert all(r is not None and r.state == "ready" for r in recs)
        rank = {p: n for n, p in enumerate(PRIORITIES)}
        order: dict[str, dict[str, Any]] = {}
        for rec in recs:
            assert rec is not None and rec.taken_at is not None and rec.started_at is not None
            (ev,) = [e for e in svc.store.events(rec.id) if e["kind"] == "taken"]
            assert ev["at"] == rec.taken_at and ev["actor"].startswith(prefix)
            data = ev["data"]
            assert {k: data[k] for k in ("queue", "attempt")} == {"queue": f"{prefix}{rec.priority}", "attempt": 1}
            # both stamped by Redis (TIME in the push and take scripts): arrival after the record, take after it
            assert rec.created_at - 0.05 <= data["arrived_at"] <= rec.taken_at <= rec.started_at
            assert data["arrived_seq"] < data["seq"]
            order[rec.id] = data
        seqs = [d["seq"] for d in order.values()] + [d["arrived_seq"] for d in order.values()]
        assert len(set(seqs)) == len(seqs)  # one farm-wide order of pushes and takes
        # Exact, no grace window: a lower-priority job taken after an urgent job arrived (its push) and before
        # that job's own take, in Redis' own order of the push and take scripts.
        overtaken = [
            (u.id, r.id)
            for u in recs if u is not None and u.id in arrived
            for r in recs
            if r is not None and rank[r.priority] > rank[u.priority]
            and order[u.id]["arrived_seq"] < order[r.id]["seq"] < order[u.id]["seq"]
        ]  # fmt: skip
        assert overtaken == []
        # and the backlog was still there: each urgent job was taken before standard jobs queued long before it
        for jid in arrived:
            assert any(order[r.id]["seq"] > order[jid]["seq"] for r in backlog)
