"""The print-unit registry, read-only (``GET /v1/print-units``): what routing chooses from, with today's load."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter

from render_engine.farm.routing import local_midnight

from ..deps import PrintUnit, State
from ..errors import ERROR_RESPONSES, NotFound
from ..routing import refresh

router = APIRouter(tags=["print units"])


@router.get("/print-units", responses=ERROR_RESPONSES)
def print_units(state: State, key: PrintUnit) -> dict[str, Any]:
    """Every unit of the registry (a unit's own key: only its own) with ``routed_today`` (jobs routed to it
    since its local midnight, against ``daily_capacity``); the calendar and production days."""
    if state.units is None:
        raise NotFound("no print-unit registry is configured (RENDER_ENGINE_PRINT_UNITS)")
    refresh(state)
    registry = state.units.get()
    now = time.time()
    units = []
    for u in registry.units:
        if key.print_unit is not None and u.id != key.print_unit:
            continue
        out = u.model_dump(mode="json")
        out["routed_today"] = state.services.store.routed_count(u.id, local_midnight(u, now))
        units.append(out)
    return {
        "units": units,
        "calendar": registry.calendar.model_dump(mode="json"),
        "production_days": registry.production_days.model_dump(mode="json"),
    }
