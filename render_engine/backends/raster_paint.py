"""Paint and blending for the raster backend.

* :func:`screen_paint` turns a resolved paint (:mod:`.paint`) into what the screen shows — stop colours
  converted by the caller's colour function (plain sRGB, or the soft proof) — and :func:`svg_paint` writes
  it as an SVG paint server for librsvg, which draws SVG gradients exactly (SVG 1.1 / SVG 2 focal radius),
  in the page-mm user space of the raster backend's SVG snippets.
* :func:`composite` stacks the backend's tiles with their blend modes: libvips ``composite`` does
  ``normal``; every blend mode is computed here with the PDF 1.7 formulas (section 11.3.5) as a lazy libvips
  pipeline over the tile's area of what lies under it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pyvips

from ..inputs.color import hex_of
from ..model.design import CMYK, RGB
from ..model.errors import LimitExceeded, asset_errors
from ..model.geometry import Matrix
from ..model.paint import Gradient, Pattern, ResolvedPaint

Rgb = tuple[int, int, int]


@dataclass(frozen=True)
class ScreenGradient:
    """A resolved gradient with its stops as sRGB on screen."""

    gradient: Gradient
    stops: tuple[tuple[float, Rgb, float], ...]


ScreenPaint = Rgb | ScreenGradient | Pattern


def screen_paint(paint: ResolvedPaint, convert: Callable[[RGB | CMYK], Rgb]) -> ScreenPaint:
    """``paint`` as shown on screen: flat colours and every stop through ``convert`` (a pattern's tile is
    shown as it is)."""
    if isinstance(paint, Pattern):
        return paint
    if isinstance(paint, Gradient):
        return ScreenGradient(paint, tuple((o, convert(c), a) for o, c, a in paint.stops))
    return convert(paint)


def _n(v: float) -> str:
    s = f"{v:.6f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def pattern_image(pat: Pattern, to_px: Matrix, w: int, h: int, field: str) -> pyvips.Image:
    """``pat`` tiled over a ``w`` x ``h`` px area (premultiplied-safe RGBA uchar); ``to_px`` maps page mm to
    the area's pixels. The tile is repeated lazily (``replicate``) over the tiles the area can see, then
    mapped by one affine (bicubic)."""
    from ..inputs.assets import to_srgb

    with asset_errors(field, "pattern image"):
        tile = pyvips.Image.new_from_buffer(pat.image, "", fail_on="error")
        if tile.width * tile.height > 16_000_000:  # checked on the header, before any decode
            raise LimitExceeded("a pattern tile may have at most 16 megapixels", field=field)
        tile = to_srgb(tile)
        if tile.bands == 3:
            tile = tile.bandjoin(255)
        tile = tile.cast("uchar")
    tw, th = tile.width, tile.height
    # tile px -> pattern units -> page mm -> area px
    m = Matrix.scale(pat.size[0] / tw, pat.size[1] / th).then(pat.matrix).then(to_px)
    det = m.a * m.d - m.b * m.c
    inv = Matrix(m.d / det, -m.b / det, -m.c / det, m.a / det, 0, 0)
    corners = [(x, y) for x in (0, w) for y in (0, h)]
    us = [inv.a * (x - m.e) + inv.c * (y - m.f) for x, y in corners]
    vs = [inv.b * (x - m.e) + inv.d * (y - m.f) for x, y in corners]
    i0, i1 = math.floor(min(us) / tw), math.floor(max(us) / tw)
    j0, j1 = math.floor(min(vs) / th), math.floor(max(vs) / th)
    if pat.repeat in ("repeat-y", "no-repeat"):
        i0, i1 = 0, 0
    if pat.repeat in ("repeat-x", "no-repeat"):
        j0, j1 = 0, 0
    if i1 < i0 or j1 < j0:
        return pyvips.Image.black(w, h, bands=4).cast("uchar").copy(interpretation="srgb")
    if (i1 - i0 + 1) * (j1 - j0 + 1) > 4_000_000:
        raise LimitExceeded("a pattern's tiles would repeat more than 4 million times", field=field)
    big = tile.premultiply().replicate(i1 - i0 + 1, j1 - j0 + 1)
    place = Matrix.translate(i0 * tw, j0 * th).then(m)
    out = big.affine(
        [place.a, place.c, place.b, place.d],
        interpolate=pyvips.Interpolate.new("bilinear"),  # as cairo (Fabric) and browsers sample patterns
        idx=0.5,  # pixel centres map to pixel centres (cairo's convention)
        idy=0.5,
        odx=place.e - 0.5,
        ody=place.f - 0.5,
        oarea=[0, 0, w, h],
        extend="background",
        background=[0, 0, 0, 0],
    )
    return out.unpremultiply().cast("uchar").copy(interpretation="srgb")


def svg_paint(paint: ScreenPaint, ident: str) -> tuple[str, str]:
    """(``<defs>`` content, attribute value) painting with ``paint`` in an SVG whose user space is page mm."""
    assert not isinstance(paint, Pattern)  # drawn by pattern_image under a mask
    if not isinstance(paint, ScreenGradient):
        return "", hex_of(paint)
    g = paint.gradient
    m = g.matrix
    tf = f"matrix({' '.join(_n(v) for v in (m.a, m.b, m.c, m.d, m.e, m.f))})"
    head = f'id="{ident}" gradientUnits="userSpaceOnUse" gradientTransform="{tf}" spreadMethod="pad"'
    if g.kind == "linear":
        x1, y1, x2, y2 = g.coords
        el = f'<linearGradient {head} x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}">'
        end = "</linearGradient>"
    else:
        fx, fy, fr, cx, cy, r = g.coords
        el = (
            f'<radialGradient {head} fx="{_n(fx)}" fy="{_n(fy)}" fr="{_n(fr)}" cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(r)}">'
        )
        end = "</radialGradient>"
    stops = "".join(
        f'<stop offset="{_n(o)}" stop-color="{hex_of(c)}" stop-opacity="{_n(a)}"/>' for o, c, a in paint.stops
    )
    return el + stops + end, f"url(#{ident})"


# ----------------------------------------------------------------------------------------- compositing

Tile = tuple[pyvips.Image, int, int]


def composite(base: pyvips.Image, tiles: list[tuple[Tile, str]]) -> pyvips.Image:
    """``tiles`` (RGBA uchar, canvas position, blend mode) over ``base`` in order, lazily.

    ``normal`` tiles go through libvips ``composite`` ("over"). Blend modes are computed here with the
    W3C / PDF compositing formula, co = as*((1 - ab)*cs + ab*B(cb, cs)) + (1 - as)*ab*cb, over the tile's
    area of what lies under it: libvips' own blend modes do not follow it for translucent sources (a
    multiply at 80 % opacity comes out ~20 levels too dark), and it lacks the non-separable modes.
    Everything stays a lazy libvips pipeline, so large canvases still stream.
    """
    out = base
    run: list[Tile] = []

    def flush(img: pyvips.Image) -> pyvips.Image:
        if not run:
            return img
        img = img.composite(
            [t[0] for t in run],
            ["over"] * len(run),
            x=[t[1] for t in run],
            y=[t[2] for t in run],
            compositing_space="srgb",
        )
        run.clear()
        return img.cast("uchar")

    for tile, mode in tiles:
        if mode == "normal":
            run.append(tile)
        else:
            out = _blend_tile(flush(out), tile, mode)
    return flush(out)


def _blend_tile(backdrop: pyvips.Image, tile: Tile, mode: str) -> pyvips.Image:
    img, x, y = tile
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(backdrop.width, x + img.width), min(backdrop.height, y + img.height)
    if x1 <= x0 or y1 <= y0:
        return backdrop
    if img.bands == 3:
        img = img.bandjoin(255)
    back = backdrop.crop(x0, y0, x1 - x0, y1 - y0)
    if back.bands == 3:
        back = back.bandjoin(255)
    src = img.crop(x0 - x, y0 - y, x1 - x0, y1 - y0).cast("float") / 255.0
    dst = back.cast("float") / 255.0
    cb, ab = dst.extract_band(0, n=3), dst[3]
    cs, a_s = src.extract_band(0, n=3), src[3]
    mixed = blend_function(cb, cs, mode)
    cs2 = cs * (1 - ab) + mixed * ab
    ao = a_s + ab * (1 - a_s)
    co_pre = cs2 * a_s + cb * ((1 - a_s) * ab)
    co = (ao > 0).ifthenelse(co_pre / _at_least(ao, 1e-9), 0.0)
    region = (co.bandjoin(ao) * 255).rint().cast("uchar").copy(interpretation="srgb")
    if backdrop.bands == 3:
        region = region.extract_band(0, n=3)
    return backdrop.insert(region, x0, y0)


def _at_least(img: pyvips.Image, v: float) -> pyvips.Image:
    return (img < v).ifthenelse(v, img)


def _lum(c: pyvips.Image) -> pyvips.Image:
    return c[0] * 0.3 + c[1] * 0.59 + c[2] * 0.11


def _min3(c: pyvips.Image) -> pyvips.Image:
    a = (c[0] < c[1]).ifthenelse(c[0], c[1])
    return (a < c[2]).ifthenelse(a, c[2])


def _max3(c: pyvips.Image) -> pyvips.Image:
    a = (c[0] > c[1]).ifthenelse(c[0], c[1])
    return (a > c[2]).ifthenelse(a, c[2])


def _set_lum(c: pyvips.Image, lum: pyvips.Image) -> pyvips.Image:
    c = c + (lum - _lum(c))
    lu, n, x = _lum(c), _min3(c), _max3(c)
    c = (n < 0).ifthenelse(lu + (c - lu) * lu / _at_least(lu - n, 1e-9), c)
    return (x > 1).ifthenelse(lu + (c - lu) * (1 - lu) / _at_least(x - lu, 1e-9), c)


def _sat(c: pyvips.Image) -> pyvips.Image:
    return _max3(c) - _min3(c)


def _set_sat(c: pyvips.Image, s: pyvips.Image) -> pyvips.Image:
    lo, rng = _min3(c), _sat(c)
    return (rng > 0).ifthenelse((c - lo) * s / _at_least(rng, 1e-9), 0.0)


def blend_function(cb: pyvips.Image, cs: pyvips.Image, mode: str) -> pyvips.Image:
    """B(cb, cs) of PDF 1.7 section 11.3.5 for straight colours in 0..1 (3-band float images)."""
    if mode == "multiply":
        return cb * cs
    if mode == "screen":
        return cb + cs - cb * cs
    if mode == "overlay":
        return _hard_light(cs, cb)
    if mode == "darken":
        return (cb < cs).ifthenelse(cb, cs)
    if mode == "lighten":
        return (cb > cs).ifthenelse(cb, cs)
    if mode == "color-dodge":
        dodge = cb / _at_least(1 - cs, 1e-9)
        out = (cs >= 1).ifthenelse(1.0, (dodge > 1).ifthenelse(1.0, dodge))
        return (cb <= 0).ifthenelse(0.0, out)
    if mode == "color-burn":
        burn = 1 - (1 - cb) / _at_least(cs, 1e-9)
        out = (cs <= 0).ifthenelse(0.0, (burn < 0).ifthenelse(0.0, burn))
        return (cb >= 1).ifthenelse(1.0, out)
    if mode == "hard-light":
        return _hard_light(cb, cs)
    if mode == "soft-light":
        d = (cb <= 0.25).ifthenelse(((cb * 16 - 12) * cb + 4) * cb, cb**0.5)
        return (cs <= 0.5).ifthenelse(cb - (1 - cs * 2) * cb * (1 - cb), cb + (cs * 2 - 1) * (d - cb))
    if mode == "difference":
        return (cb - cs).abs()
    if mode == "exclusion":
        return cb + cs - cb * cs * 2
    if mode == "hue":
        return _set_lum(_set_sat(cs, _sat(cb)), _lum(cb))
    if mode == "saturation":
        return _set_lum(_set_sat(cb, _sat(cs)), _lum(cb))
    if mode == "color":
        return _set_lum(cs, _lum(cb))
    if mode == "luminosity":
        return _set_lum(cb, _lum(cs))
    raise ValueError(f"unknown blend mode {mode}")


def _hard_light(cb: pyvips.Image, cs: pyvips.Image) -> pyvips.Image:
    return (cs <= 0.5).ifthenelse(cb * cs * 2, cb + (cs * 2 - 1) - cb * (cs * 2 - 1))
