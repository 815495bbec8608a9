"""Request dependencies (``Annotated`` aliases used by the route modules): services and API-key auth.

The aliases resolve with ``async def`` dependencies: they only read app state and compare keys, so they
run on the event loop. A plain ``def`` dependency would cost every request a round trip through the
threadpool per dependency, each waiting for the GIL while preview renders hold it.
"""

from __future__ import annotations

import hmac
import os
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from render_engine.farm.routing import RegistryFile
from render_engine.farm.services import Dispatcher, Services
from render_engine.farm.settings import ApiKey, ServiceSettings
from render_engine.model.deadline import DeadlinePassed, deadline

from .errors import ApiError, Forbidden, Unauthorized
from .metrics import Metrics
from .render_cache import RenderCache

T = TypeVar("T")


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # no sched_getaffinity (macOS, Windows)
        return os.cpu_count() or 1


def preview_slots(settings: ServiceSettings) -> int:
    """``max_concurrent_previews`` when configured; left at its default, no more than the usable cores.

    A preview is CPU-bound: more renders than cores only time-slice (each answer slower, no more per
    second) and keep the GIL busier, so the event loop answers everything else later.
    """
    configured = settings.max_concurrent_previews
    if "max_concurrent_previews" in settings.model_fields_set:
        return configured
    return max(1, min(configured, usable_cores()))


class PreviewGate:
    """Bounded synchronous work (previews, preflight, job intake): at most ``slots`` at once, each bounded.

    ``slots`` renders run at once; one more waits at most ``wait`` seconds for a slot (previews: 0, a
    non-blocking acquire, so requests never pile up behind a slow render) and is then refused with ``429`` +
    ``Retry-After``. Each render runs in its own thread and the request waits at most ``timeout`` seconds
    (then ``503`` + ``Retry-After``). The render itself runs under a :func:`~render_engine.model.deadline.deadline`
    of ``timeout``: abandoned work stops at its next check (one text line, a few dozen glyphs, one layer)
    and gives its slot back, instead of holding it until it ends on its own (seconds to minutes for a costly
    design). Work started from inside a gate thread (a job intake checking its approved preview) runs in
    that thread, under the outer slot and deadline: a gate never waits for itself.
    """

    _inside = threading.local()  # set in gate threads: nested runs go straight through

    def __init__(self, slots: int, timeout: float, wait: float = 0.0, what: str = "previews") -> None:
        self.slots = slots
        self.timeout = timeout
        self.wait = wait
        self.what = what
        self._sem = threading.BoundedSemaphore(slots)
        self.rejected = 0
        self.timed_out = 0

    def _timeout(self) -> ApiError:
        self.timed_out += 1
        message = f"the work took longer than {self.timeout:g} s; retry later or simplify the design"
        return ApiError(503, "render_timeout", message, headers={"Retry-After": "5"})

    def run(self, fn: Callable[[], T]) -> T:
        if getattr(PreviewGate._inside, "active", False):
            return fn()
        got = self._sem.acquire(timeout=self.wait) if self.wait > 0 else self._sem.acquire(blocking=False)
        if not got:
            self.rejected += 1
            raise ApiError(
                429,
                "too_many_requests",
                f"{self.slots} {self.what} are running; retry shortly",
                headers={"Retry-After": "1"},
            )
        box: list[Any] = []
        done = threading.Event()

        def work() -> None:
            PreviewGate._inside.active = True
            try:
                with deadline(self.timeout):
                    box.append((True, fn()))
            except BaseException as exc:  # handed to the request thread
                box.append((False, exc))
            finally:
                self._sem.release()
                done.set()

        threading.Thread(target=work, name=self.what, daemon=True).start()
        if not done.wait(self.timeout):
            raise self._timeout()
        ok, value = box[0]
        if not ok:
            if isinstance(value, DeadlinePassed):  # the clock ran out between the wait and the last check
                raise self._timeout() from None
            raise value
        return value


@dataclass
class AppState:
    services: Services
    dispatcher: Dispatcher
    keys: tuple[ApiKey, ...]
    metrics: Metrics = field(default_factory=Metrics)
    previews: PreviewGate | None = None
    intake: PreviewGate | None = None  # POST /v1/jobs design checks: bounded like a preview, waits for a slot
    batch_intake: PreviewGate | None = None  # POST /v1/batches: one batch checked at a time, ``batch_timeout``
    renders: RenderCache | None = None
    units: RegistryFile | None = None  # the print-unit registry (settings.print_units), if configured
    validator: Any = None  # api.batch_validation.BatchValidator: checks large batches off the request

    def __post_init__(self) -> None:
        s = self.services.settings
        if self.units is None and s.print_units is not None:
            self.units = RegistryFile(s.print_units)
            self.units.get()  # a broken registry stops the start, not the first order
        if self.previews is None:
            self.previews = PreviewGate(preview_slots(s), s.preview_timeout)
        if self.intake is None:  # its own slots: a burst of previews never refuses a job (it waits instead)
            self.intake = PreviewGate(preview_slots(s), s.preview_timeout, wait=min(10.0, s.preview_timeout),
                                      what="job intakes")  # fmt: skip
        if self.batch_intake is None:  # the gate's own bound is a margin: the rows stop at batch_timeout (413)
            self.batch_intake = PreviewGate(1, s.batch_timeout + 5, wait=10.0, what="batch intakes")
        if self.renders is None:
            self.renders = RenderCache(s.storage_root / "cache" / "renders")

    @property
    def gate(self) -> PreviewGate:
        assert self.previews is not None
        return self.previews

    @property
    def intake_gate(self) -> PreviewGate:
        assert self.intake is not None
        return self.intake

    @property
    def batch_gate(self) -> PreviewGate:
        assert self.batch_intake is not None
        return self.batch_intake

    @property
    def cache(self) -> RenderCache:
        assert self.renders is not None
        return self.renders


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.render
    return state


async def _state(request: Request) -> AppState:
    return get_state(request)


State = Annotated[AppState, Depends(_state)]

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="A storefront or print-unit key.")


def _authenticate(state: AppState, presented: str | None) -> ApiKey:
    if not presented:
        raise Unauthorized("missing X-API-Key header")
    found: ApiKey | None = None
    for k in state.keys:  # compare against every key in constant time
        if hmac.compare_digest(k.key.encode(), presented.encode("utf-8", "replace")):
            found = k
    if found is None:
        raise Unauthorized("unknown API key")
    return found


def require(scope: str) -> Callable[[AppState, str | None], ApiKey]:
    """The key check for ``scope`` as a plain function (for routes that combine scopes)."""

    def check(state: AppState, presented: str | None) -> ApiKey:
        key = _authenticate(state, presented)
        if scope not in key.scopes:
            raise Forbidden(f"this endpoint needs a {scope} key")
        return key

    return check


def _key_dependency(scope: str) -> Callable[..., Awaitable[ApiKey]]:
    check = require(scope)

    async def dependency(state: State, presented: Annotated[str | None, Security(api_key_header)]) -> ApiKey:
        return check(state, presented)

    dependency.__name__ = f"require_{scope.replace('-', '_')}"
    return dependency


Storefront = Annotated[ApiKey, Depends(_key_dependency("storefront"))]
PrintUnit = Annotated[ApiKey, Depends(_key_dependency("print-unit"))]
