"""Preflight thresholds: one place for the numbers the checks compare against (docs/preflight.md)."""

UPSCALE_WARN = 4.0
"""An image enlarged more than this many times (target DPI / effective DPI) is called out."""
MIN_TEXT_PT = 6.0
"""Text smaller than this (pt) is hard to read and may not print cleanly."""
MIN_STROKE_PT = 0.25
"""Strokes thinner than this (pt) may disappear in print (hairlines)."""
MIN_CONTRAST = 1.5
"""WCAG 2 contrast ratio below which text on the bare product (or a flat fill) is called low contrast."""
EDGE_TOL_MM = 1.0
"""An image edge within this distance inside the trim edge counts as 'touching' the trim edge."""
GEOM_TOL_MM = 0.05
"""Geometric slack (mm) for safe-zone and bleed comparisons."""
GAMUT_DE = 5.0
"""ΔE2000 of the sRGB → CMYK → sRGB round trip above which a pixel counts as out of gamut."""
GAMUT_SHARE_INFO = 0.01
GAMUT_SHARE_WARN = 0.10
"""Out-of-gamut share of an image's pixels reported as info (≥ 1 %) or warning (≥ 10 %)."""
