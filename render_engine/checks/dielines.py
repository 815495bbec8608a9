"""Dielines: text on a crease or fold *dieline* of the product (a folding carton's creasing rules, any
path in ``Template.dielines`` of kind crease or fold): the board bends there and letters crack. Straight
fold lines of a surface (``Template.folds``: a card's fold, a book's gutter) are :mod:`.folds`' check; both
report ``layout.text_on_fold``."""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING

from ..layout.plan import TextItem
from ..model.dielines import BENDING_KINDS
from ..model.geometry import Path, Rect
from .messages import Msg
from .regions import ink_points, inside
from .report import CheckContext, Finding, rounded

if TYPE_CHECKING:  # numpy loads with the first bending dieline: most products have none (issue 22, cold start)
    import numpy as np

#: text ink closer than this to a fold or crease counts as on it (half a typical 3 mm no-text band)
FOLD_CLEARANCE_MM = 1.5


def polylines(path: Path, steps: int = 8) -> list[np.ndarray]:
    """The path as open polylines (closed subpaths end at their start point), each an (n, 2) array."""
    import numpy as np

    out: list[list[tuple[float, float]]] = []
    cur: list[tuple[float, float]] = []
    for op, pts in path.ops:
        if op == "M":
            if len(cur) > 1:
                out.append(cur)
            cur = [pts[0]]
        elif op == "L" and cur:
            cur.append(pts[0])
        elif op == "C" and cur:
            p0 = cur[-1]
            p1, p2, p3 = pts
            for k in range(1, steps + 1):
                t = k / steps
                mt = 1 - t
                cur.append(
                    (
                        mt**3 * p0[0] + 3 * mt * mt * t * p1[0] + 3 * mt * t * t * p2[0] + t**3 * p3[0],
                        mt**3 * p0[1] + 3 * mt * mt * t * p1[1] + 3 * mt * t * t * p2[1] + t**3 * p3[1],
                    )
                )
        elif op == "Z" and cur:
            cur.append(cur[0])
    if len(cur) > 1:
        out.append(cur)
    return [np.asarray(p, dtype=np.float64) for p in out]


def distance_to_polyline(pts: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Each point's distance (mm) to the nearest segment of ``line``."""
    import numpy as np

    a, b = line[:-1][None], line[1:][None]  # (1, m, 2)
    p = pts[:, None, :]  # (n, 1, 2)
    ab = b - a
    denom = np.maximum((ab**2).sum(-1), 1e-12)
    t = np.clip(((p - a) * ab).sum(-1) / denom, 0.0, 1.0)
    nearest = a + t[..., None] * ab
    return np.sqrt(((p - nearest) ** 2).sum(-1)).min(axis=1)


def densify(line: np.ndarray, within: Rect, step_mm: float = 0.2) -> np.ndarray:
    """Points every ``step_mm`` along ``line``, kept where they fall inside ``within``."""
    import numpy as np

    out = [line[:1]]
    for a, b in pairwise(line):
        n = max(1, int(np.ceil(np.hypot(*(b - a)) / step_mm)))
        t = (np.arange(1, n + 1) / n)[:, None]
        out.append(a + t * (b - a))
    pts = np.concatenate(out)
    keep = (pts[:, 0] >= within.x) & (pts[:, 0] <= within.x1) & (pts[:, 1] >= within.y) & (pts[:, 1] <= within.y1)
    return pts[keep]


def check_dielines(ctx: CheckContext) -> list[Finding]:
    """A warning per text layer whose ink lies within FOLD_CLEARANCE_MM of a fold or crease dieline."""
    layout = ctx.layout
    bends = [(dl, polylines(Path.from_svg(dl.d))) for dl in layout.template.dielines if dl.kind in BENDING_KINDS]
    if not bends:
        return []
    import numpy as np

    out: list[Finding] = []
    for it in layout.items:
        if not isinstance(it, TextItem) or it.opacity <= 0:
            continue
        b = it.block.bounds
        if b is None:
            continue
        reach = FOLD_CLEARANCE_MM + max((st.stroke_width_mm / 2 for st in it.strokes), default=0.0)
        grown = Rect(b.x - reach, b.y - reach, b.w + 2 * reach, b.h + 2 * reach)
        pts: np.ndarray | None = None
        for dl, lines in bends:
            near_lines = [ln for ln in lines if _bounds(ln).intersects(grown)]
            if not near_lines:
                continue
            pts = ink_points(it) if pts is None else pts
            if len(pts) == 0:
                break
            dist = np.min([distance_to_polyline(pts, ln) for ln in near_lines], axis=0)
            close = dist < reach
            crossed = any(inside(it.block.outline, densify(ln, grown)).any() for ln in near_lines)
            nearest = 0.0 if crossed else float(dist.min())
            if close.any() or crossed:
                out.append(
                    Finding(
                        "layout.text_on_fold",
                        "warning",
                        Msg("This text sits on a {kind} line of the product, where the paper bends: move it "
                            "at least {clear:g} mm away.", kind=Msg(dl.kind), clear=FOLD_CLEARANCE_MM),
                        f"{int(close.sum())} of {len(pts)} ink samples lie within {reach:.2f} mm of the "
                        f"{dl.kind} line ({dl.description or dl.spot})"
                        + ("; the line crosses the letters" if crossed else f"; nearest {nearest:.2f} mm"),
                        it.layer,
                        b,
                        rounded(nearest, 2),
                        FOLD_CLEARANCE_MM,
                        "mm",
                        {"dieline": dl.kind},
                    )
                )
                break
    return out


def _bounds(line: np.ndarray) -> Rect:
    x0, y0 = line.min(axis=0)
    x1, y1 = line.max(axis=0)
    return Rect(float(x0), float(y0), float(x1 - x0), float(y1 - y0))
