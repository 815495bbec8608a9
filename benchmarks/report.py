"""Terminal output: the results table, the issue's targets, and ``--compare`` ratios against an older run."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from .results import Report, Row, Summary
from .workloads import ROWS, Target

HIGHER_IS_BETTER = {"throughput_per_s", "parallel_efficiency", "speedup"}
COMPARED = ("p50_s", "p95_s", "throughput_per_s", "cpu_s", "peak_rss_mb", "output_bytes", "parallel_efficiency")
NOISE = 0.05  # ratios within 5 % of 1 are reported as unchanged


def _num(v: float | None, scale: float = 1.0, digits: int = 1) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    return f"{v * scale:.{digits}f}"


def header(report: Report) -> str:
    m, c = report.machine, report.config
    return (
        f"render-bench {report.created}  {m.get('cpu_model')} ({m.get('cores')} cores)  python {m.get('python')}  "
        f"libvips {m.get('libvips')}  commit {m.get('git_commit')}{'+dirty' if m.get('git_dirty') else ''}\n"
        f"runs {c.get('runs')} (+1 warm-up)  workers {c.get('workers')}  batch {c.get('batch_size')}"
        f"{'  QUICK (tiny inputs; numbers are not meaningful)' if c.get('quick') else ''}"
        f"{_load_warning(c.get('loadavg_start'), m.get('cores'))}"
    )


def _load_warning(load: list[float] | None, cores: int | None) -> str:
    if not load:
        return ""
    text = f"  load {load[0]:.2f} at start"
    if load[0] > 0.5:
        text += f" -- BUSY MACHINE: other processes share the {cores or '?'} cores, wall times are inflated"
    return text


COLUMNS = f"{'':32}{'p50 ms':>10}{'p95 ms':>10}{'renders/s':>11}{'CPU s':>8}{'RSS MB':>8}{'out MB':>8}"


def _summary_line(label: str, s: Summary) -> str:
    line = (
        f"{label:32}{_num(s.p50_s, 1000):>10}{_num(s.p95_s, 1000):>10}{_num(s.throughput_per_s, 1, 2):>11}"
        f"{_num(s.cpu_s, 1, 3):>8}{_num(s.peak_rss_mb, 1, 0):>8}{_num(s.output_bytes, 1e-6, 2):>8}"
    )
    if s.workers > 1:
        busy = s.cpu_total_s / (s.wall_s * s.workers) * 100 if s.wall_s else math.nan
        line += f"  {s.runs} renders on {s.workers} workers in {s.wall_s:.1f} s, CPU {busy:.0f} % busy"
        if s.parallel_efficiency is not None:
            line += f", efficiency {s.parallel_efficiency * 100:.0f} % (serial sum {_num(s.serial_sum_s)} s)"
    if s.errors:
        line += f"  [{s.errors} FAILED]"
    return line


def _steps_line(label: str, s: Summary) -> str:
    parts = " | ".join(f"{k} {v * 1000:.1f}" for k, v in s.steps.items())
    return f"{'':4}{label:28}{parts} ms (medians)"


def row_lines(row: Row) -> Iterator[str]:
    title = f"{row.key:10}{row.name:14}"
    if row.status == "skipped":
        yield f"{title}  skipped: {row.reason}"
        return
    if row.ours is not None:
        yield _summary_line(f"{title}ours", row.ours)
    peer = row.baseline_label != "baseline"
    if row.baseline is not None:
        yield _summary_line(f"{'':23}{'peer' if peer else 'baseline'}", row.baseline)
    ratios = row.ratios()
    if ratios:
        p50 = ratios.get("p50_s", math.nan)
        if peer and row.ours is not None and row.baseline is not None and row.baseline.throughput_per_s:
            yield (f"{'':23}ours/peer  throughput {row.ours.throughput_per_s / row.baseline.throughput_per_s:.2f}"
                   f"  (peer = {row.baseline_label}, same run)")  # fmt: skip
        yield (
            f"{'':23}ours/{'peer' if peer else 'baseline'}  p50 {p50:.2f} ({speed_words(p50)})  "
            f"p95 {ratios.get('p95_s', math.nan):.2f}  "
            f"CPU {ratios.get('cpu_s', math.nan):.2f}  RSS {ratios.get('peak_rss_mb', math.nan):.2f}  "
            f"bytes {ratios.get('output_bytes', math.nan):.2f}"
        )
    if row.ours is not None and row.ours.steps:
        yield _steps_line("steps ours:", row.ours)
    if row.baseline is not None and row.baseline.steps:
        yield _steps_line("steps peer:" if peer else "steps baseline:", row.baseline)
    if row.status == "error":
        if row.ours is None and row.baseline is None:
            yield f"{title}FAILED"
        for line in (row.reason or "unknown error").splitlines():
            if line.startswith(f"{row.key} ") or line.startswith("W5 "):
                yield f"{'':4}ERROR {line[:200]}"
        yield f"{'':4}(tracebacks and the design JSON are in the JSON result file: rows[].reason)"


def speed_words(ours_over_baseline: float) -> str:
    """0.25 -> '4.0x faster', 2.0 -> '2.0x slower'."""
    r = ours_over_baseline
    if not math.isfinite(r) or r <= 0:
        return "n/a"
    return f"{1 / r:.1f}x faster" if r <= 1 else f"{r:.1f}x slower"


def table(report: Report) -> str:
    lines = [header(report), "", COLUMNS]
    for row in report.rows:
        lines.extend(row_lines(row))
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------- targets


def target_value(row: Row, target: Target) -> float | None:
    if row.ours is None:
        return None
    if target.metric == "speedup":
        if row.baseline is None or not row.ours.p50_s:
            return None
        return row.baseline.p50_s / row.ours.p50_s
    if target.metric == "ratio_p50":  # ours / peer, same run
        return None if row.baseline is None or not row.baseline.p50_s else row.ours.p50_s / row.baseline.p50_s
    if target.metric == "ratio_throughput":
        if row.baseline is None or not row.baseline.throughput_per_s:
            return None
        return row.ours.throughput_per_s / row.baseline.throughput_per_s
    if target.metric == "scaling":  # 2-process over 1-process throughput (T rows)
        eff = row.ours.parallel_efficiency
        return None if eff is None else 2 * eff
    value = getattr(row.ours, target.metric)
    return float(value) if value is not None else None


def evaluate_targets(report: Report) -> list[dict[str, Any]]:
    """The targets as data for the JSON file: row, target, measured value, pass (None: not measured)."""
    out: list[dict[str, Any]] = []
    for rd in ROWS:
        row = report.row(rd.key)
        if row is None:
            continue
        for t in rd.targets:
            value = None if row.status == "skipped" else target_value(row, t)
            ok = None if value is None or not math.isfinite(value) else (
                value <= t.value if t.op == "<=" else value >= t.value)  # fmt: skip
            out.append({"row": rd.key, "target": t.text, "metric": t.metric, "limit": t.value, "value": value,
                        "pass": ok})  # fmt: skip
    return out


def target_lines(report: Report) -> Iterator[str]:
    quick = bool(report.config.get("quick"))
    yield "targets (issues 4 and 22; this machine)" + ("  -- not evaluated: --quick" if quick else "")
    if quick:
        return
    for rd in ROWS:
        row = report.row(rd.key)
        if row is None:  # not selected with --workloads
            continue
        for t in rd.targets:
            value = None if row.status == "skipped" else target_value(row, t)
            yield f"  {rd.key:9}{t.text:30} {_verdict(t, value)}"


def _verdict(t: Target, value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    shown = _show(t.metric, value)
    ok = value <= t.value if t.op == "<=" else value >= t.value
    if ok:
        return f"PASS  {shown}"
    off = value / t.value if t.op == "<=" else t.value / value
    return f"MISS  {shown} ({off:.2f}x {'over' if t.op == '<=' else 'short of'} the target)"


def _show(metric: str, value: float) -> str:
    if metric == "throughput_per_s":
        return f"{value:.2f}/s"
    if metric.endswith("_s"):
        return f"{value * 1000:.0f} ms"
    if metric == "peak_rss_mb":
        return f"{value:.0f} MB"
    if metric == "parallel_efficiency":
        return f"{value * 100:.0f} %"
    if metric in ("ratio_p50", "ratio_throughput", "scaling"):
        return f"{value:.2f}x"
    return f"{value:.2f}x"


# ----------------------------------------------------------------------------------------------- compare


def compare(old: Report, new: Report) -> str:
    lines = [
        f"compare: new/old (new {new.created} {new.machine.get('git_commit')}, "
        f"old {old.created} {old.machine.get('git_commit')}); below 1 is better except renders/s and efficiency",
        f"{'row':10}{'impl':10}{'metric':22}{'old':>12}{'new':>12}{'new/old':>9}",
    ]
    for row in new.rows:
        before = old.row(row.key)
        if before is None or row.status == "skipped" or before.status == "skipped":
            continue
        for impl in ("ours", "baseline"):
            a, b = getattr(before, impl), getattr(row, impl)
            if a is not None and b is not None:
                lines.extend(_compare_summaries(row.key, impl, a, b))
    return "\n".join(lines)


def _compare_summaries(key: str, impl: str, old: Summary, new: Summary) -> Iterator[str]:
    pairs: list[tuple[str, float | None, float | None]] = [(m, getattr(old, m), getattr(new, m)) for m in COMPARED]
    pairs += [(f"step {k}", old.steps.get(k), new.steps.get(k)) for k in new.steps]
    for metric, a, b in pairs:
        if a is None or b is None or not a or not math.isfinite(a) or not math.isfinite(b):
            continue
        ratio = b / a
        yield f"{key:10}{impl:10}{metric:22}{a:>12.4g}{b:>12.4g}{ratio:>9.2f}  {_trend(metric, ratio)}"


def _trend(metric: str, ratio: float) -> str:
    if abs(ratio - 1) <= NOISE:
        return ""
    better = ratio > 1 if metric in HIGHER_IS_BETTER else ratio < 1
    return "better" if better else "WORSE"
