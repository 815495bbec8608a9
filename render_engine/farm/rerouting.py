"""Re-routing: jobs leave a print unit that cannot print them, in a maintenance pass (:func:`rebalance`, run
by every farm maintenance pass: RQ reconciler or embedded worker) or at once (:func:`reroute`: a unit
declined the job; the API calls it).

:func:`rebalance` moves jobs a unit has not taken yet (not accepted; a ``qc_failed`` reprint counts as not
taken) when

* the unit is switched off (``active: false``) or gone from the registry -> the next capable unit by the
  routing rules (:func:`~.routing.choose_unit`; never a unit that declined the job); none left: the job is
  unrouted (every unfiltered print queue shows it) and the timeline says why;
* a job has no unit (none was capable when it was routed) and a capable unit is back (switched on, added)
  -> that unit (``unit_available``); still none: it stays unrouted, with no new event;
* the unit is closed today by its own calendar (a site holiday) and another capable unit works today with
  capacity left -> that unit, same day and express first (``unit_closed_today``); none: the job stays, due
  on the unit's next work day;
* the unit is over today's capacity (jobs routed to it since its local midnight) -> its newest **standard**
  jobs routed there by the rules today move to a capable unit with capacity left, as many as it is over;
  none has room: they stay. Same-day and express jobs keep the unit they were promised.

A job a storefront sent to a unit on purpose (``print_unit`` override) stays with it, except when the unit
is switched off or gone.

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

from .routing import NoPrintUnit, Registry, RegistryFile, choose_unit, due_by, local_midnight, works_today
from .store import JobRecord, JobStore
from .store_orders import PRIORITIES, Conflict

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
    need_open: bool = False,
) -> Any:
    """Move a job away from ``from_unit`` (None: a job no unit has) to the next capable unit (module
    docstring). ``need_room``: only to a unit with capacity left today; ``need_open``: only to a unit working
    today (else the job stays: returns None). A job without a unit stays without one, unrecorded, while no
    unit is capable. Conflict if it moved meanwhile."""
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
            if need_room or need_open or from_unit is None:
                return None
            data["unroutable"] = str(exc)
        else:
            if (over and need_room) or (need_open and not works_today(registry, spec, now)):
                return None
            target = spec.id
            if over:
                data["over_capacity"] = True
            if rec.request.get("due_by") is None:  # derived, not given: the new unit's promise
                due = due_by(registry, spec, template, rec.priority, now, strict=False)
    elif from_unit is None:
        return None
    return store.route(job_id, target, actor, data, only_if=from_unit, due_by=due, only_unrouted=from_unit is None)


def _rule_routed(store: JobStore, unit: str) -> list[JobRecord]:
    """The unit's open jobs the routing rules chose it for (a storefront's ``print_unit`` choice stays)."""
    recs = [store.get(j) for j in store.open_jobs_of(unit)]
    return [r for r in recs if r is not None and r.request.get("print_unit") is None]


def rebalance(store: JobStore, registry: Registry, *, now: float | None = None, actor: str = "maintenance") -> dict:
    """One pass over the units (module docstring); returns how many jobs moved, by reason."""
    now = time.time() if now is None else now
    moved = {"unit_inactive": 0, "unit_unknown": 0, "unit_available": 0, "unit_closed_today": 0, "over_capacity": 0}

    def move(job_id: str, unit: str | None, reason: str, **need: bool) -> bool:
        with contextlib.suppress(Conflict):  # moved by someone else, or the unit took it meanwhile
            if reroute(store, registry, job_id, unit, actor, reason, now=now, **need) is not None:
                moved[reason] += 1
                return True
        return False

    known = {u.id for u in registry.units}
    off = [(u.id, "unit_inactive") for u in registry.units if not u.active]
    off += [(unit, "unit_unknown") for unit in sorted(store.routed_units() - known)]
    for unit, reason in off:
        for job_id in store.open_jobs_of(unit):
            move(job_id, unit, reason)
    for job_id in store.unrouted_jobs():  # a unit came back (switched on, added): jobs nobody could take
        move(job_id, None, "unit_available")
    for u in registry.units:
        if not u.active or works_today(registry, u, now):
            continue
        # closed today by its own calendar: its jobs go to a unit working today with room, urgent ones first
        for rec in sorted(_rule_routed(store, u.id), key=lambda r: (PRIORITIES.index(r.priority), r.created_at)):
            move(rec.id, u.id, "unit_closed_today", need_room=True, need_open=True)
    for u in registry.units:
        if not u.active:
            continue
        since = local_midnight(u, now)
        excess = store.routed_count(u.id, since) - u.daily_capacity
        if excess <= 0:
            continue
        # routed by the rules today, standard only (same day and express keep the unit they were promised):
        # the newest first, the ones that went over
        today = [r.id for r in _rule_routed(store, u.id) if r.created_at >= since and r.priority == "standard"]
        for job_id in reversed(today[-excess:]):
            if not move(job_id, u.id, "over_capacity", need_room=True):
                break  # no unit has room (or it moved meanwhile): the rest stay too
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
