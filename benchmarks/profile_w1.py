"""Where W1's time goes: ``python -m benchmarks.profile_w1 [--quick] [--runs N] [--top N]``.

Two views, both in one warm process on W1's inputs:

1. **cProfile of the engine** — the Python functions of warm W1 renders. libvips is lazy, so the photo's
   decode, resize, colour conversion and JPEG encode all show up inside the one libvips call that finally
   pulls the pixels (``vips_cache_operation_build`` under ``jpegsave_buffer``);
2. **stage costs** — that pipeline taken apart: each stage materialised on its own, with the same libvips
   operations and parameters, so the lazy block has numbers per step.

cProfile is in the standard library; for a sampling view ``pip install pyinstrument`` and run
``pyinstrument -m benchmarks.profile_w1`` (not a dependency).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from .inputs import PhotoCache, geometry_of, photo_text_design, tagged_copy, write_design
from .workloads import FULL, QUICK, Sizes


def _w1_designs(folder: Path, sizes: Sizes, count: int) -> list[Path]:
    from render_engine.model.settings import Settings
    from render_engine.model.templates import TemplateCatalog

    g = geometry_of(TemplateCatalog(Settings().templates_dir).get("mug-11oz"))
    base = PhotoCache(Path(tempfile.gettempdir()) / "render-bench-inputs").photo(sizes.mug_photo)
    designs = []
    for i in range(count):
        photo = tagged_copy(base, folder / f"photo-{i:03d}.jpg", f"profile/{i}").name
        designs.append(write_design(folder / f"design-{i:03d}.json", photo_text_design(g, photo, "Emma")))
    os.sync()
    return designs


def profile_engine(designs: list[Path], out_dir: Path, dpi: float | None, top: int) -> str:
    from render_engine.engine import Engine
    from render_engine.model.settings import Settings
    from render_engine.pipeline import render_file

    engine = Engine(Settings())
    render_file(designs[0], engine, out_dir, fmt="pdf", dpi=dpi)  # warm-up
    walls: list[float] = []
    prof = cProfile.Profile()
    for design in designs[1:]:
        t0 = time.perf_counter()
        prof.enable()
        render_file(design, engine, out_dir, fmt="pdf", dpi=dpi)
        prof.disable()
        walls.append(time.perf_counter() - t0)
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    head = f"W1 warm renders under cProfile: {', '.join(f'{w * 1000:.0f}' for w in walls)} ms\n"
    return head + buf.getvalue()


def _median_ms(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(runs):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000


def stage_costs(photo: Path, runs: int) -> list[tuple[str, float, float]]:
    """W1's photo pipeline (cover crop of the mug's bleed box at 300 DPI), one stage at a time."""
    import pyvips

    from render_engine.model.settings import Settings

    pyvips.cache_set_max(0)  # otherwise a repeated decode is served from libvips' operation cache
    icc_dir = Settings().icc_dir
    profiles = {p["id"]: icc_dir / p["file"] for p in json.loads((icc_dir / "profiles.json").read_text())["profiles"]}
    cmyk, srgb = str(profiles["fogra39l-coated"]), str(profiles["srgb"])
    full = pyvips.Image.new_from_file(str(photo))
    out_w, out_h = 2747, 1097  # the mug's bleed box at 300 DPI
    crop_h = round(full.width * out_h / out_w)
    top = (full.height - crop_h) // 2
    cropped = pyvips.Image.new_from_file(str(photo)).crop(0, top, full.width, crop_h).copy_memory()
    resized = cropped.resize(out_w / cropped.width, vscale=out_h / cropped.height, kernel="lanczos3").copy_memory()
    converted = resized.icc_transform(cmyk, input_profile=srgb, intent="perceptual").copy_memory()
    one_px = pyvips.Image.black(1, 1, bands=3).linear(1, [200, 100, 50]).cast("uchar").copy(interpretation="srgb")
    stages: list[tuple[str, Callable[[], object]]] = [
        ("decode 12 MP, random access (whole image)", lambda: pyvips.Image.jpegload(str(photo)).copy_memory()),
        ("decode sequential, rows down to the crop", lambda: pyvips.Image.new_from_file(
            str(photo), access="sequential").crop(0, top, full.width, crop_h).copy_memory()),
        ("resize lanczos3 to 2747x1097 (uchar)", lambda: cropped.resize(
            out_w / cropped.width, vscale=out_h / cropped.height, kernel="lanczos3").copy_memory()),
        ("resize, premultiplied RGBA float (raster path)", lambda: cropped.bandjoin(255).premultiply().resize(
            out_w / cropped.width, vscale=out_h / cropped.height, kernel="lanczos3").unpremultiply().cast("uchar")
            .copy_memory()),
        ("icc_transform build (1 px, sRGB -> FOGRA39)", lambda: one_px.icc_transform(
            cmyk, input_profile=srgb, intent="relative", black_point_compensation=True).copy_memory()),
        ("icc_transform 3 MP sRGB -> CMYK", lambda: resized.icc_transform(
            cmyk, input_profile=srgb, intent="perceptual").copy_memory()),
        ("CMYK JPEG Q90 4:4:4", lambda: converted.jpegsave_buffer(Q=90, keep="none", subsample_mode="off")),
        ("CMYK JPEG Q90 4:4:4 optimize_coding", lambda: converted.jpegsave_buffer(
            Q=90, keep="none", subsample_mode="off", optimize_coding=True)),
        ("PNG RGB compression 3, filter none", lambda: resized.pngsave_buffer(compression=3, filter="none")),
        ("PNG RGB compression 3, filter sub", lambda: resized.pngsave_buffer(compression=3, filter="sub")),
        ("PNG RGB compression 1, filter sub", lambda: resized.pngsave_buffer(compression=1, filter="sub")),
    ]  # fmt: skip
    return [(name, *_median_ms(fn, runs)) for name, fn in stages]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.profile_w1", description="Where W1's time goes.")
    p.add_argument("--quick", action="store_true", help="tiny inputs (smoke test)")
    p.add_argument("--runs", type=int, default=5, help="profiled renders and stage repetitions (default 5)")
    p.add_argument("--top", type=int, default=20, help="functions listed per cProfile table (default 20)")
    args = p.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    with tempfile.TemporaryDirectory(prefix="render-bench-profile-") as tmp:
        designs = _w1_designs(Path(tmp), sizes, args.runs + 1)
        print(profile_engine(designs, Path(tmp) / "out", sizes.mug_dpi, args.top))
        if not args.quick:
            print(f"{'W1 photo pipeline, stage by stage (medians)':52}{'wall ms':>9}{'CPU ms':>9}")
            for name, wall, cpu in stage_costs(Path(tmp) / "photo-000.jpg", args.runs):
                print(f"  {name:50}{wall:9.1f}{cpu:9.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
