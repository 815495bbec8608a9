"""Fabric's geometry: where an object sits (its matrix), its size, and the outlines of its basic shapes.

Fabric places an object by its *origin point* (``left``/``top`` with ``originX``/``originY``); the
object's own drawing is centred on its local origin and transformed by ``T(centre) · R(angle) ·
S(scaleX·flipX, scaleY·flipY) · skewX · skewY``, nested inside its groups' matrices. The box that the
origin refers to is ``(width + strokeWidth) × (height + strokeWidth)`` scaled and skewed — the stroke counts
even when there is no stroke colour. We compute each object's full matrix in canvas pixels
(:func:`object_matrix`); :func:`.importer.import_fabric` then maps canvas pixels uniformly onto the
template's trim (or bleed) box in mm.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..model.errors import DesignError
from ..model.geometry import Matrix
from ..model.geometry import Path as VPath
from .parse import num, path_d, points
from .svg import Bounds, fmt

_ORIGINS = {"left": -0.5, "top": -0.5, "center": 0.0, "right": 0.5, "bottom": 0.5}
_K = 0.5522847498  # cubic Bézier approximation of a quarter circle

#: Path commands in an object's local px: (op, [x, y, x, y, …]).
Cmds = list[tuple[str, list[float]]]


@dataclass(frozen=True)
class Decomposed:
    """A matrix without skew: centre, rotation (degrees, clockwise), axis scales, and a mirror flag."""

    cx: float
    cy: float
    angle: float
    sx: float
    sy: float
    mirrored: bool  # det < 0: mirrored along the object's local y axis after rotation by ``angle``


def decompose(m: Matrix) -> Decomposed | None:
    """``m`` as a :class:`Decomposed`, or None when it skews (or collapses) the plane."""
    sx, sy = math.hypot(m.a, m.b), math.hypot(m.c, m.d)
    if sx == 0 or sy == 0:
        return None
    if abs(m.a * m.c + m.b * m.d) > 1e-9 * sx * sy:  # columns not orthogonal: skewed
        return None
    det = m.a * m.d - m.b * m.c
    return Decomposed(m.e, m.f, math.degrees(math.atan2(m.b, m.a)), sx, sy, det < 0)


def inverse(m: Matrix) -> Matrix:
    """The inverse of ``m``; ValueError for a singular one."""
    det = m.a * m.d - m.b * m.c
    if det == 0:
        raise ValueError("singular matrix")
    a, b, c, d = m.d / det, -m.b / det, -m.c / det, m.a / det
    return Matrix(a, b, c, d, -(a * m.e + c * m.f), -(b * m.e + d * m.f))


def dims(obj: Mapping[str, Any], where: str, kind: str) -> tuple[float, float]:
    """An object's own width and height (circles and ellipses by their radii)."""
    if kind == "circle":
        r = num(obj, "radius", 0.0, where)
        return 2 * r, 2 * r
    if kind == "ellipse":
        return 2 * num(obj, "rx", 0.0, where), 2 * num(obj, "ry", 0.0, where)
    return num(obj, "width", 0.0, where), num(obj, "height", 0.0, where)


def object_matrix(obj: Mapping[str, Any], where: str, kind: str) -> Matrix:
    """Object-local (centred) coordinates -> its parent's plane, as Fabric composes it."""
    w, h = dims(obj, where, kind)
    sw = num(obj, "strokeWidth", 1.0 if kind != "group" else 0.0, where)
    sx, sy = num(obj, "scaleX", 1.0, where), num(obj, "scaleY", 1.0, where)
    if sx <= 0 or sy <= 0:  # .versions.normalise turned negative scales into flips, as Fabric's _set does
        raise DesignError("scale must be positive (Fabric mirrors with flipX / flipY)", field=f"{where}.scaleX")
    skx, sky = num(obj, "skewX", 0.0, where), num(obj, "skewY", 0.0, where)
    angle = num(obj, "angle", 0.0, where)
    fx = -1.0 if obj.get("flipX") else 1.0
    fy = -1.0 if obj.get("flipY") else 1.0
    skew = Matrix(c=math.tan(math.radians(skx))) if skx else Matrix()
    skew = Matrix(b=math.tan(math.radians(sky))).then(skew) if sky else skew  # skewX · skewY
    # transformed size of the stroke-inclusive box (Fabric's _getTransformedDimensions); a strokeUniform
    # stroke is added after scaling and skewing
    post = sw if obj.get("strokeUniform") else 0.0
    dim_x, dim_y = w + sw - post, h + sw - post
    if skx or sky:
        dm = skew.then(Matrix.scale(sx, sy))
        corners = [dm.apply((x, y)) for x in (-dim_x / 2, dim_x / 2) for y in (-dim_y / 2, dim_y / 2)]
        tw = max(p[0] for p in corners) - min(p[0] for p in corners)
        th = max(p[1] for p in corners) - min(p[1] for p in corners)
    else:
        tw, th = dim_x * sx, dim_y * sy
    tw, th = tw + post, th + post
    oxv, oyv = _origin(obj, "originX", where), _origin(obj, "originY", where)
    left, top = num(obj, "left", 0.0, where), num(obj, "top", 0.0, where)
    rot = Matrix.rotate(angle)
    dx, dy = rot.apply((-oxv * tw, -oyv * th))
    cx, cy = left + dx, top + dy
    local = skew.then(Matrix.scale(sx * fx, sy * fy))
    return local.then(rot).then(Matrix.translate(cx, cy))


def _origin(obj: Mapping[str, Any], key: str, where: str) -> float:
    v = obj.get(key, "left" if key == "originX" else "top")
    if isinstance(v, str) and v in _ORIGINS:
        return _ORIGINS[v]
    if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
        return float(v) - 0.5  # Fabric accepts 0..1 as well
    raise DesignError("origin is left/center/right (top/center/bottom) or 0..1", field=f"{where}.{key}")


def centred(pts: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """A polygon's / polyline's points relative to the centre of their bounding box (Fabric's pathOffset)."""
    xs, ys = [q[0] for q in pts], [q[1] for q in pts]
    pox, poy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    return [(x - pox, y - poy) for x, y in pts]


def transformed_bounds(m: Matrix, bounds: Bounds, pad: float) -> Bounds:
    """The box (x0, y0, x1, y1) around ``bounds``' corners through ``m``, padded by ``pad``."""
    lx0, ly0, lx1, ly1 = bounds
    tp = [m.apply((x, y)) for x in (lx0, lx1) for y in (ly0, ly1)]
    x0, y0 = min(p[0] for p in tp) - pad, min(p[1] for p in tp) - pad
    x1, y1 = max(p[0] for p in tp) + pad, max(p[1] for p in tp) + pad
    return x0, y0, x1, y1


def local_bounds(ink: list[VPath], to_local: Matrix, pad: float, w: float, h: float) -> Bounds:
    """x0, y0, x1, y1 in an object's local px covering its ink (page mm paths) and its own box, padded."""
    xs, ys = [-w / 2, w / 2], [-h / 2, h / 2]
    for p in ink:
        b = p.transformed(to_local).bounds()
        if b is not None:
            xs += [b.x, b.x1]
            ys += [b.y, b.y1]
    return min(xs) - pad - 1, min(ys) - pad - 1, max(xs) + pad + 1, max(ys) + pad + 1


def _cubic_bounds(
    x0: float, y0: float, x1: float, y1: float, x2: float, y2: float, x3: float, y3: float
) -> list[tuple[float, float]]:
    """Fabric's getBoundsOfCurve: end points plus the curve's extrema."""
    pts = [(x0, y0), (x3, y3)]
    for p0, p1, p2, p3 in ((x0, x1, x2, x3), (y0, y1, y2, y3)):
        a = -3 * p0 + 9 * p1 - 9 * p2 + 3 * p3
        b = 6 * p0 - 12 * p1 + 6 * p2
        c = 3 * p1 - 3 * p0
        ts: list[float] = []
        if abs(a) < 1e-12:
            if abs(b) > 1e-12:
                ts.append(-c / b)
        else:
            disc = b * b - 4 * c * a
            if disc >= 0:
                sq = math.sqrt(disc)
                ts += [(-b + sq) / (2 * a), (-b - sq) / (2 * a)]
        for t in ts:
            if 0 < t < 1:
                mt = 1 - t
                pts.append(
                    (
                        mt**3 * x0 + 3 * mt * mt * t * x1 + 3 * mt * t * t * x2 + t**3 * x3,
                        mt**3 * y0 + 3 * mt * mt * t * y1 + 3 * mt * t * t * y2 + t**3 * y3,
                    )
                )
    return pts


def path_bounds(cmds: list[list[Any]]) -> tuple[float, float, float, float]:
    """Fabric 6's Path._calcBoundsFromPath as x, y, width, height, quirks included (it decides where the
    path is placed)."""
    pts: list[tuple[float, float]] = []
    sx = sy = x = y = 0.0
    for c in cmds:
        op = c[0]
        if op == "L":
            x, y = c[1], c[2]
            pts += [(sx, sy), (x, y)]
        elif op == "M":
            x, y = c[1], c[2]
            sx, sy = x, y
        elif op == "C":
            pts += _cubic_bounds(x, y, c[1], c[2], c[3], c[4], c[5], c[6])
            x, y = c[5], c[6]
        elif op == "Q":
            pts += _cubic_bounds(x, y, c[1], c[2], c[1], c[2], c[3], c[4])
            x, y = c[3], c[4]
        elif op == "Z":
            x, y = sx, sy
    if not pts:
        return 0.0, 0.0, 0.0, 0.0
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)


def ellipse_cmds(cx: float, cy: float, rx: float, ry: float) -> Cmds:
    """An ellipse as four cubic Béziers."""
    kx, ky = rx * _K, ry * _K
    return [
        ("M", [cx + rx, cy]),
        ("C", [cx + rx, cy + ky, cx + kx, cy + ry, cx, cy + ry]),
        ("C", [cx - kx, cy + ry, cx - rx, cy + ky, cx - rx, cy]),
        ("C", [cx - rx, cy - ky, cx - kx, cy - ry, cx, cy - ry]),
        ("C", [cx + kx, cy - ry, cx + rx, cy - ky, cx + rx, cy]),
        ("Z", []),
    ]


def rect_cmds(w: float, h: float, rx: float, ry: float) -> Cmds:
    """A centred rect, its corners rounded by ``rx``/``ry`` (clamped to half the sides)."""
    x0, y0, x1, y1 = -w / 2, -h / 2, w / 2, h / 2
    rx, ry = min(max(rx, 0.0), w / 2), min(max(ry, 0.0), h / 2)
    if not rx or not ry:
        return [("M", [x0, y0]), ("L", [x1, y0]), ("L", [x1, y1]), ("L", [x0, y1]), ("Z", [])]
    kx, ky = rx * _K, ry * _K
    return [
        ("M", [x0 + rx, y0]),
        ("L", [x1 - rx, y0]),
        ("C", [x1 - rx + kx, y0, x1, y0 + ry - ky, x1, y0 + ry]),
        ("L", [x1, y1 - ry]),
        ("C", [x1, y1 - ry + ky, x1 - rx + kx, y1, x1 - rx, y1]),
        ("L", [x0 + rx, y1]),
        ("C", [x0 + rx - kx, y1, x0, y1 - ry + ky, x0, y1 - ry]),
        ("L", [x0, y0 + ry]),
        ("C", [x0, y0 + ry - ky, x0 + rx - kx, y0, x0 + rx, y0]),
        ("Z", []),
    ]


def cmds_d(cmds: Cmds, m: Matrix) -> str:
    """Path commands through ``m`` as SVG path data."""
    out = []
    for op, args in cmds:
        pts = [m.apply((args[i], args[i + 1])) for i in range(0, len(args), 2)]
        out.append(op + " ".join(f"{fmt(x)} {fmt(y)}" for x, y in pts))
    return " ".join(out)


def is_arc(obj: Mapping[str, Any], where: str) -> bool:
    """Whether a circle is an arc (startAngle/endAngle, degrees, not a whole turn)."""
    start, end = num(obj, "startAngle", 0.0, where), num(obj, "endAngle", 360.0, where)
    return (end - start) % 360 != 0


def arc_outline(obj: Mapping[str, Any], where: str) -> list[list[Any]]:
    """Canvas ``arc(0, 0, radius, start, end, counterClockwise)`` as cubic Béziers (at most 90° each); a fill
    closes it with the chord, as Canvas 2D does."""
    r = num(obj, "radius", 0.0, where)
    a0, a1 = math.radians(num(obj, "startAngle", 0.0, where)), math.radians(num(obj, "endAngle", 360.0, where))
    ccw = bool(obj.get("counterClockwise"))
    sweep = (a1 - a0) % (2 * math.pi) if not ccw else -((a0 - a1) % (2 * math.pi))
    n = max(1, math.ceil(abs(sweep) / (math.pi / 2) - 1e-9))
    step = sweep / n
    k = 4 / 3 * math.tan(step / 4)
    cmds: list[list[Any]] = [["M", r * math.cos(a0), r * math.sin(a0)]]
    for i in range(n):
        t0, t1 = a0 + i * step, a0 + (i + 1) * step
        c0, s0, c1, s1 = math.cos(t0), math.sin(t0), math.cos(t1), math.sin(t1)
        cmds.append(["C", r * (c0 - k * s0), r * (s0 + k * c0), r * (c1 + k * s1), r * (s1 - k * c1), r * c1, r * s1])
    return cmds


def outline(obj: Mapping[str, Any], where: str, kind: str) -> list[list[Any]]:
    """A triangle's, polygon's, polyline's, path's or circle arc's outline as path commands in its centred
    local px."""
    if kind == "circle":
        return arc_outline(obj, where)
    w, h = dims(obj, where, kind)
    if kind in ("triangle", "polygon", "polyline"):
        pts = [(-w / 2, h / 2), (0.0, -h / 2), (w / 2, h / 2)] if kind == "triangle" else centred(points(obj, where))
        cmds: list[list[Any]] = [["M", *pts[0]], *(["L", x, y] for x, y in pts[1:])]
        return [*cmds, ["Z"]] if kind != "polyline" else cmds
    raw = obj.get("path")
    path_d(raw, f"{where}.path")  # validates
    assert isinstance(raw, list)
    bx, by, bw, bh = path_bounds(raw)
    pox, poy = bx + bw / 2, by + bh / 2  # Fabric's pathOffset
    return [[c[0], *(float(v) - (pox if i % 2 == 0 else poy) for i, v in enumerate(c[1:]))] for c in raw]
