"""Turned raster tiles placed exactly: a tile's pixels mapped by one affine (page mm -> page mm) onto the canvas,
the way the PDF's ``cm`` matrix places the same picture, so the preview and the print file agree to a fraction
of a pixel (libvips' ``rotate`` sized its output about a centre of its own: up to 2 px off)."""

from __future__ import annotations

import math

import pyvips

from ..model.geometry import Matrix, Rect
from ..model.units import pixels_per_mm
from .common import Canvas


def span_to_dest(c: Canvas, px: tuple[int, int, int, int], dest: Rect) -> Matrix:
    """Page mm of the whole-pixel rectangle ``px`` -> page mm of ``dest`` (what a tile of ``px`` shows)."""
    x, y, w, h = px
    k = pixels_per_mm(c.dpi)
    sx, sy = dest.w * k / w, dest.h * k / h
    x_mm, y_mm = c.origin.x + x / k, c.origin.y + y / k
    return Matrix(a=sx, d=sy, e=dest.x - x_mm * sx, f=dest.y - y_mm * sy)


def unscale(m: Matrix) -> Matrix:
    """The inverse of a scale-and-translate ``m`` (no rotation or skew)."""
    return Matrix(a=1 / m.a, d=1 / m.d, e=-m.e / m.a, f=-m.f / m.d)


def rotate_tile(
    img: pyvips.Image, degrees: float, c: Canvas, box: Rect, x0: int, y0: int
) -> tuple[pyvips.Image, int, int]:
    """The tile at canvas (x0, y0) turned clockwise about the box centre: the tile and its canvas position.
    An exact affine map (libvips' ``rotate`` sizes its output to whole pixels about a centre of its own,
    which put a turned image up to 2 px from where the PDF's matrix puts it)."""
    return affine_tile(img, Matrix.rotate(degrees, box.cx, box.cy), c, x0, y0)


def affine_tile(img: pyvips.Image, m: Matrix, c: Canvas, x0: int, y0: int) -> tuple[pyvips.Image, int, int]:
    """The tile at canvas (x0, y0) mapped by ``m`` (page mm -> page mm): the tile and its canvas position."""
    k = pixels_per_mm(c.dpi)
    to_mm = Matrix(a=1 / k, d=1 / k, e=c.origin.x, f=c.origin.y)
    to_px = Matrix(a=k, d=k, e=-c.origin.x * k, f=-c.origin.y * k)
    p = to_mm.then(m).then(to_px)  # canvas px -> canvas px
    ox, oy = p.apply((x0, y0))
    corners = [p.apply((x0 + u, y0 + v)) for u in (0, img.width) for v in (0, img.height)]
    left = math.floor(min(q[0] for q in corners)) - 1
    top = math.floor(min(q[1] for q in corners)) - 1
    right = math.ceil(max(q[0] for q in corners)) + 1
    bottom = math.ceil(max(q[1] for q in corners)) + 1
    out = img.premultiply().affine(
        [p.a, p.c, p.b, p.d],
        interpolate=pyvips.Interpolate.new("bicubic"),
        idx=0.5,  # pixel centres map to pixel centres
        idy=0.5,
        odx=ox - 0.5,
        ody=oy - 0.5,
        oarea=[left, top, right - left, bottom - top],
        extend="background",
        background=[0, 0, 0, 0],
    )
    return out.unpremultiply().cast("uchar"), left, top
