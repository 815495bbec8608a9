"""``render-engine serve`` and ``render-engine worker`` (wired into :mod:`render_engine.cli`)."""

from __future__ import annotations

import argparse
import logging
import os
import socket
import subprocess
import sys

from ..farm.settings import ApiKey, ServiceSettings
from ..inputs.tuning import limit_malloc_arenas, limit_vips_cache, use_render_threads
from ..model.errors import RenderError
from ..model.settings import Settings, validated

COMMANDS = ("serve", "worker", "batch-validator")


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

    v = sub.add_parser(
        "batch-validator",
        help="check the rows of large batches stored 'validating' (a worker starts one; needs REDIS_URL)",
    )
    v.add_argument("--parent", type=int, help=argparse.SUPPRESS)  # the worker that started it: stop when it is gone
    v.add_argument("--log-level", default="INFO")


class ContextFormatter(logging.Formatter):
    """Appends the structured extras a record carries (``job_id``, ``attempt``) to its line, so a worker's
    ``job ready`` says which job."""

    FIELDS = ("job_id", "attempt")

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        ctx = " ".join(f"{k}={getattr(record, k)}" for k in self.FIELDS if getattr(record, k, None) is not None)
        return f"{line} {ctx}" if ctx else line


def configure_logging(level: str) -> None:
    """One line per record on stderr, with the record's job id. libvips' own INFO messages ("threadpool
    completed", per operation) are kept at WARNING: at INFO they were ~60 % of a worker's log."""
    handler = logging.StreamHandler()
    handler.setFormatter(ContextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level.upper(), handlers=[handler])
    logging.getLogger("pyvips").setLevel(max(logging.WARNING, logging.getLogger().level))


def announce(settings: ServiceSettings, demo_key: ApiKey | None, host: str, port: int) -> None:
    """What a newcomer needs on stderr before the server's own log: where the demo is and which key it uses."""
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    key = demo_key.key if demo_key is not None else None
    if not settings.keys() and key:
        print(
            f"render-engine: no API keys configured (RENDER_ENGINE_API_KEYS). Demo page: {url}/demo\n"
            f"  random storefront-only key for this process: {key}\n"
            f"  e.g. curl -H 'X-API-Key: {key}' {url}/v1/templates   (docs/api.md sets up real keys)",
            file=sys.stderr,
            flush=True,
        )
    elif key:
        print(f"render-engine: demo page {url}/demo (RENDER_ENGINE_DEMO_KEY)", file=sys.stderr, flush=True)
    else:
        print(
            f"render-engine: API keys configured and no RENDER_ENGINE_DEMO_KEY: {url}/demo is off (docs/demo.md)",
            file=sys.stderr,
            flush=True,
        )


def run(args: argparse.Namespace) -> int:
    overrides: dict[str, object] = {}
    if args.command == "worker":
        if args.job_monitoring_interval:
            overrides["job_monitoring_interval"] = args.job_monitoring_interval
        if args.maintenance_interval:
            overrides["maintenance_interval"] = args.maintenance_interval
        if args.no_fork:
            overrides["worker_fork"] = False
    try:
        settings = validated(ServiceSettings, **overrides)
        engine_settings = validated(Settings)  # read again by the app and the worker: bad ones named here, once
    except RenderError as exc:  # one line per setting, named by its variable (no traceback, no value echoed)
        for line in exc.lines():
            print(f"error: {line}", file=sys.stderr)
        return 2
    limit_malloc_arenas(engine_settings.malloc_arena_max)  # the Engine applies both too: here before any thread
    limit_vips_cache(engine_settings.vips_cache_mb)
    if args.command != "serve":  # a farm process: one per core, each rendering on 1 thread unless configured
        use_render_threads(engine_settings.render_threads, default=1)  # before anything starts libvips' threads
    if args.command == "serve":
        import uvicorn

        from api.app import create_app

        configure_logging(args.log_level)
        app = create_app(settings)
        announce(settings, app.state.demo_key, args.host, args.port)
        from api.slow_heads import protocol  # a request head trickled in forever held its connection

        uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level,
                    http=protocol(settings.body_idle_timeout))  # fmt: skip
        return 0
    from ..farm.worker import run_worker

    if not settings.redis_url:
        print(f"error: render-engine {args.command} needs REDIS_URL (`serve` renders in-process without it)")
        return 2
    configure_logging(args.log_level)
    if args.command == "batch-validator":
        from api.batch_validation import run_standalone

        return run_standalone(settings, parent=args.parent)
    name = args.name or f"{socket.gethostname()}.{os.getpid()}"
    validator = ValidatorChild(args.log_level) if settings.worker_batch_validator else None
    try:
        run_worker(settings, burst=args.burst, name=f"{settings.queue_prefix}{name}", logging_level=args.log_level)
    finally:
        if validator is not None:
            validator.stop()
    return 0


class ValidatorChild:
    """``render-engine batch-validator`` beside a worker (``worker_batch_validator``), restarted if it exits.

    A child process, not a thread: it runs libvips and preflight on each row, and RQ forks a work horse per job
    from this process (a fork after libvips started its threads hangs the horse). It stops with the worker
    (SIGTERM here; it also watches its parent id and asks the kernel for SIGTERM when the worker dies)."""

    def __init__(self, log_level: str) -> None:
        import threading

        self.cmd = [sys.executable, "-m", "render_engine.cli", "batch-validator", "--parent", str(os.getpid()),
                    "--log-level", log_level]  # fmt: skip
        self.proc: subprocess.Popen[bytes] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._supervise, name="batch-validator", daemon=True)
        self._thread.start()

    def _supervise(self) -> None:
        while not self._stop.is_set():
            try:
                self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL)  # its log goes to ours
            except OSError:
                logging.getLogger(__name__).exception("could not start the batch validator")
                self._stop.wait(30)
                continue
            self.proc.wait()
            if not self._stop.wait(5):  # it died: after a pause, another
                logging.getLogger(__name__).warning("batch validator exited (%s); restarting", self.proc.returncode)

    def stop(self) -> None:
        self._stop.set()
        proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
