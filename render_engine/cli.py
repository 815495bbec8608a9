"""``render-engine`` command line.

Exit codes: 0 everything succeeded; 1 at least one design failed (each failure is one line naming the
design, the field and the reason; the other designs are still rendered); 2 bad command-line usage.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from . import __version__
from .design import design_json_schema, load_design_file
from .errors import RenderError
from .pipeline import RenderResult, prepare, render_file
from .resolve import Engine
from .settings import Settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="render-engine", description="Render personalised-gift designs to print files.")
    p.add_argument("--version", action="version", version=f"render-engine {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("render", help="render design JSON files to print files")
    r.add_argument("designs", nargs="+", type=Path, help="design JSON files")
    r.add_argument("--out", type=Path, default=Path("out"), help="output folder (default: ./out)")
    r.add_argument("--format", choices=["png", "pdf"], help="output format (default: the template's)")
    r.add_argument("--dpi", type=float, help="output resolution (default: the template's target DPI)")
    r.add_argument("--quiet", action="store_true", help="no progress lines")

    v = sub.add_parser("validate", help="check designs (schema, template, fonts, assets, layout) without rendering")
    v.add_argument("designs", nargs="+", type=Path)

    sub.add_parser("templates", help="list product templates")
    sub.add_parser("fonts", help="list bundled font families")
    s = sub.add_parser("schema", help="print the design JSON Schema")
    s.add_argument("--out", type=Path, help="write to this file instead of stdout")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        engine = Engine(Settings())
        if args.command == "render":
            return _render(engine, args)
        if args.command == "validate":
            return _validate(engine, args.designs)
        if args.command == "templates":
            return _templates(engine)
        if args.command == "fonts":
            for fam in engine.fonts.describe():
                styles = ", ".join(f"{s['weight']} {s['style']}" for s in fam["styles"])
                print(f"{fam['id']:28} {fam['family']:28} {','.join(fam['scripts']):22} {styles}")
            return EXIT_OK
        if args.command == "schema":
            text = json.dumps(design_json_schema(), indent=2, sort_keys=True) + "\n"
            if args.out:
                args.out.write_text(text, encoding="utf-8")
            else:
                sys.stdout.write(text)
            return EXIT_OK
    except RenderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    return EXIT_USAGE


def _render(engine: Engine, args: argparse.Namespace) -> int:
    results: list[RenderResult] = []
    failures: list[tuple[Path, str]] = []
    total = len(args.designs)
    for n, path in enumerate(args.designs, 1):
        t0 = time.perf_counter()
        try:
            res = render_file(path, engine, args.out, fmt=args.format, dpi=args.dpi)
        except RenderError as exc:
            failures.append((path, str(exc)))
            print(f"[{n}/{total}] FAILED {path}: {exc}", file=sys.stderr)
            continue
        results.append(res)
        if not args.quiet:
            dt = time.perf_counter() - t0
            print(f"[{n}/{total}] {path.name} -> {res.path} ({dt:.2f} s)", file=sys.stderr)
    _summary(results, failures)
    return EXIT_FAILED if failures else EXIT_OK


def _summary(results: list[RenderResult], failures: list[tuple[Path, str]]) -> None:
    if results:
        print(f"{'design':34} {'template':22} {'fmt':4} {'size':>16} {'MB':>7} {'seconds':>8}")
        for r in results:
            if r.pixels:
                size = f"{r.pixels[0]}x{r.pixels[1]}px"
            else:
                size = f"{r.dpi:.0f} dpi"
            secs = sum(r.timings.values())
            print(f"{r.design:34} {r.template:22} {r.format:4} {size:>16} {r.bytes / 1e6:7.2f} {secs:8.2f}")
    print(f"{len(results)} rendered, {len(failures)} failed")


def _validate(engine: Engine, designs: list[Path]) -> int:
    failed = 0
    for path in designs:
        try:
            design = load_design_file(path)
            prepare(design, engine, path.parent)
        except RenderError as exc:
            failed += 1
            print(f"{path}: INVALID {exc}")
            continue
        print(f"{path}: ok ({design.template}, {len(design.layers)} layers)")
    return EXIT_FAILED if failed else EXIT_OK


def _templates(engine: Engine) -> int:
    for t in engine.templates.templates.values():
        print(
            f"{t.id:22} {t.trim.width_mm:7.1f} x {t.trim.height_mm:6.1f} mm  bleed {t.bleed_mm:4.1f}  "
            f"{t.dpi.target} dpi  {t.output.default_format}/{t.output.color:5}  {t.name}"
        )
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
