"""Preflight of book covers and interior pages (checks/book.py): spine text against the computed spine width,
text on folds and hinges, text and faces in the gutter. Layouts are the real ones (fonts shaped by HarfBuzz,
ink bounds from the glyph outlines) on the templates the cover model computes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from render_engine import preflight
from render_engine.engine import Engine
from render_engine.model.cover import place_box
from render_engine.model.settings import Settings
from render_engine.model.templates import (
    Template,
    cover_template,
    interior_page_template,
    load_template_file,
)

ROOT = Path(__file__).resolve().parents[2]


def _engine_with(tmp_path: Path, *templates: Template) -> Engine:
    folder = tmp_path / "templates"
    folder.mkdir(exist_ok=True)
    for t in templates:
        (folder / f"{t.id}.json").write_text(json.dumps(t.model_dump(mode="json")), encoding="utf-8")
    return Engine(Settings(templates_dir=folder))


def _cover(product: str, pages: int, new_id: str) -> tuple[Template, Any]:
    t, g = cover_template(load_template_file(ROOT / "templates_print" / f"{product}.json"), pages)
    return t.model_copy(update={"id": new_id}), g


def _text(text: str, box: Any, size: float = 10, rotation: float = 0, align: str = "center") -> dict[str, Any]:
    return {"type": "text", "text": text, "font": {"family": "noto-sans"}, "size": size, "color": "#000000",
            "align": align, "valign": "middle", "wrap": False, "rotation": rotation,
            "box": {"x": box.x, "y": box.y, "width": box.w, "height": box.h}}  # fmt: skip


def _codes(engine: Engine, template: str, *layers: dict[str, Any]) -> list[str]:
    report = preflight({"version": 1, "template": template, "layers": list(layers)}, engine=engine)
    return [f.code for f in report.findings if f.code.startswith("book.")]


def test_spine_text_on_a_thin_journal_is_a_blocker_and_fits_once_it_has_pages(tmp_path: Path) -> None:
    thin, g_thin = _cover("journal-a5-softcover", 32, "journal-32")
    thick, g_thick = _cover("journal-a5-softcover", 200, "journal-200")
    engine = _engine_with(tmp_path, thin, thick)
    assert g_thin.spine < 6 < g_thick.spine
    title = _text("Our Summer", place_box(g_thin, "spine", "center", 0, 0, 120, 3), size=7, rotation=90)
    assert _codes(engine, "journal-32", title) == ["book.spine_too_narrow"]
    title = _text("Our Summer", place_box(g_thick, "spine", "center", 0, 0, 120, 8), size=14, rotation=90)
    assert _codes(engine, "journal-200", title) == []
    big = _text("Our Summer", place_box(g_thick, "spine", "center", 0, 0, 150, 30), size=60, rotation=90)
    assert _codes(engine, "journal-200", big) == ["book.spine_text_overflow"]


def test_text_across_a_hinge_or_on_the_wrap_is_flagged_and_centred_front_text_is_not(tmp_path: Path) -> None:
    cover, g = _cover("photo-book-8x8-hardcover", 48, "book-48")
    engine = _engine_with(tmp_path, cover)
    front = _text("Lake Tekapo 2026", place_box(g, "front", "center", 0, -60, 150, 20), size=24)
    assert _codes(engine, "book-48", front) == []
    hinge = g.panels["hinge_front"]
    across = _text("Across the hinge", place_box(g, "hinge_front", "center", 0, 0, 60, 12), size=14)
    assert hinge.w < 60
    assert _codes(engine, "book-48", across) == ["book.text_on_fold"]
    wrap = _text("Folded under", place_box(g, "front", "top_left", 20, -15, 100, 10), size=14)
    assert _codes(engine, "book-48", wrap) == ["book.text_on_fold"]


def test_interior_text_in_the_gutter_is_flagged_on_the_binding_side_only(tmp_path: Path) -> None:
    t = load_template_file(ROOT / "templates_print" / "photo-book-8x8-hardcover.json")
    right = interior_page_template(t, 1).model_copy(update={"id": "page-1"})
    left = interior_page_template(t, 2).model_copy(update={"id": "page-2"})
    engine = _engine_with(tmp_path, right, left)

    class Box:
        def __init__(self, x: float, y: float, w: float, h: float) -> None:
            self.x, self.y, self.w, self.h = x, y, w, h

    near_left = _text("Caption", Box(12, 180, 60, 10), align="left")
    near_left_in_gutter = _text("Caption", Box(4, 180, 60, 10), align="left")
    assert _codes(engine, "page-1", near_left) == []
    assert _codes(engine, "page-1", near_left_in_gutter) == ["book.text_in_gutter"]
    assert _codes(engine, "page-2", near_left_in_gutter) == []  # a left-hand page binds on its right edge
    near_right = _text("Caption", Box(203.2 - 64, 180, 60, 10), align="right")
    assert _codes(engine, "page-2", near_right) == ["book.text_in_gutter"]


@pytest.mark.parametrize("product", ["mug-11oz"])
def test_other_products_have_no_book_findings(tmp_path: Path, product: str) -> None:
    engine = Engine(Settings())

    class Box:
        x, y, w, h = 0.0, 0.0, 200.0, 80.0

    assert _codes(engine, product, _text("Across everything", Box())) == []
