"""Safe zone: text and important content too close to the trim (cut) edge."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..layout.plan import TextItem
from ..model.geometry import Path, Rect
from .messages import Msg
from .regions import ink_points, inside, intersection, share_warning
from .report import CheckContext, Finding, rounded
from .thresholds import (
    GEOM_TOL_MM,
)

if TYPE_CHECKING:
    import numpy as np


def check_safe_zone(ctx: CheckContext) -> list[Finding]:
    """Text outside the safe rect, over a template mask hole, or across the cut path (all warnings)."""
    layout = ctx.layout
    t = layout.template
    out: list[Finding] = []
    safe = layout.safe
    masks = {name: Path.from_svg(spec.d, evenodd=True) for name, spec in t.masks.items()}
    cut = Path.from_svg(t.cut_path.d) if t.cut_path else None
    for it in layout.items:
        if not isinstance(it, TextItem) or it.opacity <= 0:
            continue
        b = it.block.bounds
        if b is None or intersection(b, layout.bleed) is None:
            continue
        reach = max((st.stroke_width_mm / 2 for st in it.strokes), default=0.0)  # outlined text is wider
        if reach:
            b = Rect(b.x - reach, b.y - reach, b.w + 2 * reach, b.h + 2 * reach)
        if not safe.contains(b, GEOM_TOL_MM):
            past = max(safe.x - b.x, b.x1 - safe.x1, safe.y - b.y, b.y1 - safe.y1)
            beyond_trim = not layout.trim.contains(b, GEOM_TOL_MM)
            out.append(
                Finding(
                    "safe.text_outside",
                    "warning",
                    Msg("Part of this text may be cut off — it reaches past the edge of the product. Move it "
                        "further inside.")
                    if beyond_trim
                    else Msg("Part of this text may be cut off or sit too close to the edge. Move it further inside."),
                    f"text bounds {b.x:.1f},{b.y:.1f} {b.w:.1f}x{b.h:.1f} mm extend {past:.2f} mm outside the safe "
                    f"area (trim inset by {t.safe_margin_mm:g} mm){'; crosses the trim edge' if beyond_trim else ''}",
                    it.layer,
                    b,
                    rounded(past, 2),
                    0.0,
                    "mm",
                    {"beyond_trim": beyond_trim},
                )
            )
        pts: np.ndarray | None = None
        for name, mpath in masks.items():
            mb = mpath.bounds()
            if mb is None or not mb.intersects(b):
                continue
            pts = ink_points(it) if pts is None else pts
            hit = inside(mpath, pts)
            if hit.any():
                out.append(
                    share_warning(
                        "safe.text_over_mask",
                        Msg("Part of this text sits over the {name} opening, where nothing is printed.", name=name),
                        f"of the text's ink samples fall inside template mask '{name}' "
                        f"({t.masks[name].description or 'no description'})",
                        it.layer,
                        pts,
                        hit,
                        {"mask": name},
                    )
                )
        if cut is not None:
            pts = ink_points(it) if pts is None else pts
            outside = ~inside(cut, pts)
            if outside.any():
                out.append(
                    share_warning(
                        "safe.text_crosses_cut",
                        Msg("Part of this text crosses the cut line of the product and will be cut off."),
                        "of the text's ink samples lie outside the cut path",
                        it.layer,
                        pts,
                        outside,
                    )
                )
    return out
