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

Where things are: the records, the schema and the transaction protocols in :mod:`.store_records`; the SQL
contract both backends share (:class:`JobStore`) in :mod:`.store_jobs`; its order and batch operations in the
mixins :mod:`.store_orders` and :mod:`.store_batches`; here the two backends and :func:`open_job_store`. The
names callers use are importable from here.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .store_base import IdempotencyConflict
from .store_batches import batch_schema
from .store_intake import intake_schema
from .store_jobs import JobStore
from .store_orders import order_schema
from .store_records import Cursor, JobRecord, JobStoreUnavailable, Priority, Publication, State, Tx, schema

__all__ = [
    "IdempotencyConflict",
    "JobRecord",
    "JobStore",
    "JobStoreUnavailable",
    "PostgresJobStore",
    "Priority",
    "Publication",
    "SqliteJobStore",
    "State",
    "open_job_store",
]

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
                for stmt in [*batch_schema("REAL", cols), *intake_schema("REAL")]:
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

    def executemany(self, sql: str, rows: list[Any], /) -> None:
        with self.conn.cursor() as cur:
            cur.executemany(sql.replace("?", "%s"), rows)


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
            for stmt in [*batch_schema("DOUBLE PRECISION", cols), *intake_schema("DOUBLE PRECISION")]:
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
