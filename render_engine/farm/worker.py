"""The render farm: the job function, the dispatchers (RQ, embedded thread) and the reconciler.

* :func:`render_job` — load the durable record, mark it ``rendering`` under a lease, render every requested
  artifact into a private temp folder, then (holding the job store's write lock) rename them into
  ``jobs/<id>/`` with their SHA-256 and mark the job ``ready``. A duplicate run (retry after a lost worker)
  either finds the job already final and returns, or republishes identical bytes atomically.
* An invalid design (a :class:`RenderError` with a 4xx status: bad input, a limit, an image that cannot
  decode) fails the job once with its reason, and so does any exception that is not an infrastructure fault
  (:func:`infrastructure_errors`: storage, network, memory, Redis, job store): only those propagate, so RQ
  (or the embedded worker) retries them with backoff.
* :func:`reconcile` — re-enqueues accepted jobs Redis lost (flush, restart without persistence) and jobs whose
  worker died mid-render (lease expired), under a Redis lock so several workers do not race; it runs at
  worker start and every ``reconcile_interval``.
* :func:`maintain` — after each reconciler pass (a thread in the embedded mode): temp folders of dead
  renders, job retention (:func:`purge_expired`), asset retention (:func:`collect_assets`). Storage I/O
  runs outside the RQ worker's fork guard; only job-store calls are inside it.

RQ payloads are JSON (``JSONSerializer``): the job id only. Rendered bytes never go to Redis.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any, Protocol

from ..engine import Engine
from ..layout.prepared import Prepared
from ..model.design import parse_design
from ..model.errors import RenderError
from ..model.outputs import Format, StepTimer
from ..model.settings import Settings
from ..pipeline import prepare, render_prepared
from .settings import ServiceSettings
from .step_metrics import Histograms, RedisStepSink
from .storage import Storage, make_storage, sha256_file
from .store import JobRecord, JobStore, JobStoreUnavailable, open_job_store

log = logging.getLogger(__name__)

CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "json": "application/json", "jpg": "image/jpeg"}
RECONCILE_GRACE = 2.0  # seconds: a record touched this recently may still be on its way into Redis


@dataclass
class Services:
    """What the API and the workers share: settings, the warm engine, storage and the job store."""

    settings: ServiceSettings
    engine: Engine
    storage: Storage
    store: JobStore
    # called with (pipeline, {step: seconds}) after each job render in this process (the API's /metrics
    # sets it for the embedded worker); every job also logs its step timings (``render steps``)
    on_steps: Callable[[str, Mapping[str, float]], None] | None = None

    @classmethod
    def build(cls, settings: ServiceSettings, engine: Engine | None = None) -> Services:
        store = open_job_store(
            settings.job_store_url,
            settings.storage_root,
            pool_size=settings.job_store_pool_size,
            timeout=settings.job_store_timeout,
        )
        return cls(settings, engine or Engine(Settings()), make_storage(settings), store)

    def empty_dir(self) -> Path:
        """Base folder for API designs: relative ``asset`` paths resolve to nothing (use ``asset_id``)."""
        d = self.settings.storage_root / "empty"
        d.mkdir(exist_ok=True)
        return d


def artifact_name(fmt: str) -> str:
    return f"print.{fmt}"


# --- the job function ----------------------------------------------------------------------------------


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


def render_job(svc: Services, job_id: str) -> str:
    """Render one job (idempotent). Returns the final state; raises on transient failures (to retry)."""
    rec = svc.store.start(job_id, svc.settings.lease_seconds)
    if rec is None:
        existing = svc.store.get(job_id)
        state = existing.state if existing else "missing"
        log.info("job already %s; nothing to do", state, extra={"job_id": job_id})
        return state
    log.info("rendering", extra={"job_id": job_id, "attempt": rec.attempt})
    steps: dict[str, dict[str, float]] = {}
    try:
        with _lease(svc, job_id), svc.storage.tmp_dir() as tmp:
            files = _render_all(svc, rec, tmp, steps)
            artifacts = [
                {
                    "name": name,
                    "bytes": path.stat().st_size,
                    "sha256": sha256_file(path),
                    "content_type": CONTENT_TYPES[name.rsplit(".", 1)[1]],
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
        if not isinstance(exc, infrastructure_errors()):
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


@functools.cache
def infrastructure_errors() -> tuple[type[BaseException], ...]:
    """Faults of the machine, not of the job, which a retry can outlive: storage and network I/O (``OSError``,
    which includes connection errors and timeouts), memory, Redis. Together with a :class:`RenderError` of
    status >= 500 (job store unavailable, output not writable) these are the only failures retried; a
    :class:`RenderError` < 500 (bad input, a limit) and anything else fail the job at once."""
    types: list[type[BaseException]] = [OSError, MemoryError]
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError

        types += [RedisConnectionError, RedisTimeoutError]
    except ImportError:
        pass
    return tuple(types)


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
    """Every artifact into ``tmp``; ``steps`` collects step timings per pipeline (``job_prepare``: resolve and
    layout, once per job; ``job_pdf``, ``job_png``: draw and write; ``job_review``: preflight, proof, mockup)."""
    steps = {} if steps is None else steps
    design = parse_design(rec.request["design"], svc.engine.settings)
    outputs = rec.request.get("outputs") or {}
    prepared = StepTimer()
    prep = prepare(design, svc.engine, svc.empty_dir(), timer=prepared, asset_loader=svc.storage.asset_path)
    steps["job_prepare"] = prepared.seconds  # resolve + layout once, drawn by every artifact below
    formats: list[Format] = outputs.get("formats") or [prep.layout.template.output.default_format]
    files: dict[str, Path] = {}
    for fmt in formats:
        name = artifact_name(fmt)
        out = tmp / name
        timer = StepTimer()
        render_prepared(prep, svc.engine, out, fmt=fmt, dpi=outputs.get("dpi"), name=rec.id, timer=timer)
        steps[f"job_{fmt}"] = timer.seconds
        files[name] = out
    review = StepTimer()
    files.update(_review_artifacts(svc, prep, outputs, tmp, review))
    steps["job_review"] = review.seconds
    return files


def _review_artifacts(
    svc: Services, prep: Prepared, outputs: dict[str, Any], tmp: Path, timer: StepTimer | None = None
) -> dict[str, Path]:
    """What the order was checked against, stored with the print files: ``preflight.json`` always,
    ``proof.png`` (the numbered proof image) unless ``outputs.proof`` is false, ``mockup.jpg`` on request."""
    from ..checks.preflight import preflight
    from ..checks.proof import write_proof

    timer = timer or StepTimer()
    with timer.step("preflight"):
        report = preflight(prep, svc.engine)
    files: dict[str, Path] = {}
    path = tmp / "preflight.json"
    path.write_text(json.dumps(report.to_dict(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    files["preflight.json"] = path
    if outputs.get("proof", True):
        with timer.step("proof"):
            write_proof(report, prep, svc.engine, tmp / "proof.png")
        files["proof.png"] = tmp / "proof.png"
    if outputs.get("mockup", False):
        from ..mockup.render import render_mockup

        with timer.step("mockup"):
            (tmp / "mockup.jpg").write_bytes(render_mockup(prep, svc.engine, width=800))
        files["mockup.jpg"] = tmp / "mockup.jpg"
    return files


_services: Services | None = None


def _process_services() -> Services:
    """One warm engine per worker process: the one :func:`run_worker` built (forked work horses inherit it
    with its catalogs loaded), else built from the environment on first use (not at import)."""
    global _services
    if _services is None:
        _services = Services.build(ServiceSettings())
    return _services


def rq_render_job(job_id: str) -> str:
    """The RQ entry point: ``render_engine.farm.worker.rq_render_job`` with one JSON argument."""
    return render_job(_process_services(), job_id)


# --- dispatchers ---------------------------------------------------------------------------------------


class Dispatcher(Protocol):
    def enqueue(self, rec: JobRecord) -> bool: ...
    def rq_status(self, rq_id: str) -> str | None: ...
    def ping(self) -> bool: ...
    def depth(self) -> dict[str, int]: ...
    def farm_steps(self) -> Histograms: ...


def body_hash(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


class RqDispatcher:
    """Enqueue on RQ with explicit options: JSON payload, job id, timeout, retry with backoff, result TTL."""

    def __init__(self, svc: Services, redis_url: str) -> None:
        from redis import Redis
        from rq import Queue
        from rq.serializers import JSONSerializer

        self.svc = svc
        self.redis = Redis.from_url(redis_url)
        names = svc.settings.queue_names
        self.queues = {
            "express": Queue(names[0], connection=self.redis, serializer=JSONSerializer),
            "standard": Queue(names[1], connection=self.redis, serializer=JSONSerializer),
        }
        self._popped: dict[str, float] = {}  # rq id -> when this process first saw it popped but not started
        self.steps = RedisStepSink(self.redis, f"{svc.settings.queue_prefix}metrics:steps")

    def enqueue(self, rec: JobRecord) -> bool:
        from rq import Retry

        s = self.svc.settings
        rq_id = f"{s.queue_prefix}{rec.id}-a{rec.attempt + 1}"
        if not self.svc.store.set_enqueued(rec.id, rq_id, rec.attempt):
            return False  # another API process or reconciler enqueued this attempt
        self.queues[rec.priority].enqueue(
            rq_render_job,
            rec.id,
            job_id=rq_id,
            job_timeout=s.job_timeout,
            retry=Retry(max=len(s.retry_intervals), interval=list(s.retry_intervals)) if s.retry_intervals else None,
            result_ttl=s.result_ttl,
            failure_ttl=max(s.result_ttl, 86400),
            description=f"render {rec.id}",
        )
        return True

    def rq_status(self, rq_id: str) -> str | None:
        from rq.exceptions import NoSuchJobError
        from rq.job import Job
        from rq.serializers import JSONSerializer

        try:
            job = Job.fetch(rq_id, connection=self.redis, serializer=JSONSerializer)
            status = job.get_status(refresh=False)
        except NoSuchJobError:
            return None
        # "queued" but no longer in its queue: a worker popped it, and its work horse has not marked it started
        # yet. Normally that takes the milliseconds of a fork; if it stays so for a whole lease, the worker died
        # in between (RQ never notices that one): lost. Calling it lost at first sight re-ran jobs that were
        # just starting (duplicate renders, attempts burnt: 4 of 50 jobs on a busy 2-core farm, tests/test_worker.py)
        popped = status is not None and status.value == "queued" and job.origin
        if popped and self.redis.lpos(f"rq:queue:{job.origin}", rq_id) is None:
            if len(self._popped) > 10_000:
                self._popped.clear()
            first = self._popped.setdefault(rq_id, time.monotonic())
            return "queued" if time.monotonic() - first < self.svc.settings.lease_seconds else None
        self._popped.pop(rq_id, None)
        # "started" by RQ less than a lease ago: its work horse may not have reached store.start() yet (the
        # record still shows the enqueue time, or the expired lease of the attempt before): "starting"
        if status is not None and status.value == "started" and job.started_at is not None:
            started = job.started_at if job.started_at.tzinfo else job.started_at.replace(tzinfo=UTC)
            if time.time() - started.timestamp() < self.svc.settings.lease_seconds:
                return "starting"
        return str(status.value) if status is not None else None

    def ping(self) -> bool:
        try:
            return bool(self.redis.ping())
        except Exception:
            return False

    def depth(self) -> dict[str, int]:
        return {p: q.count for p, q in self.queues.items()}

    def farm_steps(self) -> Histograms:
        """Every worker's job step timings (their processes add them to Redis: ``step_metrics``)."""
        return self.steps.read()

    @contextlib.contextmanager
    def reconcile_lock(self) -> Iterator[bool]:
        lock = self.redis.lock(f"{self.svc.settings.queue_prefix}reconcile-lock", timeout=60, blocking=False)
        got = bool(lock.acquire(blocking=False))
        try:
            yield got
        finally:
            if got:
                with contextlib.suppress(Exception):
                    lock.release()


class LocalDispatcher:
    """The embedded default (no Redis): render threads in this process, ``express`` before ``standard``."""

    def __init__(self, svc: Services, threads: int = 1) -> None:
        self.svc = svc
        self.q: queue.PriorityQueue[tuple[int, int, str]] = queue.PriorityQueue()
        self._seq = 0
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, name=f"render-{n}", daemon=True) for n in range(threads)]
        self._mine: set[str] = set()  # attempts this process queued; any other in-flight one died with its process
        self._stop = threading.Event()
        self._tries: dict[str, int] = {}  # failed attempts of jobs waiting for their retry

    def start(self) -> None:
        for t in self._threads:
            t.start()
        reconcile(self.svc, self, grace=0.0)
        threading.Thread(target=self._maintain, name="maintenance", daemon=True).start()

    def _maintain(self) -> None:
        while True:
            try:
                maintain(self.svc)
            except Exception:
                log.exception("maintenance pass failed")
            if self._stop.wait(self.svc.settings.reconcile_interval):
                return

    def stop(self) -> None:
        self._stop.set()
        for _ in self._threads:
            self.q.put((99, 0, ""))

    def enqueue(self, rec: JobRecord) -> bool:
        with self._lock:
            self._seq += 1
            seq = self._seq
        if not self.svc.store.set_enqueued(rec.id, f"local-{rec.id}-a{rec.attempt + 1}", rec.attempt):
            return False
        with self._lock:
            self._mine.add(f"local-{rec.id}-a{rec.attempt + 1}")
        self.q.put((0 if rec.priority == "express" else 1, seq, rec.id))
        return True

    def _render_with_timeout(self, job_id: str) -> str:
        """``render_job`` in its own thread, waited on for ``job_timeout`` s. A thread cannot be killed: on
        timeout the job is failed (so the late render can never publish) and the thread is left to finish."""
        box: list[BaseException | str] = []

        def run() -> None:
            try:
                box.append(render_job(self.svc, job_id))
            except BaseException as exc:
                box.append(exc)

        t = threading.Thread(target=run, name=f"job-{job_id[:8]}", daemon=True)
        t.start()
        t.join(self.svc.settings.job_timeout)
        if t.is_alive():
            fail_timed_out(self.svc, job_id)
            return "timeout"
        if isinstance(box[0], BaseException):
            raise box[0]
        return box[0]

    def rq_status(self, rq_id: str) -> str | None:
        """Queued if this process queued it; otherwise the process that did was restarted: lost."""
        with self._lock:
            return "queued" if rq_id in self._mine else None

    def ping(self) -> bool:
        return all(t.is_alive() for t in self._threads)

    def depth(self) -> dict[str, int]:
        return {"local": self.q.qsize()}

    def farm_steps(self) -> Histograms:
        """Nothing: the embedded worker's jobs report to this process's metrics directly (``on_steps``)."""
        return {}

    def _run(self) -> None:
        """Render queued jobs. A failed attempt (only infrastructure faults raise out of ``render_job``) is put
        back on the queue after its backoff by a timer: this thread never sleeps through a backoff, so a job
        that keeps failing holds it for its own attempts only, never for the minutes of their intervals."""
        while not self._stop.is_set():
            _, _, job_id = self.q.get()
            if not job_id:
                return
            try:
                self._render_with_timeout(job_id)  # "timeout" is final as well: no retry
                with self._lock:
                    self._tries.pop(job_id, None)
            except Exception:
                with self._lock:
                    n = self._tries.get(job_id, 0)
                    self._tries[job_id] = n + 1
                delays = self.svc.settings.retry_intervals
                log.warning("render attempt %d failed", n + 1, extra={"job_id": job_id}, exc_info=True)
                if n >= len(delays):
                    with self._lock:
                        self._tries.pop(job_id, None)
                    self._give_up(job_id)
                else:
                    self._later(delays[n], job_id)

    def _later(self, delay: float, job_id: str) -> None:
        """Queue ``job_id`` again in ``delay`` seconds (a daemon timer; nothing after :meth:`stop`)."""

        def requeue() -> None:
            if self._stop.is_set():
                return
            with self._lock:
                self._seq += 1
                seq = self._seq
            self.q.put((1, seq, job_id))

        timer = threading.Timer(delay, requeue)
        timer.daemon = True
        timer.start()

    def _give_up(self, job_id: str) -> None:
        """Record the job as failed after its last attempt. When the job store itself cannot be written (its
        disk full or failing), the job is still in flight in the store: it is queued again after the longest
        retry interval instead of being dropped (and this render thread lives on)."""
        try:
            rec = self.svc.store.get(job_id)
            err = (rec.error if rec else None) or {"code": "internal_error", "message": "render failed"}
            self.svc.store.fail(job_id, err)
        except JobStoreUnavailable:
            wait = max(self.svc.settings.retry_intervals, default=5)
            log.error("job store unavailable; job re-queued in %s s", wait, extra={"job_id": job_id})
            self._later(wait, job_id)


# --- reconciler ----------------------------------------------------------------------------------------


def reconcile(svc: Services, dispatcher: Dispatcher, *, grace: float = RECONCILE_GRACE) -> dict[str, int]:
    """Re-enqueue in-flight jobs that Redis lost or whose worker died; fail those out of attempts."""
    stats = {"requeued": 0, "failed": 0}
    now = time.time()
    for rec in svc.store.in_flight():
        if now - rec.updated_at < grace:
            continue
        status = dispatcher.rq_status(rec.rq_id) if rec.rq_id else None
        lost = status is None
        # an expired lease speaks for the attempt that took it: once the next attempt is enqueued and waits in
        # its queue (behind many jobs, it may wait for longer than a lease), it is no news. Without this, a
        # 50-job farm re-enqueued a SIGKILLed job on every pass until it ran out of attempts (tests/test_worker.py)
        waiting = status in ("queued", "deferred", "scheduled", "starting")
        died = rec.state == "rendering" and rec.lease_until is not None and rec.lease_until < now and not waiting
        # RQ started it but it never reached store.start() (normally milliseconds) for a whole lease: its
        # worker died between dequeue and start, and RQ itself notices only after job_timeout + 60 s. (RQ's
        # start time, not the record's: the record was last touched at enqueue, maybe long before; judging by
        # that re-ran jobs just starting on a busy 50-job farm, tests/test_worker.py)
        stalled = rec.state == "queued" and status == "started" and now - rec.updated_at > svc.settings.lease_seconds
        died = died or stalled
        gave_up = status in ("failed", "stopped", "canceled")
        if gave_up and not died and not _infrastructure_failure(rec):
            err = rec.error or {"code": "internal_error", "message": "render failed after retries", "field": None}
            svc.store.fail(rec.id, err)
            stats["failed"] += 1
        elif lost or died or gave_up:
            if rec.attempt >= svc.settings.max_attempts:
                svc.store.fail(
                    rec.id,
                    {"code": "internal_error", "message": f"gave up after {rec.attempt} attempts", "field": None},
                )
                stats["failed"] += 1
            elif dispatcher.enqueue(rec):
                log.warning("re-enqueued job (%s)", "lost" if lost else "worker died", extra={"job_id": rec.id})
                stats["requeued"] += 1
    return stats


PURGE_BATCH = 500  # jobs deleted per maintenance pass at most (a pass stays short; the next one goes on)


StoreGuard = Callable[[], contextlib.AbstractContextManager[Any]]
"""Held around job-store calls only (the RQ worker's fork guard), never around storage I/O."""


def purge_expired(svc: Services, now: float | None = None, guard: StoreGuard = contextlib.nullcontext) -> int:
    """Delete jobs past ``retention_days`` (acknowledged or failed): files first, then the record, so a
    crash in between leaves a record whose files are gone (deleted again next pass), never files nobody
    references. Returns how many jobs were deleted."""
    days = svc.settings.retention_days
    if days <= 0:
        return 0
    before = (time.time() if now is None else now) - days * 86400
    n = 0
    with guard():
        expired = svc.store.expired(before, PURGE_BATCH)
    for job_id in expired:
        svc.storage.discard(job_id)
        with guard():
            n += svc.store.delete(job_id)
    if n:
        log.info("deleted %d jobs past their %g-day retention", n, days)
    return n


def collect_assets(svc: Services, now: float | None = None, guard: StoreGuard = contextlib.nullcontext) -> int:
    """Delete uploaded assets not uploaded again for ``asset_retention_days`` that no job in the store uses
    (jobs keep theirs until retention deletes the job). Each check-and-delete holds the asset's lock in the
    job store, which job creation shares, so no job is accepted for an asset being deleted."""
    days = svc.settings.asset_retention_days
    if days <= 0:
        return 0
    before = (time.time() if now is None else now) - days * 86400
    n = 0
    for asset_id in svc.storage.old_assets(before, PURGE_BATCH):
        delete = functools.partial(svc.storage.delete_asset, asset_id, before)
        with guard():  # the delete happens inside the store's transaction: it holds the asset's lock
            n += svc.store.delete_asset_if_unused(asset_id, delete)
    if n:
        log.info("deleted %d unused assets older than %g days", n, days)
    return n


ASSET_GC_EVERY = 3600.0
"""Seconds between two asset collections in one process: listing every asset (a bucket page by page) is
the expensive part, and a day-scale retention does not need it every reconciler pass."""
_last_asset_gc = 0.0


def maintain(svc: Services, guard: StoreGuard = contextlib.nullcontext) -> None:
    """Housekeeping after every reconciler pass (and in the embedded worker's maintenance thread): temp
    folders of dead renders, jobs past their retention, and (hourly) assets no job uses any more."""
    global _last_asset_gc
    svc.storage.sweep_tmp(older_than=svc.settings.job_timeout + svc.settings.lease_seconds)
    purge_expired(svc, guard=guard)
    if time.monotonic() - _last_asset_gc >= ASSET_GC_EVERY or _last_asset_gc == 0.0:
        _last_asset_gc = time.monotonic()
        collect_assets(svc, guard=guard)


TRANSIENT_CODES = frozenset({"storage_error", "job_store_unavailable", "job_store_full"})


def _infrastructure_failure(rec: JobRecord) -> bool:
    """RQ gave up on this job because of our infrastructure, not its design or a bug: the storage failed
    (recorded as ``storage_error``), or nothing could be recorded at all (``error`` is empty: the job store
    itself was down during every retry). Such a job is enqueued again (while attempts remain) instead of
    failing: a database outage longer than RQ's retries must not fail the orders accepted before it."""
    return rec.error is None or rec.error.get("code") in TRANSIENT_CODES


def reconcile_rq(
    svc: Services, dispatcher: RqDispatcher, guard: StoreGuard = contextlib.nullcontext
) -> dict[str, int] | None:
    """One farm-wide pass (under a Redis lock): the reconciler, then maintenance. ``guard`` is held around
    the job-store calls only, so storage I/O (S3 deletes, sweeps) never holds up RQ's forks."""
    with dispatcher.reconcile_lock() as got:
        if not got:
            return None
        with guard():
            stats = reconcile(svc, dispatcher)
        maintain(svc, guard)
        return stats


# --- the RQ worker -------------------------------------------------------------------------------------


_fork_guard = threading.Lock()


@functools.cache
def _install_fork_guard() -> None:
    """Make ``fork()`` wait for the reconciler thread to finish its pass (once per process).

    RQ forks a work horse per job from the process whose reconciler thread uses SQLite; a fork while that
    thread holds one of SQLite's internal mutexes leaves the mutex locked forever in the child, which then
    hangs in its first ``sqlite3.connect`` — measured: a horse stuck holding the job store, every other
    writer failing with "database is locked" (tests/test_faults.py, Redis restart and repeated SIGKILLs).
    """
    os.register_at_fork(
        before=_fork_guard.acquire, after_in_parent=_fork_guard.release, after_in_child=_fork_guard.release
    )


WARM_MODULES = (
    "render_engine.checks.preflight",
    "render_engine.checks.color",
    "render_engine.checks.proof",
    "render_engine.backends.pdf",
    "render_engine.mockup.render",
    "cv2",
    "pikepdf",
    "PIL.PngImagePlugin",
    "PIL.JpegImagePlugin",
)


def warm_up(svc: Services) -> None:
    """Load, once in the worker process, what every job would otherwise load again in each fresh work horse
    (RQ forks one per job; the horses inherit all of this): the template, font and ICC catalogs, the
    modules a job imports, every font file (HarfBuzz faces) and the preflight colour check's littleCMS
    transforms per output profile (~45 ms each).

    Nothing here may run a libvips operation: a process forked after libvips started its worker threads
    waits forever for threads it does not have (seen: a horse stuck in ``g_cond_wait`` in its first resize
    after the parent had rendered a job). libvips' own start-up therefore stays in each horse.
    """
    import importlib

    from ..checks.color import color_transforms

    engine = svc.engine
    for mod in WARM_MODULES:
        importlib.import_module(mod)
    fonts = engine.fonts
    for fam in fonts.families.values():
        for style in fam.styles:
            fonts.face_for(fam.id, style.weight, style.style).hb_font  # noqa: B018 - reads and parses the file
    srgb = engine.icc.profiles.get("srgb")
    for template in engine.templates.templates.values():
        profile = engine.icc.cmyk_profile(template.output.icc_profile)
        profile.deflated  # noqa: B018 - the PDF output intent's embedded profile
        color_transforms(str(srgb.path) if srgb else "", str(profile.path))


def run_worker(
    settings: ServiceSettings, *, burst: bool = False, name: str | None = None, logging_level: str = "INFO"
) -> bool:
    """``render-engine worker``: an RQ worker on ``express`` then ``standard``, plus a reconciler thread.

    The reconciler runs at start and every ``reconcile_interval`` seconds (a Redis lock makes one pass at a
    time farm-wide). It is a thread rather than an RQ maintenance hook because an idle RQ worker blocks in
    BLPOP for ``worker_ttl - 15`` seconds between maintenance passes.
    """
    from rq import SimpleWorker, Worker
    from rq.serializers import JSONSerializer

    if not settings.redis_url:
        raise SystemExit("render-engine worker needs REDIS_URL (without it, `render-engine serve` renders in-process)")
    global _services
    svc = _services = Services.build(settings)
    dispatcher = RqDispatcher(svc, settings.redis_url)
    svc.on_steps = dispatcher.steps.observe  # job step timings to the farm's histograms (the API's /metrics)
    warm_up(svc)

    stop = threading.Event()
    _install_fork_guard()

    def reconciler() -> None:
        # its own Redis client: nothing shared with the work horses RQ forks from this process
        own = RqDispatcher(svc, settings.redis_url or "")
        while not stop.wait(settings.reconcile_interval):
            try:
                # RQ cannot fork a work horse while this thread is inside the job store (SQLite's mutexes)
                reconcile_rq(svc, own, lambda: _fork_guard)
            except Exception:
                log.exception("reconciler pass failed")

    reconcile_rq(svc, dispatcher)
    threading.Thread(target=reconciler, name="reconciler", daemon=True).start()
    worker_cls = Worker if settings.worker_fork else SimpleWorker
    worker = worker_cls(
        list(dispatcher.queues.values()),
        connection=dispatcher.redis,
        serializer=JSONSerializer,
        name=name,
        job_monitoring_interval=settings.job_monitoring_interval,
        maintenance_interval=settings.maintenance_interval,
        default_result_ttl=settings.result_ttl,
    )
    try:
        return bool(worker.work(burst=burst, with_scheduler=True, logging_level=logging_level))
    finally:
        stop.set()
