"""The validator of large batches (issue #19): a thread in every API process that checks the rows of
batches stored ``validating`` by ``POST /v1/batches`` (over ``batch_sync_rows`` rows) off the request.

It claims one intake at a time under a lease (:meth:`~render_engine.farm.store_intake.IntakeStore.claim_intake`),
admits its rows in chunks of :data:`CHUNK` exactly as ``POST /v1/jobs`` admits a job
(:func:`api.batch_rows.admit_row`), writing each chunk's results and renewing the lease in one transaction.
When every row is checked: problems and no ``skip_invalid`` -> the batch is ``invalid`` with every problem
(``rows[n].slots.x``), nothing rendered; otherwise the batch and one job per valid row are created in one
transaction and the queued jobs enqueued (a crash before that: the reconciler enqueues them, as any job).

A process killed mid-validation leaves its lease to expire (``lease_seconds``); the next claim, by any API
process (each looks every ``reconcile_interval``, and at once when a batch is posted to it), goes on from the
first unchecked row.

Render workers validate too: ``render-engine worker`` starts ``render-engine batch-validator`` (:func:`run_standalone`,
a child process with its own services; ``worker_batch_validator``), which claims intakes under the same lease, so
a farm whose API processes are busy or restarting still turns stored batches into jobs. A child rather than a
thread of the worker: admitting a row runs libvips and preflight, and RQ forks a work horse per job from the
worker process (a fork after libvips started its threads hangs the horse, see ``farm/worker.warm_up``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from render_engine.farm.settings import ApiKey, ServiceSettings
from render_engine.farm.store_batches import BatchJob
from render_engine.farm.store_intake import Intake, RowResult
from render_engine.model.deadline import DeadlinePassed, deadline
from render_engine.model.errors import RenderError, TemplateError
from render_engine.personalization import catalog

from .batch_rows import admit_row, problem
from .deps import AppState
from .door import assets_stored
from .schemas import BatchRequest

log = logging.getLogger(__name__)

CHUNK = 50  # rows per transaction (and lease renewal)


def _job_fields(job: BatchJob) -> dict[str, Any]:
    return {"request": job.request, "body_hash": job.body_hash, "state": job.state, "print_unit": job.print_unit,
            "due_by": job.due_by, "event": job.event}  # fmt: skip


class BatchValidator:
    """See the module docstring. :meth:`run_once` validates one intake to its end (tests call it directly)."""

    def __init__(self, state: AppState) -> None:
        self.state = state
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.row_seconds: list[float] = []  # CPU seconds per row checked by this process (the last 10 000)

    def start(self) -> None:
        self._thread = threading.Thread(target=self.serve, name="batch-validator", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    def serve(self, alive: Callable[[], bool] | None = None) -> None:
        """Validate batch after batch; between them wait ``reconcile_interval`` or a :meth:`wake` (until
        :meth:`stop`, or ``alive()`` says false)."""
        interval = self.state.services.settings.reconcile_interval
        while not self._stop.is_set() and (alive is None or alive()):
            try:
                busy = self.run_once() is not None
            except Exception:
                log.exception("batch validation pass failed")
                busy = False
            if not busy:
                self._wake.wait(interval)
                self._wake.clear()

    def run_once(self) -> str | None:
        """Claim one intake whose lease is free and validate it to the end; its id, or None when none waits."""
        svc = self.state.services
        lease = svc.settings.lease_seconds
        intake = svc.store.claim_intake(lease)
        if intake is None:
            return None
        log.info("validating batch", extra={"batch_id": intake.id, "rows": intake.total, "checked": intake.checked})
        try:
            self._validate(intake, lease)
        except (RenderError, TemplateError) as exc:  # the template or the key is gone: the batch cannot be made
            svc.store.reject_intake(intake.id, [{"row": 0, "problems": [{"code": exc.code, "message": str(exc),
                                                                         "field": exc.field or "rows"}]}])  # fmt: skip
        except ValidationError as exc:  # stored by another version whose request this one no longer reads
            message = f"the stored batch request is not valid any more ({exc.error_count()} problems)"
            problem = {"code": "invalid_request", "message": message, "field": "rows"}
            svc.store.reject_intake(intake.id, [{"row": 0, "problems": [problem]}])
        return intake.id

    def _validate(self, intake: Intake, lease: float) -> None:
        svc = self.state.services
        spec = intake.spec
        body = BatchRequest.model_validate(spec["body"])
        template = catalog().get(body.design_template)
        key = next((k for k in self.state.keys if k.name == intake.owner), None)
        if key is None:
            raise RenderError("the API key that posted this batch is no longer configured", field="rows")
        approved = spec.get("approved")
        row_timeout = svc.settings.preview_timeout
        while rows := svc.store.unchecked_rows(intake.id, CHUNK):
            results = []
            for n, row in rows:
                c0 = time.process_time()
                try:
                    with deadline(row_timeout):
                        job, found = admit_row(self.state, body, template, key, n, row, approved)
                except DeadlinePassed:
                    job, found = None, [problem(n, None, f"checking this row took longer than {row_timeout:g} s",
                                                "limit_exceeded")]  # fmt: skip
                self.row_seconds.append(time.process_time() - c0)
                results.append(RowResult(n, _job_fields(job) if job is not None else None, found or None))
            del self.row_seconds[:-10_000]
            svc.store.record_rows(intake.id, results, lease)
            if self._stop.is_set():
                return  # the lease runs out; another process (or this one restarted) goes on
        problems = svc.store.row_problems(intake.id)
        valid = intake.total - len(problems)
        if (problems and not body.skip_invalid) or valid == 0:
            if svc.store.reject_intake(intake.id, problems):
                log.info("batch invalid", extra={"batch_id": intake.id, "rows_invalid": len(problems)})
                self._notify_invalid(intake, len(problems))
            return
        try:
            ids = svc.store.accept_intake(intake.id, problems, body.priority, check_assets=assets_stored(svc, {}))
        except RenderError as exc:  # an asset deleted since its row was checked
            svc.store.reject_intake(intake.id, [{"row": 0, "problems": [{"code": exc.code, "message": str(exc),
                                                                         "field": "photos"}]}])  # fmt: skip
            return
        if ids is None:
            return  # another validator finished it
        after = 0
        while page := svc.store.batch_jobs(intake.id, after=after, limit=CHUNK):  # a page in memory at a time
            after = page[-1].batch_row
            for rec in page:
                if rec.state != "queued":
                    continue
                try:
                    self.state.dispatcher.enqueue(rec)
                except Exception:  # durable: the reconciler enqueues it when Redis is back
                    log.warning("enqueue failed; left to the reconciler", extra={"job_id": rec.id}, exc_info=True)
        log.info("batch accepted", extra={"batch_id": intake.id, "jobs": len(ids), "skipped": len(problems)})

    def _notify_invalid(self, intake: Intake, invalid: int) -> None:
        """The batch's webhook (if it has one) says it is invalid: nothing will print."""
        svc = self.state.services
        url = intake.summary.get("webhook_url")
        if not url or not svc.store.claim_batch_notice(intake.id):
            return
        from render_engine.farm.webhooks import deliver

        payload = {"batch_id": intake.id, "state": "invalid", "counts": {"invalid": invalid}, "rows": intake.total,
                   "url": f"/v1/batches/{intake.id}"}  # fmt: skip
        with contextlib.suppress(Exception):
            deliver(svc.settings, str(url), payload)


def worker_keys(settings: ServiceSettings) -> tuple[ApiKey, ...]:
    """The keys a validator outside the API knows an intake's owner by: the configured ones, and the demo page's
    storefront key when the API runs one (its name is what an intake records; its secret is never used here)."""
    from .routes.demo import DEMO_KEY_NAME

    keys = settings.keys()
    if settings.demo_key or not keys:
        keys += (ApiKey(DEMO_KEY_NAME, "-", frozenset({"storefront"})),)
    return keys


def run_standalone(settings: ServiceSettings, parent: int | None = None) -> int:
    """``render-engine batch-validator``: this process's own services and an RQ dispatcher, then the validator
    loop until SIGTERM / SIGINT or until ``parent`` (the worker that started it) is gone. A batch being checked
    when it stops keeps its lease until it expires; then any validator goes on from its first unchecked row."""
    from render_engine.farm.dispatch import RqDispatcher
    from render_engine.farm.services import Services

    if not settings.redis_url:
        log.error("render-engine batch-validator needs REDIS_URL (the jobs it creates go to the farm's queues)")
        return 2
    svc = Services.build(settings)
    state = AppState(svc, RqDispatcher(svc, settings.redis_url), worker_keys(settings))
    validator = BatchValidator(state)
    state.validator = validator
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: validator.stop())
    log.info("batch validator started", extra={"parent": parent})
    if parent:
        with contextlib.suppress(OSError, AttributeError):  # Linux: SIGTERM here when the worker dies
            import ctypes

            ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    validator.serve(alive=(lambda: os.getppid() == parent) if parent else None)
    return 0
