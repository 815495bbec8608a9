"""Indic scripts and symbols (issue #21): the bundled Noto faces shape conjuncts, reph and vowel signs as
HarfBuzz does, the fallback chain picks the right face per run, and names and symbols print in both backends.

The pinned glyph ids were read once from uharfbuzz with the bundled files (fonts-noto-core 20201225-1); a
different font build changes them, and then these tests must be re-pinned on purpose.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pikepdf
import pytest
import pyvips

from render_engine import render_design
from render_engine.engine import Engine
from render_engine.inputs.font_catalog import FontCatalog
from render_engine.layout.shaping import assign_faces, bidi_levels, itemize, shape, wants_emoji
from render_engine.layout.text import layout_text
from render_engine.model.design import Box, FontRef, TextLayer

# family id -> [(text, glyph ids in visual order, what it shows)]
PINNED: dict[str, list[tuple[str, list[int], str]]] = {
    "noto-sans-tamil": [
        ("க்ஷ", [76], "KA+VIRAMA+SSA: the conjunct ksha, one glyph"),
        ("ஸ்ரீ", [163], "shri ligature"),
        ("கொ", [46, 18, 41], "two-part vowel sign o: e-sign left of ka, aa-sign right"),
        ("தமிழ்", [25, 29, 42, 94], "Tamil: i-sign after ma, LLA+VIRAMA as one glyph"),
    ],
    "noto-sans-bengali": [
        ("ক্ষ", [129], "conjunct kssa"),
        ("র্ক", [20, 131], "reph: RA+VIRAMA drawn above the following KA"),
        ("কি", [55, 20], "i-sign reordered before ka"),
        ("প্রিয়া", [492, 224, 70, 54], "Priya: pa+ra conjunct with the i-sign in front"),
    ],
    "noto-sans-gurmukhi": [
        ("ਪ੍ਰ", [37, 111], "subscript ra"),
        ("ਕਿ", [52, 17], "sihari reordered before ka"),
    ],
    "noto-sans-gujarati": [
        ("ક્ષ", [129], "conjunct kssa"),
        ("ર્ક", [21, 676], "reph"),
        ("કિ", [627, 21], "i-sign before ka"),
    ],
    "noto-sans-telugu": [
        ("క్ష", [102], "conjunct kssa"),
        ("కి", [175], "ka with i-sign as one glyph"),
        ("శ్రీ", [242, 583], "shri: sha+ii, subscript ra"),
    ],
    "noto-sans-kannada": [
        ("ಕ್ಷ", [285], "conjunct kssa"),
        ("ರ್ಕ", [23, 93], "reph"),
        ("ಕಿ", [206], "ka with i-sign as one glyph"),
    ],
    "noto-sans-malayalam": [
        ("ക്ഷ", [167], "conjunct kssa"),
        ("ന്റ", [205], "conjunct nta"),
        ("കൊ", [71, 23, 64], "two-part vowel sign o"),
    ],
    "noto-sans-oriya": [
        ("କ୍ଷ", [259], "conjunct kssa"),
        ("ର୍କ", [20, 82], "reph"),
    ],
}
CASES = [(fid, text, gids) for fid, rows in PINNED.items() for text, gids, _ in rows]


@pytest.fixture(scope="module")
def fonts(engine: Engine) -> FontCatalog:
    return engine.fonts


def _layer(text: str, family: str = "noto-sans", size: float = 12) -> TextLayer:
    return TextLayer(type="text", text=text, font=FontRef(family=family), size=size,
                     box=Box(x=0, y=0, width=200, height=40))


@pytest.mark.parametrize(("family", "text", "gids"), CASES)
def test_indic_shaping_matches_pinned_harfbuzz_glyphs(fonts: FontCatalog, family: str, text: str,
                                                      gids: list[int]) -> None:
    face = fonts.face_for(family, 400, "normal")
    glyphs = shape(face, text, False)
    assert [g.gid for g in glyphs] == gids
    assert 0 not in gids, ".notdef"


@pytest.mark.parametrize("family", sorted(PINNED))
def test_conjuncts_take_fewer_glyphs_than_code_points(fonts: FontCatalog, family: str) -> None:
    face = fonts.face_for(family, 400, "normal")
    text, _, _ = PINNED[family][0]  # the first case of each script is a conjunct
    glyphs = shape(face, text, False)
    nominal = {face.hb_font.get_nominal_glyph(ord(c)) for c in text}
    assert len(glyphs) < len(text)
    assert all(g.gid != 0 for g in glyphs)
    assert any(g.gid not in nominal for g in glyphs), "a conjunct form, not the letters one by one"


def test_bold_faces_are_bundled_and_shape_too(fonts: FontCatalog) -> None:
    for family in PINNED:
        face = fonts.face_for(family, 700, "normal")
        assert face.weight == 700 and face.path.name.endswith("-Bold.ttf")
        text = PINNED[family][0][0]
        assert 0 not in [g.gid for g in shape(face, text, False)]


def test_mixed_script_text_picks_a_face_per_run(fonts: FontCatalog) -> None:
    primary = fonts.face_for("dancing-script", 400, "normal")
    text = "Priya பிரியா প্রিয়া ਪ੍ਰਿਆ પ્રિયા ప్రియ ಪ್ರಿಯಾ പ്രിയ ପ୍ରିୟା"
    faces, missing = assign_faces(text, fonts.fallback_faces(primary))
    assert not missing
    runs = [(text[r.start : r.end].strip(), r.face.family_id) for r in itemize(text, faces, bidi_levels(text))]
    assert runs == [
        ("Priya", "dancing-script"),
        ("பிரியா", "noto-sans-tamil"),
        ("প্রিয়া", "noto-sans-bengali"),
        ("ਪ੍ਰਿਆ", "noto-sans-gurmukhi"),
        ("પ્રિયા", "noto-sans-gujarati"),
        ("ప్రియ", "noto-sans-telugu"),
        ("ಪ್ರಿಯಾ", "noto-sans-kannada"),
        ("പ്രിയ", "noto-sans-malayalam"),
        ("ପ୍ରିୟା", "noto-sans-oriya"),
    ]


def test_danda_stays_in_the_face_of_its_sentence(fonts: FontCatalog) -> None:
    primary = fonts.face_for("noto-sans", 400, "normal")
    text = "শুভ জন্মদিন। शुभ।"
    faces, _ = assign_faces(text, fonts.fallback_faces(primary))
    assert faces[text.index("।")].family_id == "noto-sans-bengali"
    assert faces[len(text) - 1].family_id == "noto-sans-devanagari"


def test_latin_text_never_touches_the_fallback_faces(fonts: FontCatalog) -> None:
    """Shaping cost of a Latin name is unchanged: every character is found in the primary face, so no
    fallback face is even asked about its cmap."""
    primary = fonts.face_for("noto-sans", 400, "normal")
    chain = fonts.fallback_faces(primary)
    faces, missing = assign_faces("Grandma Rose, 1952-2026!", chain)
    assert not missing and all(f is primary for f in faces)
    block = layout_text(_layer("Grandma Rose"), fonts, "layers[0]")
    assert {g.face_id for g in block.glyphs} == {primary.face_id} and not block.fallback


@pytest.mark.parametrize("sym", list("♥★✓☺✿☀♪♫☆❤✔✗☂☕⚽❄✈☎✉"))
def test_symbols_have_a_face_and_a_real_glyph(fonts: FontCatalog, sym: str) -> None:
    block = layout_text(_layer(f"I {sym} you"), fonts, "layers[0]")
    fams = {fam for c, fam in block.fallback if c == sym}
    # emoji-presentation characters (☕ ⚽) take the colour emoji face, the others a symbols face
    assert fams == ({"twemoji"} if wants_emoji(sym, 0) else fams & {"noto-sans-symbols2", "noto-sans-symbols"})
    assert fams
    assert all(g.gid != 0 for g in block.glyphs)


def _design(*texts: tuple[str, str]) -> dict[str, object]:
    layers: list[dict[str, object]] = [{"type": "background", "color": "#ffffff"}]
    for i, (text, family) in enumerate(texts):
        layers.append({"type": "text", "text": text, "font": {"family": family, "weight": 700}, "size": 24,
                       "color": "#000000", "box": {"x": 8, "y": 20 + 40 * i, "width": 111, "height": 30},
                       "align": "center"})
    return {"version": 1, "template": "card-5x7", "layers": layers}


DESIGN = _design(("பிரியா", "noto-sans"), ("প্রিয়া", "dancing-script"), ("I ♥ you ★", "noto-sans"))


def _ink_rows(png: Path, dpi: float) -> list[float]:
    img = pyvips.Image.new_from_file(str(png)).colourspace("b-w")[0]
    out = []
    for i in range(3):  # mean darkness of each text box (bleed 3 mm shifts the page)
        top = round((3 + 20 + 40 * i) / 25.4 * dpi)
        left = round((3 + 8) / 25.4 * dpi)
        box = img.crop(left, top, round(111 / 25.4 * dpi), round(30 / 25.4 * dpi))
        out.append(255 - box.avg())
    return out


def test_tamil_bengali_and_symbols_render_to_png(tmp_path: Path, engine: Engine) -> None:
    res = render_design(DESIGN, tmp_path / "names.png", format="png", dpi=60, engine=engine)
    assert res.path is not None
    ink = _ink_rows(res.path, 60)
    assert all(v > 3 for v in ink), f"every line leaves ink: {ink}"


def test_tamil_bengali_and_symbols_render_to_pdf_outlined_cmyk(tmp_path: Path, engine: Engine) -> None:
    res = render_design(DESIGN, tmp_path / "names.pdf", format="pdf", engine=engine)
    assert res.path is not None
    fonts = subprocess.run(["pdffonts", str(res.path)], capture_output=True, text=True, check=True)
    assert len(fonts.stdout.strip().splitlines()) == 2, "outlined text: the file needs no fonts"
    with pikepdf.open(res.path) as pdf:
        ops = pikepdf.parse_content_stream(pdf.pages[0])
        names = {str(op) for _, op in ops}
        assert not names & {"rg", "RG", "Tj", "TJ"}, "no RGB colour, no text-showing operators"
        fills = [tuple(float(v) for v in operands) for operands, op in ops if str(op) == "k"]
        assert (0.0, 0.0, 0.0, 1.0) in fills, "black text is pure K"
        assert "/DeviceRGB" not in str(pdf.pages[0].obj.get("/Resources", {}))
    # the outlines are really there: poppler's rendering of the PDF has ink in every text box
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-singlefile", "-gray", str(res.path), str(tmp_path / "pdf")],
                   check=True, capture_output=True)
    ink = _ink_rows(tmp_path / "pdf.png", 60)
    assert all(v > 3 for v in ink), f"every line leaves ink in the PDF: {ink}"
