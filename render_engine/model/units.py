"""Units and conversions, in one place. All geometry in the engine is in millimetres."""

from __future__ import annotations

MM_PER_INCH = 25.4
PT_PER_INCH = 72.0
MM_PER_PT = MM_PER_INCH / PT_PER_INCH


def mm_to_px(mm: float, dpi: float) -> float:
    """Millimetres to (fractional) device pixels at ``dpi``."""
    return mm * dpi / MM_PER_INCH


def px_to_mm(px: float, dpi: float) -> float:
    """Device pixels at ``dpi`` to millimetres."""
    return px * MM_PER_INCH / dpi


def mm_to_pt(mm: float) -> float:
    """Millimetres to PostScript points (1/72 in), the PDF user-space unit."""
    return mm / MM_PER_PT


def pt_to_mm(pt: float) -> float:
    """PostScript points to millimetres (font sizes are given in pt)."""
    return pt * MM_PER_PT


def px_span(start_mm: float, size_mm: float, dpi: float) -> tuple[int, int]:
    """Snap a span in mm to whole device pixels: returns (first pixel, pixel count).

    Both edges are rounded independently so adjacent spans tile without gaps or overlaps.
    """
    a = round(mm_to_px(start_mm, dpi))
    b = round(mm_to_px(start_mm + size_mm, dpi))
    return a, max(0, b - a)


def pixels_per_mm(dpi: float) -> float:
    """libvips stores resolution as pixels per millimetre (PNG pHYs is derived from it)."""
    return dpi / MM_PER_INCH
