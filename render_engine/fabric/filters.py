"""Fabric's image filters (``filters`` on an image), applied to the pixels the import stores.

Each filter follows Fabric's 2D formula (``applyTo2d`` in fabric/src/filters — what Fabric runs in Node and
without WebGL), in order, each rounded to 8 bits as its ``Uint8ClampedArray`` does. Because the filtered
pixels become the image asset, both backends (raster preview and CMYK PDF) draw the same filtered photo.

Supported: Grayscale, Invert, Sepia, Brownie, Vintage, Kodachrome, Technicolor, Polaroid, BlackWhite,
ColorMatrix, HueRotation, Brightness, Contrast, Saturation, Vibrance, Gamma, Noise (with a fixed seed:
Fabric's ``Math.random`` cannot be reproduced, ``seed`` on the filter picks the pattern), Pixelate, Blur,
Convolute, RemoveColor, BlendColor, BlendImage (multiply / mask, image as a data URL) and Composed. Any
other filter is an error naming it.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..model.errors import DesignError
from .parse import color, num

_BLEND_MODES = (
    "multiply",
    "screen",
    "add",
    "difference",
    "subtract",
    "darken",
    "lighten",
    "overlay",
    "exclusion",
    "tint",
)
#: Fabric's named colour-matrix filters (ColorMatrixFilters.ts), 4 x 5 row-major, offsets in 0..1.
_MATRICES: dict[str, tuple[float, ...]] = {
    "Sepia": (0.393, 0.769, 0.189, 0, 0, 0.349, 0.686, 0.168, 0, 0, 0.272, 0.534, 0.131, 0, 0, 0, 0, 0, 1, 0),
    "Brownie": (
        0.5997,
        0.34553,
        -0.27082,
        0,
        0.186,
        -0.0377,
        0.86095,
        0.15059,
        0,
        -0.1449,
        0.24113,
        -0.07441,
        0.44972,
        0,
        -0.02965,
        0,
        0,
        0,
        1,
        0,
    ),
    "Vintage": (
        0.62793,
        0.32021,
        -0.03965,
        0,
        0.03784,
        0.02578,
        0.64411,
        0.03259,
        0,
        0.02926,
        0.0466,
        -0.08512,
        0.52416,
        0,
        0.02023,
        0,
        0,
        0,
        1,
        0,
    ),
    "Kodachrome": (
        1.12855,
        -0.39673,
        -0.03992,
        0,
        0.24991,
        -0.16404,
        1.08352,
        -0.05498,
        0,
        0.09698,
        -0.16786,
        -0.56034,
        1.60148,
        0,
        0.13972,
        0,
        0,
        0,
        1,
        0,
    ),
    "Technicolor": (
        1.91252,
        -0.85453,
        -0.09155,
        0,
        0.04624,
        -0.30878,
        1.76589,
        -0.10601,
        0,
        -0.27589,
        -0.2311,
        -0.75018,
        1.84759,
        0,
        0.12137,
        0,
        0,
        0,
        1,
        0,
    ),
    "Polaroid": (1.438, -0.062, -0.062, 0, 0, -0.122, 1.378, -0.122, 0, 0, -0.016, -0.016, 1.483, 0, 0, 0, 0, 0, 1, 0),
    "BlackWhite": (1.5, 1.5, 1.5, 0, -1, 1.5, 1.5, 1.5, 0, -1, 1.5, 1.5, 1.5, 0, -1, 0, 0, 0, 1, 0),
}
_MAX_KERNEL = 15  # Convolute matrices up to 15 x 15
SUPPORTED = (
    "Grayscale, Invert, Sepia, Brownie, Vintage, Kodachrome, Technicolor, Polaroid, BlackWhite, ColorMatrix, "
    "HueRotation, Brightness, Contrast, Saturation, Vibrance, Gamma, Noise, Pixelate, Blur, Convolute, "
    "RemoveColor, BlendColor, BlendImage, Composed"
)


def apply_filters(path: Path, filters: list[Any], where: str) -> Path:
    """Fabric's 2D filter formulas, in order. Writes a PNG next to ``path`` and returns it."""
    import pyvips

    from ..inputs.assets import to_srgb

    img = to_srgb(pyvips.Image.new_from_file(str(path)))
    if img.bands == 3:
        img = img.bandjoin(255)
    px = np.ndarray(buffer=img.write_to_memory(), dtype=np.uint8, shape=(img.height, img.width, 4))
    a = _run(px.astype(np.float64), filters, where)
    out = pyvips.Image.new_from_memory(
        np.ascontiguousarray(a.astype(np.uint8)).tobytes(), img.width, img.height, 4, "uchar"
    ).copy(interpretation="srgb")
    dest = path.with_name(path.stem + "-f.png")
    out.write_to_file(str(dest))
    return dest


def _clamp(a: np.ndarray) -> np.ndarray:
    """A Uint8ClampedArray store: round half to even, clamp to 0..255 (NaN stores 0)."""
    return np.clip(np.rint(np.nan_to_num(a, nan=0.0)), 0, 255)


def _run(a: np.ndarray, filters: list[Any], where: str) -> np.ndarray:
    for j, f in enumerate(filters):
        at = f"{where}[{j}]"
        if f is None:
            continue  # Fabric keeps null slots in `filters` (a removed filter) and skips them
        if not isinstance(f, dict):
            raise DesignError("a filter is an object with a 'type'", field=at)
        t = f.get("type")
        if t == "Composed":
            subs = f.get("subFilters")
            if not isinstance(subs, list):
                raise DesignError("a Composed filter has a 'subFilters' list", field=f"{at}.subFilters")
            a = _run(a, subs, f"{at}.subFilters")
            continue
        step = _FILTERS.get(t) if isinstance(t, str) else None
        if step is None:
            if t in _MATRICES:
                m = _MATRICES[str(t)]
                a = _color_matrix(a, m, bool(f.get("colorsOnly", False)))
            else:
                raise DesignError(f"unsupported filter; supported: {SUPPORTED}", field=f"{at}.type")
        else:
            a = step(a, f, at)
        a = _clamp(a)
    return a


def _grayscale(a: np.ndarray, f: dict[str, Any], at: str) -> np.ndarray:
    r, g, b = a[..., 0], a[..., 1], a[..., 2]
    mode = f.get("mode", "average")
    if mode == "average":
        v = (r + g + b) / 3
    elif mode == "lightness":
        v = (np.minimum(np.minimum(r, g), b) + np.maximum(np.maximum(r, g), b)) / 2
    elif mode == "luminosity":
        v = 0.21 * r + 0.72 * g + 0.07 * b
    else:
        raise DesignError("Grayscale mode is average, lightness or luminosity", field=f"{at}.mode")
    a[..., 0] = a[..., 1] = a[..., 2] = v
    return a


def _brightness(a: np.ndarray, f: dict[str, Any], at: str) -> np.ndarray:
    a[..., :3] += round(num(f, "brightness", 0.0, at) * 255)
    return a


def _contrast(a: np.ndarray, f: dict[str, Any], at: str) -> np.ndarray:
    c = math.floor(num(f, "contrast", 0.0, at) * 255)
    if c >= 259:
        raise DesignError("contrast must be below 1", field=f"{at}.contrast")
    k = 259 * (c + 255) / (255 * (259 - c))
    a[..., :3] = k * (a[..., :3] - 128) + 128
    return a


def _invert(a: np.ndarray, f: dict[str, Any], at: str) -> np.ndarray:
    if f.get("invert", True):
        a[..., :3] = 255 - a[..., :3]
        if f.get("alpha"):
            a[..., 3] = 255 - a[..., 3]
    return a


def _matrix_of(f: dict[str, Any], at: str) -> tuple[float, ...]:
    m = f.get("matrix", [1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0])
    if not isinstance(m, list) or len(m) != 20:
        raise DesignError("a ColorMatrix matrix has 20 numbers", field=f"{at}.matrix")
    return tuple(num({"v": v}, "v", None, f"{at}.matrix") for v in m)


def _color_matrix(a: np.ndarray, m: tuple[float, ...], colors_only: bool) -> np.ndarray:
    r, g, b, al = a[..., 0].copy(), a[..., 1].copy(), a[..., 2].copy(), a[..., 3].copy()
    for i in range(3):
        a[..., i] = r * m[5 * i] + g * m[5 * i + 1] + b * m[5 * i + 2] + m[5 * i + 4] * 255
    if not colors_only:
        a[..., :3] = _clamp(a[..., :3])  # stored, then the alpha term is added
        for i in range(3):
            a[..., i] += al * m[5 * i + 3]
        a[..., 3] = r * m[15] + g * m[16] + b * m[17] + al * m[18] + m[19] * 255
    return a


def _colormatrix(a: np.ndarray, f: dict[str, Any], at: str) -> np.ndarray:
    return _color_matrix(a, _matrix_of(f, at), bool(f.get("colorsOnly", True)))


def _hue_rotation(a: np.ndarray, f: dict[str, Any], at: str) -> np.ndarray:
    rad = num(f, "rotation", 0.0, at) * math.pi
    cos, sin = math.cos(rad), math.sin(rad)
    third = 1 / 3
    ts = math.sqrt(third) * sin
    omc = 1 - cos
    m = (
        cos + omc / 3, third * omc - ts, third * omc + ts, 0, 0,
        third * omc + ts, cos + third * omc, third * omc - ts, 0, 0,
        third * omc - ts, third * omc + ts, cos + third * omc, 0, 0,
        0, 0, 0, 1, 0,
    )  # fmt: skip
    return _color_matrix(a, m, bool(f.get("colorsOnly", True)))


def _saturation(a: np.ndarray, f: dict[str, Any], at: str) -> np.ndarray:
    adjust = -num(f, "saturation", 0.0, at)
    mx = a[..., :3].max(axis=-1, keepdims=True)
    a[..., :3] += np.where(mx != a[..., :3], (mx - a[..., :3]) * adjust, 0.0)
    return a


def _vibrance(a: np.ndarray, f: dict[str, Any], at: str) -> np.ndarray:
    adjust = -num(f, "vibrance", 0.0, at)
    rgb = a[..., :3]
    mx = rgb.max(axis=-1, keepdims=True)
    avg = rgb.sum(axis=-1, keepdims=True) / 3
    amt = np.abs(mx - avg) * 2 / 255 * adjust
    a[..., :3] += np.where(mx != rgb, (mx - rgb) * amt, 0.0)
    return a


def _gamma(a: np.ndarray, f: dict[str, Any], at: str) -> np.ndarray:
    g = f.get("gamma", [1, 1, 1])
    if not isinstance(g, list) or len(g) != 3:
        raise DesignError("gamma is three numbers (r, g, b)", field=f"{at}.gamma")
    values = [num({"v": v}, "v", None, f"{at}.gamma") for v in g]
    if any(v <= 0 for v in values):
        raise DesignError("gamma values must be positive", field=f"{at}.gamma")
    i = np.arange(256, dtype=np.float64)
    for ch, v in enumerate(values):
        lut = np.floor(np.power(i / 255, 1 / v) * 255)  # stored in a Uint8Array: truncated
        a[..., ch] = lut[a[..., ch].astype(np.intp)]
    return a


def _noise(a: np.ndarray, f: dict[str, Any], at: str) -> np.ndarray:
    noise = num(f, "noise", 0.0, at)
    seed = int(num(f, "seed", 0.0, at))
    rand = (0.5 - np.random.default_rng(seed).random(a.shape[:2])) * noise
    a[..., :3] += rand[..., None]
    return a


def _pixelate(a: np.ndarray, f: dict[str, Any], at: str) -> np.ndarray:
    bs = num(f, "blocksize", 4.0, at)
    if bs < 1 or bs != int(bs):
        raise DesignError("blocksize is a whole number of pixels >= 1", field=f"{at}.blocksize")
    k = int(bs)
    h, w = a.shape[:2]
    rows = (np.arange(h) // k) * k
    cols = (np.arange(w) // k) * k
    return a[rows][:, cols].copy()


def _blur_pass(data: np.ndarray, blur_px: float, axis: int) -> np.ndarray:
    """One pass of Fabric's 2D blur (29 taps, triangle weights, alpha-weighted), along ``axis`` (1: rows).
    The horizontal pass clamps to one past the row's end — the next row's first pixel, as Fabric's does."""
    h, w = data.shape[:2]
    samples = 15
    flat = data.reshape(-1, 4)
    n = flat.shape[0]
    idx = np.arange(n)
    acc = np.zeros((n, 4))
    alpha = np.zeros(n)
    total = 0.0
    for j in range(-samples + 1, samples):
        pct = j / samples
        dist = math.floor(blur_px * pct)
        weight = 1 - abs(pct)
        if axis == 1:
            row0 = idx - idx % w
            s = np.clip(idx + dist, row0, row0 + w)
        else:
            col = idx % w
            s = np.clip(idx + dist * w, col, n - w + col)
        valid = s < n
        src = np.where(valid[:, None], flat[np.minimum(s, n - 1)], np.nan)  # past the array: NaN
        la = src[:, 3] * weight
        acc[:, :3] += src[:, :3] * la[:, None]
        alpha += la
        total += weight
    out = np.empty((n, 4))
    with np.errstate(invalid="ignore", divide="ignore"):
        out[:, :3] = acc[:, :3] / alpha[:, None]
        out[:, 3] = alpha / total
    return _clamp(out).reshape(h, w, 4)


def _blur(a: np.ndarray, f: dict[str, Any], at: str) -> np.ndarray:
    blur = num(f, "blur", 0.0, at)
    if blur == 0:
        return a
    h, w = a.shape[:2]
    aspect = w / h
    hscale = 1 / aspect if aspect > 1 else 1.0
    vscale = aspect if aspect < 1 else 1.0
    a = _blur_pass(a, hscale * blur * 0.12 * w, axis=1)
    return _blur_pass(a, vscale * blur * 0.12 * h, axis=0)


def _convolute(a: np.ndarray, f: dict[str, Any], at: str) -> np.ndarray:
    m = f.get("matrix", [0, 0, 0, 0, 1, 0, 0, 0, 0])
    if not isinstance(m, list) or not m:
        raise DesignError("a Convolute matrix is a list of numbers", field=f"{at}.matrix")
    weights = [num({"v": v}, "v", None, f"{at}.matrix") for v in m]
    side = round(math.sqrt(len(weights)))
    if side * side != len(weights) or side > _MAX_KERNEL:
        raise DesignError(f"a Convolute matrix is square, at most {_MAX_KERNEL} x {_MAX_KERNEL}", field=f"{at}.matrix")
    half = side // 2
    h, w = a.shape[:2]
    opaque = bool(f.get("opaque", False))
    pad = np.zeros((h + 2 * side, w + 2 * side, 4))
    pad[side : side + h, side : side + w] = a
    out = np.zeros_like(a)
    for cy in range(side):
        for cx in range(side):
            wt = weights[cy * side + cx]
            if wt:
                y0, x0 = side + cy - half, side + cx - half
                out += pad[y0 : y0 + h, x0 : x0 + w] * wt
    if opaque:
        out[..., 3] = a[..., 3]
    return out


def _remove_color(a: np.ndarray, f: dict[str, Any], at: str) -> np.ndarray:
    hex_, _alpha = color(f.get("color", "#FFFFFF"), f"{at}.color")
    if hex_ is None:
        return a
    dist = num(f, "distance", 0.02, at) * 255
    src = [int(hex_[i : i + 2], 16) for i in (1, 3, 5)]
    hit = np.ones(a.shape[:2], dtype=bool)
    for ch, v in enumerate(src):
        hit &= (a[..., ch] > v - dist) & (a[..., ch] < v + dist)
    a[..., 3] = np.where(hit, 0.0, a[..., 3])
    return a


def _blend_color(a: np.ndarray, f: dict[str, Any], at: str) -> np.ndarray:
    hex_, _alpha = color(f.get("color", "#F95C63"), f"{at}.color")
    mode = f.get("mode", "multiply")
    if hex_ is None or mode not in _BLEND_MODES:
        raise DesignError(f"BlendColor mode is one of {', '.join(_BLEND_MODES)}", field=f"{at}.mode")
    al = num(f, "alpha", 1.0, at)
    tc = [int(hex_[i : i + 2], 16) * al for i in (1, 3, 5)]
    for i, tv in enumerate(tc):
        src = a[..., i].copy()
        if mode == "multiply":
            o = src * tv / 255
        elif mode == "screen":
            o = 255 - (255 - src) * (255 - tv) / 255
        elif mode == "add":
            o = src + tv
        elif mode == "difference":
            o = np.abs(src - tv)
        elif mode == "subtract":
            o = src - tv
        elif mode == "darken":
            o = np.minimum(src, tv)
        elif mode == "lighten":
            o = np.maximum(src, tv)
        elif mode == "overlay":
            o = 2 * src * tv / 255 if tv < 128 else 255 - 2 * (255 - src) * (255 - tv) / 255
        elif mode == "exclusion":
            o = tv + src - 2 * tv * src / 255
        else:  # tint
            o = tv + src * (1 - al)
        a[..., i] = o
    return a


def _blend_image(a: np.ndarray, f: dict[str, Any], at: str) -> np.ndarray:
    """Fabric draws the filter's image with ``setTransform(scaleX, 0, 0, scaleY, left, top)`` stretched to
    the filtered image's size, then multiplies (or takes its alpha, ``mask``)."""
    import pyvips

    mode = f.get("mode", "multiply")
    if mode not in ("multiply", "mask"):
        raise DesignError("BlendImage mode is multiply or mask", field=f"{at}.mode")
    im = f.get("image")
    src = im.get("src") if isinstance(im, dict) else None
    m = re.match(r"^data:image/(png|jpeg|jpg|webp|gif);base64,", src[:64]) if isinstance(src, str) else None
    if m is None or not isinstance(im, dict) or not isinstance(src, str):
        raise DesignError("BlendImage needs an image with a base64 data: URL src", field=f"{at}.image.src")
    try:
        raw = base64.b64decode(src[m.end() :], validate=True)
        from ..inputs.png_chunks import refuse_png_bombs

        refuse_png_bombs(raw, f"{at}.image.src")
        over = pyvips.Image.new_from_buffer(raw, "")
    except (binascii.Error, ValueError, pyvips.Error):
        raise DesignError("the BlendImage image is not a readable image", field=f"{at}.image.src") from None
    from ..inputs.assets import to_srgb

    over = to_srgb(over)
    if over.bands == 3:
        over = over.bandjoin(255)
    if over.width * over.height > 40_000_000:  # the header only so far
        raise DesignError("the BlendImage image may have at most 40 megapixels", field=f"{at}.image.src")
    h, w = a.shape[:2]
    sx, sy = num(im, "scaleX", 1.0, f"{at}.image"), num(im, "scaleY", 1.0, f"{at}.image")
    left, top = num(im, "left", 0.0, f"{at}.image"), num(im, "top", 0.0, f"{at}.image")
    if sx <= 0 or sy <= 0:
        raise DesignError("the BlendImage image needs a positive scale", field=f"{at}.image.scaleX")
    over = over.premultiply().resize(w * sx / over.width, vscale=h * sy / over.height).unpremultiply()
    canvas = pyvips.Image.black(w, h, bands=4).insert(over.cast("uchar"), round(left), round(top))
    t = np.ndarray(buffer=canvas.cast("uchar").write_to_memory(), dtype=np.uint8, shape=(h, w, 4)).astype(np.float64)
    if mode == "multiply":
        a = a * t / 255
    else:
        a[..., 3] = t[..., 3]
    return a


_FILTERS: dict[str, Callable[[np.ndarray, dict[str, Any], str], np.ndarray]] = {
    "Grayscale": _grayscale,
    "Brightness": _brightness,
    "Contrast": _contrast,
    "Invert": _invert,
    "ColorMatrix": _colormatrix,
    "HueRotation": _hue_rotation,
    "Saturation": _saturation,
    "Vibrance": _vibrance,
    "Gamma": _gamma,
    "Noise": _noise,
    "Pixelate": _pixelate,
    "Blur": _blur,
    "Convolute": _convolute,
    "RemoveColor": _remove_color,
    "BlendColor": _blend_color,
    "BlendImage": _blend_image,
}
