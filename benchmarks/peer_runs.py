"""The R/C/T workloads (issue 22): real-looking orders through the public Python API, side by side with the
hand-written pyvips + img2pdf peer (``--compare-peer``), interleaved in one run.

* **R (warm)** — two long-lived worker processes for all R orders, one for the engine
  (``render_engine.render_design`` / ``render_mockup``) and one for the peer; per order each is warmed up with
  one render, then the parent hands them the designs *alternately* (engine, peer, peer, engine, …), so both
  see the same machine load. Medians.
* **C (cold)** — one fresh process per render: ``python -m render_engine.cli render DESIGN --out DIR``
  (as a print unit's script runs ``render-engine render``) against ``python -m
  benchmarks.baselines.pyvips_img2pdf DESIGN OUT.pdf``, alternating; wall time, CPU (user + sys) and peak
  RSS of the child from ``wait4``.
* **T (throughput)** — R1's PDF on 1 and on 2 worker processes (a shared queue, the clock runs from the start
  signal after every worker warmed up), engine with libvips' default threads, with ``VIPS_CONCURRENCY=1`` and
  with ``render_threads=1`` (a render-farm worker's default: libvips and the page-image pool on 1 thread), and
  the peer; renders/s and the 2-process / 1-process scaling.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import subprocess
import sys
import time
import traceback
from dataclasses import replace
from pathlib import Path
from typing import Any

from .jobs import Job, RendererKind
from .orders import FORMATS, ORDERS, Order, order_designs
from .progress import Progress
from .results import Row, Sample, Summary, summarize
from .runner import BatchSpec, peak_rss_kb, run_batch, settle, timed_render
from .workloads import Context

_CTX = mp.get_context("spawn")
PEER = "pyvips + img2pdf peer"


def order_job(ctx: Context, order: Order, design: Path, impl: str) -> Job:
    out = ctx.out_dir(order.key, impl)
    if order.key in FORMATS and FORMATS[order.key] is None:
        return Job(design, out, width=ctx.sizes.preview_width)
    return Job(design, out, fmt=FORMATS.get(order.key, "pdf"), dpi=ctx.sizes.mug_dpi)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------ warm, paired


def _paired_child(kind: RendererKind, jobs: Any, out: Any) -> None:
    try:
        from .renderers import make_renderer

        render = make_renderer(kind)
        while (job := jobs.get()) is not None:
            out.put(("sample", (timed_render(render, job), peak_rss_kb())))
        out.put(("done", peak_rss_kb()))
    except BaseException:
        out.put(("crash", traceback.format_exc()))


class _Worker:
    def __init__(self, kind: RendererKind) -> None:
        self.jobs, self.out = _CTX.Queue(), _CTX.Queue()
        self.proc = _CTX.Process(target=_paired_child, args=(kind, self.jobs, self.out), daemon=True)
        self.proc.start()

    def render(self, job: Job) -> tuple[Sample, int]:
        """One render: its sample and the worker's peak RSS (kB) so far."""
        self.jobs.put(job)
        kind, value = self.out.get(timeout=600)
        if kind == "crash":
            raise RuntimeError(value)
        sample, rss = value
        assert isinstance(sample, Sample)
        return sample, int(rss)

    def close(self) -> int:
        self.jobs.put(None)
        kind, value = self.out.get(timeout=120)
        self.proc.join(timeout=30)
        return int(value) if kind == "done" else 0


def run_warm(ctx: Context, order: Order, progress: Progress, workers: dict[str, _Worker]) -> Row:
    """Renders of one order, interleaved between the warm engine worker and (with --compare-peer) the warm
    peer worker. The first render of each is the warm-up for this order (its fonts, profiles, code paths)."""
    n = ctx.runs + 1
    peer = "peer" in workers and not order.fabric
    designs = order_designs(ctx, order, n)
    peer_designs = order_designs(ctx, order, n, "-peer") if peer else []
    impls = ["ours", "peer"] if peer else ["ours"]
    settle(ctx.wait_idle_s, progress)
    progress.start(f"{order.key} {order.name}" + (" (engine/peer interleaved)" if peer else ""), n * len(impls))
    samples: dict[str, list[Sample]] = {k: [] for k in impls}
    rss = dict.fromkeys(impls, 0)
    try:
        for i in range(n):
            for impl in impls if i % 2 == 0 else list(reversed(impls)):
                d = designs[i] if impl == "ours" else peer_designs[i]
                s, rss[impl] = workers[impl].render(order_job(ctx, order, d, impl))
                if i > 0:
                    samples[impl].append(s)
                progress.advance(1)
    except (RuntimeError, OSError) as exc:
        progress.finish("FAILED")
        return Row(order.key, order.key[0], order.name, order.inputs, "error", reason=f"{order.key}: {exc}")
    ours = summarize(samples["ours"], rss["ours"])
    base = summarize(samples["peer"], rss["peer"]) if peer else None
    failed = next((s.error for v in samples.values() for s in v if s.error), None)
    progress.finish(f"p50 {ours.p50_s * 1000:8.1f} ms" + (f"  peer {base.p50_s * 1000:8.1f} ms" if base else ""))
    return Row(
        order.key, order.key[0], order.name, order.inputs, "error" if failed else "ok", reason=failed, ours=ours,
        baseline=base, baseline_label=PEER if base else "baseline",
    )  # fmt: skip


def run_orders(ctx: Context, progress: Progress, peer: bool) -> list[Row]:
    """Every R order in the same two warm processes (one engine, one peer), as a render service sees a mix of
    orders; RSS is each worker's peak up to the end of that row."""
    workers = {"ours": _Worker("api")}
    if peer:
        workers["peer"] = _Worker("peer")
    try:
        return [run_warm(ctx, order, progress, workers) for order in ORDERS.values()]
    finally:
        for w in workers.values():
            try:
                w.close()
            except Exception:  # a crashed worker has nothing to say
                w.proc.kill()


# ------------------------------------------------------------------------------------------ cold process


def _timed_process(argv: list[str]) -> Sample:
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    cpu = usage.ru_utime + usage.ru_stime
    steps = {"max_rss_mb": usage.ru_maxrss / 1024}
    if proc.returncode != 0:
        return Sample(wall, cpu, 0, steps, f"exit {proc.returncode}: {err[-2000:]}")
    return Sample(wall, cpu, 0, steps)


def _compile_bytecode() -> None:
    """Byte-compile the engine and the peer as an installed wheel is (pip compiles every module it installs).
    A source checkout under ``PYTHONDONTWRITEBYTECODE=1`` (set in some shells) would otherwise compile the
    ~60 modules of the render path from source in every fresh process: ~150 ms that no installed deployment
    pays. Writes ``__pycache__`` beside the sources (ignored by git), whatever that variable says."""
    import compileall

    import render_engine

    from . import baselines

    for pkg in (render_engine, baselines):
        compileall.compile_dir(Path(str(pkg.__file__)).parent, quiet=1)


def run_cold(ctx: Context, progress: Progress, peer: bool) -> Row:
    """R1's mug PDF, one fresh process per render: the CLI against the peer's script, alternating."""
    order = ORDERS["R1"]
    n = ctx.runs + 1
    designs = order_designs(ctx, order, n, "-cold")
    peer_designs = order_designs(ctx, order, n, "-cold-peer") if peer else []
    out = ctx.out_dir("C1", "ours")
    peer_out = ctx.out_dir("C1", "peer")
    peer_out.mkdir(parents=True, exist_ok=True)
    _compile_bytecode()
    settle(ctx.wait_idle_s, progress)
    progress.start("C1 cold-cli" + (" (engine/peer interleaved)" if peer else ""), n * (2 if peer else 1))
    samples: dict[str, list[Sample]] = {"ours": [], "peer": []}
    dpi = [] if ctx.sizes.mug_dpi is None else ["--dpi", str(ctx.sizes.mug_dpi)]
    for i in range(n):
        runs = [("ours", [sys.executable, "-m", "render_engine.cli", "render", str(designs[i]), "--out", str(out),
                          "--quiet", *dpi])]  # fmt: skip
        if peer:
            runs.append(("peer", [sys.executable, "-m", "benchmarks.baselines.pyvips_img2pdf", str(peer_designs[i]),
                                  str(peer_out / f"{i:03d}.pdf")]))  # fmt: skip
        for impl, argv in runs if i % 2 == 0 else list(reversed(runs)):
            s = _timed_process(argv)
            if i > 0:  # the first pair warms the page cache (Python, libraries, fonts), as on a print unit
                samples[impl].append(s)
            progress.advance(1)

    def summary(v: list[Sample]) -> Summary:
        good = [s for s in v if s.error is None]
        rss = max((s.steps["max_rss_mb"] for s in good), default=0.0)
        return replace(summarize(v, int(rss * 1024)), steps={})

    ours = summary(samples["ours"])
    base = summary(samples["peer"]) if peer else None
    failed = next((s.error for v in samples.values() for s in v if s.error), None)
    progress.finish(f"p50 {ours.p50_s * 1000:8.1f} ms" + (f"  peer {base.p50_s * 1000:8.1f} ms" if base else ""))
    return Row("C1", "C", "cold-cli", "R1's mug PDF, one process per render: `render-engine render` (CLI) vs the "
               "peer's script, both byte-compiled first as an installed wheel is; wall, CPU (user+sys) and peak RSS of "
               "each process", "error" if failed else "ok",
               reason=failed, ours=ours, baseline=base, baseline_label=PEER if base else "baseline")  # fmt: skip


# ------------------------------------------------------------------------------------------- throughput


# The engine's thread variants on 1 and 2 processes: (row key, label, environment of the worker processes)
THREAD_VARIANTS: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("T1", "default libvips threads", {}),
    ("T1-vips1", "VIPS_CONCURRENCY=1", {"VIPS_CONCURRENCY": "1"}),
    ("T1-worker", "render_threads=1, the render-farm worker's default", {"RENDER_ENGINE_RENDER_THREADS": "1"}),
)
_THREAD_ENV = ("VIPS_CONCURRENCY", "RENDER_ENGINE_RENDER_THREADS")


def run_throughput(ctx: Context, progress: Progress, peer: bool) -> list[Row]:
    """R1's PDF on 1 and 2 processes; the engine in each of :data:`THREAD_VARIANTS`, and the peer."""
    order = ORDERS["R1"]
    count = max(4, ctx.batch_size // 10) if ctx.sizes.preview_width >= 800 else 4
    variants: list[tuple[str, RendererKind, dict[str, str]]] = [(key, "api", env) for key, _, env in THREAD_VARIANTS]
    if peer:
        variants.append(("peer", "peer", {}))
    results: dict[tuple[str, int], Summary] = {}
    for workers in (1, 2):
        for impl, kind, env in variants:
            designs = order_designs(ctx, order, count + workers, f"-t{workers}-{impl}")
            jobs = [order_job(ctx, order, d, impl) for d in designs]
            spec = BatchSpec(kind, tuple(jobs[:workers]), tuple(jobs[workers:]), workers)
            saved = {k: os.environ.get(k) for k in _THREAD_ENV}
            if env:  # the workers inherit it (spawned); the operator's own setting is kept for T1
                for k in _THREAD_ENV:
                    os.environ.pop(k, None)
                os.environ.update(env)
            try:
                res = run_batch(spec, progress, f"{impl} on {workers} process(es)", ctx.wait_idle_s)
            finally:
                for k, v in saved.items():
                    if v is None:
                        os.environ.pop(k, None)
                    else:
                        os.environ[k] = v
            s = summarize(res.samples, res.peak_rss_kb, workers=workers, wall_s=res.wall_s)
            progress.finish(f"{s.throughput_per_s:6.2f} renders/s")
            results[(impl, workers)] = s
    rows = []
    for key, label, _ in THREAD_VARIANTS:
        one, two = results[(key, 1)], results[(key, 2)]
        two = replace(two, parallel_efficiency=two.throughput_per_s / one.throughput_per_s / 2,
                      serial_sum_s=None)  # fmt: skip
        base = results.get(("peer", 2))
        rows.append(Row(key, "T", "throughput-2p",
                        f"R1's PDF on 2 processes ({label}); scaling over 1 process = 2 x efficiency; baseline: the "
                        "peer on 2 processes", "ok", ours=two, baseline=base,
                        baseline_label=PEER if base else "baseline"))  # fmt: skip
    return rows


def scaling(row: Row) -> float | None:
    """2-process over 1-process throughput of a T row."""
    eff = row.ours.parallel_efficiency if row.ours else None
    return None if eff is None else 2 * eff


def run_peer_suite(ctx: Context, selected: list[str], progress: Progress, peer: bool) -> list[Row]:
    rows: list[Row] = []
    if "R" in selected:
        rows += run_orders(ctx, progress, peer)
    if "C" in selected:
        rows.append(run_cold(ctx, progress, peer))
    if "T" in selected:
        rows += run_throughput(ctx, progress, peer)
    return rows


def medians_text(rows: list[Row]) -> str:
    """One line per row: ours/peer ratio of the medians (p50, CPU), for the terminal."""
    lines = []
    for r in rows:
        if r.ours is None or r.baseline is None:
            continue
        if r.workload == "T":
            ratio = r.ours.throughput_per_s / r.baseline.throughput_per_s
            lines.append(f"  {r.key:9}throughput ours/peer {ratio:.2f}  scaling 2p/1p {scaling(r) or 0:.2f}")
        else:
            lines.append(f"  {r.key:9}p50 ours/peer {r.ours.p50_s / r.baseline.p50_s:.2f}  "
                         f"CPU ours/peer {r.ours.cpu_s / r.baseline.cpu_s:.2f}")  # fmt: skip
    return "\n".join(lines)
