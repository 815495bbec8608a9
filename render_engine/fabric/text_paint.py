"""Gradient fills on text: a Fabric gradient as the native text layer's paint (a linear or radial gradient
in absolute units whose transform carries Fabric's gradient space onto the page).

Fabric draws a text gradient in the object's top-left-based space (``translate(-width/2 + offsetX,
-height/2 + offsetY)``, ``scale(width, height)`` for ``gradientUnits: percentage``, then
``gradientTransform``: Text.handleFiller / _applyPatternGradientTransform). Text on a path draws each
character in its own frame (translated to its point on the path, turned to the tangent) with the fill set
inside it, so every character sees the gradient as if it stood at the object's centre: the engine gives
each character its own span with the gradient in that frame (:func:`per_character_spans`), which is how
Fabric's own render looks.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..inputs.font_catalog import FontCatalog
from ..layout.text import TextBlock
from ..model.errors import DesignError
from ..model.geometry import Matrix
from .paints import native_pattern
from .parse import color, num


def is_gradient(value: Any) -> bool:
    """A Fabric gradient or pattern (a paint that is not one colour)."""
    return isinstance(value, dict) and value.get("type") in ("linear", "radial", "pattern")


def representative(g: Mapping[str, Any], where: str) -> str:
    """One colour standing for the gradient (the mean of its stops) or pattern (the mean of its tile), where
    one colour is needed."""
    if g.get("type") == "pattern":
        return _tile_mean(g, where)
    rgbs = []
    for j, st in enumerate(g.get("colorStops") or []):
        hex_, _a = color(st.get("color") if isinstance(st, dict) else None, f"{where}.colorStops[{j}].color")
        if hex_ is not None:
            rgbs.append(tuple(int(hex_[i : i + 2], 16) for i in (1, 3, 5)))
    if not rgbs:
        return "#000000"
    r, gg, b = (round(sum(c[i] for c in rgbs) / len(rgbs)) for i in range(3))
    return f"#{r:02x}{gg:02x}{b:02x}"


def _tile_mean(p: Mapping[str, Any], where: str) -> str:
    import base64

    import pyvips

    tile = native_pattern(p, where, (0.0, 0.0), Matrix())  # validates the source
    raw = base64.b64decode(str(tile["image"]).split(",", 1)[1])
    im = pyvips.Image.new_from_buffer(raw, "").colourspace("srgb")
    bands = [round(im.extract_band(i).avg()) for i in range(3)] if im.bands >= 3 else [round(im.avg())] * 3
    return "#" + "".join(f"{max(0, min(255, v)):02x}" for v in bands)


def gradient_paint(g: Mapping[str, Any], where: str, w: float, h: float, to_page: Matrix) -> dict[str, Any]:
    """The native paint (JSON) of Fabric gradient or pattern ``g`` on an object ``w`` x ``h`` px whose local
    (centred) px map to page mm by ``to_page``."""
    kind = g.get("type")
    if kind == "pattern":
        return native_pattern(g, where, (-w / 2, -h / 2), to_page)
    coords = g.get("coords")
    if not isinstance(coords, dict):
        raise DesignError("a gradient needs coords", field=f"{where}.coords")
    c = {n: num(coords, n, 0.0, f"{where}.coords") for n in ("x1", "y1", "x2", "y2", "r1", "r2")}
    raw_stops = g.get("colorStops")
    if not isinstance(raw_stops, list) or not raw_stops:
        raise DesignError("a gradient needs colorStops", field=f"{where}.colorStops")
    stops: list[dict[str, Any]] = []
    for j, st in enumerate(raw_stops):
        at = f"{where}.colorStops[{j}]"
        if not isinstance(st, dict):
            raise DesignError("a colour stop is {offset, color, opacity}", field=at)
        col, alpha = color(st.get("color"), f"{at}.color")
        alpha *= num(st, "opacity", 1.0, at)
        offset = min(max(num(st, "offset", 0.0, at), 0.0), 1.0)
        stops.append({"offset": offset, "color": col or "#000000", "opacity": min(max(alpha if col else 0.0, 0), 1)})
    stops.sort(key=lambda s: float(s["offset"]))
    m = Matrix()
    gt = g.get("gradientTransform")
    if gt:
        if not isinstance(gt, list) or len(gt) != 6:
            raise DesignError("gradientTransform is a 6-number matrix", field=f"{where}.gradientTransform")
        m = Matrix(*(num({"v": v}, "v", None, f"{where}.gradientTransform") for v in gt))
    if g.get("gradientUnits") == "percentage":
        m = m.then(Matrix.scale(w, h))
    m = m.then(Matrix.translate(-w / 2 + num(g, "offsetX", 0.0, where), -h / 2 + num(g, "offsetY", 0.0, where)))
    m = m.then(to_page)
    out: dict[str, Any] = {
        "type": kind,
        "units": "absolute",
        "transform": [m.a, m.b, m.c, m.d, m.e, m.f],
        "stops": stops,
    }
    if kind == "linear":
        out.update(x1=c["x1"], y1=c["y1"], x2=c["x2"], y2=c["y2"])
    else:  # canvas: circle 1 (x1, y1, r1) -> circle 2 (x2, y2, r2) = focal circle -> end circle
        out.update(fx=c["x1"], fy=c["y1"], fr=max(c["r1"], 0.0), cx=c["x2"], cy=c["y2"], r=max(c["r2"], 0.0))
    return out


def per_character_spans(
    spans: list[dict[str, Any]],
    flat: TextBlock,
    fonts: FontCatalog,
    to_local: Matrix,
    make: Any,
) -> list[dict[str, Any]]:
    """Spans giving every laid-out character of path text its own paint ``make(frame)``, where ``frame``
    maps the character's frame (origin at its advance centre on the baseline, x along the path) to the
    object's local px; existing spans' other properties are kept."""
    by_char: dict[int, dict[str, Any]] = {}
    for g in flat.glyphs:
        if g.cluster in by_char:
            continue
        face = fonts.face_by_id(g.face_id)
        half = face.hb_font.get_glyph_h_advance(g.gid) / 2
        m = g.matrix.then(to_local)
        ox, oy = m.apply((half, 0.0))
        frame = Matrix.rotate(math.degrees(math.atan2(m.b, m.a))).then(Matrix.translate(ox, oy))
        base = next((s for s in spans if s["start"] <= g.cluster < s["end"]), {})
        by_char[g.cluster] = {**base, "start": g.cluster, "end": g.cluster + 1, "color": make(frame)}
    rest = [s for s in spans if not any(s["start"] <= i < s["end"] for i in by_char)]
    return sorted([*rest, *by_char.values()], key=lambda s: s["start"])
