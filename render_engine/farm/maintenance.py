"""Reconciler and maintenance: :func:`reconcile` re-enqueues accepted jobs Redis lost (flush, restart without
persistence) and jobs whose worker died mid-render (lease expired), under a Redis lock so several workers do
not race; :func:`maintain` runs after each reconciler pass: temp folders of dead renders, job retention
(:func:`purge_expired`), asset retention (:func:`collect_assets`), re-routing of jobs whose print unit is
off, gone or over capacity (:func:`reroute_pass`, :mod:`.rerouting`). Storage I/O runs outside the RQ worker's
fork guard; only job-store calls are inside it."""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from collections.abc import Callable
from typing import Any

from .rerouting import rebalance, registry_file
from .services import Dispatcher, Services
from .store import JobRecord

log = logging.getLogger(__name__)

RECONCILE_GRACE = 2.0  # seconds: a record touched this recently may still be on its way into Redis


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
        # 50-job farm re-enqueued a SIGKILLed job on every pass until it ran out of attempts (tests/farm/test_worker.py)
        waiting = status in ("queued", "deferred", "scheduled", "starting")
        died = rec.state == "rendering" and rec.lease_until is not None and rec.lease_until < now and not waiting
        # RQ started it but it never reached store.start() (normally milliseconds) for a whole lease: its
        # worker died between dequeue and start, and RQ itself notices only after job_timeout + 60 s. (RQ's
        # start time, not the record's: the record was last touched at enqueue, maybe long before; judging by
        # that re-ran jobs just starting on a busy 50-job farm, tests/farm/test_worker.py)
        stalled = rec.state == "queued" and status == "started" and now - rec.updated_at > svc.settings.lease_seconds
        died = died or stalled
        gave_up = status in ("failed", "stopped", "canceled")
        if gave_up and not died and not _infrastructure_failure(rec):
            err = rec.error or {"code": "internal_error", "message": "render failed after retries", "field": None}
            svc.store.fail(rec.id, err)
            stats["failed"] += 1
            _batch_final(svc, rec)
        elif lost or died or gave_up:
            if rec.attempt >= svc.settings.max_attempts:
                svc.store.fail(
                    rec.id,
                    {"code": "internal_error", "message": f"gave up after {rec.attempt} attempts", "field": None},
                )
                stats["failed"] += 1
                _batch_final(svc, rec)
            elif dispatcher.enqueue(rec):
                log.warning("re-enqueued job (%s)", "lost" if lost else "worker died", extra={"job_id": rec.id})
                stats["requeued"] += 1
    return stats


def _batch_final(svc: Services, rec: JobRecord) -> None:
    """The webhooks of a job the reconciler failed (a dead worker's, out of attempts): the job's own, and, for
    a batch's row, the batch's when this was its last row to become final (once per batch, whoever gets
    there first: a worker finishing a row, or this)."""
    from .jobs import notify

    try:
        notify(svc, rec.id)
    except Exception:  # the job is failed all the same; a webhook is not worth a reconciler pass
        log.warning("webhook after a reconciler failure failed", extra={"job_id": rec.id}, exc_info=True)


PURGE_BATCH = 500  # jobs deleted per maintenance pass at most (a pass stays short; the next one goes on)


StoreGuard = Callable[[], contextlib.AbstractContextManager[Any]]
"""Held around job-store calls only (the RQ worker's fork guard), never around storage I/O."""


def purge_expired(svc: Services, now: float | None = None, guard: StoreGuard = contextlib.nullcontext) -> int:
    """Delete jobs past ``retention_days`` (acknowledged or failed), gang sheets / rolls made that long ago,
    and batches created that long ago whose jobs are all gone: files first, then the record, so a crash in
    between leaves a record whose files are gone (deleted again next pass), never files nobody references.
    Returns how many jobs, sheets and batches were deleted."""
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
    with guard():
        sheets = svc.store.expired_sheets(before, PURGE_BATCH)
    for sheet_id in sheets:  # gang sheets and rolls: files first, then the record, like jobs
        svc.storage.discard(sheet_id)
        with guard():
            n += svc.store.delete_sheet(sheet_id)
    with guard():  # a batch goes with its last job (its rows' files went with the jobs), its zip first
        batches = svc.store.expired_batches(before, PURGE_BATCH)
    for batch_id in batches:
        svc.storage.discard(f"batch-{batch_id}")
        with guard():
            n += svc.store.delete_batch(batch_id)
    with guard():  # batches found invalid, and the intake records of batches gone
        for batch_id in svc.store.expired_intakes(before, PURGE_BATCH):
            n += svc.store.delete_intake(batch_id)
    if n:
        log.info("deleted %d jobs and sheets past their %g-day retention", n, days)
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
    reroute_pass(svc, guard=guard)
    if time.monotonic() - _last_asset_gc >= ASSET_GC_EVERY or _last_asset_gc == 0.0:
        _last_asset_gc = time.monotonic()
        collect_assets(svc, guard=guard)


def reroute_pass(svc: Services, guard: StoreGuard = contextlib.nullcontext) -> dict[str, int]:
    """Re-route jobs of print units switched off, gone or over capacity (:func:`.rerouting.rebalance`), with
    due dates from the new unit's calendar. Nothing without a registry (``print_units``)."""
    if svc.settings.print_units is None:
        return {}
    registry = registry_file(svc.settings.print_units).get()
    with guard():
        return rebalance(svc.store, registry)


TRANSIENT_CODES = frozenset({"storage_error", "job_store_unavailable", "job_store_full"})


def _infrastructure_failure(rec: JobRecord) -> bool:
    """RQ gave up on this job because of our infrastructure, not its design or a bug: the storage failed
    (recorded as ``storage_error``), or nothing could be recorded at all (``error`` is empty: the job store
    itself was down during every retry). Such a job is enqueued again (while attempts remain) instead of
    failing: a database outage longer than RQ's retries must not fail the orders accepted before it."""
    return rec.error is None or rec.error.get("code") in TRANSIENT_CODES
