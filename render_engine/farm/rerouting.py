"""Re-routing: jobs leave a print unit that cannot print them, in a maintenance pass (:func:`rebalance`, run
by every farm maintenance pass: RQ reconciler or embedded worker) or at once (:func:`reroute`: a unit
declined the job; the API calls it).

:func:`rebalance` moves jobs a unit has not taken yet (not accepted; a ``qc_failed`` reprint counts as not
taken) when

* the unit is switched off (``active: false``) or gone from the registry -> the next capable unit by the
  routing rules (:func:`~.routing.choose_unit`; never a unit that declined the job); none left: the job is
  unrouted (every unfiltered print queue shows it) and the timeline says why;
* the unit is over today's capacity (jobs routed to it since its local midnight) -> its newest jobs routed
  there by the rules today move to a capable unit with capacity left, as many as it is over; none has
  room: they stay. A job a storefront sent to the unit on purpose (``print_unit`` override) stays.

A moved job's ``due_by`` is derived again with the new unit's calendar, cut-off and time zone (a ``due_by``
the storefront gave is kept); the ``routed`` event records from/to, the reason and the old and new due date.
Each move is conditional on the job still being on the unit (``only_if``), so an API process and a
maintenance pass racing move a job once."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from pathlib import Path
from typing import Any

from .routing import NoPrintUnit, Registry, RegistryFile, choose_unit, due_by, local_midnight
from .store import JobStore
from .store_orders import Conflict

log = logging.getLogger(__name__)


def load_today(store: JobStore, registry: Registry, now: float) -> dict[str, int]:
    """Jobs routed to each active unit since its local midnight (today's load against its capacity)."""
    return {u.id: store.routed_count(u.id, local_midnight(u, now)) for u in registry.units if u.active}


def reroute(
    store: JobStore,
    registry: Registry | None,
    job_id: str,
    from_unit: str | None,
    actor: str,
    reason: str,
    *,
    now: float | None = None,
    need_room: bool = False,
) -> Any:
    """Move a job away from ``from_unit`` to the next capable unit (module docstring). ``need_room``: only to
    a unit with capacity left today (else the job stays: returns None). Conflict if it moved meanwhile."""
    now = time.time() if now is None else now
    rec = store.get(job_id)
    if rec is None:
        return None
    data: dict[str, Any] = {"reason": reason}
    target: str | None = None
    due: float | None = None
    if registry is not None:
        template = str((rec.request.get("design") or {}).get("template", ""))
        exclude = frozenset(store.declined_by(job_id) | ({from_unit} if from_unit else set()))
        try:
            spec, over = choose_unit(
                registry, template, load_today(store, registry, now),
                exclude=exclude, priority=rec.priority, now=now, strict=False,
            )  # fmt: skip
        except NoPrintUnit as exc:  # no capable unit left: unrouted, visible in every unfiltered queue
            if need_room:
                return None
            data["unroutable"] = str(exc)
        else:
            if over and need_room:
                return None
            target = spec.id
            if over:
                data["over_capacity"] = True
            if rec.request.get("due_by") is None:  # derived, not given: the new unit's promise
                due = due_by(registry, spec, template, rec.priority, now, strict=False)
    return store.route(job_id, target, actor, data, only_if=from_unit, due_by=due)


def rebalance(store: JobStore, registry: Registry, *, now: float | None = None, actor: str = "maintenance") -> dict:
    """One pass over the units (module docstring); returns how many jobs moved, by reason."""
    now = time.time() if now is None else now
    moved = {"unit_inactive": 0, "unit_unknown": 0, "over_capacity": 0}
    known = {u.id for u in registry.units}
    off = [(u.id, "unit_inactive") for u in registry.units if not u.active]
    off += [(unit, "unit_unknown") for unit in sorted(store.routed_units() - known)]
    for unit, reason in off:
        for job_id in store.open_jobs_of(unit):
            with contextlib.suppress(Conflict):  # moved by someone else, or the unit took it meanwhile
                moved[reason] += reroute(store, registry, job_id, unit, actor, reason, now=now) is not None
    for u in registry.units:
        if not u.active:
            continue
        excess = store.routed_count(u.id, local_midnight(u, now)) - u.daily_capacity
        if excess <= 0:
            continue
        since = local_midnight(u, now)
        recs = [store.get(j) for j in store.open_jobs_of(u.id)]
        # routed by the rules today (a manual override chose this unit on purpose: it stays)
        today = [r.id for r in recs if r is not None and r.created_at >= since and r.request.get("print_unit") is None]
        for job_id in reversed(today[-excess:]):  # the newest first: the ones that went over
            with contextlib.suppress(Conflict):
                got = reroute(store, registry, job_id, u.id, actor, "over_capacity", now=now, need_room=True)
                if got is None:
                    break  # no unit has room: the rest stay too
                moved["over_capacity"] += 1
    if any(moved.values()):
        log.info("re-routed jobs: %s", moved)
    return moved


_files: dict[Path, RegistryFile] = {}
_files_lock = threading.Lock()


def registry_file(path: Path) -> RegistryFile:
    """One :class:`RegistryFile` per path in this process (read again when the file changes)."""
    with _files_lock:
        if path not in _files:
            _files[path] = RegistryFile(path)
        return _files[path]
