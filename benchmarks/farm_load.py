"""W7: render-farm throughput through real Redis and real ``render-engine worker`` processes.

One *farm run*: a private storage root (local files + the SQLite job store) and a queue prefix of its own on
Redis database 14 (``REDIS_URL``, default ``redis://127.0.0.1:6379``). The jobs are posted through the API
in-process (:func:`api.app.create_app` + FastAPI's ``TestClient``: validation, asset upload, durable record,
RQ enqueue, exactly as ``POST /v1/jobs`` does it), none rendered yet: small 95 mm coaster jobs (PNG at
150 DPI) with a few 11oz mug jobs (PDF + PNG) spread among them, each order with its own photo bytes; every
job also renders its review artifacts (``preflight.json``, ``proof.png``). Then K ``render-engine worker
--burst`` processes start (forking a work horse per job, or ``--no-fork``) and the clock runs from their
start until the last one exits (queues empty). Every job must then be ``ready`` in the job store.

Measured per job from the store records: ``finished_at - started_at`` (the render, its artifacts' publish
and the record's update, as the worker sees it; queue wait excluded). Per step: the farm's step histograms
in Redis (``<prefix>metrics:steps``, :class:`render_engine.farm.step_metrics.RedisStepSink`: what the
workers report and the API's ``/metrics`` exports), read when the workers have exited: sum and count per
step, so a step's figure is its mean over the run's jobs. CPU time and peak RSS of each worker *including
its work horses* come from ``wait4()``. Only this run's Redis keys are deleted afterwards.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from render_engine.testing.farm import SMALL_PHOTO_ACCEPTED, coaster_design, delete_keys, mug_design, small_photo

from .results import Sample

ROOT = Path(__file__).resolve().parent.parent
REDIS_DB = 14  # the tests use 13 (tests/redis_support.py)
DEFAULT_REDIS = "redis://127.0.0.1:6379"
SF_KEY = "render-bench-storefront-key-0001"
PU_KEY = "render-bench-print-unit-key-0001"
COASTER_DPI = 150
WORKER_TIMEOUT_S = 600.0  # a farm run that has not drained by then is an error (and its workers are killed)


# ----------------------------------------------------------------------------------------------- Redis


def redis_url() -> str:
    """``REDIS_URL`` (default 127.0.0.1:6379) on database 14: the benchmark's own database number."""
    base = os.environ.get("REDIS_URL") or DEFAULT_REDIS
    base = re.sub(r"/\d+$", "", base.rstrip("/"))
    return f"{base}/{REDIS_DB}"


def redis_problem(url: str) -> str | None:
    """None when Redis answers PING at ``url``, else why not (the W7 rows are then skipped)."""
    try:
        from redis import Redis
    except ImportError:
        return "the redis client is not installed"
    try:
        Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2).ping()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def new_prefix() -> str:
    return f"bench{uuid.uuid4().hex[:10]}-"


def tagged(jpeg: bytes, tag: str) -> bytes:
    """The same pixels with distinct bytes (a COM segment after SOI): every order brings its own photo, so
    neither the content-addressed asset store nor a decode cache can share work between jobs."""
    payload = f"render-bench {tag}".encode()
    return jpeg[:2] + b"\xff\xfe" + (len(payload) + 2).to_bytes(2, "big") + payload + jpeg[2:]


# ----------------------------------------------------------------------------------------------- a farm run


@dataclass(frozen=True)
class FarmSpec:
    coasters: int
    mugs: int
    mug_photo: Path
    mug_dpi: float | None  # None: the template's (300)
    workers: int = 2
    fork: bool = True


@dataclass
class FarmRun:
    samples: list[Sample]  # one per job: finished_at - started_at; an error when the job is not ready
    wall_s: float  # the first worker's start to the last worker's exit
    kinds: dict[str, list[float]]  # "coaster"/"mug" -> per-job render seconds
    steps: dict[str, tuple[float, float]]  # "png.write" ... -> (seconds summed, count) from the farm's histograms
    startup_s: float  # worker start -> the first job's started_at (imports, warm-up, reconciler pass)
    drain_s: float  # the last job's finished_at -> the last worker's exit
    cpu_s: float  # user + system CPU of every worker and its work horses
    peak_rss_kb: int  # the largest worker or work horse
    reruns: list[int] = field(default_factory=list)  # attempts of the jobs that ran more than once
    problem: str | None = None  # why the run is not a valid measurement (jobs not ready, a worker failed)


def jobs_plan(spec: FarmSpec) -> list[str]:
    """Job kinds in posting order: the mugs spread evenly among the coasters."""
    total = spec.coasters + spec.mugs
    mug_at = {round((i + 0.5) * total / spec.mugs) for i in range(spec.mugs)} if spec.mugs else set()
    plan = ["mug" if n in mug_at else "coaster" for n in range(total)]
    extra = spec.mugs - plan.count("mug")  # rounding collisions (never with sane sizes)
    return plan + ["mug"] * extra if extra > 0 else plan


def _post_jobs(settings: Any, engine: Any, spec: FarmSpec, run_tag: str) -> tuple[list[str], dict[str, str]]:
    """Post every job through the API (in-process); returns the job ids and each one's kind."""
    coaster_jpeg, mug_jpeg = small_photo(), spec.mug_photo.read_bytes()
    ids: list[str] = []
    kinds: dict[str, str] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's TestClient warns about httpx on import
        from fastapi.testclient import TestClient

        from api.app import create_app

        with TestClient(create_app(settings, engine=engine)) as c:
            h = {"X-API-Key": SF_KEY}
            for n, kind in enumerate(jobs_plan(spec)):
                photo = tagged(mug_jpeg if kind == "mug" else coaster_jpeg, f"{run_tag}-{n}")
                up = c.post("/v1/assets", content=photo, headers=h)
                if up.status_code not in (200, 201):
                    raise RuntimeError(f"asset upload: HTTP {up.status_code}: {up.text[:300]}")
                asset = up.json()["asset_id"]
                body: dict[str, Any]
                if kind == "mug":
                    outputs: dict[str, Any] = {"formats": ["pdf", "png"]}
                    if spec.mug_dpi is not None:
                        outputs["dpi"] = spec.mug_dpi
                    body = {"design": mug_design(asset, f"Mug {n}"), "outputs": outputs,
                            "accept": SMALL_PHOTO_ACCEPTED}  # fmt: skip
                else:
                    body = {"design": coaster_design(asset, f"Order {n}"),
                            "outputs": {"formats": ["png"], "dpi": COASTER_DPI},
                            "priority": "express" if n % 10 == 5 else "standard",
                            "accept": SMALL_PHOTO_ACCEPTED}  # fmt: skip
                r = c.post("/v1/jobs", json=body, headers={**h, "Idempotency-Key": f"{run_tag}-{n}"})
                if r.status_code != 202:
                    raise RuntimeError(f"POST /v1/jobs: HTTP {r.status_code}: {r.text[:300]}")
                ids.append(r.json()["job_id"])
                kinds[ids[-1]] = kind
    return ids, kinds


def worker_env(url: str, root: Path, prefix: str) -> dict[str, str]:
    """The caller's environment minus any farm configuration of its own, plus this run's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RENDER_ENGINE_") and k != "REDIS_URL"}
    env.update(REDIS_URL=url, RENDER_ENGINE_STORAGE_ROOT=str(root), RENDER_ENGINE_QUEUE_PREFIX=prefix)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return env


def wait_all(
    procs: list[subprocess.Popen[bytes]], timeout: float, poll: Callable[[], None] | None = None
) -> tuple[dict[int, int], float, int, float]:
    """Reap every worker with ``wait4`` (its rusage includes the work horses it reaped), calling ``poll`` about
    every 0.25 s meanwhile. Returns exit codes by pid, total CPU seconds, the largest ru_maxrss (kB) and when
    the last one exited (``perf_counter``). Workers still running after ``timeout`` s are killed."""
    codes: dict[int, int] = {}
    cpu, peak, last = 0.0, 0, time.perf_counter()
    deadline = time.monotonic() + timeout
    next_poll = 0.0
    pending = {p.pid: p for p in procs}
    while pending:
        for pid, p in list(pending.items()):
            got, status, ru = os.wait4(pid, os.WNOHANG)
            if got == 0:
                continue
            last = time.perf_counter()
            p.returncode = codes[pid] = os.waitstatus_to_exitcode(status)
            cpu += ru.ru_utime + ru.ru_stime
            peak = max(peak, ru.ru_maxrss)
            del pending[pid]
        if not pending:
            break
        if time.monotonic() > deadline:
            for pid, p in pending.items():  # the worker and its work horse (own session: group id = its pid)
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
                _, status, _ = os.wait4(pid, 0)
                p.returncode = codes[pid] = os.waitstatus_to_exitcode(status)
            break
        if poll is not None and time.monotonic() >= next_poll:
            next_poll = time.monotonic() + 0.25
            poll()
        time.sleep(0.01)
    return codes, cpu, peak, last


def read_steps(url: str, prefix: str) -> dict[str, tuple[float, float]]:
    """The farm's step histograms in Redis (what the workers observed for this run's queue prefix) as
    ``"png.write" -> (seconds summed, count)``; pipelines ``job_<x>`` become ``<x>``."""
    from redis import Redis

    from render_engine.farm.step_metrics import RedisStepSink

    hists = RedisStepSink(Redis.from_url(url), f"{prefix}metrics:steps").read()
    return {f"{pipeline.removeprefix('job_')}.{step}": (h[-2], h[-1]) for (pipeline, step), h in sorted(hists.items())}


def run_farm(spec: FarmSpec, engine: Any, tick: Callable[[int], None] | None = None) -> FarmRun:
    """One farm run (see the module docstring); ``tick(n)`` is called as jobs become ready."""
    from render_engine.farm.settings import ServiceSettings
    from render_engine.farm.store import open_job_store

    url = redis_url()
    prefix = new_prefix()
    with tempfile.TemporaryDirectory(prefix="render-bench-w7-") as tmp:
        root = Path(tmp) / "storage"
        settings = ServiceSettings(
            storage_root=root, storage="local", job_store_url=None, redis_url=url, queue_prefix=prefix,
            api_keys=f"storefront:{SF_KEY},print-unit:{PU_KEY}",
        )  # fmt: skip
        procs: list[subprocess.Popen[bytes]] = []
        logs = [Path(tmp) / f"worker-{n}.log" for n in range(spec.workers)]
        try:
            ids, kinds = _post_jobs(settings, engine, spec, prefix)
            env = worker_env(url, root, prefix)
            mode = [] if spec.fork else ["--no-fork"]
            t0_wall, t0 = time.time(), time.perf_counter()
            for n, log in enumerate(logs):
                with open(log, "wb") as err:  # a file, not a pipe nobody reads
                    procs.append(subprocess.Popen(
                        [sys.executable, "-m", "render_engine.cli", "worker", "--burst", "--name", f"bench-{n}",
                         *mode, "--log-level", "INFO"],
                        env=env, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=err,
                    ))  # fmt: skip
            store = open_job_store(None, root)
            seen = [0]

            def poll() -> None:  # progress: jobs ready so far
                ready = store.counts().get("ready", 0)
                if tick is not None and ready > seen[0]:
                    tick(ready - seen[0])
                    seen[0] = ready

            codes, cpu, peak, t_end = wait_all(procs, WORKER_TIMEOUT_S, poll)
            poll()
            wall = t_end - t0
            recs = {j: store.get(j) for j in ids}
            steps = read_steps(url, prefix)  # before this run's keys are deleted
            log_text = "\n".join(p.read_text(errors="replace") for p in logs)
        finally:
            for p in procs:
                if p.poll() is None:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(p.pid, signal.SIGKILL)
                    p.wait()
            with contextlib.suppress(Exception):
                delete_keys(url, prefix)
            shutil.rmtree(root, ignore_errors=True)

    samples: list[Sample] = []
    per_kind: dict[str, list[float]] = {"coaster": [], "mug": []}
    not_ready: dict[str, str] = {}
    for j, rec in recs.items():
        if rec is None or rec.state != "ready" or rec.started_at is None or rec.finished_at is None:
            state = rec.state if rec is not None else "missing"
            not_ready[j] = state
            why = (rec.error or {}).get("message") if rec is not None else None
            samples.append(Sample(0.0, 0.0, 0, {}, f"job {j} ({kinds[j]}) is {state}: {why or 'no error recorded'}"))
            continue
        took = rec.finished_at - rec.started_at
        per_kind[kinds[j]].append(took)
        samples.append(Sample(took, 0.0, sum(int(a["bytes"]) for a in rec.artifacts), {}))
    started = [r.started_at for r in recs.values() if r is not None and r.started_at is not None]
    finished = [r.finished_at for r in recs.values() if r is not None and r.finished_at is not None]
    problems = []
    if not_ready:
        states = statistics.multimode(not_ready.values())
        problems.append(f"{len(not_ready)} of {len(ids)} jobs not ready (mostly {states[0]})")
    bad_exit = {pid: rc for pid, rc in codes.items() if rc != 0}
    if bad_exit:
        problems.append(f"worker exit codes {sorted(bad_exit.values())}")
    problem = None
    if problems:
        tail = log_text[-3000:]
        problem = "; ".join(problems) + f"\nworker logs (tail):\n{tail}"
    return FarmRun(
        samples=samples,
        wall_s=wall,
        kinds=per_kind,
        steps=steps,
        startup_s=(min(started) - t0_wall) if started else float("nan"),
        drain_s=(t0_wall + wall - max(finished)) if finished else float("nan"),
        cpu_s=cpu,
        peak_rss_kb=peak,
        reruns=sorted(r.attempt for r in recs.values() if r is not None and r.attempt > 1),
        problem=problem,
    )


def posting_engine() -> Any:
    """The warm engine the in-process API validates designs with (built once, shared by every farm run)."""
    from render_engine.engine import Engine
    from render_engine.model.settings import Settings

    return Engine(Settings())
