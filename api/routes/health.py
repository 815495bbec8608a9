"""Liveness, readiness and Prometheus metrics (unauthenticated: expose them on the internal network only).

``/healthz`` is ``async def``: it is answered on the event loop, so it never waits for a threadpool thread
(nor for the GIL handoffs of one) while preview renders saturate the cores. ``/readyz`` and ``/metrics``
touch Redis, the disk and the job store, so they stay ``def`` and run in the threadpool, off the loop.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse

from ..deps import State
from ..metrics import order_lines

router = APIRouter(tags=["ops"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process answers (no dependency is checked)."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "Redis or storage unreachable"}})
def readyz(state: State) -> JSONResponse:
    """Redis answers a PING (or the embedded worker runs), the storage is writable and the job store answers
    a read (SQLite file or PostgreSQL server)."""
    checks: dict[str, Any] = {
        "queue": state.dispatcher.ping(),
        "storage": state.services.storage.writable(),
        "job_store": state.services.store.ping(),
    }
    ok = all(checks.values())
    return JSONResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503)


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(state: State) -> PlainTextResponse:
    """Prometheus text: request counts and latency, render step durations (this process's and the RQ farm's),
    jobs by state, queue depth; order figures (reprints by reason, print-queue age per priority, jobs at
    risk, overdue, deadline misses)."""
    try:
        depth = state.dispatcher.depth()
    except Exception:
        depth = {}
    try:
        farm = state.dispatcher.farm_steps()
    except Exception:  # Redis unreachable: the rest of the metrics still answer
        farm = {}
    store = state.services.store
    text = state.metrics.render(store.counts(), depth, farm)
    at_risk = state.services.settings.at_risk_hours * 3600
    text += order_lines(store.reprint_reasons(), store.deadline_figures(time.time(), at_risk))
    return PlainTextResponse(text, media_type="text/plain; version=0.0.4")
