"""The job store's batches (a mixin of :class:`~render_engine.farm.store.JobStore`, same SQL contract on SQLite
and PostgreSQL): a bulk order — one design template × rows — recorded with one job per accepted row.

Tables and columns (added to older stores on open):

* ``batches``: the batch (``id``, ``owner``, ``idem_key`` unique per API key, ``body_hash``, ``created_at``,
  ``request``: the template, product, outputs and every row's job id, ``skipped``: rows left out with their
  problems);
* ``jobs.batch_id`` / ``jobs.batch_row``: the batch a job belongs to and its row (1-based, the rows' order);
* ``batch_notices``: the batch whose completion webhook was claimed (one row per batch: the first worker to
  see every row final inserts it and delivers; any other finds it there and does not).

Retention: a batch record goes once every one of its jobs has (:meth:`BatchStore.expired_batches`).

A batch and all its jobs are written in one transaction (:meth:`BatchStore.create_batch`): either every row's
job is durable or none is, so a crash between validating and answering leaves no half batch, and the
reconciler enqueues whatever Redis lost, row by row, like any job. Batch jobs are ordinary jobs: the worker,
retries, the print queue, retention and webhooks treat them as any other.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .store_base import IdempotencyConflict, StoreCore, asset_refs

BATCH_COLUMNS = (("batch_id", "TEXT"), ("batch_row", "INTEGER"))
BATCHES_TABLE = (
    "CREATE TABLE IF NOT EXISTS batches (id TEXT PRIMARY KEY, owner TEXT NOT NULL, idem_key TEXT UNIQUE,"
    " body_hash TEXT NOT NULL, created_at {real} NOT NULL, request TEXT NOT NULL, skipped TEXT NOT NULL)"
)
BATCH_INDEX = "CREATE INDEX IF NOT EXISTS jobs_batch ON jobs (batch_id, batch_row)"
NOTICES_TABLE = "CREATE TABLE IF NOT EXISTS batch_notices (batch_id TEXT PRIMARY KEY, at {real} NOT NULL)"
FINAL = frozenset({"ready", "failed"})


def batch_schema(real: str, existing: set[str]) -> list[str]:
    """Statements that bring a store up to the batch schema; ``existing``: the ``jobs`` columns already there."""
    out = [f"ALTER TABLE jobs ADD COLUMN {n} {t}" for n, t in BATCH_COLUMNS if n not in existing]
    return [*out, BATCHES_TABLE.format(real=real), BATCH_INDEX, NOTICES_TABLE.format(real=real)]


def batch_state(counts: dict[str, int]) -> str:
    """A batch's state from its jobs' counts per state: rendering while any is queued or rendering, held while
    any waits for review, then ready (none failed), failed (none ready) or partial."""
    if counts.get("queued") or counts.get("rendering"):
        return "rendering"
    if counts.get("held"):
        return "held"
    if not counts.get("failed"):
        return "ready"
    return "failed" if not counts.get("ready") else "partial"


@dataclass
class BatchRecord:
    id: str
    owner: str
    created_at: float
    request: dict[str, Any]  # design_template, product, outputs, priority, rows, jobs: [[row, job_id], ...]
    skipped: list[dict[str, Any]] = field(default_factory=list)  # [{row, problems: [{field, message, code}]}]

    @property
    def job_ids(self) -> list[tuple[int, str]]:
        """(row, job id) of every accepted row, in row order."""
        return [(int(r), str(j)) for r, j in self.request.get("jobs", [])]

    @classmethod
    def from_row(cls, row: Any) -> BatchRecord:
        return cls(
            id=row["id"],
            owner=row["owner"],
            created_at=row["created_at"],
            request=json.loads(row["request"]),
            skipped=json.loads(row["skipped"]),
        )


@dataclass(frozen=True)
class BatchJobState:
    """What a batch's status and zip need of one row's job (:meth:`BatchStore.batch_job_states`)."""

    id: str
    row: int
    state: str
    artifacts: list[dict[str, Any]]
    error: dict[str, Any] | None


@dataclass(frozen=True)
class BatchJob:
    """One accepted row as the store writes it (the fields :meth:`JobStore.create` takes for a job)."""

    row: int
    request: dict[str, Any]
    body_hash: str
    state: str = "queued"
    print_unit: str | None = None
    due_by: float | None = None
    event: dict[str, Any] = field(default_factory=dict)


class BatchStore(StoreCore):
    """Batch operations of the job store (see the module docstring); what they use of the store is
    :class:`~.store_base.StoreCore`."""

    def create_batch(
        self,
        request: dict[str, Any],
        jobs: list[BatchJob],
        skipped: list[dict[str, Any]],
        priority: str,
        owner: str,
        body_hash: str,
        idem_key: str | None,
        check_assets: Callable[[list[str]], None] | None = None,
    ) -> tuple[BatchRecord, bool]:
        """Insert the batch and one job per row in one transaction; returns (batch, created). The same
        ``idem_key`` with the same ``body_hash`` -> the existing batch; with another: ``IdempotencyConflict``."""
        now = time.time()
        with self._conn(immediate=True) as c:
            if idem_key is not None:
                self._lock_idem(c, f"batch:{idem_key}")
                row = c.execute("SELECT * FROM batches WHERE idem_key = ?", (idem_key,)).fetchone()
                if row is not None:
                    if row["body_hash"] != body_hash:
                        raise IdempotencyConflict
                    return BatchRecord.from_row(row), False
            self.lock_assets(c, sorted({a for job in jobs for a in asset_refs(job.request)}), check_assets)
            batch_id = uuid.uuid4().hex
            ids: list[list[Any]] = []
            for job in jobs:
                job_id = self._insert_job(
                    c, job.request, priority, owner, job.body_hash, state=job.state, print_unit=job.print_unit,
                    due_by=job.due_by, event={**job.event, "batch": {"id": batch_id, "row": job.row}}, now=now,
                    batch=(batch_id, job.row),
                )  # fmt: skip
                ids.append([job.row, job_id])
            stored = {**request, "jobs": ids}
            c.execute(
                "INSERT INTO batches (id, owner, idem_key, body_hash, created_at, request, skipped)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (batch_id, owner, idem_key, body_hash, now, json.dumps(stored), json.dumps(skipped)),
            )
            row = c.execute("SELECT * FROM batches WHERE id = ?", (batch_id,)).fetchone()
        return BatchRecord.from_row(row), True

    def get_batch(self, batch_id: str) -> BatchRecord | None:
        with self._conn() as c:
            row = c.execute("SELECT * FROM batches WHERE id = ?", (batch_id,)).fetchone()
        return BatchRecord.from_row(row) if row else None

    def find_batch_idem(self, idem_key: str) -> tuple[BatchRecord, str] | None:
        """The batch created with this idempotency key, and its body hash."""
        with self._conn() as c:
            row = c.execute("SELECT * FROM batches WHERE idem_key = ?", (idem_key,)).fetchone()
        return (BatchRecord.from_row(row), row["body_hash"]) if row else None

    def batch_counts(self, batch_id: str) -> dict[str, int]:
        """How many of the batch's jobs (still in the store) are in each state (one indexed query)."""
        with self._conn() as c:
            rows = c.execute(
                "SELECT state, COUNT(*) AS n FROM jobs WHERE batch_id = ? GROUP BY state", (batch_id,)
            ).fetchall()
        return {r["state"]: int(r["n"]) for r in rows}

    def claim_batch_notice(self, batch_id: str) -> bool:
        """True for the one caller that records the batch's completion notice first (it delivers the webhook)."""
        with self._conn(immediate=True) as c:
            cur = c.execute(
                "INSERT INTO batch_notices (batch_id, at) VALUES (?, ?) ON CONFLICT DO NOTHING", (batch_id, time.time())
            )
            return bool(cur.rowcount == 1)

    def expired_batches(self, before: float, limit: int) -> list[str]:
        """Batches created before ``before`` none of whose jobs is left (retention deleted them all)."""
        with self._conn() as c:
            rows = c.execute(
                "SELECT id FROM batches b WHERE created_at < ? AND NOT EXISTS"
                " (SELECT 1 FROM jobs j WHERE j.batch_id = b.id) ORDER BY created_at, id LIMIT ?",
                (before, limit),
            ).fetchall()
        return [r["id"] for r in rows]

    def delete_batch(self, batch_id: str) -> bool:
        """Remove a batch record whose jobs are all gone (its idempotency key becomes free); False otherwise."""
        with self._conn(immediate=True) as c:
            if c.execute("SELECT 1 FROM jobs WHERE batch_id = ? LIMIT 1", (batch_id,)).fetchone() is not None:
                return False
            cur = c.execute("DELETE FROM batches WHERE id = ?", (batch_id,))
            c.execute("DELETE FROM batch_notices WHERE batch_id = ?", (batch_id,))
            return bool(cur.rowcount == 1)

    def batch_jobs(self, batch_id: str, after: int = 0, limit: int | None = None) -> list[Any]:
        """The batch's jobs still in the store (``JobRecord``), in row order (retention may have deleted some);
        ``after`` / ``limit``: a page of them (rows after that row number)."""
        page = " LIMIT ?" if limit is not None else ""
        args: tuple[Any, ...] = (batch_id, after, limit) if limit is not None else (batch_id, after)
        with self._conn() as c:
            rows = c.execute(
                f"SELECT * FROM jobs WHERE batch_id = ? AND batch_row > ? ORDER BY batch_row{page}", args
            ).fetchall()
        return [self._job_from_row(r) for r in rows]

    def batch_job_states(self, batch_id: str) -> list[BatchJobState]:
        """Each of the batch's jobs still in the store as its state, files and error only (no request: a
        10 000-row batch's designs and preflight reports are ~200 MB of JSON), in row order."""
        with self._conn() as c:
            rows = c.execute(
                "SELECT id, batch_row, state, artifacts, error FROM jobs WHERE batch_id = ? ORDER BY batch_row",
                (batch_id,),
            ).fetchall()
        return [
            BatchJobState(r["id"], int(r["batch_row"]), r["state"], json.loads(r["artifacts"]),
                          json.loads(r["error"]) if r["error"] else None)
            for r in rows
        ]  # fmt: skip
