"""Dispatchers: how an accepted job reaches a worker — :class:`RqDispatcher` (RQ queues on Redis, same_day,
express and standard, JSON payloads, explicit ``job_timeout`` / ``retry`` / ``job_id``) or
:class:`LocalDispatcher` (an embedded thread in the API process when there is no Redis)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import queue
import threading
import time
from collections.abc import Iterator
from datetime import UTC
from typing import Any

from .jobs import Taken, fail_timed_out, notify, render_job, rq_render_job
from .maintenance import maintain, reconcile
from .services import Services
from .step_metrics import Histograms, RedisStepSink
from .store import JobRecord, JobStoreUnavailable
from .store_orders import PRIORITIES

log = logging.getLogger(__name__)


def body_hash(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


class RqDispatcher:
    """Enqueue on RQ with explicit options: JSON payload, job id, timeout, retry with backoff, result TTL."""

    def __init__(self, svc: Services, redis_url: str) -> None:
        from redis import Redis
        from rq.serializers import JSONSerializer

        from .taking import stamped_queue_class

        self.svc = svc
        self.redis = Redis.from_url(redis_url)
        names = svc.settings.queue_names
        # pushes and takes stamped inside Redis (.taking): the take script pops in this order
        self.queue_class = stamped_queue_class(svc.settings.queue_prefix)
        self.queues = {  # highest priority first (a worker polls them in this order)
            p: self.queue_class(name, connection=self.redis, serializer=JSONSerializer)
            for p, name in zip(PRIORITIES, names, strict=True)
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
        # just starting (duplicate renders, attempts burnt: 4 of 50 jobs on a busy 2-core farm: tests/farm/test_worker)
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
    """The embedded default (no Redis): render threads in this process, ``same_day``, then ``express``, before
    ``standard``."""

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
        self.q.put((PRIORITIES.index(rec.priority), seq, rec.id))
        return True

    def _render_with_timeout(self, job_id: str, taken: Taken | None = None) -> str:
        """``render_job`` in its own thread, waited on for ``job_timeout`` s. A thread cannot be killed: on
        timeout the job is failed (so the late render can never publish) and the thread is left to finish."""
        box: list[BaseException | str] = []

        def run() -> None:
            try:
                box.append(render_job(self.svc, job_id, taken))
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
            rank, _, job_id = self.q.get()
            if not job_id:
                return
            taken = Taken(job_id, time.time(), threading.current_thread().name, PRIORITIES[rank])
            try:
                self._render_with_timeout(job_id, taken)  # "timeout" is final as well: no retry
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
            notify(self.svc, job_id)  # the job's webhook, and its batch's if this was the last row
        except JobStoreUnavailable:
            wait = max(self.svc.settings.retry_intervals, default=5)
            log.error("job store unavailable; job re-queued in %s s", wait, extra={"job_id": job_id})
            self._later(wait, job_id)
