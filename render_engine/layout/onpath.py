"""Curves that text follows: a point and tangent at any arc length along them.

:class:`Curve` measures a path (lines and cubic Béziers, as :class:`~render_engine.model.geometry.Path` holds
them; quadratics and SVG arcs arrive as cubics) by arc length the way Fabric.js does — each Bézier as the
polyline of 100 equal parameter steps (``getPathSegmentsInfo``) — and answers the point at a distance with
the exact tangent of the curve there (``getPointOnPath``). :class:`Circle` is the exact circle of ``arc``
text. Text layout (:mod:`render_engine.layout.text`) places each glyph's advance centre at its distance.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass

from ..inputs.font_catalog import FontFace
from ..model.design import TextLayer
from ..model.geometry import Matrix, Path

#: Béziers are measured as this many equal parameter steps (Fabric's ``pathIterator``).
BEZIER_STEPS = 100


@dataclass(frozen=True)
class _Seg:
    """One drawn segment: a line (p0, p3) or a cubic (p0, p1, p2, p3), with its sampled polyline."""

    pts: tuple[tuple[float, float], ...]  # control points
    ts: tuple[float, ...]  # parameter of each sample
    cum: tuple[float, ...]  # arc length at each sample, from the start of the whole curve

    def point(self, t: float) -> tuple[float, float]:
        p = self.pts
        if len(p) == 2:
            return p[0][0] + (p[1][0] - p[0][0]) * t, p[0][1] + (p[1][1] - p[0][1]) * t
        u = 1 - t
        a, b, c, d = u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t
        return (
            a * p[0][0] + b * p[1][0] + c * p[2][0] + d * p[3][0],
            a * p[0][1] + b * p[1][1] + c * p[2][1] + d * p[3][1],
        )

    def angle(self, t: float) -> float:
        p = self.pts
        if len(p) == 2:
            return math.atan2(p[1][1] - p[0][1], p[1][0] - p[0][0])
        u = 1 - t
        dx = 3 * (u * u * (p[1][0] - p[0][0]) + 2 * u * t * (p[2][0] - p[1][0]) + t * t * (p[3][0] - p[2][0]))
        dy = 3 * (u * u * (p[1][1] - p[0][1]) + 2 * u * t * (p[2][1] - p[1][1]) + t * t * (p[3][1] - p[2][1]))
        if dx == 0 and dy == 0:  # a degenerate end (control point on the end point): the nearby chord
            q, r = self.point(min(1.0, t + 1e-3)), self.point(max(0.0, t - 1e-3))
            return math.atan2(q[1] - r[1], q[0] - r[0])
        return math.atan2(dy, dx)


class Curve:
    """A path measured by arc length. ``at(s)`` -> (x, y, tangent angle in degrees, y down = clockwise)."""

    def __init__(self, path: Path) -> None:
        segs: list[_Seg] = []
        cur: tuple[float, float] | None = None
        start: tuple[float, float] | None = None
        total = 0.0
        for op, pts in path.ops:
            if op == "M":
                cur = start = pts[0]
                continue
            if cur is None or start is None:
                continue
            if op in ("L", "Z"):
                end = pts[0] if op == "L" else start
                length = math.hypot(end[0] - cur[0], end[1] - cur[1])
                if length > 0:
                    segs.append(_Seg((cur, end), (0.0, 1.0), (total, total + length)))
                    total += length
                cur = end
            elif op == "C":
                ctrl = (cur, pts[0], pts[1], pts[2])
                seg = _Seg(ctrl, (), ())
                ts = [0.0]
                cum = [total]
                prev = cur
                for k in range(1, BEZIER_STEPS + 1):
                    t = k / BEZIER_STEPS
                    p = seg.point(t)
                    total += math.hypot(p[0] - prev[0], p[1] - prev[1])
                    ts.append(t)
                    cum.append(total)
                    prev = p
                if cum[-1] > cum[0]:
                    segs.append(_Seg(ctrl, tuple(ts), tuple(cum)))
                cur = pts[2]
        self._origin = start or (0.0, 0.0)  # where a path of no length puts everything
        self._segs = tuple(segs)
        self._starts = tuple(s.cum[0] for s in segs)
        self.length = total

    @property
    def empty(self) -> bool:
        return not self._segs

    def at(self, s: float) -> tuple[float, float, float]:
        """The point at arc length ``s`` and the tangent there (degrees). Beyond either end the curve goes
        on along its end tangent."""
        if not self._segs:
            return self._origin[0] + s, self._origin[1], 0.0
        i = max(0, bisect_right(self._starts, s) - 1)
        seg = self._segs[i]
        if s >= seg.cum[-1] and i == len(self._segs) - 1:  # past the end: straight on
            x, y = seg.point(1.0)
            a = seg.angle(1.0)
            d = s - seg.cum[-1]
            return x + d * math.cos(a), y + d * math.sin(a), math.degrees(a)
        if s <= seg.cum[0]:  # before the start (or exactly at a segment's start)
            x, y = seg.point(0.0)
            a = seg.angle(0.0)
            d = s - seg.cum[0]
            return x + d * math.cos(a), y + d * math.sin(a), math.degrees(a)
        k = max(1, min(len(seg.cum) - 1, bisect_right(seg.cum, s)))
        c0, c1 = seg.cum[k - 1], seg.cum[k]
        f = (s - c0) / (c1 - c0) if c1 > c0 else 0.0
        t = seg.ts[k - 1] + (seg.ts[k] - seg.ts[k - 1]) * f
        if len(seg.pts) == 2:
            x, y = seg.point(t)
        else:  # on the chord between the samples, as Fabric's distance search lands
            p0, p1 = seg.point(seg.ts[k - 1]), seg.point(seg.ts[k])
            x, y = p0[0] + (p1[0] - p0[0]) * f, p0[1] + (p1[1] - p0[1]) * f
        return x, y, math.degrees(seg.angle(t))


@dataclass(frozen=True)
class Circle:
    """The circle of ``arc`` text, measured from the top (``side`` 'top', clockwise) or the bottom ('bottom',
    counter-clockwise), so arc length 0 is the centre of the line."""

    cx: float
    cy: float
    r: float
    top: bool

    def at(self, s: float) -> tuple[float, float, float]:
        theta = s / self.r
        if self.top:
            phi = -math.pi / 2 + theta
            rot_deg = math.degrees(theta)
        else:
            phi = math.pi / 2 - theta
            rot_deg = -math.degrees(theta)
        return self.cx + self.r * math.cos(phi), self.cy + self.r * math.sin(phi), rot_deg


def arc_matrix(
    layer: TextLayer, line_off: float, s: float, x: float, width: float, dy: float, face: FontFace, gid: int
) -> Matrix:
    """Place a glyph on the arc: its advance centre sits on the circle, rotated to the tangent."""
    arc = layer.arc
    assert arc is not None
    cx = arc.center.x if arc.center else layer.box.x + layer.box.width / 2
    cy = arc.center.y if arc.center else layer.box.y + layer.box.height / 2
    adv = face.hb_font.get_glyph_h_advance(gid) * s
    mid = x + adv / 2 - width / 2  # arc length from the centre of the line to the glyph's centre
    r = arc.radius - line_off if arc.side == "top" else arc.radius + line_off
    px, py, rot_deg = Circle(cx, cy, r, arc.side == "top").at(mid)
    local = Matrix(a=s, d=-s, e=-adv / 2, f=-dy)  # glyph centred on its origin, on the baseline
    return local.then(Matrix.rotate(rot_deg)).then(Matrix.translate(px, py))


def path_start(layer: TextLayer, curve: Curve, width: float, align: str) -> float:
    """Where a line of ``width`` mm starts along the path (Fabric's Text._measureLine)."""
    tp = layer.path
    assert tp is not None
    reverse = tp.side == "right"
    length = curve.length
    if align == "center":
        start = (length - width) / 2
    elif align == "right":
        start = 0.0 if reverse else length - width
    else:  # left; justify is not stretched along a path (nor by Fabric)
        start = length - width if reverse else 0.0
    return start + (-tp.start_offset if reverse else tp.start_offset)


def path_matrix(
    layer: TextLayer,
    curve: Curve,
    start: float,
    pen: float,
    width: float,
    line_off: float,
    s: float,
    dy: float,
    face: FontFace,
    gid: int,
) -> Matrix:
    """Place a glyph on the path: its advance centre at its arc length, turned to the tangent; on the
    'right' side the line runs backwards along the path, each glyph turned half a turn."""
    tp = layer.path
    assert tp is not None
    adv = face.hb_font.get_glyph_h_advance(gid) * s
    reverse = tp.side == "right"
    left = start + (width - pen - adv if reverse else pen)
    if curve.length > 0:  # text longer than the path goes round again from its start (Fabric)
        left = math.fmod(left, curve.length)
        if left < 0:
            left += curve.length
    px, py, angle = curve.at(left + adv / 2)
    if reverse:
        angle += 180.0
    asc, desc, _gap = face.extents
    pin = {"baseline": 0.0, "center": (asc - desc) / 2 * s, "ascender": asc * s, "descender": -desc * s}
    local = Matrix(a=s, d=-s, e=-adv / 2, f=-dy + pin[tp.vertical_align] + line_off)
    return local.then(Matrix.rotate(angle)).then(Matrix.translate(px, py))
