"""Text is shaped by HarfBuzz once, in mm, and every backend draws exactly those glyphs.

Expectations are glyph ids read back from the shaper and the font's own cmap/GSUB, not pixels.
"""

from __future__ import annotations

import math
import unicodedata

import pytest

from render_engine.engine import Engine
from render_engine.inputs.font_catalog import FontCatalog
from render_engine.layout.shaping import bidi_levels, shape, visual_order
from render_engine.layout.text import layout_text
from render_engine.model.design import Box, FontRef, TextLayer
from render_engine.model.errors import FontError


@pytest.fixture(scope="module")
def fonts(engine: Engine) -> FontCatalog:
    return engine.fonts


def _layer(text: str, family: str = "noto-sans", **kw: object) -> TextLayer:
    box = kw.pop("box", Box(x=0, y=0, width=100, height=40))
    return TextLayer(type="text", text=text, font=FontRef(family=family), size=kw.pop("size", 12), box=box, **kw)


def test_fi_ligates_in_noto_sans(fonts: FontCatalog) -> None:
    face = fonts.face(FontRef(family="noto-sans"))
    glyphs = shape(face, "fi", False)
    assert len(glyphs) == 1, "f + i must become one ligature glyph"
    f, i = face.hb_font.get_nominal_glyph(ord("f")), face.hb_font.get_nominal_glyph(ord("i"))
    assert glyphs[0].gid not in (f, i)


def test_fi_does_not_ligate_where_the_font_has_no_ligature(fonts: FontCatalog) -> None:
    face = fonts.face(FontRef(family="bebas-neue"))
    assert len(shape(face, "FI", False)) == 2


def test_arabic_letters_join(fonts: FontCatalog) -> None:
    face = fonts.face(FontRef(family="noto-sans-arabic"))
    word = "سلم"  # seen, lam, meem: initial, medial, final forms in a word
    joined = shape(face, word, True)
    isolated = {face.hb_font.get_nominal_glyph(ord(c)) for c in word}
    assert len(joined) == 3
    assert not ({g.gid for g in joined} & isolated), "every letter of a joined word takes a contextual form"
    # RTL: the glyphs come in visual order, so the first letter (seen) is the right-most glyph
    assert joined[-1].cluster == 0


def test_devanagari_conjunct_forms(fonts: FontCatalog) -> None:
    face = fonts.face(FontRef(family="noto-sans-devanagari"))
    ksha = "क्ष"  # KA + VIRAMA + SSA -> one conjunct glyph
    glyphs = shape(face, ksha, False)
    assert len(ksha) == 3 and len(glyphs) == 1
    assert glyphs[0].gid not in {face.hb_font.get_nominal_glyph(ord(c)) for c in ksha}


def test_bidi_reorders_hebrew_inside_latin() -> None:
    text = "ab שלום cd"
    levels = bidi_levels(text)
    assert levels[:3] == [0, 0, 0] and levels[3:7] == [1, 1, 1, 1]
    order = visual_order(levels)
    assert [text[i] for i in order] == list("ab םולש cd")


def test_fallback_chain_prints_cjk_and_reports_it(fonts: FontCatalog) -> None:
    block = layout_text(_layer("Hi 生日快乐 생일"), fonts, "layers[0]")
    families = {fam for _, fam in block.fallback}
    assert families == {"droid-sans-fallback"}
    assert {c for c, _ in block.fallback} == set("生日快乐생일")


def test_mixed_scripts_in_one_layer_shape_with_their_fonts(fonts: FontCatalog) -> None:
    block = layout_text(_layer("Love · любовь · αγάπη · حب · אהבה · प्यार"), fonts, "layers[0]")
    used = {g.face_id.split(":")[0] for g in block.glyphs}
    assert used == {"noto-sans", "noto-sans-arabic", "noto-sans-hebrew", "noto-sans-devanagari"}


def test_a_character_no_font_has_is_an_error_naming_it(fonts: FontCatalog) -> None:
    with pytest.raises(FontError) as info:
        layout_text(_layer("Hi \U00013000"), fonts, "layers[3]")  # Egyptian hieroglyph: no bundled face
    assert info.value.field == "layers[3].text"
    assert "U+13000" in info.value.message and unicodedata.name("\U00013000") in info.value.message


def test_unknown_font_family_is_an_error_listing_the_catalog(fonts: FontCatalog) -> None:
    with pytest.raises(FontError) as info:
        layout_text(_layer("x", family="Comic Sans"), fonts, "layers[0]")
    assert info.value.field == "layers[0].font.family" and "noto-sans" in info.value.message


def test_family_names_resolve_like_ids(fonts: FontCatalog) -> None:
    assert fonts.family_id("Noto Sans") == fonts.family_id("noto-sans") == "noto-sans"


def test_wrapped_lines_stay_inside_the_box(fonts: FontCatalog) -> None:
    text = "A long message for grandma that certainly does not fit on one line of a mug"
    block = layout_text(_layer(text, box=Box(x=10, y=10, width=60, height=60)), fonts, "layers[0]")
    assert len(block.lines) > 1
    assert all(line.width_mm <= 60 + 1e-6 for line in block.lines)
    assert " ".join(line.text.strip() for line in block.lines) == text
    assert not block.overflow


def test_shrink_to_fit_finds_the_largest_size_that_fits(fonts: FontCatalog) -> None:
    box = Box(x=0, y=0, width=50, height=15)
    layer = _layer("Grandma Rose", size=60, box=box, wrap=False, shrink_to_fit=True, min_size=6)
    block = layout_text(layer, fonts, "layers[0]")
    assert 6 <= block.size_pt < 60 and not block.overflow
    assert block.lines[0].width_mm <= 50
    bigger = layout_text(layer.model_copy(update={"size": block.size_pt + 0.5, "shrink_to_fit": False}), fonts, "x")
    assert bigger.overflow, "half a point more must not fit: the size is the largest that fits"


def test_text_that_cannot_fit_even_at_min_size_is_flagged(fonts: FontCatalog) -> None:
    layer = _layer("x" * 200, size=30, box=Box(x=0, y=0, width=20, height=5), shrink_to_fit=True, min_size=20)
    assert layout_text(layer, fonts, "layers[0]").overflow


def test_alignment_positions_lines_in_mm(fonts: FontCatalog) -> None:
    box = Box(x=10, y=0, width=100, height=20)
    left = layout_text(_layer("Name", box=box, align="left"), fonts, "l").lines[0]
    centre = layout_text(_layer("Name", box=box, align="center"), fonts, "c").lines[0]
    right = layout_text(_layer("Name", box=box, align="right"), fonts, "r").lines[0]
    assert left.x_mm == pytest.approx(10)
    assert centre.x_mm == pytest.approx(10 + (100 - centre.width_mm) / 2)
    assert right.x_mm + right.width_mm == pytest.approx(110)


def test_letter_spacing_widens_by_one_em_fraction_per_character(fonts: FontCatalog) -> None:
    plain = layout_text(_layer("ABCD", size=36), fonts, "a").lines[0].width_mm
    spaced = layout_text(_layer("ABCD", size=36, letter_spacing=0.1), fonts, "b").lines[0].width_mm
    em_mm = 36 * 25.4 / 72
    assert spaced - plain == pytest.approx(4 * 0.1 * em_mm, rel=1e-6)


def test_arc_text_sits_on_its_circle(fonts: FontCatalog) -> None:
    from render_engine.model.design import Arc

    box = Box(x=0, y=0, width=95, height=95)
    block = layout_text(_layer("BEST DAD", size=20, box=box, arc=Arc(radius=30, side="top")), fonts, "a")
    for g in block.glyphs:
        # the glyph origin (0, 0) in font units maps to its baseline point; its distance from the centre
        # differs from the radius only by the half-advance offset along the tangent
        x, y = g.matrix.apply((0, 0))
        assert math.hypot(x - 47.5, y - 47.5) == pytest.approx(30, abs=3.0)
    ys = [g.matrix.apply((0, 0))[1] for g in block.glyphs]
    assert max(ys) < 47.5, "top arc: all glyphs above the centre"


def test_numbers_inside_hebrew_keep_left_to_right_order() -> None:
    text = "ab \u05d0\u05d1 12 \u05d2\u05d3 cd"  # "ab" HEBREW(alef bet) 12 HEBREW(gimel dalet) "cd"
    order = visual_order(bidi_levels(text))
    assert "".join(text[i] for i in order) == "ab \u05d3\u05d2 12 \u05d1\u05d0 cd"


def test_line_breaks_of_plain_words_match_icu_without_loading_it() -> None:
    # issue 22: names of ASCII letters, digits and spaces take a fast path (no ICU import in a fresh process);
    # it must give ICU's own UAX #14 answer
    import random

    import icu

    from render_engine.layout.shaping import line_breaks

    def by_icu(text: str) -> list[int]:
        it = icu.BreakIterator.createLineInstance(icu.Locale.getRoot())
        it.setText(icu.UnicodeString(text))
        return sorted({int(b) for b in it if int(b) > 0})

    rng = random.Random(22)
    samples = ["Emma", "Grandma Rose", "Mug 12", "A  B", "x1y2 3z", "2026", "Jean Luc 3"]
    samples += ["".join(rng.choice("aZ09 ") for _ in range(rng.randint(1, 16))) for _ in range(3000)]
    for text in samples:
        assert line_breaks(text) == by_icu(text), text


def test_grapheme_breaks_of_printable_ascii_match_icu_without_loading_it() -> None:
    # issue 22: printable ASCII takes a fast path (every character its own cluster); it must give ICU's answer,
    # and text with a control, CR LF or anything past U+007E still goes to ICU
    import random

    import icu

    from render_engine.layout.shaping import grapheme_breaks

    def by_icu(text: str) -> list[int]:
        it = icu.BreakIterator.createCharacterInstance(icu.Locale.getRoot())
        it.setText(icu.UnicodeString(text))
        return sorted({int(b) for b in it if int(b) > 0})

    rng = random.Random(22)
    printable = "".join(chr(c) for c in range(0x20, 0x7F))
    samples = ["Emma", "Grandma Rose", " ", "~!@#$%^&*()_+{}|:\"<>?`-=[]\\;',./", "a\r\nb", "e\u0301", "\u2764\ufe0fx"]
    samples += ["".join(rng.choice(printable) for _ in range(rng.randint(1, 24))) for _ in range(3000)]
    for text in samples:
        assert grapheme_breaks(text) == by_icu(text), repr(text)
