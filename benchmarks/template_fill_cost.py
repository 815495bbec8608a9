"""What filling a design template adds to a storefront preview (issue #19: "Filling a template for a preview adds
<= 5 ms to the preview's p50").

For each case (a library template on a product, with its photo slots given as files, so every photo is probed
and its DPI checked as the API's fill route does with asset ids), in one warm process:

- ``fill``: :func:`render_engine.personalization.fill.fill_with_sources` alone, CPU time (``time.thread_time``),
  median of ``--runs`` fills with a new name each time;
- ``preview`` vs ``fill + preview``: the 800 px mockup (``render_mockup``, the image ``POST /v1/previews``
  answers) of a design filled beforehand (A) against filling then drawing (B), interleaved A, B, B, A, …, each
  with a name no earlier render used (no cache finds it); CPU and wall medians. B − A is the fill's share.

    python -m benchmarks.template_fill_cost [--runs 40]
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "examples" / "assets"

# (template, product, text values (the first is varied per run), photos by slot, the side the preview shows)
CASES: tuple[tuple[str, str, dict[str, str], dict[str, str], str | None], ...] = (
    ("birthday-balloons", "mug-11oz", {"name": "Asha"}, {"photo": "portrait.jpg"}, None),
    ("then-and-now", "cushion-40x40", {"names": "Mira & Karan", "since": "1999"},
     {"then": "portrait.jpg", "now": "landscape.jpg"}, "back"),
    ("pet-portrait", "coaster-95-round", {"pet": "Chelsea"}, {"photo": "pet-cat.jpg"}, None),
)


def _timed(fn: Callable[[], Any]) -> tuple[float, float]:
    """(wall s, this thread's CPU s) of ``fn()``."""
    w, c = time.perf_counter(), time.thread_time()
    fn()
    return time.perf_counter() - w, time.thread_time() - c


def measure(runs: int) -> list[dict[str, Any]]:
    from render_engine import render_mockup
    from render_engine.engine import Engine
    from render_engine.model.settings import Settings
    from render_engine.personalization import catalog
    from render_engine.personalization.fill import fill_with_sources

    engine = Engine(Settings())
    library = catalog()
    rows = []
    for tid, product, values, photos, surface in CASES:
        tpl = library.get(tid)
        first = next(iter(values))

        def fill(i: int, tpl: Any = tpl, product: str = product, values: dict[str, str] = values,
                 photos: dict[str, str] = photos, first: str = first) -> Any:  # fmt: skip
            name = f"{values[first][:14]}{i:03d}"[: 4 if first == "since" else None]
            return fill_with_sources(tpl, product, {**values, first: name}, photos, base_dir=ASSETS,
                                     settings=engine.settings)[0]  # fmt: skip

        def preview(design: Any, surface: str | None = surface) -> bytes:
            return render_mockup(design, width=800, engine=engine, base_dir=ASSETS, surface=surface)

        preview(fill(999))  # warm: scene, fonts, photo caches
        fills = [_timed(functools.partial(fill, i))[1] for i in range(runs)]
        a: list[tuple[float, float]] = []
        b: list[tuple[float, float]] = []

        def fill_then_preview(i: int) -> bytes:
            return preview(fill(i))

        for i in range(runs):
            pre = fill(1000 + 2 * i)
            for kind in ("ab" if i % 2 == 0 else "ba"):
                if kind == "a":
                    a.append(_timed(functools.partial(preview, pre)))
                else:
                    b.append(_timed(functools.partial(fill_then_preview, 1001 + 2 * i)))
        med = statistics.median
        rows.append({
            "case": f"{tid} on {product}" + (f" ({surface})" if surface else ""),
            "fill_cpu_ms": med(fills) * 1000, "fill_cpu_p90_ms": sorted(fills)[int(0.9 * (runs - 1))] * 1000,
            "preview_wall_ms": med(w for w, _ in a) * 1000, "preview_cpu_ms": med(c for _, c in a) * 1000,
            "filled_wall_ms": med(w for w, _ in b) * 1000, "filled_cpu_ms": med(c for _, c in b) * 1000,
        })  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=40)
    args = ap.parse_args(argv)
    print(f"{'case':44} {'fill CPU p50/p90':>17} {'preview p50 wall/CPU':>21} {'fill+preview p50 wall/CPU':>26}")
    for r in measure(args.runs):
        print(f"{r['case']:44} {r['fill_cpu_ms']:7.2f} / {r['fill_cpu_p90_ms']:5.2f} ms "
              f"{r['preview_wall_ms']:8.1f} / {r['preview_cpu_ms']:6.1f} ms "
              f"{r['filled_wall_ms']:11.1f} / {r['filled_cpu_ms']:6.1f} ms")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
