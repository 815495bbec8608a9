"""Emoji on one-colour and emoji-free products (issue #21): a template's ``text.emoji`` is "color" (Twemoji's
palette), "monochrome" (the text colour, from the bundled monochrome Noto Emoji face) or "forbidden" (a
preflight blocker naming the layer and the emoji; previews draw them as monochrome).

Glyph ids are pinned from uharfbuzz with fonts/noto-emoji/NotoEmoji-Regular.ttf (Noto Emoji 3.006).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pikepdf
import pytest
import pyvips

from render_engine import preflight, render_design
from render_engine.engine import Engine
from render_engine.inputs.font_catalog import FontCatalog
from render_engine.layout.color_glyphs import color_layer_paths
from render_engine.layout.shaping import assign_faces, shape
from render_engine.layout.text import layout_text
from render_engine.model.design import Box, FontRef, TextLayer
from render_engine.model.geometry import Matrix
from render_engine.model.settings import Settings

ROOT = Path(__file__).resolve().parents[2]

MONO = [
    ("\U0001f600", [895]),  # grinning face
    ("\U0001f469\u200d\U0001f469\u200d\U0001f467", [1493]),  # ZWJ family: one glyph
    ("\U0001f44d\U0001f3fd", [578]),  # thumbs up + skin tone: one glyph (no tones in one colour)
    ("\U0001f1ee\U0001f1f3", [1723]),  # flag of India
    ("1\ufe0f\u20e3", [1548, 3]),  # keycap one (+ the hidden VS16, advance 0)
    ("\u2665\ufe0f", [99, 3]),  # heart suit with emoji presentation
]


@pytest.fixture(scope="module")
def fonts(engine: Engine) -> FontCatalog:
    return engine.fonts


@pytest.fixture(scope="module")
def moded(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """An engine whose templates are card-5x7 in each emoji mode: card-color, card-monochrome, card-forbidden."""
    folder = tmp_path_factory.mktemp("templates")
    base = json.loads((ROOT / "templates_print" / "card-5x7.json").read_text(encoding="utf-8"))
    for mode in ("color", "monochrome", "forbidden"):
        data = {**base, "id": f"card-{mode}", "text": {"emoji": mode}, "mockup": {}}
        (folder / f"card-{mode}.json").write_text(json.dumps(data), encoding="utf-8")
    return Engine(Settings(templates_dir=folder))


def _layer(text: str) -> TextLayer:
    return TextLayer(type="text", text=text, font=FontRef(family="noto-sans"), size=24,
                     box=Box(x=0, y=0, width=200, height=40))


def _design(template: str, text: str, color: str = "#c00000") -> dict[str, Any]:
    return {
        "version": 1,
        "template": template,
        "layers": [
            {"type": "background", "color": "#ffffff"},
            {"type": "text", "text": text, "font": {"family": "noto-sans"}, "size": 72, "color": color,
             "box": {"x": 20, "y": 20, "width": 87, "height": 40}, "align": "center"},
        ],
    }


def _rgb(png: Path) -> np.ndarray:
    img = pyvips.Image.new_from_file(str(png))
    return np.ndarray(buffer=img.write_to_memory(), dtype=np.uint8, shape=(img.height, img.width, img.bands))


def _counts(png: Path) -> tuple[int, int]:
    """(yellow pixels, red pixels)."""
    a = _rgb(png)
    r, g, b = (a[..., i].astype(int) for i in range(3))
    return int(((r > 200) & (g > 150) & (b < 130)).sum()), int(((r > 150) & (g < 80) & (b < 80)).sum())


@pytest.mark.parametrize(("text", "gids"), MONO)
def test_monochrome_chain_shapes_emoji_with_the_monochrome_face(fonts: FontCatalog, text: str, gids: list[int]) -> None:
    primary = fonts.face_for("noto-sans", 400, "normal")
    chain = fonts.fallback_faces(primary, "monochrome")
    assert [f.family_id for f in chain[-2:]] == ["noto-emoji", "twemoji"], "colour faces last"
    faces, missing = assign_faces(text, chain)
    assert not missing and {f.family_id for f in faces} == {"noto-emoji"}
    glyphs = shape(faces[0], text, False)
    assert [g.gid for g in glyphs] == gids
    assert glyphs[0].x_advance == 2600 and all(g.x_advance == 0 for g in glyphs[1:])
    assert not faces[0].has_color and not faces[0].outline(gids[0]).empty


def test_colour_chain_is_unchanged(fonts: FontCatalog) -> None:
    primary = fonts.face_for("noto-sans", 400, "normal")
    chain = fonts.fallback_faces(primary)
    assert "noto-emoji" not in [f.family_id for f in chain], "the default chain keeps Twemoji for emoji"
    assert assign_faces("\u2665", fonts.fallback_faces(primary, "monochrome"))[0][0].family_id == "noto-sans-symbols2"


def test_monochrome_layout_has_no_palette_colours(fonts: FontCatalog) -> None:
    mono = layout_text(_layer("Hi \U0001f600"), fonts, "layers[0]", "monochrome")
    colour = layout_text(_layer("Hi \U0001f600"), fonts, "layers[0]")
    assert mono.color_glyphs == () and colour.color_glyphs, "monochrome: the emoji is part of the text outline"
    assert ("\U0001f600", "noto-emoji") in mono.fallback
    assert mono.bounds is not None and colour.bounds is not None
    assert abs(mono.bounds.w - colour.bounds.w) < 2.0, "about the same width as the colour emoji (mm)"


def test_colour_glyph_silhouette_is_one_path_in_the_text_colour(fonts: FontCatalog) -> None:
    tw = fonts.face_for("twemoji", 400, "normal")
    layers = color_layer_paths([(tw, 884, Matrix())], monochrome=True)
    full = color_layer_paths([(tw, 884, Matrix())])
    assert len(full) == 3 and len(layers) == 1 and layers[0][0] is None
    union = layers[0][1].bounds()
    face = full[0][1].bounds()
    assert union is not None and face is not None and union == face, "the face layer is the silhouette's extent"


def test_monochrome_product_prints_emoji_in_the_text_colour(tmp_path: Path, moded: Engine) -> None:
    text = "\U0001f600"
    res = render_design(_design("card-monochrome", text), tmp_path / "m.pdf", format="pdf", engine=moded)
    assert res.path is not None
    out = subprocess.run(["pdffonts", str(res.path)], capture_output=True, text=True, check=True)
    assert len(out.stdout.strip().splitlines()) == 2, "outlined: no fonts in the file"
    with pikepdf.open(res.path) as pdf:
        ops = pikepdf.parse_content_stream(pdf.pages[0])
        fills = {tuple(round(float(v), 2) for v in o) for o, op in ops if str(op) == "k"}
    assert not [f for f in fills if f[2] > 0.5 and f[0] < 0.2 and f[1] < 0.5], f"no yellow fill: {fills}"
    subprocess.run(["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=png16m", "-r60",
                    f"-sOutputFile={tmp_path / 'm.png'}", str(res.path)], check=True, capture_output=True)
    yellow, red = _counts(tmp_path / "m.png")
    assert yellow == 0 and red > 300, (yellow, red)
    colour = render_design(_design("card-color", text), tmp_path / "c.png", format="png", dpi=60, engine=moded)
    assert colour.path is not None
    assert _counts(colour.path)[0] > 200, "the same design on a colour product is yellow"


def test_forbidden_emoji_is_a_blocker_naming_layer_and_emoji(moded: Engine) -> None:
    text = "Hi \U0001f600 \U0001f469\u200d\U0001f469\u200d\U0001f467 \U0001f1ee\U0001f1f3 \u2665 1\ufe0f\u20e3"
    report = preflight(_design("card-forbidden", text), engine=moded)
    found = [f for f in report.findings if f.code == "text.emoji_not_printable"]
    assert len(found) == 1 and found[0].severity == "blocker" and not report.ok
    f = found[0]
    assert f.layer == 1 and f.extra["field"] == "layers[1].text"
    assert f.extra["emoji"] == ["\U0001f600", "\U0001f469\u200d\U0001f469\u200d\U0001f467", "\U0001f1ee\U0001f1f3",
                                "1\ufe0f\u20e3"], "whole clusters; the text-style ♥ is printable"
    assert "U+1F600" in f.detail and "forbidden" in f.detail
    for template in ("card-color", "card-monochrome"):
        codes = {x.code for x in preflight(_design(template, text), engine=moded).findings}
        assert "text.emoji_not_printable" not in codes
    plain = preflight(_design("card-forbidden", "Happy Birthday \u2665"), engine=moded)
    assert "text.emoji_not_printable" not in {x.code for x in plain.findings}


def test_forbidden_preview_draws_what_monochrome_prints(tmp_path: Path, moded: Engine) -> None:
    text = "\U0001f600"
    a = render_design(_design("card-forbidden", text), tmp_path / "f.png", format="png", dpi=60, engine=moded)
    b = render_design(_design("card-monochrome", text), tmp_path / "m.png", format="png", dpi=60, engine=moded)
    assert a.path is not None and b.path is not None
    assert np.array_equal(_rgb(a.path), _rgb(b.path)), "the preview shows no colour the product cannot print"
