"""``render-engine`` command line.

Exit codes: 0 everything succeeded; 1 at least one design failed (each failure is one line naming the
design, the field and the reason; the other designs are still rendered), or ``--strict`` and a design has
preflight warnings; 2 bad command-line usage. ``render`` and ``validate`` print each design's preflight
warnings and blockers on stderr, one line each.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from ..engine import Engine
from ..layout.prepared import Prepared
from ..model.design import design_json_schema
from ..model.errors import RenderError, TemplateError
from ..model.outputs import RenderResult
from ..model.settings import Settings, validated
from ..model.surface_plan import SurfaceRef
from ..parts import is_multi, prepare_parts, render_file
from ..pipeline import prepare

if TYPE_CHECKING:
    from ..fabric import FabricImport

# commands whose parsers (and modules) load only when asked for: a fresh `render-engine render` process
# imports neither the API server, the render farm nor the mockup scenes
JOBS_COMMANDS = ("serve", "worker", "batch-validator")  # render_engine/cli/farm.py
LIGHT_COMMANDS = (
    *("render", "validate", "preflight", "templates", "fonts", "schema"),
    *("personalize", "merge", "design-templates"),  # render_engine/cli/personalize.py
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
STRICT_HELP = "exit 1 when a design has preflight warnings (they are printed on stderr either way)"
log = logging.getLogger(__name__)


class PreflightWarnings:
    """Runs preflight on each prepared design and prints its warnings and blockers on stderr, one line each
    (``render-engine preflight`` shows the full report). Counts the designs that had any."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.designs = 0

    def check(
        self, path: Path, prep: Prepared, ref: SurfaceRef | None = None, fabric: FabricImport | None = None
    ) -> None:
        """``fabric``: the import a Fabric canvas came from; a finding about a layer translated from a Fabric
        object names that object (``objects[3] (Textbox, id "greeting")``), not the native layer."""
        from ..checks.preflight import preflight
        from ..checks.report import finding_place, with_fabric_objects

        # color=False: the gamut check decodes every image a second time (and loads OpenCV, Pillow and their
        # ICC transforms: ~0.25 s in a fresh process); spelling=False: the dictionary takes ~2-3 s to load in
        # a fresh process, and spelling is the storefront's question; `render-engine preflight` runs both
        report = preflight(prep, self.engine, color=False, spelling=False)
        if ref is not None:  # the surface's findings named by side (surfaces.inside.layers[1])
            report = dataclasses.replace(report, findings=tuple(
                dataclasses.replace(f, surface=ref.key) for f in report.findings))  # fmt: skip
        if fabric is not None:
            report = with_fabric_objects(report, fabric.object_of_layer)
        shown = [f for f in report.findings if f.severity != "info"]
        for f in shown:
            print(f"{path}: {f.severity.upper()} {finding_place(f)}: {f.message} [{f.code}]", file=sys.stderr)
        self.designs += bool(shown)

    def exit_code(self, strict: bool) -> int:
        if strict and self.designs:
            print(f"{self.designs} design(s) with preflight warnings (--strict)", file=sys.stderr)
            return EXIT_FAILED
        return EXIT_OK


def lang_arg(value: str) -> str:
    """``--lang``: en, hi or zh-Hans (also zh, zh-CN, hi-IN ...)."""
    import argparse

    from ..checks.messages import LANGUAGES, language_of

    lang = language_of(value)
    if lang is None:
        raise argparse.ArgumentTypeError(f"unknown language {value!r} (choose from {', '.join(LANGUAGES)})")
    return lang


def add_fonts_dir(parser: argparse.ArgumentParser) -> None:
    """``--fonts-dir``: a storefront's fonts added to the bundled ones (docs/fabric.md)."""
    parser.add_argument(
        "--fonts-dir",
        type=Path,
        help="a storefront fonts folder (.ttf/.otf) added to the bundled fonts "
        "(also RENDER_ENGINE_EXTRA_FONTS_DIR; docs/fabric.md)",
    )


def _parser(full: bool = True) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="render-engine", description="Render personalised-gift designs to print files.")
    p.add_argument("--version", action="version", version=f"render-engine {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("render", help="render design JSON files to print files")
    r.add_argument("designs", nargs="+", type=Path, help="design JSON files")
    r.add_argument("--out", type=Path, default=Path("out"), help="output folder (default: ./out)")
    r.add_argument("--format", choices=["png", "pdf"], help="output format (default: the template's)")
    r.add_argument("--dpi", type=float, help="output resolution (default: the template's target DPI)")
    r.add_argument("--marks", action="store_true", help="PDF: crop marks and a job label in a slug")
    r.add_argument("--quiet", action="store_true", help="no progress lines")
    r.add_argument("--strict", action="store_true", help=STRICT_HELP)
    add_fonts_dir(r)
    from ..fabric import add_render_arguments as add_fabric_arguments

    add_fabric_arguments(r)  # --dialect, --template, --canvas-size, --canvas-covers, --font-fallback

    v = sub.add_parser("validate", help="check designs (schema, template, fonts, assets, layout) without rendering")
    v.add_argument("designs", nargs="+", type=Path)
    v.add_argument("--strict", action="store_true", help=STRICT_HELP)
    add_fonts_dir(v)

    pf = sub.add_parser("preflight", help="check a design for print problems (exit 1 on blockers)")
    pf.add_argument("design", type=Path)
    pf.add_argument("--proof", type=Path, help="write a proof PNG with the findings outlined")
    pf.add_argument("--json", action="store_true", help="print the JSON report instead of a summary")
    pf.add_argument(
        "--lang",
        type=lang_arg,
        default="en",
        metavar="LANG",
        help="language of the finding messages: en (default), hi, zh-Hans",
    )
    pf.add_argument(
        "--unsupported",
        choices=["refuse", "approximate"],
        default="refuse",
        help="Fabric input: refuse (default) or approximate properties the engine cannot draw yet "
        "(each approximation a fabric.approximated warning)",
    )
    add_fonts_dir(pf)

    sub.add_parser("templates", help="list product templates")
    add_fonts_dir(sub.add_parser("fonts", help="list font families: the bundled ones (and --fonts-dir's)"))
    from .personalize import add_parsers as add_personalize_parsers

    add_personalize_parsers(sub)  # personalize, merge, design-templates (render_engine/cli/personalize.py)
    s = sub.add_parser("schema", help="print the design JSON Schema")
    s.add_argument("--out", type=Path, help="write to this file instead of stdout")
    if full:
        from . import farm
        from .mockup import add_parsers as add_mockup_parsers

        add_mockup_parsers(sub)  # mockup, gallery
        farm.add_parsers(sub)  # serve, worker, batch-validator (render_engine/cli/farm.py)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = next((a for a in argv if not a.startswith("-")), None)
    args = _parser(full=command not in LIGHT_COMMANDS).parse_args(argv)
    if args.command in JOBS_COMMANDS:  # the API server and the render-farm worker
        from . import farm

        return farm.run(args)
    try:
        fonts_dir = getattr(args, "fonts_dir", None)
        engine = Engine(validated(Settings, **({"extra_fonts_dir": fonts_dir} if fonts_dir else {})))
        if fonts_dir:  # read once, up front: a missing or unreadable folder is one line, not one per surface/file
            if not Path(fonts_dir).is_dir():
                raise TemplateError(f"--fonts-dir {fonts_dir} is not a folder", field="fonts_dir")
            engine.fonts  # noqa: B018
        if args.command == "render":
            return _render(engine, args)
        if args.command == "validate":
            return _validate(engine, args.designs, args.strict)
        if args.command == "preflight":
            from .preflight import run as run_preflight

            return run_preflight(engine, args.design, args.proof, args.json, args.lang, args.unsupported)
        if args.command in ("mockup", "gallery"):
            from .mockup import run as run_mockup

            return run_mockup(engine, args)
        if args.command in ("personalize", "design-templates", "merge"):
            from .personalize import run as run_personalize

            return run_personalize(engine, args)
        if args.command == "templates":
            return _templates(engine)
        if args.command == "fonts":
            print(f"{'id':28} {'family':28} {'scripts':22} styles (weight style)")
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
        for line in exc.lines():
            print(f"error: {line}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `render-engine fonts | head`: the reader left; say nothing more
        sys.stderr.close()
        return EXIT_OK
    except OSError as exc:  # --out a file or under /dev/null, a read-only or full disk: where and why, one line
        print(f"error: cannot write {exc.filename or 'the output'} ({exc.strerror or type(exc).__name__})",
              file=sys.stderr)  # fmt: skip
        return EXIT_FAILED
    except Exception as exc:  # a bug, not bad input: still one line, never a traceback (logged at DEBUG)
        log.debug("internal error in %s", args.command, exc_info=True)
        print(f"error: internal error ({type(exc).__name__})", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_USAGE


def _render(engine: Engine, args: argparse.Namespace) -> int:
    from ..backends.pdf_options import PdfOptions
    from ..fabric import render_cli as render_fabric_cli

    options = PdfOptions(marks=args.marks)
    warnings = PreflightWarnings(engine)
    results: list[RenderResult] = []
    failures: list[tuple[Path, str]] = []
    total = len(args.designs)
    first_of: dict[str, int] = {}  # output stem -> the design number that writes it
    for n, path in enumerate(args.designs, 1):
        t0 = time.perf_counter()
        stem = path.name.removesuffix(".json").removesuffix(".fabric")  # out/<stem>.<fmt> or out/<stem>/
        if stem in first_of:  # a/card.json b/card.json: the second would silently replace the first's file
            m = first_of[stem]
            failures.append((path, f"out: [{m}/{total}] {args.designs[m - 1]} writes the same file ({args.out}/{stem}"
                                   ".*); rename this design or render it into another --out folder"))  # fmt: skip
            print(f"[{n}/{total}] FAILED {path}: {failures[-1][1]}", file=sys.stderr)
            continue
        first_of[stem] = n

        imported: list[FabricImport] = []  # a Fabric canvas: its import (notes, the object of each layer)

        def on_prepared(
            prep: Prepared, ref: SurfaceRef | None = None, path: Path = path, imported: list[FabricImport] = imported
        ) -> None:
            warnings.check(path, prep, ref, imported[0] if imported else None)

        try:
            res = render_fabric_cli(path, engine, args, options, on_prepared, imported.append) or render_file(
                path, engine, args.out, fmt=args.format, dpi=args.dpi, pdf_options=options, on_prepared=on_prepared
            )
        except RenderError as exc:
            failures.append((path, str(exc)))
            for line in exc.lines():  # one line per problem (a Fabric canvas reports all at once)
                print(f"[{n}/{total}] FAILED {path}: {line}", file=sys.stderr)
            continue
        except OSError as exc:  # --out not a folder, read-only, full disk: the place and the reason, one line
            where = f" {exc.filename}" if exc.filename else ""
            failures.append((path, f"out: cannot write{where} ({exc.strerror or type(exc).__name__})"))
            print(f"[{n}/{total}] FAILED {path}: {failures[-1][1]}", file=sys.stderr)
            continue
        except Exception as exc:  # a bug, not bad input: still one line, and the batch goes on
            # never a traceback for an input file (one line per problem); the traceback is logged at DEBUG level
            log.debug("internal error rendering %s", path, exc_info=True)
            failures.append((path, f"internal error ({type(exc).__name__})"))
            print(f"[{n}/{total}] FAILED {path}: internal error ({type(exc).__name__})", file=sys.stderr)
            continue
        results.append(res)
        for warning in res.warnings:  # a Fabric property approximated (or a font substituted), its object named
            print(f"[{n}/{total}] WARNING {path}: {warning}", file=sys.stderr)
        for note in imported[0].note_lines() if imported else ():  # how the import read a Fabric object
            print(f"[{n}/{total}] NOTE {path}: {note}", file=sys.stderr)
        if not args.quiet:
            dt = time.perf_counter() - t0
            files = ", ".join(f"{p.path.name}" + (f" ({p.pages} pages)" if p.pages > 1 else "") for p in res.parts)
            where = f"{res.path}/ {files}" if files else f"{res.path}"
            print(f"[{n}/{total}] {path.name} -> {where} ({dt:.2f} s)", file=sys.stderr)
    _summary(results, failures)
    strict = warnings.exit_code(args.strict)
    return EXIT_FAILED if failures else strict


def _summary(results: list[RenderResult], failures: list[tuple[Path, str]]) -> None:
    if results:
        print(f"{'design':34} {'template':22} {'fmt':4} {'size':>16} {'MB':>7} {'seconds':>8}")
        for r in results:
            secs = sum(r.timings.values())
            for row in r.parts or (r,):
                size = f"{row.pixels[0]}x{row.pixels[1]}px" if row.pixels else f"{row.dpi:.0f} dpi"
                size += f" {row.pages}p" if row.part else ""
                design = f"{r.design}:{row.part}" if row.part else r.design
                print(f"{design:34} {r.template:22} {row.format:4} {size:>16} {row.bytes / 1e6:7.2f} {secs:8.2f}")
    print(f"{len(results)} rendered, {len(failures)} failed")


def _validate(engine: Engine, designs: list[Path], strict: bool = False) -> int:
    from .preflight import load_native

    failed = 0
    warnings = PreflightWarnings(engine)
    for path in designs:
        try:
            design = load_native(path, "validate")
            if is_multi(design, engine):
                prepared = prepare_parts(design, engine, path.parent)
            else:
                prep = prepare(design, engine, path.parent)
        except RenderError as exc:
            failed += 1
            for line in exc.lines():
                print(f"{path}: INVALID {line}")
            continue
        if is_multi(design, engine):
            layers = sum(len(s.ref.design.layers) for s in prepared.surfaces())
            parts = ", ".join(f"{p.plan.name}.{p.plan.format}" for p in prepared.parts)
            print(f"{path}: ok ({design.template}, {layers} layers on {prepared.page_count} surfaces; parts {parts})")
            for s in prepared.surfaces():
                warnings.check(path, s.prep, s.ref)
            continue
        print(f"{path}: ok ({design.template}, {len(design.layers)} layers)")
        warnings.check(path, prep)
    strict_code = warnings.exit_code(strict)
    return EXIT_FAILED if failed else strict_code


def _templates(engine: Engine) -> int:
    templates = engine.templates.templates
    w = max([22, *(len(tid) for tid in templates)])
    print(f"{'id':{w}} {'trim mm (w x h)':>17} {'bleed mm':>9} {'dpi':>4}  {'output':10} name")
    for t in templates.values():
        trim = f"{t.trim.width_mm:.1f} x {t.trim.height_mm:.1f}"
        out = f"{t.output.default_format}/{t.output.color}"
        print(f"{t.id:{w}} {trim:>17} {t.bleed_mm:>9.1f} {t.dpi.target:>4}  {out:10} {t.name}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
