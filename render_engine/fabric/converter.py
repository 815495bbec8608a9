"""The per-import state and the dispatch over Fabric object types.

:class:`Converter` walks the object tree (:meth:`Converter.object`): it checks the properties every object
shares (type, visibility, opacity, the properties we cannot honour yet), computes the object's canvas
matrix and hands it on — groups to :mod:`.groups`, text to :mod:`.text_objects`, images to :mod:`.images`, every
other vector object to :mod:`.shapes`. Each appends native layers and records, per layer, the Fabric object
it came from (:attr:`Converter.layer_origin`, reported as :attr:`.FabricImport.sources`).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..inputs.font_catalog import FontCatalog
from ..model.errors import DesignError
from ..model.fabric_object import FabricObject
from ..model.geometry import Matrix
from ..model.templates import Template
from ..model.units import MM_PER_PT
from . import svg
from .compositing import blend_of
from .flatten import PORTER_DUFF, flatten
from .groups import group
from .images import image, pattern_sources_inlined
from .object_geometry import inverse, object_matrix
from .options import FabricOptions
from .parse import (
    DEFAULTS_ALL,
    DEFAULTS_GROUP,
    DEFAULTS_IMAGE,
    DEFAULTS_TEXT,
    TEXT_TYPES,
    TYPES,
    check_defaults,
    kind_of,
    num,
    without,
)
from .protocol import Clip, Node
from .shapes import background_color, vector
from .svg import Bounds
from .text_clip import text_clip_outlined
from .text_objects import text

if TYPE_CHECKING:
    from ..engine import Engine


class Converter:
    """Translates the objects of one Fabric canvas into native layers (``layers`` lists passed in)."""

    def __init__(
        self,
        fonts: FontCatalog,
        asset_dir: Path,
        opts: FabricOptions,
        k: float,
        page: Matrix,
        root: str,
        engine: Engine | None = None,
        template: Template | None = None,
    ) -> None:
        self.fonts = fonts
        self.engine = engine  # draws what is flattened (.flatten); None: Porter-Duff operators are refused
        self.template = template
        self.contexts = [0]  # where the current compositing context (the canvas, a cached group) starts
        self.page = page  # canvas px -> trim mm
        self.asset_dir = asset_dir
        self.opts = opts
        self.k = k  # mm per canvas px
        self.root = root
        self.notes: list[str] = []
        self.left_out: list[str] = []  # objects parked beyond the model's range, off the page (.off_page)
        self.layer_origin: list[str] = []  # layer index -> Fabric object path
        self.objects: dict[str, FabricObject] = {}  # Fabric object path -> its type, id and name (for messages)
        self.n_assets = 0
        self.text_lines: dict[str, tuple[str, ...]] = {}
        self.force_svg = 0  # > 0 while translating a group composited as one svg: no native layers
        self.problems: list[DesignError] = []  # refused: every object's problems, raised together at the end
        self.approximations: list[tuple[str, str]] = []  # (field, what was drawn instead): approximate policy
        self.opaque_canvas = False  # the canvas has an opaque background colour (Porter-Duff operators)

    def origin_of(self, field: str | None) -> str:
        """The Fabric object a native design field (``layers[4].box``) came from."""
        m = re.match(r"^layers\[(\d+)\](.*)$", field or "")
        if m and int(m.group(1)) < len(self.layer_origin):
            return self.layer_origin[int(m.group(1))]
        return field or self.root

    def add(self, layers: list[dict[str, Any]], layer: dict[str, Any], where: str) -> None:
        """Append a native layer translated from the Fabric object at ``where``. A layer beyond the native
        model's ±5000 mm (an object parked far off the canvas, or scaled up enormously) is left out when none of
        it reaches the page — Fabric draws nothing there either (noted) — and an unturned rect is cut to the page."""
        box = layer.get("box")
        area = self._area_mm()
        if isinstance(box, dict) and area is not None and not _within(box):
            if self.off_page(box, where):
                return
            x, y, w, h = (float(box[k]) for k in ("x", "y", "width", "height"))
            if layer.get("type") == "shape" and layer.get("shape") == "rect" and not layer.get("rotation"):
                x0, y0 = max(x, area[0]), max(y, area[1])
                x1, y1 = min(x + w, area[2]), min(y + h, area[3])
                if x1 > x0 and y1 > y0 and not layer.get("corner_radius"):
                    layer = {**layer, "box": {**box, "x": x0, "y": y0, "width": x1 - x0, "height": y1 - y0}}
            elif layer.get("type") == "image" and _stretched_plain(layer):
                # an unturned, unclipped image scaled far beyond the page: the part over the page, cropped to
                x0, y0 = max(x, area[0]), max(y, area[1])
                x1, y1 = min(x + w, area[2]), min(y + h, area[3])
                crop = layer.get("crop") or {"x": 0.0, "y": 0.0, "width": 1.0, "height": 1.0}
                if x1 > x0 and y1 > y0:
                    cut = {
                        "x": crop["x"] + (x0 - x) / w * crop["width"],
                        "y": crop["y"] + (y0 - y) / h * crop["height"],
                        "width": (x1 - x0) / w * crop["width"],
                        "height": (y1 - y0) / h * crop["height"],
                    }
                    layer = {
                        **layer,
                        "crop": cut,
                        "box": {**box, "x": x0, "y": y0, "width": x1 - x0, "height": y1 - y0},
                    }
        layers.append(layer)
        self.layer_origin.append(where)

    def off_page(self, box: dict[str, Any], where: str) -> bool:
        """A layer ``box`` beyond the native model's range that does not reach the page at all (whatever its
        rotation about its centre): to be left out, as noted."""
        area = self._area_mm()
        if area is None or _within(box):
            return False
        x, y, w, h = (float(box[k]) for k in ("x", "y", "width", "height"))
        r = (w * w + h * h) ** 0.5 / 2
        cx, cy = x + w / 2, y + h / 2
        if cx + r < area[0] or cx - r > area[2] or cy + r < area[1] or cy - r > area[3]:
            self.notes.append(f"{where}: entirely off the page and beyond the native model's range: left out")
            self.left_out.append(where)
            return True
        return False

    def keeps(self, layer: dict[str, Any]) -> bool:
        """A native shape layer within the native model's range, or one :meth:`add` cuts to the page (an
        unturned, square-cornered rect); else the object is drawn as an svg layer, whose viewBox is cut."""
        box = layer.get("box")
        if box is None or _within(box):
            return True
        return layer.get("shape") == "rect" and not layer.get("rotation") and not layer.get("corner_radius")

    def within_range(self, box: dict[str, Any]) -> bool:
        """Every coordinate of a layer ``box`` within the native model's ±5000 mm."""
        return _within(box)

    def beyond_range(self, m: Matrix, obj: Mapping[str, Any], where: str) -> bool:
        """An object's ``width`` x ``height`` box (centred, through ``m``) reaching beyond the native model's
        range on the page, or its font size beyond the native 2000 pt: drawn as an svg layer cut to the page."""
        w, h = num(obj, "width", 0.0, where), num(obj, "height", 0.0, where)
        to_page = m.then(self.page)
        pts = [to_page.apply((sx * w / 2, sy * h / 2)) for sx in (-1, 1) for sy in (-1, 1)]
        scale = math.sqrt(abs(to_page.a * to_page.d - to_page.b * to_page.c))
        x0, y0 = min(p[0] for p in pts), min(p[1] for p in pts)
        box = {"x": x0, "y": y0, "width": max(p[0] for p in pts) - x0, "height": max(p[1] for p in pts) - y0}
        return num(obj, "fontSize", 40.0, where) * scale / MM_PER_PT > 2000 or not _within(box)

    def area_mm(self) -> tuple[float, float, float, float] | None:
        """The page area a cut layer keeps (:meth:`_area_mm`)."""
        return self._area_mm()

    def _area_mm(self) -> tuple[float, float, float, float] | None:
        """The bleed box (trim mm) and a margin beyond it that no stroke edge or blur of a cut layer reaches
        into the page from; None without a template."""
        t = self.template
        if t is None:
            return None
        margin = max(50.0, 0.1 * max(t.bleed_w, t.bleed_h))
        return (-t.bleed_mm - margin, -t.bleed_mm - margin, t.bleed_w - t.bleed_mm + margin,
                t.bleed_h - t.bleed_mm + margin)  # fmt: skip

    def svg_layer(self, bounds: Bounds, defs: str, body: str, opacity: float) -> dict[str, Any]:
        """A native ``svg`` layer drawing ``body`` (canvas px, with ``defs``) over ``bounds`` (x0, y0, x1, y1);
        bounds beyond the native model's range are cut to the page area (the viewBox clips the drawing)."""
        x0, y0, x1, y1 = bounds
        area = self._area_mm()
        p0 = self.page.apply((x0, y0))
        box_now = {"x": p0[0], "y": p0[1], "width": (x1 - x0) * self.k, "height": (y1 - y0) * self.k}
        if area is not None and not _within(box_now):
            to_px = inverse(self.page)
            (ax0, ay0), (ax1, ay1) = to_px.apply(area[:2]), to_px.apply(area[2:])
            cx0, cy0 = max(x0, min(ax0, ax1)), max(y0, min(ay0, ay1))
            cx1, cy1 = min(x1, max(ax0, ax1)), min(y1, max(ay0, ay1))
            if cx1 > cx0 and cy1 > cy0:
                x0, y0, x1, y1 = cx0, cy0, cx1, cy1
        p0 = self.page.apply((x0, y0))
        return {
            "type": "svg",
            "svg": svg.document((x0, y0, x1, y1), defs, body),  # cut: the viewBox is the part kept
            "box": {"x": p0[0], "y": p0[1], "width": (x1 - x0) * self.k, "height": (y1 - y0) * self.k},
            "fit": "stretch",
            "opacity": round(opacity, 6),
        }

    def object(
        self,
        obj: Any,
        where: str,
        parent: Matrix,
        parent_opacity: float,
        layers: list[dict[str, Any]],
        in_group: bool = False,
        clips: tuple[Clip, ...] = (),
    ) -> None:
        """Translate one object; ``clips`` are the clipPaths of the groups around it (outermost first).

        A problem is not raised here: it is collected (:attr:`problems`), so one error lists every object's
        problems; with ``unsupported="approximate"`` the object is translated again without the property at
        fault (a gradient or pattern becomes a flat colour), or left out, and each step is recorded in
        :attr:`approximations`.
        """
        if isinstance(obj, dict) and not where.endswith(("background", "overlay")):  # not the canvas' paint rects
            self.objects.setdefault(where, FabricObject.of(where, obj))
        n_layers, n_origin = len(layers), len(self.layer_origin)
        current = obj
        seen: set[str] = set()
        refuse = self.opts.unsupported != "approximate"
        while True:
            try:
                self._object(current, where, parent, parent_opacity, layers, in_group, clips)
                return
            except DesignError as exc:
                del layers[n_layers:]
                del self.layer_origin[n_origin:]
                field = exc.field or where
                if refuse:  # go on without the property at fault, to find the object's other problems too
                    self.problems.extend(p for p in exc.problems or (exc,) if isinstance(p, DesignError))
                simpler = without(current, where, field) if field not in seen else None
                seen.add(field)
                if simpler is None:
                    if not refuse:
                        self.approximations.append((field, f"{_said(exc)}; the object is left out"))
                    return
                current, instead = simpler
                if not refuse:
                    self.approximations.append((field, f"{_said(exc)}; drawn {instead}"))

    def _image_stroke(self, node: Node, layers: list[dict[str, Any]]) -> None:
        """Fabric strokes an image's own rect (width x height, centred), over it or under it by paintFirst."""
        obj = node.obj
        if obj.get("stroke") in (None, "") or num(obj, "strokeWidth", 1.0, node.where) <= 0:
            return
        keys = ("width", "height", "stroke", "strokeWidth", "strokeDashArray", "strokeDashOffset", "strokeLineCap",
                "strokeLineJoin", "strokeMiterLimit", "strokeUniform", "scaleX", "scaleY", "clipPath")  # fmt: skip
        rect = {"type": "rect", "fill": None, **{k: obj[k] for k in keys if k in obj}}
        drawn: list[dict[str, Any]] = []
        vector(self, dataclasses.replace(node, obj=rect, kind="rect"), drawn)
        at = len(layers) - 1 if obj.get("paintFirst") == "stroke" and layers else len(layers)
        layers[at:at] = drawn

    def _object(
        self,
        obj: Any,
        where: str,
        parent: Matrix,
        parent_opacity: float,
        layers: list[dict[str, Any]],
        in_group: bool = False,
        clips: tuple[Clip, ...] = (),
    ) -> None:
        if not isinstance(obj, dict):
            raise DesignError("a Fabric object is a JSON object", field=where)
        kind = kind_of(obj.get("type"))
        if kind is None:
            raise DesignError(
                f"unsupported Fabric object type; supported: {', '.join(sorted(set(TYPES.values())))}",
                field=f"{where}.type",
            )
        if obj.get("visible", True) is False:
            return
        table = dict(DEFAULTS_ALL)
        table.update(DEFAULTS_TEXT if kind in TEXT_TYPES else {})
        table.update(DEFAULTS_IMAGE if kind == "image" else DEFAULTS_GROUP if kind == "group" else {})
        check_defaults(obj, where, table)
        eraser = obj.get("eraser")  # Fabric 5's EraserBrush: erased strokes kept with the object
        if isinstance(eraser, dict) and eraser.get("objects"):
            raise DesignError("Fabric 5's eraser (erased strokes) is not supported", field=f"{where}.eraser")
        obj = pattern_sources_inlined(self, obj, where)  # a pattern tile file next to the design
        obj = text_clip_outlined(self, obj, where)  # a text clipPath: its laid-out glyph outlines
        opacity = parent_opacity * num(obj, "opacity", 1.0, where)
        if not 0 <= opacity <= 1:
            raise DesignError("opacity must be between 0 and 1", field=f"{where}.opacity")
        m = object_matrix(obj, where, kind).then(parent)
        can_flatten = self.engine is not None and not self.force_svg
        # over an opaque canvas (not inside a cached group's own, transparent, cache) source-atop is plain
        blend = blend_of(obj, where, self.opaque_canvas and len(self.contexts) == 1, can_flatten)
        if opacity == 0 or blend is None:
            return
        if blend in PORTER_DUFF:  # drawn with what lies under it in its context, as one image
            source: list[dict[str, Any]] = []
            n_origin = len(self.layer_origin)
            plain = {**obj, "globalCompositeOperation": "source-over"}
            self._object(plain, where, parent, parent_opacity, source, in_group, clips)
            del self.layer_origin[n_origin:]
            flatten(self, layers, self.contexts[-1], source, blend, where)
            return
        if blend != "normal" and self.force_svg:
            raise DesignError(
                "a blend mode inside a translucent or shadowed group is not supported",
                field=f"{where}.globalCompositeOperation",
            )
        start = len(layers)
        node = Node(obj, where, kind, m, opacity, in_group, clips)
        has_bg = obj.get("backgroundColor") not in (None, "")
        if has_bg and kind not in TEXT_TYPES and kind != "group":  # text: under its shadow; groups: below
            background_color(self, node, layers)
        if kind == "group":
            group(self, node, parent_opacity, layers)
        elif kind in TEXT_TYPES:
            text(self, node, layers)
        elif kind == "image":
            image(self, node, layers)
            self._image_stroke(node, layers)
        else:
            vector(self, node, layers)
        if blend != "normal":  # the whole object (shadow and background included) composites with it
            for layer in layers[start:]:
                layer["blend"] = blend


def _said(exc: DesignError) -> str:
    """An approximation's reason: the message, and what only a local caller sees (the file path tried: only a
    file rendered from disk names files, never an API request)."""
    return f"{exc.message} ({exc.local_detail})" if exc.local_detail else exc.message


def _within(box: dict[str, Any]) -> bool:
    """A box the native model accepts (every coordinate within ±MAX_MM)."""
    from ..model.design_base import MAX_MM

    x, y, w, h = (float(box[k]) for k in ("x", "y", "width", "height"))
    return all(abs(v) <= MAX_MM for v in (x, y, w, h, x + w, y + h))


def _stretched_plain(layer: dict[str, Any]) -> bool:
    """An image layer whose box shows its (cropped) source stretched, unturned and unclipped: a cut box is a crop."""
    crop = layer.get("crop")
    return (
        layer.get("fit") == "stretch"
        and not layer.get("rotation")
        and not layer.get("clip")
        and not layer.get("clips")
        and (crop is None or isinstance(crop, dict))
    )
