"""What the job store reads and writes, without the SQL that does it: the ``jobs`` schema, :class:`JobRecord`,
the transaction protocols (:class:`Tx`, :class:`Cursor`) both backends implement, the publishing handle
(:class:`Publication`) and :class:`JobStoreUnavailable`. :mod:`.store_jobs` holds the operations,
:mod:`.store` the SQLite and PostgreSQL backends (and re-exports these names)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from ..model.errors import RenderError
from .store_orders import NO_DUE, PRIORITIES

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

    def executemany(self, sql: str, rows: list[Any], /) -> Any: ...


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
