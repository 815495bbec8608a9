"""Resolution: placed photos against the template's target DPI (upscaling, blur)."""

from __future__ import annotations

import math

from ..model.units import MM_PER_INCH
from .messages import Msg
from .regions import printed_images
from .report import CheckContext, Finding, rounded
from .thresholds import (
    UPSCALE_WARN,
)


def check_resolution(ctx: CheckContext) -> list[Finding]:
    """Effective DPI of each visible placed image vs the template's target (warning) and minimum (blocker)."""
    layout = ctx.layout
    dpi = layout.template.dpi
    out: list[Finding] = []
    for it, bounds in printed_images(layout):
        eff = it.effective_dpi
        cw, ch = it.crop[2], it.crop[3]
        max_w, max_h = cw / dpi.target * MM_PER_INCH, ch / dpi.target * MM_PER_INCH
        extra = {
            "effective_dpi": rounded(eff),
            "source_pixels": [it.info.width, it.info.height],
            "crop_pixels": [round(cw), round(ch)],
            "placed_mm": [rounded(it.dest.w), rounded(it.dest.h)],
            "max_size_at_target_mm": [rounded(max_w), rounded(max_h)],
        }
        where = (
            f"{it.info.width}x{it.info.height} px source, {cw:.0f}x{ch:.0f} px used over "
            f"{it.dest.w:.1f}x{it.dest.h:.1f} mm = {eff:.1f} DPI; at {dpi.target} DPI it would print at most "
            f"{max_w:.0f}x{max_h:.0f} mm"
        )
        # compared at 0.1 DPI: a box a hair larger than the exact target size is not a finding
        if rounded(eff) < dpi.minimum:
            out.append(
                Finding(
                    "image.resolution_too_low",
                    "blocker",
                    Msg("This photo's resolution is too low for its size and will print blurry. Use a larger "
                        "photo or place it smaller (at most {w:.1f} x {h:.1f} cm for sharp print).",
                        w=max_w / 10, h=max_h / 10),
                    f"{where}; template minimum {dpi.minimum} DPI",
                    it.layer,
                    bounds,
                    rounded(eff),
                    dpi.minimum,
                    "dpi",
                    extra,
                )
            )
        elif rounded(eff) < dpi.target:
            out.append(
                Finding(
                    "image.resolution_low",
                    "warning",
                    Msg("This photo may print slightly soft at this size. A larger photo, or placing it smaller "
                        "(at most {w:.1f} x {h:.1f} cm), gives the sharpest print.", w=max_w / 10, h=max_h / 10),
                    f"{where}; template target {dpi.target} DPI",
                    it.layer,
                    bounds,
                    rounded(eff),
                    dpi.target,
                    "dpi",
                    extra,
                )
            )
        upscale = dpi.target / eff if eff > 0 else math.inf
        if upscale > UPSCALE_WARN:
            out.append(
                Finding(
                    "image.upscaled",
                    "warning",
                    Msg("This photo is enlarged a lot: details will look blocky or blurred."),
                    f"enlarged {upscale:.1f}x to reach {dpi.target} DPI (limit {UPSCALE_WARN:g}x); {where}",
                    it.layer,
                    bounds,
                    rounded(upscale, 2),
                    UPSCALE_WARN,
                    "x",
                    extra,
                )
            )
    return out
