"""Glyph outlines hinted for the raster's pixel grid as cairo hints them (render_engine/backends/hinting.py):
heights snap to whole pixels above the glyph's own origin, the layout (positions, advances) does not move, a
turned glyph is hinted in its own frame."""

from __future__ import annotations

import math

import pytest

from render_engine.backends.common import Canvas
from render_engine.backends.hinting import hinted_outline, hinted_runs
from render_engine.engine import Engine
from render_engine.layout.text import layout_text
from render_engine.model.design import Box, FontRef, TextLayer
from render_engine.model.geometry import Matrix, Path, Rect

DPI = 72.0  # 1 pt = 1 px
K = DPI / 25.4


def _layer(text: str, rotation: float = 0.0, size: float = 30.0) -> TextLayer:
    box = Box(x=10.13, y=10.37, width=100, height=40)  # the baseline falls between pixels
    return TextLayer(type="text", text=text, font=FontRef(family="noto-sans"), size=size, box=box, rotation=rotation)


def _canvas() -> Canvas:
    return Canvas(Rect(0, 0, 200, 200), DPI, 567, 567)


def test_capital_height_snaps_to_whole_pixels_above_the_baseline(engine: Engine) -> None:
    block = layout_text(_layer("H"), engine.fonts, "t")
    hinted = hinted_runs(block, _canvas())[id(block.outline)]
    exact, snapped = block.outline.bounds(), hinted.bounds()
    assert exact is not None and snapped is not None
    base = block.glyphs[0].matrix.f * K  # the glyph origin (px), not on the pixel grid
    assert base % 1 > 0.01
    # Noto Sans' cap height is 714 units: 21.42 px at 30 px; hinted (FreeType v40, light) 22 whole pixels
    assert (base - exact.y * K) == pytest.approx(21.42, abs=1e-6)
    assert (base - snapped.y * K) == pytest.approx(22.0, abs=1e-6)
    assert (snapped.y + snapped.h) * K == pytest.approx(base, abs=1e-6)  # the baseline stays where it was
    # vertical-only: the stems stay where the layout put them (within 1/64 px of FreeType's 26.6 rounding)
    assert snapped.x * K == pytest.approx(exact.x * K, abs=1 / 64)
    assert snapped.w * K == pytest.approx(exact.w * K, abs=1 / 64)


def test_layout_does_not_change_only_the_raster_outline(engine: Engine) -> None:
    block = layout_text(_layer("Hello world"), engine.fonts, "t")
    before = [(g.gid, g.matrix) for g in block.glyphs]
    hinted = Path.from_svg(hinted_runs(block, _canvas())[id(block.outline)].svg_d())
    assert [(g.gid, g.matrix) for g in block.glyphs] == before
    assert hinted.ops != block.outline.ops
    assert sum(op == "M" for op, _ in hinted.ops) == sum(op == "M" for op, _ in block.outline.ops)  # contours


def test_turned_glyph_is_hinted_in_its_own_frame(engine: Engine) -> None:
    """cairo hints at the glyph's own size and turns the result (FT_Set_Transform after hinting): the
    quarter-turned hinted glyph is the upright hinted glyph turned about its origin."""
    up = layout_text(_layer("H"), engine.fonts, "t")
    turned = layout_text(_layer("H", rotation=90), engine.fonts, "t")
    c = _canvas()
    a = Path.from_svg(hinted_runs(up, c)[id(up.outline)].svg_d())
    b = Path.from_svg(hinted_runs(turned, c)[id(turned.outline)].svg_d())
    ga, gb = up.glyphs[0].matrix, turned.glyphs[0].matrix
    back = Matrix.translate(-gb.e, -gb.f).then(Matrix.rotate(-90)).then(Matrix.translate(ga.e, ga.f))
    pa = [p for _, pts in a.ops for p in pts]
    pb = [back.apply(p) for _, pts in b.ops for p in pts]
    assert len(pa) == len(pb)
    assert max(math.dist(p, q) for p, q in zip(pa, pb, strict=True)) * K < 2e-3  # SVG data at 1e-5 mm


def test_hinted_outlines_are_cached_per_font_glyph_and_size(engine: Engine) -> None:
    face = engine.fonts.face(FontRef(family="noto-sans"))
    gid = face.hb_font.get_nominal_glyph(ord("H"))
    ident = (65536, 0, 0, 65536)
    one = hinted_outline(str(face.path), gid, 30 * 64, 30 * 64, ident)
    assert one is not None
    assert hinted_outline(str(face.path), gid, 30 * 64, 30 * 64, ident) is one
    other = hinted_outline(str(face.path), gid, 31 * 64, 31 * 64, ident)
    assert other is not None and other is not one
