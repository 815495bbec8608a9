"""P1: what storefront paint costs in the print PDF (issue #17).

An 11oz mug as shop editors make it: a 12-MP photo band, a gradient background, a gradient badge, a name in
gradient text set on a curved path, and a patterned ribbon (a rounded rect filled with the native pattern paint
— a 20 px PNG dot tile, what a Fabric ``Pattern`` imports as: a PDF tiling pattern) — against the **same design
with flat colours** (the mean colour of each gradient, the ribbon flat, the name on the same path). Until stop
24 the ribbon was an SVG clip-art layer (an SVG ``<pattern>``, or a flat rect in the baseline) from before the
native pattern paint: CairoSVG drew it in the SVG helper process, whose time this process' CPU does not count,
and the wall ratio was 1.35 at load 13 with this process' CPU 0.111 vs 0.107 s. Both designs are rendered as
CMYK PDF/X-4 through the public API (``render_design``) in one warm process, interleaved (paint, flat, flat,
paint, ...), every render with its own photo copy; the row reports the paint design's p50 and its ratio to
the flat one (target <= 1.3x).

    render-bench --workloads P              # or: python -m benchmarks.paint_cost [--runs N]
"""

from __future__ import annotations

import argparse
import base64
import functools
import multiprocessing as mp
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

from .inputs import Json, PhotoCache, tagged_copy, write_design
from .jobs import Job
from .progress import Progress
from .results import Row, Sample, summarize
from .runner import peak_rss_kb, settle, timed_render
from .workloads import FULL, Context

_CTX = mp.get_context("spawn")
KEY = "P1"
NAME = "mug-paint-pdf"
INPUTS = (
    "11oz mug, CMYK PDF: 12-MP photo band + gradient background + radial gradient badge + gradient name on a "
    "curved path + pattern-paint ribbon; baseline: the same design in flat colours"
)
LABEL = "same design, flat colours"

# the name's path: an arch over the mug's front (mm, relative to the text box's top-left)
_ARCH = "M 10 38 Q 75 -6 140 38"
_TILE_MM = 5.6  # the 20 px tile of a 400 px ribbon drawn 112 mm wide


@functools.cache
def _dot_tile() -> str:
    """The ribbon's tile: a 20 x 20 px PNG, a #e59866 dot of radius 5 on #fdebd0, as a data URL."""
    import pyvips

    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><rect width="20" height="20" '
        b'fill="#fdebd0"/><circle cx="10" cy="10" r="5" fill="#e59866"/></svg>'
    )
    png = pyvips.Image.svgload_buffer(svg).flatten().cast("uchar").pngsave_buffer(strip=True)
    return "data:image/png;base64," + base64.b64encode(png).decode()


def _linear(a: str, b: str, c: str | None = None) -> Json:
    stops = [{"offset": 0, "color": a}, {"offset": 1, "color": b}]
    if c is not None:
        stops = [{"offset": 0, "color": a}, {"offset": 0.5, "color": b}, {"offset": 1, "color": c}]
    return {"type": "linear", "x1": 0, "y1": 0, "x2": 1, "y2": 1, "stops": stops}


def mug_design(photo: str, *, paint: bool) -> Json:
    """The paint design (``paint=True``) or the same one in flat colours."""
    background: Any = _linear("#0b132b", "#f4a261") if paint else "#80735e"
    badge: Any = (
        {"type": "radial", "cx": 0.5, "cy": 0.5, "r": 0.5, "stops": [
            {"offset": 0, "color": "#ffe66d"}, {"offset": 1, "color": "#ff6b6b", "opacity": 0.8}]}
        if paint else "#ffa96d"
    )  # fmt: skip
    name: Any = _linear("#f1c40f", "#e74c3c", "#8e44ad") if paint else "#d0664c"
    ribbon: Any = (
        {"type": "pattern", "image": _dot_tile(), "width": _TILE_MM, "height": _TILE_MM, "repeat": "repeat"}
        if paint else "#f1c2a0"
    )  # fmt: skip
    return {
        "version": 1,
        "template": "mug-11oz",
        "layers": [
            {"type": "background", "color": background},
            {"type": "image", "asset": photo, "box": {"x": 120, "y": -2, "width": 110.6, "height": 92.9},
             "fit": "cover"},
            {"type": "shape", "shape": "ellipse", "box": {"x": 14, "y": 10, "width": 34, "height": 34}, "fill": badge},
            {"type": "shape", "shape": "rect", "box": {"x": 4, "y": 66, "width": 112, "height": 16.8},
             "corner_radius": 3.36, "fill": ribbon},
            {"type": "text", "text": "Grandma Rose", "font": {"family": "dancing-script", "weight": 700}, "size": 34,
             "color": name, "box": {"x": 2, "y": 12, "width": 150, "height": 50}, "align": "center",
             "path": {"d": _ARCH}},
        ],
    }  # fmt: skip


def _child(jobs: Any, out: Any) -> None:
    try:
        from .renderers import make_renderer

        render = make_renderer("api")
        while (job := jobs.get()) is not None:
            out.put(("sample", timed_render(render, job)))
        out.put(("done", peak_rss_kb()))
    except BaseException:
        out.put(("crash", traceback.format_exc()))


def run_paint_cost(ctx: Context, progress: Progress) -> list[Row]:
    """The P1 row: the paint design's PDF p50, with the flat design as its baseline (same warm process)."""
    n = ctx.runs + 1
    folder = ctx.scratch / "p1"
    folder.mkdir(parents=True, exist_ok=True)
    designs: dict[str, list[Path]] = {"paint": [], "flat": []}
    for kind in designs:
        for i in range(n):
            src = ctx.photos.photo(ctx.sizes.mug_photo)
            photo = tagged_copy(src, folder / f"{kind}-{i:03d}.jpg", f"p1/{kind}/{i}")
            designs[kind].append(
                write_design(folder / f"{kind}-{i:03d}.json", mug_design(photo.name, paint=kind == "paint"))
            )
    settle(ctx.wait_idle_s, progress)
    progress.start(f"{KEY} {NAME} (paint/flat interleaved)", 2 * n)
    jobs, out = _CTX.Queue(), _CTX.Queue()
    proc = _CTX.Process(target=_child, args=(jobs, out), daemon=True)
    proc.start()
    samples: dict[str, list[Sample]] = {"paint": [], "flat": []}
    try:
        for i in range(n):
            for kind in ("paint", "flat") if i % 2 == 0 else ("flat", "paint"):
                jobs.put(Job(designs[kind][i], ctx.out_dir(KEY, kind), fmt="pdf", dpi=ctx.sizes.mug_dpi))
                tag, value = out.get(timeout=600)
                if tag == "crash":
                    raise RuntimeError(value)
                if i > 0:  # the first of each is the warm-up
                    samples[kind].append(value)
                progress.advance(1)
        jobs.put(None)
        tag, rss = out.get(timeout=120)
        proc.join(timeout=30)
    except (RuntimeError, OSError) as exc:
        progress.finish("FAILED")
        return [Row(KEY, "P", NAME, INPUTS, "error", reason=f"{KEY}: {exc}")]
    ours, flat = summarize(samples["paint"], int(rss)), summarize(samples["flat"], int(rss))
    failed = next((s.error for v in samples.values() for s in v if s.error), None)
    progress.finish(f"p50 {ours.p50_s * 1000:8.1f} ms  flat {flat.p50_s * 1000:8.1f} ms  "
                    f"ratio {ours.p50_s / flat.p50_s:5.2f}")  # fmt: skip
    return [Row(KEY, "P", NAME, INPUTS, "error" if failed else "ok", reason=failed, ours=ours, baseline=flat,
                baseline_label=LABEL)]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Run P1 alone and print the medians (the full report: ``render-bench --workloads P``)."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.paint_cost", description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="render-bench-p1-") as tmp:
        inputs = Path(tempfile.gettempdir()) / "render-bench-inputs"
        ctx = Context(scratch=Path(tmp), photos=PhotoCache(inputs), sizes=FULL, templates={}, runs=args.runs, workers=1,
                      batch_size=1, calibration_runs=1, wait_idle_s=0.0, compare_peer=False)  # fmt: skip
        (row,) = run_paint_cost(ctx, Progress(enabled=True))
    if row.ours is None or row.baseline is None:
        print(row.reason)
        return 1
    print(f"{KEY} paint PDF p50 {row.ours.p50_s * 1000:.1f} ms, flat {row.baseline.p50_s * 1000:.1f} ms, "
          f"ratio {row.ours.p50_s / row.baseline.p50_s:.2f} (target <= 1.3); CPU p50 {row.ours.cpu_s:.3f} s vs "
          f"{row.baseline.cpu_s:.3f} s; PDF {row.ours.output_bytes / 1e6:.2f} MB vs "
          f"{row.baseline.output_bytes / 1e6:.2f} MB")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
