"""Fabric gradients as native paints (:mod:`render_engine.model.paint`): vector gradients in both backends.

Fabric draws a gradient in a space it builds from the object: ``translate(-width/2 + offsetX,
-height/2 + offsetY)`` in the object's centred local space, ``scale(width, height)`` for
``gradientUnits: "percentage"``, then ``gradientTransform``; a canvas background gradient in canvas px,
moved by its offset, then ``gradientTransform``. The native paint gets that whole chain (and the object's
matrix, and canvas px -> trim mm) as one ``transform`` in absolute units, so it lands exactly where Fabric
puts it whatever the object's rotation, scale or skew. ``coords`` x1, y1, r1 (start circle) and x2, y2, r2
(end circle) are Canvas 2D's, which are SVG 2's focal and end circles.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..model.errors import DesignError
from ..model.geometry import Matrix
from .parse import color, num


def gradient_stops(g: Mapping[str, Any], at: str) -> list[dict[str, Any]]:
    """A Fabric gradient's ``colorStops`` as native stops (sorted; colour alpha times stop opacity)."""
    stops = g.get("colorStops")
    if not isinstance(stops, list) or not stops:
        raise DesignError("a gradient needs colorStops", field=f"{at}.colorStops")
    out: list[dict[str, Any]] = []
    for j, st in enumerate(stops):
        if not isinstance(st, dict):
            raise DesignError("a colour stop is {offset, color, opacity}", field=f"{at}.colorStops[{j}]")
        col, alpha = color(st.get("color"), f"{at}.colorStops[{j}].color")
        alpha *= num(st, "opacity", 1.0, f"{at}.colorStops[{j}]")
        off = min(max(num(st, "offset", 0.0, f"{at}.colorStops[{j}]"), 0.0), 1.0)
        out.append(
            {"offset": off, "color": col or "#000000", "opacity": round(max(0.0, min(1.0, alpha)), 6) if col else 0.0}
        )
    out.sort(key=lambda s: s["offset"])
    return out


def native_gradient(
    g: Mapping[str, Any],
    at: str,
    percentage_of: tuple[float, float] | None,
    origin: tuple[float, float],
    to_page: Matrix,
) -> dict[str, Any]:
    """The native paint for the Fabric gradient ``g`` (at field ``at``). Its space starts at ``origin`` +
    (offsetX, offsetY) in the plane ``to_page`` carries to trim mm; ``percentage_of`` is the (width, height)
    that ``gradientUnits: "percentage"`` scales by (None: pixels always, as for the canvas background)."""
    kind = g.get("type")
    if kind not in ("linear", "radial"):
        raise DesignError("patterns are not supported yet; gradients are linear or radial", field=f"{at}.type")
    coords = g.get("coords")
    if not isinstance(coords, dict):
        raise DesignError("a gradient needs coords", field=f"{at}.coords")
    c = {n: num(coords, n, 0.0, f"{at}.coords") for n in ("x1", "y1", "x2", "y2", "r1", "r2")}
    m = Matrix()
    gt = g.get("gradientTransform")
    if gt:
        if not isinstance(gt, list) or len(gt) != 6:
            raise DesignError("gradientTransform is a 6-number matrix", field=f"{at}.gradientTransform")
        m = Matrix(*(num({"v": v}, "v", None, f"{at}.gradientTransform") for v in gt))
    if percentage_of is not None and g.get("gradientUnits") == "percentage":
        m = m.then(Matrix.scale(*percentage_of))
    ox, oy = num(g, "offsetX", 0.0, at), num(g, "offsetY", 0.0, at)
    m = m.then(Matrix.translate(origin[0] + ox, origin[1] + oy)).then(to_page)
    if abs(m.a * m.d - m.b * m.c) < 1e-12:
        raise DesignError("the gradient's transform has no area", field=f"{at}.gradientTransform")
    paint: dict[str, Any] = {
        "type": kind,
        "units": "absolute",
        "transform": [round(v, 9) for v in (m.a, m.b, m.c, m.d, m.e, m.f)],
        "stops": gradient_stops(g, at),
    }
    if kind == "linear":
        paint.update(x1=c["x1"], y1=c["y1"], x2=c["x2"], y2=c["y2"])
    else:
        if c["r1"] < 0 or c["r2"] < 0:
            raise DesignError("gradient radii must not be negative", field=f"{at}.coords")
        paint.update(fx=c["x1"], fy=c["y1"], fr=c["r1"], cx=c["x2"], cy=c["y2"], r=c["r2"])
    return paint


def native_pattern(p: Mapping[str, Any], at: str, origin: tuple[float, float], to_page: Matrix) -> dict[str, Any]:
    """A Fabric ``Pattern`` fill as a native pattern paint. Fabric draws ``createPattern(source, repeat)`` —
    one tile is the source image at its own pixel size — moved by ``origin`` + (offsetX, offsetY) in the
    object's local space, then ``patternTransform``. The source is a data URL (nothing is fetched)."""
    import base64
    import binascii
    import re

    import pyvips

    from ..inputs.png_chunks import refuse_png_bombs

    src = p.get("source")
    m = re.match(r"^data:image/(png|jpeg|jpg);base64,", src[:40]) if isinstance(src, str) else None
    if m is None or not isinstance(src, str):
        raise DesignError(
            "a pattern's source is a PNG or JPEG data: URL or an image file next to the design "
            "(URLs are never fetched)",
            field=f"{at}.source",
        )
    try:
        raw = base64.b64decode(src[m.end() :], validate=True)
        refuse_png_bombs(raw, f"{at}.source")  # the header read inflates a PNG's text chunks
        tile = pyvips.Image.new_from_buffer(raw, "")  # the header only: nothing is decoded here
        w, h = tile.width, tile.height
    except (binascii.Error, ValueError, pyvips.Error):
        raise DesignError("the pattern's source is not a readable image", field=f"{at}.source") from None
    if w * h > 16_000_000:
        raise DesignError("a pattern tile may have at most 16 megapixels", field=f"{at}.source")
    repeat = p.get("repeat") or "repeat"
    if repeat not in ("repeat", "repeat-x", "repeat-y", "no-repeat"):
        raise DesignError("repeat is repeat, repeat-x, repeat-y or no-repeat", field=f"{at}.repeat")
    mt = Matrix()
    pt = p.get("patternTransform")
    if pt:
        if not isinstance(pt, list) or len(pt) != 6:
            raise DesignError("patternTransform is a 6-number matrix", field=f"{at}.patternTransform")
        mt = Matrix(*(num({"v": v}, "v", None, f"{at}.patternTransform") for v in pt))
    ox, oy = num(p, "offsetX", 0.0, at), num(p, "offsetY", 0.0, at)
    mt = mt.then(Matrix.translate(origin[0] + ox, origin[1] + oy)).then(to_page)
    if abs(mt.a * mt.d - mt.b * mt.c) < 1e-12:
        raise DesignError("the pattern's transform has no area", field=f"{at}.patternTransform")
    return {
        "type": "pattern",
        "image": src,
        "width": float(w),
        "height": float(h),
        "repeat": repeat,
        "units": "absolute",
        "transform": [round(v, 9) for v in (mt.a, mt.b, mt.c, mt.d, mt.e, mt.f)],
    }
