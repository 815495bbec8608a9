"""The durable job store: a ``202`` means the record is committed before anything is enqueued.

Two implementations of one SQL contract (:class:`JobStore`):

* :class:`SqliteJobStore` — the default: SQLite (WAL, ``synchronous=FULL``) in the storage root. Every
  process that uses it must run on the same host (SQLite's WAL needs shared memory; docs/farm.md).
* :class:`PostgresJobStore` — ``RENDER_ENGINE_JOB_STORE_URL=postgresql://...``: a job store that worker
  machines share over the network (psycopg 3 with a per-process connection pool).

Redis only carries "please render job X"; if Redis loses that (restart without persistence, flush), the
reconciler finds the record here and re-enqueues it. States: ``queued -> rendering -> ready | failed``
(``held -> queued | failed`` for orders held for manual review); ``acked_at`` is set when a print unit picked
it up. Order operations (timeline, review, production states, routing) are :mod:`.store_orders`.

Concurrency: every state change is one conditional ``UPDATE`` (``WHERE state IN ...``/``attempt = ...``), so
two processes racing on a job cannot both win. Creating a job under an idempotency key and publishing a job's
artifacts (:meth:`JobStore.locked`) need more than one statement: SQLite serialises them with its database
write lock, PostgreSQL with an advisory lock on the key and a row lock (``FOR UPDATE``) on the job.

Why one module over 500 lines: one SQL contract in two dialects (SQLite and PostgreSQL) sharing their
statements and transaction rules; order-related tables are in :mod:`.store_orders`.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import sqlite3
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from ..model.errors import RenderError
from .store_base import IdempotencyConflict, asset_refs
from .store_batches import BatchStore, batch_schema
from .store_orders import DUE_SORT, NO_DUE, PRIORITIES, PRIORITY_RANK, OrderStore, order_schema

State = Literal["held", "queued", "rendering", "ready", "failed"]
Priority = Literal["same_day", "express", "standard"]

_COLUMNS = """
    id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    priority TEXT NOT NULL,
    request TEXT NOT NULL,
    idem_key TEXT UNIQUE,
    body_hash TEXT NOT NULL,
    owner TEXT NOT NULL,
    created_at {real} NOT NULL,
    updated_at {real} NOT NULL,
    started_at {real},
    finished_at {real},
    acked_at {real},
    attempt INTEGER NOT NULL DEFAULT 0,
    rq_id TEXT,
    lease_until {real},
    artifacts TEXT NOT NULL DEFAULT '[]',
    error TEXT
"""
_INDEXES = (
    "CREATE INDEX IF NOT EXISTS jobs_print_queue ON jobs (state, acked_at, finished_at)",
    "CREATE INDEX IF NOT EXISTS jobs_in_flight ON jobs (state, created_at)",
    "CREATE INDEX IF NOT EXISTS jobs_finished ON jobs (state, finished_at)",  # retention: failed jobs by age
)


_ASSETS_TABLE = (
    "CREATE TABLE IF NOT EXISTS job_assets (job_id TEXT NOT NULL, asset_id TEXT NOT NULL,"
    " PRIMARY KEY (job_id, asset_id))"
)
_ASSETS_INDEX = "CREATE INDEX IF NOT EXISTS job_assets_asset ON job_assets (asset_id)"


def schema(real: str) -> list[str]:
    """The ``jobs`` table (request, artifacts and error are JSON text: the request is kept byte for byte)
    and ``job_assets``: which uploaded assets each job's design uses (asset retention keeps those)."""
    return [f"CREATE TABLE IF NOT EXISTS jobs ({_COLUMNS.format(real=real)})", *_INDEXES, _ASSETS_TABLE, _ASSETS_INDEX]


class JobStoreUnavailable(RenderError):
    """The job store cannot be written or read right now: its disk is full (``SQLITE_FULL``, what ENOSPC
    becomes; PostgreSQL's ``disk_full``), read-only, failing (``SQLITE_IOERR``: EFBIG, EIO...), locked for
    longer than the busy timeout, or (PostgreSQL) unreachable. The server's fault and temporary: 503 with
    ``Retry-After``. The failed transaction is rolled back whole, so no job record is half-written; records
    already committed are untouched."""

    http_status = 503
    code = "job_store_unavailable"

    def __init__(self, message: str, *, full: bool = False) -> None:
        super().__init__(message)
        if full:
            self.code = "job_store_full"
        self.headers = {"Retry-After": "30"}


@dataclass
class JobRecord:
    id: str
    state: State
    priority: Priority
    request: dict[str, Any]
    owner: str
    created_at: float
    updated_at: float
    started_at: float | None = None
    finished_at: float | None = None
    acked_at: float | None = None
    attempt: int = 0
    rq_id: str | None = None
    lease_until: float | None = None
    artifacts: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None
    print_unit: str | None = None
    due_by: float | None = None
    production: str | None = None  # the last production state a print unit reported (store_orders)
    production_at: float | None = None
    reprints: int = 0
    batch_id: str | None = None  # the bulk order (store_batches) the job is a row of
    batch_row: int | None = None
    taken_at: float | None = None  # a worker took the latest attempt off its queue (store_orders.take)

    def queue_key(self) -> tuple[int, float, float, str]:
        """Where the job sorts in the print queue (and its page cursor): priority rank, due date, age."""
        due = NO_DUE if self.due_by is None else self.due_by
        return (PRIORITIES.index(self.priority), due, self.finished_at or 0.0, self.id)

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> JobRecord:
        return cls(
            id=row["id"],
            state=row["state"],
            priority=row["priority"],
            request=json.loads(row["request"]),
            owner=row["owner"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            acked_at=row["acked_at"],
            attempt=row["attempt"],
            rq_id=row["rq_id"],
            lease_until=row["lease_until"],
            artifacts=json.loads(row["artifacts"]),
            error=json.loads(row["error"]) if row["error"] else None,
            print_unit=row["print_unit"],
            due_by=row["due_by"],
            # the columns store_orders / store_batches added, by the same name
            **{k: row[k] for k in ("production", "production_at", "reprints", "batch_id", "batch_row", "taken_at")},
        )


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


class Tx(Protocol):
    """One open transaction: ``execute`` takes SQL with ``?`` placeholders (translated per backend)."""

    def execute(self, sql: str, args: tuple[Any, ...] | list[Any] = (), /) -> Cursor: ...


class Publication:
    """The job's record held for publishing (:meth:`JobStore.locked`): nobody else can change it meanwhile."""

    def __init__(self, c: Tx, job_id: str) -> None:
        self._c = c
        self.job_id = job_id

    def state(self) -> str | None:
        row = self._c.execute("SELECT state FROM jobs WHERE id = ?", (self.job_id,)).fetchone()
        return row["state"] if row else None

    def finish(self, artifacts: list[dict[str, Any]]) -> None:
        now = time.time()
        self._c.execute(
            "UPDATE jobs SET state = 'ready', artifacts = ?, finished_at = ?, updated_at = ?, lease_until = NULL,"
            " error = NULL WHERE id = ?",
            (json.dumps(artifacts), now, now, self.job_id),
        )


class JobStore(OrderStore, BatchStore, ABC):
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
_SQLITE_UNAVAILABLE = {
    sqlite3.SQLITE_FULL: "is full",
    sqlite3.SQLITE_IOERR: "cannot be written (I/O error)",
    sqlite3.SQLITE_READONLY: "is read-only",
    sqlite3.SQLITE_CANTOPEN: "cannot be opened",
    sqlite3.SQLITE_BUSY: "is busy",
    sqlite3.SQLITE_LOCKED: "is busy",
    sqlite3.SQLITE_PROTOCOL: "is busy",
}


@contextlib.contextmanager
def store_errors() -> Iterator[None]:
    """Convert SQLite's storage failures into :class:`JobStoreUnavailable`, by result code (never by the
    message text); any other SQLite error is a bug and propagates unchanged."""
    try:
        yield
    except sqlite3.Error as exc:
        primary = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
        if primary not in _SQLITE_UNAVAILABLE:
            raise
        raise JobStoreUnavailable(
            f"job store {_SQLITE_UNAVAILABLE[primary]}; retry later", full=primary == sqlite3.SQLITE_FULL
        ) from exc


class SqliteJobStore(JobStore):
    """One file, WAL mode, one connection per call (safe across threads and forked RQ work horses)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with store_errors():
            c = sqlite3.connect(path, timeout=30)
            try:
                c.execute("PRAGMA journal_mode=WAL")
                c.execute("BEGIN IMMEDIATE")
                new = c.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'job_assets'").fetchone()
                for stmt in schema("REAL"):
                    c.execute(stmt)
                cols = {r[1] for r in c.execute("PRAGMA table_info(jobs)").fetchall()}
                for stmt in order_schema("REAL", cols, "json_extract(request, '$.print_unit')"):
                    c.execute(stmt)
                for stmt in batch_schema("REAL", cols):
                    c.execute(stmt)
                if new is None:  # a store from before asset references were recorded: record its jobs' now
                    c.execute(
                        "INSERT OR IGNORE INTO job_assets (job_id, asset_id) SELECT jobs.id, t.value"
                        " FROM jobs, json_tree(jobs.request) AS t WHERE t.key = 'asset_id' AND t.type = 'text'"
                    )
                c.commit()
            finally:
                c.close()

    @contextlib.contextmanager
    def _conn(self, immediate: bool = False) -> Iterator[Tx]:
        with store_errors():
            c = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            try:
                c.row_factory = sqlite3.Row
                c.execute("PRAGMA synchronous=FULL")
                c.execute("PRAGMA busy_timeout=30000")
                c.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
                try:
                    yield c
                except BaseException:
                    if c.in_transaction:  # SQLite itself rolls back on some errors (disk full, I/O error)
                        with contextlib.suppress(sqlite3.Error):
                            c.execute("ROLLBACK")
                    raise
                c.execute("COMMIT")  # fails as a whole (e.g. disk full): nothing of the transaction is kept
            finally:
                c.close()

    def _lock_idem(self, c: Tx, key: str) -> None:
        """Nothing to do: ``BEGIN IMMEDIATE`` holds the database's write lock already."""

    def _lock_job(self, c: Tx, job_id: str) -> None:
        """Nothing to do: ``BEGIN IMMEDIATE`` holds the database's write lock already."""

    def _lock_asset(self, c: Tx, asset_id: str, *, exclusive: bool) -> None:
        """Nothing to do: ``BEGIN IMMEDIATE`` holds the database's write lock already."""

    def _json_text(self, path: tuple[str, ...]) -> tuple[str, list[Any]]:
        return "json_extract(request, ?)", ["$." + ".".join(path)]


# --- PostgreSQL ----------------------------------------------------------------------------------------

# SQLSTATE classes / codes that mean "the database server or the way to it", not a bug in a query:
# 08 connection exception, 53 insufficient resources (53100 disk_full), 57P0x shutdown / cannot connect now,
# 40001 serialization failure, 40P01 deadlock, 55P03 lock not available, 25006 read-only transaction
_PG_UNAVAILABLE_CLASSES = ("08", "53")
_PG_UNAVAILABLE_CODES = {"57P01", "57P02", "57P03", "40001", "40P01", "55P03", "25006", "57014"}


@contextlib.contextmanager
def pg_store_errors() -> Iterator[None]:
    """PostgreSQL's "server unavailable" failures as :class:`JobStoreUnavailable` (by SQLSTATE, and any
    failure to connect or to get a pooled connection in time); other errors are bugs and propagate."""
    import psycopg
    from psycopg_pool import PoolTimeout

    try:
        yield
    except PoolTimeout as exc:
        raise JobStoreUnavailable("job store is unreachable or busy; retry later") from exc
    except psycopg.Error as exc:
        state = exc.sqlstate or ""
        if state == "53100":
            raise JobStoreUnavailable("job store is full; retry later", full=True) from exc
        if state[:2] in _PG_UNAVAILABLE_CLASSES or state in _PG_UNAVAILABLE_CODES:
            raise JobStoreUnavailable("job store is unavailable; retry later") from exc
        if not state and isinstance(exc, psycopg.OperationalError):  # connection refused / lost: no SQLSTATE
            raise JobStoreUnavailable("job store is unreachable; retry later") from exc
        raise


class _PgTx:
    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def execute(self, sql: str, args: tuple[Any, ...] | list[Any] = (), /) -> Cursor:
        cursor: Cursor = self.conn.execute(sql.replace("?", "%s"), args)
        return cursor


class PostgresJobStore(JobStore):
    """PostgreSQL through psycopg 3: one connection pool per process.

    A forked child (an RQ work horse) must not use its parent's connections (the server would see two
    clients on one socket): the pool is made again after a fork, and the parent's is kept referenced so
    that garbage collection never closes the sockets the parent still uses.
    """

    def __init__(self, url: str, *, pool_size: int = 8, timeout: float = 5.0) -> None:
        if importlib.util.find_spec("psycopg") is None or importlib.util.find_spec("psycopg_pool") is None:
            raise RuntimeError("job_store_url needs psycopg: pip install 'render-engine[postgres]'")
        self.url = url
        self.pool_size = pool_size
        self.timeout = timeout
        self._pool: Any = None
        self._pid = 0
        self._inherited: list[Any] = []
        self._pool_lock = threading.Lock()
        with self._conn(immediate=True) as c:
            # CREATE TABLE IF NOT EXISTS is not safe against itself in PostgreSQL: one schema change at a time
            c.execute("SELECT pg_advisory_xact_lock(hashtext('render_engine.farm.schema'))")
            new = c.execute("SELECT to_regclass('job_assets') IS NULL AS missing").fetchone()["missing"]
            for stmt in schema("DOUBLE PRECISION"):
                c.execute(stmt)
            cols = {
                r["column_name"]
                for r in c.execute(
                    "SELECT column_name FROM information_schema.columns"
                    " WHERE table_schema = current_schema() AND table_name = 'jobs'"
                ).fetchall()
            }
            for stmt in order_schema("DOUBLE PRECISION", cols, "(request::jsonb #>> '{print_unit}')"):
                c.execute(stmt)
            for stmt in batch_schema("DOUBLE PRECISION", cols):
                c.execute(stmt)
            if new:  # a store from before asset references were recorded: record its jobs' now
                c.execute(
                    "INSERT INTO job_assets (job_id, asset_id) SELECT j.id, v #>> '{}' FROM jobs j,"
                    " LATERAL jsonb_path_query(j.request::jsonb, 'strict $.**.asset_id') AS v"
                    " WHERE jsonb_typeof(v) = 'string' ON CONFLICT DO NOTHING"
                )

    def ping(self) -> bool:
        """A fresh connection answers ``SELECT 1`` (not the pool: while the server is down the pool would wait
        its whole timeout for a connection; a refused connect answers at once)."""
        import psycopg

        try:
            with psycopg.connect(self.url, connect_timeout=max(1, int(self.timeout))) as c:
                c.execute("SELECT 1 FROM jobs LIMIT 1")
            return True
        except psycopg.Error:
            return False

    def _get_pool(self) -> Any:
        with self._pool_lock:
            if self._pool is None or self._pid != os.getpid():
                from psycopg.rows import dict_row
                from psycopg_pool import ConnectionPool

                if self._pool is not None:
                    self._inherited.append(self._pool)  # the parent's: never closed from here
                self._pool = ConnectionPool(
                    self.url,
                    min_size=1,
                    max_size=self.pool_size,
                    timeout=self.timeout,
                    check=ConnectionPool.check_connection,  # a connection the server dropped is replaced
                    # psycopg_pool retries a failed connect with doubling delays until this many seconds, then
                    # gives up until the next request asks: a short span keeps the wait after a long database
                    # outage short (the default 300 s let the delays grow to minutes)
                    reconnect_timeout=10.0,
                    # prepare_threshold None: no server-side prepared statements. A process that adds columns
                    # (a newer version's migration, store_orders) would otherwise break every older process's
                    # prepared "SELECT *" ("cached plan must not change result type": seen in a rolling start)
                    kwargs={
                        "row_factory": dict_row,
                        "connect_timeout": max(1, int(self.timeout)),
                        "prepare_threshold": None,
                    },
                    open=False,
                    name="render-engine-jobs",
                )
                with pg_store_errors():
                    self._pool.open(wait=False)
                self._pid = os.getpid()
            return self._pool

    @contextlib.contextmanager
    def _conn(self, immediate: bool = False) -> Iterator[Tx]:
        with pg_store_errors(), self._get_pool().connection() as conn, conn.transaction():
            yield _PgTx(conn)

    def _lock_idem(self, c: Tx, key: str) -> None:
        c.execute("SELECT pg_advisory_xact_lock(hashtext('render_engine.idem'), hashtext(?))", (key,))

    def _lock_job(self, c: Tx, job_id: str) -> None:
        c.execute("SELECT id FROM jobs WHERE id = ? FOR UPDATE", (job_id,))

    def _lock_asset(self, c: Tx, asset_id: str, *, exclusive: bool) -> None:
        fn = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        c.execute(f"SELECT {fn}(hashtext('render_engine.asset'), hashtext(?))", (asset_id,))

    def _json_text(self, path: tuple[str, ...]) -> tuple[str, list[Any]]:
        return "(request::jsonb #>> ?)", [list(path)]

    def close(self) -> None:
        with self._pool_lock:
            if self._pool is not None and self._pid == os.getpid():
                self._pool.close()
            self._pool = None


def open_job_store(url: str | None, storage_root: Path, *, pool_size: int = 8, timeout: float = 5.0) -> JobStore:
    """``url`` unset: SQLite at ``<storage_root>/jobs.sqlite3``; ``postgresql://...``: PostgreSQL."""
    if not url:
        return SqliteJobStore(storage_root / "jobs.sqlite3")
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresJobStore(url, pool_size=pool_size, timeout=timeout)
    raise ValueError("job_store_url must be a postgresql:// URL (unset: SQLite in the storage root)")
