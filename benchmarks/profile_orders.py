"""Where an order's time goes, per step and per layer: ``python -m benchmarks.profile_orders [R1 R2 …] [--runs N]``.

For each order (see :mod:`benchmarks.orders`), in one warm process through the public API:

* **per step** — medians of ``Rendered.timings`` (parse, resolve, layout, draw, write) and of wall and CPU;
* **per layer** — the same design with *only* layer k kept (every other layer removed), minus the design with
  no layers at all (the page's fixed cost: PDF/X structure, output intent, write + fsync). libvips is lazy,
  so a layer's decode, resize, colour conversion and encode land in ``draw`` (PDF) or ``write`` (PNG): the
  per-layer rows are where those costs show up.

Every render gets new files (as in render-bench). On a shared machine compare the CPU column; wall times
move with the load.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from .inputs import PhotoCache
from .orders import FORMATS, ORDERS
from .workloads import FULL, QUICK, Context


def _render(
    design: dict[str, Any], folder: Path, out: Path, fmt: str | None, engine: Any
) -> tuple[float, float, dict[str, float]]:
    from render_engine import render_design, render_mockup

    c0, t0 = time.process_time(), time.perf_counter()
    if fmt is None:
        render_mockup(design, out.with_suffix(".jpg"), width=800, engine=engine, base_dir=folder)
        timings: dict[str, float] = {}
    else:
        timings = dict(render_design(design, out, format=fmt, engine=engine, base_dir=folder).timings)  # type: ignore[arg-type]
    return time.perf_counter() - t0, time.process_time() - c0, timings


def profile(key: str, runs: int, quick: bool, engine: Any) -> list[str]:
    order = ORDERS[key]
    fmt = FORMATS.get(key, "pdf")
    scratch = Path(tempfile.mkdtemp(prefix=f"profile-{key}-"))
    sizes = QUICK if quick else FULL
    ctx = Context(scratch, PhotoCache(Path(tempfile.gettempdir()) / "render-bench-inputs"), sizes, {}, runs, 1, 1, 1)
    folder = scratch / "designs"
    folder.mkdir()
    designs = [order.build(ctx, folder, i) for i in range(runs + 1)]
    if order.fabric:
        return [f"{key}: Fabric canvas (no native layers to take apart)"]
    variants: dict[str, list[dict[str, Any]]] = {"whole design": designs, "no layers (page only)": []}
    for k, layer in enumerate(designs[0]["layers"]):
        label = f"layer {k}: {layer['type']}" + (f" {layer.get('asset') or layer.get('file') or ''}".rstrip())
        variants[label] = []
    lines = [f"{key} {order.name}: {order.inputs}", f"{'':34}{'wall ms':>9}{'CPU ms':>9}  steps (medians, ms)"]
    out = scratch / f"out.{fmt or 'jpg'}"
    for label in variants:
        walls, cpus, steps = [], [], []
        for i, d in enumerate(designs):
            if label == "whole design":
                design = d
            elif label.startswith("no layers"):
                design = {**d, "layers": []}
            else:
                k = int(label.split(":")[0].split()[1])
                design = {**d, "layers": [d["layers"][k]]}
            wall, cpu, timings = _render(design, folder, out, fmt, engine)
            if i == 0:
                continue  # warm-up
            walls.append(wall)
            cpus.append(cpu)
            steps.append(timings)
        med = {n: statistics.median(s.get(n, 0.0) for s in steps) * 1000 for n in (steps[0] if steps else {})}
        parts = " | ".join(f"{n} {v:.1f}" for n, v in med.items())
        lines.append(
            f"  {label[:32]:32}{statistics.median(walls) * 1000:9.1f}{statistics.median(cpus) * 1000:9.1f}  {parts}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.profile_orders", description=__doc__.splitlines()[0])
    p.add_argument("orders", nargs="*", default=["R1", "R2"], help="order keys (default R1 R2)")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    from render_engine import Engine, Settings

    engine = Engine(Settings())
    report = {key: profile(key, args.runs, args.quick, engine) for key in args.orders}
    for lines in report.values():
        print("\n".join(lines), end="\n\n")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
