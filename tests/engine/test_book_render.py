"""Books end to end (issue #18): a photo book renders to cover.pdf + interior.pdf through the public API; the
cover's size follows the page count, layers placed on panels follow the spine, and a notebook is its cover wrap.

Read back with pikepdf (boxes per page in mm, page count, colour spaces) from the written files; the cover
width is the formula of tests/engine/test_book_cover.py, written out again here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pikepdf
import pytest

from render_engine import preflight, render_design, render_mockup
from render_engine.engine import Engine
from render_engine.layout.plan import TextItem
from render_engine.model.design import parse_design
from render_engine.model.errors import DesignError
from render_engine.parts import prepare_parts

ROOT = Path(__file__).resolve().parents[2]
PT_PER_MM = 72 / 25.4
IN = 25.4


def _cover_width(pages: int) -> float:
    spine = (170 * 0.90 * pages / 2) / 1000 + 2 * 3.0  # Cloudprinter: gsm x bulk x leaves + 2 x 3 mm board
    return 2 * 0.8 * IN + 2 * (8 * IN - 0.16 * IN) + 2 * 0.4 * IN + spine  # PrintNinja case: wrap, boards, hinges


def _box_mm(page: pikepdf.Page, name: str) -> tuple[float, ...]:
    return tuple(float(v) / PT_PER_MM for v in page.obj[name])


def _book(pages: int, spine_text: str = "Summer 2026") -> dict[str, Any]:
    """A photo book whose page i has background CMYK (i, 0, 0, 0) (reading order shows in the PDF) and a
    cover with a centred spine title and a front title."""
    return {
        "version": 1,
        "template": "photo-book-8x8-hardcover",
        "meta": {"created": "2026-12-07T00:00:00Z"},
        "surfaces": {"cover": {"layers": [
            {"type": "background", "color": {"cmyk": [60, 30, 0, 30]}},
            {"type": "text", "text": spine_text, "font": {"family": "noto-sans", "weight": 700}, "size": 10,
             "color": "#ffffff", "rotation": 90, "wrap": False, "align": "center", "valign": "middle",
             "box": {"panel": "spine", "origin": "center", "x": 0, "y": 0, "width": 150, "height": 5}},
            {"type": "text", "text": "Summer", "font": {"family": "noto-sans"}, "size": 24, "color": "#ffffff",
             "align": "center", "box": {"panel": "front", "origin": "center", "x": 0, "y": 0, "width": 150,
                                        "height": 14}},
        ]}},
        "pages": [{"layers": [{"type": "background", "color": {"cmyk": [i + 1, 0, 0, 0]}}]} for i in range(pages)],
    }  # fmt: skip


@pytest.mark.parametrize("pages", [20, 48, 100])
def test_cover_and_interior_files_with_their_boxes(tmp_path: Path, pages: int) -> None:
    r = render_design(_book(pages), tmp_path / "book")
    files = {p.part: p.path for p in r.parts}
    assert set(files) == {"cover", "interior"}
    with pikepdf.open(files["cover"]) as cover:
        (page,) = cover.pages
        x0, y0, x1, y1 = _box_mm(page, "/TrimBox")
        assert x1 - x0 == pytest.approx(_cover_width(pages), abs=0.1)
        assert y1 - y0 == pytest.approx(8 * IN + 0.27 * IN + 2 * 0.8 * IN, abs=0.1)
        bx0, _, bx1, _ = _box_mm(page, "/BleedBox")
        assert bx1 - bx0 == pytest.approx(_cover_width(pages) + 2 * 3.175, abs=0.1)
    with pikepdf.open(files["interior"]) as interior:
        assert len(interior.pages) == pages
        assert len(interior.Root.OutputIntents) == 1
        for i, page in enumerate(interior.pages):
            x0, y0, x1, y1 = _box_mm(page, "/TrimBox")
            assert (x1 - x0, y1 - y0) == pytest.approx((203.2, 203.2), abs=0.05)
            assert _box_mm(page, "/BleedBox") == pytest.approx((0, 0, 209.55, 209.55), abs=0.05)
            fills = [ops for ops, op in pikepdf.parse_content_stream(page) if str(op) == "k"]
            assert [round(float(v), 4) for v in fills[0]] == [round((i + 1) / 100, 4), 0, 0, 0]  # reading order
            names = {str(v) for v in page.Resources.get("/ColorSpace", {}).values()}
            assert "/DeviceRGB" not in names


def test_same_design_same_bytes(tmp_path: Path) -> None:
    a = render_design(_book(20), tmp_path / "a")
    b = render_design(_book(20), tmp_path / "b")
    assert [p.data for p in a.parts] == [p.data for p in b.parts]


def test_spine_title_re_centres_when_the_page_count_changes() -> None:
    engine = Engine()
    centres = {}
    for pages in (20, 100):
        prepared = prepare_parts(parse_design(_book(pages)), engine, ROOT)
        cover = prepared.select("cover").prep.layout
        spine = cover.template.regions["spine"]
        (title, front) = [it for it in cover.items if isinstance(it, TextItem)]
        b = title.block.bounds
        assert b is not None and b.cx == pytest.approx(spine.x + spine.width_mm / 2, abs=0.3)  # ink, not box
        assert b.w < spine.width_mm  # turned 90 degrees: the line runs along the spine
        front_panel = cover.template.regions["front"]
        fb = front.block.bounds
        assert fb is not None and fb.cx == pytest.approx(front_panel.x + front_panel.width_mm / 2, abs=0.5)
        centres[pages] = b.cx
    assert centres[100] - centres[20] == pytest.approx(80 / 2 * 0.153 / 2, abs=0.01)  # half the spine growth


def test_preflight_blocks_a_spine_title_on_a_thin_journal_and_passes_the_book() -> None:
    assert preflight(_book(48)).ok
    journal = {
        "version": 1, "template": "journal-a5-softcover",
        "surfaces": {"cover": {"layers": [
            {"type": "text", "text": "Notes", "font": {"family": "noto-sans"}, "size": 7, "rotation": 90,
             "wrap": False, "box": {"panel": "spine", "origin": "center", "x": 0, "y": 0, "width": 60, "height": 3}}]}},
        "pages": [{"layers": [{"type": "background", "color": "#ffffff"}]} for _ in range(32)],
    }  # fmt: skip
    report = preflight(journal)
    assert not report.ok and "book.spine_too_narrow" in report.codes()


def test_page_count_and_panels_are_checked_with_the_field_named() -> None:
    with pytest.raises(DesignError) as exc:
        preflight(_book(21))
    assert exc.value.field == "pages" and "20 to 100" in str(exc.value)
    bad = _book(20)
    bad["pages"][3]["layers"].append(
        {
            "type": "text",
            "text": "x",
            "font": {"family": "noto-sans"},
            "size": 9,
            "box": {"panel": "spine", "x": 0, "y": 0, "width": 5, "height": 5},
        }
    )
    with pytest.raises(DesignError) as exc:
        preflight(bad)
    assert exc.value.field == "pages[3].layers[1].box.panel"


def test_book_examples_render_and_the_closed_book_mockup_shows_the_front(tmp_path: Path) -> None:
    nb = render_design(ROOT / "examples" / "notebook-a5-cover-ideas.json", tmp_path / "nb")
    assert [p.part for p in nb.parts] == ["cover"]
    with pikepdf.open(nb.parts[0].path) as pdf:
        x0, _, x1, _ = _box_mm(pdf.pages[0], "/TrimBox")
        spine = (80 * 1.22 * 160 / 2) / 1000 + 2 * 3.0
        assert x1 - x0 == pytest.approx(2 * 0.8 * IN + 2 * (148 - 0.16 * IN) + 2 * 0.4 * IN + spine, abs=0.1)
    jpeg = render_mockup(_book(48), width=400, format="png")
    import io

    from PIL import Image

    img = Image.open(io.BytesIO(jpeg)).convert("RGB")
    # the front board's centre shows the cover's blue, not the table
    r, g, b = img.getpixel((img.width * 530 // 1000, img.height * 200 // 900))
    assert b > r + 30, (r, g, b)


def test_a_face_on_the_spine_or_in_the_gutter_is_a_warning() -> None:
    """examples/assets/portrait.jpg has one frontal face (the auto-crop detector finds it)."""
    photo = {"type": "image", "asset": "assets/portrait.jpg", "fit": "cover", "crop": "auto"}
    design = _book(20)
    design["surfaces"]["cover"]["layers"].append(
        {**photo, "box": {"panel": "spine", "origin": "center", "x": 0, "y": 0, "width": 90, "height": 110}}
    )
    design["pages"][0]["layers"].append({**photo, "box": {"x": -3.175, "y": 20, "width": 40, "height": 50}})
    report = preflight(design, base_dir=ROOT / "examples")
    by_code = {(f.code, f.to_dict().get("surface")) for f in report.findings}
    assert ("book.face_on_fold", "cover") in by_code, sorted(by_code)
    assert ("book.face_in_gutter", "page-1") in by_code, sorted(by_code)


def test_the_designs_paper_sizes_the_spine(tmp_path: Path) -> None:
    """silk-200 is 200 gsm x bulk 0.90 = 0.180 mm a leaf: 48 pages -> 24 x 0.180 + 6 = 10.32 mm of spine."""
    design = {**_book(48), "paper": "silk-200"}
    r = render_design(design, tmp_path / "book")
    cover = next(p for p in r.parts if p.part == "cover")
    assert cover.path is not None
    with pikepdf.open(cover.path) as pdf:
        x0, _, x1, _ = _box_mm(pdf.pages[0], "/TrimBox")
    spine = 24 * 200 * 0.90 / 1000 + 2 * 3.0
    assert x1 - x0 == pytest.approx(2 * 0.8 * IN + 2 * (8 * IN - 0.16 * IN) + 2 * 0.4 * IN + spine, abs=0.1)
    with pytest.raises(DesignError) as exc:
        preflight({**_book(48), "paper": "silk-20"})
    assert exc.value.field == "paper" and "did you mean silk-200" in str(exc.value)
    with pytest.raises(DesignError) as exc:
        preflight({"version": 1, "template": "mug-11oz", "paper": "silk-200", "layers": []})
    assert exc.value.field == "paper"
