"""Strokes: hairlines that may disappear in print."""

from __future__ import annotations

from ..layout.plan import ShapeItem
from ..model.units import pt_to_mm
from .messages import Msg
from .report import CheckContext, Finding, rounded
from .thresholds import (
    MIN_STROKE_PT,
)


def check_strokes(ctx: CheckContext) -> list[Finding]:
    layout = ctx.layout
    out: list[Finding] = []
    for it in layout.items:
        if isinstance(it, ShapeItem) and it.stroke is not None and it.opacity > 0:
            pt = it.stroke_width_mm / pt_to_mm(1.0)
            if pt < MIN_STROKE_PT - 1e-9:
                out.append(
                    Finding(
                        "shape.hairline",
                        "warning",
                        Msg("This line is very thin and may not be visible in print."),
                        f"stroke {pt:.3f} pt, minimum {MIN_STROKE_PT:g} pt",
                        it.layer,
                        it.path.bounds(),
                        rounded(pt, 3),
                        MIN_STROKE_PT,
                        "pt",
                    )
                )
    return out
