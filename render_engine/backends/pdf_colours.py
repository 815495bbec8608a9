"""Every flat sRGB colour a PDF page will ask the colour converter for, gathered before the page is drawn so
:meth:`~render_engine.inputs.color.ColorConverter.warm` converts them in one littleCMS transform.

Why: each colour the converter has not seen costs a transform of its own (~17 ms of CPU for FOGRA39). A warm
process has them cached, but a render farm's forked work horse starts cold for every job (issue 19's mug
piece: four text colours, four transforms, ~25 % of the horse's CPU). Converted together they are the same
bytes (:mod:`render_engine.inputs.flat_colours`: each pixel is converted on its own), so the PDF does not change.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..layout.plan import BackgroundItem, ShapeItem, TextItem
from ..model.design import RGB
from ..model.paint import Gradient, ResolvedPaint

Rgb = tuple[int, int, int]


def _paint(paint: ResolvedPaint | None, found: set[Rgb]) -> None:
    if isinstance(paint, RGB):
        found.add(paint.rgb)
    elif isinstance(paint, Gradient):
        found.update(c.rgb for _o, c, _a in paint.stops if isinstance(c, RGB))


def _shape(item: ShapeItem, found: set[Rgb]) -> None:
    _paint(item.fill, found)
    _paint(item.stroke, found)


def page_flat_colours(items: Iterable[object]) -> list[Rgb]:
    """The sRGB colours of the page's backgrounds, text (spans, strokes) and shapes, sorted (black too: the
    converter's rules make it pure or rich black in most roles, but one more colour in the same transform
    costs nothing)."""
    found: set[Rgb] = set()
    for item in items:
        if isinstance(item, BackgroundItem):
            _paint(item.color, found)
            if item.gradient is not None:
                found.update(s.color.rgb for s in item.gradient.stops if isinstance(s.color, RGB))
        elif isinstance(item, TextItem):
            for colour, _outline in item.paint_runs:
                _paint(colour, found)
            for stroke in item.strokes:
                _shape(stroke, found)
        elif isinstance(item, ShapeItem):
            _shape(item, found)
    return sorted(found)
