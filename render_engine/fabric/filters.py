"""Fabric's image filters (``filters`` on an image), applied to the pixels the import stores.

Grayscale, Sepia, Brightness, Contrast, Invert and BlendColor follow Fabric's 2D filter formulas
(fabric/src/filters) in order, each rounded to 8 bits as its Uint8ClampedArray does; any other filter is an
error naming it.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ..model.errors import DesignError
from .parse import color, num

_SEPIA = ((0.393, 0.769, 0.189), (0.349, 0.686, 0.168), (0.272, 0.534, 0.131))
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


def apply_filters(path: Path, filters: list[Any], where: str) -> Path:
    """Fabric's 2D filter formulas (fabric/src/filters), in order, each rounded to 8 bits as its
    Uint8ClampedArray does. Writes a PNG next to ``path`` and returns it."""
    import numpy as np
    import pyvips

    from ..inputs.assets import to_srgb

    img = to_srgb(pyvips.Image.new_from_file(str(path)))
    if img.bands == 3:
        img = img.bandjoin(255)
    px = np.ndarray(buffer=img.write_to_memory(), dtype=np.uint8, shape=(img.height, img.width, 4))
    a = px.astype(np.float64)
    for j, f in enumerate(filters):
        at = f"{where}[{j}]"
        if not isinstance(f, dict):
            raise DesignError("a filter is an object with a 'type'", field=at)
        t = f.get("type")
        r, g, b = a[..., 0].copy(), a[..., 1].copy(), a[..., 2].copy()
        if t == "Grayscale":
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
        elif t == "Sepia":
            for i, (kr, kg, kb) in enumerate(_SEPIA):
                a[..., i] = r * kr + g * kg + b * kb
        elif t == "Brightness":
            a[..., :3] += round(num(f, "brightness", 0.0, at) * 255)
        elif t == "Contrast":
            c = math.floor(num(f, "contrast", 0.0, at) * 255)
            if c >= 259:
                raise DesignError("contrast must be below 1", field=f"{at}.contrast")
            k = 259 * (c + 255) / (255 * (259 - c))
            a[..., :3] = k * (a[..., :3] - 128) + 128
        elif t == "Invert":
            if f.get("invert", True):
                a[..., :3] = 255 - a[..., :3]
                if f.get("alpha"):
                    a[..., 3] = 255 - a[..., 3]
        elif t == "BlendColor":
            hex_, _alpha = color(f.get("color", "#F95C63"), f"{at}.color")
            mode = f.get("mode", "multiply")
            if hex_ is None or mode not in _BLEND_MODES:
                raise DesignError(f"BlendColor mode is one of {', '.join(_BLEND_MODES)}", field=f"{at}.mode")
            al = num(f, "alpha", 1.0, at)
            tc = [int(hex_[i : i + 2], 16) * al for i in (1, 3, 5)]
            for i, (src, tv) in enumerate(zip((r, g, b), tc, strict=True)):
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
        else:
            raise DesignError(
                "unsupported filter; supported: Grayscale, Sepia, Brightness, Contrast, Invert, BlendColor",
                field=f"{at}.type",
            )
        a = np.clip(np.rint(a), 0, 255)
    out = pyvips.Image.new_from_memory(
        np.ascontiguousarray(a.astype(np.uint8)).tobytes(), img.width, img.height, 4, "uchar"
    ).copy(interpretation="srgb")
    dest = path.with_name(path.stem + "-f.png")
    out.write_to_file(str(dest))
    return dest
