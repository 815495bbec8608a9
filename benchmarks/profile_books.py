"""Where W8's and K2's time goes (issue #18): ``python -m benchmarks.profile_books [--pages 40] [--quick] [--top N]``.

In one warm process: the W8 photo book (``--pages`` pages, a different 12-MP photo per page up to 40, cover +
interior PDFs, :mod:`.books`) and the K2 calendar (13 pages, a 12-MP photo and a month grid each,
:mod:`.calendar_cost`) are each rendered once to warm up, then once under cProfile. Printed per workload: wall
and process CPU time (libvips threads included), the engine's own step timings, and the functions with the most
time of their own (``tottime``: C calls such as libvips' pixel pulls and zlib count where Python waits on
them). CPU is the figure that holds on a loaded machine; wall depends on the other processes.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path

from .books import book_design as make_book
from .books import book_photos
from .calendar_cost import calendar_design
from .inputs import PhotoCache, PhotoSpec, tagged_copy, write_design
from .workloads import FULL, QUICK, Sizes


def _book(folder: Path, sizes: Sizes, pages: int, tag: str) -> Path:
    cache = PhotoCache(Path(tempfile.gettempdir()) / "render-bench-inputs")
    bases = [cache.photo(s) for s in book_photos(sizes.book_photo)][: min(40, pages)]
    names = [tagged_copy(b, folder / f"photo-{k:03d}.jpg", f"{tag}/{k}").name for k, b in enumerate(bases)]
    return write_design(folder / "book.json", make_book(pages, names))


def _calendar(folder: Path, sizes: Sizes, tag: str) -> Path:
    cache = PhotoCache(Path(tempfile.gettempdir()) / "render-bench-inputs")
    big = sizes.mug_photo
    bases = [cache.photo(PhotoSpec(big.width, big.height, seed=s)) for s in (31, 32, 33)]
    names = [tagged_copy(bases[p % 3], folder / f"photo-{p:02d}.jpg", f"{tag}/{p}").name for p in range(13)]
    return write_design(folder / "calendar.json", calendar_design(names))


def profile(label: str, designs: list[Path], out: Path, dpi: float | None, top: int) -> str:
    from render_engine import Engine, Settings, render_design

    engine = Engine(Settings())
    render_design(designs[0], out / "warm", dpi=dpi, engine=engine)
    prof = cProfile.Profile()
    c0, t0 = time.process_time(), time.perf_counter()
    prof.enable()
    rendered = render_design(designs[1], out / "run", dpi=dpi, engine=engine)
    prof.disable()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    steps = ", ".join(f"{k} {v:.2f}" for k, v in rendered.timings.items())
    files = ", ".join(f"{p.part} {p.pages}p {len(p.data) / 1e6:.1f} MB" for p in rendered.parts)
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(top)
    return f"{label}: wall {wall:.2f} s, CPU {cpu:.2f} s; steps (s): {steps}; files: {files}\n{buf.getvalue()}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.profile_books", description="Where W8 / K2 time goes.")
    p.add_argument("--pages", type=int, default=40, help="W8's page count (20-100, even; default 40)")
    p.add_argument("--quick", action="store_true", help="tiny inputs (smoke test)")
    p.add_argument("--top", type=int, default=25, help="functions listed per workload (default 25)")
    p.add_argument("--only", choices=["W8", "K2"], help="one workload")
    args = p.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    with tempfile.TemporaryDirectory(prefix="render-bench-books-") as tmp:
        root = Path(tmp)
        if args.only in (None, "W8"):
            books = [_book(root / f"b{i}", sizes, args.pages, f"pb/{i}") for i in range(2)]
            print(profile(f"W8 ({args.pages} pages)", books, root / "out-w8", None, args.top))
        if args.only in (None, "K2"):
            cals = [_calendar(root / f"c{i}", sizes, f"pc/{i}") for i in range(2)]
            print(profile("K2 (13 pages)", cals, root / "out-k2", sizes.mug_dpi, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
