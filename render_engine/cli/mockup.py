"""``render-engine mockup`` and ``render-engine gallery`` (wired into :mod:`render_engine.cli`)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from ..engine import Engine
from ..layout.resolve import template_of
from ..mockup.gallery import write_bytes
from ..mockup.render import MAX_WIDTH, MIN_WIDTH, MockupFormat, render_mockup
from ..mockup.spread import OPEN_VIEW, has_spread, spread_mockup
from ..model.design import load_design_file
from ..model.errors import DesignError
from ..model.outputs import StepTimer
from ..parts import prepare_surface

FORMATS: dict[str, MockupFormat] = {".jpg": "jpeg", ".jpeg": "jpeg", ".webp": "webp", ".png": "png"}


def add_parsers(sub: Any) -> None:
    m = sub.add_parser("mockup", help="render a design onto its product's mockup scene (JPEG/WebP/PNG)")
    m.add_argument("design", type=Path, help="design JSON file")
    m.add_argument("--out", type=Path, required=True, help="output file (.jpg, .webp or .png)")
    m.add_argument("--width", type=int, default=800, help=f"output width in px ({MIN_WIDTH}-{MAX_WIDTH}, default 800)")
    m.add_argument("--view", help="scene view (front, left…; a book: open, at the spread of --page; default: scene's)")
    m.add_argument("--variant", help="product variant (e.g. garment colour: white, black, heather-grey)")
    m.add_argument("--format", choices=["jpeg", "webp", "png"], help="default: from the file extension")
    m.add_argument("--quality", type=int, default=85, help="JPEG/WebP quality (default 85)")
    m.add_argument("--no-proof", action="store_true", help="show sRGB colours, not through the print profile")
    m.add_argument("--surface", help="multi-surface products: the surface to show (back, inside, sleeve-left)")
    m.add_argument("--page", type=int, help="multi-page products: the page to show (from 1)")

    g = sub.add_parser("gallery", help="render every example on every mockup view into an HTML page")
    g.add_argument("designs", nargs="*", type=Path, help="design JSON files (default: examples/*.json)")
    g.add_argument("--out", type=Path, required=True, help="output folder (index.html + images)")
    g.add_argument("--width", type=int, default=800)
    g.add_argument("--design-templates", nargs="*", metavar="ID", help="the design-template library instead "
                   "(these ids; none: all), each on every product it fits, its slots showing placeholders")


def run(engine: Engine, args: argparse.Namespace) -> int:
    """Exit code 0 on success, 1 on a failed render (RenderError propagates to the CLI's handler)."""
    if args.command == "mockup":
        return _mockup(engine, args)
    return _gallery(engine, args)


def _mockup(engine: Engine, args: argparse.Namespace) -> int:
    fmt: MockupFormat | None = args.format or FORMATS.get(args.out.suffix.lower())
    if fmt is None:
        raise DesignError("cannot tell the format from the file name; use --format", field="out")
    if not 1 <= args.quality <= 100:
        raise DesignError("quality must be between 1 and 100", field="quality")
    t0 = time.perf_counter()
    timer = StepTimer()
    design = load_design_file(args.design)
    product = template_of(design, engine)
    book_page = args.view is None and args.page is not None and has_spread(engine, product)
    if args.view == OPEN_VIEW or book_page:  # a book open at a spread: two pages on one scene (a page has no other)
        proof = False if args.no_proof else None
        data = spread_mockup(design, engine, args.design.parent, page=args.page, surface=args.surface,
                             width=args.width, fmt=fmt, quality=args.quality, soft_proof=proof,
                             timer=timer)  # fmt: skip
        write_bytes(args.out, data)
        print(f"{args.out} ({len(data) / 1000:.0f} kB, {(time.perf_counter() - t0) * 1000:.0f} ms)", file=sys.stderr)
        return 0
    prep = prepare_surface(design, engine, args.design.parent, timer, surface=args.surface, page=args.page)
    data = render_mockup(
        prep,
        engine,
        view=args.view,
        variant=args.variant,
        width=args.width,
        fmt=fmt,
        quality=args.quality,
        soft_proof=False if args.no_proof else None,
        timer=timer,
    )
    write_bytes(args.out, data)
    steps = " ".join(f"{k} {v * 1000:.0f}" for k, v in timer.seconds.items())
    print(f"{args.design.name} -> {args.out} ({len(data) / 1e3:.0f} kB, {time.perf_counter() - t0:.2f} s; ms: {steps})",
          file=sys.stderr)
    return 0


def _template_designs(ids: list[str], folder: Path) -> list[Path]:
    """Every (or each named) library template filled with placeholders on every product it fits, written as
    design JSON (self-contained: placeholders are inline SVG) for the gallery."""
    from ..personalization import catalog, fill

    lib = catalog()
    chosen = [lib.get(i) for i in ids] if ids else list(lib.templates.values())
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for t in chosen:
        for product in t.products:
            design = fill(t, product, {}, {}, placeholders=True, base_dir=folder)
            path = folder / f"{t.id}--{product}.json"
            body = design.model_dump(mode="json", exclude_defaults=True) | {"version": 1}
            write_bytes(path, json.dumps(body, ensure_ascii=False).encode("utf-8"))
            out.append(path)
    return out


def _gallery(engine: Engine, args: argparse.Namespace) -> int:
    from ..mockup.gallery import build_gallery

    designs = args.designs
    if args.design_templates is not None:
        designs = _template_designs(args.design_templates, args.out / "designs")
    elif not designs:
        root = Path(engine.settings.templates_dir).parent / "examples"
        designs = sorted(root.glob("*.json"))
    entries = build_gallery(engine, designs, args.out, width=args.width)
    failed = [e for e in entries if e.error]
    for e in failed:
        print(f"FAILED {e.design} {e.view}: {e.error}", file=sys.stderr)
    print(f"{len(entries) - len(failed)} previews -> {args.out / 'index.html'}", file=sys.stderr)
    return 1 if failed else 0
