"""The editor canvas size in px: given (options, the wrapper's ``canvas``, ``width`` / ``height`` beside the
objects), or — Fabric's ``toJSON()`` does not record it — inferred from what the canvas holds.

A bare ``toJSON()`` rendered as it is (no product) takes the smallest canvas from the origin that holds every
visible object and the background image (a storefront's background rect or photo covers its canvas, so this
is the editor's canvas; at worst empty margin right or below is lost, nothing drawn is); the import says so.
On a product the canvas sets the print's scale, so a guess is only taken for previews
(``unsupported: "approximate"``: the inferred size widened to the product's aspect ratio); a print job keeps
the error naming ``canvas``, with the size the objects span as a hint.
"""

from __future__ import annotations

import math
from typing import Any

from ..model.errors import DesignError
from ..model.templates import CANVAS_TEMPLATE_ID
from .object_geometry import dims, object_matrix
from .options import FabricOptions
from .parse import kind_of, num
from .versions import normalise

MISSING = (
    'Fabric\'s toJSON() has no canvas size: send {"canvas": {"width", "height"}, "fabric": …}, add '
    '"width" and "height" beside "objects", or pass --canvas-size WxH'
)


def fabric_root(data: Any) -> tuple[dict[str, Any], str]:
    """The ``toJSON()`` document inside ``data`` (the wrapper's ``fabric``, or ``data`` itself) and the field
    prefix of its paths (``"fabric."`` or ``""``)."""
    if not isinstance(data, dict):
        raise DesignError("a Fabric design is a JSON object", field="design")
    if isinstance(data.get("fabric"), dict):
        return data["fabric"], "fabric."
    return data, ""


def given_size(data: Any, options: FabricOptions | None = None) -> tuple[float, float] | None:
    """The canvas size the request states: ``options.canvas_size``, else the wrapper's ``canvas``, else
    ``width`` / ``height`` beside the objects; None when it states none."""
    opts = options or FabricOptions()
    root, prefix = fabric_root(data)
    size: tuple[float, float] | None = opts.canvas_size
    if size is not None and not (
        isinstance(size, tuple | list)
        and len(size) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in size)
    ):
        raise DesignError("canvas size is (width, height) in px, two numbers", field="canvas")
    if size is None and root is not data and data.get("canvas") is not None:
        c = data["canvas"]
        if not isinstance(c, dict):
            raise DesignError('canvas is {"width": px, "height": px}', field="canvas")
        size = (num(c, "width", None, "canvas"), num(c, "height", None, "canvas"))
    if size is None:
        for doc, pre in ((data, ""), (root, prefix)):
            if isinstance(doc, dict) and ("width" in doc or "height" in doc):
                size = (
                    num(doc, "width", None, pre.rstrip(".") or "canvas"),
                    num(doc, "height", None, pre.rstrip(".") or "canvas"),
                )
                break
    if size is not None and not (size[0] > 0 and size[1] > 0):
        raise DesignError("canvas width and height must be positive", field="canvas")
    return None if size is None else (float(size[0]), float(size[1]))


def objects_extent(data: Any) -> tuple[float, float] | None:
    """The smallest canvas from the origin holding every visible top-level object's (stroke-inclusive,
    transformed) box and the background image, whole px; None when nothing gives one."""
    if not isinstance(data, dict):
        return None
    root = normalise(fabric_root(data)[0])
    items = list(root.get("objects") or []) if isinstance(root.get("objects"), list) else []
    if isinstance(root.get("backgroundImage"), dict):
        items.append(root["backgroundImage"])
    x1 = y1 = 0.0
    for j, obj in enumerate(items):
        kind = kind_of(obj.get("type")) if isinstance(obj, dict) else None
        if kind is None or obj.get("visible") is False:
            continue
        try:
            w, h = dims(obj, f"objects[{j}]", kind)
            sw = num(obj, "strokeWidth", 1.0 if kind != "group" else 0.0, f"objects[{j}]")
            m = object_matrix(obj, f"objects[{j}]", kind)
        except DesignError:
            continue  # the import names it
        for px, py in ((-1, -1), (1, -1), (-1, 1), (1, 1)):
            x, y = m.apply((px * (w + sw) / 2, py * (h + sw) / 2))
            if math.isfinite(x) and math.isfinite(y):
                x1, y1 = max(x1, x), max(y1, y)
    if x1 < 1 or y1 < 1:
        return None
    return float(math.ceil(x1 - 1e-6)), float(math.ceil(y1 - 1e-6))


def canvas_size_of(data: Any, options: FabricOptions | None = None) -> tuple[float, float]:
    """The editor canvas size in px (:func:`given_size`), else — for a canvas rendered as it is — the
    objects' extent (:func:`objects_extent`); an error naming ``canvas`` if neither gives one."""
    size = given_size(data, options)
    if size is None:
        size = objects_extent(data)
    if size is None:
        raise DesignError(MISSING + " (and it holds no object to infer one from)", field="canvas")
    return size


def template_canvas(template_id: str) -> tuple[float, float] | None:
    """A canvas page template's own size in px (``canvas-<w>x<h>``), None for a product."""
    m = CANVAS_TEMPLATE_ID.match(template_id)
    return None if m is None else (float(m.group(1).replace("p", ".")), float(m.group(2).replace("p", ".")))


def product_canvas(data: Any, opts: FabricOptions, box_w: float, box_h: float) -> tuple[float, float]:
    """For a product whose (trim or bleed) box is ``box_w`` x ``box_h`` mm and a request stating no canvas
    size: with ``unsupported: "approximate"`` (a preview) the objects' extent widened to the box's aspect
    ratio; else the error naming ``canvas``, saying what the objects span."""
    ext = objects_extent(data)
    if ext is None:
        raise DesignError(MISSING + " (and it holds no object to infer one from)", field="canvas")
    if opts.unsupported != "approximate":
        raise DesignError(
            f"{MISSING}; the objects span {ext[0]:g} x {ext[1]:g} px from the origin, but on a product the "
            "canvas size sets the print's scale, so it is not guessed for print",
            field="canvas",
        )
    w, h = ext
    ratio = box_w / box_h
    return (w, round(w / ratio, 2)) if w / h >= ratio else (round(h * ratio, 2), h)
