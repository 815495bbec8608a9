"""The job store's order operations (a mixin of :class:`~render_engine.farm.store.JobStore`, same SQL contract
on SQLite and PostgreSQL): the timeline, manual review of held jobs, print-unit production states and
reprints, routing, and the figures ``/metrics`` shows (reprints by reason, queue age, deadlines).

Tables and columns (added to older stores on open):

* ``jobs.print_unit`` (routing; was only in the request JSON), ``due_by``, ``production`` (the last state a
  print unit reported), ``production_at``, ``reprints`` (``qc_failed`` count), ``sheet_id`` (the gang sheet
  the job was imposed on), ``taken_at``/``taken_by`` (the worker that took the latest attempt off its queue);
* ``sheets``: every gang sheet and DTF roll made (id, kind, print unit, item count, when), so retention
  deletes their files like a job's (:meth:`OrderStore.expired_sheets`);
* ``job_events``: the audited timeline — one row per event (``seq`` per job), who (``actor``: the API key's
  name, plus a person the request names), when, and its data (reason, note, photo asset, unit...).

Every change is one transaction holding the job's row (``_lock_job``), conditional on the state it
expects, so two print units or two reviewers racing cannot both win; the loser is told the state it lost to.
"""

from __future__ import annotations

import json
import time
from typing import Any

from ..model.errors import RenderError
from .orders import allowed
from .store_base import StoreCore

ORDER_COLUMNS = (
    ("print_unit", "TEXT"),
    ("due_by", "{real}"),
    ("production", "TEXT"),
    ("production_at", "{real}"),
    ("reprints", "INTEGER NOT NULL DEFAULT 0"),
    ("sheet_id", "TEXT"),
    ("taken_at", "{real}"),  # when a worker took the job's latest attempt off its queue (store_takes)
    ("taken_by", "TEXT"),
)
EVENTS_TABLE = (
    "CREATE TABLE IF NOT EXISTS job_events (job_id TEXT NOT NULL, seq INTEGER NOT NULL, at {real} NOT NULL,"
    " kind TEXT NOT NULL, actor TEXT, data TEXT NOT NULL, PRIMARY KEY (job_id, seq))"
)
SHEETS_TABLE = (
    "CREATE TABLE IF NOT EXISTS sheets (id TEXT PRIMARY KEY, kind TEXT NOT NULL, print_unit TEXT,"
    " items INTEGER NOT NULL, created_at {real} NOT NULL)"
)
ORDER_INDEXES = (
    "CREATE INDEX IF NOT EXISTS jobs_unit ON jobs (print_unit, state)",
    "CREATE INDEX IF NOT EXISTS job_events_kind ON job_events (kind)",
    "CREATE INDEX IF NOT EXISTS jobs_due ON jobs (due_by)",  # /metrics: at risk, overdue
)
PRIORITIES = ("same_day", "express", "standard")
"""Highest first: the print queue's order, the RQ queues' polling order, ``/metrics`` labels."""
PRIORITY_RANK = "(CASE priority WHEN 'same_day' THEN 0 WHEN 'express' THEN 1 ELSE 2 END)"
NO_DUE = 9.0e15  # sorts after every real due date
DUE_SORT = f"COALESCE(due_by, {NO_DUE!r})"


def order_schema(real: str, existing: set[str], json_print_unit: str) -> list[str]:
    """Statements that bring a store up to the order schema. ``existing``: the ``jobs`` columns already there.
    ``json_print_unit``: SQL reading ``print_unit`` out of the request JSON (jobs accepted before the column
    existed keep their routing)."""
    out: list[str] = []
    for name, typ in ORDER_COLUMNS:
        if name not in existing:
            out.append(f"ALTER TABLE jobs ADD COLUMN {name} {typ.format(real=real)}")
    if "print_unit" not in existing:
        out.append(f"UPDATE jobs SET print_unit = {json_print_unit} WHERE print_unit IS NULL")
    out.append(EVENTS_TABLE.format(real=real))
    out.append(SHEETS_TABLE.format(real=real))
    out += ORDER_INDEXES
    return out


class Conflict(RenderError):
    """The job is not in a state that allows the change (409); ``state`` says what it is in. ``code`` and
    ``field`` are what the API answers (its one RenderError handler): ``invalid_transition`` on ``job_id``
    unless the raise says otherwise."""

    code = "invalid_transition"
    http_status = 409

    def __init__(self, message: str, state: str | None, *, code: str | None = None, field: str = "job_id") -> None:
        super().__init__(message, field=field)
        if code is not None:
            self.code = code
        self.state = state


class OrderStore(StoreCore):
    """Order operations of the job store (see the module docstring); what they use of the store is
    :class:`~.store_base.StoreCore`."""

    def add_event(
        self, c: Any, job_id: str, kind: str, actor: str | None, data: dict[str, Any], at: float | None = None
    ) -> None:
        """Append to the job's timeline inside transaction ``c`` (which holds the job's row)."""
        row = c.execute("SELECT COALESCE(MAX(seq), 0) AS n FROM job_events WHERE job_id = ?", (job_id,)).fetchone()
        c.execute(
            "INSERT INTO job_events (job_id, seq, at, kind, actor, data) VALUES (?, ?, ?, ?, ?, ?)",
            (job_id, int(row["n"]) + 1, time.time() if at is None else at, kind, actor, json.dumps(data)),
        )

    def take(
        self, job_id: str, at: float, worker: str, queue: str, attempt: int, extra: dict[str, Any] | None = None
    ) -> None:
        """A worker took attempt ``attempt`` off queue ``queue`` at ``at`` (its dequeue time, recorded before
        the render starts): ``taken_at``/``taken_by`` and a ``taken`` event on the timeline (its data: the
        queue, the attempt and ``extra``: the Redis order of the take and of the job's arrival, farm.taking)."""
        with self._conn(immediate=True) as c:
            self._lock_job(c, job_id)
            c.execute("UPDATE jobs SET taken_at = ?, taken_by = ? WHERE id = ?", (at, worker, job_id))
            self.add_event(c, job_id, "taken", worker, {"queue": queue, "attempt": attempt, **(extra or {})}, at=at)

    def events(self, job_id: str) -> list[dict[str, Any]]:
        """The job's stored timeline, oldest first: ``{seq, at, kind, actor, data}``."""
        with self._conn() as c:
            rows = c.execute(
                "SELECT seq, at, kind, actor, data FROM job_events WHERE job_id = ? ORDER BY seq", (job_id,)
            ).fetchall()
        return [
            {"seq": r["seq"], "at": r["at"], "kind": r["kind"], "actor": r["actor"], "data": json.loads(r["data"])}
            for r in rows
        ]

    def review(self, job_id: str, approve: bool, actor: str, data: dict[str, Any]) -> Any:
        """A held job approved (-> ``queued``; the caller enqueues it) or rejected (-> ``failed`` with code
        ``rejected_in_review``). Raises :class:`Conflict` when the job is not held; None when absent."""
        now = time.time()
        with self._conn(immediate=True) as c:
            self._lock_job(c, job_id)
            rec = self._record(c, job_id)
            if rec is None:
                return None
            if rec.state != "held":
                raise Conflict(f"job is {rec.state}; only held jobs can be reviewed", rec.state, code="not_held")
            if approve:
                c.execute("UPDATE jobs SET state = 'queued', updated_at = ? WHERE id = ?", (now, job_id))
            else:
                err = {"code": "rejected_in_review", "message": "rejected in review", "field": None}
                c.execute(
                    "UPDATE jobs SET state = 'failed', error = ?, finished_at = ?, updated_at = ? WHERE id = ?",
                    (json.dumps(err), now, now, job_id),
                )
            self.add_event(c, job_id, "approved" if approve else "rejected", actor, data, now)
            return self._record(c, job_id)

    def held(self, owner: str, limit: int) -> list[Any]:
        """Held jobs of ``owner`` waiting for a review, oldest first (the storefront's review queue)."""
        with self._conn() as c:
            rows = c.execute(
                "SELECT id FROM jobs WHERE state = 'held' AND owner = ? ORDER BY created_at, id LIMIT ?", (owner, limit)
            ).fetchall()
            return [self._record(c, r["id"]) for r in rows]

    def report_production(self, job_id: str, new: str, actor: str, data: dict[str, Any], unit: str | None) -> Any:
        """A print unit reports ``new`` (accepted, printed, qc_failed, shipped). ``unit``: the reporting key's
        own print unit (its jobs only; None: any). ``accepted`` also acknowledges the job; ``qc_failed`` counts
        a reprint and puts the job back in the print queue with the same files, or (``data["files"] ==
        "rerender"``) back to ``queued`` for the caller to enqueue: it returns to the print queue when the new
        files are published. Raises :class:`Conflict`."""
        now = time.time()
        with self._conn(immediate=True) as c:
            self._lock_job(c, job_id)
            rec = self._record(c, job_id)
            if rec is None or (unit is not None and rec.print_unit != unit):
                return None
            if rec.state != "ready":
                raise Conflict(f"job is {rec.state}; production states follow a ready job", rec.state, field="state")
            if not allowed(rec.production, new):
                raise Conflict(
                    f"a job that is {rec.production or 'waiting in the queue'} cannot become {new}", None, field="state"
                )
            sets = "production = ?, production_at = ?, updated_at = ?"
            if new == "accepted":
                sets += ", acked_at = COALESCE(acked_at, ?)"
                args: tuple[Any, ...] = (new, now, now, now, job_id)
            elif new == "qc_failed":
                sets += ", reprints = reprints + 1, acked_at = NULL, sheet_id = NULL"  # a new sheet may take it
                if data.get("files") == "rerender":
                    sets += ", state = 'queued', lease_until = NULL"
                args = (new, now, now, job_id)
            else:
                args = (new, now, now, job_id)
            c.execute(f"UPDATE jobs SET {sets} WHERE id = ?", args)
            photo = data.get("photo_asset_id")
            if isinstance(photo, str):  # the fault's photo is kept as long as the job (asset retention)
                self._lock_asset(c, photo, exclusive=False)
                if not c.execute(
                    "SELECT 1 FROM job_assets WHERE job_id = ? AND asset_id = ?", (job_id, photo)
                ).fetchone():
                    c.execute("INSERT INTO job_assets (job_id, asset_id) VALUES (?, ?)", (job_id, photo))
            if new == "qc_failed":
                data = {**data, "reprint": rec.reprints + 1}
            self.add_event(c, job_id, new, actor, data, now)
            return self._record(c, job_id)

    def reprint_reasons(self) -> dict[str, int]:
        """``qc_failed`` reports by reason code, farm-wide (jobs still in the store)."""
        with self._conn() as c:
            rows = c.execute("SELECT data FROM job_events WHERE kind = 'qc_failed'").fetchall()
        out: dict[str, int] = {}
        for r in rows:
            reason = str(json.loads(r["data"]).get("reason", "other"))
            out[reason] = out.get(reason, 0) + 1
        return out

    def deadline_figures(self, now: float, at_risk_seconds: float) -> dict[str, Any]:
        """Figures for ``/metrics``: the oldest job waiting in the print queue per priority (seconds since it
        was accepted), jobs at risk (not shipped, due within ``at_risk_seconds``), overdue jobs (not shipped,
        past due) and deadline misses (shipped after their due date)."""
        open_ = "state IN ('held', 'queued', 'rendering', 'ready') AND COALESCE(production, '') <> 'shipped'"
        with self._conn() as c:
            ages = c.execute(
                "SELECT priority, MIN(created_at) AS oldest, COUNT(*) AS n FROM jobs"
                " WHERE state = 'ready' AND acked_at IS NULL GROUP BY priority"
            ).fetchall()
            risk = c.execute(
                f"SELECT COUNT(*) AS n FROM jobs WHERE {open_} AND due_by >= ? AND due_by < ?",
                (now, now + at_risk_seconds),
            ).fetchone()
            overdue = c.execute(f"SELECT COUNT(*) AS n FROM jobs WHERE {open_} AND due_by < ?", (now,)).fetchone()
            missed = c.execute(
                "SELECT COUNT(*) AS n FROM jobs WHERE production = 'shipped' AND production_at > due_by"
            ).fetchone()
            on_time = c.execute(
                "SELECT COUNT(*) AS n FROM jobs WHERE production = 'shipped' AND production_at <= due_by"
            ).fetchone()
        return {
            "queue_age": {r["priority"]: max(0.0, now - float(r["oldest"])) for r in ages},
            "queue_len": {r["priority"]: int(r["n"]) for r in ages},
            "at_risk": int(risk["n"]),
            "overdue": int(overdue["n"]),
            "missed": int(missed["n"]),
            "shipped_on_time": int(on_time["n"]),
        }

    def route(
        self, job_id: str, unit: str | None, actor: str, data: dict[str, Any], *, only_if: str | None,
        due_by: float | None = None, only_unrouted: bool = False,
    ) -> Any:  # fmt: skip
        """Assign the job to ``unit`` (routing, re-routing, manual override) and record why. ``only_if``: the
        unit it must still be routed to (a re-route that lost a race changes nothing: Conflict);
        ``only_unrouted``: it must still have no unit. A job a unit has already accepted keeps its unit
        (Conflict). ``due_by``: its new due date (the new unit's calendar and cut-off), recorded on the
        timeline with the old one."""
        now = time.time()
        with self._conn(immediate=True) as c:
            self._lock_job(c, job_id)
            rec = self._record(c, job_id)
            if rec is None:
                return None
            if (only_if is not None and rec.print_unit != only_if) or (only_unrouted and rec.print_unit is not None):
                raise Conflict("the job was routed elsewhere meanwhile", rec.state)
            if rec.production not in (None, "qc_failed") or rec.state == "failed":
                raise Conflict(f"job is {rec.production or rec.state}; it stays with its print unit", rec.state)
            c.execute("UPDATE jobs SET print_unit = ?, updated_at = ? WHERE id = ?", (unit, now, job_id))
            if due_by is not None and due_by != rec.due_by:
                c.execute("UPDATE jobs SET due_by = ? WHERE id = ?", (due_by, job_id))
                data = {**data, "due_by": {"from": rec.due_by, "to": due_by}}
            self.add_event(c, job_id, "routed", actor, {**data, "from": rec.print_unit, "to": unit}, now)
            return self._record(c, job_id)

    def note_decline(self, job_id: str, unit: str, actor: str, data: dict[str, Any]) -> None:
        """Record that ``unit`` declined the job (before re-routing it); Conflict once the unit took it."""
        with self._conn(immediate=True) as c:
            self._lock_job(c, job_id)
            rec = self._record(c, job_id)
            if rec is None:
                return
            if rec.print_unit != unit:
                raise Conflict("the job was routed elsewhere meanwhile", rec.state)
            if rec.production not in (None, "qc_failed") or rec.state == "failed":
                raise Conflict(f"job is {rec.production or rec.state}; it can no longer be declined", rec.state)
            self.add_event(c, job_id, "declined", actor, {**data, "from": unit})

    def routed_since(self, since: float) -> dict[str, int]:
        """Jobs per print unit accepted since ``since`` (today's load against its daily capacity)."""
        with self._conn() as c:
            rows = c.execute(
                "SELECT print_unit, COUNT(*) AS n FROM jobs WHERE created_at >= ? AND print_unit IS NOT NULL"
                " AND state <> 'failed' GROUP BY print_unit",
                (since,),
            ).fetchall()
        return {r["print_unit"]: int(r["n"]) for r in rows}

    def routed_count(self, unit: str, since: float) -> int:
        """Jobs accepted for ``unit`` since ``since`` (its local midnight: today's load), failed ones aside."""
        with self._conn() as c:
            row = c.execute(
                "SELECT COUNT(*) AS n FROM jobs WHERE print_unit = ? AND created_at >= ? AND state <> 'failed'",
                (unit, since),
            ).fetchone()
        return int(row["n"])

    def declined_by(self, job_id: str) -> set[str]:
        """Units that declined the job (never routed to it again)."""
        return {str(e["data"].get("from")) for e in self.events(job_id) if e["kind"] == "declined"}

    def open_jobs_of(self, unit: str) -> list[str]:
        """Jobs routed to ``unit`` that it has not taken yet (re-routed when it goes inactive)."""
        with self._conn() as c:
            rows = c.execute(
                "SELECT id FROM jobs WHERE print_unit = ? AND state IN ('held', 'queued', 'rendering', 'ready')"
                " AND (production IS NULL OR production = 'qc_failed') ORDER BY created_at, id",
                (unit,),
            ).fetchall()
        return [r["id"] for r in rows]

    def unrouted_jobs(self, limit: int = 500) -> list[str]:
        """Open jobs no print unit has (none was capable when they were routed): routed again once one is."""
        with self._conn() as c:
            rows = c.execute(
                "SELECT id FROM jobs WHERE print_unit IS NULL AND state IN ('held', 'queued', 'rendering', 'ready')"
                " AND (production IS NULL OR production = 'qc_failed') ORDER BY created_at, id LIMIT ?",
                (limit,),
            ).fetchall()
        return [r["id"] for r in rows]

    def routed_units(self) -> set[str]:
        """Units that have jobs not yet taken (maintenance re-routes those of units no longer in the registry)."""
        with self._conn() as c:
            rows = c.execute(
                "SELECT DISTINCT print_unit FROM jobs WHERE print_unit IS NOT NULL"
                " AND state IN ('held', 'queued', 'rendering', 'ready')"
                " AND (production IS NULL OR production = 'qc_failed')"
            ).fetchall()
        return {r["print_unit"] for r in rows}

    def record_sheet(self, sheet_id: str, kind: str, print_unit: str | None, items: int) -> None:
        """A sheet or roll whose files were published (retention deletes them ``retention_days`` later)."""
        with self._conn(immediate=True) as c:
            c.execute(
                "INSERT INTO sheets (id, kind, print_unit, items, created_at) VALUES (?, ?, ?, ?, ?)",
                (sheet_id, kind, print_unit, items, time.time()),
            )

    def expired_sheets(self, before: float, limit: int) -> list[str]:
        """Sheets and rolls made before ``before``, oldest first."""
        with self._conn() as c:
            rows = c.execute(
                "SELECT id FROM sheets WHERE created_at < ? ORDER BY created_at, id LIMIT ?", (before, limit)
            ).fetchall()
        return [r["id"] for r in rows]

    def delete_sheet(self, sheet_id: str) -> bool:
        with self._conn(immediate=True) as c:
            return c.execute("DELETE FROM sheets WHERE id = ?", (sheet_id,)).rowcount > 0

    def claim_for_sheet(self, sheet_id: str, job_ids: list[str], actor: str) -> list[str]:
        """Put waiting jobs on a sheet: each one only if it is still ready, not taken and on no sheet (one
        conditional update each: two sheets racing never get the same job). Claimed jobs leave the print
        queue (acknowledged). Returns the ids claimed, in the order given."""
        now = time.time()
        got = []
        with self._conn(immediate=True) as c:
            for job_id in job_ids:
                self._lock_job(c, job_id)
                cur = c.execute(
                    "UPDATE jobs SET sheet_id = ?, acked_at = ?, updated_at = ? WHERE id = ? AND state = 'ready'"
                    " AND acked_at IS NULL AND sheet_id IS NULL",
                    (sheet_id, now, now, job_id),
                )
                if cur.rowcount == 1:
                    self.add_event(c, job_id, "imposed", actor, {"sheet_id": sheet_id}, now)
                    got.append(job_id)
        return got

    def release_sheet(self, sheet_id: str, actor: str, reason: str) -> int:
        """A sheet that could not be made gives its jobs back to the print queue."""
        now = time.time()
        with self._conn(immediate=True) as c:
            rows = c.execute("SELECT id FROM jobs WHERE sheet_id = ?", (sheet_id,)).fetchall()
            for r in rows:
                self._lock_job(c, r["id"])
                c.execute(
                    "UPDATE jobs SET sheet_id = NULL, acked_at = NULL, updated_at = ? WHERE id = ? AND sheet_id = ?"
                    " AND production IS NULL",
                    (now, r["id"], sheet_id),
                )
                self.add_event(c, r["id"], "released", actor, {"sheet_id": sheet_id, "reason": reason}, now)
        return len(rows)
