"""Raster pieces every pixel-producing backend shares: the mm -> px :class:`Canvas` and the :data:`Tile`
type. Used by the raster backend, the PDF backend's SVG fallback, the mockup's print cache and the preflight
proof (placed image pixels, exact resizing and alpha are in :mod:`.imaging`)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pyvips

from ..layout.plan import Layout
from ..model.geometry import Rect
from ..model.units import mm_to_px, px_to_mm


@dataclass(frozen=True)
class Canvas:
    """Maps page millimetres to canvas pixels."""

    origin: Rect  # the bleed box in page mm
    dpi: float
    width: int
    height: int

    @staticmethod
    def for_layout(layout: Layout, dpi: float) -> Canvas:
        b = layout.bleed
        return Canvas(b, dpi, max(1, round(mm_to_px(b.w, dpi))), max(1, round(mm_to_px(b.h, dpi))))

    def x(self, mm: float) -> float:
        return mm_to_px(mm - self.origin.x, self.dpi)

    def y(self, mm: float) -> float:
        return mm_to_px(mm - self.origin.y, self.dpi)

    def span(self, r: Rect) -> tuple[int, int, int, int]:
        """Pixel rectangle (x, y, w, h) covering ``r`` with edges rounded to the nearest pixel."""
        x0, y0 = round(self.x(r.x)), round(self.y(r.y))
        x1, y1 = round(self.x(r.x1)), round(self.y(r.y1))
        return x0, y0, max(1, x1 - x0), max(1, y1 - y0)

    def outer(self, r: Rect, pad_px: float = 1.0) -> tuple[int, int, int, int]:
        """Pixel rectangle that fully contains ``r`` plus ``pad_px``."""
        x0 = math.floor(self.x(r.x) - pad_px)
        y0 = math.floor(self.y(r.y) - pad_px)
        x1 = math.ceil(self.x(r.x1) + pad_px)
        y1 = math.ceil(self.y(r.y1) + pad_px)
        return x0, y0, max(1, x1 - x0), max(1, y1 - y0)

    def viewbox(self, px: tuple[int, int, int, int]) -> str:
        x, y, w, h = px
        return (
            f"{px_to_mm(x, self.dpi) + self.origin.x:.6f} {px_to_mm(y, self.dpi) + self.origin.y:.6f} "
            f"{px_to_mm(w, self.dpi):.6f} {px_to_mm(h, self.dpi):.6f}"
        )


Tile = tuple[pyvips.Image, int, int]  # RGBA uchar image and its position on the canvas


# paint servers and masks: CairoSVG draws a document that uses one with shadings, patterns or soft masks,
# which the Form path refuses (operators and resources below)
_PAINT_SERVER = re.compile(
    rb"<(?:[\w-]+:)?(?:linearGradient|radialGradient|pattern|mask)\b[^>]*?\sid=[\"']([^\"']+)[\"']"
)
_IMAGE = re.compile(rb"<(?:[\w-]+:)?image\b")


def needs_raster(data: bytes) -> bool:
    """Whether a (sanitised) SVG document references a gradient, pattern or mask, or holds an image: then it
    is placed as a raster without asking CairoSVG first (~0.1 s in the helper whose output would be refused)."""
    if _IMAGE.search(data):
        return True
    for m in _PAINT_SERVER.finditer(data):
        ref = m.group(1)
        if any(f"url({q}#".encode() + ref + f"{q})".encode() in data for q in ("", "'", '"')):
            return True
    return False
