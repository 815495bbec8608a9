"""Glyph outlines hinted for a pixel grid, as cairo fills them (raster backend only).

Fabric's Node render (node-canvas: pango, cairo 1.16, FreeType) fills text as paths whose outlines cairo takes
from FreeType *hinted*: Debian's fontconfig default is ``hintslight``, which cairo turns into
``FT_LOAD_TARGET_LIGHT`` (``_cairo_ft_options_merge``), and FreeType's TrueType v40 interpreter and its CFF
engine hint that lightly — vertical only: heights snap to whole pixels above the baseline (a 40 px Noto Sans
capital is 29 px tall, 28.56 in the font), glyph x positions and widths stay as laid out. The raster backend
draws the same: each glyph's outline loaded from FreeType at the device size, exactly as cairo does
(``_cairo_ft_unscaled_font_set_scale`` + ``_cairo_ft_scaled_glyph_init``): the glyph's em-to-device matrix
``M`` split into a character size (``x_scale = |M·(1,0)|``, ``y_scale = |det M| / x_scale``, each at least 1
px, set in 26.6 rounded) and a shape (``M`` over those scales, 16.16 truncated) that FreeType applies *after*
hinting (``FT_Set_Transform``), loaded with ``FT_LOAD_TARGET_LIGHT | FT_LOAD_NO_BITMAP |
FT_LOAD_IGNORE_GLOBAL_ADVANCE_WIDTH``, y inverted, placed at the glyph's exact (unrounded) origin. So turned
and mirrored glyphs are hinted as cairo hints them too: in their own frame, then turned. Only the outline's
shape changes: every glyph stays where the layout put it (line breaks, advances and positions are the
layout's), and the PDF keeps the exact unhinted outlines.

FreeType comes from ``freetype-py`` (PyPI), which bundles its own FreeType build, so every install hints
identically whatever the system has (the byte-code interpreter is FreeType's; nothing here is hand-written
hinting). Hinted outlines are cached per (font file, glyph, character size, shape): a name at one size on
many previews loads each glyph once.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..model.geometry import Matrix, Path
from ..model.units import pixels_per_mm

if TYPE_CHECKING:
    from ..layout.text_block import TextBlock
    from .common import Canvas

# FT_LOAD_TARGET_LIGHT (FT_RENDER_MODE_LIGHT << 16) | FT_LOAD_NO_BITMAP | FT_LOAD_IGNORE_GLOBAL_ADVANCE_WIDTH:
# cairo's load flags for a path under hintslight (FT_LOAD_COLOR, which it adds too, does not change outlines)
LOAD_FLAGS = (1 << 16) | 0x8 | 0x200
CACHE_MAX = 50_000  # hinted outlines kept a process (a glyph at one size: ~1-3 KB)

_lock = threading.Lock()
_faces: dict[str, Any] = {}  # font file -> freetype.Face
_cache: dict[tuple[str, int, int, int, tuple[int, int, int, int]], Path | None] = {}


def _fixed(v: float) -> int:
    """cairo's DOUBLE_TO_16_16: a C cast, truncated toward zero."""
    return int(v * 65536.0)


def _ft_face(path: str) -> Any:
    face = _faces.get(path)
    if face is None:
        import freetype  # only a raster with text loads FreeType

        face = _faces[path] = freetype.Face(path)
    return face


def _outline_path(outline: Any) -> Path:
    """A FreeType outline (26.6 units, y up) as a Path in the same units with y inverted (cairo's
    ``invert_y``): conic (TrueType) and cubic (CFF) control points as FreeType tags them."""
    from fontTools.pens.pointPen import PointToSegmentPen

    points: Sequence[tuple[int, int]] = outline.points
    tags: Sequence[int] = outline.tags
    ends: Sequence[int] = outline.contours

    def draw(pen: Any) -> None:
        ppen = PointToSegmentPen(pen)
        start = 0
        for end in ends:
            idx = range(start, end + 1)
            ppen.beginPath()
            for i in idx:
                kind = tags[i] & 3
                x, y = points[i]
                if kind == 1:  # on the curve: the segment's kind is what precedes it (cyclically)
                    prev = tags[i - 1 if i > start else end] & 3
                    seg = "line" if prev == 1 else ("curve" if prev == 2 else "qcurve")
                    ppen.addPoint((x, -y), seg)
                else:
                    ppen.addPoint((x, -y), None)
            ppen.endPath()
            start = end + 1

    return Path.from_pen_drawing(draw)


def hinted_outline(path: str, gid: int, x26: int, y26: int, shape: tuple[int, int, int, int]) -> Path | None:
    """Glyph ``gid`` of the font file ``path`` hinted at the character size ``x26`` x ``y26`` (26.6) and turned
    by ``shape`` (FT_Set_Transform's 16.16 xx, yx, xy, yy) after hinting, in 26.6 units with y down; None if
    FreeType has no outline for it. Cached."""
    key = (path, gid, x26, y26, shape)
    hit = _cache.get(key, False)
    if hit is not False:
        return hit  # type: ignore[return-value]
    import freetype

    with _lock:
        face = _ft_face(path)
        xx, yx, xy, yy = shape
        face.set_transform(freetype.FT_Matrix(xx, xy, yx, yy), freetype.FT_Vector(0, 0))
        try:
            face.set_char_size(x26, y26, 0, 0)
            face.load_glyph(gid, LOAD_FLAGS)
            glyph = face.glyph
            out = _outline_path(glyph.outline) if glyph.format == freetype.FT_GLYPH_FORMAT_OUTLINE else None
        except freetype.FT_Exception:
            out = None  # drawn unhinted
        if len(_cache) >= CACHE_MAX:
            _cache.clear()
        _cache[key] = out
    return out


def hinted_runs(block: TextBlock, canvas: Canvas) -> dict[int, Path]:
    """The block's outlines hinted for ``canvas``' pixel grid: ``id(original path) -> hinted path`` for its
    whole outline and each of its paint runs (``block.color_runs``), each glyph where the layout placed it.
    A glyph FreeType cannot load as an outline keeps its exact outline."""
    faces = {f.face_id: f for f in block.faces}
    if not block.glyphs or not faces:
        return {}
    k = pixels_per_mm(canvas.dpi)
    to_26 = 1.0 / (64.0 * k)  # mm of one 26.6 unit
    parts: list[Path] = []
    for g in block.glyphs:
        face = faces.get(g.face_id)
        m = g.matrix  # font units (y up) -> page mm (y down)
        part: Path | None = None
        if face is not None:
            u = face.upem * k  # cairo's scale matrix: em (y down) -> device px
            c1x, c1y = u * m.a, u * m.b
            c2x, c2y = -u * m.c, -u * m.d
            xs = math.hypot(c1x, c1y)
            det = c1x * c2y - c2x * c1y
            if xs > 0 and det != 0 and math.isfinite(det):
                ys = abs(det) / xs
                xs, ys = max(xs, 1.0), max(ys, 1.0)
                # cairo's normalised shape (xx, yx, xy, yy) -> FT_Set_Transform's matrix (y flipped)
                shape = (_fixed(c1x / xs), -_fixed(c1y / xs), -_fixed(c2x / ys), _fixed(c2y / ys))
                hinted = hinted_outline(str(face.path), g.gid, int(xs * 64.0 + 0.5), int(ys * 64.0 + 0.5), shape)
                if hinted is not None:
                    part = hinted.transformed(Matrix(a=to_26, d=to_26, e=m.e, f=m.f))
        if part is None:
            part = face.outline(g.gid).transformed(m) if face is not None else Path(())
        parts.append(part)
    whole = Path(tuple(op for p in parts for op in p.ops))
    out = {id(block.outline): whole}
    for key, run in block.color_runs:
        ops = tuple(op for g, p in zip(block.glyphs, parts, strict=True) if g.color_span == key for op in p.ops)
        out[id(run)] = Path(ops)
    return out
