"""Colour glyphs (COLRv0 emoji): each layer is an ordinary glyph outline filled with a palette colour.

The layers are placed with their base glyph's matrix, so both backends draw them as they draw any text
outline (vector paths in the PDF, the same paths rasterised in the PNG) and the advance is the base glyph's,
from shaping. The base glyphs of a COLR font carry no outline of their own (Twemoji's are empty).
"""

from __future__ import annotations

from collections.abc import Iterable

from ..inputs.font_catalog import FontFace
from ..model.geometry import Matrix, Path


def color_layer_paths(
    glyphs: Iterable[tuple[FontFace, int, Matrix]], monochrome: bool = False
) -> tuple[tuple[str | None, Path], ...]:
    """(``#rrggbb`` or None for the text colour, page-mm outline) bottom to top, consecutive layers of one
    colour merged into one path. ``monochrome``: every layer in the text colour, so a glyph prints as its
    silhouette (the union of its layers: TrueType outer contours share one winding, so the nonzero fill of
    the merged path covers every layer)."""
    out: list[tuple[str | None, Path]] = []
    for face, gid, matrix in glyphs:
        for layer_gid, palette_colour in face.color_layers(gid):
            colour = None if monochrome else palette_colour
            path = face.outline(layer_gid).transformed(matrix)
            if out and out[-1][0] == colour:
                out[-1] = (colour, Path(out[-1][1].ops + path.ops))
            else:
                out.append((colour, path))
    return tuple(out)


__all__ = ["color_layer_paths"]
