"""Vertical CJK text (issue #21: 春联 couplets written vertically): ``writing_mode: "vertical-rl"`` lays out
columns top to bottom, right to left; punctuation prints as its vertical form; Latin runs turn 90° clockwise;
UAX #14 keeps 。、」 off the top of a column; preview equals print."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from skimage.metrics import structural_similarity

from render_engine import preflight, render_design
from render_engine.engine import Engine
from render_engine.layout.text import layout_text
from render_engine.model.design import Box, FontRef, TextLayer
from render_engine.model.errors import DesignError
from render_engine.model.units import pt_to_mm
from tests.pdf_support import box_reduced, ghostscript_png, rgb


def _layer(text: str, *, family: str = "ma-shan-zheng", size: float = 36, w: float = 100, h: float = 150,
           **kw: object) -> TextLayer:
    return TextLayer(type="text", text=text, font=FontRef(family=family), size=size,
                     box=Box(x=10, y=10, width=w, height=h), writing_mode="vertical-rl", **kw)


def test_columns_run_top_to_bottom_and_right_to_left(engine: Engine) -> None:
    block = layout_text(_layer("上联春\n下联福"), engine.fonts, "layers[1]")
    assert [ln.text for ln in block.lines] == ["上联春", "下联福"]
    xs = [g.matrix.e for g in block.glyphs]
    ys = [g.matrix.f for g in block.glyphs]
    em = pt_to_mm(36)
    # first column at the box's right edge, the second one line pitch to its left
    assert xs[0] == xs[1] == xs[2] and xs[3] == xs[4] == xs[5]
    assert xs[0] - xs[3] == pytest.approx(em * 1.2, abs=1e-6)
    assert block.lines[0].x_mm == pytest.approx(10 + 100 - em * 1.2 / 2)
    # each character one em below the one before (Ma Shan Zheng has no vmtx: HarfBuzz's 1000-unit advance)
    assert ys[1] - ys[0] == pytest.approx(em, abs=1e-6) and ys[2] - ys[1] == pytest.approx(em, abs=1e-6)
    assert not block.overflow
    bounds = block.bounds
    assert bounds is not None and bounds.y >= 10 - 0.5 and bounds.x + bounds.w <= 110 + 0.5


def test_punctuation_prints_as_its_vertical_form(engine: Engine) -> None:
    block = layout_text(_layer("「新年」快乐。"), engine.fonts, "layers[1]")
    droid = engine.fonts.face_for("droid-sans-fallback", 400, "normal")
    # presentation forms for vertical left / right corner bracket, ideographic full stop
    want = {0: 0xFE41, 3: 0xFE42, 6: 0xFE12}
    for g in block.glyphs:
        if g.cluster in want:
            assert g.face_id == droid.face_id, "Ma Shan Zheng has no vertical forms: the fallback face's"
            assert g.gid == droid.hb_font.get_nominal_glyph(want[g.cluster])
        else:
            assert g.face_id.startswith("ma-shan-zheng:")
    assert {c for c, _ in block.fallback} == {"「", "」", "。"}


def test_latin_and_long_vowel_mark_turn_clockwise_hanzi_stay_upright(engine: Engine) -> None:
    block = layout_text(_layer("年AB ラー", family="noto-sans"), engine.fonts, "layers[1]")
    by_cluster = {g.cluster: g.matrix for g in block.glyphs}
    upright, turned = by_cluster[0], by_cluster[1]
    assert upright.b == 0 and upright.c == 0 and upright.a > 0 and upright.d < 0
    assert turned.a == 0 and turned.d == 0 and turned.b > 0 and turned.c > 0, "font x runs down the page"
    assert by_cluster[5].a == 0 and by_cluster[5].b > 0, "ー turns with the text"
    assert by_cluster[4].b == 0, "ラ stands upright"
    # B comes below A, by A's advance
    assert by_cluster[2].f > by_cluster[1].f


def test_no_column_starts_with_closing_punctuation(engine: Engine) -> None:
    em = pt_to_mm(36)
    # room for exactly four characters: the fifth is 。, which must not open the next column (UAX #14)
    block = layout_text(_layer("新年快乐。万事如意", h=4 * em + 0.1, w=200), engine.fonts, "layers[1]")
    texts = [ln.text for ln in block.lines]
    assert len(texts) >= 2
    assert all(t[0] not in "。、」" for t in texts), texts
    assert texts[0] == "新年快"


def test_shrink_to_fit_keeps_the_columns_in_the_box(engine: Engine) -> None:
    layer = _layer("一二三四五六七八九十" * 6, w=40, h=60, shrink_to_fit=True, min_size=6)
    block = layout_text(layer, engine.fonts, "layers[1]")
    assert block.size_pt < 36 and not block.overflow
    b = block.bounds
    assert b is not None and b.x >= 10 - 0.5 and b.x + b.w <= 50 + 0.5 and b.y + b.h <= 70 + 0.5


def test_vertical_cannot_combine_with_arc_or_sized_spans() -> None:
    with pytest.raises(ValueError, match="vertical"):
        _layer("春", arc={"radius": 50})
    with pytest.raises(ValueError, match="not size or baseline_shift"):
        _layer("春联", spans=[{"start": 0, "end": 1, "size": 20}])


COUPLET = {"version": 1, "template": "card-5x7", "layers": [
    {"type": "background", "color": "#ffffff"},
    {"type": "text", "text": "春联福到「新年」快乐。\n恭喜发财 2027年 Happy ★", "font": {"family": "ma-shan-zheng"},
     "size": 36, "color": "#b00000", "box": {"x": 10, "y": 10, "width": 107, "height": 157},
     "writing_mode": "vertical-rl", "spans": [{"start": 2, "end": 3, "color": "#c8a000"}]}]}


def test_vertical_couplet_preview_equals_print(tmp_path: Path, engine: Engine) -> None:
    png = render_design(COUPLET, tmp_path / "c.png", format="png", dpi=100, engine=engine).path
    pdf = render_design(COUPLET, tmp_path / "c.pdf", format="pdf", engine=engine).path
    assert png is not None and pdf is not None
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True)
    assert len(fonts.stdout.strip().splitlines()) == 2, "outlined: no fonts in the file"
    a, b = rgb(png), rgb(ghostscript_png(pdf, tmp_path / "gs.png", 100))
    assert a.shape == b.shape
    ssim = structural_similarity(box_reduced(a, 2), box_reduced(b, 2), channel_axis=2, data_range=255)
    assert ssim >= 0.97, ssim
    # the span's gold character is there: a strongly yellow-ish pixel cluster exists in the preview
    gold = (a[..., 0] > 150) & (a[..., 1] > 120) & (a[..., 2] < 80)
    assert gold.sum() > 50


def test_overflow_names_the_column_height(engine: Engine) -> None:
    design = {"version": 1, "template": "card-5x7", "layers": [
        {"type": "text", "text": "一二三四五六七八九十", "font": {"family": "noto-sans"}, "size": 60,
         "box": {"x": 10, "y": 10, "width": 100, "height": 40}, "writing_mode": "vertical-rl", "wrap": False}]}
    report = preflight(design, engine=engine)
    found = [f for f in report.findings if f.code == "text.overflow"]
    assert found and found[0].extra["dimension"] == "column height" and "column height needed" in found[0].detail


def test_an_unknown_writing_mode_is_a_design_error_naming_the_field(engine: Engine) -> None:
    design = dict(COUPLET, layers=[dict(COUPLET["layers"][1], writing_mode="vertical-lr")])
    with pytest.raises(DesignError) as err:
        preflight(design, engine=engine)
    assert "writing_mode" in str(err.value)
