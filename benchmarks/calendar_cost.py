"""K: a wall calendar's print file (issue #18): 13 pages (cover + 12 months) with generated month grids.

Two designs on ``calendar-wall-a4`` (A4, CMYK PDF/X-4, one ``calendar.pdf`` of 13 pages), rendered through
the public API (``render_design``) in one warm process, interleaved, each render with its own inputs:

* **K1 calendar-grids**: the cover title and twelve month pages, each a full-page month grid (title, weekday
  heads, day numbers, a year's holidays, grid lines): what the grid generator and text cost;
* **K2 calendar-photos**: the product as sold: a cover photo and, on every month, a photo in the top half and
  the grid in the bottom half; 13 distinct 12-MP JPEGs (three synthetic base photos, every copy with its own
  bytes, so no cache serves one page from another).

Target for both: p50 <= 3 s.

    render-bench --workloads K              # or: python -m benchmarks.calendar_cost [--runs N]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

from .inputs import Json, PhotoCache, PhotoSpec, tagged_copy, write_design
from .jobs import Job
from .progress import Progress
from .results import Row, Sample, summarize
from .runner import peak_rss_kb, settle, timed_render
from .workloads import FULL, Context

_CTX = mp.get_context("spawn")
TEMPLATE = "calendar-wall-a4"
YEAR = 2027
ROWS = {
    "K1": ("calendar-grids", "wall calendar A4, 13 pages: cover title + 12 full-page month grids with holidays, PDF"),
    "K2": ("calendar-photos", "wall calendar A4, 13 pages: a 12-MP photo on every page + 12 month grids, PDF"),
}
HOLIDAYS = [
    {"date": "2027-01-01", "label": "New Year's Day"}, {"date": "2027-01-26", "label": "Republic Day"},
    {"date": "2027-02-06", "label": "Spring Festival"}, {"date": "2027-03-22", "label": "Holi"},
    {"date": "2027-05-01", "label": "Labour Day"}, {"date": "2027-08-15", "label": "Independence Day"},
    {"date": "2027-10-02", "label": "Gandhi Jayanti"}, {"date": "2027-10-29", "label": "Diwali"},
    {"date": "2027-12-25", "label": "Christmas Day"}, {"date": "2027-12-31", "label": "New Year's Eve"},
]  # fmt: skip
_GRID = {"font": {"family": "noto-sans", "weight": 700}, "color": {"cmyk": [0, 0, 0, 90]},
         "weekend_color": {"cmyk": [60, 20, 0, 10]}, "holiday_color": {"cmyk": [0, 90, 85, 5]},
         "holiday_fill": {"cmyk": [0, 8, 6, 0]}, "grid": {"color": {"cmyk": [0, 0, 0, 35]}, "width": 0.5},
         "holidays": HOLIDAYS}  # fmt: skip


def calendar_design(photos: list[str] | None) -> Json:
    """The 13-page design: with ``photos`` (13 file names: cover, then January..December) the sold product,
    without them the grids-only variant."""
    title = {"type": "text", "text": f"Our year {YEAR}", "font": {"family": "lobster-two", "weight": 700},
             "size": 48, "color": {"cmyk": [0, 0, 0, 100]}, "box": {"x": 15, "y": 230, "width": 180, "height": 30},
             "align": "center"}  # fmt: skip
    cover: list[Json] = [{"type": "background", "color": {"cmyk": [0, 0, 0, 0]}}]
    if photos:
        cover.append({"type": "image", "asset": photos[0], "box": {"x": -2, "y": 11, "width": 214, "height": 210},
                      "fit": "cover"})  # fmt: skip
    cover.append(title)
    pages: list[dict[str, Any]] = []
    for month in range(1, 13):
        layers: list[Json] = [{"type": "background", "color": {"cmyk": [0, 0, 0, 0]}}]
        if photos:
            layers.append({"type": "image", "asset": photos[month], "box": {"x": -2, "y": 11, "width": 214,
                           "height": 138}, "fit": "cover"})  # fmt: skip
            box = {"x": 10, "y": 155, "width": 190, "height": 132}
        else:
            box = {"x": 10, "y": 20, "width": 190, "height": 267}
        layers.append({"type": "calendar", "year": YEAR, "month": month, "box": box, **_GRID})
        pages.append({"layers": layers})
    return {"version": 1, "template": TEMPLATE, "meta": {"title": f"Wall calendar {YEAR}"},
            "surfaces": {"cover": {"layers": cover}}, "pages": pages}  # fmt: skip


def _inputs(ctx: Context, n: int) -> dict[str, list[Path]]:
    folder = ctx.scratch / "k"
    folder.mkdir(parents=True, exist_ok=True)
    big = ctx.sizes.mug_photo  # 12 MP (a phone photo) in full runs, tiny with --quick
    bases = [ctx.photos.photo(PhotoSpec(big.width, big.height, seed=s)) for s in (31, 32, 33)]
    out: dict[str, list[Path]] = {"K1": [], "K2": []}
    for i in range(n):
        out["K1"].append(write_design(folder / f"grids-{i:03d}.json", calendar_design(None)))
        names = [tagged_copy(bases[p % 3], folder / f"photo-{i:03d}-{p:02d}.jpg", f"k/{i}/{p}").name for p in range(13)]
        out["K2"].append(write_design(folder / f"photos-{i:03d}.json", calendar_design(names)))
    return out


def _render_calendar() -> Any:
    """The public API on a multi-page design: ``render_design(design, folder)`` writes ``calendar.pdf``."""
    from render_engine import Engine, Settings, render_design

    engine = Engine(Settings())

    def render(job: Job) -> tuple[int, dict[str, float]]:
        folder = job.out_dir / job.design.name.removesuffix(".json")
        rendered = render_design(job.design, folder, format=job.fmt, dpi=job.dpi, engine=engine)
        files = rendered.parts or (rendered,)
        if [(f.part, f.pages) for f in files] != [("calendar", 13)]:
            raise RuntimeError(f"expected one 13-page calendar.pdf, got {[(f.part, f.pages) for f in files]}")
        return sum(len(f.data) for f in files), dict(rendered.timings)

    return render


def _child(jobs: Any, out: Any) -> None:
    try:
        render = _render_calendar()
        while (job := jobs.get()) is not None:
            out.put(("sample", timed_render(render, job)))
        out.put(("done", peak_rss_kb()))
    except BaseException:
        out.put(("crash", traceback.format_exc()))


def run_calendar(ctx: Context, progress: Progress) -> list[Row]:
    """The K1 and K2 rows (same warm process, interleaved; the first render of each is the warm-up)."""
    n = ctx.runs + 1
    designs = _inputs(ctx, n)
    settle(ctx.wait_idle_s, progress)
    progress.start("K calendar-grids / calendar-photos (interleaved)", 2 * n)
    jobs, out = _CTX.Queue(), _CTX.Queue()
    proc = _CTX.Process(target=_child, args=(jobs, out), daemon=True)
    proc.start()
    samples: dict[str, list[Sample]] = {"K1": [], "K2": []}
    try:
        for i in range(n):
            for key in ("K1", "K2") if i % 2 == 0 else ("K2", "K1"):
                jobs.put(Job(designs[key][i], ctx.out_dir(key, "ours"), fmt="pdf", dpi=ctx.sizes.mug_dpi))
                tag, value = out.get(timeout=900)
                if tag == "crash":
                    raise RuntimeError(value)
                if i > 0:
                    samples[key].append(value)
                progress.advance(1)
        jobs.put(None)
        tag, rss = out.get(timeout=120)
        proc.join(timeout=30)
    except (RuntimeError, OSError) as exc:
        progress.finish("FAILED")
        return [Row(k, "K", name, text, "error", reason=f"{k}: {exc}") for k, (name, text) in ROWS.items()]
    rows = []
    for key, (name, text) in ROWS.items():
        s = summarize(samples[key], int(rss))
        failed = next((x.error for x in samples[key] if x.error), None)
        rows.append(Row(key, "K", name, text, "error" if failed else "ok", reason=failed, ours=s))
    progress.finish("  ".join(f"{r.key} p50 {r.ours.p50_s:6.2f} s" for r in rows if r.ours is not None))
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run K alone and print the medians (the full report: ``render-bench --workloads K``)."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.calendar_cost", description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="render-bench-k-") as tmp:
        inputs = Path(tempfile.gettempdir()) / "render-bench-inputs"
        ctx = Context(scratch=Path(tmp), photos=PhotoCache(inputs), sizes=FULL, templates={}, runs=args.runs, workers=1,
                      batch_size=1, calibration_runs=1, wait_idle_s=0.0, compare_peer=False)  # fmt: skip
        rows = run_calendar(ctx, Progress(enabled=True))
    status = 0
    for row in rows:
        if row.ours is None:
            print(row.reason)
            status = 1
            continue
        s = row.ours
        print(f"{row.key} {row.name}: p50 {s.p50_s:.2f} s (target <= 3 s), p95 {s.p95_s:.2f} s, CPU p50 "
              f"{s.cpu_s:.2f} s, peak RSS {s.peak_rss_mb:.0f} MB, PDF {s.output_bytes / 1e6:.1f} MB, {s.runs} runs")
    return status


if __name__ == "__main__":
    sys.exit(main())
