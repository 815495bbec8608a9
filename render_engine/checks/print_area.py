"""Print area: content outside what the product can print (masks, die-cut shape)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..layout.plan import ShapeItem, SvgItem
from ..model.geometry import Path, Rect
from .messages import Msg
from .regions import flatten, inside, item_bounds, share_warning
from .report import CheckContext, Finding

if TYPE_CHECKING:
    import numpy as np


def _sample_grid(r: Rect, n: int = 24) -> np.ndarray:
    import numpy as np  # only for shapes and clip-art: a photo-and-text design never loads it

    xs = r.x + (np.arange(n) + 0.5) * r.w / n
    ys = r.y + (np.arange(n) + 0.5) * r.h / n
    return np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)


def check_print_area(ctx: CheckContext) -> list[Finding]:
    """Shapes and clip-art that reach outside the printable area (the template's print-area outline, or the
    bleed box): that part will not print. Photos and backgrounds are meant to run past it; text has its own
    safe-area, mask and cut-path findings (:func:`check_safe_zone`)."""
    layout = ctx.layout
    t = layout.template
    area = Path.from_svg(t.print_area.d, evenodd=True) if t.print_area else Path.rect(layout.bleed)
    out: list[Finding] = []
    for it in layout.items:
        if not isinstance(it, ShapeItem | SvgItem) or it.opacity <= 0:
            continue
        b = item_bounds(it)
        if b is None or b.w <= 0 or b.h <= 0:
            continue
        pts = _sample_grid(b)
        if isinstance(it, ShapeItem):  # inside the outline, or its vertices for lines and open strokes
            import numpy as np

            filled = pts[inside(it.path, pts)]
            pts = filled if len(filled) else np.concatenate(flatten(it.path) or [pts])
        outside = ~inside(area, pts)
        if not len(pts) or float(outside.mean()) <= 0.01:
            continue
        out.append(
            share_warning(
                "template.outside_print_area",
                Msg("Part of this element lies outside the printable area of the product and will not print."),
                f"of its samples fall outside the {'print-area outline' if t.print_area else 'bleed box'} of {t.id}",
                it.layer,
                pts,
                outside,
            )
        )
    return out
