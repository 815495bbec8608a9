"""``render-engine serve`` and ``render-engine worker`` (wired into :mod:`render_engine.cli`)."""

from __future__ import annotations

import argparse
import ctypes
import logging
import os
import socket

from .settings import ServiceSettings

COMMANDS = ("serve", "worker")


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    s = sub.add_parser("serve", help="run the HTTP API (with an in-process worker when REDIS_URL is unset)")
    s.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    s.add_argument("--log-level", default="info")

    w = sub.add_parser("worker", help="run an RQ render worker on the express and standard queues (needs REDIS_URL)")
    w.add_argument("--burst", action="store_true", help="exit when the queues are empty")
    w.add_argument("--name", help="worker name (default: host.pid)")
    w.add_argument("--job-monitoring-interval", type=int, help="seconds between work-horse heartbeats")
    w.add_argument("--maintenance-interval", type=int, help="seconds between maintenance/reconciler passes")
    w.add_argument(
        "--no-fork",
        action="store_true",
        help="render in this process instead of a forked work horse per job (warm caches; a crash takes the worker)",
    )
    w.add_argument("--log-level", default="INFO")


def limit_malloc_arenas(n: int) -> None:
    """Cap glibc's malloc arenas before any render thread starts. glibc gives each thread that allocates
    concurrently an arena of its own (up to 8 x cores) and rarely returns their memory: under a soak of mixed
    previews the API's RSS climbed 190 -> 209 MB in 110 s with the default, and stayed within 141-150 MB
    with 2 arenas (scripts/soak.py, 8 clients, 0 errors either way). 0 keeps glibc's default."""
    if n <= 0:
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (musl, macOS): nothing to tune
        return
    m_arena_max = -8  # <malloc.h>
    libc.mallopt(m_arena_max, n)


def limit_vips_cache(mb: int) -> None:
    """libvips keeps recent operations (and their pixels) for reuse, by default up to 100 MB per process;
    a long-running server meets a new photo with almost every request, so most of that is dead weight."""
    import pyvips

    pyvips.cache_set_max_mem(mb * 1024 * 1024)


def configure_logging(level: str) -> None:
    """One line per record on stderr. libvips' own INFO messages ("threadpool completed", per operation)
    are kept at WARNING: at INFO they were ~60 % of a worker's log."""
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("pyvips").setLevel(max(logging.WARNING, logging.getLogger().level))


def run(args: argparse.Namespace) -> int:
    overrides: dict[str, object] = {}
    if args.command == "worker":
        if args.job_monitoring_interval:
            overrides["job_monitoring_interval"] = args.job_monitoring_interval
        if args.maintenance_interval:
            overrides["maintenance_interval"] = args.maintenance_interval
        if args.no_fork:
            overrides["worker_fork"] = False
    settings = ServiceSettings(**overrides)  # type: ignore[arg-type]
    limit_malloc_arenas(settings.malloc_arena_max)
    limit_vips_cache(settings.vips_cache_mb)
    if args.command == "serve":
        import uvicorn

        from api.app import create_app

        configure_logging(args.log_level)
        uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level=args.log_level)
        return 0
    from .worker import run_worker

    if not settings.redis_url:
        print("error: render-engine worker needs REDIS_URL (render-engine serve renders in-process without it)")
        return 2
    configure_logging(args.log_level)
    name = args.name or f"{socket.gethostname()}.{os.getpid()}"
    run_worker(settings, burst=args.burst, name=f"{settings.queue_prefix}{name}", logging_level=args.log_level)
    return 0
