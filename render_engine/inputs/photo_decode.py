"""Decoded photo crops shared by the quick consumers of a photo: mockup previews and preflight's colour check.

A 12-megapixel JPEG costs ~20-25 ms to decode even at 1/4 or 1/8 scale (entropy decoding dominates), so a
preview that also runs preflight must not decode it twice. Both ask :func:`decoded_crop` for the placed
crop at a JPEG shrink-on-load scale; the result is kept per file identity (path, size, mtime), crop and
scale. The scale is part of the key, so what a caller gets never depends on what was decoded before: the
same design always gives the same pixels and the same preflight numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..model.errors import asset_errors
from .assets import ImageInfo, jpeg_shrink_factor, open_image
from .lru import Lru

_DECODED = Lru(4)  # ~2 MB each for a 12 MP photo decoded at 1/4


@dataclass(frozen=True)
class Decoded:
    """A photo's crop, decoded at 1/k: ``pixels`` holds decoded rows/columns from (left, top) on, covering
    the crop plus a margin of 2 decoded pixels for resampling filters."""

    pixels: np.ndarray  # (h, w, 3 or 4) uint8 sRGB, straight alpha
    k: float
    left: int
    top: int

    def exact(self, crop: tuple[float, float, float, float]) -> np.ndarray:
        """The decoded pixels of ``crop`` (source pixels) without the margin (a view, not a copy)."""
        cx, cy, cw, ch = crop
        x0 = max(0, round(cx / self.k) - self.left)
        y0 = max(0, round(cy / self.k) - self.top)
        x1 = max(x0 + 1, min(self.pixels.shape[1], round((cx + cw) / self.k) - self.left))
        y1 = max(y0 + 1, min(self.pixels.shape[0], round((cy + ch) / self.k) - self.top))
        return self.pixels[y0:y1, x0:x1]


def decoded_crop(info: ImageInfo, crop: tuple[float, float, float, float], shrink: float, field: str) -> Decoded:
    """The crop of a photo decoded at 1/k, k <= ``shrink`` (JPEG shrink-on-load, then a box shrink by the
    whole factor left). Decoding stops at the crop's last row (sequential access, for upright photos)."""
    k_load = jpeg_shrink_factor(info, shrink)
    n = int(shrink / k_load)  # what shrink-on-load could not do (PNG, or beyond 1/8), in whole box steps
    st = info.path.stat()

    def build() -> Decoded:
        img, k = open_image(info, k_load, field, sequential=True)
        if n >= 2:
            with asset_errors(field, "image"):
                img = img.shrink(n, n)
            k *= n
        cx, cy, cw, ch = crop
        left = min(img.width - 1, max(0, math.floor(cx / k) - 2))
        top = min(img.height - 1, max(0, math.floor(cy / k) - 2))
        right = max(left + 1, min(img.width, math.ceil((cx + cw) / k) + 2))
        bottom = max(top + 1, min(img.height, math.ceil((cy + ch) / k) + 2))
        with asset_errors(field, "image"):
            region = img.crop(left, top, right - left, bottom - top)
            shape = (region.height, region.width, region.bands)
            pixels = np.ndarray(buffer=region.write_to_memory(), dtype=np.uint8, shape=shape)
        pixels.flags.writeable = False  # shared between callers
        return Decoded(pixels, k, left, top)

    return _DECODED.get((str(info.path), st.st_size, st.st_mtime_ns, crop, k_load, n), build)


def clear() -> None:
    _DECODED.clear()
