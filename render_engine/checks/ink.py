"""Colour (CMYK products): total ink and out-of-gamut share of each placed photo, from :mod:`.color` statistics."""

from __future__ import annotations

from ..model.errors import RenderError
from .messages import Msg
from .regions import printed_images
from .report import CheckContext, Finding, Severity, rounded
from .thresholds import (  # the pixel statistics (.color: numpy, OpenCV) load only when colour is checked
    GAMUT_DE,
    GAMUT_SHARE_INFO,
    GAMUT_SHARE_WARN,
)


def check_color(ctx: CheckContext) -> list[Finding]:
    """Total ink and out-of-gamut share of each placed photo, on a ≤ 256 px thumbnail of its crop."""
    layout, icc = ctx.layout, ctx.icc
    if not ctx.color or layout.template.output.color != "cmyk":
        return []
    from .color import image_color_stats

    out: list[Finding] = []
    prof = icc.cmyk_profile(layout.template.output.icc_profile)
    for it, bounds in printed_images(layout):
        try:
            stats = image_color_stats(it, icc, prof.id)
        except RenderError as exc:
            out.append(
                Finding(
                    "image.decode_failed",
                    "blocker",
                    Msg("This photo could not be read. Please upload it again."),
                    f"{exc.code}: {exc.message}",
                    it.layer,
                    bounds,
                )
            )
            continue
        limit = prof.total_ink_limit
        if limit is not None and stats.max_tac > limit + 1.0:
            out.append(
                Finding(
                    "color.total_ink",
                    "warning",
                    Msg("Some dark areas of this photo use more ink than the press allows; they will be adjusted."),
                    f"max total area coverage {stats.max_tac:.0f}% through {prof.id} (perceptual), limit {limit:g}%",
                    it.layer,
                    bounds,
                    rounded(stats.max_tac),
                    limit,
                    "%",
                )
            )
        share = stats.out_of_gamut
        if share >= GAMUT_SHARE_INFO:
            sev: Severity = "warning" if share >= GAMUT_SHARE_WARN else "info"
            out.append(
                Finding(
                    "color.out_of_gamut",
                    sev,
                    Msg("Some bright colours in this photo cannot be printed exactly and will look a little duller."),
                    f"{share:.1%} of pixels change by ΔE2000 > {GAMUT_DE:g} in the sRGB → {prof.id} → sRGB "
                    f"round trip (max ΔE2000 {stats.max_de:.1f})",
                    it.layer,
                    bounds,
                    rounded(share * 100),
                    rounded(GAMUT_SHARE_WARN * 100 if sev == "warning" else GAMUT_SHARE_INFO * 100),
                    "%",
                    {"max_delta_e": rounded(stats.max_de)},
                )
            )
    return out
