"""The job function: :func:`render_job` loads the durable record, marks it ``rendering`` under a lease,
renders every requested artifact into a private temp folder, then (holding the job store's write lock)
renames them into ``jobs/<id>/`` with their SHA-256 and marks the job ``ready``. A duplicate run (retry
after a lost worker) either finds the job already final and returns, or republishes identical bytes
atomically.

An invalid design (a :class:`RenderError` with a 4xx status: bad input, a limit, an image that cannot
decode) fails the job once with its reason, and so does any exception that is not an infrastructure fault
(:func:`infrastructure_fault`: a :func:`~render_engine.model.errors.transient` fault — storage, network,
memory — Redis, the job store): only those propagate, so RQ
(or the embedded worker) retries them with backoff. RQ payloads are JSON: the job id only
(:func:`rq_render_job`); rendered bytes never go to Redis."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import NamedTuple

from ..model.design import parse_design
from ..model.errors import RenderError, transient
from ..production.order import OrderSpec, produce_order
from .services import CONTENT_TYPES, Services
from .settings import ServiceSettings
from .storage import sha256_file
from .store import JobRecord

log = logging.getLogger(__name__)


@contextlib.contextmanager
def _lease(svc: Services, job_id: str) -> Iterator[None]:
    """Keep renewing the job's lease while this render runs; a SIGKILLed worker stops renewing."""
    stop = threading.Event()
    period = svc.settings.lease_seconds / 3

    def renew() -> None:
        while not stop.wait(period):
            try:
                svc.store.renew(job_id, svc.settings.lease_seconds)
            except Exception:  # a busy database must not kill the render; the next renewal retries
                log.warning("lease renewal failed", extra={"job_id": job_id}, exc_info=True)

    t = threading.Thread(target=renew, name=f"lease-{job_id[:8]}", daemon=True)
    t.start()
    try:
        yield
    finally:
        stop.set()
        t.join(timeout=5)


class Taken(NamedTuple):
    """When and by whom a job was taken off its queue: the worker's dequeue, before its render starts (an RQ
    worker forks a work horse in between, so the horse's own start time is later by the fork)."""

    job_id: str
    at: float
    worker: str
    queue: str
    seq: int | None = None  # the take's and the job's arrival's places in the farm's Redis order (.taking)
    arrived_seq: int | None = None
    arrived_at: float | None = None


_taken: Taken | None = None  # set by the RQ worker process just before it forks the job's work horse


def note_taken(taken: Taken) -> None:
    """Called by the RQ worker (:mod:`.worker`) as it takes a job; the horse it forks inherits the value."""
    global _taken
    _taken = taken


def render_job(svc: Services, job_id: str, taken: Taken | None = None) -> str:
    """Render one job (idempotent). Returns the final state; raises on transient failures (to retry).
    ``taken``: when the worker took it off its queue (recorded as ``taken_at`` and a ``taken`` event)."""
    rec = svc.store.start(job_id, svc.settings.lease_seconds)
    if rec is None:
        existing = svc.store.get(job_id)
        state = existing.state if existing else "missing"
        log.info("job already %s; nothing to do", state, extra={"job_id": job_id})
        return state
    if taken is not None and taken.job_id == job_id:
        try:
            order = {"seq": taken.seq, "arrived_seq": taken.arrived_seq, "arrived_at": taken.arrived_at}
            extra = {k: v for k, v in order.items() if v is not None}
            svc.store.take(job_id, taken.at, taken.worker, taken.queue, rec.attempt, extra)
        except Exception:  # a record of when, never a reason to fail the render
            log.warning("take time not recorded", extra={"job_id": job_id}, exc_info=True)
    log.info("rendering", extra={"job_id": job_id, "attempt": rec.attempt})
    steps: dict[str, dict[str, float]] = {}
    try:
        with _lease(svc, job_id), svc.storage.tmp_dir() as tmp:
            files = _render_all(svc, rec, tmp, steps)
            parts = artifact_parts(rec)
            artifacts = [
                {
                    "name": name,
                    "bytes": path.stat().st_size,
                    "sha256": sha256_file(path),
                    "content_type": CONTENT_TYPES[name.rsplit(".", 1)[1]],
                    **({"part": parts[name][0], "pages": parts[name][1]} if name in parts else {}),
                }
                for name, path in files.items()
            ]
            svc.storage.stage(files)  # S3: uploaded to staging keys now, so the lock below covers only copies
            with svc.store.locked(job_id) as pub:  # one publisher per job; a job already ready stays as it is
                if pub.state() in ("queued", "rendering"):
                    svc.storage.publish(job_id, files)
                    pub.finish(artifacts)
    except RenderError as exc:
        if exc.http_status < 500:
            svc.store.fail(job_id, exc.to_dict())
            log.info("job failed: %s", exc, extra={"job_id": job_id})
            notify(svc, job_id)
            return "failed"
        svc.store.note_error(job_id, exc.to_dict())
        raise
    except Exception as exc:
        if isinstance(exc, _timeout_types()):  # RQ's job_timeout fired in this work horse: final, no retry
            fail_timed_out(svc, job_id)
            return "failed"
        if not infrastructure_fault(exc):
            # not the machine's fault: the same design fails the same way again (a decoder or renderer error
            # no typed check caught yet, a bug). Retrying only holds a worker for minutes: fail it now.
            log.error("job failed: render raised %s", type(exc).__name__, extra={"job_id": job_id}, exc_info=True)
            err = {"code": "internal_error", "message": f"render failed ({type(exc).__name__})", "field": None}
            svc.store.fail(job_id, err)
            notify(svc, job_id)
            return "failed"
        if isinstance(exc, OSError):  # storage full / read-only / gone: retried, and the reason is kept
            err = {"code": "storage_error", "message": f"storage: {exc.strerror or type(exc).__name__}", "field": None}
        else:
            err = {"code": "internal_error", "message": f"render failed ({type(exc).__name__})", "field": None}
        svc.store.note_error(job_id, err)
        raise
    log.info("job ready", extra={"job_id": job_id})
    report_steps(svc, job_id, steps)
    notify(svc, job_id)
    return "ready"


def report_steps(svc: Services, job_id: str, steps: Mapping[str, Mapping[str, float]]) -> None:
    """Step timings of a finished job: one log line per pipeline, and ``svc.on_steps`` (the embedded worker:
    the API's ``/metrics`` directly; an RQ worker: the farm's histograms in Redis, which ``/metrics`` reads)."""
    for pipeline, seconds in steps.items():
        text = " ".join(f"{k}={v:.3f}" for k, v in seconds.items())
        extra = {"job_id": job_id, "pipeline": pipeline, "steps": seconds}
        log.info("render steps %s %s pid=%d", pipeline, text, os.getpid(), extra=extra)
        if svc.on_steps is not None:
            try:
                svc.on_steps(pipeline, seconds)
            except Exception:  # metrics never fail a job
                log.warning("step metrics failed", extra={"job_id": job_id}, exc_info=True)


def notify(svc: Services, job_id: str) -> None:
    """Call the job's completion webhook, if it has one (after the state is recorded; never changes it)."""
    rec = svc.store.get(job_id)
    if rec is not None and rec.batch_id is not None:
        from .batch_notice import notify_batch

        notify_batch(svc, rec.batch_id)
    url = rec.request.get("webhook_url") if rec else None
    if rec is None or not url:
        return
    from .webhooks import deliver

    payload = {
        "job_id": rec.id,
        "state": rec.state,
        "artifacts": [{k: a[k] for k in ("name", "bytes", "sha256")} for a in rec.artifacts],
        "error": rec.error,
        "url": f"/v1/jobs/{rec.id}",
    }
    delivered = deliver(svc.settings, url, payload)
    log.info("webhook %s", "delivered" if delivered else "not delivered", extra={"job_id": job_id})


def infrastructure_fault(exc: BaseException) -> bool:
    """A fault of the machine, not of the job, which a retry can outlive: a
    :func:`~render_engine.model.errors.transient` one (a :class:`~render_engine.model.errors.Transient` such
    as the object store's ``StorageError``, a connection or timeout, memory, an ``OSError`` of the disk or
    network failing or full — not ``ENOENT``/``EACCES``-like ones, which a retry meets again) or Redis.
    Together with a :class:`RenderError` of status >= 500 (job store unavailable, output not writable) these
    are the only failures retried; a :class:`RenderError` < 500 (bad input, a limit) and anything else fail
    the job at once."""
    return transient(exc) or isinstance(exc, _redis_errors())


@functools.cache
def _redis_errors() -> tuple[type[BaseException], ...]:
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:
        return ()
    return (RedisConnectionError, RedisTimeoutError)


def _timeout_types() -> tuple[type[BaseException], ...]:
    try:
        from rq.timeouts import JobTimeoutException
    except ImportError:  # the embedded worker times out with fail_timed_out() from its watchdog
        return ()
    return (JobTimeoutException,)


def fail_timed_out(svc: Services, job_id: str) -> None:
    """Fail a job that ran past ``job_timeout`` with code ``timeout``; files it may have half-published go.

    A render that overruns once will overrun again, so it is not retried. Under the publish lock: a job
    some other run already made ``ready`` stays ready; once ``failed`` no late run can publish.
    """
    s = svc.settings
    err = {"code": "timeout", "message": f"render took longer than the {s.job_timeout} s job timeout", "field": None}
    svc.store.fail(job_id, err)
    with svc.store.locked(job_id) as pub:
        if pub.state() == "failed":
            svc.storage.discard(job_id)
    log.warning("job timed out", extra={"job_id": job_id})
    notify(svc, job_id)


def _render_all(
    svc: Services, rec: JobRecord, tmp: Path, steps: dict[str, dict[str, float]] | None = None
) -> dict[str, Path]:
    """Every artifact of the job into ``tmp`` (:func:`~render_engine.production.order.produce_order`: print
    files, ``preflight.json``, proofs, mockup); ``steps`` collects step timings per pipeline (``job_prepare``:
    resolve and layout, once per job; ``job_pdf``, ``job_png``, ``job_parts``: draw and write; ``job_review``:
    preflight, proof, mockup)."""
    svc = svc.for_storefront(rec.owner)  # its uploaded fonts (POST /v1/fonts), if it has any
    design = parse_design(rec.request["design"], svc.engine.settings)
    return produce_order(
        design, svc.engine, tmp, OrderSpec.of(rec.request.get("outputs")), base_dir=svc.empty_dir(),
        asset_loader=svc.storage.asset_path, name=rec.id, steps=steps,
    )  # fmt: skip


def artifact_parts(rec: JobRecord) -> dict[str, tuple[str, int]]:
    """File name -> (part, pages) of a multi-surface job's print files, from the parts its request recorded."""
    out: dict[str, tuple[str, int]] = {}
    for p in rec.request.get("parts") or []:
        if isinstance(p, dict) and isinstance(p.get("name"), str):
            out[f"{p['name']}.{p.get('format')}"] = (p["name"], int(p.get("pages") or 1))
    return out


_services: Services | None = None


def use_services(svc: Services) -> None:
    """Make ``svc`` this process's services for RQ jobs (:func:`~.worker.run_worker` builds them once, before
    RQ forks work horses from it)."""
    global _services
    _services = svc


def _process_services() -> Services:
    """One warm engine per worker process: the one :func:`run_worker` built (forked work horses inherit it
    with its catalogs loaded), else built from the environment on first use (not at import)."""
    global _services
    if _services is None:
        _services = Services.build(ServiceSettings())
    return _services


def rq_render_job(job_id: str) -> str:
    """The RQ entry point, with one JSON argument (also importable as ``render_engine.farm.worker.rq_render_job``,
    the path jobs enqueued before the farm was split into modules name)."""
    return render_job(_process_services(), job_id, _taken)
