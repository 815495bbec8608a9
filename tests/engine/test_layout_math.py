"""Layout geometry is pure math in millimetres: exact expectations, no pixels."""

from __future__ import annotations

import pytest

from render_engine.layout.plan import contain_rect, cover_crop
from render_engine.model.geometry import Matrix, Path, Rect
from render_engine.model.units import mm_to_pt, mm_to_px, pt_to_mm, px_span, px_to_mm


def test_mm_px_pt_conversions_are_exact() -> None:
    assert mm_to_px(25.4, 300) == pytest.approx(300.0)
    assert px_to_mm(300, 300) == pytest.approx(25.4)
    assert mm_to_pt(25.4) == pytest.approx(72.0)
    assert pt_to_mm(72.0) == pytest.approx(25.4)
    assert mm_to_px(228.6 + 2 * 2.0, 300) == pytest.approx(2747.244, abs=1e-3)


def test_adjacent_pixel_spans_tile_without_gaps() -> None:
    a0, an = px_span(0.0, 10.3, 300)
    b0, bn = px_span(10.3, 7.7, 300)
    assert a0 + an == b0
    assert a0 + an + bn == round(mm_to_px(18.0, 300))


def test_cover_crop_takes_the_largest_centred_window_of_the_box_aspect() -> None:
    # a 4000x3000 photo into a 2:1 box: full width, 2000 rows, centred vertically
    assert cover_crop((0, 0, 4000, 3000), 2.0, None) == (0, 500, 4000, 2000)
    # into a 1:2 box: full height, 1500 columns, centred horizontally
    assert cover_crop((0, 0, 4000, 3000), 0.5, None) == (1250, 0, 1500, 3000)


def test_cover_crop_follows_the_focus_but_stays_inside_the_image() -> None:
    assert cover_crop((0, 0, 4000, 3000), 1.0, (500, 1500)) == (0, 0, 3000, 3000)
    assert cover_crop((0, 0, 4000, 3000), 1.0, (3900, 1500)) == (1000, 0, 3000, 3000)
    assert cover_crop((0, 0, 4000, 3000), 1.0, (2000, 1500)) == (500, 0, 3000, 3000)


def test_cover_crop_respects_an_explicit_region() -> None:
    x, y, w, h = cover_crop((1000, 1000, 1000, 1000), 2.0, None)
    assert (x, y, w, h) == (1000, 1250, 1000, 500)


def test_contain_fits_inside_the_box_and_centres() -> None:
    r = contain_rect(Rect(0, 0, 100, 50), 1.0)
    assert (r.x, r.y, r.w, r.h) == (25, 0, 50, 50)
    r = contain_rect(Rect(10, 10, 40, 100), 2.0)
    assert (r.x, r.y, r.w, r.h) == pytest.approx((10, 50, 40, 20))


def test_rotation_is_clockwise_on_the_page_about_a_centre() -> None:
    m = Matrix.rotate(90, 10, 10)
    assert m.apply((20, 10)) == pytest.approx((10, 20))  # right of centre -> below it (y grows down)


def test_path_bounds_and_svg_parsing() -> None:
    p = Path.from_svg("M0 0H10V5H0Z", Matrix.translate(2, 3))
    b = p.bounds()
    assert b is not None and (b.x, b.y, b.w, b.h) == (2, 3, 10, 5)
    e = Path.ellipse(Rect(0, 0, 20, 10)).bounds()
    assert e is not None and (e.w, e.h) == pytest.approx((20, 10))
