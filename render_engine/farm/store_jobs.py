"""The job store's operations, written once in portable SQL (:class:`JobStore`): create under an idempotency
key, start under a lease, renew, fail, publish (:meth:`JobStore.locked`), the print queue, retention and
counts. Each state change is one conditional ``UPDATE``; the backends (:mod:`.store`: SQLite, PostgreSQL) only
open transactions and lock. Order operations are the :class:`~.store_orders.OrderStore` mixin, batches the
:class:`~.store_batches.BatchStore` mixin."""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Literal

from .store_base import IdempotencyConflict, asset_refs
from .store_batches import BatchStore
from .store_intake import IntakeStore
from .store_orders import DUE_SORT, PRIORITY_RANK, OrderStore
from .store_records import JobRecord, JobStoreUnavailable, Priority, Publication, Tx


class JobStore(OrderStore, BatchStore, IntakeStore, ABC):
    """The job store's operations, written once in portable SQL; subclasses open transactions and lock."""

    @abstractmethod
    def _conn(self, immediate: bool = False) -> contextlib.AbstractContextManager[Tx]:
        """A transaction; ``immediate`` when it will write (SQLite takes its write lock up front)."""

    def _record(self, c: Tx, job_id: str) -> JobRecord | None:
        row = c.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return JobRecord.from_row(row) if row else None

    @abstractmethod
    def _lock_idem(self, c: Tx, key: str) -> None:
        """Serialise job creation under one idempotency key."""

    @abstractmethod
    def _lock_job(self, c: Tx, job_id: str) -> None:
        """Hold the job's record until the transaction ends."""

    @abstractmethod
    def _lock_asset(self, c: Tx, asset_id: str, *, exclusive: bool) -> None:
        """Job creation (shared) and the asset collector (exclusive) on one asset: never both at once."""

    @abstractmethod
    def _json_text(self, path: tuple[str, ...]) -> tuple[str, list[Any]]:
        """SQL (and its arguments) for the text at ``path`` inside the JSON ``request`` column."""

    def ping(self) -> bool:
        """The store answers a read (``/readyz``)."""
        try:
            with self._conn() as c:
                c.execute("SELECT 1").fetchone()
            return True
        except JobStoreUnavailable:
            return False

    def close(self) -> None:
        """Release connections (tests, shutdown)."""

    @contextlib.contextmanager
    def locked(self, job_id: str) -> Iterator[Publication]:
        """The job's record, locked for a transaction held across file operations (publishing artifacts):
        a second run of the same job waits here, then sees the state the first one left."""
        with self._conn(immediate=True) as c:
            self._lock_job(c, job_id)
            yield Publication(c, job_id)

    def create(
        self,
        request: dict[str, Any],
        priority: Priority,
        owner: str,
        body_hash: str,
        idem_key: str | None,
        check_assets: Callable[[list[str]], None] | None = None,
        *,
        state: Literal["queued", "held"] = "queued",
        print_unit: str | None = None,
        due_by: float | None = None,
        event: dict[str, Any] | None = None,
    ) -> tuple[JobRecord, bool]:
        """Insert a queued job; returns (record, created). Same idem key + same body -> the existing job.

        The assets the request uses are recorded with it and locked (shared) for the transaction;
        ``check_assets(ids)`` runs under those locks and raises if one is gone, so the asset collector
        cannot delete an asset between that check and the job's commit. ``state`` ``held``: not to be
        enqueued before a review approves it. ``event``: the first timeline entry (the door's verdict).
        """
        now = time.time()
        refs = asset_refs(request)
        with self._conn(immediate=True) as c:
            if idem_key is not None:
                self._lock_idem(c, idem_key)
                row = c.execute("SELECT * FROM jobs WHERE idem_key = ?", (idem_key,)).fetchone()
                if row is not None:
                    if row["body_hash"] != body_hash:
                        raise IdempotencyConflict
                    return JobRecord.from_row(row), False
            self.lock_assets(c, refs, check_assets)
            job_id = self._insert_job(c, request, priority, owner, body_hash, idem_key=idem_key, state=state,
                                      print_unit=print_unit, due_by=due_by, event=event, now=now)  # fmt: skip
            row = c.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return JobRecord.from_row(row), True

    def _job_from_row(self, row: Mapping[str, Any]) -> JobRecord:
        return JobRecord.from_row(row)

    def lock_assets(self, c: Tx, refs: list[str], check_assets: Callable[[list[str]], None] | None) -> None:
        """Lock (shared) the assets a new job uses, then ``check_assets(refs)`` under those locks."""
        for asset_id in refs:
            self._lock_asset(c, asset_id, exclusive=False)
        if check_assets is not None and refs:
            check_assets(refs)

    def _insert_job(
        self,
        c: Tx,
        request: dict[str, Any],
        priority: str,
        owner: str,
        body_hash: str,
        *,
        idem_key: str | None = None,
        state: str = "queued",
        print_unit: str | None = None,
        due_by: float | None = None,
        event: dict[str, Any] | None = None,
        now: float | None = None,
        batch: tuple[str, int] | None = None,
    ) -> str:
        """One job row, its first timeline event and its asset references, inside transaction ``c`` (the
        caller holds the assets' locks: :meth:`lock_assets`); returns the new job's id."""
        now = time.time() if now is None else now
        if print_unit is None and isinstance(request.get("print_unit"), str):
            print_unit = request["print_unit"]  # routed by the storefront
        job_id = uuid.uuid4().hex
        batch_id, batch_row = batch or (None, None)
        c.execute(
            "INSERT INTO jobs (id, state, priority, request, idem_key, body_hash, owner, created_at, updated_at,"
            " print_unit, due_by, batch_id, batch_row) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (job_id, state, priority, json.dumps(request), idem_key, body_hash, owner, now, now, print_unit,
             due_by, batch_id, batch_row),
        )  # fmt: skip
        self.add_event(c, job_id, state, owner, event or {}, now)
        for asset_id in asset_refs(request):
            c.execute("INSERT INTO job_assets (job_id, asset_id) VALUES (?, ?)", (job_id, asset_id))
        return job_id

    def delete_asset_if_unused(self, asset_id: str, delete: Callable[[], bool]) -> bool:
        """Call ``delete()`` (remove the asset from storage; it may decline) when no job in the store uses the
        asset, holding the asset's lock so no job using it is created meanwhile; True if it was deleted."""
        with self._conn(immediate=True) as c:
            self._lock_asset(c, asset_id, exclusive=True)
            if c.execute("SELECT 1 FROM job_assets WHERE asset_id = ? LIMIT 1", (asset_id,)).fetchone():
                return False
            return delete()

    def find_idem(self, idem_key: str) -> tuple[JobRecord, str] | None:
        """The job created with this idempotency key, and its body hash."""
        with self._conn() as c:
            row = c.execute("SELECT * FROM jobs WHERE idem_key = ?", (idem_key,)).fetchone()
        return (JobRecord.from_row(row), row["body_hash"]) if row else None

    def get(self, job_id: str) -> JobRecord | None:
        with self._conn() as c:
            row = c.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return JobRecord.from_row(row) if row else None

    def set_enqueued(self, job_id: str, rq_id: str, expect_attempt: int) -> bool:
        """Record the RQ id of attempt ``expect_attempt + 1``; False if someone else got there first."""
        with self._conn(immediate=True) as c:
            cur = c.execute(
                "UPDATE jobs SET attempt = attempt + 1, rq_id = ?, updated_at = ?"
                " WHERE id = ? AND attempt = ? AND state IN ('queued', 'rendering')",
                (rq_id, time.time(), job_id, expect_attempt),
            )
            return cur.rowcount == 1

    def start(self, job_id: str, lease: float) -> JobRecord | None:
        """Mark rendering with a lease; None if the job is already final (a duplicate run)."""
        now = time.time()
        with self._conn(immediate=True) as c:
            cur = c.execute(
                "UPDATE jobs SET state = 'rendering', started_at = COALESCE(started_at, ?), lease_until = ?,"
                " updated_at = ? WHERE id = ? AND state IN ('queued', 'rendering')",
                (now, now + lease, now, job_id),
            )
            if cur.rowcount != 1:
                return None
            row = c.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return JobRecord.from_row(row)

    def renew(self, job_id: str, lease: float) -> None:
        with self._conn(immediate=True) as c:
            c.execute(
                "UPDATE jobs SET lease_until = ? WHERE id = ? AND state = 'rendering'", (time.time() + lease, job_id)
            )

    def fail(self, job_id: str, error: dict[str, Any]) -> None:
        now = time.time()
        with self._conn(immediate=True) as c:
            c.execute(
                "UPDATE jobs SET state = 'failed', error = ?, finished_at = ?, updated_at = ?, lease_until = NULL"
                " WHERE id = ? AND state IN ('queued', 'rendering')",
                (json.dumps(error), now, now, job_id),
            )

    def note_error(self, job_id: str, error: dict[str, Any]) -> None:
        """A transient failure (RQ will retry): keep the reason, stay in flight."""
        with self._conn(immediate=True) as c:
            c.execute(
                "UPDATE jobs SET error = ?, updated_at = ? WHERE id = ?", (json.dumps(error), time.time(), job_id)
            )

    def in_flight(self) -> list[JobRecord]:
        with self._conn() as c:
            rows = c.execute(
                "SELECT * FROM jobs WHERE state IN ('queued', 'rendering') ORDER BY created_at, id"
            ).fetchall()
        return [JobRecord.from_row(r) for r in rows]

    def print_queue(
        self,
        limit: int,
        after: tuple[int, float, float, str] | None,
        template: str | None = None,
        output_profile: str | None = None,
        print_unit: str | None = None,
        batch: str | None = None,
    ) -> list[JobRecord]:
        """Ready and not acknowledged (reprints after ``qc_failed`` again), in production order: same_day,
        express, then standard, each by the earliest ``due_by`` (none: last), then the oldest; keyset pagination on
        ``queue_key`` (:meth:`JobRecord.queue_key`: rank, due, finished_at, id).

        Filters match what the API recorded: ``design.template``, ``output_profile`` (the template's ICC
        output profile when the job was accepted) in the request, and the job's ``print_unit`` (where it is
        routed now; jobs without one match only when this filter is not given), and ``batch``: the jobs of one
        bulk order.
        """
        q = "SELECT * FROM jobs WHERE state = 'ready' AND acked_at IS NULL"
        args: list[Any] = []
        for path, value in ((("design", "template"), template), (("output_profile",), output_profile)):
            if value is not None:
                sql, sql_args = self._json_text(path)
                q += f" AND {sql} = ?"
                args += [*sql_args, value]
        if print_unit is not None:
            q += " AND print_unit = ?"
            args.append(print_unit)
        if batch is not None:  # one bulk order's jobs (store_batches)
            q += " AND batch_id = ?"
            args.append(batch)
        key = f"{PRIORITY_RANK}, {DUE_SORT}, finished_at, id"
        if after is not None:
            rank, due, fin, jid = after
            q += (
                f" AND ({PRIORITY_RANK} > ? OR ({PRIORITY_RANK} = ? AND ({DUE_SORT} > ? OR ({DUE_SORT} = ?"
                " AND (finished_at > ? OR (finished_at = ? AND id > ?))))))"
            )
            args += [rank, rank, due, due, fin, fin, jid]
        q += f" ORDER BY {key} LIMIT ?"
        args.append(limit)
        with self._conn() as c:
            rows = c.execute(q, args).fetchall()
        return [JobRecord.from_row(r) for r in rows]

    def ack(self, job_id: str) -> JobRecord | None:
        """Idempotent: the first ack sets ``acked_at``; later ones return the same record."""
        now = time.time()
        with self._conn(immediate=True) as c:
            c.execute(
                "UPDATE jobs SET acked_at = ?, updated_at = ? WHERE id = ? AND state = 'ready' AND acked_at IS NULL",
                (now, now, job_id),
            )
            row = c.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return JobRecord.from_row(row) if row else None

    def expired(self, before: float, limit: int) -> list[str]:
        """Jobs done with before ``before``: ready and acknowledged by a print unit, or failed; oldest first.
        A ready job nobody has picked up never expires."""
        with self._conn() as c:
            rows = c.execute(
                "SELECT id FROM jobs WHERE (state = 'ready' AND acked_at < ?) OR (state = 'failed' AND finished_at < ?)"
                " ORDER BY finished_at, id LIMIT ?",
                (before, before, limit),
            ).fetchall()
        return [r["id"] for r in rows]

    def delete(self, job_id: str) -> bool:
        """Remove a final job's record (its idempotency key becomes free again); False if not final/absent."""
        with self._conn(immediate=True) as c:
            cur = c.execute("DELETE FROM jobs WHERE id = ? AND state IN ('ready', 'failed')", (job_id,))
            if cur.rowcount != 1:
                return False
            c.execute("DELETE FROM job_assets WHERE job_id = ?", (job_id,))
            c.execute("DELETE FROM job_events WHERE job_id = ?", (job_id,))
            return True

    def counts(self) -> dict[str, int]:
        with self._conn() as c:
            rows = c.execute("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state").fetchall()
        return {r["state"]: int(r["n"]) for r in rows}


# --- SQLite --------------------------------------------------------------------------------------------

# primary SQLite result codes that mean "the storage under the job store", not a bug in a query
