"""The render farm end to end with real Redis and real worker processes (``render-engine worker``).

One scenario covers the issue's farm tests: jobs accepted while no worker runs, Redis loses them (our
keys deleted: a flush/restart without persistence), two workers start and the reconciler re-enqueues the
jobs; one worker is SIGKILLed (with its work horse) mid-render; every job still finishes, each with exactly
one set of artifacts whose SHA-256 matches the record and the bytes.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from render_engine.jobs.settings import ServiceSettings
from render_engine.jobs.storage import sha256_file
from render_engine.jobs.worker import LocalDispatcher, Services, reconcile, render_job
from tests.redis_support import delete_keys, new_prefix, redis_server

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")

ROOT = Path(__file__).resolve().parent.parent
SF, PU = "storefront-key-for-tests-0001", "print-unit-key-for-tests-0001"
N_JOBS = 8


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


def mug_design(asset_id: str, text: str) -> dict[str, Any]:
    return {
        "version": 1,
        "template": "mug-11oz",
        "layers": [
            {"type": "image", "asset_id": asset_id, "box": {"x": -2, "y": -2, "width": 232.6, "height": 92.9},
             "fit": "cover"},
            {"type": "text", "text": text, "font": {"family": "noto-sans", "weight": 700}, "size": 14,
             "color": "#ffffff", "box": {"x": 20, "y": 66, "width": 188.6, "height": 12}, "align": "center"},
        ],
    }


def _worker_env(url: str, root: Path, prefix: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        REDIS_URL=url,
        RENDER_ENGINE_STORAGE_ROOT=str(root),
        RENDER_ENGINE_QUEUE_PREFIX=prefix,
        RENDER_ENGINE_LEASE_SECONDS="3",
        RENDER_ENGINE_RECONCILE_INTERVAL="1",
        RENDER_ENGINE_RETRY_INTERVALS="[1, 1, 1]",
        PYTHONPATH=str(ROOT),
    )
    return env


def _start_worker(env: dict[str, str], name: str, log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as err:  # a file, not a pipe nobody reads (a full pipe would block the worker)
        return subprocess.Popen(
            [sys.executable, "-m", "render_engine.cli", "worker", "--name", name,
             "--job-monitoring-interval", "1", "--maintenance-interval", "1", "--log-level", "WARNING"],
            env=env, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=err,
        )


def _descendants(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    kids = [int(p) for p in out.split()]
    return kids + [g for k in kids for g in _descendants(k)]


def _kill_tree(pid: int) -> None:
    for p in [pid, *_descendants(pid)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(p, signal.SIGKILL)


def test_farm_survives_redis_flush_and_sigkill(redis_url: str, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient
    from redis import Redis
    from rq import Worker

    from api.app import create_app

    prefix = new_prefix()
    root = tmp_path / "storage"
    settings = ServiceSettings(
        storage_root=root, redis_url=redis_url, queue_prefix=prefix, api_keys=f"storefront:{SF},print-unit:{PU}"
    )
    env = _worker_env(redis_url, root, prefix)
    workers: list[subprocess.Popen[bytes]] = []
    try:
        with TestClient(create_app(settings)) as c:
            photo = (ROOT / "examples/assets/landscape.jpg").read_bytes()
            asset_id = c.post("/v1/assets", content=photo, headers={"X-API-Key": SF}).json()["asset_id"]
            ids = []
            for n in range(N_JOBS):
                body = {"design": mug_design(asset_id, f"Order {n}"), "outputs": {"formats": ["pdf", "png"]},
                        "priority": "express" if n % 3 == 0 else "standard"}
                r = c.post("/v1/jobs", json=body, headers={"X-API-Key": SF, "Idempotency-Key": f"order-{n}"})
                assert r.status_code == 202, r.text
                ids.append(r.json()["job_id"])
            redis = Redis.from_url(redis_url)
            assert redis.llen(f"rq:queue:{prefix}express") + redis.llen(f"rq:queue:{prefix}standard") == N_JOBS

            # Redis loses everything of ours (restart without persistence); the job store still has the jobs
            assert delete_keys(redis_url, prefix) > 0
            assert redis.llen(f"rq:queue:{prefix}standard") == 0
            time.sleep(2.1)  # past the reconciler's grace period for freshly enqueued records

            workers = [_start_worker(env, f"{prefix}{n}", tmp_path / f"worker-{n}.log") for n in "ab"]
            t0 = time.monotonic()
            victim = None
            while victim is None and time.monotonic() - t0 < 60:  # SIGKILL a worker that is mid-render
                for w in Worker.all(connection=redis):
                    if w.name.startswith(prefix) and w.get_current_job_id():
                        victim = next(p for p in workers if p.pid == w.pid)
                        break
                time.sleep(0.05)
            assert victim is not None, "no worker ever picked up a job (reconciler did not re-enqueue?)"
            time.sleep(0.3)
            _kill_tree(victim.pid)
            victim.wait(timeout=10)

            deadline = time.monotonic() + 60
            states: dict[str, dict[str, Any]] = {}
            while time.monotonic() < deadline:
                states = {j: c.get(f"/v1/jobs/{j}", headers={"X-API-Key": PU}).json() for j in ids}
                if all(s["state"] in ("ready", "failed") for s in states.values()):
                    break
                time.sleep(0.25)
            logs = "\n".join(p.read_text(errors="replace")[-2000:] for p in tmp_path.glob("worker-*.log"))
            summary = {j: s["state"] for j, s in states.items()}
            assert all(s["state"] == "ready" for s in states.values()), (summary, logs)
            assert max(s["attempts"] for s in states.values()) >= 2, "the killed render was not re-run"

            for j, s in states.items():  # exactly one set of artifacts, checksums right, nothing partial
                files = sorted(p.name for p in (root / "jobs" / j).iterdir())
                assert files == ["preflight.json", "print.pdf", "print.png", "proof.png"], files
                for art in s["artifacts"]:
                    path = root / "jobs" / j / art["name"]
                    assert sha256_file(path) == art["sha256"]
                    assert path.stat().st_size == art["bytes"]
                    got = c.get(art["url"], headers={"X-API-Key": PU})
                    assert got.headers["etag"] == f'"{art["sha256"]}"'
            # the same text renders to the same bytes in a re-run: PNGs of different orders differ
            pngs = [a["sha256"] for s in states.values() for a in s["artifacts"] if a["name"] == "print.png"]
            assert len(set(pngs)) == N_JOBS
    finally:
        for w in workers:
            if w.poll() is None:
                w.send_signal(signal.SIGTERM)
        for w in workers:
            try:
                w.wait(timeout=10)
            except subprocess.TimeoutExpired:
                _kill_tree(w.pid)
        delete_keys(redis_url, prefix)


# --- the job function without Redis ---------------------------------------------------------------------


@pytest.fixture()
def svc(tmp_path: Path, engine: Any) -> Services:
    return Services.build(ServiceSettings(storage_root=tmp_path / "s", api_keys=""), engine)


def test_invalid_design_fails_once_with_its_reason(svc: Services) -> None:
    bad = {"design": {"version": 1, "template": "no-such-product", "layers": []}, "outputs": {}}
    rec, _ = svc.store.create(bad, "standard", "t", "h", None)
    assert render_job(svc, rec.id) == "failed"  # returns (RQ does not retry), reason recorded
    got = svc.store.get(rec.id)
    assert got is not None and got.state == "failed"
    assert got.error is not None and got.error["code"] == "invalid_template"
    assert render_job(svc, rec.id) == "failed"  # a duplicate run changes nothing


def test_transient_error_propagates_for_retry(svc: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    from render_engine.jobs import worker

    def boom(*a: Any, **k: Any) -> Any:
        raise OSError("disk hiccup")

    rec, _ = svc.store.create(
        {"design": {"version": 1, "template": "coaster-95-round", "layers": []}, "outputs": {"formats": ["png"]}},
        "standard", "t", "h", None,
    )
    monkeypatch.setattr(worker, "render_design", boom)
    with pytest.raises(OSError):
        render_job(svc, rec.id)
    got = svc.store.get(rec.id)
    assert got is not None and got.state == "rendering" and got.error is not None
    assert list((svc.storage.root / "jobs").iterdir()) == []  # nothing published
    monkeypatch.undo()
    assert render_job(svc, rec.id) == "ready"  # the retry succeeds and publishes one set
    published = sorted(p.name for p in (svc.storage.root / "jobs" / rec.id).iterdir())
    assert published == ["preflight.json", "print.png", "proof.png"]


def test_rerun_of_ready_job_is_a_no_op_and_reconciler_requeues_lost(svc: Services) -> None:
    req = {"design": {"version": 1, "template": "coaster-95-round", "layers": []}, "outputs": {"formats": ["png"]}}
    rec, _ = svc.store.create(req, "express", "t", "h", None)
    assert render_job(svc, rec.id) == "ready"
    before = json.dumps(svc.store.get(rec.id).artifacts)  # type: ignore[union-attr]
    assert render_job(svc, rec.id) == "ready"
    assert json.dumps(svc.store.get(rec.id).artifacts) == before  # type: ignore[union-attr]

    lost, _ = svc.store.create(req, "standard", "t", "h2", None)  # accepted, never reached a queue

    class Lost(LocalDispatcher):
        def rq_status(self, rq_id: str) -> str | None:
            return None

    d = Lost(svc, threads=0)
    assert reconcile(svc, d, grace=0.0)["requeued"] == 1
    assert d.q.get_nowait()[2] == lost.id
    assert svc.store.get(lost.id).attempt == 1  # type: ignore[union-attr]
