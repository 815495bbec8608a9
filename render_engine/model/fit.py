"""How an image fits its box, as plain numbers: the crop of ``cover`` and the size of ``contain``.

Standard library only: the layout (:mod:`render_engine.layout.plan`) places image layers with these, and the
command line's early start of a design's image work (:mod:`render_engine.backends.early`) computes the same
crops before the design model loads (issue 22).
"""

from __future__ import annotations


def cover_crop(
    region: tuple[float, float, float, float], box_aspect: float, focus: tuple[float, float] | None
) -> tuple[float, float, float, float]:
    """The largest sub-rectangle of ``region`` with ``box_aspect`` (w/h), centred on ``focus`` if given
    (clamped so it stays inside the region), else on the region's centre."""
    x, y, w, h = region
    fx, fy = focus if focus is not None else (x + w / 2, y + h / 2)
    if w / h > box_aspect:
        cw, ch = h * box_aspect, h
    else:
        cw, ch = w, w / box_aspect
    cx = min(max(fx - cw / 2, x), x + w - cw)
    cy = min(max(fy - ch / 2, y), y + h - ch)
    return cx, cy, cw, ch


def contain_size(box_w: float, box_h: float, aspect: float) -> tuple[float, float]:
    """The largest width and height of ``aspect`` (w/h) inside a ``box_w`` x ``box_h`` box."""
    if box_w / box_h > aspect:
        return box_h * aspect, box_h
    return box_w, box_w / aspect
