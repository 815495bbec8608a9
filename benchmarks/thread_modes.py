"""Threads or processes: R1's mug PDF on 1 and 2 processes in each thread variant of the T rows (and the peer),
**alternating** the variants in rounds so that whatever else the machine does falls on all of them alike (issue 22).

    python -m benchmarks.thread_modes --rounds 4 --renders 40 [--realtime fifo|rr] [--json out.json]

Each measured batch is :func:`benchmarks.runner.run_batch` (new files for every render, one warm-up render per
process, the clock from the start signal); with ``--realtime fifo`` (``rr``) this process switches itself to
``SCHED_FIFO`` (``SCHED_RR``) priority 10 around each batch, so the batch's processes (which inherit it) have
both cores as on an idle machine while the batch runs, and nothing else is held up between batches (see
benchmarks/README.md, "Noise"). Other sessions on a shared machine do the same: a batch waits until no other
real-time process runs, and one during which another appeared is measured again (up to 4 times; ``retried``
in the output). Prints per variant the median over rounds of renders/s on 1 and 2 processes, the scaling
(2p / 1p of the same round), CPU per render and peak RSS per process.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from .inputs import PhotoCache, geometry_of
from .jobs import RendererKind
from .orders import ORDERS, order_designs
from .peer_runs import THREAD_VARIANTS, order_job
from .progress import Progress
from .results import summarize
from .runner import BatchSpec, run_batch
from .workloads import FULL, Context


@contextlib.contextmanager
def _realtime(policy: str | None) -> Iterator[None]:
    if policy is None:
        yield
        return
    os.sched_setscheduler(0, os.SCHED_FIFO if policy == "fifo" else os.SCHED_RR, os.sched_param(10))
    try:
        yield
    finally:
        os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))


def _foreign_realtime() -> set[int]:
    """Processes of other sessions scheduled SCHED_FIFO / SCHED_RR (not kernel threads, not this process's tree)."""
    mine, parents, realtime = os.getpid(), {}, set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        pid, ppid, policy = int(entry), int(fields[1]), int(fields[38])
        parents[pid] = ppid
        if policy in (1, 2) and ppid != 2 and pid != 2:
            realtime.add(pid)
    foreign = set()
    for pid in realtime:
        p = pid
        while p > 1 and p != mine:
            p = parents.get(p, 1)
        if p != mine:
            foreign.add(pid)
    return foreign


class _Watch:
    """Polls :func:`_foreign_realtime` on a thread while a batch runs."""

    def __init__(self) -> None:
        self.seen: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            self.seen |= _foreign_realtime()

    def __enter__(self) -> _Watch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.seen |= _foreign_realtime()


def _wait_alone(limit_s: float = 180.0) -> None:
    deadline = time.monotonic() + limit_s
    while _foreign_realtime() and time.monotonic() < deadline:
        time.sleep(0.5)


@contextlib.contextmanager
def _env(env: dict[str, str]) -> Iterator[None]:
    keys = ("VIPS_CONCURRENCY", "RENDER_ENGINE_RENDER_THREADS")
    saved = {k: os.environ.pop(k, None) for k in keys}
    os.environ.update(env)
    try:
        yield
    finally:
        for k in keys:
            os.environ.pop(k, None)
            if saved[k] is not None:
                os.environ[k] = saved[k]  # type: ignore[assignment]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.thread_modes", description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--renders", type=int, default=40, help="measured renders per batch")
    p.add_argument("--realtime", choices=("fifo", "rr"), help="SCHED_FIFO / SCHED_RR priority 10 around each batch "
                   "(needs CAP_SYS_NICE)")  # fmt: skip
    p.add_argument("--no-peer", action="store_true")
    p.add_argument("--only", help="comma-separated variant keys (T1,T1-vips1,T1-worker)")
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    from render_engine.model.settings import Settings
    from render_engine.model.templates import TemplateCatalog

    settings = Settings()
    templates = {t.id: geometry_of(t) for t in TemplateCatalog(settings.templates_dir).templates.values()
                 if not t.is_multi}  # fmt: skip
    scratch = Path(tempfile.mkdtemp(prefix="thread-modes-"))
    ctx = Context(scratch=scratch, photos=PhotoCache(Path(tempfile.gettempdir()) / "render-bench-inputs"),
                  sizes=FULL, templates=templates, runs=1, workers=2, batch_size=10 * args.renders,
                  calibration_runs=1)  # fmt: skip
    only = set(args.only.split(",")) if args.only else None
    variants: list[tuple[str, RendererKind, dict[str, str]]] = [
        (key, "api", env) for key, _, env in THREAD_VARIANTS if only is None or key in only
    ]
    if not args.no_peer:
        variants.append(("peer", "peer", {}))
    order = ORDERS["R1"]
    progress = Progress(enabled=False)
    got: dict[str, list[dict[str, float]]] = {key: [] for key, _, _ in variants}
    retried = 0
    for rnd in range(args.rounds):
        shift = rnd % len(variants)
        for key, kind, env in variants[shift:] + variants[:shift]:
            point: dict[str, float] = {}
            for workers in (1, 2):
                designs = order_designs(ctx, order, args.renders + workers, f"-r{rnd}-{key}-{workers}")
                jobs = [order_job(ctx, order, d, key) for d in designs]
                spec = BatchSpec(kind, tuple(jobs[:workers]), tuple(jobs[workers:]), workers)
                for attempt in range(4):
                    if args.realtime:
                        _wait_alone()
                    with _env(env), _realtime(args.realtime), _Watch() as watch:
                        res = run_batch(spec, progress, key)
                    if not (args.realtime and watch.seen):
                        break
                    retried += 1
                    designs = order_designs(ctx, order, args.renders + workers, f"-r{rnd}-{key}-{workers}-{attempt}")
                    jobs = [order_job(ctx, order, d, key) for d in designs]
                    spec = BatchSpec(kind, tuple(jobs[:workers]), tuple(jobs[workers:]), workers)
                s = summarize(res.samples, res.peak_rss_kb, workers=workers, wall_s=res.wall_s)
                point[f"rps{workers}"] = s.throughput_per_s
                point[f"cpu{workers}"] = s.cpu_s
                point[f"rss{workers}"] = s.peak_rss_mb
            point["scaling"] = point["rps2"] / point["rps1"]
            got[key].append(point)
            print(f"round {rnd} {key:10} 1p {point['rps1']:6.2f}/s  2p {point['rps2']:6.2f}/s  scaling "
                  f"{point['scaling']:.2f}  CPU/render {point['cpu1'] * 1000:.0f}/{point['cpu2'] * 1000:.0f} ms  "
                  f"RSS {point['rss1']:.0f}/{point['rss2']:.0f} MB", flush=True)  # fmt: skip
    print(f"\nmedians over rounds ({retried} batches measured again: another real-time process ran)")
    med = {k: {m: statistics.median(p[m] for p in v) for m in v[0]} for k, v in got.items() if v}
    for key, m in med.items():
        peer = med.get("peer")
        ratio = f"  2p / peer 2p {m['rps2'] / peer['rps2']:.2f}" if peer and key != "peer" else ""
        print(f"{key:10} 1p {m['rps1']:6.2f}/s  2p {m['rps2']:6.2f}/s  scaling {m['scaling']:.2f}  CPU/render "
              f"{m['cpu1'] * 1000:.0f}/{m['cpu2'] * 1000:.0f} ms  RSS {m['rss1']:.0f}/{m['rss2']:.0f} MB"
              + ratio)  # fmt: skip
    if args.json:
        args.json.write_text(
            json.dumps({"rounds": got, "medians": med, "realtime": args.realtime, "retried": retried}, indent=1)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
