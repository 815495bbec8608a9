""":func:`import_fabric` turns a canvas (bare ``toJSON()`` or the request wrapper) into a native
:class:`Design` for a template (:func:`.loader.load_fabric_json` does so for a template named by id).

The canvas is mapped uniformly onto the template's trim (or bleed) box in mm, so it must have that box's
aspect ratio. Fabric paints the background colour, ``backgroundImage``, the objects, the ``overlay`` colour and
``overlayImage`` in that order, the canvas ``clipPath`` clipping all but the last two; each becomes native
layers in the same order (:class:`.converter.Converter`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..inputs.font_catalog import FontCatalog
from ..model.design import Design, parse_design
from ..model.design_base import MAX_MM
from ..model.errors import DesignError, several
from ..model.fabric_object import FabricObject, labelled, labelled_note, object_of
from ..model.geometry import Matrix
from ..model.templates import Template
from .canvas_size import canvas_size_of as canvas_size_of
from .canvas_size import fabric_root, given_size, product_canvas, template_canvas
from .converter import Converter
from .effects import clip_chain
from .native_fields import fabric_named
from .options import FabricOptions
from .parse import color
from .protocol import Clip
from .text_clip import knockouts, with_outline
from .versions import normalise

if TYPE_CHECKING:
    from ..engine import Engine

_CANVAS_UNSUPPORTED: tuple[str, ...] = ()
LEFT_OUT = (
    f"entirely off the page and beyond the native model's range (±{MAX_MM:g} mm), so it was left out, and with "
    "every object of this canvas left out there is nothing to print: move the object onto the canvas"
)


@dataclass(frozen=True)
class FabricImport:
    """The result of an import: the native design, and what the caller reports alongside it."""

    design: Design
    notes: tuple[str, ...]  # e.g. fallback fonts used: for preflight / the API response
    sources: tuple[str, ...]  # per native layer, the Fabric object it came from ("objects[2].objects[0]")
    # per Fabric text object ("fabric.objects[3]"), its lines as laid out — also for text drawn as outlines
    text_lines: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # unsupported="approximate": (Fabric field, what was drawn instead) per approximation; preflight warnings
    approximations: tuple[tuple[str, str], ...] = ()
    # a multi-surface document (.surfaces): per native surface prefix ("surfaces.back.", "pages[2]."), the
    # Fabric object of each of that surface's layers ("surfaces.back.objects[3]"); ``sources`` is then empty
    surface_sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    n_assets: int = 0  # image files written into asset_dir (fabric-image-<n>.<ext>)
    # per Fabric object path ("objects[3]", "surfaces.back.objects[1]"): its type, id and name, for messages
    objects: Mapping[str, FabricObject] = field(default_factory=dict)

    def object_of_layer(self, prefix: str, i: int | None) -> FabricObject | None:
        """The Fabric object layer ``i`` of the native surface ``prefix`` ("" for a one-canvas design,
        "surfaces.back.", "pages[2].") was translated from, or None."""
        if i is None:
            return None
        sources = self.surface_sources.get(prefix, ()) if prefix else self.sources
        return object_of(self.objects, sources[i]) if 0 <= i < len(sources) else None

    def warning_lines(self) -> tuple[str, ...]:
        """Each approximation as ``field (Type, id "x"): what was drawn`` (``Rendered.warnings``, the CLI)."""
        return tuple(labelled(self.objects, f, m) for f, m in self.approximations)

    def labelled_notes(self) -> tuple[str, ...]:
        """Every note with its object named (``objects[1].shadow (Image, name "photo"): …``): the API's notes."""
        return tuple(labelled_note(self.objects, n) for n in self.notes)

    def note_lines(self) -> tuple[str, ...]:
        """Each note that is not an approximation too, its object named (``objects[1].shadow (Image): …``)."""
        said = {f"{f}: {m}" for f, m in self.approximations}
        return tuple(labelled_note(self.objects, n) for n in self.notes if n not in said)

    def source_of(self, field: str | None) -> str | None:
        """The Fabric object a native field's layer came from (``layers[2].box`` -> ``objects[1]``,
        ``surfaces.back.layers[0].x`` -> ``surfaces.back.objects[3]``), or None when it names no layer."""
        m = re.match(r"^((?:surfaces\.[a-z][a-z0-9-]*\.|pages\[\d+\]\.)?)layers\[(\d+)\]", field or "")
        if m is None:
            return None
        sources = self.surface_sources.get(m.group(1)) if m.group(1) else self.sources
        i = int(m.group(2))
        return sources[i] if sources is not None and i < len(sources) else None


def is_canvas(data: Any) -> bool:
    """One Fabric canvas (bare ``toJSON()``, or wrapped as ``{"canvas": …, "fabric": …}``) rather than a native
    design (:func:`.loader.is_fabric` also knows a document of several canvases, :mod:`.surfaces`)."""
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
    *,
    asset_start: int = 0,
    engine: Engine | None = None,
) -> FabricImport:
    """Translate Fabric JSON into a native design for ``template``.

    ``data`` is either ``canvas.toJSON()`` output (then ``options.canvas_size`` is required) or the request
    wrapper ``{"canvas": {"width": …, "height": …}, "fabric": <toJSON>, "canvas_covers": "trim"|"bleed"}``.
    Images given as data URLs are written into ``asset_dir`` (the design's base directory for rendering);
    ``asset:<id>`` sources become ``asset_id`` references for the caller's asset loader.
    """
    opts = options or FabricOptions()
    covers = opts.covers
    root, prefix = fabric_root(data)
    if root is not data:
        cov = data.get("canvas_covers")
        if cov is not None and covers is None:
            if cov not in ("trim", "bleed"):
                raise DesignError("canvas_covers is 'trim' or 'bleed'", field="canvas_covers")
            covers = cov
    covers = covers or "trim"
    given = given_size(data, opts)
    if given is not None:
        cw, ch = given
    else:  # toJSON() without a canvas size: a canvas page's own size, or (previews) one inferred (.canvas_size)
        own = template_canvas(template.id)
        if own is None:
            box = (template.bleed_w, template.bleed_h) if covers == "bleed" else (template.trim_w, template.trim_h)
            own = product_canvas(data, opts, *box)
        cw, ch = own
    root = normalise(root)  # Fabric 5 / 6 / 7 differences (.versions)
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
            f"({tw:.1f} x {th:.1f} mm): a canvas {cw:g} px wide for it is {cw:g}x{cw * th / tw:.6g} px; the editor's "
            "canvas must have that shape (or render the canvas without a template, at its own size)",
            field="canvas",
        )
    page = Matrix.scale(k).then(Matrix.translate(ox, oy))
    conv = Converter(fonts, asset_dir, opts, k, page, f"{prefix}objects", engine, template)
    conv.n_assets = asset_start  # several canvases into one folder (.surfaces): file names stay distinct
    if given is None:  # reported: a warning of the render (Rendered.warnings, preflight fabric.approximated)
        what = "the page's own size" if template_canvas(template.id) else f"{template.id}'s aspect ratio"
        conv.approximations.append(
            ("canvas", f"toJSON() has no canvas size; drawn on {cw:g} x {ch:g} px, the objects' extent ({what})")
        )

    layers: list[dict[str, Any]] = []
    # the canvas clipPath (canvas space) clips the background colour, backgroundImage and objects — not the
    # overlayImage, which Fabric paints after applying it (StaticCanvas.renderCanvas)
    canvas_clip = root.get("clipPath")
    if canvas_clip:
        try:
            canvas_clip = with_outline(conv, canvas_clip, f"{prefix}clipPath")
        except DesignError as exc:
            conv.problems.append(exc)
            canvas_clip = None
    clips: tuple[Clip, ...] = ()
    if canvas_clip:
        try:
            clips = clip_chain(canvas_clip, f"{prefix}clipPath", Matrix())
        except DesignError as exc:
            conv.problems.append(exc)
    for key in _CANVAS_UNSUPPORTED:
        if root.get(key) not in (None, "", False):
            problem = DesignError(f"canvas {key} is not supported yet", field=f"{prefix}{key}")
            if opts.unsupported == "approximate":
                conv.approximations.append((problem.field or key, f"{problem.message}; left out"))
            else:
                conv.problems.append(problem)

    def canvas_rect(paint: Any) -> dict[str, Any]:
        """A rect over the whole bleed box filled with the canvas's ``background`` / ``overlay`` paint."""
        bx, by = (-template.bleed_mm - ox) / k, (-template.bleed_mm - oy) / k
        fill: Any = paint
        if isinstance(paint, dict) and paint.get("gradientUnits") != "percentage":
            # a gradient / pattern in canvas px (Fabric fills the canvas from its origin): the rect starts at
            # the bleed box's corner, so shift the paint by as much
            fill = dict(paint, offsetX=_number(paint.get("offsetX")) - bx, offsetY=_number(paint.get("offsetY")) - by)
        size = {"width": template.bleed_w / k, "height": template.bleed_h / k}
        return {"type": "rect", "originX": "left", "originY": "top", "left": bx, "top": by, **size, "fill": fill,
                "strokeWidth": 0}  # fmt: skip

    bg = root.get("background")
    if bg not in (None, ""):
        # the background colour (or gradient) is a rect under everything: an object, so problems are collected
        # and approximated like an object's
        flat = color(bg, f"{prefix}background") if isinstance(bg, str) else None
        if flat is not None and flat[0] is None:
            pass  # transparent
        elif flat is not None and flat[1] >= 1 and not clips:
            conv.add(layers, {"type": "background", "color": flat[0]}, f"{prefix}background")
            conv.opaque_canvas = True  # Porter-Duff operators over it (.compositing)
        else:
            conv.object(canvas_rect(bg), f"{prefix}background", Matrix(), 1.0, layers, clips=clips)
    # Fabric paints: background colour, backgroundImage, objects, overlayImage (any Fabric object)
    if root.get("backgroundImage"):
        conv.object(root["backgroundImage"], f"{prefix}backgroundImage", Matrix(), 1.0, layers, clips=clips)
    # knockout text erases what the canvas holds under it: exact when that is only the objects before it
    plain = bg in (None, "") and not root.get("backgroundImage")
    extra, cut = knockouts(conv, objects, f"{prefix}objects", Matrix()) if plain else ([()] * len(objects), set())
    for i, obj in enumerate(objects):  # matrices stay in canvas px
        if isinstance(obj, dict):  # named in messages (a knockout text is drawn by .text_clip, not .object)
            conv.objects.setdefault(f"{prefix}objects[{i}]", FabricObject.of(f"{prefix}objects[{i}]", obj))
        if i not in cut:
            conv.object(obj, f"{prefix}objects[{i}]", Matrix(), 1.0, layers, clips=(*clips, *extra[i]))
    # then the overlay colour (or gradient / pattern) over everything and the overlayImage, neither clipped by
    # the canvas clipPath (StaticCanvas._renderOverlay after drawClipPathOnCanvas)
    if root.get("overlay") not in (None, ""):
        conv.object(canvas_rect(root["overlay"]), f"{prefix}overlay", Matrix(), 1.0, layers)
    if root.get("overlayImage"):
        conv.object(root["overlayImage"], f"{prefix}overlayImage", Matrix(), 1.0, layers)
    if not layers and conv.left_out:  # nothing left to print: which objects were left out, and why
        conv.problems += [DesignError(LEFT_OUT, field=where) for where in dict.fromkeys(conv.left_out)]
    if conv.problems:  # every problem of every object in one error
        unique = {(p.field, p.message): p for p in conv.problems}
        raise several(list(unique.values()))
    design_json = {"version": 1, "template": template.id, "layers": layers}
    try:
        design = parse_design(design_json)
    except DesignError as exc:  # a value out of the native range (or a bug in the mapping): the object's
        raise fabric_named(exc, conv.origin_of) from None  # property in Fabric's words (objects[0].left)
    approximations = tuple(dict.fromkeys(conv.approximations))
    return FabricImport(
        design,
        tuple(conv.notes),
        tuple(conv.layer_origin),
        dict(conv.text_lines),
        approximations,
        n_assets=conv.n_assets,
        objects=dict(conv.objects),
    )


def _number(v: Any) -> float:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else 0.0
