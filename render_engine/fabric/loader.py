"""What the callers use: :func:`is_fabric` tells Fabric input from a native design, :func:`load_fabric_json`
imports it for a template named by id — one canvas (:mod:`.importer`) or one canvas per surface / page of a
multi-surface product (:mod:`.surfaces`)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ..engine import Engine
from ..model.errors import DesignError, LimitExceeded, TemplateError
from ..model.errors import several as one_error
from ..model.size_limits import check_fabric
from ..model.templates import MAX_CANVAS_PX, canvas_template_id
from .canvas_size import fabric_root
from .font_properties import font_problems
from .importer import FabricImport, canvas_size_of, import_fabric, is_canvas
from .options import FabricOptions
from .surfaces import import_surfaces, is_multi_canvas


def is_fabric(data: Any) -> bool:
    """Fabric canvas JSON (bare, wrapped as ``{"canvas": …, "fabric": …}``, or one canvas per surface / page:
    ``{"surfaces": {"front": <canvas>}, "pages": [<canvas>]}``) rather than a native design."""
    return is_canvas(data) or is_multi_canvas(data)


def load_fabric_json(
    data: Any,
    engine: Engine,
    asset_dir: Path,
    template_id: str | None = None,
    options: FabricOptions | None = None,
) -> FabricImport:
    """Import decoded Fabric JSON for a template named by ``template_id`` or by the wrapper's ``template``.

    With neither, one canvas is rendered as it is: on a page of its own pixel size
    (:func:`render_engine.model.templates.canvas_template`, id ``canvas-<w>x<h>``); a document of several
    canvases needs the product.
    """
    options = options or FabricOptions()
    if options.max_source_pixels is None:
        options = dataclasses.replace(options, max_source_pixels=engine.settings.max_source_pixels)
    tid = template_id or (data.get("template") if isinstance(data, dict) else None)
    if tid is not None and (not isinstance(tid, str) or not tid):
        raise DesignError("template is a template id", field="template")
    several = (
        isinstance(data, dict)
        and bool({"surfaces", "pages"} & data.keys())
        and not ({"objects", "fabric", "layers"} & data.keys())
    )  # read as Fabric already: a surface that is not a canvas is named (it was "toJSON() has no canvas size")
    if is_multi_canvas(data) or several:
        if tid is None:
            raise DesignError(
                'a canvas per surface or page needs the product: name it with "template"', field="template"
            )
        try:
            product = engine.templates.get(tid)
        except TemplateError as exc:  # listed with every canvas's unknown font families
            raise one_error([exc, *_surface_font_problems(data, engine, options)]) from None
        return import_surfaces(data, engine, product, asset_dir, options)
    check_fabric(data, engine.settings)  # counts and lengths before any translation or text layout
    if tid is None:  # the canvas is the page: its size is a page size, limited like one (before any work)
        size = canvas_size_of(data, options)
        for name, v in zip(("width", "height"), size, strict=True):
            if not 1 <= v <= MAX_CANVAS_PX:
                raise LimitExceeded(
                    f"canvas {name} {v:.6g} px is outside the 1 to {MAX_CANVAS_PX} px a page of its own can be "
                    '(name a product with "template" to scale the canvas onto it)',
                    field=f"canvas.{name}",
                )
        tid = canvas_template_id(*size)
    try:
        template = engine.templates.get(tid)
    except TemplateError as exc:  # listed with the canvas's unknown font families (nothing else can be checked)
        root, prefix = fabric_root(data)
        raise one_error([exc, *font_problems(root, engine.fonts, options, prefix)]) from None
    return import_fabric(data, template, engine.fonts, asset_dir, options, engine=engine)


def _surface_font_problems(data: Any, engine: Engine, options: FabricOptions) -> list[DesignError]:
    """:func:`.font_properties.font_problems` of every canvas of a document of several, named by its side."""
    canvases = (
        [(f"surfaces.{n}.", c) for n, c in (data.get("surfaces") or {}).items()] if isinstance(data, dict) else []
    )
    canvases += [(f"pages[{i}].", c) for i, c in enumerate(data.get("pages") or [])] if isinstance(data, dict) else []
    problems: dict[tuple[str | None, str], DesignError] = {}
    for where, canvas in canvases:
        if isinstance(canvas, dict):
            root, prefix = fabric_root(canvas)
            for p in font_problems(root, engine.fonts, options, where + prefix):
                problems.setdefault((p.field, p.message), p)
    return list(problems.values())
