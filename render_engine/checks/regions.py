"""Where things are on the page, for the checks: item extents, intersections, glyph outlines as polygons
and point-in-outline tests (even-odd or non-zero, as the backends fill them)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..layout.plan import BackgroundItem, ImageItem, Item, Layout, SvgItem, TextItem
from ..model.deadline import check as check_deadline
from ..model.geometry import Path, Rect, rotated_bounds
from .report import Finding, rounded

if TYPE_CHECKING:  # numpy loads on the first point test: a design without masks, cut paths or shapes never needs it
    import numpy as np


def item_bounds(it: Item) -> Rect | None:
    """Page extent of an item (mm), rotation included."""
    if isinstance(it, BackgroundItem):
        return it.rect
    if isinstance(it, ImageItem):
        r = rotated_bounds(it.dest, it.rotation, it.box.cx, it.box.cy) if it.rotation % 360 else it.dest
        return r
    if isinstance(it, SvgItem):
        return rotated_bounds(it.dest, it.rotation, it.dest.cx, it.dest.cy) if it.rotation % 360 else it.dest
    if isinstance(it, TextItem):
        return it.block.bounds
    return it.path.bounds()


def intersection(a: Rect, b: Rect) -> Rect | None:
    x0, y0 = max(a.x, b.x), max(a.y, b.y)
    x1, y1 = min(a.x1, b.x1), min(a.y1, b.y1)
    if x1 <= x0 or y1 <= y0:
        return None
    return Rect(x0, y0, x1 - x0, y1 - y0)


def _bezier_weights(steps: int) -> tuple[np.ndarray, ...]:
    """Bernstein weights of the samples ``k / steps``, k = 1..steps, each computed as the scalar formula
    did (``mt**3``, ``3 * mt * mt * t``, ``3 * mt * t * t``, ``t**3``), so samples are bit-identical to it."""
    import numpy as np

    ts = [k / steps for k in range(1, steps + 1)]
    return (
        np.array([(1 - t) ** 3 for t in ts]),
        np.array([3 * (1 - t) * (1 - t) * t for t in ts]),
        np.array([3 * (1 - t) * t * t for t in ts]),
        np.array([t**3 for t in ts]),
    )


def flatten(path: Path, steps: int = 6) -> list[np.ndarray]:
    """The path as closed polygons (curves sampled with ``steps`` segments), each an (n, 2) array.

    One pass over the operations records each polygon as indices into a vertex table (explicit points, then
    every curve's samples); the samples of all curves are computed at once with numpy. A 5 000-glyph text
    has ~450 000 curve samples: per-sample Python arithmetic was seconds of every preflight."""
    import numpy as np

    points: list[tuple[float, float]] = []  # explicit vertices (moveTo / lineTo)
    curves: list[tuple[tuple[float, float], ...]] = []  # (p0, p1, p2, p3) per curve
    polys: list[list[int]] = []
    cur: list[int] = []  # vertex ids: >= 0 an explicit point, < 0 sample (-id - 1) of the curves' table
    last: tuple[float, float] | None = None  # the current point's coordinates

    def vertex(pt: tuple[float, float]) -> int:
        points.append(pt)
        return len(points) - 1

    for op, pts in path.ops:
        if op == "M":
            check_deadline()
            if len(cur) > 2:
                polys.append(cur)
            cur, last = [vertex(pts[0])], pts[0]
        elif op == "L":
            cur.append(vertex(pts[0]))
            last = pts[0]
        elif op == "C" and cur:
            assert last is not None
            k = len(curves)
            curves.append((last, *pts))
            cur.extend(-(k * steps + j) - 1 for j in range(steps))
            last = pts[2]
        elif op == "Z" and cur:
            if len(cur) > 2:
                polys.append(cur)
            first = cur[0]
            cur = [first]
            last = points[first] if first >= 0 else None
    if len(cur) > 2:
        polys.append(cur)
    if not polys:
        return []
    table = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if curves:
        c = np.asarray(curves, dtype=np.float64)  # (n, 4, 2)
        w0, w1, w2, w3 = (w[None, :, None] for w in _bezier_weights(steps))
        p0, p1, p2, p3 = (c[:, i, None, :] for i in range(4))
        samples = w0 * p0 + w1 * p1 + w2 * p2 + w3 * p3  # (n, steps, 2), summed left to right as before
        table = np.concatenate([table, samples.reshape(-1, 2)])
    n = len(points)
    return [table[np.where(ids >= 0, ids, n - ids - 1)] for ids in (np.asarray(p) for p in polys)]


def inside(path: Path, pts: np.ndarray) -> np.ndarray:
    """Point-in-outline test of ``pts`` (n, 2) against the flattened path, with the path's own fill rule as
    the backends fill it: even-odd when ``path.evenodd``, else non-zero winding — so where two contours of one
    glyph overlap (a stroke crossing a bowl in many script fonts) the overlap is ink, not a hole.

    Each closed contour is tested only against the points inside its bounding box: outside it a contour's
    winding number is 0 and a ray crosses it an even number of times, so the answer is the same as testing
    every point against every edge — but a 5 000-glyph text costs (points per glyph box) x (edges), linear
    in the glyphs, not (all points) x (all edges) (34 s for a 1 000-character word before)."""
    import numpy as np

    res = np.zeros(len(pts), dtype=bool)
    if len(pts) == 0:
        return res
    order = np.argsort(pts[:, 1], kind="stable")  # by y: a contour's rows are one slice (searchsorted)
    sy = pts[order, 1]
    winding = np.zeros(len(pts), dtype=np.int64)
    for k, poly in enumerate(flatten(path)):
        if k % 64 == 0:
            check_deadline()
        (x0, y0), (x1, y1) = poly.min(axis=0), poly.max(axis=0)
        rows = order[np.searchsorted(sy, y0, "left") : np.searchsorted(sy, y1, "right")]
        idx = rows[(pts[rows, 0] >= x0) & (pts[rows, 0] <= x1)]
        if len(idx) == 0:
            continue
        px, py = pts[idx, 0], pts[idx, 1]
        x, y = px[:, None], py[:, None]
        a = poly
        b = np.roll(poly, -1, axis=0)
        ax, ay, bx, by = a[:, 0][None], a[:, 1][None], b[:, 0][None], b[:, 1][None]
        up, down = (ay <= y) & (by > y), (ay > y) & (by <= y)  # the edge crosses the ray's height
        with np.errstate(divide="ignore", invalid="ignore"):
            xi = ax + (y - ay) * (bx - ax) / (by - ay)
        right = x < xi  # the crossing lies on the ray from the point to the right
        winding[idx] += np.count_nonzero(up & right, axis=1) - np.count_nonzero(down & right, axis=1)
        if path.evenodd:
            res[idx] ^= (np.count_nonzero((up | down) & right, axis=1) % 2).astype(bool)
    return res if path.evenodd else winding != 0


def ink_points(item: TextItem, n: int = 48) -> np.ndarray:
    """Sample points (mm) inside the text's glyph outlines: a grid over its bounds, kept where there is ink."""
    import numpy as np

    b = item.block.bounds
    if b is None or item.block.outline.empty:
        return np.zeros((0, 2))
    nx = n
    ny = max(4, round(n * b.h / max(b.w, 1e-6)))
    ny = min(ny, 4 * n)
    xs = b.x + (np.arange(nx) + 0.5) * b.w / nx
    ys = b.y + (np.arange(ny) + 0.5) * b.h / ny
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    # include the bounds' extremes: thin strokes at the edge must not slip between grid points
    pts = grid[inside(item.block.outline, grid)]
    return pts if len(pts) else grid


def points_rect(pts: np.ndarray) -> Rect:
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    return Rect(float(x0), float(y0), float(x1 - x0), float(y1 - y0))


def share_warning(
    code: str, message: str, samples: str, layer: int, pts: np.ndarray, hit: np.ndarray, extra: dict | None = None
) -> Finding:
    """A warning that the samples ``pts[hit]`` of an element lie where they should not: the detail reads
    "<share> <samples>" ("40% of the text's ink samples lie outside the cut path"), measured in % of all
    samples, the region their bounds."""
    share = float(hit.mean())
    return Finding(
        code, "warning", message, f"{share:.0%} {samples}", layer, points_rect(pts[hit]), rounded(share * 100), 0.0,
        "%", extra or {},
    )  # fmt: skip


def printed_images(layout: Layout) -> Iterator[tuple[ImageItem, Rect]]:
    """Image items that put ink inside the bleed box, with their page bounds (mm)."""
    for it in layout.items:
        if not isinstance(it, ImageItem) or it.opacity <= 0:
            continue
        bounds = item_bounds(it)
        if bounds is not None and intersection(bounds, layout.bleed) is not None:
            yield it, bounds
