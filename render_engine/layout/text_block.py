"""What text layout produces: positioned glyphs, lines and outlines (shared by horizontal, path and vertical
layout; every backend draws exactly these glyphs, so preview, PNG and PDF agree)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from ..inputs.font_catalog import FontCatalog, FontFace
from ..model.deadline import check as check_deadline
from ..model.design import TextLayer
from ..model.geometry import Matrix, Path, Rect
from .color_glyphs import color_layer_paths
from .shaping import require_coverage

T = TypeVar("T")


@dataclass(frozen=True)
class PlacedGlyph:
    face_id: str
    gid: int
    cluster: int  # index into the layer's text
    matrix: Matrix  # font units (y up) -> page mm (y down)
    color_span: int = -1  # index of the layer span whose colour this glyph takes; -1: the layer colour
    bold: bool = False  # drawn emboldened (FontRef.synthetic_bold)


@dataclass(frozen=True)
class TextLine:
    text: str
    width_mm: float
    x_mm: float
    baseline_mm: float
    start: int = 0  # index of the line's first character in the layer text
    measured_mm: float | None = None  # its width as ``measure`` measures it (per character), where it differs
    # a line aligned by its per-character measure (``measure``): (left, right) of that measure in page mm
    measured_span_mm: tuple[float, float] | None = None


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
    # the faces the glyphs are set in (the raster backend hints their outlines: backends/hinting.py)
    faces: tuple[FontFace, ...] = field(default=(), compare=False, repr=False)


def span_keys(layer: TextLayer, *attrs: str) -> list[int]:
    """Per character of the layer text: the index of the span that sets any of ``attrs`` ('font', 'color',
    'stroke', ...) for it, or -1 (the layer's own). Spans do not overlap (validated by the model)."""
    keys = [-1] * len(layer.text)
    for k, span in enumerate(layer.spans):
        if any(getattr(span, attr) is not None for attr in attrs):
            for i in range(span.start, min(span.end, len(keys))):
                keys[i] = k
    return keys


def finish_block(
    glyphs: Sequence[PlacedGlyph],
    faces: Mapping[str, FontFace],
    lines: Sequence[TextLine],
    size_pt: float,
    overflow: bool,
    fallback: Sequence[tuple[str, str]],
    emoji: str,
) -> TextBlock:
    """The block of placed glyphs: their outline, split by paint, and colour glyph layers."""
    parts = []
    for k, placed in enumerate(glyphs):
        if k % 64 == 0:
            check_deadline()
        face = faces[placed.face_id]
        glyph = face.bold_outline(placed.gid) if placed.bold else face.outline(placed.gid)
        parts.append(glyph.transformed(placed.matrix))
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
        faces=tuple(faces[i] for i in dict.fromkeys(g.face_id for g in glyphs)),
    )


@dataclass(frozen=True)
class Chain:
    """The faces one font's characters are tried in, in order, and those its FontRef names (its family and its
    ``fallback`` list; a character in any other is printed by a fallback face)."""

    faces: list[FontFace]
    own: frozenset[FontFace]
    bold: bool = False  # a lighter face's characters are emboldened (FontRef.synthetic_bold, the face bold)


def face_chains(
    layer: TextLayer, catalog: FontCatalog, field: str, emoji: str
) -> tuple[FontFace, dict[int, Chain], list[int]]:
    """(the layer's face, a face chain per span that sets a font (-1: the layer's), per character the span
    whose chain covers it)."""
    chains: dict[int, Chain] = {}
    for k, ref, at in [(-1, layer.font, ""), *((k, s.font, f".spans[{k}]") for k, s in enumerate(layer.spans))]:
        if ref is not None:
            faces, own = catalog.chain(ref, emoji, field=f"{field}{at}.font")
            chains[k] = Chain(faces, frozenset(own), ref.synthetic_bold and faces[0].weight >= 700)
    return catalog.face(layer.font), chains, span_keys(layer, "font")


def paragraph_faces(
    text: str, keys: Sequence[int], chains: Mapping[int, Chain], field: str
) -> tuple[list[FontFace], list[bool], list[bool]]:
    """A face per character of one paragraph (runs of one span font, each covered by its chain; a character no
    face has is a FontError naming ``field``.text), whether it is a fallback face, not one its span's font
    names, and whether it is drawn emboldened (``Chain.bold`` and a face of weight 500 or less)."""
    faces: list[FontFace] = []
    fallback: list[bool] = []
    bold: list[bool] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or keys[i] != keys[start]:
            chain = chains[keys[start]]
            part = require_coverage(text[start:i], chain.faces, f"{field}.text", chain.own)
            faces += part
            fallback += [f not in chain.own for f in part]
            bold += [chain.bold and f.weight <= 500 for f in part]
            start = i
    return faces, fallback, bold


def choose_size(layer: TextLayer, attempt: Callable[[float], tuple[T, bool]]) -> tuple[float, T, bool]:
    """Shrink-to-fit: the layer size if ``attempt(size)`` fits (or shrinking is off), else the largest size down
    to ``min_size`` (a tenth of a point, rounded down) that fits; returns (size, its layout, fits)."""
    lines, fits = attempt(layer.size)
    if fits or not layer.shrink_to_fit or layer.min_size >= layer.size:
        return layer.size, lines, fits
    lo_lines, lo_fits = attempt(layer.min_size)
    if not lo_fits:
        return layer.min_size, lo_lines, False
    lo, hi = layer.min_size, layer.size  # lo fits, hi does not
    while hi - lo > 0.05:
        mid = (lo + hi) / 2
        m_lines, m_fits = attempt(mid)
        if m_fits:
            lo, lo_lines = mid, m_lines
        else:
            hi = mid
    size = math.floor(lo * 10) / 10  # a tenth of a point, rounded down so it still fits
    if size < layer.min_size:
        size = lo
    lines, fits = attempt(size)
    return size, lines, fits
