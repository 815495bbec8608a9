"""Colour emoji (issue #21): Twemoji's COLRv0 layers are glyph outlines in palette colours, laid out once and
drawn by both backends; ZWJ sequences, skin tones, keycaps and flags are single glyphs from the font's GSUB.

Glyph ids are pinned from uharfbuzz with the bundled fonts/twemoji/Twemoji.ttf (twemoji-colr-font 15.0.3).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pikepdf
import pytest
import pyvips

from render_engine import render_design
from render_engine.engine import Engine
from render_engine.inputs.font_catalog import FontCatalog
from render_engine.layout.shaping import assign_faces, shape
from render_engine.layout.text import layout_text
from render_engine.model.design import Box, FontRef, TextLayer

SEQUENCES = [
    ("\U0001f600", [884], "grinning face"),
    ("\U0001fa94", [1350], "diya lamp (Happy Diwali)"),
    ("\U0001f469\u200d\U0001f469\u200d\U0001f467", [6697], "family: ZWJ sequence, one glyph"),
    ("\U0001f44d\U0001f3fd", [5162], "thumbs up + medium skin tone, one glyph"),
    ("\U0001f1ee\U0001f1f3", [2241], "flag of India from two regional indicators"),
    ("1\ufe0f\u20e3", [13850], "keycap one"),
    ("\u2665\ufe0f", [96], "heart suit with emoji presentation"),
]


@pytest.fixture(scope="module")
def fonts(engine: Engine) -> FontCatalog:
    return engine.fonts


def _layer(text: str, size: float = 24) -> TextLayer:
    return TextLayer(type="text", text=text, font=FontRef(family="noto-sans"), size=size,
                     box=Box(x=0, y=0, width=200, height=40))


@pytest.mark.parametrize(("text", "gids"), [(t, g) for t, g, _ in SEQUENCES])
def test_emoji_sequences_shape_to_pinned_glyphs(fonts: FontCatalog, text: str, gids: list[int]) -> None:
    primary = fonts.face_for("noto-sans", 400, "normal")
    faces, missing = assign_faces(text, fonts.fallback_faces(primary))
    assert not missing and {f.family_id for f in faces} == {"twemoji"}, "the whole sequence in the emoji face"
    face = faces[0]
    glyphs = shape(face, text, False)
    assert [g.gid for g in glyphs] == gids
    assert glyphs[0].x_advance == face.hb_font.get_glyph_h_advance(gids[0]) > 0, "advance from the font"
    assert face.color_layers(gids[0]), "a colour glyph"


def test_text_presentation_symbol_stays_monochrome_unless_vs16(fonts: FontCatalog) -> None:
    primary = fonts.face_for("noto-sans", 400, "normal")
    chain = fonts.fallback_faces(primary)
    assert assign_faces("\u2665", chain)[0][0].family_id == "noto-sans-symbols2"
    assert assign_faces("\u2665\ufe0f", chain)[0][0].family_id == "twemoji"
    assert assign_faces("1", chain)[0][0].family_id == "noto-sans", "digits stay text"


def test_emoji_layers_are_laid_out_in_palette_colours(fonts: FontCatalog) -> None:
    block = layout_text(_layer("Hi \U0001f600"), fonts, "layers[0]")
    colours = [c for c, _ in block.color_glyphs]
    assert colours == ["#ffcc4d", "#664500", "#ffffff"], "yellow face, then brown mouth and eyes, white teeth"
    assert all(not p.empty for _, p in block.color_glyphs)
    assert ("\U0001f600", "twemoji") in block.fallback
    emoji_box = block.color_glyphs[0][1].bounds()
    assert emoji_box is not None and block.bounds is not None
    assert block.bounds.x + block.bounds.w >= emoji_box.x + emoji_box.w - 1e-9, "bounds include the emoji"


DESIGN = {
    "version": 1,
    "template": "card-5x7",
    "layers": [
        {"type": "background", "color": "#ffffff"},
        {"type": "text", "text": "\U0001f600", "font": {"family": "noto-sans"}, "size": 72, "color": "#000000",
         "box": {"x": 20, "y": 20, "width": 87, "height": 40}, "align": "center"},
    ],
}


def _yellow_pixels(png: Path) -> int:
    img = pyvips.Image.new_from_file(str(png))
    a = np.ndarray(buffer=img.write_to_memory(), dtype=np.uint8, shape=(img.height, img.width, img.bands))
    r, g, b = (a[..., i].astype(int) for i in range(3))
    return int(((r > 200) & (g > 150) & (b < 130)).sum())


def test_emoji_renders_in_colour_to_png(tmp_path: Path, engine: Engine) -> None:
    res = render_design(DESIGN, tmp_path / "e.png", format="png", dpi=60, engine=engine)
    assert res.path is not None
    assert _yellow_pixels(res.path) > 200, "the face is yellow, not black"


def test_emoji_renders_as_cmyk_vector_paths_in_the_pdf(tmp_path: Path, engine: Engine) -> None:
    res = render_design(DESIGN, tmp_path / "e.pdf", format="pdf", engine=engine)
    assert res.path is not None
    fonts = subprocess.run(["pdffonts", str(res.path)], capture_output=True, text=True, check=True)
    assert len(fonts.stdout.strip().splitlines()) == 2, "outlined: no fonts in the file"
    with pikepdf.open(res.path) as pdf:
        ops = pikepdf.parse_content_stream(pdf.pages[0])
        assert not {str(op) for _, op in ops} & {"rg", "RG", "Tj", "TJ", "Do"}, "no RGB, no text, no images"
        fills = [tuple(float(v) for v in o) for o, op in ops if str(op) == "k"]
    yellow = [f for f in fills if f[2] > 0.5 and f[0] < 0.2]
    assert yellow, f"a yellow CMYK fill for the face: {fills}"
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-singlefile", str(res.path), str(tmp_path / "p")],
                   check=True, capture_output=True)
    assert _yellow_pixels(tmp_path / "p.png") > 200
