"""What text layout produces: positioned glyphs, lines and outlines (shared by horizontal, path and vertical
layout; every backend draws exactly these glyphs, so preview, PNG and PDF agree)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..inputs.font_catalog import FontFace
from ..model.deadline import check as check_deadline
from ..model.design import TextLayer
from ..model.geometry import Matrix, Path, Rect
from .color_glyphs import color_layer_paths


@dataclass(frozen=True)
class PlacedGlyph:
    face_id: str
    gid: int
    cluster: int  # index into the layer's text
    matrix: Matrix  # font units (y up) -> page mm (y down)
    color_span: int = -1  # index of the layer span whose colour this glyph takes; -1: the layer colour


@dataclass(frozen=True)
class TextLine:
    text: str
    width_mm: float
    x_mm: float
    baseline_mm: float
    start: int = 0  # index of the line's first character in the layer text


@dataclass(frozen=True)
class TextBlock:
    glyphs: tuple[PlacedGlyph, ...]
    lines: tuple[TextLine, ...]
    size_pt: float
    overflow: bool  # does not fit its box even at the size used
    fallback: tuple[tuple[str, str], ...]  # (character, family id) printed by a fallback font
    outline: Path
    bounds: Rect | None
    # the outline split by paint: (span index whose colour/stroke applies, or -1 for the layer's, outline)
    color_runs: tuple[tuple[int, Path], ...] = ()
    # colour glyphs (emoji) as layers over the text: (``#rrggbb``, or None for the text colour, outline)
    color_glyphs: tuple[tuple[str | None, Path], ...] = ()


def span_keys(layer: TextLayer, *attrs: str) -> list[int]:
    """Per character of the layer text: the index of the span that sets any of ``attrs`` ('font', 'color',
    'stroke', ...) for it, or -1 (the layer's own). Spans do not overlap (validated by the model)."""
    keys = [-1] * len(layer.text)
    for k, span in enumerate(layer.spans):
        if any(getattr(span, attr) is not None for attr in attrs):
            for i in range(span.start, min(span.end, len(keys))):
                keys[i] = k
    return keys



def finish_block(glyphs: Sequence[PlacedGlyph], faces: Mapping[str, FontFace], lines: Sequence[TextLine],
                 size_pt: float, overflow: bool, fallback: Sequence[tuple[str, str]], emoji: str) -> TextBlock:
    """The block of placed glyphs: their outline, split by paint, and colour glyph layers."""
    parts = []
    for k, placed in enumerate(glyphs):
        if k % 64 == 0:
            check_deadline()
        parts.append(faces[placed.face_id].outline(placed.gid).transformed(placed.matrix))
    outline = Path(tuple(op for part in parts for op in part.ops))
    colour_layers = color_layer_paths(
        ((faces[g.face_id], g.gid, g.matrix) for g in glyphs), monochrome=emoji != "color"
    )
    bounds_path = Path(outline.ops + tuple(op for _, p in colour_layers for op in p.ops))
    color_runs: list[tuple[int, Path]] = []
    for key in sorted({g.color_span for g in glyphs}):
        ops = tuple(op for g, part in zip(glyphs, parts, strict=True) if g.color_span == key for op in part.ops)
        color_runs.append((key, Path(ops)))
    return TextBlock(
        glyphs=tuple(glyphs),
        lines=tuple(lines),
        size_pt=size_pt,
        overflow=overflow,
        fallback=tuple(fallback),
        outline=outline,
        bounds=bounds_path.bounds(),
        color_runs=tuple(color_runs),
        color_glyphs=colour_layers,
    )
