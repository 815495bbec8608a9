"""The RQ render worker (``render-engine worker``): warm-up, the fork guard, and the loop that runs jobs and
the reconciler. The farm's parts are modules of their own:

* :mod:`.services` — :class:`~.services.Services` (settings, engine, storage, job store);
* :mod:`.jobs` — :func:`~.jobs.render_job`, the job function (``rq_render_job`` is its RQ entry point; the
  name stays importable from here for jobs enqueued by older code);
* :mod:`.dispatch` — the RQ and embedded dispatchers;
* :mod:`.maintenance` — the reconciler, retention and asset collection."""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import os
import signal
import threading
import time
from typing import Any

from .dispatch import RqDispatcher
from .jobs import Taken, note_taken, rq_render_job, use_services
from .maintenance import StoreGuard, maintain, reconcile
from .services import Services
from .settings import ServiceSettings
from .storage import S3Storage

log = logging.getLogger(__name__)

__all__ = [
    "build_model_schemas",
    "check_colour_table",
    "freeze_for_fork",
    "reconcile_rq",
    "rq_render_job",
    "run_worker",
    "taking",
    "warm_up",
]


def reconcile_rq(
    svc: Services, dispatcher: RqDispatcher, guard: StoreGuard = contextlib.nullcontext
) -> dict[str, int] | None:
    """One farm-wide pass (under a Redis lock): the reconciler, then maintenance. ``guard`` is held around
    the job-store calls only, so storage I/O (S3 deletes, sweeps) never holds up RQ's forks."""
    with dispatcher.reconcile_lock() as got:
        if not got:
            return None
        with guard():
            stats = reconcile(svc, dispatcher)
        maintain(svc, guard)
        return stats


_fork_guard = threading.Lock()


@functools.cache
def _install_fork_guard() -> None:
    """Make ``fork()`` wait for the reconciler thread to finish its pass (once per process).

    RQ forks a work horse per job from the process whose reconciler thread uses SQLite; a fork while that
    thread holds one of SQLite's internal mutexes leaves the mutex locked forever in the child, which then
    hangs in its first ``sqlite3.connect`` — measured: a horse stuck holding the job store, every other
    writer failing with "database is locked" (tests/farm/test_faults.py, Redis restart and repeated SIGKILLs).
    """
    os.register_at_fork(
        before=_fork_guard.acquire, after_in_parent=_fork_guard.release, after_in_child=_fork_guard.release
    )


WARM_MODULES = (
    "render_engine.checks.preflight",
    "render_engine.checks.color",
    "render_engine.checks.proof",
    "render_engine.backends.pdf",
    "render_engine.mockup.render",
    "render_engine.farm.batch_notice",
    "cv2",
    "numpy.random",  # the colour table's spot check draws its sample with it (~10 ms to import, per horse)
    "pikepdf",
    "PIL.PngImagePlugin",
    "PIL.JpegImagePlugin",
)


def build_model_schemas() -> int:
    """Build the validators of the engine's pydantic models whose build is deferred (``defer_build=True``:
    a one-off command line never pays for the models it does not use); returns how many were built.

    pydantic builds a deferred model's schema on its first validation and keeps it on the class, so a
    no-fork worker pays once, but every forked work horse started without it and rebuilt ``Design`` (and the
    models nested in it) for its one job: about 40 % of a horse's CPU on a mug piece under cProfile (W9 farm,
    forked, 2026-12-07). Built here, before any fork, the horses inherit the validators."""
    from pydantic import BaseModel

    built, todo = 0, list(BaseModel.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("render_engine.") and not cls.__pydantic_complete__:
            built += bool(cls.model_rebuild())
    return built


def freeze_for_fork() -> None:
    """Move every object the worker holds now (catalogs, fonts, the spelling dictionary, modules) out of the
    garbage collector's reach (``gc.freeze``), after one full collection.

    A forked work horse shares the worker's memory copy-on-write, but a full collection in the horse writes to
    the header of every object it traverses, so each page holding one is copied in the horse: frozen objects
    are never traversed. Done once, after warm-up: objects the worker creates per job stay collectable."""
    gc.collect()
    gc.freeze()


def check_colour_table(svc: Services, timeout: float = 60.0) -> bool:
    """Spot-check the preloaded exact colour table (``warm_up`` maps it) in a child forked for the purpose,
    and when the child finds it right, let every work horse use it unchecked.

    The check converts 4 104 colours through littleCMS, a libvips operation the worker itself must not run
    (see :func:`warm_up`), so each horse ran it for its one job: ~15 ms of CPU and a transform build per job
    (W9 farm, forked). The child is forked before any horse, from the same state a horse is; one that does
    not answer within ``timeout`` seconds is killed and the horses check the table themselves, as before."""
    conv = svc.engine.icc.converter(None)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's exit code is its answer
        ok = False
        try:
            ok = conv.check_preloaded_table()
        finally:
            os._exit(0 if ok else 1)
    deadline = time.monotonic() + timeout
    while True:
        got, status = os.waitpid(pid, os.WNOHANG)
        if got:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            log.warning("the colour table check did not answer in %.0f s: work horses check it themselves", timeout)
            return False
        time.sleep(0.01)
    return os.waitstatus_to_exitcode(status) == 0 and conv.trust_preloaded_table()


def warm_up(svc: Services) -> None:
    """Load, once in the worker process, what every job would otherwise load again in each fresh work horse
    (RQ forks one per job; the horses inherit all of this): the template, font and ICC catalogs, the
    modules a job imports, the pydantic models' validators (:func:`build_model_schemas`), every font file
    (HarfBuzz faces) and the preflight colour check's littleCMS transforms per output profile (~45 ms each).

    Nothing here may run a libvips operation: a process forked after libvips started its worker threads
    waits forever for threads it does not have (seen: a horse stuck in ``g_cond_wait`` in its first resize
    after the parent had rendered a job). libvips' own start-up therefore stays in each horse.
    """
    import importlib

    from ..checks.color import color_transforms
    from ..checks.spelling import load_dictionary

    engine = svc.engine
    for mod in WARM_MODULES:
        importlib.import_module(mod)
    build_model_schemas()
    load_dictionary()  # pure-Python data (~2-3 s to read): once here, not in every horse's preflight
    if isinstance(svc.storage, S3Storage):
        # boto3/botocore import lazily and much (service models, handlers): done here, before any fork. A
        # horse forked while a thread of this process (maintenance's S3 deletes) held an import lock waited
        # forever for it in its first S3 upload (seen: a horse stuck in _ModuleLock.acquire in _make_client)
        svc.storage.client()
    # the exact sRGB -> CMYK table of the default output profile, when stored (inputs/color_lut.py): mapped
    # once here, shared by every horse, used from a horse's first PDF page
    engine.icc.converter(None).preload_table()
    fonts = engine.fonts
    for fam in fonts.families.values():
        for style in fam.styles:
            fonts.face_for(fam.id, style.weight, style.style).hb_font  # noqa: B018 - reads and parses the file
    srgb = engine.icc.profiles.get("srgb")
    for template in engine.templates.templates.values():
        profile = engine.icc.cmyk_profile(template.output.icc_profile)
        profile.deflated  # noqa: B018 - the PDF output intent's embedded profile
        color_transforms(str(srgb.path) if srgb else "", str(profile.path))


def taking(base: type[Any]) -> type[Any]:
    """An RQ worker class that notes when it took each job off its queue (:func:`.jobs.note_taken`) before it
    forks the work horse, which records it with the job (``taken_at``, a ``taken`` event). The take itself is
    stamped inside Redis by the queue class's take script (:mod:`.taking`: Redis ``TIME`` and the farm's
    order of pushes and takes); a job pushed without a stamp is noted at this process's clock."""

    class TakingWorker(base):
        def execute_job(self, job: Any, queue: Any) -> Any:
            job_id = str(job.args[0]) if job.args else ""
            pop = getattr(self.queue_class, "pop_take", None)
            take = pop(job.id) if pop is not None else None
            if take is None:
                note_taken(Taken(job_id, time.time(), str(self.name), str(queue.name)))
            else:
                arrived = take.arrived
                note_taken(Taken(job_id, take.taken.at, str(self.name), str(queue.name), take.taken.seq,
                                 arrived.seq if arrived else None, arrived.at if arrived else None))  # fmt: skip
            return super().execute_job(job, queue)

    TakingWorker.__name__ = TakingWorker.__qualname__ = f"Taking{base.__name__}"
    return TakingWorker


def run_worker(
    settings: ServiceSettings, *, burst: bool = False, name: str | None = None, logging_level: str = "INFO"
) -> bool:
    """``render-engine worker``: an RQ worker on ``express`` then ``standard``, plus a reconciler thread.

    The reconciler runs at start and every ``reconcile_interval`` seconds (a Redis lock makes one pass at a
    time farm-wide). It is a thread rather than an RQ maintenance hook because an idle RQ worker blocks in
    BLPOP for ``worker_ttl - 15`` seconds between maintenance passes.
    """
    from rq import SimpleWorker, Worker
    from rq.serializers import JSONSerializer

    if not settings.redis_url:
        raise SystemExit("render-engine worker needs REDIS_URL (without it, `render-engine serve` renders in-process)")
    svc = Services.build(settings)
    use_services(svc)
    dispatcher = RqDispatcher(svc, settings.redis_url)
    svc.on_steps = dispatcher.steps.observe  # job step timings to the farm's histograms (the API's /metrics)
    warm_up(svc)

    stop = threading.Event()
    _install_fork_guard()

    def reconciler() -> None:
        # its own Redis client: nothing shared with the work horses RQ forks from this process
        own = RqDispatcher(svc, settings.redis_url or "")
        while not stop.wait(settings.reconcile_interval):
            try:
                # RQ cannot fork a work horse while this thread is inside the job store (SQLite's mutexes)
                reconcile_rq(svc, own, lambda: _fork_guard)
            except Exception:
                log.exception("reconciler pass failed")

    reconcile_rq(svc, dispatcher)
    if settings.worker_fork:
        check_colour_table(svc)
        freeze_for_fork()
    threading.Thread(target=reconciler, name="reconciler", daemon=True).start()
    worker_cls = taking(Worker if settings.worker_fork else SimpleWorker)
    worker = worker_cls(
        list(dispatcher.queues.values()),
        connection=dispatcher.redis,
        queue_class=dispatcher.queue_class,
        serializer=JSONSerializer,
        name=name,
        job_monitoring_interval=settings.job_monitoring_interval,
        maintenance_interval=settings.maintenance_interval,
        default_result_ttl=settings.result_ttl,
    )
    try:
        return bool(worker.work(burst=burst, with_scheduler=True, logging_level=logging_level))
    finally:
        stop.set()
