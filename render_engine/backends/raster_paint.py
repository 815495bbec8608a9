"""Paint and blending for the raster backend.

* :func:`screen_paint` turns a resolved paint (:mod:`.paint`) into what the screen shows — stop colours
  converted by the caller's colour function (plain sRGB, or the soft proof) — and :func:`svg_paint` writes
  it as an SVG paint server for librsvg, which draws SVG gradients exactly (SVG 1.1 / SVG 2 focal radius),
  in the page-mm user space of the raster backend's SVG snippets.
* :func:`composite` stacks the backend's tiles with their blend modes: libvips ``composite`` does
  ``normal`` and the separable PDF blend modes; the four non-separable ones (hue, saturation, color,
  luminosity), which libvips lacks, are computed here with the PDF 1.7 formulas (section 11.3.5.3) over the
  tile's area of what lies under it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyvips

from ..inputs.color import hex_of
from ..model.design import CMYK, RGB
from ..model.paint import NON_SEPARABLE, Gradient, ResolvedPaint

Rgb = tuple[int, int, int]


@dataclass(frozen=True)
class ScreenGradient:
    """A resolved gradient with its stops as sRGB on screen."""

    gradient: Gradient
    stops: tuple[tuple[float, Rgb, float], ...]


ScreenPaint = Rgb | ScreenGradient


def screen_paint(paint: ResolvedPaint, convert: Callable[[RGB | CMYK], Rgb]) -> ScreenPaint:
    """``paint`` as shown on screen: flat colours and every stop through ``convert``."""
    if isinstance(paint, Gradient):
        return ScreenGradient(paint, tuple((o, convert(c), a) for o, c, a in paint.stops))
    return convert(paint)


def _n(v: float) -> str:
    s = f"{v:.6f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def svg_paint(paint: ScreenPaint, ident: str) -> tuple[str, str]:
    """(``<defs>`` content, attribute value) painting with ``paint`` in an SVG whose user space is page mm."""
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

#: libvips ``composite`` modes for our blend modes (the separable PDF set).
VIPS_MODES = {
    "normal": "over",
    "multiply": "multiply",
    "screen": "screen",
    "overlay": "overlay",
    "darken": "darken",
    "lighten": "lighten",
    "color-dodge": "colour-dodge",
    "color-burn": "colour-burn",
    "hard-light": "hard-light",
    "soft-light": "soft-light",
    "difference": "difference",
    "exclusion": "exclusion",
}

Tile = tuple[pyvips.Image, int, int]


def composite(base: pyvips.Image, tiles: list[tuple[Tile, str]]) -> pyvips.Image:
    """``tiles`` (RGBA uchar, canvas position, blend mode) over ``base`` in order; lazy except around tiles
    with a non-separable blend mode."""
    out = base
    run: list[tuple[Tile, str]] = []

    def flush(img: pyvips.Image) -> pyvips.Image:
        if not run:
            return img
        img = img.composite(
            [t[0][0] for t in run],
            [VIPS_MODES[t[1]] for t in run],
            x=[t[0][1] for t in run],
            y=[t[0][2] for t in run],
            compositing_space="srgb",
        )
        run.clear()
        return img.cast("uchar")

    for tile, mode in tiles:
        if mode in NON_SEPARABLE:
            out = _non_separable(flush(out), tile, mode)
        else:
            run.append((tile, mode))
    return flush(out)


def _non_separable(backdrop: pyvips.Image, tile: Tile, mode: str) -> pyvips.Image:
    img, x, y = tile
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(backdrop.width, x + img.width), min(backdrop.height, y + img.height)
    if x1 <= x0 or y1 <= y0:
        return backdrop
    src = _array(img.crop(x0 - x, y0 - y, x1 - x0, y1 - y0)) / 255.0
    dst = _array(backdrop.crop(x0, y0, x1 - x0, y1 - y0)) / 255.0
    out = blend_pixels(dst, src, mode)
    region = pyvips.Image.new_from_memory(
        np.ascontiguousarray(np.clip(np.rint(out * 255), 0, 255).astype(np.uint8)).tobytes(),
        x1 - x0,
        y1 - y0,
        4,
        "uchar",
    )
    return backdrop.insert(region.copy(interpretation="srgb"), x0, y0)


def _array(img: pyvips.Image) -> np.ndarray:
    if img.bands == 3:
        img = img.bandjoin(255)
    img = img.cast("uchar")
    return np.ndarray(buffer=img.write_to_memory(), dtype=np.uint8, shape=(img.height, img.width, 4)).astype(np.float64)


def blend_pixels(dst: np.ndarray, src: np.ndarray, mode: str) -> np.ndarray:
    """Straight-alpha RGBA (0..1) ``src`` over ``dst`` with a non-separable blend mode (PDF 1.7 11.3.5):
    co = (1 - as) * cb + as * ((1 - ab) * cs + ab * B(cb, cs)), ao = as + ab * (1 - as)."""
    cb, ab = dst[..., :3], dst[..., 3:4]
    cs, a_s = src[..., :3], src[..., 3:4]
    if mode == "hue":
        mixed = _set_lum(_set_sat(cs, _sat(cb)), _lum(cb))
    elif mode == "saturation":
        mixed = _set_lum(_set_sat(cb, _sat(cs)), _lum(cb))
    elif mode == "color":
        mixed = _set_lum(cs, _lum(cb))
    else:  # luminosity
        mixed = _set_lum(cb, _lum(cs))
    cs2 = (1 - ab) * cs + ab * mixed
    ao = a_s + ab * (1 - a_s)
    co_pre = a_s * cs2 + (1 - a_s) * ab * cb
    co = np.where(ao > 0, co_pre / np.maximum(ao, 1e-12), 0.0)
    return np.concatenate([co, ao], axis=-1)


def _lum(c: np.ndarray) -> np.ndarray:
    return 0.3 * c[..., 0:1] + 0.59 * c[..., 1:2] + 0.11 * c[..., 2:3]


def _clip_color(c: np.ndarray) -> np.ndarray:
    lum = _lum(c)
    n = c.min(axis=-1, keepdims=True)
    x = c.max(axis=-1, keepdims=True)
    c = np.where(n < 0, lum + (c - lum) * lum / np.maximum(lum - n, 1e-12), c)
    c = np.where(x > 1, lum + (c - lum) * (1 - lum) / np.maximum(x - lum, 1e-12), c)
    return c


def _set_lum(c: np.ndarray, lum: np.ndarray) -> np.ndarray:
    return _clip_color(c + (lum - _lum(c)))


def _sat(c: np.ndarray) -> np.ndarray:
    return c.max(axis=-1, keepdims=True) - c.min(axis=-1, keepdims=True)


def _set_sat(c: np.ndarray, s: np.ndarray) -> np.ndarray:
    cmax = c.max(axis=-1, keepdims=True)
    cmin = c.min(axis=-1, keepdims=True)
    rng = cmax - cmin
    out = np.where(rng > 0, (c - cmin) * s / np.maximum(rng, 1e-12), 0.0)
    return out
