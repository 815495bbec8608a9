"""Bleed: backgrounds and photos that stop at the trim edge instead of reaching into the bleed."""

from __future__ import annotations

from ..layout.plan import ImageItem
from .messages import Msg, joined
from .regions import intersection, item_bounds
from .report import CheckContext, Finding, Severity, rounded
from .thresholds import (
    EDGE_TOL_MM,
    GEOM_TOL_MM,
)


def check_bleed(ctx: CheckContext) -> list[Finding]:
    """An image touching a trim edge must reach through the bleed on that side.

    Blocker when it stops at the trim edge (no bleed at all: a white sliver is likely), warning when it
    covers only part of the bleed. Backgrounds always fill the bleed box. The suggested auto-fix (extend the
    edge by mirroring) is recorded in ``extra.fix``; it is not applied.
    """
    layout = ctx.layout
    t = layout.template
    if t.bleed_mm <= 0:
        return []
    trim, bleed = layout.trim, layout.bleed
    out: list[Finding] = []
    for it in layout.items:
        if not isinstance(it, ImageItem) or it.opacity <= 0 or it.clip is not None or it.extra_clips:
            continue
        r = item_bounds(it)
        if r is None or intersection(r, trim) is None:
            continue
        # (side, distance the image edge stops short of the bleed edge, touches the trim edge?)
        sides = {
            "left": (r.x - bleed.x, r.x <= trim.x + EDGE_TOL_MM),
            "top": (r.y - bleed.y, r.y <= trim.y + EDGE_TOL_MM),
            "right": (bleed.x1 - r.x1, r.x1 >= trim.x1 - EDGE_TOL_MM),
            "bottom": (bleed.y1 - r.y1, r.y1 >= trim.y1 - EDGE_TOL_MM),
        }
        missing = {s: rounded(m, 2) for s, (m, touches) in sides.items() if touches and m > GEOM_TOL_MM}
        if not missing:
            continue
        worst = max(missing.values())
        severity: Severity = "blocker" if worst >= t.bleed_mm - GEOM_TOL_MM else "warning"
        out.append(
            Finding(
                "bleed.missing",
                severity,
                Msg("This image ends at the edge of the product ({edges}) instead of running past it, so a thin "
                    "white line may show after cutting. Stretch it past the edge.",
                    edges=joined(", ", list(missing))),
                f"image extent {r.x:.2f},{r.y:.2f} {r.w:.2f}x{r.h:.2f} mm stops short of the bleed box by "
                + ", ".join(f"{s} {m:.2f} mm" for s, m in missing.items())
                + f" (bleed {t.bleed_mm:g} mm); auto-fix: extend by mirroring the edge",
                it.layer,
                r,
                worst,
                t.bleed_mm,
                "mm",
                {"missing_mm": missing, "fix": {"action": "extend_mirror", "sides_mm": missing}},
            )
        )
    return out
