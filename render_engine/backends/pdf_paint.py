"""Gradients in the PDF backend: shadings in DeviceCMYK, and soft masks for per-stop opacity.

A resolved :class:`~render_engine.model.paint.Gradient` becomes a shading pattern (PatternType 2) whose shading is
axial (ShadingType 2) or radial (ShadingType 3) in ``/DeviceCMYK``, with ``/Extend [true true]`` (SVG's
``pad``) and one function across the stops: a Type 2 (exponential, N = 1) function for two stops, a Type 3
stitching function of Type 2 pieces for more (a hard stop — two stops at one offset — is a boundary between
pieces). Each stop colour is converted by the backend's :class:`~render_engine.inputs.color.ColorConverter`, as
flat colours are: sRGB through the output profile, CMYK untouched; the caller passes them in.

Between two sRGB stops, :func:`srgb_interpolated` adds stops so the print follows the preview's sRGB
interpolation. Stops with opacity below 1 add a soft mask (:func:`opacity_mask`): an ExtGState ``/SMask``
whose group is a DeviceGray luminosity group painting the same geometry as a grey shading of the stop
opacities. Nothing is rasterised: the gradient stays a vector shading in the file.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Sequence

import pikepdf
from pikepdf import Array, Dictionary, Name, Stream

from ..model.design import RGB
from ..model.geometry import Matrix, Rect
from ..model.geometry import Path as VPath
from ..model.paint import Gradient

SRGB_STEPS = 16  # pieces per sRGB segment: the print follows the preview's sRGB interpolation within ~1 %


def srgb_interpolated(g: Gradient, steps: int = SRGB_STEPS) -> Gradient:
    """``g`` with stops added between consecutive sRGB stops, interpolated in sRGB as the preview (SVG,
    Canvas 2D) does: each is then converted to CMYK like any flat colour, so the shading's linear CMYK
    interpolation between them prints what the designer saw rather than a CMYK-space blend (which runs
    visibly duller or darker through the middle of e.g. yellow -> purple). CMYK stops interpolate in CMYK."""
    out: list[tuple[float, object, float]] = [g.stops[0]]
    for (o0, c0, a0), (o1, c1, a1) in itertools.pairwise(g.stops):
        if isinstance(c0, RGB) and isinstance(c1, RGB) and o1 > o0 and c0 != c1:
            r0, r1 = c0.rgb, c1.rgb
            for k in range(1, steps):
                t = k / steps
                rgb = tuple(round(u + (v - u) * t) for u, v in zip(r0, r1, strict=True))
                out.append((o0 + (o1 - o0) * t, RGB(hex="#{:02x}{:02x}{:02x}".format(*rgb)), a0 + (a1 - a0) * t))
        out.append((o1, c1, a1))
    return dataclasses.replace(g, stops=tuple(out))  # type: ignore[arg-type]


def _stitched(stops: Sequence[tuple[float, Sequence[float]]]) -> Dictionary:
    """One function of t in 0..1 through the (offset, values) stops, pad outside the first / last offset."""
    pts = list(stops)
    if pts[0][0] > 0:
        pts.insert(0, (0.0, pts[0][1]))
    if pts[-1][0] < 1:
        pts.append((1.0, pts[-1][1]))
    pieces = [(a, b) for a, b in itertools.pairwise(pts) if b[0] > a[0]]
    if not pieces:  # every stop at one offset: the last colour wins past it
        pieces = [((0.0, pts[-1][1]), (1.0, pts[-1][1]))]
    fns = [
        Dictionary(FunctionType=2, Domain=[0, 1], C0=[round(v, 6) for v in a[1]], C1=[round(v, 6) for v in b[1]], N=1)
        for a, b in pieces
    ]
    if len(fns) == 1 and pieces[0][0][0] == 0 and pieces[0][1][0] == 1:
        return fns[0]
    return Dictionary(
        FunctionType=3,
        Domain=[0, 1],
        Functions=Array(fns),
        Bounds=Array([round(b[0], 6) for _a, b in pieces[:-1]]),
        Encode=Array([v for _ in fns for v in (0, 1)]),
    )


def _shading(g: Gradient, space: Name, values: Sequence[Sequence[float]]) -> Dictionary:
    fn = _stitched([(o, v) for (o, _c, _a), v in zip(g.stops, values, strict=True)])
    return Dictionary(
        ShadingType=2 if g.kind == "linear" else 3,
        ColorSpace=space,
        Coords=Array([round(v, 6) for v in g.coords]),
        Function=fn,
        Extend=Array([True, True]),
    )


def _matrix(m: Matrix) -> Array:
    return Array([round(v, 6) for v in (m.a, m.b, m.c, m.d, m.e, m.f)])


def shading_pattern(pdf: pikepdf.Pdf, g: Gradient, cmyk: Sequence[Sequence[float]], base: Matrix) -> Dictionary:
    """A shading pattern painting ``g`` with the stops' CMYK values (0..1). ``base`` maps the content's
    space (page mm) to default user space: a pattern matrix is relative to the page, not the current CTM."""
    sh = _shading(g, Name.DeviceCMYK, cmyk)
    pattern = Dictionary(Type=Name.Pattern, PatternType=2, Shading=sh, Matrix=_matrix(g.matrix.then(base)))
    return pdf.make_indirect(pattern)


def opacity_mask(pdf: pikepdf.Pdf, g: Gradient, bbox: Rect) -> Dictionary:
    """ExtGState entries for the stop opacities of ``g`` as a luminosity soft mask over ``bbox`` (page mm;
    the mask is set while the CTM maps page mm, so its form works in page mm)."""
    sh = _shading(g, Name.DeviceGray, [(a,) for _o, _c, a in g.stops])
    m = g.matrix
    content = f"q {' '.join(f'{v:.6f}' for v in (m.a, m.b, m.c, m.d, m.e, m.f))} cm /Sh0 sh Q".encode()
    form = Stream(
        pdf,
        content,
        Type=Name.XObject,
        Subtype=Name.Form,
        BBox=Array([round(v, 4) for v in (bbox.x, bbox.y, bbox.x1, bbox.y1)]),
        Resources=Dictionary(Shading=Dictionary(Sh0=sh)),
        Group=Dictionary(S=Name.Transparency, CS=Name.DeviceGray, I=True),
    )
    return Dictionary(Type=Name.Mask, S=Name.Luminosity, G=pdf.make_indirect(form))


def has_sharp_join(path: VPath, limit: float) -> bool:
    """Whether a mitred join of ``path`` is longer than ``limit`` stroke widths (a corner sharper than
    2·asin(1/limit)): PDF's default miter limit is 10, SVG's and Fabric's 4, so such a path needs ``4 M``."""
    cos_max = 1.0 / limit  # miter length / width = 1 / cos(turn / 2)

    def unit(dx: float, dy: float) -> tuple[float, float] | None:
        n = math.hypot(dx, dy)
        return (dx / n, dy / n) if n > 1e-12 else None

    def sharp(a: tuple[float, float] | None, b: tuple[float, float] | None) -> bool:
        if a is None or b is None:
            return False
        cos_turn = max(-1.0, min(1.0, a[0] * b[0] + a[1] * b[1]))
        return math.sqrt((1 + cos_turn) / 2) < cos_max  # cos(turn / 2)

    start = cur = (0.0, 0.0)
    first_out: tuple[float, float] | None = None
    last_in: tuple[float, float] | None = None
    for op, pts in path.ops:
        if op == "M":
            start = cur = pts[0]
            first_out = last_in = None
            continue
        if op == "Z":
            seg = unit(start[0] - cur[0], start[1] - cur[1])
            if seg is not None:
                if sharp(last_in, seg):
                    return True
                last_in = seg
            if sharp(last_in, first_out):
                return True
            cur, first_out, last_in = start, None, None
            continue
        chain = [cur, *pts]
        d_out = next((unit(q[0] - cur[0], q[1] - cur[1]) for q in pts if unit(q[0] - cur[0], q[1] - cur[1])), None)
        end = pts[-1]
        d_in = next(
            (unit(end[0] - q[0], end[1] - q[1]) for q in reversed(chain[:-1]) if unit(end[0] - q[0], end[1] - q[1])),
            None,
        )
        if d_out is None:
            continue
        if last_in is None:
            first_out = d_out
        elif sharp(last_in, d_out):
            return True
        last_in, cur = d_in, end
    return False
