"""Decorative faces for Hindi and Chinese (issue #21): Kalam (Devanagari handwriting) and Ma Shan Zheng
(Chinese brush) are catalogued with their licences, shape conjuncts and reph as HarfBuzz does, fall back per
character where they lack a glyph, and print as outlines in the PDF.

The glyph ids were read once from uharfbuzz with the bundled files (scripts/fetch_display_fonts.sh: Kalam 2.001,
Ma Shan Zheng 2.003); a different font build changes them, and then these tests must be re-pinned on purpose.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import pyvips

from render_engine import render_design
from render_engine.engine import Engine
from render_engine.layout.shaping import shape
from render_engine.layout.text import layout_text
from render_engine.model.design import Box, FontRef, TextLayer
from render_engine.model.settings import bundled_dir

KALAM = [
    ("क्ष", [437], "KA+VIRAMA+SSA: the conjunct kssa, one glyph"),
    ("र्क", [314, 481], "reph: RA+VIRAMA drawn as a mark after KA"),
    ("कि", [974, 314], "i-sign reordered before ka (a wide form for ka)"),
    ("श्री", [512, 353], "shri: SHA+VIRAMA+RA as one conjunct, then the ii-sign"),
    ("दिवाली", [973, 331, 344, 351, 342, 353], "Diwali: the i-sign in front of da"),
]


def _layer(text: str, family: str, size: float = 12) -> TextLayer:
    return TextLayer(type="text", text=text, font=FontRef(family=family), size=size,
                     box=Box(x=0, y=0, width=200, height=40))


def test_catalogue_lists_the_faces_with_licence_files() -> None:
    root = bundled_dir("fonts")
    catalog = json.loads((root / "catalog.json").read_text(encoding="utf-8"))
    fams = {f["id"]: f for f in catalog["families"]}
    for fid, script in (("kalam", "Deva"), ("ma-shan-zheng", "Hani")):
        fam = fams[fid]
        assert script in fam["scripts"] and fam["license"] == "OFL-1.1"
        licence = (root / fam["license_file"]).read_text(encoding="utf-8")
        assert "SIL OPEN FONT LICENSE VERSION 1.1" in licence.upper()
        for style in fam["styles"]:
            assert (root / style["file"]).stat().st_size > 100_000


@pytest.mark.parametrize(("text", "gids"), [(t, g) for t, g, _ in KALAM])
def test_kalam_shapes_devanagari_as_harfbuzz_pinned(engine: Engine, text: str, gids: list[int]) -> None:
    face = engine.fonts.face_for("kalam", 400, "normal")
    assert [g.gid for g in shape(face, text, False)] == gids
    assert 0 not in gids


def test_kalam_conjunct_is_not_the_letters_one_by_one(engine: Engine) -> None:
    face = engine.fonts.face_for("kalam", 700, "normal")
    assert face.path.name == "Kalam-Bold.ttf"
    glyphs = shape(face, "क्ष", False)
    nominal = {face.hb_font.get_nominal_glyph(ord(c)) for c in "क्ष"}
    assert len(glyphs) == 1 and glyphs[0].gid not in nominal


def test_brush_face_prints_its_hanzi_and_falls_back_for_traditional_ones(engine: Engine) -> None:
    block = layout_text(_layer("春联 龍 福", "ma-shan-zheng"), engine.fonts, "layers[0]")
    by_face = {g.face_id.split(":")[0] for g in block.glyphs}
    assert by_face == {"ma-shan-zheng", "droid-sans-fallback"}
    # only 龍 (traditional, outside GB 2312) is taken from the fallback face
    assert {c for c, fam in block.fallback} == {"龍"}
    assert all(g.gid != 0 for g in block.glyphs)


def _card(text: str, family: str) -> dict[str, object]:
    return {"version": 1, "template": "card-5x7", "layers": [
        {"type": "background", "color": "#ffffff"},
        {"type": "text", "text": text, "font": {"family": family}, "size": 40, "color": "#b00000",
         "box": {"x": 10, "y": 40, "width": 107, "height": 40}, "align": "center"}]}


def test_brush_and_handwriting_faces_print_as_outlines(tmp_path: Path, engine: Engine) -> None:
    for name, text, family in (("hanzi", "春联福", "ma-shan-zheng"), ("deva", "शुभ दिवाली", "kalam")):
        res = render_design(_card(text, family), tmp_path / f"{name}.pdf", format="pdf", engine=engine)
        assert res.path is not None
        fonts = subprocess.run(["pdffonts", str(res.path)], capture_output=True, text=True, check=True)
        assert len(fonts.stdout.strip().splitlines()) == 2, "outlined text: no fonts in the file"
        subprocess.run(["pdftoppm", "-r", "50", "-png", "-singlefile", "-gray", str(res.path),
                        str(tmp_path / name)], check=True, capture_output=True)
        img = pyvips.Image.new_from_file(str(tmp_path / f"{name}.png"))
        assert img.min() < 128, "the outlines leave ink"


def test_brush_face_looks_different_from_the_fallback_face(tmp_path: Path, engine: Engine) -> None:
    """The family choice takes effect: the same hanzi in the brush face and in Droid Sans Fallback differ."""
    out = {}
    for family in ("ma-shan-zheng", "droid-sans-fallback"):
        res = render_design(_card("春联福", family), tmp_path / f"{family}.png", format="png", dpi=60,
                            engine=engine)
        assert res.path is not None
        out[family] = pyvips.Image.new_from_file(str(res.path)).colourspace("b-w")[0]
    diff = (out["ma-shan-zheng"] - out["droid-sans-fallback"]).abs()
    assert (diff > 64).avg() / 255 > 0.005, "at least 0.5 % of pixels differ strongly"
