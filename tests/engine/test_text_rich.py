"""Text on a path, per-span size / baseline shift / stroke / spacing, right-to-left paragraphs and grapheme
wrapping, in the native design model and both backends.

Positions are read from the layout (glyph ids from HarfBuzz, matrices in mm) and checked against values
computed independently (the path's own geometry, the font's advances); the PDF is read back with pikepdf
and rasterised by Ghostscript and compared with the raster preview.
"""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from skimage.metrics import structural_similarity

from render_engine.engine import Engine
from render_engine.inputs.font_catalog import FontCatalog
from render_engine.layout.plan import TextItem
from render_engine.layout.shaping import shape
from render_engine.layout.text import PlacedGlyph, layout_text
from render_engine.model.design import FontRef, TextLayer, parse_design
from render_engine.model.errors import DesignError
from render_engine.model.geometry import Matrix
from render_engine.model.units import pt_to_mm
from render_engine.pipeline import prepare, render_file
from tests.conftest import design, write_design
from tests.pdf_support import box_reduced, ghostscript_png, rgb


@pytest.fixture(scope="module")
def fonts(engine: Engine) -> FontCatalog:
    return engine.fonts


def _layer(text: str, **kw: Any) -> TextLayer:
    data: dict[str, Any] = {
        "type": "text",
        "text": text,
        "font": {"family": kw.pop("family", "noto-sans")},
        "size": kw.pop("size", 20),
        "box": kw.pop("box", {"x": 10, "y": 10, "width": 150, "height": 60}),
    }
    data.update(kw)
    return TextLayer.model_validate(data)


def _angle(m: Matrix) -> float:
    """Rotation (degrees, clockwise on the page) of a glyph matrix (font units y up -> page y down)."""
    return math.degrees(math.atan2(m.b, m.a))


def _origin(g: PlacedGlyph) -> tuple[float, float]:
    return g.matrix.e, g.matrix.f


# ----------------------------------------------------------------------------------------- text on a path


def test_text_on_a_straight_path_is_the_line_it_would_be_in_a_box(fonts: FontCatalog) -> None:
    flat = layout_text(_layer("Wavy AV text"), fonts, "t")
    on_path = layout_text(_layer("Wavy AV text", path={"d": "M0 30 L150 30"}), fonts, "t")
    face = fonts.face(FontRef(family="noto-sans"))
    assert [g.gid for g in on_path.glyphs] == [g.gid for g in shape(face, "Wavy AV text", False)]
    for a, b in zip(flat.glyphs, on_path.glyphs, strict=True):
        assert b.matrix.f == pytest.approx(10 + 30)  # the baseline is the path
        assert b.matrix.e - 10 == pytest.approx(a.matrix.e - 10, abs=1e-9)  # same pen positions from the start
        assert _angle(b.matrix) == pytest.approx(0.0, abs=1e-9)


def test_glyph_centres_follow_a_vertical_path_turned_a_quarter(fonts: FontCatalog) -> None:
    block = layout_text(_layer("ABC", path={"d": "M20 0 L20 100"}), fonts, "t")
    face = fonts.face(FontRef(family="noto-sans"))
    s = pt_to_mm(20) / face.upem
    pen = 0.0
    for g, sg in zip(block.glyphs, shape(face, "ABC", False), strict=True):
        adv = face.hb_font.get_glyph_h_advance(g.gid) * s
        assert _angle(g.matrix) == pytest.approx(90.0)
        # the glyph's advance centre is on the path, at its arc length from the start
        cx, cy = g.matrix.apply((face.hb_font.get_glyph_h_advance(g.gid) / 2, 0.0))
        assert cx == pytest.approx(10 + 20, abs=1e-9)
        assert cy == pytest.approx(10 + pen + adv / 2, abs=1e-9)
        pen += sg.x_advance * s


def test_alignment_start_offset_and_side_along_the_path(fonts: FontCatalog) -> None:
    d = "M0 20 L100 20"
    left = layout_text(_layer("Hi", path={"d": d}), fonts, "t")
    width = left.lines[0].width_mm
    centre = layout_text(_layer("Hi", align="center", path={"d": d}), fonts, "t")
    right = layout_text(_layer("Hi", align="right", path={"d": d}), fonts, "t")
    offset = layout_text(_layer("Hi", path={"d": d, "start_offset": 7.5}), fonts, "t")
    x0 = left.glyphs[0].matrix.e
    assert centre.glyphs[0].matrix.e == pytest.approx(x0 + (100 - width) / 2)
    assert right.glyphs[0].matrix.e == pytest.approx(x0 + 100 - width)
    assert offset.glyphs[0].matrix.e == pytest.approx(x0 + 7.5)
    # the other side: the line runs backwards from the path's end, each glyph turned half a turn (Fabric)
    other = layout_text(_layer("Hi", path={"d": d, "side": "right"}), fonts, "t")
    assert [g.gid for g in other.glyphs] == [g.gid for g in left.glyphs]
    assert all(abs(_angle(g.matrix)) == pytest.approx(180.0) for g in other.glyphs)
    assert other.glyphs[0].matrix.e == pytest.approx(10 + 100)  # 'H' upside down at the path's far end
    assert other.bounds is not None and other.bounds.y > 10 + 20 - 1e-6  # below the path, as seen


def test_vertical_alignment_puts_the_ascent_or_descent_on_the_path(fonts: FontCatalog) -> None:
    face = fonts.face(FontRef(family="noto-sans"))
    asc, desc, _ = face.extents
    em = pt_to_mm(20)
    ys = {
        va: layout_text(_layer("x", path={"d": "M0 20 L100 20", "vertical_align": va}), fonts, "t").glyphs[0].matrix.f
        for va in ("baseline", "center", "ascender", "descender")
    }
    assert ys["ascender"] - ys["baseline"] == pytest.approx(asc / face.upem * em)
    assert ys["baseline"] - ys["descender"] == pytest.approx(desc / face.upem * em)
    assert ys["center"] - ys["baseline"] == pytest.approx((asc - desc) / 2 / face.upem * em)


def test_arc_text_is_path_text_on_the_same_circle(fonts: FontCatalog) -> None:
    """Arc text (exact circle) and path text on an SVG circle that starts where the line is centred agree
    to well under a print pixel (the SVG arcs become cubic Béziers, 0.03 % off a circle)."""
    r = 40.0
    box = {"x": 0, "y": 0, "width": 100, "height": 100}
    arc = layout_text(_layer("Best Dad Ever", box=box, align="center", arc={"radius": r}), fonts, "t")
    # a circle around (50, 50) starting at the bottom, clockwise: the top (centre of the line) is half way
    d = f"M50 {50 + r} A{r} {r} 0 0 1 50 {50 - r} A{r} {r} 0 0 1 50 {50 + r}"
    on_path = layout_text(_layer("Best Dad Ever", box=box, align="center", path={"d": d}), fonts, "t")
    assert [g.gid for g in arc.glyphs] == [g.gid for g in on_path.glyphs]
    for a, b in zip(arc.glyphs, on_path.glyphs, strict=True):
        assert b.matrix.e == pytest.approx(a.matrix.e, abs=0.02)
        assert b.matrix.f == pytest.approx(a.matrix.f, abs=0.02)
        assert _angle(b.matrix) == pytest.approx(_angle(a.matrix), abs=0.1)


def test_text_longer_than_its_path_overflows_and_wraps_round(fonts: FontCatalog) -> None:
    short = layout_text(_layer("A name far too long for it", path={"d": "M0 20 L40 20"}), fonts, "t")
    assert short.overflow
    assert all(10 - 1e-6 <= g.matrix.e <= 10 + 40 for g in short.glyphs)  # round again from the start
    shrunk = layout_text(
        _layer("A name far too long for it", path={"d": "M0 20 L40 20"}, shrink_to_fit=True, min_size=4),
        fonts,
        "t",
    )
    assert not shrunk.overflow and shrunk.size_pt < 20


def test_a_text_layer_takes_arc_or_path_not_both() -> None:
    with pytest.raises(ValueError, match="'arc' or 'path'"):
        _layer("x", arc={"radius": 10}, path={"d": "M0 0 L10 0"})


# ------------------------------------------------------------------------------------------- rich spans


def test_span_size_scales_glyphs_and_the_line_follows_its_largest_size(fonts: FontCatalog) -> None:
    face = fonts.face(FontRef(family="noto-sans"))
    plain = layout_text(_layer("Big\nsmall", line_ascent=0.879), fonts, "t")
    big = layout_text(_layer("Big\nsmall", line_ascent=0.879, spans=[{"start": 0, "end": 1, "size": 40}]), fonts, "t")
    em = pt_to_mm(20)
    assert big.glyphs[0].matrix.a == pytest.approx(2 * em / face.upem)  # 'B' at 40 pt
    assert big.glyphs[1].matrix.a == pytest.approx(em / face.upem)
    # first baseline: 0.879 em of the line's largest size below the top; the second line is pushed down
    assert big.lines[0].baseline_mm == pytest.approx(10 + 0.879 * 2 * em)
    assert plain.lines[0].baseline_mm == pytest.approx(10 + 0.879 * em)
    pitch = em * 1.2
    assert big.lines[1].baseline_mm - plain.lines[1].baseline_mm == pytest.approx(pitch)  # one pitch taller
    # the 'i' after the big 'B' starts one big advance later
    adv_b = face.hb_font.get_glyph_h_advance(big.glyphs[0].gid) * 2 * em / face.upem
    assert big.glyphs[1].matrix.e - big.glyphs[0].matrix.e == pytest.approx(adv_b, abs=1e-6)


def test_baseline_shift_raises_a_superscript(fonts: FontCatalog) -> None:
    block = layout_text(_layer("25th", spans=[{"start": 2, "end": 4, "size": 12, "baseline_shift": 7}]), fonts, "t")
    base = block.lines[0].baseline_mm
    assert [round(g.matrix.f, 6) for g in block.glyphs] == [round(base, 6)] * 2 + [round(base - pt_to_mm(7), 6)] * 2


def test_span_letter_spacing_and_layer_spacing(fonts: FontCatalog) -> None:
    plain = layout_text(_layer("abcd"), fonts, "t")
    spaced = layout_text(_layer("abcd", spans=[{"start": 1, "end": 2, "letter_spacing": 0.5}]), fonts, "t")
    d_plain = [b.matrix.e - a.matrix.e for a, b in zip(plain.glyphs, plain.glyphs[1:], strict=False)]
    d_spaced = [b.matrix.e - a.matrix.e for a, b in zip(spaced.glyphs, spaced.glyphs[1:], strict=False)]
    half_em = 0.5 * pt_to_mm(20)
    assert d_spaced == pytest.approx([d_plain[0], d_plain[1] + half_em, d_plain[2]])


def test_span_and_layer_strokes_are_items_of_the_layout(engine: Engine, tmp_path: Path) -> None:
    data = design(
        "mug-11oz",
        {
            "type": "text",
            "text": "Rose 1st",
            "font": {"family": "noto-sans"},
            "size": 30,
            "box": {"x": 10, "y": 10, "width": 150, "height": 40},
            "stroke": {"color": "#00ff00", "width": 1},
            "spans": [{"start": 0, "end": 4, "stroke": {"color": "#ff0000", "width": 2}}],
        },
    )
    prepared = prepare(parse_design(data), engine, tmp_path)
    item = next(i for i in prepared.layout.items if isinstance(i, TextItem))
    widths = sorted((st.stroke_width_mm, st.stroke.hex) for st in item.strokes)  # type: ignore[union-attr]
    assert all(st.fill is None and not st.path.empty for st in item.strokes)
    assert widths == [(pytest.approx(pt_to_mm(1)), "#00ff00"), (pytest.approx(pt_to_mm(2)), "#ff0000")]


def test_a_span_must_change_something() -> None:
    with pytest.raises(ValueError, match="at least one of"):
        _layer("abc", spans=[{"start": 0, "end": 1}])
    with pytest.raises(DesignError) as err:
        parse_design(
            design("mug-11oz", {**_layer("abc").model_dump(mode="json"), "spans": [{"start": 0, "end": 1, "size": 0}]})
        )
    assert err.value.field == "layers[0].spans[0].size"


# ------------------------------------------------------------------------------- direction and wrapping


def test_rtl_direction_puts_neutrals_at_the_left(fonts: FontCatalog) -> None:
    ltr = layout_text(_layer("Hi!"), fonts, "t")
    rtl = layout_text(_layer("Hi!", direction="rtl"), fonts, "t")
    face = fonts.face(FontRef(family="noto-sans"))
    excl = face.hb_font.get_nominal_glyph(ord("!"))
    assert ltr.glyphs[-1].gid == excl
    assert rtl.glyphs[0].gid == excl and rtl.glyphs[0].cluster == 2  # '!' drawn first, at the left


def test_hebrew_paragraph_reads_right_to_left_and_aligns_right(fonts: FontCatalog) -> None:
    text = "שלום עולם"
    block = layout_text(_layer(text, align="right", direction="rtl"), fonts, "t")
    clusters = [g.cluster for g in block.glyphs]
    assert clusters == sorted(clusters, reverse=True)  # visual order is the reverse of logical order
    assert block.bounds is not None and block.bounds.x1 == pytest.approx(160, abs=1.0)


def test_grapheme_wrapping_breaks_inside_words(fonts: FontCatalog) -> None:
    box = {"x": 0, "y": 0, "width": 30, "height": 100}
    word = layout_text(_layer("abcdefghij klm", box=box), fonts, "t")
    graph = layout_text(_layer("abcdefghij klm", box=box, wrap_by="grapheme"), fonts, "t")
    assert word.lines[0].text.rstrip() == "abcdefg" or len(word.lines[0].text) <= len(graph.lines[0].text)
    # grapheme wrapping fills every line up to the box width
    for line in graph.lines[:-1]:
        assert line.width_mm <= 30 + 1e-6
    assert "".join(line.text for line in graph.lines) == "abcdefghij klm"
    cjk = layout_text(_layer("你好世界你好世界你好世界", box=box, wrap_by="grapheme"), fonts, "t")
    assert all(len(line.text) >= 2 for line in cjk.lines)


# --------------------------------------------------------------------------- both backends, read back

RICH = design(
    "mug-11oz",
    {"type": "background", "color": "#fff8e1"},
    {
        "type": "text",
        "text": "Happy 25th Birthday Rose",
        "font": {"family": "noto-sans", "weight": 700},
        "size": 22,
        "color": {  # gradient text on a path: the storefront combination
            "type": "linear",
            "stops": [{"offset": 0, "color": "#c2185b"}, {"offset": 1, "color": "#ff8f00"}],
        },
        "box": {"x": 20, "y": 5, "width": 180, "height": 80},
        "align": "center",
        "path": {"d": "M0 60 C 50 0 130 0 180 60"},
        "stroke": {"color": "#000000", "width": 0.6},
        "spans": [
            {"start": 8, "end": 10, "size": 13, "baseline_shift": 8, "color": "#1565c0"},
            {"start": 0, "end": 5, "size": 32, "stroke": {"color": "#ff8f00", "width": 1.2}},
        ],
    },
    {
        "type": "text",
        "text": "The 1st of May\nH2O and E=mc2",
        "font": {"family": "noto-serif"},
        "size": 20,
        "color": "#000000",
        "box": {"x": 20, "y": 40, "width": 120, "height": 45},
        "line_ascent": 0.879,
        "spans": [
            {"start": 0, "end": 3, "size": 30},
            {"start": 5, "end": 7, "size": 12, "baseline_shift": 7},
            {"start": 16, "end": 17, "size": 12, "baseline_shift": -2.2},
            {"start": 27, "end": 28, "size": 12, "baseline_shift": 7},
        ],
    },
    {
        "type": "text",
        "text": "שלום עולם!",
        "font": {"family": "noto-sans-hebrew"},
        "size": 18,
        "color": "#2e7d32",
        "box": {"x": 140, "y": 50, "width": 80, "height": 20},
        "align": "right",
        "direction": "rtl",
    },
)


def test_rich_text_pdf_is_cmyk_outlines_with_strokes(engine: Engine, tmp_path: Path) -> None:
    pdf_path = render_file(write_design(tmp_path, RICH), engine, tmp_path / "out", fmt="pdf").path
    with pikepdf.open(pdf_path) as pdf:
        page = pdf.pages[0]
        assert not page.Resources.get("/Font"), "text is outlines, not fonts"
        content = page.Contents.read_bytes().decode("latin-1")
        assert not re.search(r"\b(rg|RG)\b", content), "nothing is RGB"
        assert re.search(r"\b4 M\nq\n[\d. ]+ K\n[\d.]+ w\n", content), "text strokes are CMYK (K), miter limit 4"
        assert content.count("\nS\n") >= 2  # the layer's stroke and the span's
        assert "/Pattern cs" in content  # the gradient fill: a shading pattern painted through the outlines
        for pattern in page.Resources.Pattern.values():
            assert pattern.Shading.ColorSpace == pikepdf.Name.DeviceCMYK


@pytest.mark.skipif(shutil.which("gs") is None, reason="Ghostscript is installed by scripts/check.sh")
def test_rich_text_print_looks_like_the_preview(engine: Engine, tmp_path: Path) -> None:
    src = write_design(tmp_path, RICH)
    dpi = 150
    raster = render_file(src, engine, tmp_path / "png", fmt="png", dpi=dpi * 2, soft_proof=True).path
    pdf_path = render_file(src, engine, tmp_path / "pdf", fmt="pdf").path
    png = ghostscript_png(pdf_path, tmp_path / "gs.png", dpi * 2, text_alpha=False)
    want, got = box_reduced(rgb(raster), 2), box_reduced(rgb(png), 2)
    ssim = structural_similarity(want, got, channel_axis=2, data_range=255)
    print(f"rich text: SSIM print vs preview at {dpi} DPI = {ssim:.4f}")
    assert ssim >= 0.97


def test_preflight_reports_text_longer_than_its_path(engine: Engine, tmp_path: Path) -> None:
    from render_engine.checks.preflight import preflight

    layer = _layer("A name far too long for it", path={"d": "M0 20 L40 20"}).model_dump(mode="json")
    prepared = prepare(parse_design(design("mug-11oz", layer)), engine, tmp_path)
    report = preflight(prepared, engine, color=False)
    (finding,) = [f for f in report.findings if f.code == "text.overflow"]
    assert finding.extra["dimension"] == "path length"
    assert finding.required == pytest.approx(40.0)


def test_safe_zone_counts_the_text_stroke(engine: Engine, tmp_path: Path) -> None:
    from render_engine.checks.preflight import preflight

    def codes(stroke_pt: float | None) -> set[str]:
        layer = _layer("Edge", box={"x": 6, "y": 20, "width": 100, "height": 30}, size=30)
        data = layer.model_dump(mode="json")
        if stroke_pt:
            data["stroke"] = {"color": "#000000", "width": stroke_pt}
        report = preflight(prepare(parse_design(design("mug-11oz", data)), engine, tmp_path), engine, color=False)
        return {f.code for f in report.findings}

    left = layout_text(_layer("Edge", box={"x": 6, "y": 20, "width": 100, "height": 30}, size=30), engine.fonts, "t")
    assert left.bounds is not None
    template = engine.templates.get("mug-11oz")
    assert left.bounds.x > template.safe_margin_mm  # the glyphs alone are inside the safe area
    assert "safe.text_outside" not in codes(None)
    assert "safe.text_outside" in codes(30.0)  # a 10.6 mm outline reaches past it


@pytest.mark.parametrize(
    ("d", "message"),
    [
        ("L 10 10", "not valid SVG path data"),
        ("M0 0 Lx", "not valid SVG path data"),
        ("M0 0 L1e400 0", "finite"),
        ("M0 0", "at least one line or curve"),
    ],
)
def test_bad_path_data_is_an_error_naming_the_field(d: str, message: str) -> None:
    bad = {**_layer("abc").model_dump(mode="json"), "path": {"d": d}}
    with pytest.raises(DesignError) as err:
        parse_design(design("mug-11oz", bad))
    assert err.value.field == "layers[0].path.d" and message in err.value.message


def test_bad_clip_and_shape_path_data_are_errors_naming_the_field() -> None:
    image = {"type": "image", "asset": "a.jpg", "box": {"x": 0, "y": 0, "width": 5, "height": 5}}
    shape = {"type": "shape", "shape": "path", "box": image["box"], "fill": "#ff0000"}
    for layer, field in (
        ({**image, "clip": {"shape": "path", "d": "L 10 10"}}, "layers[0].clip.d"),
        ({**shape, "d": "M0 0 L 1e999 0"}, "layers[0].d"),
    ):
        with pytest.raises(DesignError) as err:
            parse_design(design("mug-11oz", layer))
        assert err.value.field == field
