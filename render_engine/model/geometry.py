"""Vector geometry shared by every backend: rectangles, affine matrices and outline paths (mm).

A :class:`Path` is a normalised list of drawing operations — moveTo, lineTo, cubic curveTo, closePath —
in page millimetres. Glyph outlines, clip shapes, template masks and shapes all become Paths once, during
layout; the raster backend writes them as SVG path data, the PDF backend as PDF path operators.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from fontTools.pens.basePen import BasePen

from .deadline import check as check_deadline

if TYPE_CHECKING:  # numpy loads with the first transformed path (a cold render of no glyphs never needs it)
    import numpy as np

Point = tuple[float, float]
Op = tuple[str, tuple[Point, ...]]  # ("M"|"L"|"C"|"Z", points)


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float

    @property
    def x1(self) -> float:
        return self.x + self.w

    @property
    def y1(self) -> float:
        return self.y + self.h

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    def intersects(self, other: Rect) -> bool:
        return self.x < other.x1 and other.x < self.x1 and self.y < other.y1 and other.y < self.y1

    def contains(self, other: Rect, tol: float = 1e-6) -> bool:
        return (
            other.x >= self.x - tol
            and other.y >= self.y - tol
            and other.x1 <= self.x1 + tol
            and other.y1 <= self.y1 + tol
        )

    def inset(self, d: float) -> Rect:
        return Rect(self.x + d, self.y + d, self.w - 2 * d, self.h - 2 * d)


@dataclass(frozen=True)
class Matrix:
    """Affine map (x, y) -> (a*x + c*y + e, b*x + d*y + f), as in PDF and SVG."""

    a: float = 1.0
    b: float = 0.0
    c: float = 0.0
    d: float = 1.0
    e: float = 0.0
    f: float = 0.0

    def apply(self, p: Point) -> Point:
        x, y = p
        return (self.a * x + self.c * y + self.e, self.b * x + self.d * y + self.f)

    def then(self, other: Matrix) -> Matrix:
        """This map followed by ``other``."""
        o = other
        return Matrix(
            a=o.a * self.a + o.c * self.b,
            b=o.b * self.a + o.d * self.b,
            c=o.a * self.c + o.c * self.d,
            d=o.b * self.c + o.d * self.d,
            e=o.a * self.e + o.c * self.f + o.e,
            f=o.b * self.e + o.d * self.f + o.f,
        )

    def is_identity(self) -> bool:
        return self == IDENTITY

    @staticmethod
    def translate(tx: float, ty: float) -> Matrix:
        return Matrix(e=tx, f=ty)

    @staticmethod
    def scale(sx: float, sy: float | None = None) -> Matrix:
        return Matrix(a=sx, d=sx if sy is None else sy)

    @staticmethod
    def rotate(degrees: float, cx: float = 0.0, cy: float = 0.0) -> Matrix:
        """Clockwise on the page (y grows down), about (cx, cy)."""
        r = math.radians(degrees)
        cos, sin = math.cos(r), math.sin(r)
        rot = Matrix(a=cos, b=sin, c=-sin, d=cos)
        return Matrix.translate(-cx, -cy).then(rot).then(Matrix.translate(cx, cy))


IDENTITY = Matrix()


class _Recorder(BasePen):
    """Records a pen's drawing as normalised ops; quadratic curves become cubics (BasePen does that)."""

    def __init__(self, matrix: Matrix = IDENTITY) -> None:
        super().__init__(glyphSet=None)
        self.ops: list[Op] = []
        self.m = matrix

    def _moveTo(self, pt: Point) -> None:
        self.ops.append(("M", (self.m.apply(pt),)))

    def _lineTo(self, pt: Point) -> None:
        self.ops.append(("L", (self.m.apply(pt),)))

    def _curveToOne(self, p1: Point, p2: Point, p3: Point) -> None:
        self.ops.append(("C", (self.m.apply(p1), self.m.apply(p2), self.m.apply(p3))))

    def _closePath(self) -> None:
        self.ops.append(("Z", ()))

    def _endPath(self) -> None:
        pass


SCALAR_TRANSFORMS = 400
"""Glyph transforms a process does without numpy before it loads numpy for the rest (see Path.transformed)."""
_scalar_transforms = SCALAR_TRANSFORMS


@dataclass(frozen=True)
class Path:
    ops: tuple[Op, ...]
    evenodd: bool = False

    @staticmethod
    def from_svg(d: str, matrix: Matrix = IDENTITY, evenodd: bool = False) -> Path:
        rec = _Recorder(matrix)
        from fontTools.svgLib.path import parse_path  # ~10 ms: only designs and templates with SVG paths

        parse_path(d, rec)
        return Path(tuple(rec.ops), evenodd)

    @staticmethod
    def from_pen_drawing(draw: Any, matrix: Matrix = IDENTITY) -> Path:
        """``draw(pen)`` draws with a fontTools-style pen (e.g. a glyph outline)."""
        rec = _Recorder(matrix)
        draw(rec)
        return Path(tuple(rec.ops))

    @staticmethod
    def rect(r: Rect) -> Path:
        return Path(
            (
                ("M", ((r.x, r.y),)),
                ("L", ((r.x1, r.y),)),
                ("L", ((r.x1, r.y1),)),
                ("L", ((r.x, r.y1),)),
                ("Z", ()),
            )
        )

    @staticmethod
    def rounded_rect(r: Rect, radius: float) -> Path:
        rad = max(0.0, min(radius, r.w / 2, r.h / 2))
        if rad == 0:
            return Path.rect(r)
        x0, y0, x1, y1 = r.x, r.y, r.x1, r.y1
        d = (
            f"M{x0 + rad} {y0}H{x1 - rad}A{rad} {rad} 0 0 1 {x1} {y0 + rad}V{y1 - rad}"
            f"A{rad} {rad} 0 0 1 {x1 - rad} {y1}H{x0 + rad}A{rad} {rad} 0 0 1 {x0} {y1 - rad}"
            f"V{y0 + rad}A{rad} {rad} 0 0 1 {x0 + rad} {y0}Z"
        )
        return Path.from_svg(d)

    @staticmethod
    def ellipse(r: Rect) -> Path:
        k = 0.5522847498307936  # cubic Bezier circle constant
        cx, cy, rx, ry = r.cx, r.cy, r.w / 2, r.h / 2
        ox, oy = rx * k, ry * k
        return Path(
            (
                ("M", ((cx + rx, cy),)),
                ("C", ((cx + rx, cy + oy), (cx + ox, cy + ry), (cx, cy + ry))),
                ("C", ((cx - ox, cy + ry), (cx - rx, cy + oy), (cx - rx, cy))),
                ("C", ((cx - rx, cy - oy), (cx - ox, cy - ry), (cx, cy - ry))),
                ("C", ((cx + ox, cy - ry), (cx + rx, cy - oy), (cx + rx, cy))),
                ("Z", ()),
            )
        )

    @staticmethod
    def line(p0: Point, p1: Point) -> Path:
        return Path((("M", (p0,)), ("L", (p1,))))

    @cached_property
    def _points(self) -> tuple[np.ndarray, np.ndarray, tuple[tuple[str, int], ...]]:
        """Every point's x and y as arrays, and (op, point count) per operation: a glyph outline is transformed
        once per placed glyph (thousands for a long text), from this form built once per cached outline."""
        import numpy as np

        xs = np.fromiter((x for _, pts in self.ops for x, _ in pts), dtype=np.float64)
        ys = np.fromiter((y for _, pts in self.ops for _, y in pts), dtype=np.float64)
        return xs, ys, tuple((op, len(pts)) for op, pts in self.ops)

    def transformed(self, m: Matrix) -> Path:
        """The path through ``m``. Each coordinate is ``a * x + c * y + e`` (``b * x + d * y + f``) in float64,
        evaluated in the same order as :meth:`Matrix.apply`, so the points are bit-identical to it.

        The first :data:`SCALAR_TRANSFORMS` transforms of a process that has not loaded numpy run in plain Python
        (a name on a mug: ~40 glyphs), so a cold ``render`` does not pay numpy's import (~60 ms); long texts
        switch to the array form (2.8x faster a glyph)."""
        global _scalar_transforms
        if m.is_identity():
            return self
        if _scalar_transforms > 0 and "numpy" not in sys.modules:
            _scalar_transforms -= 1
            return Path(tuple((op, tuple(m.apply(p) for p in pts)) for op, pts in self.ops), self.evenodd)
        xs, ys, shape = self._points
        pts = list(zip((m.a * xs + m.c * ys + m.e).tolist(), (m.b * xs + m.d * ys + m.f).tolist(), strict=True))
        ops: list[Op] = []
        i = 0
        for op, n in shape:
            ops.append((op, tuple(pts[i : i + n])))
            i += n
        return Path(tuple(ops), self.evenodd)

    def __add__(self, other: Path) -> Path:
        return Path(self.ops + other.ops, self.evenodd or other.evenodd)

    @property
    def empty(self) -> bool:
        return not any(op in ("L", "C") for op, _ in self.ops)

    def bounds(self) -> Rect | None:
        """Control-point bounds (a safe superset of the exact bounds): every point's min and max, what
        fontTools' ``ControlBoundsPen`` computes, without a pen call per segment."""
        xs = [x for _, pts in self.ops for x, _ in pts]
        if not xs:
            return None
        ys = [y for _, pts in self.ops for _, y in pts]
        x0, y0 = min(xs), min(ys)
        return Rect(x0, y0, max(xs) - x0, max(ys) - y0)

    def svg_d(self, precision: int = 4) -> str:
        def f(v: float) -> str:
            s = f"{v:.{precision}f}".rstrip("0").rstrip(".")
            return "0" if s in ("-0", "") else s

        parts: list[str] = []
        for k, (op, pts) in enumerate(self.ops):
            if k % 1024 == 0:
                check_deadline()  # a long text's outline is hundreds of thousands of numbers
            parts.append(op + " ".join(f"{f(x)} {f(y)}" for x, y in pts))
        return "".join(parts)


def union_bounds(rects: list[Rect]) -> Rect | None:
    if not rects:
        return None
    x0 = min(r.x for r in rects)
    y0 = min(r.y for r in rects)
    x1 = max(r.x1 for r in rects)
    y1 = max(r.y1 for r in rects)
    return Rect(x0, y0, x1 - x0, y1 - y0)


def rotated_bounds(r: Rect, degrees: float, cx: float, cy: float) -> Rect:
    m = Matrix.rotate(degrees, cx, cy)
    pts = [m.apply(p) for p in ((r.x, r.y), (r.x1, r.y), (r.x1, r.y1), (r.x, r.y1))]
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    return Rect(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
