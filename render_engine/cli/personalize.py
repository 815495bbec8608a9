"""``render-engine personalize TEMPLATE --product P --set slot=value --photo slot=file --out DIR`` and
``render-engine design-templates`` (wired into :mod:`render_engine.cli`).

Bad values exit 1 with one line per problem on stderr (``error: slots.name: at most 18 characters``), never a
traceback; nothing is written then.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from ..engine import Engine
from ..model.errors import DesignError, RenderError
from ..model.json_input import load_json, read_input_file

EXIT_OK, EXIT_FAILED = 0, 1


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("personalize", help="fill a design template and render its print file")
    p.add_argument("template", help="a design template id (render-engine design-templates) or a .json file")
    p.add_argument("--product", required=True, help="product template id, one the design template fits")
    p.add_argument("--set", action="append", default=[], metavar="SLOT=VALUE", dest="values",
                   help="a slot value (repeatable); style choices as SLOT.font=, SLOT.color=, SLOT.size=")  # fmt: skip
    p.add_argument("--photo", action="append", default=[], metavar="SLOT=FILE", dest="photos",
                   help="a photo for a photo slot (repeatable; once per photo of a photos slot)")  # fmt: skip
    p.add_argument("--out", type=Path, default=Path("out"), help="output folder (default: ./out)")
    p.add_argument("--format", choices=["png", "pdf"], help="output format (default: the product's)")
    p.add_argument("--dpi", type=float, help="output resolution (default: the product's target DPI)")
    p.add_argument("--placeholders", action="store_true", help="fill empty slots with placeholders (previews)")
    p.add_argument("--design-json", action="store_true", help="also write the filled native design JSON")

    m = sub.add_parser("merge", help="fill a design template from each row of a CSV / JSON file and render them all")
    m.add_argument("template", help="a design template id or a .json file")
    m.add_argument("rows", type=Path, help="rows: .csv (header = slot names) or .json (a list of objects)")
    m.add_argument("--product", required=True, help="product template id, one the design template fits")
    m.add_argument("--out", type=Path, default=Path("out"), help="output folder (default: ./out)")
    m.add_argument("--format", choices=["png", "pdf"], help="output format (default: the product's)")
    m.add_argument("--dpi", type=float, help="output resolution (default: the product's target DPI)")
    m.add_argument("--quiet", action="store_true", help="no progress lines")

    d = sub.add_parser("design-templates", help="list design templates (ready designs with slots)")
    d.add_argument("--product", help="only templates that fit this product")
    d.add_argument("--occasion", help="only templates tagged with this occasion")
    d.add_argument("--language", help="only templates in this language (en, hi, zh…)")
    d.add_argument("--json", action="store_true", help="print the templates and their slot definitions as JSON")
    d.add_argument("--schema", type=Path, metavar="FILE", help="write the design-template JSON Schema to FILE")
    d.add_argument("--from-fabric", type=Path, metavar="CANVAS", help="make a template of a Fabric canvas JSON "
                   "(texts with {{variables}}, images marked slot/placeholder) for --product; with --id, --write")
    d.add_argument("--id", dest="template_id", help="the new template's id (--from-fabric)")
    d.add_argument("--write", type=Path, metavar="FILE", help="where the new template goes (--from-fabric)")


def _pairs(items: list[str], what: str, problems: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            problems.append(f"--{what} {item[:40]!r}: write it as SLOT=VALUE")
            continue
        out[key] = value
    return out


def _from_fabric(engine: Engine, args: argparse.Namespace) -> int:
    from ..personalization.from_fabric import design_template_from_fabric

    given = (("product", args.product), ("id", args.template_id), ("write", args.write))
    missing = [f"--{n}" for n, v in given if not v]
    if missing:
        print(f"error: --from-fabric needs {', '.join(missing)}", file=sys.stderr)
        return EXIT_FAILED
    try:  # strict JSON; a folder, fifo or device is refused before it is read (/dev/zero never ends)
        data = load_json(read_input_file(args.from_fabric, "Fabric canvas file", "from_fabric"), "from_fabric")
    except RenderError as exc:
        print(f"error: {args.from_fabric}: {exc.message}", file=sys.stderr)
        return EXIT_FAILED
    tpl, raw = design_template_from_fabric(data, args.product, engine, template_id=args.template_id,
                                           name=args.template_id.replace("-", " ").capitalize())  # fmt: skip
    args.write.write_text(json.dumps(raw, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    slots = ", ".join(f"{k}({s.type})" for k, s in tpl.slots.items())
    print(f"{args.write}: design template {tpl.id} on {args.product}; slots: {slots}")
    return EXIT_OK


def run(engine: Engine, args: argparse.Namespace) -> int:
    if args.command == "design-templates":
        return _from_fabric(engine, args) if args.from_fabric is not None else _list(args)
    if args.command == "merge":
        return _merge(engine, args)
    return _personalize(engine, args)


def _merge(engine: Engine, args: argparse.Namespace) -> int:
    """Every row checked first (one error line per problem, nothing written), then rendered one at a time;
    a progress bar on stderr (a line every 5 % when stderr is not a terminal) and a summary table."""
    import resource

    from ..personalization.merge import check_rows, read_rows, render_rows
    from ..public_personalize import load_design_template

    template = load_design_template(args.template)
    rows = read_rows(args.rows)
    base = args.rows.parent
    tty = sys.stderr.isatty()
    step = max(1, len(rows) // 20)
    times: dict[str, tuple[float, float]] = {}

    def progress(phase: str, n: int, total: int) -> None:
        if args.quiet or (not tty and n % step and n != total):
            return
        width = 30
        bar = "#" * (width * n // total) + "-" * (width - width * n // total)
        verb = "checked" if phase == "check" else "rendered"
        line = f"{phase:6} [{bar}] {n}/{total} rows {verb}"
        print(f"\r{line}" if tty else line, end="\n" if not tty or n == total else "", file=sys.stderr, flush=True)

    def timed(phase: str, fn: Any) -> Any:
        w0, c0 = time.perf_counter(), time.process_time()
        try:
            return fn()
        finally:
            times[phase] = (time.perf_counter() - w0, time.process_time() - c0)

    timed("check", lambda: check_rows(template, args.product, rows, base, engine, progress))
    manifest = timed("render", lambda: render_rows(template, args.product, rows, engine, base, args.out,
                                                   fmt=args.format, dpi=args.dpi, progress=progress))  # fmt: skip
    n = len(manifest["rows"])
    files = sum(len(r["files"]) for r in manifest["rows"])
    size = sum(f["bytes"] for r in manifest["rows"] for f in r["files"])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(f"{'phase':8} {'rows':>6} {'wall s':>8} {'CPU s':>8} {'CPU ms/row':>11}")
    for phase, (wall, cpu) in times.items():
        print(f"{phase:8} {n:6d} {wall:8.1f} {cpu:8.1f} {1000 * cpu / max(n, 1):11.1f}")
    print(f"{n} rows rendered to {args.out}: {files} files, {size / 1e6:.1f} MB, peak RSS {peak:.0f} MB; "
          f"manifest: {args.out / 'manifest.json'}")  # fmt: skip
    return EXIT_OK


def _personalize(engine: Engine, args: argparse.Namespace) -> int:
    from ..personalization.fill import fill_with_sources, photos_relative, slot_error
    from ..public_personalize import load_design_template

    usage: list[str] = []
    values = _pairs(args.values, "set", usage)
    photos: dict[str, Any] = _pairs(args.photos, "photo", usage)
    listed: dict[str, list[str]] = {}  # a photos slot: --photo photos=a.jpg --photo photos=b.jpg, in order
    for item in args.photos:
        key, _, value = item.partition("=")
        listed.setdefault(key, []).append(value)
    if usage:
        for line in usage:
            print(f"error: {line}", file=sys.stderr)
        return EXIT_FAILED
    t0 = time.perf_counter()
    template = load_design_template(args.template)
    photos |= {k: v for k, v in listed.items() if getattr(template.slots.get(k), "type", "") == "photos"}
    base, rel = photos_relative(photos, None)
    design, sources = fill_with_sources(template, args.product, values, rel, base_dir=base, settings=engine.settings,
                                        placeholders=args.placeholders)  # fmt: skip
    if args.dpi is not None and not args.dpi > 0:
        raise DesignError("--dpi must be positive", field="dpi")
    stem = f"{template.id}-{args.product}"
    try:
        out, report = _render(design, engine, base, args, stem)
    except RenderError as exc:  # a layout / font problem of a filled layer names its slot
        raise slot_error(exc, sources) from None
    if args.design_json:
        (args.out / f"{stem}.design.json").write_text(
            design.model_dump_json(indent=2, exclude_defaults=True) + "\n", encoding="utf-8"
        )
    for f in report.findings:
        if f.severity != "info":
            where = f"layers[{f.layer}]" if f.layer is not None else "design"
            where = f"{f.surface} {where}" if f.surface is not None else where
            print(f"{f.severity.upper()} {where}: {f.message} [{f.code}]", file=sys.stderr)
    print(f"{template.id} on {args.product} -> {out} ({time.perf_counter() - t0:.2f} s)")
    return EXIT_OK if report.ok else EXIT_FAILED


def _render(design: Any, engine: Engine, base: Path, args: argparse.Namespace, stem: str) -> tuple[str, Any]:
    """Render the filled design into ``args.out`` and preflight it: ``(what was written, report)``. A
    multi-surface product's parts go into the folder ``<stem>/`` (``card.pdf``, ``front.png``…)."""
    from ..checks.preflight import preflight
    from ..parts import is_multi, prepare_parts, render_parts
    from ..pipeline import prepare, render_prepared

    if is_multi(design, engine):
        from ..checks.surfaces import merge_reports, surface_reports

        prepared = prepare_parts(design, engine, base)
        folder = args.out / stem
        results = render_parts(prepared, engine, folder, fmt=args.format, dpi=args.dpi, name=stem)
        report = merge_reports(design.template, surface_reports(prepared, engine, color=False))
        files = ", ".join(r.path.name for r in results if r.path is not None)
        return f"{folder}/ {files}", report
    prep = prepare(design, engine, base)
    fmt = args.format or prep.layout.template.output.default_format
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"{stem}.{fmt}"
    render_prepared(prep, engine, out, fmt=fmt, dpi=args.dpi)
    return str(out), preflight(prep, engine, color=False)


def _list(args: argparse.Namespace) -> int:
    from ..personalization import catalog, design_template_json_schema

    if args.schema is not None:
        args.schema.write_text(json.dumps(design_template_json_schema(), indent=2, sort_keys=True) + "\n", "utf-8")
        return EXIT_OK
    found = catalog().find(product=args.product, occasion=args.occasion, language=args.language)
    if args.json:
        sys.stdout.write(json.dumps([t.summary() for t in found], indent=2, ensure_ascii=False) + "\n")
        return EXIT_OK
    print(f"{'id':28} {'lang':7} {'occasions':22} {'products':50} slots")
    for t in found:
        slots = ", ".join(f"{k}({s.type}{'' if s.required else '?'})" for k, s in t.slots.items())
        print(f"{t.id:28} {t.language:7} {','.join(t.occasions):22} {','.join(t.products):50} {slots}")
    print(f"{len(found)} design template(s)")
    return EXIT_OK
