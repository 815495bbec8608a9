"""Large batches checked off the request (issue #19): the rows of a ``POST /v1/batches`` over
``batch_sync_rows`` are stored as they came (``batch_intake`` + ``batch_rows``) and the API answers 202 with
the batch ``validating``; a validator (``api/batch_validation.py``, a thread in every API process) claims the
intake under a lease, checks the rows in chunks — each chunk's results (the row's job, or its problems) written
in one transaction that also renews the lease — and finally either records the intake ``invalid`` with every
problem (nothing rendered) or turns it into an ordinary batch (:meth:`BatchStore.create_batch`'s rows: one job
per valid row, under the intake's id) in one transaction.

A validator that dies (its process SIGKILLed, the machine lost) leaves its lease to expire; the next claim
(any API process, every ``reconcile_interval``) goes on from the first row without a result: rows already
checked are not checked again, and turning the intake into a batch happens once (``state = 'validating'``
checked inside the transaction that creates the jobs).

Tables (a mixin of :class:`~.store_jobs.JobStore`, same SQL on SQLite and PostgreSQL):

* ``batch_intake``: ``id`` (the batch's id), ``owner``, ``idem_key`` (unique), ``body_hash``, ``created_at``,
  ``spec`` (the request without its rows, the approval), ``summary`` (what ``batches.request`` will hold),
  ``state`` (``validating`` | ``invalid`` | ``accepted``), ``lease_until``, ``total`` (rows), ``checked``,
  ``report`` (invalid: ``[{row, problems}]``);
* ``batch_rows``: ``(batch_id, row)`` -> ``input`` (the row as posted), ``job`` (the admitted job as JSON) or
  ``problems`` (JSON), written by the validator; deleted once the intake is a batch.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .store_base import IdempotencyConflict, StoreCore, asset_refs

INTAKE_TABLES = (
    "CREATE TABLE IF NOT EXISTS batch_intake (id TEXT PRIMARY KEY, owner TEXT NOT NULL, idem_key TEXT UNIQUE,"
    " body_hash TEXT NOT NULL, created_at {real} NOT NULL, spec TEXT NOT NULL, summary TEXT NOT NULL,"
    " state TEXT NOT NULL, lease_until {real}, total INTEGER NOT NULL, checked INTEGER NOT NULL,"
    " report TEXT)",
    "CREATE TABLE IF NOT EXISTS batch_rows (batch_id TEXT NOT NULL, n INTEGER NOT NULL, input TEXT NOT NULL,"
    " job TEXT, problems TEXT, PRIMARY KEY (batch_id, n))",
    "CREATE INDEX IF NOT EXISTS batch_intake_state ON batch_intake (state, lease_until)",
)
INSERT_CHUNK = 500  # rows per INSERT statement when staging


def intake_schema(real: str) -> list[str]:
    return [t.format(real=real) for t in INTAKE_TABLES]


@dataclass
class Intake:
    id: str
    owner: str
    created_at: float
    spec: dict[str, Any]
    summary: dict[str, Any]
    state: str
    lease_until: float | None
    total: int
    checked: int
    report: list[dict[str, Any]]

    @classmethod
    def from_row(cls, row: Any) -> Intake:
        return cls(
            id=row["id"], owner=row["owner"], created_at=row["created_at"], spec=json.loads(row["spec"]),
            summary=json.loads(row["summary"]), state=row["state"], lease_until=row["lease_until"],
            total=int(row["total"]), checked=int(row["checked"]), report=json.loads(row["report"] or "[]"),
        )  # fmt: skip


@dataclass(frozen=True)
class RowResult:
    """What the validator found for one row: the job as :class:`~.store_batches.BatchJob` fields, or problems."""

    row: int
    job: dict[str, Any] | None = None
    problems: list[dict[str, Any]] | None = None


class IntakeStore(StoreCore):
    """Staged rows and their validation (see the module docstring)."""

    def stage_batch(
        self,
        spec: dict[str, Any],
        summary: dict[str, Any],
        rows: list[dict[str, Any]],
        owner: str,
        body_hash: str,
        idem_key: str | None,
    ) -> tuple[Intake, bool]:
        """Store a batch's rows to be checked; returns (intake, created). The same ``idem_key`` and body: the
        intake (or batch) made earlier; another body: ``IdempotencyConflict``."""
        now = time.time()
        with self._conn(immediate=True) as c:
            if idem_key is not None:
                self._lock_idem(c, f"batch:{idem_key}")
                row = c.execute("SELECT * FROM batch_intake WHERE idem_key = ?", (idem_key,)).fetchone()
                if row is not None:
                    if row["body_hash"] != body_hash:
                        raise IdempotencyConflict
                    return Intake.from_row(row), False
            batch_id = uuid.uuid4().hex
            c.execute(
                "INSERT INTO batch_intake (id, owner, idem_key, body_hash, created_at, spec, summary, state,"
                " lease_until, total, checked, report) VALUES (?, ?, ?, ?, ?, ?, ?, 'validating', NULL, ?, 0, NULL)",
                (batch_id, owner, idem_key, body_hash, now, json.dumps(spec), json.dumps(summary), len(rows)),
            )
            for start in range(0, len(rows), INSERT_CHUNK):
                part = rows[start : start + INSERT_CHUNK]
                c.executemany(
                    "INSERT INTO batch_rows (batch_id, n, input) VALUES (?, ?, ?)",
                    [(batch_id, start + i + 1, json.dumps(r)) for i, r in enumerate(part)],
                )
            row = c.execute("SELECT * FROM batch_intake WHERE id = ?", (batch_id,)).fetchone()
        return Intake.from_row(row), True

    def get_intake(self, batch_id: str) -> Intake | None:
        with self._conn() as c:
            row = c.execute("SELECT * FROM batch_intake WHERE id = ?", (batch_id,)).fetchone()
        return Intake.from_row(row) if row else None

    def find_intake_idem(self, idem_key: str) -> tuple[Intake, str] | None:
        with self._conn() as c:
            row = c.execute("SELECT * FROM batch_intake WHERE idem_key = ?", (idem_key,)).fetchone()
        return (Intake.from_row(row), row["body_hash"]) if row else None

    def claim_intake(self, lease: float, now: float | None = None) -> Intake | None:
        """The oldest intake still validating whose lease is free or expired, now leased to the caller."""
        now = time.time() if now is None else now
        with self._conn(immediate=True) as c:
            rows = c.execute(
                "SELECT id FROM batch_intake WHERE state = 'validating' AND (lease_until IS NULL OR lease_until < ?)"
                " ORDER BY created_at, id LIMIT 5",
                (now,),
            ).fetchall()
            for r in rows:
                cur = c.execute(
                    "UPDATE batch_intake SET lease_until = ? WHERE id = ? AND state = 'validating'"
                    " AND (lease_until IS NULL OR lease_until < ?)",
                    (now + lease, r["id"], now),
                )
                if cur.rowcount == 1:
                    got = c.execute("SELECT * FROM batch_intake WHERE id = ?", (r["id"],)).fetchone()
                    return Intake.from_row(got)
        return None

    def unchecked_rows(self, batch_id: str, limit: int) -> list[tuple[int, dict[str, Any]]]:
        """The first ``limit`` rows with no result yet, in row order."""
        with self._conn() as c:
            rows = c.execute(
                "SELECT n, input FROM batch_rows WHERE batch_id = ? AND job IS NULL AND problems IS NULL"
                " ORDER BY n LIMIT ?",
                (batch_id, limit),
            ).fetchall()
        return [(int(r["n"]), json.loads(r["input"])) for r in rows]

    def record_rows(self, batch_id: str, results: Iterable[RowResult], lease: float) -> None:
        """Write a chunk's results and renew the lease, in one transaction."""
        results = list(results)
        with self._conn(immediate=True) as c:
            c.executemany(
                "UPDATE batch_rows SET job = ?, problems = ? WHERE batch_id = ? AND n = ?",
                [
                    (json.dumps(r.job) if r.job is not None else None,
                     json.dumps(r.problems) if r.problems is not None else None, batch_id, r.row)
                    for r in results
                ],
            )  # fmt: skip
            c.execute(
                "UPDATE batch_intake SET lease_until = ?, checked = (SELECT COUNT(*) FROM batch_rows WHERE"
                " batch_id = ? AND (job IS NOT NULL OR problems IS NOT NULL)) WHERE id = ?",
                (time.time() + lease, batch_id, batch_id),
            )

    def row_problems(self, batch_id: str) -> list[dict[str, Any]]:
        """``[{row, problems}]`` of every row found invalid so far, in row order."""
        with self._conn() as c:
            rows = c.execute(
                "SELECT n, problems FROM batch_rows WHERE batch_id = ? AND problems IS NOT NULL ORDER BY n",
                (batch_id,),
            ).fetchall()
        return [{"row": int(r["n"]), "problems": json.loads(r["problems"])} for r in rows]

    def reject_intake(self, batch_id: str, report: list[dict[str, Any]]) -> bool:
        """Record the intake invalid with its report (every row's problems); False if it was not validating."""
        with self._conn(immediate=True) as c:
            cur = c.execute(
                "UPDATE batch_intake SET state = 'invalid', report = ?, lease_until = NULL"
                " WHERE id = ? AND state = 'validating'",
                (json.dumps(report), batch_id),
            )
            if cur.rowcount == 1:
                c.execute("UPDATE batch_rows SET input = '{}', job = NULL WHERE batch_id = ?", (batch_id,))
            return bool(cur.rowcount == 1)

    def accept_intake(
        self,
        batch_id: str,
        skipped: list[dict[str, Any]],
        priority: str,
        check_assets: Callable[[list[str]], None] | None = None,
    ) -> list[str] | None:
        """Turn a validated intake into a batch: one job per valid row (in row order) and the ``batches`` record
        under the intake's id, in one transaction. Returns the new job ids, or None when the intake was not
        validating any more (another validator finished it)."""
        now = time.time()
        with self._conn(immediate=True) as c:
            row = c.execute("SELECT * FROM batch_intake WHERE id = ?", (batch_id,)).fetchone()
            if row is None or row["state"] != "validating":
                return None
            intake = Intake.from_row(row)
            refs: set[str] = set()
            ids: list[list[Any]] = []
            last = 0
            while True:  # the staged jobs chunk by chunk: a 10 000-row batch is never all in memory
                chunk = c.execute(
                    "SELECT n, job FROM batch_rows WHERE batch_id = ? AND n > ? AND job IS NOT NULL ORDER BY n LIMIT ?",
                    (batch_id, last, INSERT_CHUNK),
                ).fetchall()
                if not chunk:
                    break
                for r in chunk:
                    job = json.loads(r["job"])
                    new = [a for a in asset_refs(job["request"]) if a not in refs]
                    if new:
                        self.lock_assets(c, sorted(new), check_assets)
                        refs.update(new)
                    job_id = self._insert_job(
                        c, job["request"], priority, intake.owner, job["body_hash"], state=job["state"],
                        print_unit=job["print_unit"], due_by=job["due_by"],
                        event={**job["event"], "batch": {"id": batch_id, "row": int(r["n"])}}, now=now,
                        batch=(batch_id, int(r["n"])),
                    )  # fmt: skip
                    ids.append([int(r["n"]), job_id])
                last = int(chunk[-1]["n"])
            stored = {**intake.summary, "jobs": ids}
            c.execute(
                "INSERT INTO batches (id, owner, idem_key, body_hash, created_at, request, skipped)"
                " VALUES (?, ?, NULL, ?, ?, ?, ?)",
                (batch_id, intake.owner, row["body_hash"], intake.created_at, json.dumps(stored), json.dumps(skipped)),
            )
            c.execute("UPDATE batch_intake SET state = 'accepted', lease_until = NULL WHERE id = ?", (batch_id,))
            c.execute("DELETE FROM batch_rows WHERE batch_id = ?", (batch_id,))
        return [str(j) for _, j in ids]

    def expired_intakes(self, before: float, limit: int) -> list[str]:
        """Intakes created before ``before`` that are done with: invalid ones, and accepted ones whose batch
        retention removed."""
        with self._conn() as c:
            rows = c.execute(
                "SELECT id FROM batch_intake i WHERE created_at < ? AND (state = 'invalid' OR (state = 'accepted'"
                " AND NOT EXISTS (SELECT 1 FROM batches b WHERE b.id = i.id))) ORDER BY created_at, id LIMIT ?",
                (before, limit),
            ).fetchall()
        return [r["id"] for r in rows]

    def delete_intake(self, batch_id: str) -> bool:
        with self._conn(immediate=True) as c:
            c.execute("DELETE FROM batch_rows WHERE batch_id = ?", (batch_id,))
            cur = c.execute("DELETE FROM batch_intake WHERE id = ?", (batch_id,))
            return bool(cur.rowcount == 1)
