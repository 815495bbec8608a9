"""Layers across a book's spread (issue #18, model/spreads.py): a photo with ``box.spread`` on page 2 is drawn
on pages 2 and 3, each clipped to its own bleed, so the picture continues across the gutter.

Read back independently: poppler (pdftoppm) rasterises the two pages of the written interior.pdf, and the
column at page 2's right trim edge is compared with the column at page 3's left trim edge."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pikepdf
import pytest
from PIL import Image

from render_engine import preflight, render_design
from render_engine.model.errors import DesignError, RenderError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
PAGE = 203.2  # photo-book-8x8-hardcover interior trim, mm
BLEED = 3.175
DPI = 60


def _book(pages: int = 20, spread_on: int = 1, asset: str = "assets/landscape.jpg", **box: float) -> dict[str, Any]:
    """A photo book with one spread photo on page ``spread_on + 1`` (0-based index ``spread_on``)."""
    layers: list[list[dict[str, Any]]] = [[] for _ in range(pages)]
    layers[0] = [{"type": "background", "color": {"cmyk": [0, 0, 0, 10]}}]
    spread = {"x": -BLEED, "y": -BLEED, "width": 2 * PAGE + 2 * BLEED, "height": PAGE + 2 * BLEED, "spread": True}
    layers[spread_on] = [{"type": "image", "asset": asset, "fit": "cover", "box": {**spread, **box}}]
    return {
        "version": 1,
        "template": "photo-book-8x8-hardcover",
        "meta": {"created": "2026-12-07T00:00:00Z"},
        "pages": [{"layers": ls} for ls in layers],
    }


def _raster(pdf: Path, page: int, out: Path) -> np.ndarray:
    stem = out / f"p{page}"
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-f", str(page), "-l", str(page), "-singlefile", "-png", str(pdf), str(stem)],
        check=True,
        timeout=60,
    )
    return np.asarray(Image.open(f"{stem}.png").convert("RGB"), dtype=np.float64)


def test_a_spread_photo_continues_across_the_gutter(tmp_path: Path) -> None:
    r = render_design(_book(), tmp_path / "book", base_dir=EXAMPLES)
    interior = next(p.path for p in r.parts if p.part == "interior")
    with pikepdf.open(interior) as pdf:
        assert len(pdf.pages) == 20
        trim = [float(v) for v in pdf.pages[1].obj["/TrimBox"]]
        media = [float(v) for v in pdf.pages[1].obj["/MediaBox"]]
    px = DPI / 72
    left_trim = round((trim[0] - media[0]) * px)  # trim edges in raster columns (MediaBox = bleed box)
    right_trim = round((trim[2] - media[0]) * px)
    p2, p3 = _raster(interior, 2, tmp_path), _raster(interior, 3, tmp_path)
    assert p2.shape == p3.shape
    # both pages carry the photo (not blank paper) all the way into their bleed
    assert p2[:, -1].std() > 10 and p3[:, 0].std() > 10
    edge2 = p2[:, right_trim - 1]  # page 2's last column inside the trim, at the gutter
    edge3 = p3[:, left_trim]  # page 3's first column inside the trim
    seam = np.abs(edge2 - edge3).mean()
    # the same photo a page width further along (no continuity) differs far more
    unrelated = np.abs(edge2 - p3[:, p3.shape[1] // 2]).mean()
    within = np.abs(p2[:, right_trim - 1] - p2[:, right_trim - 2]).mean()  # neighbouring columns of one page
    assert seam < 2 * within + 3, (seam, within, unrelated)
    assert unrelated > 4 * seam, (seam, unrelated)
    # page 2's bleed past the gutter shows what page 3 prints just inside its trim
    bleed_cols = right_trim + 1
    assert np.abs(p2[:, bleed_cols] - p3[:, left_trim + 1]).mean() < 2 * within + 3


def test_a_spread_where_no_page_faces_is_an_error_naming_the_field() -> None:
    with pytest.raises(DesignError) as exc:
        preflight(_book(spread_on=19), base_dir=EXAMPLES)
    assert exc.value.field == "pages[19].layers[0].box.spread" and "last page" in str(exc.value)
    with pytest.raises(DesignError) as exc:
        preflight(_book(spread_on=2), base_dir=EXAMPLES)
    assert exc.value.field == "pages[2].layers[0].box.spread" and "page 3 is a right-hand page" in str(exc.value)
    card = {"version": 1, "template": "card-folded-5x7", "surfaces": {"inside": {"layers": [
        {"type": "image", "asset": "assets/landscape.jpg", "box": {"x": 0, "y": 0, "width": 9, "height": 9,
                                                                   "spread": True}}]}}}  # fmt: skip
    with pytest.raises(DesignError) as exc:
        preflight(card, base_dir=EXAMPLES)
    assert exc.value.field == "surfaces.inside.layers[0].box.spread"
    flat = {"version": 1, "template": "photo-print-5x7", "layers": card["surfaces"]["inside"]["layers"]}
    with pytest.raises(DesignError) as exc:
        preflight(flat, base_dir=EXAMPLES)
    assert exc.value.field == "layers[0].box.spread"


def test_a_face_or_text_in_the_gutter_of_a_spread_is_a_warning_on_both_pages() -> None:
    """examples/assets/portrait.jpg has one frontal face (the auto-crop detector finds it); centred on the
    spread, it sits on the gutter between pages 2 and 3."""
    design = _book(asset="assets/portrait.jpg", x=PAGE - 60, y=40, width=120, height=150)
    design["pages"][1]["layers"][0]["crop"] = "auto"
    design["pages"][3]["layers"] = [
        {"type": "text", "text": "Across the fold", "font": {"family": "noto-sans"}, "size": 18, "wrap": False,
         "align": "center", "box": {"x": PAGE - 50, "y": 20, "width": 100, "height": 12, "spread": True}},
    ]  # fmt: skip
    report = preflight(design, base_dir=EXAMPLES)
    found = {(f.code, f.to_dict().get("surface")) for f in report.findings if f.code.startswith("book.")}
    assert {("book.face_in_gutter", "page-2"), ("book.face_in_gutter", "page-3")} <= found, sorted(found)
    assert {("book.text_in_gutter", "page-4"), ("book.text_in_gutter", "page-5")} <= found, sorted(found)


def test_errors_on_the_facing_page_name_the_layers_as_written() -> None:
    """Page 3 carries page 2's spread photo under its own layers; an error in its own first layer still names
    pages[2].layers[0], and one in the carried photo names it on page 2, where it was written."""
    design = _book()
    design["pages"][2]["layers"] = [{"type": "image", "asset": "assets/missing.jpg", "box": {
        "x": 20, "y": 20, "width": 50, "height": 50}}]  # fmt: skip
    with pytest.raises(RenderError) as err:
        preflight(design, base_dir=EXAMPLES)
    fields = [p.field for p in err.value.problems] or [err.value.field]
    assert fields == ["pages[2].layers[0].asset"], fields
    from render_engine.model.spreads import source_fields

    assert source_fields((), 3, ["pages[1].layers[0]"]) == ("pages[1].layers[0]", "layers[0]", "layers[1]")
    assert source_fields(("layers[0]", "layers[1]:grid", "layers[2]"), 0, ["pages[1].layers[4]"]) == (
        "pages[1].layers[4]", "layers[0]:grid", "layers[1]")  # fmt: skip


def test_findings_on_the_facing_page_number_layers_as_written() -> None:
    """Text across the gutter on page 4 (spread 4-5) and page 5's own text in its gutter: page 5's findings
    name layer 0 for the carried spread text (its index on page 4) and layer 0 for its own text."""
    text = {"type": "text", "font": {"family": "noto-sans"}, "size": 18, "wrap": False, "align": "center"}
    design = _book()
    design["pages"][3]["layers"] = [{**text, "text": "Across", "box": {"x": PAGE - 50, "y": 20, "width": 100,
                                                                        "height": 12, "spread": True}}]  # fmt: skip
    design["pages"][4]["layers"] = [{**text, "text": "Own", "box": {"x": 0, "y": 100, "width": 30, "height": 12}}]
    report = preflight(design, base_dir=EXAMPLES)
    on5 = sorted(f.layer for f in report.findings if f.code == "book.text_in_gutter" and f.surface == "page-5")
    assert on5 == [0, 0], on5
    texts5 = sorted((t.layer, t.text) for t in report.texts if t.surface == "page-5")
    assert texts5 == [(0, "Across"), (0, "Own")], texts5
