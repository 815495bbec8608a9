"""Book covers computed from the page count (render_engine/model/cover.py, issue #18).

The expected widths are written out here from the vendors' published rules, independently of the module:
PrintNinja's case setup (board = page height + 0.27 in and page width - 0.16 in, 0.8 in foldover, 0.4 in hinge)
and Cloudprinter's spine formula ((gsm x bulk x pages / 2) / 1000 + 2 x cover thickness, 3 mm hardcover
material; 170 gsm matt silk at bulk 0.90 is 0.153 mm a leaf).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from render_engine.model.cover import place_box
from render_engine.model.errors import DesignError
from render_engine.model.templates import cover_template, interior_page_template, load_template_file

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "templates_print" / "photo-book-8x8-hardcover.json"
IN = 25.4


def _expected_hardcover(pages: int) -> tuple[float, float, float]:
    page = 8 * IN
    spine = (170 * 0.90 * pages / 2) / 1000 + 2 * 3.0
    board_w, board_h = page - 0.16 * IN, page + 0.27 * IN
    width = 0.8 * IN + board_w + 0.4 * IN + spine + 0.4 * IN + board_w + 0.8 * IN
    return width, board_h + 2 * 0.8 * IN, spine


@pytest.mark.parametrize("pages", [20, 48, 100])
def test_photo_book_cover_width_follows_the_published_formula(pages: int) -> None:
    t = load_template_file(BOOK)
    cover, g = cover_template(t, pages)
    width, height, spine = _expected_hardcover(pages)
    assert cover.trim_w == pytest.approx(width, abs=0.1) and g.width == cover.trim_w
    assert cover.trim_h == pytest.approx(height, abs=0.1)
    assert g.spine == pytest.approx(spine, abs=0.01)
    # the panels tile the sheet from left to right without gaps
    names = ["wrap_left", "back", "hinge_back", "spine", "hinge_front", "front", "wrap_right"]
    x = 0.0
    for n in names:
        assert g.panels[n].x == pytest.approx(x, abs=1e-9), n
        x += g.panels[n].w
    assert x == pytest.approx(width, abs=1e-9)
    assert g.panels["spine"].w == pytest.approx(spine) and g.panels["front"].w == pytest.approx(8 * IN - 0.16 * IN)
    # fold lines: the spine's edges, the hinges, the turn-ins on four sides
    folds = {f.name: f.pos for f in g.folds}
    assert folds["spine_back"] == pytest.approx(g.panels["spine"].x)
    assert folds["spine_front"] == pytest.approx(g.panels["spine"].x1)
    assert folds["turn_in_top"] == pytest.approx(0.8 * IN)
    assert folds["turn_in_bottom"] == pytest.approx(height - 0.8 * IN)
    # the template data says what the regions say (preflight reads them)
    assert cover.regions["spine"].width_mm == pytest.approx(spine)


def test_numbers_at_48_pages_by_hand() -> None:
    """48 pages: spine 24 x 0.153 + 6 = 9.672 mm; sheet 2 x 20.32 + 2 x 199.136 + 2 x 10.16 + 9.672 mm."""
    _, g = cover_template(load_template_file(BOOK), 48)
    assert round(g.spine, 3) == 9.672 and round(g.width, 3) == 468.904 and round(g.height, 3) == 250.698


def test_more_pages_widen_the_spine_and_move_the_front_board() -> None:
    t = load_template_file(BOOK)
    (_, a), (_, b) = cover_template(t, 20), cover_template(t, 100)
    grow = 80 / 2 * 0.153
    assert b.width - a.width == pytest.approx(grow)
    assert b.panels["front"].x - a.panels["front"].x == pytest.approx(grow)
    assert b.panels["back"] == a.panels["back"]
    # a spine title centred on the spine stays centred
    box_a = place_box(a, "spine", "center", 0, 0, 150, 6)
    box_b = place_box(b, "spine", "center", 0, 0, 150, 6)
    assert box_a.cx == pytest.approx(a.panels["spine"].cx) and box_b.cx == pytest.approx(b.panels["spine"].cx)
    assert box_b.cy == pytest.approx(b.panels["spine"].cy)
    top_left = place_box(b, "front", "top_left", 10, 20, 50, 50)
    assert (top_left.x, top_left.y) == pytest.approx((b.panels["front"].x + 10, b.panels["front"].y + 20))


def test_softcover_and_notebook_sheets() -> None:
    j = load_template_file(ROOT / "templates_print" / "journal-a5-softcover.json")
    _, g = cover_template(j, 96)
    spine = (120 * 1.22 * 96 / 2) / 1000 + 2 * 0.5
    assert g.width == pytest.approx(2 * 148 + spine, abs=0.1) and g.height == pytest.approx(210)
    assert set(g.panels) == {"back", "spine", "front"}
    n = load_template_file(ROOT / "templates_print" / "notebook-a5-cover.json")
    assert n.book is not None and n.book.cover_only
    _, g = cover_template(n, 160)
    spine = (80 * 1.22 * 160 / 2) / 1000 + 2 * 3.0
    assert g.width == pytest.approx(2 * 0.8 * IN + 2 * (148 - 0.16 * IN) + 2 * 0.4 * IN + spine, abs=0.1)


@pytest.mark.parametrize("pages", [18, 21, 102, 0])
def test_page_count_outside_the_products_range_names_the_field(pages: int) -> None:
    with pytest.raises(DesignError) as e:
        cover_template(load_template_file(BOOK), pages)
    assert e.value.field == "pages" and "20 to 100 in steps of 2" in str(e.value)


def test_unknown_paper_names_the_field_and_suggests() -> None:
    with pytest.raises(DesignError) as e:
        cover_template(load_template_file(BOOK), 40, "silk-17")
    assert e.value.field == "paper" and "did you mean" in str(e.value)


def test_gutter_is_at_the_binding_edge_of_each_page() -> None:
    t = load_template_file(BOOK)
    right_hand, left_hand = interior_page_template(t, 1), interior_page_template(t, 2)
    assert right_hand.regions["gutter"].x == 0 and right_hand.regions["gutter"].width_mm == 10
    assert left_hand.regions["gutter"].x == pytest.approx(8 * IN - 10)


def test_book_templates_cite_vendor_specs() -> None:
    for name in ("photo-book-8x8-hardcover", "journal-a5-softcover", "notebook-a5-cover"):
        source = json.loads((ROOT / "templates_print" / f"{name}.json").read_text(encoding="utf-8"))["spec_source"]
        assert "https://docs.cloudprinter.com/" in source, name
