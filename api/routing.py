"""Routing glue of the API: the print-unit registry (:mod:`render_engine.farm.routing`) applied to jobs.

* :func:`route_new_job` — at ``POST /v1/jobs``: the storefront's ``print_unit`` (a manual override; with a
  registry it must name an active unit) or the rules' choice; and the job's ``due_by`` (given, or derived
  from priority, the product's production days and the unit's cut-off and calendar).
* :func:`reroute` — a unit declined the job, or went inactive: the next capable unit (never one that
  declined it); none left: the job is unrouted (every unfiltered print queue shows it) and says why.
* :func:`refresh` — called by the requests that read the registry: when the file changed and a unit went
  inactive, its jobs not yet taken are re-routed (one API process wins each job: conditional on the unit).
  The farm's maintenance pass does the same without any request, and moves jobs off units over capacity
  (:mod:`render_engine.farm.rerouting`).
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from render_engine.farm.rerouting import load_today
from render_engine.farm.rerouting import reroute as farm_reroute
from render_engine.farm.routing import Registry, choose_unit, due_by
from render_engine.farm.store_orders import Conflict

from .deps import AppState
from .errors import ApiError
from .schemas import JobRequest

log = logging.getLogger(__name__)
DEFAULT = Registry()  # no registry configured: Monday-Friday, 3 (express 1) production days, 14:00 UTC


def registry_of(state: AppState) -> Registry | None:
    return state.units.get() if state.units is not None else None


def route_new_job(
    state: AppState, body: JobRequest, template: str, now: float
) -> tuple[str | None, float, dict[str, Any]]:
    """(print unit, due_by, how it was decided) for a new job."""
    registry = registry_of(state)
    if registry is None:
        unit_id = body.print_unit
        info: dict[str, Any] = {"reason": "manual" if unit_id else "none"}
        due = due_by(DEFAULT, None, template, body.priority, now)
    else:
        refresh(state)
        if body.print_unit is not None:
            spec = registry.unit(body.print_unit)
            if spec is None or not spec.active:
                why = "is not in the registry" if spec is None else "is inactive"
                raise ApiError(422, "invalid_request", f"print unit {body.print_unit!r} {why}", field="print_unit")
            info = {"reason": "manual"}
        else:
            load = load_today(state.services.store, registry, now)
            spec, over = choose_unit(registry, template, load, priority=body.priority, now=now)
            info = {"reason": "rules", **({"over_capacity": True} if over else {})}
        unit_id = spec.id
        due = due_by(registry, spec, template, body.priority, now)
    if body.due_by is not None:
        due, info["due_by"] = body.due_by.timestamp(), "given"
    else:
        info["due_by"] = "derived"
    return unit_id, due, info


def reroute(state: AppState, job_id: str, from_unit: str | None, actor: str, reason: str) -> Any:
    """Move a job away from ``from_unit`` to the next capable unit, its due date derived again
    (:func:`render_engine.farm.rerouting.reroute`)."""
    return farm_reroute(state.services.store, registry_of(state), job_id, from_unit, actor, reason)


def _active(registry: Registry, unit_id: str) -> bool:
    spec = registry.unit(unit_id)
    return spec is not None and spec.active


def refresh(state: AppState) -> int:
    """Re-route the open jobs of units the registry switched off since it was last read; returns how many."""
    if state.units is None:
        return 0
    now_reg = state.units.get()  # reads the file again if it changed (and keeps the version before)
    before = state.units.previous
    if before is None:
        return 0
    state.units.previous = None  # handled once per reload by this process
    off = [u.id for u in before.units if u.active and not _active(now_reg, u.id)]
    moved = 0
    for unit in off:
        for job_id in state.services.store.open_jobs_of(unit):
            with contextlib.suppress(Conflict):  # another process moved it, or the unit took it meanwhile
                moved += reroute(state, job_id, unit, "registry", "unit_inactive") is not None
    if moved:
        log.info("re-routed %d jobs of inactive print units %s", moved, off)
    return moved
