"""Run the selected workloads and turn what the workers measured into report rows.

Each workload's renders run in fresh processes (see :mod:`benchmarks.runner`): ours, then the baseline.
A failure (engine error, crashed worker) becomes an ``error`` row carrying the traceback and the design JSON;
the other workloads still run.
"""

from __future__ import annotations

import importlib.util
import math
import statistics
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Literal

from . import farm_load
from .farm_load import FarmRun
from .jobs import Job, RendererKind
from .progress import Progress
from .renderers import mockup_missing
from .results import Row, Summary, summarize
from .runner import BatchSpec, Case, ChildCrashed, SerialSpec, run_batch, run_serial, settle
from .workloads import (
    QUICK,
    ROWS,
    SKIP_W6_NO_API,
    SKIP_W7_NO_API,
    SKIP_W7_NO_REDIS,
    W3_HOOK,
    WORKLOAD_IDS,
    Context,
    Kind,
    RowDef,
    calibration_cases,
    case,
    edit_session_designs,
    mixed_batch_jobs,
    mug_batch_jobs,
    mug_designs,
    poster_designs,
)

Measured = tuple[Summary | None, str | None]  # a summary, or the reason there is none


def run_suite(ctx: Context, selected: list[str], progress: Progress, with_baseline: bool) -> list[Row]:
    rows: list[Row] = []
    for wid in WORKLOAD_IDS:
        if wid in selected:
            rows.extend(_RUNNERS[wid](ctx, progress, with_baseline))
    return rows


def _row_def(key: str) -> RowDef:
    return next(r for r in ROWS if r.key == key)


def _row(rd: RowDef, ours: Measured, baseline: Measured | None = None) -> Row:
    reasons = [r for r in (ours[1], baseline[1] if baseline else None) if r]
    return Row(
        key=rd.key,
        workload=rd.workload,
        name=rd.name,
        description=rd.description,
        status="error" if reasons else "ok",
        reason="\n\n".join(reasons) if reasons else None,
        ours=ours[0],
        baseline=baseline[0] if baseline else None,
    )


def _skipped(key: str, reason: str) -> Row:
    rd = _row_def(key)
    return Row(key=rd.key, workload=rd.workload, name=rd.name, description=rd.description, status="skipped",
               reason=reason)  # fmt: skip


def _serial(ctx: Context, spec: SerialSpec, progress: Progress, label: str) -> Measured:
    """Run one serial case in a fresh process and summarise it."""
    try:
        res = run_serial(spec, progress, label, ctx.wait_idle_s)
    except ChildCrashed as exc:
        progress.finish("CRASHED")
        return None, f"{label}: worker crashed: {exc}"
    name = spec.cases[0].name
    if name in res.errors:
        progress.finish("FAILED")
        return None, f"{label}: warm-up render failed: {res.errors[name]}"
    samples = res.samples[name]
    summary = summarize(samples, res.peak_rss_kb)
    progress.finish(f"p50 {summary.p50_s * 1000:8.1f} ms  RSS {summary.peak_rss_mb:6.0f} MB")
    failed = next((s.error for s in samples if s.error), None)
    return summary, (f"{label}: {summary.errors} render(s) failed; the first: {failed}" if failed else None)


def _single(
    ctx: Context,
    key: str,
    designs: list[Path],
    progress: Progress,
    with_baseline: bool,
    *,
    fmt: Literal["png", "pdf"] | None,
    dpi: float | None,
    renderer: RendererKind = "engine",
    width: int | None = None,
) -> Row:
    rd = _row_def(key)

    def spec(kind: RendererKind, impl: str) -> SerialSpec:
        c = case(key, designs, ctx.out_dir(key, impl), fmt=fmt, dpi=dpi, width=width)
        return SerialSpec(kind, (c,))

    ours = _serial(ctx, spec(renderer, "ours"), progress, f"{key} {rd.name} ours")
    base = None
    if with_baseline and rd.baseline:
        base = _serial(ctx, spec("baseline", "baseline"), progress, f"{key} {rd.name} baseline")
    return _row(rd, ours, base)


# ------------------------------------------------------------------------------------------- workloads


def _w1(ctx: Context, progress: Progress, with_baseline: bool) -> list[Row]:
    designs = mug_designs(ctx, "w1", ctx.runs + 1)
    return [_single(ctx, "W1", designs, progress, with_baseline, fmt="pdf", dpi=ctx.sizes.mug_dpi)]


def _w2(ctx: Context, progress: Progress, with_baseline: bool) -> list[Row]:
    designs = poster_designs(ctx, "w2", ctx.runs + 1)
    return [_single(ctx, "W2", designs, progress, with_baseline, fmt="pdf", dpi=ctx.sizes.poster_dpi)]


def _w3(ctx: Context, progress: Progress, with_baseline: bool) -> list[Row]:
    missing = mockup_missing()
    if missing is not None:
        return [_skipped("W3", f"{missing}; {W3_HOOK}"), _skipped("W3-edit", f"{missing}; {W3_HOOK}")]
    width = ctx.sizes.preview_width
    cold, edit = mug_designs(ctx, "w3", ctx.runs + 1), edit_session_designs(ctx, "w3-edit", ctx.runs + 1)
    return [
        _single(ctx, "W3", cold, progress, False, fmt=None, dpi=None, renderer="mockup", width=width),
        _single(ctx, "W3-edit", edit, progress, False, fmt=None, dpi=None, renderer="mockup", width=width),
    ]


def _w4(ctx: Context, progress: Progress, with_baseline: bool) -> list[Row]:
    designs = mug_designs(ctx, "w4", ctx.runs + 1)
    return [_single(ctx, "W4", designs, progress, with_baseline, fmt="png", dpi=ctx.sizes.mug_dpi)]


def _w5(ctx: Context, progress: Progress, with_baseline: bool) -> list[Row]:
    """Serial single-render medians per design kind first, then the two batches on N workers."""
    jobs, kinds = mixed_batch_jobs(ctx)
    mixed_def, mug_def = _row_def("W5-mixed"), _row_def("W5-mug")
    try:
        medians, cal_errors = _single_render_medians(ctx, kinds, progress)
    except ChildCrashed as exc:
        progress.finish("CRASHED")
        reason = f"W5 calibration worker crashed: {exc}"
        return [_row(mixed_def, (None, reason)), _row(mug_def, (None, reason))]
    warm = tuple(Job(d, ctx.out_dir("W5-warmup", "ours"), fmt="pdf", dpi=ctx.sizes.mug_dpi)
                 for d in mug_designs(ctx, "w5-warmup", 1))  # fmt: skip
    mixed_spec = BatchSpec("engine", warm, tuple(jobs), ctx.workers)
    mixed = _batch(ctx, mixed_spec, [k.name for k in kinds], medians, cal_errors, progress, "W5 batch-mixed")
    mug_spec = BatchSpec("engine", warm, tuple(mug_batch_jobs(ctx)), ctx.workers)
    mug = _batch(ctx, mug_spec, ["mug"] * len(mug_spec.jobs), medians, cal_errors, progress, "W5 batch-mug")
    return [_row(mixed_def, mixed), _row(mug_def, mug)]


def _w8(ctx: Context, progress: Progress, with_baseline: bool) -> list[Row]:
    """The photo book at 40 pages (ctx.runs timed renders), then 20 and 100 pages (2 each: memory)."""
    from .books import book_designs

    rows = []
    few = min(2, ctx.runs)
    for key, pages, runs in (("W8", 40, ctx.runs), ("W8-20p", 20, few), ("W8-100p", 100, few)):
        designs = book_designs(ctx, key.lower(), runs + 1, pages)
        jobs = [Job(d, ctx.out_dir(key, "ours"), parts=True) for d in designs]
        spec = SerialSpec("api", (Case(key, jobs[0], tuple(jobs[1:])),))
        rows.append(_row(_row_def(key), _serial(ctx, spec, progress, f"{key} {pages} pages")))
    return rows


def _single_render_medians(
    ctx: Context, kinds: list[Kind], progress: Progress
) -> tuple[dict[str, float], dict[str, str]]:
    """Median wall time of one render of each batch design kind (and the mug), in one warm serial process."""
    spec = SerialSpec("engine", tuple(calibration_cases(ctx, kinds)))
    cal = run_serial(spec, progress, "W5 single-render medians", ctx.wait_idle_s)
    progress.finish()
    medians = {
        name: statistics.median(s.wall_s for s in samples if s.error is None)
        for name, samples in cal.samples.items()
        if any(s.error is None for s in samples)
    }
    return medians, cal.errors


def _batch(
    ctx: Context,
    spec: BatchSpec,
    kinds: list[str],
    medians: dict[str, float],
    cal_errors: dict[str, str],
    progress: Progress,
    label: str,
) -> Measured:
    try:
        res = run_batch(spec, progress, label, ctx.wait_idle_s)
    except ChildCrashed as exc:
        progress.finish("CRASHED")
        return None, f"{label}: worker crashed: {exc}"
    summary = summarize(res.samples, res.peak_rss_kb, workers=spec.workers, wall_s=res.wall_s)
    missing = sorted({k for k in kinds if k not in medians})
    if not missing:
        serial_sum = sum(medians[k] for k in kinds)
        ideal = spec.workers * len(kinds) / serial_sum
        summary = replace(summary, serial_sum_s=serial_sum, parallel_efficiency=summary.throughput_per_s / ideal)
    progress.finish(f"{summary.throughput_per_s:6.2f} renders/s on {spec.workers} workers")
    reasons = [f"{label}: single-render median of {k} unavailable:\n{cal_errors.get(k, 'no successful render')}"
               for k in missing]  # fmt: skip
    failed = next((s.error for s in res.samples if s.error), None)
    if failed:
        reasons.append(f"{label}: {summary.errors} render(s) failed; the first: {failed}")
    return summary, "\n\n".join(reasons) or None


W6_CONCURRENCY = 16  # storefront shoppers typing at once (issue 7's load figure); --quick uses 2


def _w6(ctx: Context, progress: Progress, with_baseline: bool) -> list[Row]:
    """Previews through the real HTTP API (``render-engine serve``, loopback) at a fixed concurrency."""
    import json as _json

    from .http_load import run_http_previews

    if importlib.util.find_spec("api.app") is None or importlib.util.find_spec("httpx") is None:
        return [_skipped("W6", SKIP_W6_NO_API)]
    rd = _row_def("W6")
    quick = ctx.sizes.preview_width < 800
    concurrency = 2 if quick else W6_CONCURRENCY
    (design_path,) = mug_designs(ctx, "w6", 1)
    design = _json.loads(design_path.read_text(encoding="utf-8"))
    photo = design_path.parent / next(la["asset"] for la in design["layers"] if la.get("type") == "image")
    progress.start(f"W6 {rd.name} ours ({concurrency} clients)", concurrency * ctx.runs)
    try:
        samples, peak_kb, health, throttled, elapsed = run_http_previews(
            design, photo, concurrency=concurrency, per_client=ctx.runs, width=ctx.sizes.preview_width
        )
    except Exception as exc:  # the server did not start, a client failed: an error row, the run goes on
        progress.finish("FAILED")
        return [_row(rd, (None, f"W6: {type(exc).__name__}: {exc}"))]
    summary = replace(summarize(samples, peak_kb, workers=concurrency, wall_s=elapsed), steps=health)
    progress.finish(f"p50 {summary.p50_s * 1000:8.1f} ms  healthz p95 {health['healthz_p95'] * 1000:.0f} ms"
                    f"  429s {throttled}")  # fmt: skip
    return [_row(rd, (summary, None))]


W7_WORKERS = 2
W7_VARIANTS = (("W7-fork", True), ("W7-nofork", False))


def w7_rounds(ctx: Context) -> int:
    """Farm runs per variant: one with --quick; else one per three --runs (2 by default: ~30 s for both rows)."""
    return 1 if ctx.sizes == QUICK else max(1, (ctx.runs + 1) // 3)


def _w7(ctx: Context, progress: Progress, with_baseline: bool) -> list[Row]:
    """The render farm through real Redis and real ``render-engine worker --burst`` processes: fork and
    no-fork workers alternate, round after round (see :mod:`benchmarks.farm_load`)."""
    keys = [key for key, _ in W7_VARIANTS]
    if any(importlib.util.find_spec(m) is None for m in ("api.app", "httpx", "rq", "redis")):
        return [_skipped(k, SKIP_W7_NO_API) for k in keys]
    url = farm_load.redis_url()
    problem = farm_load.redis_problem(url)
    if problem is not None:
        return [_skipped(k, SKIP_W7_NO_REDIS.format(url=url, problem=problem)) for k in keys]
    sizes = ctx.sizes
    photo = ctx.photos.photo(sizes.mug_photo)
    engine = farm_load.posting_engine()
    runs: dict[str, list[FarmRun]] = {k: [] for k in keys}
    failures: dict[str, str] = {}
    rounds = w7_rounds(ctx)
    jobs = sizes.farm_coasters + sizes.farm_mugs
    for r in range(rounds):
        for key, fork in W7_VARIANTS:
            if key in failures:
                continue
            spec = farm_load.FarmSpec(sizes.farm_coasters, sizes.farm_mugs, photo, sizes.mug_dpi, W7_WORKERS, fork)
            settle(ctx.wait_idle_s, progress)
            progress.start(f"{key} {_row_def(key).name} round {r + 1}/{rounds}", jobs)
            try:
                run = farm_load.run_farm(spec, engine, progress.advance)
            except Exception as exc:  # Redis went away, the API refused a job, a worker would not start...
                progress.finish("FAILED")
                failures[key] = f"{key} {_row_def(key).name}: {type(exc).__name__}: {exc}"
                continue
            good = sum(1 for s in run.samples if s.error is None)
            progress.finish(f"{good / run.wall_s:6.2f} jobs/s  wall {run.wall_s:5.1f} s")
            if run.reruns:
                progress.note(f"{key}: {len(run.reruns)} job(s) ran more than once (attempts {run.reruns})")
            runs[key].append(run)
            if run.problem is not None:
                failures[key] = f"{key} {_row_def(key).name}: round {r + 1}: {run.problem}"
    return [_w7_row(key, runs[key], failures.get(key)) for key in keys]


def _w7_row(key: str, runs: list[FarmRun], failure: str | None) -> Row:
    rd = _row_def(key)
    if not runs:
        return _row(rd, (None, failure or f"{key} {rd.name}: no farm run"))
    samples = [s for run in runs for s in run.samples]
    wall = sum(run.wall_s for run in runs)
    cpu = sum(run.cpu_s for run in runs)
    summary = summarize(samples, max(run.peak_rss_kb for run in runs), workers=W7_WORKERS, wall_s=wall)

    def med(values: list[float]) -> float:
        return statistics.median(values) if values else math.nan

    steps = {
        "farm.startup": med([run.startup_s for run in runs]),
        "farm.drain": med([run.drain_s for run in runs]),
        **{f"job.{kind}": med([t for run in runs for t in run.kinds[kind]]) for kind in ("coaster", "mug")},
    }
    names = list(dict.fromkeys(n for run in runs for n in run.steps))
    for n in names:  # the mean over every round's jobs, from the farm's step histograms (sum, count)
        total, count = (sum(v) for v in zip(*(run.steps.get(n, (0.0, 0.0)) for run in runs), strict=True))
        steps[n] = total / count if count else math.nan
    jobs = len(samples)
    summary = replace(summary, cpu_s=cpu / jobs if jobs else math.nan, cpu_total_s=cpu, steps=steps)
    reruns = [a for run in runs for a in run.reruns]
    note = f"note: {len(reruns)} job(s) ran more than once (attempts {sorted(reruns)})" if reruns else None
    if failure is not None:
        return _row(rd, (summary, failure))
    return replace(_row(rd, (summary, None)), reason=note)


def _peer_rows(group: str) -> Callable[[Context, Progress, bool], list[Row]]:
    def run(ctx: Context, progress: Progress, with_baseline: bool) -> list[Row]:
        from .peer_runs import run_peer_suite

        return run_peer_suite(ctx, [group], progress, ctx.compare_peer)

    return run


def _paint_rows(ctx: Context, progress: Progress, with_baseline: bool) -> list[Row]:
    from .paint_cost import run_paint_cost  # P1 (issue 17): its own module

    return run_paint_cost(ctx, progress)


def _merge_rows(ctx: Context, progress: Progress, with_baseline: bool) -> list[Row]:
    from .merge_bench import run_merge  # W9 (issue 19): its own module

    return run_merge(ctx, progress)


def _calendar_rows(ctx: Context, progress: Progress, with_baseline: bool) -> list[Row]:
    from .calendar_cost import run_calendar  # K1, K2 (issue 18): its own module

    return run_calendar(ctx, progress)


_RUNNERS: dict[str, Callable[[Context, Progress, bool], list[Row]]] = {
    "W1": _w1, "W2": _w2, "W3": _w3, "W4": _w4, "W5": _w5, "W6": _w6, "W7": _w7, "W8": _w8,
    "R": _peer_rows("R"), "C": _peer_rows("C"), "T": _peer_rows("T"), "P": _paint_rows, "W9": _merge_rows,
    "K": _calendar_rows,
}  # fmt: skip
