"""Bad input fails a job at once with a typed code; only infrastructure faults are retried; one bad job never
holds a worker longer than its own render — in the embedded worker (no Redis) and in a real RQ worker.

The hostile job is an image whose header probes fine but whose pixels cannot decode (a PNG with a damaged
IDAT chunk: CRC mismatch). The API refuses such a file at upload now (tests/api/test_hostile_api.py), so here it
is put into the asset store directly, as an asset stored before that check would be."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import pyvips

from render_engine.farm.dispatch import LocalDispatcher
from render_engine.farm.jobs import render_job
from render_engine.farm.services import Services
from render_engine.farm.settings import ServiceSettings
from render_engine.farm.store import JobRecord
from render_engine.testing.farm import coaster_design, small_photo
from tests.redis_support import delete_keys, new_prefix, redis_server

ROOT = Path(__file__).resolve().parents[2]
REQ_OUT = {"formats": ["png"], "dpi": 150}


def damaged_png() -> bytes:
    """A 600x400 PNG whose IDAT data has one byte flipped: the header (IHDR) is intact, so the probe passes;
    the decode fails (CRC error) only when pixels are read."""
    png = bytearray(pyvips.Image.xyz(600, 400)[0].cast("uchar").pngsave_buffer(compression=1))
    i = png.find(b"IDAT")
    png[i + 40] ^= 0xFF
    return bytes(png)


def _store_asset(svc: Services, data: bytes, tmp: Path) -> str:
    path = tmp / f"asset-{hashlib.sha256(data).hexdigest()[:8]}"
    path.write_bytes(data)
    return svc.storage.put_asset(path, hashlib.sha256(data).hexdigest())


def _job(svc: Services, asset_id: str, key: str) -> JobRecord:
    rec, _ = svc.store.create({"design": coaster_design(asset_id, key), "outputs": REQ_OUT}, "standard", "t", key, None)
    return rec


def _wait(svc: Services, ids: list[str], timeout: float) -> dict[str, JobRecord]:
    deadline = time.monotonic() + timeout
    while True:
        recs = {j: svc.store.get(j) for j in ids}
        if all(r is not None and r.state in ("ready", "failed") for r in recs.values()):
            return recs  # type: ignore[return-value]
        assert time.monotonic() < deadline, {j: r.state if r else None for j, r in recs.items()}
        time.sleep(0.05)


def test_an_image_that_cannot_decode_fails_the_job_at_once_with_its_field(tmp_path: Path, engine: Any) -> None:
    svc = Services.build(ServiceSettings(storage_root=tmp_path / "s", api_keys=""), engine)
    rec = _job(svc, _store_asset(svc, damaged_png(), tmp_path), "bad")
    t0 = time.monotonic()
    assert render_job(svc, rec.id) == "failed"  # returned, not raised: nothing retries it
    got = svc.store.get(rec.id)
    assert got is not None and got.state == "failed"
    assert got.error == {
        "code": "invalid_asset", "field": "layers[0].asset_id",
        "message": "image could not be decoded: the file is damaged, cut short or not the format its first bytes "
                   "claim (Error)",
    }  # fmt: skip
    assert time.monotonic() - t0 < 10


def test_an_unexpected_renderer_exception_fails_at_once_but_infrastructure_faults_are_retried(
    tmp_path: Path, engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from render_engine.production import order

    svc = Services.build(ServiceSettings(storage_root=tmp_path / "s", api_keys=""), engine)
    good = _store_asset(svc, small_photo(), tmp_path)
    from render_engine.farm.storage import StorageError

    for exc, retried in ((RecursionError(), False), (ValueError("x"), False), (OSError(28, "full"), True),
                         (ConnectionError(), True), (MemoryError(), True), (StorageError(5, "S3 put: SlowDown"), True),
                         (FileNotFoundError(2, "gone"), False), (PermissionError(13, "denied"), False)):  # fmt: skip
        rec = _job(svc, good, type(exc).__name__)

        def boom(*a: Any, _e: BaseException = exc, **k: Any) -> Any:
            raise _e

        monkeypatch.setattr(order, "render_prepared", boom)
        if retried:
            with pytest.raises(type(exc)):
                render_job(svc, rec.id)
            assert svc.store.get(rec.id).state == "rendering"  # type: ignore[union-attr]
        else:
            assert render_job(svc, rec.id) == "failed"
            got = svc.store.get(rec.id)
            assert got is not None and got.error is not None and got.error["code"] == "internal_error"
            assert type(exc).__name__ in got.error["message"]


def test_embedded_worker_a_bad_job_does_not_hold_the_next_one(tmp_path: Path, engine: Any) -> None:
    """Default retry intervals (5, 30, 120 s: the ~2.5 minutes a bad job used to hold the only render thread).
    A damaged image then a good job: the bad one fails after one attempt, the good one starts right after."""
    svc = Services.build(ServiceSettings(storage_root=tmp_path / "s", api_keys=""), engine)
    assert svc.settings.retry_intervals == (5, 30, 120)
    bad = _job(svc, _store_asset(svc, damaged_png(), tmp_path), "bad")
    good = _job(svc, _store_asset(svc, small_photo(), tmp_path), "good")
    d = LocalDispatcher(svc, threads=1)
    assert d.enqueue(bad) and d.enqueue(good)  # before start(): its reconciler pass would enqueue them itself
    d.start()
    try:
        recs = _wait(svc, [bad.id, good.id], 60)
    finally:
        d.stop()
    b, g = recs[bad.id], recs[good.id]
    assert b.state == "failed" and b.attempt == 1 and b.error and b.error["code"] == "invalid_asset", b
    assert g.state == "ready", g
    assert b.started_at and b.finished_at and g.started_at
    hold = g.started_at - b.started_at  # how long the bad job kept the only render thread
    print(f"embedded: the bad job held the render thread {hold:.2f} s")
    assert g.started_at >= b.finished_at - 0.01 and hold < 10, f"the good job started {hold:.2f} s after the bad one"


def test_embedded_worker_backoff_of_a_failing_job_does_not_block_the_thread(
    tmp_path: Path, engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An infrastructure fault is retried after its backoff (5 s here), but the render thread does not sleep
    through it: the job queued behind renders meanwhile."""
    from render_engine.farm import dispatch

    svc = Services.build(ServiceSettings(storage_root=tmp_path / "s", api_keys="", retry_intervals=(5,)), engine)
    photo = _store_asset(svc, small_photo(), tmp_path)
    flaky, good = _job(svc, photo, "flaky"), _job(svc, photo, "good")
    real = dispatch.render_job
    calls: list[float] = []

    def render(svc_: Services, job_id: str, taken: Any = None) -> str:
        if job_id == flaky.id and not calls:
            calls.append(time.monotonic())
            raise OSError(5, "I/O error")  # the storage hiccups once
        return real(svc_, job_id, taken)

    monkeypatch.setattr(dispatch, "render_job", render)
    d = LocalDispatcher(svc, threads=1)
    assert d.enqueue(flaky) and d.enqueue(good)
    d.start()
    try:
        recs = _wait(svc, [flaky.id, good.id], 60)
    finally:
        d.stop()
    assert recs[good.id].state == "ready" and recs[flaky.id].state == "ready"
    assert recs[good.id].started_at is not None and recs[flaky.id].started_at is not None
    assert recs[good.id].finished_at < recs[flaky.id].started_at  # type: ignore[operator]  # ran during the backoff


def test_rq_worker_a_bad_job_fails_once_and_the_next_starts_at_once(tmp_path: Path, engine: Any) -> None:
    """The same with real Redis and a real ``render-engine worker`` process (RQ ``Retry`` configured)."""
    from render_engine.farm.dispatch import RqDispatcher

    with redis_server() as url:
        prefix = new_prefix()
        root = tmp_path / "root"
        settings = ServiceSettings(storage_root=root, redis_url=url, queue_prefix=prefix, api_keys="",
                                   retry_intervals=(5, 30, 120))  # fmt: skip
        svc = Services.build(settings, engine)
        bad = _job(svc, _store_asset(svc, damaged_png(), tmp_path), "bad")
        good = _job(svc, _store_asset(svc, small_photo(), tmp_path), "good")
        d = RqDispatcher(svc, url)
        assert d.enqueue(bad) and d.enqueue(good)
        env = dict(os.environ, REDIS_URL=url, RENDER_ENGINE_STORAGE_ROOT=str(root), RENDER_ENGINE_QUEUE_PREFIX=prefix,
                   RENDER_ENGINE_RETRY_INTERVALS="[5, 30, 120]", PYTHONPATH=str(ROOT))  # fmt: skip
        with open(tmp_path / "worker.log", "wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "render_engine.cli", "worker", "--name", f"{prefix}w", "--log-level", "WARNING",
                 "--job-monitoring-interval", "1", "--maintenance-interval", "1"],
                env=env, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=log,
            )  # fmt: skip
        try:
            recs = _wait(svc, [bad.id, good.id], 90)
            # RQ must not have scheduled a retry of the bad one either
            from rq.job import Job
            from rq.serializers import JSONSerializer

            rq_job = Job.fetch(f"{prefix}{bad.id}-a1", connection=d.redis, serializer=JSONSerializer)
            assert rq_job.get_status().value == "finished", rq_job.get_status()
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
            delete_keys(url, prefix)
    b, g = recs[bad.id], recs[good.id]
    assert b.state == "failed" and b.attempt == 1 and b.error and b.error["code"] == "invalid_asset", b
    assert g.state == "ready", (g, (tmp_path / "worker.log").read_text(errors="replace")[-2000:])
    assert b.started_at and g.started_at
    hold = g.started_at - b.started_at
    print(f"RQ: the bad job held the worker {hold:.2f} s")
    assert hold < 15, f"the good job started {hold:.2f} s after the bad one"
