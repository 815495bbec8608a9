"""Fabric rich text imported onto the native model: names on a path, superscripts and per-character sizes,
per-character strokes, right-to-left paragraphs, grapheme wrapping and gradient fills; and the corpus's text
designs as CMYK print PDFs read back (outlines, no RGB) that look like their raster previews.

Pixel fidelity against Fabric's own renders of these designs is measured with the rest of the corpus in
tests/fabric/test_fabric.py (test_fidelity_against_fabric).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from skimage.metrics import structural_similarity

from render_engine.engine import Engine
from render_engine.fabric import FabricOptions, import_fabric, load_fabric_json
from render_engine.model.design import TextLayer
from render_engine.model.units import MM_PER_PT
from render_engine.pipeline import render_design
from tests.pdf_support import box_reduced, ghostscript_png, rgb

CORPUS = Path(__file__).resolve().parents[1] / "fabric_corpus"
TEXT_DESIGNS = ["text_path", "superscript", "styled_sizes", "rtl", "cjk_wrap", "gradient_text"]
CMYK_TEMPLATE = "card-5x7"


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CORPUS / f"{name}.fabric.json").read_text(encoding="utf-8"))
    return data


def _layers(engine: Engine, name: str, tmp_path: Path) -> list[Any]:
    data = _load(name)
    imp = import_fabric(data, engine.templates.get("tshirt-front-dtg"), engine.fonts, tmp_path, FabricOptions())
    return list(imp.design.layers)


def _texts(engine: Engine, name: str, tmp_path: Path) -> list[TextLayer]:
    return [layer for layer in _layers(engine, name, tmp_path) if isinstance(layer, TextLayer)]


def test_text_on_a_path_maps_side_alignment_and_offset(engine: Engine, tmp_path: Path) -> None:
    name, under, waved, seal, up = _texts(engine, "text_path", tmp_path)
    mm_per_px = 304.8 / 600  # the corpus canvas on tshirt-front-dtg
    assert name.path is not None and name.align == "center" and name.path.side == "left"
    assert under.path is not None and under.path.vertical_align == "ascender"
    assert under.path.start_offset == pytest.approx(60 * mm_per_px)
    assert waved.path is not None and waved.path.side == "right" and waved.path.vertical_align == "center"
    assert seal.path is not None and seal.path.vertical_align == "descender" and seal.rotation == pytest.approx(12)
    assert up.path is not None
    # the path's points relative to the box: the box is the path's bounding box (Fabric's text size)
    assert name.path.d.startswith("M0 ")
    assert name.box.width == pytest.approx(460 * mm_per_px, rel=1e-6)


def test_visible_guide_path_is_drawn_under_the_text(engine: Engine, tmp_path: Path) -> None:
    layers = _layers(engine, "text_path", tmp_path)
    kinds = [layer.type for layer in layers]
    seal_at = next(i for i, layer in enumerate(layers) if isinstance(layer, TextLayer) and "SEAL" in layer.text)
    guide = layers[seal_at - 1]
    assert kinds.count("svg") == 1  # the guide ("Go up!"'s plain stroke is its native text layer's own)
    assert guide.type == "svg" and guide.svg is not None and 'stroke="#b2bec3"' in guide.svg
    go_up = next(layer for layer in layers if isinstance(layer, TextLayer) and "Go up" in layer.text)
    assert go_up.stroke is not None and go_up.path is not None


def test_superscript_and_subscript_become_span_size_and_baseline_shift(engine: Engine, tmp_path: Path) -> None:
    t1, t2, t3 = _texts(engine, "superscript", tmp_path)
    mm_per_px = 304.8 / 600
    (sup,) = t1.spans
    assert (sup.start, sup.end) == (8, 10)
    assert sup.size == pytest.approx(48 * 0.6 * mm_per_px / MM_PER_PT)  # Fabric's superscript: 0.6 x size
    assert sup.baseline_shift == pytest.approx(48 * 0.35 * mm_per_px / MM_PER_PT)  # raised 0.35 x size
    sub, sup2 = t2.spans
    assert sub.baseline_shift == pytest.approx(-56 * 0.11 * mm_per_px / MM_PER_PT)  # lowered 0.11 x size
    assert sup2.baseline_shift > 0
    assert t1.line_ascent == pytest.approx(1.13 * (1 - 0.222))
    assert len([s for s in t3.spans if s.size is not None]) == 3


def test_per_character_sizes_and_strokes(engine: Engine, tmp_path: Path) -> None:
    t1, _t2, t3, t4 = _texts(engine, "styled_sizes", tmp_path)
    mm_per_px = 304.8 / 600
    assert t1.spans[0].size == pytest.approx(90 * mm_per_px / MM_PER_PT)
    assert t1.measure == "per_character" and t1.wrap
    stroked = [s for s in t3.spans if s.stroke is not None]
    assert len(stroked) == 1 and (stroked[0].start, stroked[0].end) == (0, 7)
    assert stroked[0].stroke.width == pytest.approx(4 * mm_per_px / MM_PER_PT)  # type: ignore[union-attr]
    opacities = [s.color.stops[0].opacity for s in t4.spans]  # type: ignore[union-attr]
    assert opacities == pytest.approx([0.8, 0.6, 0.4, 0.25, 0.1])


def test_rtl_and_grapheme_wrapping(engine: Engine, tmp_path: Path) -> None:
    assert all(t.direction == "rtl" for t in _texts(engine, "rtl", tmp_path))
    assert all(t.wrap_by == "grapheme" for t in _texts(engine, "cjk_wrap", tmp_path))


def test_gradient_text_is_a_native_gradient_paint(engine: Engine, tmp_path: Path) -> None:
    t1, t2, t3, t4, _t5 = _texts(engine, "gradient_text", tmp_path)
    stroke_svg = [x.svg for x in _layers(engine, "gradient_text", tmp_path) if x.type == "svg"]
    assert len(stroke_svg) == 1 and "<linearGradient" in stroke_svg[0] and 'stroke="url(#stroke)"' in stroke_svg[0]
    assert t1.color.type == "linear" and t1.color.units == "absolute"  # type: ignore[union-attr]
    assert t2.color.type == "radial"  # type: ignore[union-attr]
    # on a path every character has its own gradient, in its own frame (Fabric's per-character fill)
    assert t3.path is not None
    per_char = [s for s in t3.spans if s.color is not None and not isinstance(s.color, str)]
    assert len(per_char) == len(t3.text)
    assert t4.spans and t4.spans[0].size is not None  # superscript in gradient text


@pytest.mark.skipif(shutil.which("gs") is None, reason="Ghostscript is installed by scripts/check.sh")
@pytest.mark.parametrize("name", TEXT_DESIGNS)
def test_corpus_text_prints_as_cmyk_outlines_like_its_preview(engine: Engine, tmp_path: Path, name: str) -> None:
    # the 3:4 corpus canvas across the 5:7 card's width (it is 6 % shorter than the card)
    imp = load_fabric_json(_load(name), engine, tmp_path, CMYK_TEMPLATE, FabricOptions(aspect_tolerance=0.1))
    pdf_path = render_design(imp.design, engine, tmp_path / "print.pdf", base_dir=tmp_path, fmt="pdf").path
    with pikepdf.open(pdf_path) as pdf:
        page = pdf.pages[0]
        assert not page.Resources.get("/Font"), "text is outlines"
        spaces = set()
        for res in [page.Resources, *[x.Resources for x in (page.Resources.get("/XObject") or {}).values()
                                      if "/Resources" in x]]:  # fmt: skip
            for pattern in (res.get("/Pattern") or {}).values():
                spaces.add(str(pattern.Shading.ColorSpace))
        assert spaces <= {"/DeviceCMYK"}, spaces
        content = page.Contents.read_bytes().decode("latin-1")
        assert not re.search(r"\b(rg|RG)\b", content), "nothing is RGB"
    dpi = 150
    preview = tmp_path / "preview.png"
    # both rasterised at 2 x 150 DPI and box-filtered to 150 (Ghostscript does not anti-alias a shading's clip)
    render_design(imp.design, engine, preview, base_dir=tmp_path, fmt="png", dpi=2 * dpi, soft_proof=True)
    png = ghostscript_png(pdf_path, tmp_path / "gs.png", 2 * dpi, text_alpha=False)
    want, got = box_reduced(rgb(preview), 2), box_reduced(rgb(png), 2)
    ssim = structural_similarity(want, got, channel_axis=2, data_range=255)
    print(f"{name}: print vs preview SSIM {ssim:.4f} at {dpi} DPI")
    assert ssim >= 0.97


def test_translucent_characters_get_a_one_stop_paint(engine: Engine, tmp_path: Path) -> None:
    obj = {
        "type": "Text", "left": 10, "top": 10, "width": 60, "height": 45, "text": "ab", "fontFamily": "Noto Sans",
        "fontSize": 40, "fill": "rgba(255,0,0,0.8)",
        "styles": [{"start": 0, "end": 1, "style": {"fill": "rgba(0,0,255,0.4)"}}],
    }  # fmt: skip
    data = {"canvas": {"width": 600, "height": 800}, "fabric": {"version": "6.9.1", "objects": [obj]}}
    imp = import_fabric(data, engine.templates.get("tshirt-front-dtg"), engine.fonts, tmp_path, FabricOptions())
    (layer,) = [x for x in imp.design.layers if isinstance(x, TextLayer)]
    assert layer.opacity == pytest.approx(0.8)  # the most opaque character's
    (span,) = layer.spans
    stop = span.color.stops[0]  # type: ignore[union-attr]
    assert (span.start, span.end, stop.color.hex, stop.opacity) == (0, 1, "#0000ff", pytest.approx(0.5))
