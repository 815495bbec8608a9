#!/usr/bin/env python3
"""Mockup preview speed: the mug at 800 px from a 12-megapixel customer JPEG.

    python scripts/bench_mockup.py [--runs 20] [--width 800] [--view front] [--preflight]

Prints p50/p90 (ms) and the per-step split for two cases, after one warm-up render:

* ``new photo``  — every run is a new edit session: a new copy of the photo (same pixels, distinct bytes),
  so the JPEG is decoded (shrink-on-load), cropped, resampled and proofed each time; scene data stays
  cached (per process).
* ``same photo`` — an edit session changing only the text: the photo tile comes from the cache.

``--preflight`` also runs the preflight after each preview (timed as its own step), as render-bench's W3
hook does: a storefront answers a preview with the preflight verdict.

Run it pinned to one core for the issue's numbers: ``taskset -c 0 python scripts/bench_mockup.py``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.inputs import tagged_copy  # noqa: E402
from render_engine.checks.preflight import preflight  # noqa: E402
from render_engine.engine import Engine  # noqa: E402
from render_engine.mockup import render_mockup  # noqa: E402
from render_engine.model.design import Design  # noqa: E402
from render_engine.model.settings import Settings  # noqa: E402
from render_engine.pipeline import StepTimer, prepare  # noqa: E402
from render_engine.testing import synth  # noqa: E402


def design(name: str, photo: str = "photo.jpg") -> Design:
    return Design.model_validate(
        {
            "version": 1,
            "template": "mug-11oz",
            "layers": [
                {"type": "background", "color": "#ffffff"},
                {"type": "image", "asset": photo, "box": {"x": -2, "y": -2, "width": 232.6, "height": 92.9},
                 "fit": "cover"},
                {"type": "text", "text": name, "font": {"family": "dancing-script", "weight": 700}, "size": 44,
                 "color": "#ffffff", "box": {"x": 20, "y": 8, "width": 188.6, "height": 24}, "align": "center"},
            ],
        }
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--width", type=int, default=800)
    ap.add_argument("--view", default="front")
    ap.add_argument("--preflight", action="store_true", help="also run (and time) the preflight")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    engine = Engine(Settings())
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        synth.save_jpeg(synth.landscape(4000, 3000), folder / "photo.jpg")
        names = [f"Grandma Rose {i}" for i in range(args.runs + 1)]
        for case in ("new photo", "same photo"):
            times: list[float] = []
            steps: dict[str, list[float]] = {}
            for i, name in enumerate(names):
                photo = "photo.jpg"
                if case == "new photo":
                    photo = tagged_copy(folder / "photo.jpg", folder / f"photo-{i}.jpg", f"run {i}").name
                timer = StepTimer()
                t0 = time.perf_counter()
                prep = prepare(design(name, photo), engine, folder, timer)
                render_mockup(prep, engine, view=args.view, width=args.width, fmt="jpeg", timer=timer)
                if args.preflight:
                    with timer.step("preflight"):
                        preflight(prep, engine)
                dt = time.perf_counter() - t0
                if i == 0:
                    continue  # warm-up: scene data, fonts, ICC
                times.append(dt * 1000)
                for k, v in timer.seconds.items():
                    steps.setdefault(k, []).append(v * 1000)
            times.sort()
            step_p50 = {k: round(statistics.median(v), 1) for k, v in steps.items()}
            p50, p90 = round(statistics.median(times), 1), round(times[int(0.9 * (len(times) - 1))], 1)
            results[case] = {"p50_ms": p50, "p90_ms": p90, "steps_p50_ms": step_p50}
            if not args.json:
                split = "  ".join(f"{k} {v}" for k, v in step_p50.items())
                print(f"{case:11} p50 {p50:6.1f} ms  p90 {p90:6.1f} ms   [{split}]")
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
