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
hinting). Hinted outlines are cached per (font file, glyph, character size, shape), and each as SVG path
data in mm per scale (relative commands after one absolute move, :class:`DrawnPath`): a name at one size
on many previews loads and formats each glyph once, and placing a glyph is one string join.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..inputs.font_embolden import embolden
from ..model.geometry import Path, Rect
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
_sizes: dict[str, tuple[int, int]] = {}  # font file -> its face's character size (26.6)
_cache: dict[tuple[str, int, int, int, tuple[int, int, int, int], bool], Path | None] = {}


def _fixed(v: float) -> int:
    """cairo's DOUBLE_TO_16_16: a C cast, truncated toward zero."""
    return int(v * 65536.0)


def _ft_face(path: str) -> Any:
    face = _faces.get(path)
    if face is None:
        import freetype  # only a raster with text loads FreeType

        face = _faces[path] = freetype.Face(path)
    return face


def _outline_path(outline: Any, bold: int = 0) -> Path:
    """A FreeType outline (26.6 units, y up) as a Path in the same units with y inverted (cairo's
    ``invert_y``): conic (TrueType) and cubic (CFF) control points as FreeType tags them. ``bold``: emboldened
    by that strength (26.6) first, as cairo's ``FT_GlyphSlot_Embolden`` does after loading the glyph."""
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
                    ppen.addPoint((x, flip * y), seg)
                else:
                    ppen.addPoint((x, flip * y), None)
            ppen.endPath()
            start = end + 1

    flip = 1 if bold else -1  # emboldened in FreeType's y-up space, then inverted
    path = Path.from_pen_drawing(draw)
    if not bold:
        return path
    ops = embolden(path, bold).ops
    return Path(tuple((kind, tuple((x, -y) for x, y in pts)) for kind, pts in ops))


def hinted_outline(
    path: str, gid: int, x26: int, y26: int, shape: tuple[int, int, int, int], bold: bool = False
) -> Path | None:
    """Glyph ``gid`` of the font file ``path`` hinted at the character size ``x26`` x ``y26`` (26.6) and turned
    by ``shape`` (FT_Set_Transform's 16.16 xx, yx, xy, yy) after hinting, in 26.6 units with y down; None if
    FreeType has no outline for it. ``bold``: synthetic bold (``FT_GlyphSlot_Embolden``: the scaled em / 24).
    Cached."""
    key = (path, gid, x26, y26, shape, bold)
    hit = _cache.get(key, False)
    if hit is not False:
        return hit  # type: ignore[return-value]
    import freetype

    with _lock:
        face = _ft_face(path)
        xx, yx, xy, yy = shape
        face.set_transform(freetype.FT_Matrix(xx, xy, yx, yy), freetype.FT_Vector(0, 0))
        try:
            if _sizes.get(path) != (x26, y26):  # a new size re-runs the font's CVT program: only when it changes
                face.set_char_size(x26, y26, 0, 0)
                _sizes[path] = (x26, y26)
            face.load_glyph(gid, LOAD_FLAGS)
            glyph = face.glyph
            # FT_GlyphSlot_Embolden: FT_MulFix(units_per_EM, y_scale) / 24, in 26.6
            strength = (face.units_per_EM * face.size.y_scale + 0x8000) // 65536 // 24 if bold else 0
            out = _outline_path(glyph.outline, strength) if glyph.format == freetype.FT_GLYPH_FORMAT_OUTLINE else None
        except freetype.FT_Exception:
            out = None  # drawn unhinted
        if len(_cache) >= CACHE_MAX:
            _cache.clear()
        _cache[key] = out
    return out


@dataclass(frozen=True)
class DrawnPath(Path):
    """A path the raster draws from ready SVG path data (page mm) and bounds: hinted glyph runs, whose glyphs'
    data is formatted once per (glyph, size, scale) and placed by a leading absolute ``M``."""

    d: str = ""
    box: Rect | None = None

    def svg_d(self, precision: int = 4) -> str:
        return self.d

    def bounds(self) -> Rect | None:
        return self.box

    @property
    def empty(self) -> bool:
        return not self.d


def _num(v: float) -> str:
    s = f"{v:.5f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _relative(outline: Path, scale: float) -> tuple[float, float, str, tuple[float, float, float, float]]:
    """``outline`` (26.6 units) scaled to mm as (first point, the rest as relative SVG path data, bounds
    relative to the origin): a glyph at any origin is ``M x+x0 y+y0`` and this string."""
    out: list[str] = []
    x0 = y0 = cx = cy = sx = sy = 0.0
    xs: list[float] = []
    ys: list[float] = []
    first = True
    for op, pts in outline.ops:
        if op == "Z":
            out.append("z")
            cx, cy = sx, sy
            continue
        mm = [(x * scale, y * scale) for x, y in pts]
        xs += [p[0] for p in mm]
        ys += [p[1] for p in mm]
        if op == "M" and first:
            x0, y0 = mm[0]
            first = False
        else:
            out.append(op.lower() + " ".join(f"{_num(x - cx)} {_num(y - cy)}" for x, y in mm))
        cx, cy = mm[-1]
        if op == "M":
            sx, sy = cx, cy
    box = (min(xs), min(ys), max(xs), max(ys)) if xs else (0.0, 0.0, 0.0, 0.0)
    return x0, y0, "".join(out), box


_placed: dict[tuple[str, int, int, int, tuple[int, int, int, int], float, bool], Any] = {}


def _glyph_data(
    path: str, gid: int, x26: int, y26: int, shape: tuple[int, int, int, int], scale: float, bold: bool = False
) -> tuple[float, float, str, tuple[float, float, float, float]] | None:
    key = (path, gid, x26, y26, shape, scale, bold)
    hit = _placed.get(key, False)
    if hit is False:
        outline = hinted_outline(path, gid, x26, y26, shape, bold)
        hit = None if outline is None or outline.empty else _relative(outline, scale)
        with _lock:
            if len(_placed) >= CACHE_MAX:
                _placed.clear()
            _placed[key] = hit
    return hit


def hinted_runs(block: TextBlock, canvas: Canvas) -> dict[int, Path]:
    """The block's outlines hinted for ``canvas``' pixel grid: ``id(original path) -> hinted path`` for its
    whole outline and each of its paint runs (``block.color_runs``), each glyph where the layout placed it.
    A glyph FreeType cannot load as an outline keeps its exact outline."""
    faces = {f.face_id: f for f in block.faces}
    if not block.glyphs or not faces:
        return {}
    k = pixels_per_mm(canvas.dpi)
    to_mm = 1.0 / (64.0 * k)  # mm of one 26.6 unit
    parts: list[tuple[str, tuple[float, float, float, float] | None]] = []
    for g in block.glyphs:
        face = faces.get(g.face_id)
        m = g.matrix  # font units (y up) -> page mm (y down)
        data = None
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
                x26, y26 = int(xs * 64.0 + 0.5), int(ys * 64.0 + 0.5)
                data = _glyph_data(str(face.path), g.gid, x26, y26, shape, to_mm, g.bold)
        if data is not None:
            x0, y0, rel, (bx0, by0, bx1, by1) = data
            parts.append((f"M{_num(m.e + x0)} {_num(m.f + y0)}{rel}", (m.e + bx0, m.f + by0, m.e + bx1, m.f + by1)))
        else:  # drawn from its exact outline
            glyph = (face.bold_outline(g.gid) if g.bold else face.outline(g.gid)) if face is not None else Path(())
            exact = glyph.transformed(m)
            b = exact.bounds()
            parts.append((exact.svg_d(), None if b is None else (b.x, b.y, b.x1, b.y1)))

    def run(keep: list[tuple[str, tuple[float, float, float, float] | None]]) -> DrawnPath:
        boxes = [b for _, b in keep if b is not None]
        box = None
        if boxes:
            x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
            box = Rect(x0, y0, max(b[2] for b in boxes) - x0, max(b[3] for b in boxes) - y0)
        return DrawnPath((), d="".join(d for d, _ in keep), box=box)

    out: dict[int, Path] = {id(block.outline): run(parts)}
    for key, path in block.color_runs:
        out[id(path)] = run([p for g, p in zip(block.glyphs, parts, strict=True) if g.color_span == key])
    return out
