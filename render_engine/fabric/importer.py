"""The entry point: :func:`import_fabric` turns a canvas (bare ``toJSON()`` or the request wrapper) into a
native :class:`Design` for a template, and :func:`load_fabric_json` does so for a template named by id.

The canvas is mapped uniformly onto the template's trim (or bleed) box in mm, so it must have that box's
aspect ratio. Fabric paints the background colour, ``backgroundImage``, the objects and ``overlayImage``
in that order, the canvas ``clipPath`` clipping all but the last; each becomes native layers in the same
order (:class:`.converter.Converter`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..design import Design, parse_design
from ..errors import DesignError
from ..fonts import FontCatalog
from ..geometry import Matrix
from ..resolve import Engine
from ..templates import Template
from .converter import Converter, Node
from .effects import Clip
from .options import FabricOptions
from .parse import color, num
from .shapes import vector

_CANVAS_UNSUPPORTED = ("overlay",)


@dataclass(frozen=True)
class FabricImport:
    """The result of an import: the native design, and what the caller reports alongside it."""

    design: Design
    notes: tuple[str, ...]  # e.g. fallback fonts used: for preflight / the API response
    sources: tuple[str, ...]  # per native layer, the Fabric object it came from ("objects[2].objects[0]")
    # per Fabric text object ("fabric.objects[3]"), its lines as laid out — also for text drawn as outlines
    text_lines: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def is_fabric(data: Any) -> bool:
    """Fabric canvas JSON (bare, or wrapped as ``{"canvas": …, "fabric": …}``) rather than a native design."""
    if not isinstance(data, dict):
        return False
    if isinstance(data.get("fabric"), dict):
        return True
    return isinstance(data.get("objects"), list) and "layers" not in data and data.get("version") != 1


def import_fabric(
    data: Any,
    template: Template,
    fonts: FontCatalog,
    asset_dir: Path,
    options: FabricOptions | None = None,
) -> FabricImport:
    """Translate Fabric JSON into a native design for ``template``.

    ``data`` is either ``canvas.toJSON()`` output (then ``options.canvas_size`` is required) or the request
    wrapper ``{"canvas": {"width": …, "height": …}, "fabric": <toJSON>, "canvas_covers": "trim"|"bleed"}``.
    Images given as data URLs are written into ``asset_dir`` (the design's base directory for rendering);
    ``asset:<id>`` sources become ``asset_id`` references for the caller's asset loader.
    """
    opts = options or FabricOptions()
    if not isinstance(data, dict):
        raise DesignError("a Fabric design is a JSON object", field="design")
    canvas_size = opts.canvas_size
    covers = opts.covers
    root = data
    prefix = ""
    if isinstance(data.get("fabric"), dict):
        root = data["fabric"]
        prefix = "fabric."
        c = data.get("canvas")
        if c is not None:
            if not isinstance(c, dict):
                raise DesignError('canvas is {"width": px, "height": px}', field="canvas")
            if canvas_size is None:
                canvas_size = (num(c, "width", None, "canvas"), num(c, "height", None, "canvas"))
        cov = data.get("canvas_covers")
        if cov is not None and covers is None:
            if cov not in ("trim", "bleed"):
                raise DesignError("canvas_covers is 'trim' or 'bleed'", field="canvas_covers")
            covers = cov
    if canvas_size is None:
        raise DesignError(
            'Fabric\'s toJSON() has no canvas size: send {"canvas": {"width", "height"}, "fabric": …} '
            "or pass --canvas-size WxH",
            field="canvas",
        )
    covers = covers or "trim"
    cw, ch = canvas_size
    if not (cw > 0 and ch > 0):
        raise DesignError("canvas width and height must be positive", field="canvas")
    objects = root.get("objects")
    if not isinstance(objects, list):
        raise DesignError("Fabric JSON needs an 'objects' array", field=f"{prefix}objects")

    # canvas px -> trim mm: uniform scale; the canvas must have the target box's aspect ratio
    if covers == "bleed":
        ox, oy, tw, th = -template.bleed_mm, -template.bleed_mm, template.bleed_w, template.bleed_h
    else:
        ox, oy, tw, th = 0.0, 0.0, template.trim_w, template.trim_h
    k = tw / cw
    if abs(ch * k - th) > opts.aspect_tolerance * th:
        raise DesignError(
            f"canvas {cw:g}x{ch:g} px does not have the aspect ratio of the {covers} box of {template.id} "
            f"({tw:.1f} x {th:.1f} mm)",
            field="canvas",
        )
    page = Matrix.scale(k).then(Matrix.translate(ox, oy))
    conv = Converter(fonts, asset_dir, opts, k, page, f"{prefix}objects")

    for key in _CANVAS_UNSUPPORTED:
        if root.get(key) not in (None, "", False):
            raise DesignError(f"canvas {key} is not supported yet", field=f"{prefix}{key}")
    layers: list[dict[str, Any]] = []
    # the canvas clipPath (canvas space) clips the background colour, backgroundImage and objects — not the
    # overlayImage, which Fabric paints after applying it (StaticCanvas.renderCanvas)
    canvas_clip = root.get("clipPath")
    clips: tuple[Clip, ...] = ((canvas_clip, f"{prefix}clipPath", Matrix()),) if canvas_clip else ()
    bg = root.get("background")
    if bg not in (None, ""):
        if not isinstance(bg, str):
            raise DesignError("only a flat background colour is supported", field=f"{prefix}background")
        hex_, alpha = color(bg, f"{prefix}background")
        if hex_ is not None and alpha > 0:
            if alpha < 1:
                raise DesignError("a translucent canvas background is not supported", field=f"{prefix}background")
            if clips:  # a clipped background: a rect over the whole bleed box, in canvas px
                bx, by = (-template.bleed_mm - ox) / k, (-template.bleed_mm - oy) / k
                bw_px, bh_px = template.bleed_w / k, template.bleed_h / k
                rect = {"type": "rect", "width": bw_px, "height": bh_px, "fill": hex_, "strokeWidth": 0}
                centre = Matrix.translate(bx + bw_px / 2, by + bh_px / 2)
                vector(conv, Node(rect, f"{prefix}background", "rect", centre, 1.0, False, clips), layers)
            else:
                conv.add(layers, {"type": "background", "color": hex_}, f"{prefix}background")
    # Fabric paints: background colour, backgroundImage, objects, overlayImage (any Fabric object)
    if root.get("backgroundImage"):
        conv.object(root["backgroundImage"], f"{prefix}backgroundImage", Matrix(), 1.0, layers, clips=clips)
    for i, obj in enumerate(objects):  # matrices stay in canvas px
        conv.object(obj, f"{prefix}objects[{i}]", Matrix(), 1.0, layers, clips=clips)
    if root.get("overlayImage"):
        conv.object(root["overlayImage"], f"{prefix}overlayImage", Matrix(), 1.0, layers)
    design_json = {"version": 1, "template": template.id, "layers": layers}
    try:
        design = parse_design(design_json)
    except DesignError as exc:  # a bug in the mapping or a value out of the native range: name the object
        where = conv.origin_of(exc.field)
        raise DesignError(exc.message, field=where) from None
    return FabricImport(design, tuple(conv.notes), tuple(conv.layer_origin), dict(conv.text_lines))


def load_fabric_json(
    data: Any,
    engine: Engine,
    asset_dir: Path,
    template_id: str | None = None,
    options: FabricOptions | None = None,
) -> FabricImport:
    """Import decoded Fabric JSON for a template named by ``template_id`` or by the wrapper's ``template``."""
    tid = template_id or (data.get("template") if isinstance(data, dict) else None)
    if not isinstance(tid, str) or not tid:
        raise DesignError("a Fabric design needs a template (--template or a 'template' field)", field="template")
    return import_fabric(data, engine.templates.get(tid), engine.fonts, asset_dir, options)
