"""Vector objects — rect, circle, ellipse, line, triangle, polygon, polyline, path — and every object's
``backgroundColor``.

A rect, ellipse, circle or line becomes a native ``shape`` layer when the native model draws the same
thing (:func:`native_shape`); anything it cannot express (skew, a non-uniformly scaled stroke, dashes,
gradients, a clipPath, a shadow, a group composited as one picture, …) becomes an ``svg`` layer carrying
the object's own geometry and its matrix, plus ``<clipPath>`` / shadow filter (:func:`svg_shape`), so it
stays vector.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..model.errors import DesignError
from ..model.geometry import Matrix
from ..model.units import MM_PER_PT
from . import svg
from .effects import clip_defs, own_cache, own_clips, shadow_filter, split_layer, split_paint
from .object_geometry import centred, decompose, dims, is_arc, outline, path_bounds, transformed_bounds
from .paints import native_gradient, native_pattern
from .parse import TEXT_TYPES, color, line_style, num, path_d, points
from .svg import fmt

if TYPE_CHECKING:
    from .protocol import Converter, Node


@dataclass(frozen=True)
class Paint:
    """How a vector object is painted; a gradient is ``url(#fill)`` / ``url(#stroke)`` (alpha 1)."""

    fill: str | None
    fill_alpha: float
    stroke: str | None  # None also when the stroke width is not positive
    stroke_alpha: float
    width: float  # strokeWidth


def paint(obj: Mapping[str, Any], where: str) -> Paint:
    """An object's fill, stroke and stroke width."""
    fill, fa = ("url(#fill)", 1.0) if isinstance(obj.get("fill"), dict) else color(obj.get("fill"), f"{where}.fill")
    stroke, sa = (
        ("url(#stroke)", 1.0) if isinstance(obj.get("stroke"), dict) else color(obj.get("stroke"), f"{where}.stroke")
    )
    sw = num(obj, "strokeWidth", 1.0, where)
    if sw <= 0:
        stroke = None
    return Paint(fill, fa, stroke, sa, sw)


def gradient(obj: Mapping[str, Any], key: str, where: str, w: float, h: float, pre: str) -> str:
    """A Fabric gradient as an SVG gradient in the object's local (centred) space.

    Fabric draws it in the object's top-left-based space: translate(-w/2 + offsetX, -h/2 + offsetY), then
    scale(w, h) for ``gradientUnits: percentage``, then ``gradientTransform``."""
    g = obj[key]
    at = f"{where}.{key}"
    kind = g.get("type")
    if kind == "pattern":
        return pattern_def(g, key, at, w, h, pre)
    if kind not in ("linear", "radial"):
        raise DesignError("patterns are not supported yet; gradients are linear or radial", field=f"{at}.type")
    coords = g.get("coords")
    if not isinstance(coords, dict):
        raise DesignError("a gradient needs coords", field=f"{at}.coords")
    c = {n: num(coords, n, 0.0, f"{at}.coords") for n in ("x1", "y1", "x2", "y2", "r1", "r2")}
    stops = g.get("colorStops")
    if not isinstance(stops, list) or not stops:
        raise DesignError("a gradient needs colorStops", field=f"{at}.colorStops")
    parsed = []
    for j, st in enumerate(stops):
        if not isinstance(st, dict):
            raise DesignError("a colour stop is {offset, color, opacity}", field=f"{at}.colorStops[{j}]")
        col, alpha = color(st.get("color"), f"{at}.colorStops[{j}].color")
        alpha *= num(st, "opacity", 1.0, f"{at}.colorStops[{j}]")
        off = num(st, "offset", 0.0, f"{at}.colorStops[{j}]")
        parsed.append((min(max(off, 0.0), 1.0), col or "#000000", alpha if col else 0.0))
    parsed.sort(key=lambda t: t[0])
    ox = -w / 2 + num(g, "offsetX", 0.0, at)
    oy = -h / 2 + num(g, "offsetY", 0.0, at)
    tf = [pre, f"translate({fmt(ox)} {fmt(oy)})"]
    if g.get("gradientUnits") == "percentage":
        tf.append(f"scale({fmt(w)} {fmt(h)})")
    gt = g.get("gradientTransform")
    if gt:
        if not isinstance(gt, list) or len(gt) != 6:
            raise DesignError("gradientTransform is a 6-number matrix", field=f"{at}.gradientTransform")
        tf.append("matrix(" + " ".join(fmt(num({"v": v}, "v", None, at)) for v in gt) + ")")
    attrs = f'id="{key}" gradientUnits="userSpaceOnUse" gradientTransform="{" ".join(t for t in tf if t)}"'
    if kind == "linear":
        ends = " ".join(f'{n}="{fmt(c[n])}"' for n in ("x1", "y1", "x2", "y2"))
        el = f"<linearGradient {attrs} {ends}>"
        end = "</linearGradient>"
    else:  # canvas: circle 1 (x1, y1, r1) -> circle 2 (x2, y2, r2); SVG: focal circle -> outer circle
        el = (
            f'<radialGradient {attrs} fx="{fmt(c["x1"])}" fy="{fmt(c["y1"])}" fr="{fmt(c["r1"])}" '
            f'cx="{fmt(c["x2"])}" cy="{fmt(c["y2"])}" r="{fmt(c["r2"])}">'
        )
        end = "</radialGradient>"
    body = "".join(f'<stop offset="{fmt(o)}" stop-color="{col}" stop-opacity="{fmt(a)}"/>' for o, col, a in parsed)
    return el + body + end


def pattern_def(g: Mapping[str, Any], key: str, at: str, w: float, h: float, pre: str) -> str:
    """A Fabric pattern as an SVG ``<pattern>`` in the object's local (centred) space: one tile is the source
    image at its pixel size from (-w/2 + offsetX, -h/2 + offsetY), then ``patternTransform``; a direction
    that does not repeat gets a tile far larger than the image, so the image shows once along it."""
    p = native_pattern(g, at, (-w / 2, -h / 2), Matrix())  # validates; its transform: tile px -> local px
    tw, th, repeat = p["width"], p["height"], p["repeat"]
    big = 1e6
    cw = tw if repeat in ("repeat", "repeat-x") else big
    ch = th if repeat in ("repeat", "repeat-y") else big
    tf = f"{pre} matrix({' '.join(fmt(v) for v in p['transform'])})".strip()
    return (
        f'<pattern id="{key}" patternUnits="userSpaceOnUse" x="0" y="0" width="{fmt(cw)}" height="{fmt(ch)}" '
        f'patternTransform="{tf}"><image href="{p["image"]}" x="0" y="0" width="{fmt(tw)}" height="{fmt(th)}"/>'
        "</pattern>"
    )


def vector(conv: Converter, node: Node, layers: list[dict[str, Any]]) -> None:
    """A vector object as a native ``shape`` layer where one draws the same thing, else an ``svg`` layer."""
    obj, where, kind = node.obj, node.where, node.kind
    p = paint(obj, where)
    if kind == "line":
        p = dataclasses.replace(p, fill=None)  # Fabric strokes a line and never fills it
    if p.fill is None and p.stroke is None:
        return  # nothing visible (Fabric draws nothing either)
    arc = kind == "circle" and is_arc(obj, where)
    native = None
    if not node.clips and not conv.force_svg:
        native = native_outline(conv, node, p) if kind in _OUTLINES or arc else native_shape(conv, node, p)
    if native is not None and not conv.keeps(native):
        native = None  # beyond the native range and not cut by .add: an svg layer, cut to the page
    if native is not None:
        for part in split_layer(native) if split_paint(node.obj, node.opacity, p.fill, p.stroke) else [native]:
            conv.add(layers, part, where)
        return
    conv.add(layers, svg_shape(conv, node, p), where)


def native_shape(conv: Converter, node: Node, p: Paint) -> dict[str, Any] | None:
    """A native shape layer when it draws the same thing, else None (-> svg layer)."""
    obj, where, kind, m = node.obj, node.where, node.kind, node.m
    fill, stroke = p.fill, p.stroke
    if kind not in ("rect", "ellipse", "circle", "line"):
        return None
    if obj.get("clipPath") or obj.get("shadow"):
        return None  # clipped or shadowed: svg layer
    alphas = {a for c, a in ((fill, p.fill_alpha), (stroke, p.stroke_alpha)) if c is not None}
    if len(alphas) != 1:
        return None
    alpha = alphas.pop()
    dec = decompose(m.then(Matrix.scale(conv.k)))
    if dec is None:
        return None
    uniform = bool(obj.get("strokeUniform"))
    if stroke is not None and not uniform and abs(dec.sx - dec.sy) > 1e-9 * max(dec.sx, dec.sy):
        return None  # a non-uniformly scaled stroke varies in width
    w, h = dims(obj, where, kind)
    to_page = m.then(conv.page)

    def paint_of(value: str, key: str) -> Any:
        if not value.startswith("url("):
            return value
        if obj[key].get("type") == "pattern":
            return native_pattern(obj[key], f"{where}.{key}", (-w / 2, -h / 2), to_page)
        return native_gradient(obj[key], f"{where}.{key}", (w, h), (-w / 2, -h / 2), to_page)

    layer: dict[str, Any] = {"type": "shape", "opacity": round(node.opacity * alpha, 6)}
    if stroke is not None:
        # strokeUniform: Fabric strokes after undoing the object's scaling, so width and dashes are canvas px
        unit = conv.k if uniform else dec.sx  # mm per local px along the stroke
        layer["stroke"] = {"color": paint_of(stroke, "stroke"), "width": p.width * unit / MM_PER_PT}
        layer["stroke"].update(stroke_style(obj, where, unit))
        if obj.get("paintFirst") == "stroke":
            layer["paint_order"] = "stroke"
    if kind == "line":
        if stroke is None:
            return None
        x1, y1, x2, y2 = (num(obj, key, 0.0, where) for key in ("x1", "y1", "x2", "y2"))
        mx, my = (x1 + x2) / 2, (y1 + y2) / 2
        full = m.then(conv.page)
        p0, p1 = full.apply((x1 - mx, y1 - my)), full.apply((x2 - mx, y2 - my))
        layer.update(shape="line", start={"x": p0[0], "y": p0[1]}, end={"x": p1[0], "y": p1[1]})
        return layer
    if w <= 0 or h <= 0:
        return None
    pm = m.then(conv.page)
    cx, cy = pm.e, pm.f
    bw, bh = w * dec.sx, h * dec.sy
    layer.update(
        shape="rect" if kind == "rect" else "ellipse",
        box={"x": cx - bw / 2, "y": cy - bh / 2, "width": bw, "height": bh},
        rotation=dec.angle,
    )
    if kind == "rect":
        rx, ry = num(obj, "rx", 0.0, where), num(obj, "ry", 0.0, where)
        if rx or ry:
            if abs(rx * dec.sx - ry * dec.sy) > 1e-6 or rx > w / 2 or ry > h / 2:
                return None
            layer["corner_radius"] = rx * dec.sx
    if fill is not None:
        layer["fill"] = paint_of(fill, "fill")
    return layer


_OUTLINES = frozenset({"triangle", "polygon", "polyline", "path"})
_VECTOR = _OUTLINES | {"rect", "circle", "ellipse", "line"}


def native_outline(conv: Converter, node: Node, p: Paint) -> dict[str, Any] | None:
    """A triangle, polygon, polyline or path as a native ``path`` shape (flat, gradient or pattern paint,
    vector in the PDF) when it draws the same thing, else None (-> svg layer). The outline is carried to
    trim mm through the object's whole matrix (skew included); a stroke needs a matrix without skew whose
    scale is uniform (or ``strokeUniform``), since a native stroke has one width."""
    obj, where, m = node.obj, node.where, node.m
    if obj.get("clipPath") or obj.get("shadow"):
        return None
    alphas = {a for c, a in ((p.fill, p.fill_alpha), (p.stroke, p.stroke_alpha)) if c is not None}
    if len(alphas) != 1:
        return None
    alpha = alphas.pop()
    uniform = bool(obj.get("strokeUniform"))
    unit = conv.k
    if p.stroke is not None:
        dec = decompose(m.then(Matrix.scale(conv.k)))
        if dec is None or (not uniform and abs(dec.sx - dec.sy) > 1e-9 * max(dec.sx, dec.sy)):
            return None
        unit = conv.k if uniform else dec.sx
    to_page = m.then(conv.page)
    cmds = outline(obj, where, node.kind)
    pts = [to_page.apply((c[i], c[i + 1])) for c in cmds for i in range(1, len(c) - 1, 2)]
    if not pts:
        return None
    x0, y0 = min(q[0] for q in pts), min(q[1] for q in pts)
    x1, y1 = max(q[0] for q in pts), max(q[1] for q in pts)
    if x1 - x0 <= 1e-6 or y1 - y0 <= 1e-6:
        return None  # a straight line: the svg layer draws it
    parts = []
    for c in cmds:
        xy = [to_page.apply((c[i], c[i + 1])) for i in range(1, len(c) - 1, 2)]
        parts.append(c[0] + " ".join(f"{x - x0:.6f} {y - y0:.6f}" for x, y in xy))
    w, h = dims(obj, where, node.kind)

    def paint_of(value: str, key: str) -> Any:
        if not value.startswith("url("):
            return value
        if obj[key].get("type") == "pattern":
            return native_pattern(obj[key], f"{where}.{key}", (-w / 2, -h / 2), to_page)
        return native_gradient(obj[key], f"{where}.{key}", (w, h), (-w / 2, -h / 2), to_page)

    layer: dict[str, Any] = {
        "type": "shape",
        "shape": "path",
        "box": {"x": x0, "y": y0, "width": x1 - x0, "height": y1 - y0},
        "d": " ".join(parts),
        "fill_rule": "evenodd" if obj.get("fillRule") == "evenodd" else "nonzero",
        "opacity": round(node.opacity * alpha, 6),
    }
    if p.fill is not None:
        layer["fill"] = paint_of(p.fill, "fill")
    if p.stroke is not None:
        layer["stroke"] = {"color": paint_of(p.stroke, "stroke"), "width": p.width * unit / MM_PER_PT}
        layer["stroke"].update(stroke_style(obj, where, unit))
        if obj.get("paintFirst") == "stroke":
            layer["paint_order"] = "stroke"
    return layer


def stroke_style(obj: Mapping[str, Any], where: str, unit: float) -> dict[str, Any]:
    """A native stroke's dashes, caps, joins and miter limit; ``unit`` is mm per local px of the stroke."""
    cap, join = line_style(obj, where)
    out: dict[str, Any] = {"cap": cap, "join": join}
    out["miter_limit"] = max(1.0, num(obj, "strokeMiterLimit", 4.0, where))
    dash = dash_array(obj, where)
    if dash:
        out["dash"] = [v * unit / MM_PER_PT for v in dash]
        out["dash_offset"] = num(obj, "strokeDashOffset", 0.0, where) * unit / MM_PER_PT
    return out


def dash_array(obj: Mapping[str, Any], where: str) -> list[float]:
    """``strokeDashArray`` (Canvas 2D: an odd-length list repeats twice; all zeros draws solid)."""
    dash = obj.get("strokeDashArray")
    if not dash:
        return []
    if not isinstance(dash, list) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v >= 0 for v in dash
    ):
        raise DesignError("strokeDashArray is a list of lengths", field=f"{where}.strokeDashArray")
    values = [float(v) for v in dash]
    if sum(values) <= 0:
        return []
    return values * 2 if len(values) % 2 else values


def svg_shape(conv: Converter, node: Node, p: Paint) -> dict[str, Any]:
    """The object's own geometry in an SVG document whose viewBox is its bounding box in canvas px."""
    obj, where, kind, m = node.obj, node.where, node.kind, node.m
    fill, fa, stroke, sa, sw = p.fill, p.fill_alpha, p.stroke, p.stroke_alpha, p.width
    w, h = dims(obj, where, kind)
    # strokeUniform: Fabric strokes after ctx.scale(1 / scaling): the geometry is drawn pre-scaled by the
    # object's scaling (``us``) in a space without it, so the stroke width and dashes stay in canvas px
    ux, uy = object_scaling(node) if stroke and obj.get("strokeUniform") else (1.0, 1.0)
    m_obj = m
    if (ux, uy) != (1.0, 1.0):
        if ux <= 0 or uy <= 0:
            raise DesignError("strokeUniform needs a non-zero scale", field=f"{where}.strokeUniform")
        m = Matrix.scale(1 / ux, 1 / uy).then(m)
    pre = f"scale({fmt(ux)} {fmt(uy)})" if (ux, uy) != (1.0, 1.0) else ""  # undone for gradients
    if kind == "rect":
        rx, ry = num(obj, "rx", 0.0, where) * ux, num(obj, "ry", 0.0, where) * uy
        sw_, sh_ = w * ux, h * uy
        el = f'<rect x="{fmt(-sw_ / 2)}" y="{fmt(-sh_ / 2)}" width="{fmt(sw_)}" height="{fmt(sh_)}"'
        if sw_ == 0 or sh_ == 0:  # Fabric strokes a 0-wide / 0-high rect's outline as a line (SVG draws no rect)
            el = f'<path d="M{fmt(-sw_ / 2)} {fmt(-sh_ / 2)}h{fmt(sw_)}v{fmt(sh_)}h{fmt(-sw_)}z"'
        elif rx or ry:
            el += f' rx="{fmt(rx)}" ry="{fmt(ry)}"'
        local = [(-sw_ / 2, -sh_ / 2), (sw_ / 2, sh_ / 2)]
    elif kind == "circle" and is_arc(obj, where):
        # an arc: Canvas 2D's arc() as Béziers (a fill closes it with the chord, as SVG's implicit close does)
        scaled = [
            [c[0], *(float(v) * (ux if i % 2 == 0 else uy) for i, v in enumerate(c[1:]))]
            for c in outline(obj, where, kind)
        ]
        el = f'<path d="{path_d(scaled, f"{where}.path")}"'
        local = [(-w / 2 * ux, -h / 2 * uy), (w / 2 * ux, h / 2 * uy)]
    elif kind in ("ellipse", "circle"):
        el = f'<ellipse cx="0" cy="0" rx="{fmt(w / 2 * ux)}" ry="{fmt(h / 2 * uy)}"'
        local = [(-w / 2 * ux, -h / 2 * uy), (w / 2 * ux, h / 2 * uy)]
    elif kind == "line":
        x1, y1, x2, y2 = (num(obj, key, 0.0, where) for key in ("x1", "y1", "x2", "y2"))
        mx, my = (x1 + x2) / 2, (y1 + y2) / 2
        local = [((x1 - mx) * ux, (y1 - my) * uy), ((x2 - mx) * ux, (y2 - my) * uy)]
        el = f'<line x1="{fmt(local[0][0])}" y1="{fmt(local[0][1])}" x2="{fmt(local[1][0])}" y2="{fmt(local[1][1])}"'
    elif kind == "triangle":
        local = [(-w / 2 * ux, h / 2 * uy), (0.0, -h / 2 * uy), (w / 2 * ux, h / 2 * uy)]
        el = '<polygon points="' + " ".join(f"{fmt(x)},{fmt(y)}" for x, y in local) + '"'
    elif kind in ("polygon", "polyline"):
        local = [(x * ux, y * uy) for x, y in centred(points(obj, where))]
        el = f'<{kind} points="' + " ".join(f"{fmt(x)},{fmt(y)}" for x, y in local) + '"'
    else:  # path
        cmds = obj.get("path")
        path_d(cmds, f"{where}.path")  # validates
        assert isinstance(cmds, list)
        bx, by, bw, bh = path_bounds(cmds)
        pox, poy = bx + bw / 2, by + bh / 2
        scaled = [[c[0], *(float(v) * (ux if i % 2 == 0 else uy) for i, v in enumerate(c[1:]))] for c in cmds]
        d = path_d(scaled, f"{where}.path")
        local = [((bx - pox) * ux, (by - poy) * uy), ((bx + bw - pox) * ux, (by + bh - poy) * uy)]
        el = f'<path transform="translate({fmt(-pox * ux)} {fmt(-poy * uy)})" d="{d}"'
        pre = f"translate({fmt(pox * ux)} {fmt(poy * uy)}) {pre}".strip()
        # path points beyond Fabric's (quirky) bounds are still drawn: widen the viewBox with all points
        nums = [c[1:] for c in scaled if len(c) > 1]
        local += [(float(a[i]) - pox * ux, float(a[i + 1]) - poy * uy) for a in nums for i in range(0, len(a) - 1, 2)]
    attrs = [
        f'fill="{fill}"' if fill else 'fill="none"',
        f'fill-opacity="{fmt(fa)}"' if fill and fa < 1 else "",
        f'fill-rule="{"evenodd" if obj.get("fillRule") == "evenodd" else "nonzero"}"',
    ]
    if stroke:
        cap, join = line_style(obj, where)
        attrs += [
            f'stroke="{stroke}"',
            f'stroke-width="{fmt(sw)}"',
            f'stroke-opacity="{fmt(sa)}"' if sa < 1 else "",
            f'stroke-linecap="{cap}"',
            f'stroke-linejoin="{join}"',
            f'stroke-miterlimit="{fmt(num(obj, "strokeMiterLimit", 4.0, where))}"',
        ]
        dash = dash_array(obj, where)
        if dash:
            attrs.append(f'stroke-dasharray="{" ".join(fmt(v) for v in dash)}"')
            off = num(obj, "strokeDashOffset", 0.0, where)
            if off:
                attrs.append(f'stroke-dashoffset="{fmt(off)}"')
        if obj.get("paintFirst") == "stroke":
            attrs.append('paint-order="stroke"')
    # bounding box in canvas px: geometry corners through the matrix, padded for the stroke
    lx = [q[0] for q in local]
    ly = [q[1] for q in local]
    scale = max(math.hypot(m.a, m.b), math.hypot(m.c, m.d))
    pad = (sw * scale * max(2.0, num(obj, "strokeMiterLimit", 4.0, where)) if stroke else 0.0) + 1.0
    bounds = transformed_bounds(m, (min(lx), min(ly), max(lx), max(ly)), pad)
    defs = "".join(
        gradient(obj, key, where, w, h, pre)
        for key, val in (("fill", fill), ("stroke", stroke))
        if val is not None and val.startswith("url(")
    )
    grow = (sw if stroke else 0.0) * max(2.0, num(obj, "strokeMiterLimit", 4.0, where)) + 1.0
    outer = (min(lx) - grow, min(ly) - grow, max(lx) + grow, max(ly) + grow)
    clip_els, clip_ids = clip_defs(own_clips(obj, where, m_obj, node.clips), m, outer, last_id="clip")
    defs += clip_els
    painted = f"{el} {' '.join(a for a in attrs if a)}/>"
    pieces = [painted]
    if split_paint(obj, node.opacity, fill, stroke):  # Node: fill, then stroke (paintFirst: reversed), each alone
        f_el = f"{el} {' '.join(a for a in attrs if a and not a.startswith(('stroke', 'paint-order')))}/>"
        s_el = f'{el} fill="none" {" ".join(a for a in attrs if a.startswith("stroke"))}/>'
        pieces = [s_el, f_el] if obj.get("paintFirst") == "stroke" else [f_el, s_el]
    bodies = [svg.transformed(svg.clipped(x, clip_ids), m) for x in pieces]
    shadow = obj.get("shadow")
    bg_el = ""
    if shadow and not node.in_group and obj.get("backgroundColor") not in (None, ""):
        # under the object, casting the shadow (with the object when Fabric draws both into its own cache;
        # else the background alone: _renderBackground removes the shadow)
        bcol, balpha = color(obj.get("backgroundColor"), f"{where}.backgroundColor")
        if bcol is not None:
            hx, hy = (w + sw) / 2 * ux, (h + sw) / 2 * uy  # in the (strokeUniform pre-scaled) space of ``m``
            rect = f'<rect x="{fmt(-hx)}" y="{fmt(-hy)}" width="{fmt(2 * hx)}" height="{fmt(2 * hy)}" fill="{bcol}"'
            rect += f' fill-opacity="{fmt(balpha)}"/>' if balpha < 1 else "/>"
            bg_el = svg.transformed(svg.clipped(rect, clip_ids), m)
            bb = transformed_bounds(m, (-hx, -hy, hx, hy), 1.0)
            bounds = (min(bounds[0], bb[0]), min(bounds[1], bb[1]), max(bounds[2], bb[2]), max(bounds[3], bb[3]))
            bodies = [bg_el + bodies[0]] if len(bodies) == 1 else [bg_el, *bodies]  # one cache, or one by one
    if shadow:
        # Fabric (a canvas shadow) blurs and offsets in canvas space, scaled by the object's scaling;
        # an object drawn through its own cache (top level) casts the stroke's shadow too
        if not isinstance(shadow, dict):
            raise DesignError(
                "shadow is a Fabric Shadow object {color, blur, offsetX, offsetY}", field=f"{where}.shadow"
            )
        # drawn through its own cache the whole object casts; drawn straight onto the canvas (Node, and any
        # object in a group) the fill does, the stroke only with affectStroke (_renderStroke removes it)
        cached = own_cache(obj)
        sh_stroke = stroke is not None and (cached or bool(shadow.get("affectStroke")))
        if bg_el and not cached:
            sh_el = ""
        elif sh_stroke:
            sh_el = painted
        elif fill:
            sh_el = f"{el} {' '.join(a for a in attrs if a and not a.startswith('stroke'))}/>"
        else:
            sh_el = ""
        filt, bounds = shadow_filter(shadow, f"{where}.shadow", m_obj, bounds)
        defs += filt
        if sh_el or bg_el:
            # a canvas draws the shadow and then the object, each with the object's globalAlpha: the shadow
            # shows through a translucent object (not under one translucent picture of both)
            cast = svg.filtered(bg_el + (svg.transformed(svg.clipped(sh_el, clip_ids), m) if sh_el else ""), "shadow")
            bodies.insert(0, cast)
    if node.opacity < 1 and len(bodies) > 1:
        op = fmt(node.opacity)
        return conv.svg_layer(bounds, defs, "".join(f'<g opacity="{op}">{b}</g>' for b in bodies), 1.0)
    return conv.svg_layer(bounds, defs, "".join(bodies), node.opacity)


def object_scaling(node: Node) -> tuple[float, float]:
    """Fabric's ``getObjectScaling``: |scaleX|, |scaleY| at the top level, else the QR decomposition of
    the object's whole matrix (groups included)."""
    if not node.in_group:
        return abs(num(node.obj, "scaleX", 1.0, node.where)), abs(num(node.obj, "scaleY", 1.0, node.where))
    m = node.m
    sx = math.hypot(m.a, m.b)
    return sx, abs(m.a * m.d - m.b * m.c) / sx if sx else 0.0


def background_color(conv: Converter, node: Node, layers: list[dict[str, Any]], shadow: Any = None) -> None:
    """Fabric's ``_renderBackground``: a rect of (width + strokeWidth) x (height + strokeWidth) centred on
    the object, under it, clipped with it. With the object's shadow it casts it: alone (Fabric's Node render
    draws it straight onto the canvas, then ``_removeShadow``: an image or an unpainted shape), or with a
    painted vector object in its svg layer, or under text (text_objects); ``shadow``: an uncached group's,
    which its background casts on its own."""
    obj, where, kind = node.obj, node.where, node.kind
    if obj.get("shadow") and kind not in TEXT_TYPES and not node.in_group:
        p = paint(obj, where)
        if kind in _VECTOR and (p.fill is not None or p.stroke is not None):  # in its svg layer (svg_shape)
            return
        if kind == "image" and own_cache(obj):
            raise DesignError(
                "backgroundColor together with a shadow on a clipped image is not supported (Fabric casts the "
                "shadow from its cache: background and picture together)",
                field=f"{where}.backgroundColor",
            )
        # drawn straight onto the canvas (Node), the background alone casts it: _renderBackground fills it with
        # the shadow set, then _removeShadow (an image draws without one; an unpainted shape draws nothing)
        shadow = obj["shadow"]
    w, h = dims(obj, where, kind)
    sw = num(obj, "strokeWidth", 1.0 if kind != "group" else 0.0, where)
    if w + sw <= 0 or h + sw <= 0:
        return
    rect = {
        "type": "rect",
        "width": w + sw,
        "height": h + sw,
        "fill": obj["backgroundColor"],
        "strokeWidth": 0,
        "clipPath": obj.get("clipPath"),  # Fabric clips the object's cache, background included
    }
    if shadow is not None:  # an uncached group's background casts the shadow its group left on the context
        rect["shadow"] = shadow
    if isinstance(rect["fill"], dict):
        raise DesignError("backgroundColor is a CSS colour", field=f"{where}.backgroundColor")
    color(rect["fill"], f"{where}.backgroundColor")  # names the field on a bad colour
    vector(conv, dataclasses.replace(node, obj=rect, where=f"{where}.backgroundColor", kind="rect"), layers)
