"""Rendering Fabric JSON files (:func:`render_fabric_file`) and the ``render-engine render`` options for
Fabric input (:func:`add_render_arguments`, :func:`render_cli`; see docs/fabric.md).
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..engine import Engine
from ..layout.prepared import Prepared
from ..model.errors import DesignError
from ..model.json_input import load_json, read_input_file
from ..model.outputs import Format, RenderResult, StepTimer
from ..pipeline import render_design
from .options import DEFAULT_FONT_FALLBACK, FabricOptions

if TYPE_CHECKING:
    from ..backends.pdf_options import PdfOptions
    from ..model.surface_plan import SurfaceRef
    from ..parts import PreparedParts
    from .importer import FabricImport


def read_json_file(path: Path) -> Any:
    """The decoded JSON of a design file; unreadable or invalid JSON is a :class:`DesignError` on ``design``."""
    return load_json(read_input_file(path))  # strict JSON, errors naming the position


def render_fabric(
    data: Any,
    engine: Engine,
    out: Path,
    *,
    template_id: str | None = None,
    options: FabricOptions | None = None,
    fmt: Format | None = None,
    dpi: float | None = None,
    scale: float | None = None,
    name: str = "design",
    pdf_options: PdfOptions | None = None,
    timer: StepTimer | None = None,
    on_prepared: Callable[[Prepared, SurfaceRef | None], None] | None = None,
    on_imported: Callable[[FabricImport], None] | None = None,
) -> RenderResult:
    """Render decoded Fabric JSON to ``out``; ``on_imported`` sees the import before anything is drawn (its
    notes, and the Fabric object of each native layer for the preflight lines).

    Without a template (``template_id`` or the wrapper's ``template``) the canvas is rendered as it is: a
    page of the canvas's own size (PNG ``width x height`` px at ``scale`` 1, transparent where the canvas has
    no background; PDF at 0.75 pt per px). ``scale`` multiplies the template's target DPI (a canvas's is 96:
    ``scale=2`` gives a 2x PNG); ``dpi`` sets it directly. Data-URL and file images are written into a
    temporary folder for the render.
    """
    from .loader import load_fabric_json  # loaded for Fabric input only (the CLI imports this module)

    timer = timer or StepTimer()
    if scale is not None and fmt != "pdf" and isinstance(scale, int | float) and scale > 0:
        # a raster at scale s matches Fabric's toDataURL({multiplier: s}) (its image shadows grow with it)
        options = replace(options or FabricOptions(), multiplier=float(scale))
    with tempfile.TemporaryDirectory(prefix="fabric-") as tmp:
        with timer.step("parse"):
            imported = load_fabric_json(data, engine, Path(tmp), template_id, options)
        if on_imported is not None:
            on_imported(imported)
        design = imported.design
        template = engine.templates.get(design.template)
        if scale is not None:
            if not (isinstance(scale, int | float) and scale > 0):
                raise DesignError("scale must be a positive number", field="scale")
            if dpi is not None:
                raise DesignError("give either scale or dpi", field="scale")
            dpi = template.dpi.target * float(scale)
        if design.is_multi:  # a canvas per surface / page: every part into the folder out/<stem>/ (.surfaces)
            from ..parts import render_design_parts

            def each(prepared: PreparedParts) -> None:
                if on_prepared is not None:
                    for s in prepared.surfaces():  # its findings named by side (surfaces.inside.layers[1])
                        on_prepared(s.prep, s.ref)

            res = render_design_parts(
                design, engine, out.with_suffix("") if out.suffix else out, base_dir=Path(tmp), fmt=fmt,
                dpi=dpi, name=name, timer=timer, pdf_options=pdf_options, on_prepared=each,
            )  # fmt: skip
            return replace(res, warnings=imported.warning_lines())
        res = render_design(
            design,
            engine,
            out,
            base_dir=Path(tmp),
            fmt=fmt or template.output.default_format,
            dpi=dpi,
            name=name,
            timer=timer,
            pdf_options=pdf_options,
            on_prepared=None if on_prepared is None else lambda prep: on_prepared(prep, None),
        )
    return replace(res, warnings=imported.warning_lines())


def render_fabric_file(
    path: Path,
    engine: Engine,
    out_dir: Path,
    *,
    template_id: str | None = None,
    options: FabricOptions | None = None,
    fmt: Format | None = None,
    dpi: float | None = None,
    scale: float | None = None,
    pdf_options: PdfOptions | None = None,
    on_prepared: Callable[[Prepared, SurfaceRef | None], None] | None = None,
    on_imported: Callable[[FabricImport], None] | None = None,
) -> RenderResult:
    """Render a Fabric JSON file like :func:`render_engine.pipeline.render_file` renders a native one; image
    ``src`` paths are read from the file's folder (and may not leave it)."""
    timer = StepTimer()
    with timer.step("parse"):
        data = read_json_file(path)
    opts = options or FabricOptions()
    if opts.image_dir is None:
        opts = replace(opts, image_dir=path.parent)
    stem = path.name.removesuffix(".json").removesuffix(".fabric")
    # the output format decides the file name: the template's default unless asked
    out_fmt = fmt
    tid = template_id or (data.get("template") if isinstance(data, dict) else None)
    multi = isinstance(tid, str) and tid and engine.templates.get(tid).is_multi
    if out_fmt is None and not multi:  # a multi-surface product: each part in its own format, out/<stem>/
        out_fmt = engine.templates.get(tid).output.default_format if isinstance(tid, str) and tid else "png"
    return render_fabric(
        data,
        engine,
        out_dir / (stem if multi else f"{stem}.{out_fmt}"),
        template_id=template_id,
        options=opts,
        fmt=out_fmt,
        dpi=dpi,
        scale=scale,
        name=path.name,
        pdf_options=pdf_options,
        timer=timer,
        on_prepared=on_prepared,
        on_imported=on_imported,
    )


def add_render_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``render-engine render`` for Fabric.js input (see docs/fabric.md)."""
    g = parser.add_argument_group("Fabric.js input")
    g.add_argument(
        "--dialect",
        choices=["auto", "native", "fabric"],
        default="auto",
        help="input dialect (default: auto — Fabric JSON has 'objects' and no native 'layers')",
    )
    g.add_argument(
        "--template",
        help="Fabric input: product template id (or a 'template' field in the file); without one the canvas "
        "is rendered as it is, at its own pixel size",
    )
    g.add_argument(
        "--scale",
        type=float,
        help="multiply the template's target DPI (a Fabric canvas without a template: 2 = a 2x PNG, like "
        "Fabric's toDataURL multiplier)",
    )
    g.add_argument(
        "--unsupported",
        choices=["refuse", "approximate"],
        default="refuse",
        help="Fabric input: refuse (default) or approximate properties the engine cannot draw yet "
        "(each approximation is printed as a warning)",
    )
    g.add_argument("--canvas-size", metavar="WxH", help="Fabric input: editor canvas size in px, e.g. 1200x466")
    g.add_argument(
        "--canvas-covers", choices=["trim", "bleed"], help="Fabric input: the canvas is the trim box (default) or bleed"
    )
    g.add_argument(
        "--font-fallback",
        metavar="FAMILY",
        default=DEFAULT_FONT_FALLBACK,
        help="Fabric input: bundled family an unknown fontFamily prints in (default: %(default)s, the sans-serif "
        "face Fabric's canvas falls back to; 'none': an unknown family is an error)",
    )


def _canvas_size(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    m = re.match(r"^\s*(\d+(?:\.\d+)?)\s*[xX×]\s*(\d+(?:\.\d+)?)\s*$", text)
    if m is None:
        raise DesignError("--canvas-size is WIDTHxHEIGHT in px, e.g. 1200x466", field="canvas")
    return float(m.group(1)), float(m.group(2))


def _maybe_fabric(data: Any) -> bool:
    """A cheap pre-check (no importer import) that every Fabric document passes: a fresh `render-engine
    render` of a native design never loads the Fabric importer."""
    if not isinstance(data, dict):
        return False
    several = data.get("version") != 1 and ("surfaces" in data or "pages" in data)  # a canvas per surface
    return "objects" in data or "fabric" in data or several


def render_cli(
    path: Path,
    engine: Engine,
    args: argparse.Namespace,
    pdf_options: PdfOptions | None,
    on_prepared: Callable[[Prepared, SurfaceRef | None], None] | None = None,
    on_imported: Callable[[FabricImport], None] | None = None,
) -> RenderResult | None:
    """Render ``path`` if it is Fabric input (by ``--dialect`` or detection); None for a native design."""
    dialect = getattr(args, "dialect", "auto")
    if dialect == "native":
        return None
    if dialect == "auto":
        try:  # a fifo or /dev/zero is refused before it is read (it never ends), as the native loader does
            data = json.loads(read_input_file(path))
        except (DesignError, ValueError, RecursionError):
            return None  # the native loader reports it
        if not _maybe_fabric(data):
            return None
        from .loader import is_fabric

        if not is_fabric(data):
            return None
    opts = FabricOptions(
        canvas_size=_canvas_size(args.canvas_size),
        covers=args.canvas_covers,
        font_fallback=None if str(args.font_fallback).lower() == "none" else args.font_fallback,
        unsupported=args.unsupported,
    )
    return render_fabric_file(
        path,
        engine,
        args.out,
        template_id=args.template,
        options=opts,
        fmt=args.format,
        dpi=args.dpi,
        scale=args.scale,
        pdf_options=pdf_options,
        on_prepared=on_prepared,
        on_imported=on_imported,
    )
