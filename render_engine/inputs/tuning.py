"""Process-wide tuning of what a render runs on: its threads, glibc's malloc arenas, libvips' operation cache.

**Threads** (issue 22): how many threads one render uses, libvips' thread pool and the page-image pool.

A render runs its libvips pipelines on libvips' own thread pool (``vips_concurrency``: one thread per core
by default, or ``VIPS_CONCURRENCY``) and a page's photo and clip-art side by side on the page-image pool
(:mod:`render_engine.backends.ahead`). One process rendering alone keeps ~1.6 of 2 cores busy that way; a
farm that runs one worker process per core already has every core busy with renders, where extra threads
only contend. The setting is ``render_threads`` (``RENDER_ENGINE_RENDER_THREADS``), per workload:

* unset (the default): a render-farm process (``render-engine worker``, its work horses and its batch
  validator) renders on **1** thread, unless the operator set ``VIPS_CONCURRENCY``; everything else (one
  ``render-engine render``, an :class:`~render_engine.engine.Engine` in a program, ``render-engine serve``)
  keeps libvips' default, one thread per core;
* ``0``: libvips' default (or ``VIPS_CONCURRENCY``) everywhere, the farm's workers included;
* ``n``: libvips' pool and the page-image pool have ``n`` threads each, whatever ``VIPS_CONCURRENCY`` says.

Applied with :func:`use_render_threads` before the process renders anything (libvips reads its concurrency
when a pipeline starts its threads; the page-image pool is built with the size asked for last). Outputs do
not depend on it (``tests/engine/test_thread_counts.py``). Measurements: ``docs/farm.md``, "Threads and
processes".

**Memory** (``malloc_arena_max``, ``vips_cache_mb``; applied by every :class:`~render_engine.engine.Engine`,
so by the command line, the API, the farm and programs alike): glibc gives each thread that allocates
concurrently an arena of its own (up to 8 per core) and keeps what was freed in it, and libvips keeps
recent operations with their pixels (100 MB by default) although every order brings new files. A warm
process rendering R1 (the mug: 12-MP photo, 2-MP clip-art) peaked at 342 MB after 14 renders with both
defaults, 254 MB with 2 arenas and 233-251 MB with 2 arenas and a 16 MB cache, in the same time (wall 94-111
/ 93-99 / 86-95 ms a render under ``SCHED_FIFO``; benchmarks/README.md, round 7). A fixed malloc mmap
threshold (1 MB: large buffers returned at once) took 20 MB more off and cost ~15-30 ms of CPU a render in
page faults: not applied.
"""

from __future__ import annotations

import ctypes
import os
import threading

import pyvips

_lock = threading.Lock()
_pool_threads: int | None = None  # None: the page-image pool's own default (one per core, at least 2)
_libvips_default: int | None = None  # libvips' concurrency before this module first changed it


def use_render_threads(n: int | None, *, default: int | None = None) -> int:
    """Apply ``render_threads`` to this process: ``n`` (the setting; ``None`` = unset) or, when it is unset
    and the operator set no ``VIPS_CONCURRENCY``, ``default`` (the workload's: 1 for a farm process, ``None``
    to keep libvips'). ``0`` restores the defaults. Returns libvips' concurrency now in force."""
    global _pool_threads, _libvips_default
    if n is None:
        n = None if os.environ.get("VIPS_CONCURRENCY") else default
    with _lock:
        if _libvips_default is None:
            _libvips_default = int(pyvips.concurrency_get())  # VIPS_CONCURRENCY, else one per core
        if n is None:
            pass
        elif n > 0:
            pyvips.concurrency_set(n)
            _pool_threads = n
        else:  # 0: libvips' own default again (vips_concurrency_set(0) keeps the current value), the pool's too
            pyvips.concurrency_set(_libvips_default)
            _pool_threads = None
    return int(pyvips.concurrency_get())


def pool_threads() -> int:
    """Threads of the page-image pool: as set by :func:`use_render_threads`, else one per core (at least 2)."""
    return _pool_threads or max(2, os.cpu_count() or 2)


def limit_malloc_arenas(n: int) -> None:
    """Cap glibc's malloc arenas (``M_ARENA_MAX``) at ``n``; 0 keeps glibc's default. Arenas made before stay
    (the cap holds for new ones), so entry points call it before their threads start. Under a soak of mixed
    previews the API's RSS climbed 190 -> 209 MB in 110 s with the default, and stayed within 141-150 MB with 2
    arenas (scripts/soak.py, 8 clients, 0 errors either way)."""
    if n <= 0:
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (musl, macOS): nothing to tune
        return
    m_arena_max = -8  # <malloc.h>
    libc.mallopt(m_arena_max, n)


def limit_vips_cache(mb: int) -> None:
    """libvips' operation cache at most ``mb`` MB (its default: 100 MB and 1000 operations per process)."""
    pyvips.cache_set_max_mem(mb * 1024 * 1024)
