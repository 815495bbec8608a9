"""Right-to-left books (issue #18; Arabic, Hebrew, manga): ``"direction": "rtl"`` binds the book on the right.
Read back from the written files with independent readers: poppler's raster of every interior page (page n
printed in K = 4n %) gives the pages' order in the file, pikepdf its ``/ViewerPreferences /Direction /R2L``,
and poppler's raster of cover.pdf where the front and back panels' inks are, in mm from the sheet's trim
edge, against the case formula written out here."""

from __future__ import annotations

import itertools
import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pikepdf
import pytest
from PIL import Image

from render_engine import render_design
from render_engine.engine import Engine
from render_engine.model.errors import DesignError
from render_engine.model.templates import cover_template, interior_page_template

ROOT = Path(__file__).resolve().parents[2]
IN = 25.4
PAGE = 203.2
BLEED = 3.175
WRAP, HINGE, BOARD_W = 0.8 * IN, 0.4 * IN, 8 * IN - 0.16 * IN  # PrintNinja's case


def _spine(pages: int) -> float:
    return (170 * 0.90 * pages / 2) / 1000 + 2 * 3.0


def _design(direction: str | None, pages: int = 20) -> dict[str, Any]:
    panel = {"origin": "top_left", "x": 0, "y": 0, "width": BOARD_W, "height": 50}
    design: dict[str, Any] = {
        "version": 1, "template": "photo-book-8x8-hardcover", "meta": {"created": "2026-12-07T00:00:00Z"},
        "surfaces": {"cover": {"layers": [
            {"type": "shape", "shape": "rect", "fill": {"cmyk": [0, 100, 100, 0]}, "box": {**panel, "panel": "front"}},
            {"type": "shape", "shape": "rect", "fill": {"cmyk": [100, 100, 0, 0]}, "box": {**panel, "panel": "back"}},
        ]}},
        "pages": [{"layers": [{"type": "background", "color": {"cmyk": [0, 0, 0, 4 * (n + 1)]}}]}
                  for n in range(pages)],  # page n's grey: K = 4n %, read back in file order
    }  # fmt: skip
    if direction is not None:
        design["direction"] = direction
    return design


def _ink_columns_mm(pdf: Path, out: Path, want: str) -> tuple[float, float]:
    """First and last column (mm from the trim's left edge) of the cover's top band printing ``want``."""
    dpi = 40
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(pdf), str(out / "cover")], check=True,
                   timeout=60)  # fmt: skip
    img = np.asarray(Image.open(out / "cover.png").convert("RGB"), dtype=np.int32)
    with pikepdf.open(pdf) as doc:
        trim_x0 = (float(doc.pages[0].trimbox[0]) - float(doc.pages[0].mediabox[0])) / 72 * IN
    row = img[round((WRAP + 25) * dpi / IN)]  # a row through both coloured bands (boards start at WRAP)
    red = (row[:, 0] > 180) & (row[:, 1] < 90) & (row[:, 2] < 110)
    blue = (row[:, 2] > 90) & (row[:, 0] < 90) & (row[:, 1] < 90)
    cols = np.flatnonzero(red if want == "front" else blue)
    assert cols.size, want
    return cols[0] * IN / dpi - trim_x0, (cols[-1] + 1) * IN / dpi - trim_x0


@pytest.mark.parametrize("direction", ["ltr", "rtl"])
def test_cover_panels_and_page_order_read_back(tmp_path: Path, direction: str) -> None:
    r = render_design(_design(direction), tmp_path / "book")
    files = {p.part: p.path for p in r.parts if p.path is not None}
    width = 2 * WRAP + 2 * BOARD_W + 2 * HINGE + _spine(20)
    right_board = WRAP + BOARD_W + HINGE + _spine(20) + HINGE
    front, back = (WRAP, right_board) if direction == "rtl" else (right_board, WRAP)
    tol = 2 * IN / 40  # two raster columns
    for part, x0 in (("front", front), ("back", back)):
        a, b = _ink_columns_mm(files["cover"], tmp_path, part)
        assert a == pytest.approx(x0, abs=tol) and b == pytest.approx(x0 + BOARD_W, abs=tol), (part, a, b)
    assert front + BOARD_W < width
    # the interior stays in reading order (page 1 first) whichever side it binds on
    subprocess.run(["pdftoppm", "-r", "4", "-gray", "-png", str(files["interior"]), str(tmp_path / "p")],
                   check=True, timeout=60)  # fmt: skip
    grey = [np.asarray(Image.open(f)).mean() for f in sorted(tmp_path.glob("p-*.png"))]
    assert len(grey) == 20 and all(a - b > 2 for a, b in itertools.pairwise(grey)), grey  # 1 .. 20
    with pikepdf.open(files["interior"]) as pdf:
        prefs = pdf.Root.get("/ViewerPreferences")
        assert (prefs is not None and prefs.get("/Direction") == pikepdf.Name.R2L) == (direction == "rtl")


def test_rtl_gutters_spreads_and_folds_are_mirrored() -> None:
    engine = Engine()
    ltr = engine.templates.get("photo-book-8x8-hardcover")
    assert ltr.book is not None and ltr.book.direction == "ltr"
    rtl = ltr.model_copy(update={"book": ltr.book.model_copy(update={"direction": "rtl"})})
    _, g_ltr = cover_template(ltr, 48)
    _, g_rtl = cover_template(rtl, 48)
    for name, r in g_ltr.panels.items():  # mirrored about the sheet's centre, every panel keeps its name
        m = g_rtl.panels[name]
        assert m.x == pytest.approx(g_ltr.width - r.x - r.w, abs=1e-9) and m.w == pytest.approx(r.w)
    assert g_rtl.panels["front"].x == pytest.approx(WRAP) and g_rtl.panels["spine"].w == pytest.approx(_spine(48))
    assert sorted(f.pos for f in g_rtl.folds) == pytest.approx(sorted(f.pos for f in g_ltr.folds))
    # odd pages bind on their right edge, even pages on their left
    for n, left in ((1, False), (2, True), (3, False)):
        band = interior_page_template(rtl, n).regions["gutter"]
        assert (band.x == 0) == left and band.width_mm == pytest.approx(10.0)
        assert (interior_page_template(ltr, n).regions["gutter"].x == 0) == (not left)


def test_a_rtl_spread_photo_runs_from_the_odd_page_on_the_left() -> None:
    from render_engine.model.design import parse_design
    from render_engine.model.surface_plan import plan_parts

    spread = {"x": -BLEED, "y": -BLEED, "width": 2 * PAGE + 2 * BLEED, "height": PAGE + 2 * BLEED, "spread": True}
    design = _design("rtl")
    design["pages"][1]["layers"] = [{"type": "shape", "shape": "rect", "fill": "#ff0000", "box": spread}]
    template = Engine().templates.get("photo-book-8x8-hardcover")
    pages = [s for p in plan_parts(parse_design(design), template) for s in p.surfaces if s.page is not None]
    on2 = pages[1].design.layers[-1].box  # type: ignore[union-attr]  # the even page is the spread's right-hand page: moved one page left
    on3 = pages[2].design.layers[0].box  # type: ignore[union-attr]  # the odd page is its left-hand page: as given (under its own layers)
    assert on2 is not None and on3 is not None
    assert on2.x == pytest.approx(-BLEED - PAGE) and on3.x == pytest.approx(-BLEED)
    assert pages[2].template.regions["gutter"].x > 0  # page 3 binds on its right edge, where page 2 meets it
    ltr = {**design, "direction": "ltr"}
    pages = [s for p in plan_parts(parse_design(ltr), template) for s in p.surfaces if s.page is not None]
    assert pages[1].design.layers[-1].box.x == pytest.approx(-BLEED)  # type: ignore[union-attr]
    assert pages[2].design.layers[0].box.x == pytest.approx(-BLEED - PAGE)  # type: ignore[union-attr]


def test_direction_on_a_product_that_is_not_a_book_names_the_field() -> None:
    design = {"version": 1, "template": "card-folded-5x7", "direction": "rtl",
              "surfaces": {"outside": {"layers": []}}}  # fmt: skip
    with pytest.raises(DesignError) as err:
        render_design(design, Path("/nonexistent-out"))
    assert err.value.field == "direction"


@pytest.mark.parametrize("direction", ["ltr", "rtl"])
def test_the_open_book_mockup_shows_a_rtl_spread_right_page_first(direction: str) -> None:
    import io

    from render_engine import render_mockup
    from render_engine.mockup.spread import spread_pages

    assert spread_pages(20, 1, rtl=True) == (1, None) and spread_pages(20, 3, rtl=True) == (3, 2)
    design = _design(direction)
    design["pages"][1]["layers"] = [{"type": "background", "color": "#e00000"}]  # page 2 red
    design["pages"][2]["layers"] = [{"type": "background", "color": "#0030e0"}]  # page 3 blue
    scene = json.loads((ROOT / "mockups" / "photo-book-8x8-hardcover-open" / "spread.json").read_text())
    png = render_mockup(design, view="open", page=2, width=scene["size"][0], format="png")
    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int32)

    def colour(side: str) -> str:
        x, y = np.mean(scene[side], axis=0)
        r, _, b = img[round(y), round(x)]
        return "red" if r > b + 80 else "blue" if b > r + 80 else "?"

    expected = ("blue", "red") if direction == "rtl" else ("red", "blue")
    assert (colour("left"), colour("right")) == expected
