"""Work started ahead on a shared thread pool: a page's image layers (PDF), a preview's items (mockup).

libvips, zlib, libjpeg and numpy release the GIL, so a photo's decode and a clip-art's decode run side by side
on two cores instead of one after the other (issue 22). One pool per process, as many threads as cores (at
least two), or ``render_threads`` (:mod:`render_engine.inputs.tuning`; 1 in a render-farm process):
concurrent renders (API threads, pages drawn side by side) share it, and the cores bound the work anyway. A
job runs in a copy of the submitter's context, so a deadline set by the caller (:mod:`render_engine.model.deadline`)
holds in the thread too. Jobs never wait for other jobs (no deadlock).
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from ..inputs.tuning import pool_threads

P = ParamSpec("P")
T = TypeVar("T")

_pool: ThreadPoolExecutor | None = None
_size = 0
_lock = threading.Lock()
_local = threading.local()


def _executor() -> ThreadPoolExecutor:
    global _pool, _size
    with _lock:
        size = pool_threads()
        if _pool is None or _size != size:  # first use, or render_threads changed since
            if _pool is not None:
                _pool.shutdown(wait=False)  # its queued and running jobs still finish
            _pool, _size = ThreadPoolExecutor(size, thread_name_prefix="render-ahead"), size
        return _pool


def submit(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> Future[T]:
    """Run ``fn(*args, **kwargs)`` on the pool, in a copy of the current context."""
    ctx = contextvars.copy_context()

    def job() -> T:
        _local.on_pool = True
        return ctx.run(fn, *args, **kwargs)

    return _executor().submit(job)


def on_pool() -> bool:
    """True in a pool job: work that would wait for pool jobs of its own runs them inline instead, so a job
    never waits for the pool it occupies (a preview's items are drawn on the pool, some through the raster
    backend, which prepares its images ahead when called from anywhere else)."""
    return bool(getattr(_local, "on_pool", False))


def settle(jobs: list[Future[T]]) -> None:
    """Wait for jobs whose results nobody will collect (the caller failed first); their errors are dropped."""
    for job in jobs:
        if not job.cancel():
            job.exception()
