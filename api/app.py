"""The app factory: ``create_app(settings) -> FastAPI``; routes under ``/v1``, ops endpoints at the root.

With ``settings.redis_url`` jobs go to RQ (``render-engine worker`` processes render them); without it an
in-process render thread consumes the same job function (the embedded default of ``render-engine serve``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from render_engine import __version__
from render_engine.checks.spelling import load_dictionary
from render_engine.engine import Engine
from render_engine.farm.dispatch import LocalDispatcher, RqDispatcher
from render_engine.farm.services import Dispatcher, Services
from render_engine.farm.settings import ServiceSettings
from render_engine.inputs.font_upload import MAX_FONT_BYTES

from . import errors
from .batch_validation import BatchValidator
from .deps import AppState
from .headers import SecurityHeadersMiddleware
from .limits import BodyLimitMiddleware, JsonDepthMiddleware
from .metrics import Metrics
from .routes import (
    assets,
    batch_files,
    batch_problems,
    batches,
    catalog,
    demo,
    design_templates,
    fonts,
    health,
    jobs,
    orders,
    previews,
    sheets,
    units,
)


class MetricsMiddleware:
    """Request count and latency by route template (``/v1/jobs/{job_id}``, not the raw path)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        status = 500

        async def send_wrapper(msg: Message) -> None:
            nonlocal status
            if msg["type"] == "http.response.start":
                status = msg["status"]
            await send(msg)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            name = getattr(route, "path", "unmatched")
            if scope.get("path", "").startswith("/v1/") and not name.startswith("/v1"):
                name = "/v1" + name  # routers included with a prefix report their own path
            self.metrics.observe(scope["method"], name, status, time.perf_counter() - t0)


def create_app(
    settings: ServiceSettings | None = None,
    *,
    engine: Engine | None = None,
    dispatcher: Dispatcher | None = None,
) -> FastAPI:
    settings = settings or ServiceSettings()
    services = Services.build(settings, engine)
    local: LocalDispatcher | None = None
    if dispatcher is None:
        if settings.redis_url:
            dispatcher = RqDispatcher(services, settings.redis_url)
        else:
            local = LocalDispatcher(services, settings.embedded_workers)
            dispatcher = local
    demo_key = demo.demo_api_key(settings)  # storefront scope only; None: no /demo
    state = AppState(services, dispatcher, settings.keys() + ((demo_key,) if demo_key else ()))
    # jobs the embedded worker renders in this process report their step timings to /metrics (RQ workers
    # are other processes: they log them, see docs/api.md)
    services.on_steps = state.metrics.observe_steps
    state.validator = BatchValidator(state)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # the spelling dictionary takes ~2-3 s to read: load it beside start-up, not in the first preview
        threading.Thread(target=load_dictionary, name="spelling-dictionary", daemon=True).start()
        if local is not None:
            local.start()
        state.validator.start()  # large batches' rows, checked off the request (and any a dead process left)
        try:
            yield
        finally:
            state.validator.stop()
            if local is not None:
                local.stop()

    app = FastAPI(
        title="render-engine API",
        version=__version__,
        description="Print files from design JSON: assets, previews, preflight, async print jobs, print-unit pickup.",
        lifespan=lifespan,
    )
    app.state.render = state
    errors.install(app)
    app.include_router(assets.router, prefix="/v1")
    app.include_router(jobs.router, prefix="/v1")
    app.include_router(orders.router, prefix="/v1")
    app.include_router(units.router, prefix="/v1")
    app.include_router(sheets.router, prefix="/v1")
    app.include_router(previews.router, prefix="/v1")
    app.include_router(catalog.router, prefix="/v1")
    app.include_router(fonts.router, prefix="/v1")
    app.include_router(design_templates.router, prefix="/v1")
    app.include_router(batches.router, prefix="/v1")
    app.include_router(batch_files.router, prefix="/v1")
    app.include_router(batch_problems.router, prefix="/v1")
    app.include_router(health.router)
    app.state.demo_key = demo_key  # `render-engine serve` prints a random one (no keys configured)
    app.include_router(demo.build_router(demo_key) if demo_key is not None else demo.build_disabled_router())

    def limit_for(scope: Scope) -> int:
        path: str = scope.get("path", "")
        if path.startswith("/v1/assets"):
            return settings.max_body_bytes
        if path == "/v1/batches/upload":  # the rows and their photo files (api/batch_photos.py)
            return max(settings.max_body_bytes, settings.max_design_bytes)
        if path.startswith("/v1/fonts"):  # a CJK font is 3-6 MB: the route's own 10 MB limit, plus a form's parts
            return max(settings.max_design_bytes, MAX_FONT_BYTES + 65_536)
        return settings.max_design_bytes

    app.add_middleware(JsonDepthMiddleware, max_depth=settings.max_json_depth)
    app.add_middleware(BodyLimitMiddleware, limit_for=limit_for, idle_timeout=settings.body_idle_timeout)
    app.add_middleware(MetricsMiddleware, metrics=state.metrics)
    app.add_middleware(SecurityHeadersMiddleware)  # outermost: every answer, errors from the limits included
    return app


def openapi_document(app: FastAPI) -> dict[str, Any]:
    return app.openapi()
