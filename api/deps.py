"""Request dependencies (``Annotated`` aliases used by the route modules): services and API-key auth."""

from __future__ import annotations

import hmac
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from render_engine.jobs.settings import ApiKey
from render_engine.jobs.worker import Dispatcher, Services

from .errors import ApiError
from .metrics import Metrics
from .render_cache import RenderCache

T = TypeVar("T")


class PreviewGate:
    """Bounded, never-queueing synchronous renders (previews, preflight).

    ``slots`` renders run at once; one more is refused at once with ``429`` + ``Retry-After`` (a
    non-blocking acquire: requests never pile up behind a slow render). Each render runs in its own
    thread and the request waits at most ``timeout`` seconds (then ``503``); a timed-out render keeps
    its slot until it really ends, so abandoned work can never exceed ``slots`` either.
    """

    def __init__(self, slots: int, timeout: float) -> None:
        self.slots = slots
        self.timeout = timeout
        self._sem = threading.BoundedSemaphore(slots)
        self.rejected = 0
        self.timed_out = 0

    def run(self, fn: Callable[[], T]) -> T:
        if not self._sem.acquire(blocking=False):
            self.rejected += 1
            raise ApiError(
                429, "too_many_requests", f"{self.slots} previews are rendering; retry shortly",
                headers={"Retry-After": "1"},
            )
        box: list[Any] = []
        done = threading.Event()

        def work() -> None:
            try:
                box.append((True, fn()))
            except BaseException as exc:  # handed to the request thread
                box.append((False, exc))
            finally:
                self._sem.release()
                done.set()

        threading.Thread(target=work, name="preview", daemon=True).start()
        if not done.wait(self.timeout):
            self.timed_out += 1
            raise ApiError(
                503, "render_timeout", f"the render took longer than {self.timeout:g} s",
                headers={"Retry-After": "5"},
            )
        ok, value = box[0]
        if not ok:
            raise value
        return value


@dataclass
class AppState:
    services: Services
    dispatcher: Dispatcher
    keys: tuple[ApiKey, ...]
    metrics: Metrics = field(default_factory=Metrics)
    previews: PreviewGate | None = None
    renders: RenderCache | None = None

    def __post_init__(self) -> None:
        s = self.services.settings
        if self.previews is None:
            self.previews = PreviewGate(s.max_concurrent_previews, s.preview_timeout)
        if self.renders is None:
            self.renders = RenderCache(s.storage_root / "cache" / "renders")

    @property
    def gate(self) -> PreviewGate:
        assert self.previews is not None
        return self.previews

    @property
    def cache(self) -> RenderCache:
        assert self.renders is not None
        return self.renders


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.render
    return state


State = Annotated[AppState, Depends(get_state)]

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="A storefront or print-unit key.")


def _authenticate(state: AppState, presented: str | None) -> ApiKey:
    if not presented:
        raise ApiError(401, "unauthorized", "missing X-API-Key header")
    found: ApiKey | None = None
    for k in state.keys:  # compare against every key in constant time
        if hmac.compare_digest(k.key.encode(), presented.encode("utf-8", "replace")):
            found = k
    if found is None:
        raise ApiError(401, "unauthorized", "unknown API key")
    return found


def require(scope: str) -> Callable[..., ApiKey]:
    def dependency(state: State, presented: Annotated[str | None, Security(api_key_header)]) -> ApiKey:
        key = _authenticate(state, presented)
        if scope not in key.scopes:
            raise ApiError(403, "forbidden", f"this endpoint needs a {scope} key")
        return key

    dependency.__name__ = f"require_{scope.replace('-', '_')}"
    return dependency


Storefront = Annotated[ApiKey, Depends(require("storefront"))]
PrintUnit = Annotated[ApiKey, Depends(require("print-unit"))]
