"""A font-family list (native ``font.fallback``; Fabric's CSS ``fontFamily: "Noto Sans, Noto Emoji"``): each
character is printed in the first listed family that has it, then in the engine's fallback chain (issue 17).

Glyph ids are pinned from uharfbuzz with the bundled faces (Noto Emoji 3.006, Noto Sans Bold).
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pikepdf
import pytest
from PIL import Image

from render_engine import render_design
from render_engine.engine import Engine
from render_engine.fabric import FabricOptions, load_fabric_json
from render_engine.inputs.font_catalog import FontCatalog
from render_engine.layout.shaping import assign_faces, list_pair_fixes_em
from render_engine.layout.text import layout_text
from render_engine.model.design import Box, FontRef, TextLayer
from render_engine.model.errors import RenderError

TEXT = "Mia \U0001f382 \u2764 x"  # birthday cake (emoji presentation), heavy black heart (text presentation)


@pytest.fixture(scope="module")
def fonts(engine: Engine) -> FontCatalog:
    return engine.fonts


def _layer(font: FontRef, text: str = TEXT) -> TextLayer:
    return TextLayer(type="text", text=text, font=font, size=24, box=Box(x=0, y=0, width=200, height=40))


def _faces_by_char(fonts: FontCatalog, font: FontRef, emoji: str = "color") -> list[tuple[str, str, int]]:
    block = layout_text(_layer(font), fonts, "layers[0]", emoji)
    return [(TEXT[g.cluster], g.face_id.split(":")[0], g.gid) for g in block.glyphs]


def test_each_character_takes_the_first_listed_family_that_has_it(fonts: FontCatalog) -> None:
    listed = _faces_by_char(fonts, FontRef(family="Noto Sans", weight=700, fallback=["Noto Emoji"]))
    by_char = {c: (fam, gid) for c, fam, gid in listed}
    assert by_char["\U0001f382"] == ("noto-emoji", 377)
    assert by_char["\u2764"] == ("noto-emoji", 170), "text-presentation heart: Noto Sans lacks it, Noto Emoji next"
    assert {fam for c, fam, _ in listed if c not in "\U0001f382\u2764"} == {"noto-sans"}, "spaces stay Noto Sans"
    assert by_char["M"] == ("noto-sans", 48)


def test_one_family_keeps_the_engine_chain(fonts: FontCatalog) -> None:
    one = {c: fam for c, fam, _ in _faces_by_char(fonts, FontRef(family="Noto Sans", weight=700))}
    assert one["\U0001f382"] == "twemoji" and one["\u2764"] == "noto-sans-symbols2"


def test_listed_faces_are_not_reported_as_fallback(fonts: FontCatalog) -> None:
    block = layout_text(_layer(FontRef(family="noto-sans", fallback=["noto-emoji"])), fonts, "layers[0]")
    assert block.fallback == () and block.color_glyphs == (), "listed by the design; monochrome outlines only"
    alone = layout_text(_layer(FontRef(family="noto-sans")), fonts, "layers[0]")
    assert ("\U0001f382", "twemoji") in alone.fallback and alone.color_glyphs


def test_a_listed_family_missing_the_character_goes_on_to_the_engine_chain(fonts: FontCatalog) -> None:
    text = "\u05e9\u05dc\u05d5\u05dd \U0001f382"  # Hebrew, then an emoji: neither face listed has Hebrew
    block = layout_text(_layer(FontRef(family="dancing-script", fallback=["noto-emoji"]), text), fonts, "layers[0]")
    fams = {text[g.cluster]: g.face_id.split(":")[0] for g in block.glyphs}
    assert fams["\u05e9"] == "noto-sans-hebrew" and fams["\U0001f382"] == "noto-emoji"


def test_monochrome_product_keeps_a_listed_colour_face_in_place(fonts: FontCatalog) -> None:
    chain, named = fonts.chain(FontRef(family="noto-sans", fallback=["twemoji", "noto-emoji"]), "monochrome")
    assert [f.family_id for f in chain[:3]] == ["noto-sans", "twemoji", "noto-emoji"]
    assert [f.family_id for f in named] == ["noto-sans", "twemoji", "noto-emoji"]
    assert [f.family_id for f in chain].count("noto-emoji") == 1


def test_unknown_listed_family_is_an_error_naming_it(engine: Engine, tmp_path: Path) -> None:
    design = _native(FontRef(family="noto-sans", fallback=["noto-emoji", "Comic Sans"]))
    with pytest.raises(RenderError) as err:
        render_design(design, tmp_path / "x.png", format="png", dpi=30, engine=engine)
    assert err.value.field == "layers[1].font.fallback[1]" and "unknown font family" in err.value.message


def _native(font: FontRef) -> dict[str, Any]:
    return {
        "version": 1,
        "template": "card-5x7",
        "layers": [
            {"type": "background", "color": "#ffffff"},
            {"type": "text", "text": "Mia \U0001f382\U0001f389", "font": font.model_dump(), "size": 60,
             "color": "#c00000", "box": {"x": 10, "y": 20, "width": 107, "height": 40}, "align": "center"},
        ],
    }


def test_pdf_prints_listed_emoji_as_vector_outlines_in_the_text_colour(engine: Engine, tmp_path: Path) -> None:
    res = render_design(_native(FontRef(family="noto-sans", fallback=["noto-emoji"])), tmp_path / "m.pdf",
                        format="pdf", engine=engine)
    assert res.path is not None
    with pikepdf.open(res.path) as pdf:
        page = pdf.pages[0]
        xobjects = page.Resources.get("/XObject", {})
        assert not [k for k, x in xobjects.items() if x.get("/Subtype") == "/Image"], "no raster images"
        ops = [str(op) for _, op in pikepdf.parse_content_stream(page)]
        fills = {tuple(round(float(v), 2) for v in o) for o, op in pikepdf.parse_content_stream(page) if str(op) == "k"}
    assert ops.count("f") + ops.count("f*") >= 1 and ops.count("c") > 100, "glyphs as filled Bezier paths"
    assert not [f for f in fills if f[2] > 0.5 and f[0] < 0.2 and f[1] < 0.5], f"no Twemoji yellow: {fills}"
    png = tmp_path / "m.png"
    subprocess.run(["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=png16m", "-r60", "-dGraphicsAlphaBits=4",
                    f"-sOutputFile={png}", str(res.path)], check=True, capture_output=True)
    pdf_px = np.asarray(Image.open(png).convert("RGB")).astype(int)
    raster = render_design(_native(FontRef(family="noto-sans", fallback=["noto-emoji"])), tmp_path / "m2.png",
                           format="png", dpi=60, engine=engine)
    assert raster.path is not None
    ras_px = np.asarray(Image.open(raster.path).convert("RGB")).astype(int)
    h, w = min(pdf_px.shape[0], ras_px.shape[0]), min(pdf_px.shape[1], ras_px.shape[1])

    def red(a: np.ndarray) -> np.ndarray:
        return (a[..., 0] > 120) & (a[..., 1] < 90) & (a[..., 2] < 90)

    pr, rr = red(pdf_px[:h, :w]), red(ras_px[:h, :w])
    assert pr.sum() > 300 and abs(int(pr.sum()) - int(rr.sum())) < 0.1 * rr.sum(), (pr.sum(), rr.sum())
    yellow = (ras_px[..., 0] > 200) & (ras_px[..., 1] > 150) & (ras_px[..., 2] < 130)
    assert yellow.sum() == 0, "the raster preview draws the same monochrome emoji"


def test_fabric_css_list_is_passed_through(engine: Engine) -> None:
    obj = {"type": "IText", "version": "6.9.1", "text": "Hi \U0001f382",
           "fontFamily": "'Noto Sans', Comic Neue, Noto Emoji", "fontSize": 40, "fill": "#000000",
           "left": 100, "top": 100, "width": 120, "height": 46}
    canvas = {"version": "6.9.1", "objects": [obj], "width": 400, "height": 200}
    imp = load_fabric_json(canvas, engine, FabricOptions(canvas_size=(400, 200)))
    text = [layer for layer in imp.design.layers if isinstance(layer, TextLayer)]
    assert text[0].font.family == "noto-sans" and text[0].font.fallback == ["noto-emoji"], "unknown Comic Neue skipped"
    obj["fontFamily"] = "Noto Sans, sans-serif"  # the same family twice: one family, as before
    imp = load_fabric_json(canvas, engine, FabricOptions(canvas_size=(400, 200)))
    text = [layer for layer in imp.design.layers if isinstance(layer, TextLayer)]
    assert text[0].font.family == "noto-sans" and text[0].font.fallback == []


def test_fabric_emoji_name_matches_node_canvas() -> None:
    """gift_extras.js 6 ``emoji_name`` (tests/fabric_corpus/shop_fixed/v6_emoji_name*): bold Noto Sans and a
    Dancing Script textbox, each with Noto Emoji listed after it. Before: 0.9633 / 2.15 % at 1x (colour Twemoji)."""
    root = Path(__file__).resolve().parents[1] / "fabric_corpus" / "shop_fixed"
    res = render_design(root / "v6_emoji_name.json", scale=1)
    ours = Image.open(io.BytesIO(res.data)).convert("RGBA")
    ref = Image.open(root / "v6_emoji_name@1x.png").convert("RGBA")
    assert ours.size == ref.size

    def on_white(im: Image.Image) -> np.ndarray:
        bg = Image.new("RGBA", im.size, "white")
        bg.alpha_composite(im)
        return np.asarray(bg.convert("RGB")).astype(int)

    a, b = on_white(ours), on_white(ref)
    yellow = (a[..., 0] > 200) & (a[..., 1] > 150) & (a[..., 2] < 130) & (a[..., 2] < a[..., 0] - 80)
    assert yellow.sum() == 0, "no colour Twemoji"
    # the emoji rows: the cake and the popper in the text's purple, where Fabric draws them
    purple = (np.abs(a - np.array([0x8E, 0x44, 0xAD])).max(axis=2) < 60)[330:470, 780:1000]
    purple_ref = (np.abs(b - np.array([0x8E, 0x44, 0xAD])).max(axis=2) < 60)[330:470, 780:1000]
    overlap = (purple & purple_ref).sum() / max(1, purple_ref.sum())
    assert purple.sum() > 2000 and overlap > 0.45, (purple.sum(), purple_ref.sum(), overlap)


def test_a_space_next_to_a_bare_listed_symbol_measures_as_the_canvas_pairs_it(fonts: FontCatalog) -> None:
    """node-canvas 2.11 (Pango), 60 px "Dancing Script, Noto Emoji": measureText("❤ ") = 152.34 = two emoji-face
    advances, "❤ a" = 117.99 (the space in Dancing Script, 15.60), " ⭐" = 91.77 (emoji presentation: a run of its
    own, the space in Dancing Script). Fabric measures each character as the pair with the one before less that
    one, so a centred line holding " ❤ " is 2 x (76.17 - 15.60) px wider than it draws."""
    chain, named = fonts.chain(FontRef(family="dancing-script", fallback=["noto-emoji"]))
    for text, fixed in [("n \u2764 a", {2, 3}), ("k \u2b50 a", set()), ("\u2764\u2764", set())]:
        faces, _ = assign_faces(text, chain, named)
        fixes = list_pair_fixes_em(text, faces, named) or [0.0] * len(text)
        assert {i for i, v in enumerate(fixes) if v} == fixed, text
        for i in fixed:
            assert abs(fixes[i] * 60 - (76.171875 - 15.599609375)) < 0.01
    one_chain, one = fonts.chain(FontRef(family="dancing-script"))
    faces, _ = assign_faces("n \u2764 a", one_chain, one)
    assert list_pair_fixes_em("n \u2764 a", faces, one) is None, "one family: measured as before"
