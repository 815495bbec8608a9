"""What a PDF print file is drawn with (:class:`PdfOptions`), in a module of its own: the command line builds
them before a render and starts a page's image work ahead (issue 22) without importing the PDF writer and
pikepdf, which then load while the images are decoded."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..inputs.color import ColorRules


@dataclass(frozen=True)
class PdfOptions:
    colors: ColorRules = field(default_factory=ColorRules)  # intents, pure-K text, rich black (shared)
    jpeg_quality: int = 90
    downsample_above: float = 1.25  # downsample photos above target DPI x this factor...
    marks: bool = False  # crop marks and a job label in a slug outside the bleed
    slug_mm: float = 12.0
    cut_offset_mm: float | None = None  # overrides the template's cut path offset
    white_underbase: bool | None = None  # None: the template decides
    # photos above this many pixels go through streaming littleCMS, not the exact table (color_lut.py), which
    # materialises each image as RGBX and CMYK: pages drawn side by side (pdf_stream) bound their memory so
    lut_max_pixels: int | None = None
