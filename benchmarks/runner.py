"""Run timed renders in fresh worker processes, so peak RSS and warm-up are per workload.

* :func:`run_serial` — one spawned child renders a list of :class:`Case` one after the other: for each case
  one untimed warm-up render, then the timed ones. ``ru_maxrss`` of that child is the workload's peak RSS.
* :func:`run_batch` — N spawned workers warm up, wait at a start line, then pull jobs from one queue until it
  is empty; the batch's wall time runs from the start signal to the last result.

Children talk to the parent over a queue: ``("progress", n)``, ``("ready", wid)``, ``("done", payload)`` or
``("crash", traceback)``. This module must not import ``render_engine`` at import time: the baseline's
child process should carry none of the engine's memory.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue as queue_mod
import resource
import time
import traceback
from dataclasses import dataclass
from multiprocessing.synchronize import Event
from typing import Any

from .jobs import Job, RendererKind
from .progress import Progress
from .results import Sample

_CTX = mp.get_context("spawn")  # a clean interpreter per child: no state inherited from the parent


@dataclass(frozen=True)
class Case:
    name: str
    warmup: Job
    timed: tuple[Job, ...]


@dataclass(frozen=True)
class SerialSpec:
    renderer: RendererKind
    cases: tuple[Case, ...]


@dataclass(frozen=True)
class SerialResult:
    samples: dict[str, list[Sample]]  # case name -> timed samples
    errors: dict[str, str]  # case name -> traceback of a failed warm-up
    peak_rss_kb: int


@dataclass(frozen=True)
class BatchSpec:
    renderer: RendererKind
    warmup: tuple[Job, ...]
    jobs: tuple[Job, ...]
    workers: int


@dataclass(frozen=True)
class BatchResult:
    samples: list[Sample]  # in completion order
    wall_s: float
    peak_rss_kb: int  # the largest worker


class ChildCrashed(RuntimeError):
    """A worker process died or failed outside a render (the message carries its traceback)."""


def settle(wait_idle_s: float = 0.0, progress: Progress | None = None) -> None:
    """Flush dirty pages (the inputs just written) so a run does not compete with their write-back: the
    engine fsyncs every output, and an fsync queued behind half a gigabyte of fresh photo copies measures
    the disk, not the renderer. Then wait up to ``wait_idle_s`` for the CPUs to be idle (a shared box)."""
    if hasattr(os, "sync"):
        os.sync()
    deadline = time.monotonic() + wait_idle_s
    while wait_idle_s > 0 and cpu_idle_fraction() < IDLE and time.monotonic() < deadline:
        pass  # cpu_idle_fraction() sleeps for its sample
    if wait_idle_s > 0 and progress is not None and cpu_idle_fraction(0.2) < IDLE:
        progress.note(f"machine still busy after waiting {wait_idle_s:.0f} s; measuring anyway")


IDLE = 0.9  # at least 90 % of all CPUs idle


def cpu_idle_fraction(sample_s: float = 1.0) -> float:
    """Fraction of CPU time spent idle across all CPUs over ``sample_s`` (1.0 where /proc/stat is absent)."""

    def read() -> tuple[int, int]:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = [int(v) for v in fh.readline().split()[1:]]
        return fields[3] + fields[4], sum(fields)  # idle + iowait, total

    try:
        idle0, total0 = read()
        time.sleep(sample_s)
        idle1, total1 = read()
    except (OSError, ValueError, IndexError):
        return 1.0
    return (idle1 - idle0) / max(1, total1 - total0)


def peak_rss_kb() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # kilobytes on Linux


def timed_render(render: Any, job: Job) -> Sample:
    """Run one render, capturing wall and CPU time; a failure becomes a sample carrying its traceback."""
    c0, t0 = time.process_time(), time.perf_counter()
    try:
        nbytes, steps = render(job)
    except Exception as exc:
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        return Sample(wall, cpu, 0, {}, _failure(job, exc, traceback.format_exc()))
    return Sample(time.perf_counter() - t0, time.process_time() - c0, nbytes, steps)


def _failure(job: Job, exc: Exception, tb: str) -> str:
    """What a failure report needs: a one-line headline, the traceback and the design JSON that caused it."""
    try:
        design = job.design.read_text(encoding="utf-8")
    except OSError as read_error:
        design = f"(unreadable: {read_error})"
    if len(design) > 4000:
        design = design[:4000] + "\n... (truncated)"
    headline = f"{type(exc).__name__}: {exc}".splitlines()[0]
    return f"{headline}\n{tb}\ndesign {job.design} (fmt={job.fmt}, dpi={job.dpi}):\n{design}"


# ------------------------------------------------------------------------------------------------ serial


def _serial_child(spec: SerialSpec, out: Any) -> None:
    try:
        from .renderers import make_renderer

        render = make_renderer(spec.renderer)
        samples: dict[str, list[Sample]] = {}
        errors: dict[str, str] = {}
        for case in spec.cases:
            warm = timed_render(render, case.warmup)
            out.put(("progress", 1))
            if warm.error is not None:
                errors[case.name] = warm.error
                out.put(("progress", len(case.timed)))
                continue
            samples[case.name] = []
            for job in case.timed:
                samples[case.name].append(timed_render(render, job))
                out.put(("progress", 1))
        out.put(("done", SerialResult(samples, errors, peak_rss_kb())))
    except BaseException:
        out.put(("crash", traceback.format_exc()))


def run_serial(spec: SerialSpec, progress: Progress, label: str, wait_idle_s: float = 0.0) -> SerialResult:
    settle(wait_idle_s, progress)
    progress.start(label, sum(1 + len(c.timed) for c in spec.cases))
    messages = _CTX.Queue()
    proc = _CTX.Process(target=_serial_child, args=(spec, messages), daemon=True)
    proc.start()
    try:
        payload = _wait_for(messages, [proc], progress, expect_done=1)[0]
    finally:
        proc.join(timeout=30)
    assert isinstance(payload, SerialResult)
    return payload


# ------------------------------------------------------------------------------------------------- batch


def _batch_worker(wid: int, spec: BatchSpec, jobs: Any, out: Any, go: Event) -> None:
    try:
        from .renderers import make_renderer

        render = make_renderer(spec.renderer)
        for job in spec.warmup:
            warm = timed_render(render, job)
            if warm.error is not None:
                raise ChildCrashed(f"warm-up render of {job.design} failed:\n{warm.error}")
        out.put(("ready", wid))
        go.wait()
        samples: list[Sample] = []
        while (job := jobs.get()) is not None:
            samples.append(timed_render(render, job))
            out.put(("progress", 1))
        out.put(("done", (samples, peak_rss_kb())))
    except BaseException:
        out.put(("crash", traceback.format_exc()))


def run_batch(spec: BatchSpec, progress: Progress, label: str, wait_idle_s: float = 0.0) -> BatchResult:
    settle(wait_idle_s, progress)
    jobs, messages, go = _CTX.Queue(), _CTX.Queue(), _CTX.Event()
    for job in spec.jobs:
        jobs.put(job)
    for _ in range(spec.workers):
        jobs.put(None)
    procs = [
        _CTX.Process(target=_batch_worker, args=(w, spec, jobs, messages, go), daemon=True) for w in range(spec.workers)
    ]
    for p in procs:
        p.start()
    try:
        progress.start(f"{label} (warm-up x{spec.workers})", spec.workers)
        _wait_for(messages, procs, progress, expect_ready=spec.workers)
        progress.start(label, len(spec.jobs))
        t0 = time.perf_counter()
        go.set()
        done = _wait_for(messages, procs, progress, expect_done=spec.workers)
        wall = time.perf_counter() - t0
    finally:
        for p in procs:
            p.join(timeout=30)
    samples = [s for part in done for s in part[0]]
    return BatchResult(samples, wall, max(part[1] for part in done))


# ------------------------------------------------------------------------------------------------ common


def _wait_for(
    messages: Any, procs: list[Any], progress: Progress, *, expect_done: int = 0, expect_ready: int = 0
) -> list[Any]:
    """Pump child messages until ``expect_ready`` workers are ready or ``expect_done`` have finished."""
    payloads: list[Any] = []
    ready = 0
    while (expect_ready and ready < expect_ready) or (expect_done and len(payloads) < expect_done):
        try:
            kind, value = messages.get(timeout=1.0)
        except queue_mod.Empty:
            dead = [p for p in procs if not p.is_alive() and p.exitcode not in (0, None)]
            if dead:
                raise ChildCrashed(f"worker process exited with code {dead[0].exitcode}") from None
            continue
        if kind == "progress":
            progress.advance(int(value))
        elif kind == "ready":
            ready += 1
            progress.advance(1)
        elif kind == "done":
            payloads.append(value)
        else:
            for p in procs:
                if p.is_alive():
                    p.terminate()
            raise ChildCrashed(str(value))
    return payloads
