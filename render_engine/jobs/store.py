"""The durable job store: a ``202`` means the record is on disk before anything is enqueued.

SQLite (WAL, ``synchronous=FULL``) in the storage root. Redis only carries "please render job X"; if Redis
loses that (restart without persistence, flush), the reconciler finds the record here and re-enqueues it.
One connection per call keeps it safe across threads and forked RQ work horses.

States: ``queued -> rendering -> ready | failed``; ``acked_at`` is set when a print unit picked it up.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..errors import RenderError

State = Literal["queued", "rendering", "ready", "failed"]
Priority = Literal["express", "standard"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    priority TEXT NOT NULL,
    request TEXT NOT NULL,
    idem_key TEXT UNIQUE,
    body_hash TEXT NOT NULL,
    owner TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    acked_at REAL,
    attempt INTEGER NOT NULL DEFAULT 0,
    rq_id TEXT,
    lease_until REAL,
    artifacts TEXT NOT NULL DEFAULT '[]',
    error TEXT
);
CREATE INDEX IF NOT EXISTS jobs_print_queue ON jobs (state, acked_at, finished_at);
"""


class IdempotencyConflict(Exception):
    """The Idempotency-Key was used before with a different body."""


class JobStoreUnavailable(RenderError):
    """The job store cannot be written or read right now: its disk is full (``SQLITE_FULL``, what ENOSPC
    becomes), read-only, failing (``SQLITE_IOERR``: EFBIG, EIO...) or locked for longer than the busy
    timeout. The server's fault and temporary: 503 with ``Retry-After``. The failed transaction is rolled
    back whole, so no job record is half-written; records already on disk are untouched."""

    http_status = 503
    code = "job_store_unavailable"

    def __init__(self, message: str, *, full: bool = False) -> None:
        super().__init__(message)
        if full:
            self.code = "job_store_full"
        self.headers = {"Retry-After": "30"}


# primary SQLite result codes that mean "the storage under the job store", not a bug in a query
_UNAVAILABLE = {
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
        if primary not in _UNAVAILABLE:
            raise
        raise JobStoreUnavailable(
            f"job store {_UNAVAILABLE[primary]}; retry later", full=primary == sqlite3.SQLITE_FULL
        ) from exc


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

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> JobRecord:
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
        )


class JobStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        c = sqlite3.connect(path, timeout=30)
        try:
            c.execute("PRAGMA journal_mode=WAL")
            c.executescript(SCHEMA)
            c.commit()
        finally:
            c.close()

    @contextlib.contextmanager
    def _conn(self, immediate: bool = False) -> Iterator[sqlite3.Connection]:
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

    @contextlib.contextmanager
    def locked(self) -> Iterator[sqlite3.Connection]:
        """A write transaction held across file operations (publishing artifacts), for exclusion."""
        with self._conn(immediate=True) as c:
            yield c

    def create(
        self, request: dict[str, Any], priority: Priority, owner: str, body_hash: str, idem_key: str | None
    ) -> tuple[JobRecord, bool]:
        """Insert a queued job; returns (record, created). Same idem key + same body -> the existing job."""
        now = time.time()
        with self._conn(immediate=True) as c:
            if idem_key is not None:
                row = c.execute("SELECT * FROM jobs WHERE idem_key = ?", (idem_key,)).fetchone()
                if row is not None:
                    if row["body_hash"] != body_hash:
                        raise IdempotencyConflict
                    return JobRecord.from_row(row), False
            job_id = uuid.uuid4().hex
            c.execute(
                "INSERT INTO jobs (id, state, priority, request, idem_key, body_hash, owner, created_at, updated_at)"
                " VALUES (?, 'queued', ?, ?, ?, ?, ?, ?, ?)",
                (job_id, priority, json.dumps(request), idem_key, body_hash, owner, now, now),
            )
            row = c.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return JobRecord.from_row(row), True

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

    @staticmethod
    def finish(c: sqlite3.Connection, job_id: str, artifacts: list[dict[str, Any]]) -> None:
        now = time.time()
        c.execute(
            "UPDATE jobs SET state = 'ready', artifacts = ?, finished_at = ?, updated_at = ?, lease_until = NULL,"
            " error = NULL WHERE id = ?",
            (json.dumps(artifacts), now, now, job_id),
        )

    @staticmethod
    def state_in(c: sqlite3.Connection, job_id: str) -> str | None:
        row = c.execute("SELECT state FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return row["state"] if row else None

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
            rows = c.execute("SELECT * FROM jobs WHERE state IN ('queued', 'rendering') ORDER BY created_at").fetchall()
        return [JobRecord.from_row(r) for r in rows]

    def print_queue(
        self,
        limit: int,
        after: tuple[float, str] | None,
        template: str | None = None,
        output_profile: str | None = None,
        print_unit: str | None = None,
    ) -> list[JobRecord]:
        """Ready and not acknowledged, oldest first; keyset pagination on (finished_at, id).

        Filters match what the API recorded in the job's request: ``design.template``, ``output_profile``
        (the template's ICC output profile when the job was accepted) and ``print_unit`` (the unit the
        storefront routed the job to; jobs without one match only when this filter is not given).
        """
        q = "SELECT * FROM jobs WHERE state = 'ready' AND acked_at IS NULL"
        args: list[Any] = []
        for path, value in (
            ("$.design.template", template),
            ("$.output_profile", output_profile),
            ("$.print_unit", print_unit),
        ):
            if value is not None:
                q += " AND json_extract(request, ?) = ?"
                args += [path, value]
        if after is not None:
            q += " AND (finished_at > ? OR (finished_at = ? AND id > ?))"
            args += [after[0], after[0], after[1]]
        q += " ORDER BY finished_at, id LIMIT ?"
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

    def counts(self) -> dict[str, int]:
        with self._conn() as c:
            rows = c.execute("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state").fetchall()
        return {r["state"]: r["n"] for r in rows}
