"""Decorations and text backgrounds of text on a path, as Fabric draws them: one rect per character in the
character's own frame (its point on the path, turned to the tangent), not one per run along a straight line.

Fabric 6/7 ``Text._renderTextDecoration`` on a path: for every character with the decoration and a fill,
``translate(renderLeft, renderTop)``, ``rotate(angle)``, ``fillRect(-kernedWidth / 2, offset × charFontSize +
deltaY − aligner × thickness, kernedWidth, thickness)`` with thickness ``fontSize × textDecorationThickness /
1000`` and — a quirk kept here — the fill of the line's *first* character (``lastFill`` is never updated on
a path). ``_renderTextLinesBackground``: ``fillRect(-width / 2, −lineHeight × (1 − 0.222), width, lineHeight)``
with the line's height without ``lineHeight`` (``getHeightOfLineImpl``: its largest fontSize × 1.13). The
frame's origin is the point on the path itself: ``pathAlign`` moves only the glyphs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model.geometry import Matrix, Rect
from ..model.geometry import Path as VPath

if TYPE_CHECKING:
    from ..inputs.font_catalog import FontCatalog
    from ..layout.text import TextBlock
    from .styles import CharStyle

#: Fabric's Text.offsets (fractions of fontSize from the baseline) and where the thickness is anchored
_DECORATIONS = {"underline": (0.1, 0.0), "linethrough": (-0.28167, 0.5), "overline": (-0.81333, 1.0)}
_FONT_SIZE_MULT, _FONT_SIZE_FRACTION = 1.13, 0.222


def _frames(flat: TextBlock, fonts: FontCatalog, chars: list[CharStyle], mm_per_px: float, align: str):  # type: ignore[no-untyped-def]
    """Per laid-out character (first glyph of its cluster): (cluster, frame, width mm), ``frame`` mapping the
    character's Fabric frame (mm, origin on the path, x along it, y down) to the layout's page mm."""
    out = []
    seen: set[int] = set()
    for g in flat.glyphs:
        if g.cluster in seen:
            continue
        seen.add(g.cluster)
        face = fonts.face_by_id(g.face_id)
        adv_u = face.hb_font.get_glyph_h_advance(g.gid)
        m = g.matrix
        s_glyph = (m.a * m.a + m.b * m.b) ** 0.5  # mm per font unit
        if s_glyph <= 0:
            continue
        asc, desc, _gap = face.extents
        pin_u = {"baseline": 0.0, "center": (asc - desc) / 2, "ascender": asc, "descender": -desc}[align]
        dy_u = chars[g.cluster].dy * mm_per_px / s_glyph  # the glyph sits deltaY below its point on the path
        ox, oy = m.apply((adv_u / 2, dy_u + pin_u))
        ux, uy = m.a / s_glyph, m.b / s_glyph  # along the path (font x), in page mm
        frame = Matrix(a=ux, b=uy, c=-uy, d=ux, e=ox, f=oy)
        out.append((g.cluster, frame, adv_u * s_glyph))
    return out


def path_decorations(
    flat: TextBlock,
    fonts: FontCatalog,
    chars: list[CharStyle],
    mm_per_px: float,
    align: str,
    font_size_px: float,
    alpha: float,
) -> tuple[list[tuple[VPath, str, float, str]], list[tuple[VPath, str, float, str]]]:
    """(before, after) the glyphs, as :func:`.text_objects._decorations` gives them: text backgrounds and
    underlines before, overlines and line-throughs after; each a character's rect in layout page mm."""
    frames = _frames(flat, fonts, chars, mm_per_px, align)
    line_of: dict[int, int] = {}
    for n, line in enumerate(flat.lines):
        for i in range(line.start, line.start + len(line.text)):
            line_of[i] = n
    first_fill: dict[int, str | None] = {
        n: chars[line.start].fill if line.text else None for n, line in enumerate(flat.lines)
    }
    line_size: dict[int, float] = {}
    for i, n in line_of.items():
        line_size[n] = max(line_size.get(n, 0.0), chars[i].size)

    def quad(frame: Matrix, x: float, y: float, w: float, h: float) -> VPath:
        return VPath.rect(Rect(x, y, w, h)).transformed(frame)

    before: list[tuple[VPath, str, float, str]] = []
    after: list[tuple[VPath, str, float, str]] = []
    for i, frame, w in frames:
        c = chars[i]
        if c.bg is not None:
            bg_h = line_size.get(line_of.get(i, 0), c.size) * _FONT_SIZE_MULT * mm_per_px
            before.append((quad(frame, -w / 2, -bg_h * (1 - _FONT_SIZE_FRACTION), w, bg_h), c.bg, c.bg_alpha,
                           "textBackgroundColor"))  # fmt: skip
    for kind in ("underline", "overline", "linethrough"):
        off, aligner = _DECORATIONS[kind]
        for i, frame, w in frames:
            c = chars[i]
            fill = first_fill.get(line_of.get(i, 0))
            if not getattr(c, kind) or c.fill is None or fill is None or c.thickness <= 0:
                continue
            thick = font_size_px * c.thickness / 1000 * mm_per_px  # the object's fontSize, the character's
            y = off * c.size * mm_per_px + c.dy * mm_per_px - aligner * thick
            rect = (quad(frame, -w / 2, y, w, thick), c.deco or fill, alpha, kind)
            (before if kind == "underline" else after).append(rect)
    return before, after
