"""What the Fabric importer used to refuse, now drawn: the mapping (structure), and the storefront corpus
designs for it (tests/fabric_corpus/storefront/v6, tools/fabric-corpus/storefront_refusals.js) as CMYK print
PDFs read back (no RGB, boxes, output intent) and rasterised by Ghostscript against the soft-proofed preview.

Fidelity against Fabric's own renders (1x and 2x, Fabric 6 and 7) is scored with the rest of the storefront
corpus in tests/fabric/test_fabric_storefront.py; the whole refusal sweep in tests/fabric/test_fabric_sweep.py.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pikepdf
import pytest
from skimage.metrics import structural_similarity

from render_engine.backends.raster import draw_raster
from render_engine.engine import Engine
from render_engine.fabric import import_fabric, load_fabric_json
from render_engine.fabric.flatten import composite, flatten_dpi
from render_engine.model.design import ImageLayer, SvgLayer, TextLayer
from render_engine.model.errors import DesignError
from render_engine.pipeline import prepare
from tests.conftest import ROOT
from tests.pdf_support import box_reduced, cmyk_print_page, ghostscript_png, rgb
from tests.toolkit import cmyk_layout, write_pdfx

STOREFRONT = ROOT / "tests" / "fabric_corpus" / "storefront" / "v6"
DPI = 150


def _load(engine: Engine, name: str, tmp_path: Path) -> Any:
    return load_fabric_json(json.loads((STOREFRONT / f"{name}.json").read_text()), engine, tmp_path)


def _canvas(*objects: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"version": "6.9.1", "width": 200, "height": 100, "objects": list(objects), **extra}


def test_nested_clip_paths_intersect(engine: Engine, tmp_path: Path) -> None:
    """A clipPath's own clipPath clips with it (their intersection), on images, vector objects and the canvas."""
    inner = {"type": "Rect", "left": 0, "top": 0, "width": 40, "height": 200, "originX": "center", "originY": "center"}
    clip = {"type": "Circle", "radius": 40, "left": 0, "top": 0, "originX": "center", "originY": "center",
            "clipPath": inner}  # fmt: skip
    imp = _load(engine, "nested_clip_photo", tmp_path)
    image = next(x for x in imp.design.layers if isinstance(x, ImageLayer))
    assert image.clip is not None and len(image.clips) >= 3  # the canvas chain (2), then the photo's own (2)
    rect = {"type": "Rect", "left": 100, "top": 50, "width": 150, "height": 80, "originX": "center",
            "originY": "center", "fill": "#ff0000", "clipPath": clip}  # fmt: skip
    res = load_fabric_json(_canvas(rect), engine, tmp_path)
    svg = next(x for x in res.design.layers if isinstance(x, SvgLayer))
    assert svg.svg is not None and svg.svg.count("<clipPath") == 2
    inverted = dict(clip, inverted=True)
    with pytest.raises(DesignError) as exc:
        load_fabric_json(_canvas(dict(rect, clipPath=inverted)), engine, tmp_path)
    assert [p.field for p in exc.value.problems or (exc.value,)] == ["objects[0].clipPath.clipPath"]


def test_multi_line_path_text_sits_on_the_curve(engine: Engine, tmp_path: Path) -> None:
    """Fabric draws every line of text on a path on the curve itself (Text._renderChars translates each
    character to its own point on the path and ignores the line's top); the native layer says so."""
    imp = _load(engine, "multiline_path_text", tmp_path)
    texts = [x for x in imp.design.layers if isinstance(x, TextLayer)]
    assert len(texts) == 2 and all(t.path is not None and t.path.lines == "same_path" for t in texts)
    assert imp.text_lines["objects[1]"] == ("one", "two words", "three")


def test_porter_duff_operators_flatten_their_context(engine: Engine, tmp_path: Path) -> None:
    """A Porter-Duff operator is drawn by flattening its compositing context (a cached group, or the canvas)
    into one image at the flattening resolution; the note says so. Pixels follow the Canvas 2D formula."""
    imp = _load(engine, "composite_masks", tmp_path)
    kinds = [type(x).__name__ for x in imp.design.layers]
    assert kinds[0] == "BackgroundLayer" and kinds.count("ImageLayer") == 4, kinds  # one image per flattened group
    assert sum("flattened" in n for n in imp.notes) == 4
    assert flatten_dpi(engine.templates.get(imp.design.template), 0.2646) == pytest.approx(192, abs=0.2)
    src = np.array([[[1.0, 0.0, 0.0, 0.5]]])
    dst = np.array([[[0.0, 0.0, 1.0, 1.0]]])
    assert composite(src, dst, "destination-out")[0, 0, 3] == pytest.approx(0.5)  # dst * (1 - as)
    assert composite(src, dst, "source-atop")[0, 0].tolist() == pytest.approx([0.5, 0.0, 0.5, 1.0])
    assert composite(src, dst, "xor")[0, 0, 3] == pytest.approx(0.5)  # as(1-ad) + ad(1-as)
    assert composite(src, dst, "destination-in")[0, 0].tolist() == pytest.approx([0.0, 0.0, 1.0, 0.5])
    # without the engine (import_fabric called on its own) it cannot draw: an error naming the field
    data = json.loads((STOREFRONT / "composite_masks.json").read_text())
    with pytest.raises(DesignError) as exc:
        import_fabric(data, engine.templates.get(imp.design.template), engine.fonts, tmp_path)
    fields = [p.field for p in exc.value.problems or (exc.value,)]
    assert "objects[0].objects[1].globalCompositeOperation" in fields


def test_per_character_gradients_are_span_paints(engine: Engine, tmp_path: Path) -> None:
    """A gradient in a character style fills those characters in the object's gradient space (as the object's
    own fill would): a native span paint, a PDF shading; a gradient stroke likewise the span stroke's paint."""
    imp = _load(engine, "gradient_chars", tmp_path)
    sale, fruit = [x for x in imp.design.layers if isinstance(x, TextLayer)]
    assert [(s.start, s.end, s.color.type) for s in sale.spans] == [(0, 6, "linear")]  # type: ignore[union-attr]
    paints = {(s.start, s.end): s for s in fruit.spans}
    assert paints[(6, 11)].color.type == "linear"  # type: ignore[union-attr]
    stroke = paints[(27, 31)].stroke
    assert stroke is not None and stroke.color.type == "linear"  # type: ignore[union-attr]
    # on clipped text (one svg layer of outlines) it is still an error naming the style
    data = json.loads((STOREFRONT / "gradient_chars.json").read_text())
    data["objects"][0]["clipPath"] = {"type": "Rect", "width": 400, "height": 100, "originX": "center",
                                      "originY": "center"}  # fmt: skip
    with pytest.raises(DesignError) as exc:
        load_fabric_json(data, engine, tmp_path)
    assert "objects[0].styles[0].style.fill" in [p.field for p in exc.value.problems or (exc.value,)]


def test_path_text_decorations_turn_with_each_character(engine: Engine, tmp_path: Path) -> None:
    """On a path Fabric draws an underline / background piece per character in the character's frame: each
    is a native path shape (a quad turned with the character), its centre near the glyph's on the curve."""
    imp = _load(engine, "path_text_decorations", tmp_path)
    pieces = {
        what: [x for x, o in zip(imp.design.layers, imp.sources, strict=True) if o.endswith(what)]
        for what in ("underline", "textBackgroundColor", "linethrough", "overline")
    }
    assert len(pieces["underline"]) == len("Best Grandpa Ever")  # a piece per character, spaces too (Fabric)
    assert len(pieces["textBackgroundColor"]) == len("HAPPY BIRTHDAY")
    assert len(pieces["linethrough"]) == len(pieces["overline"]) == len("crossed")
    for layer in pieces["underline"]:
        assert layer.shape == "path" and layer.d is not None and layer.d.count("L") == 3
    tilts = [(p.box.height / p.box.width) for p in pieces["underline"]]
    assert max(tilts) > 0.5 > min(tilts)  # steep at the arch's ends, flat at its top: turned per character


@pytest.mark.skipif(shutil.which("gs") is None, reason="Ghostscript is installed by scripts/check.sh")
@pytest.mark.parametrize(
    "name", ["nested_clip_photo", "multiline_path_text", "composite_masks", "gradient_chars", "path_text_decorations"]
)
def test_storefront_designs_print_as_they_preview(engine: Engine, tmp_path: Path, name: str) -> None:
    imp = _load(engine, name, tmp_path)
    layout = cmyk_layout(prepare(imp.design, engine, tmp_path).layout)
    path = write_pdfx(layout, engine, tmp_path / f"{name}.pdf", name)
    with pikepdf.open(path) as doc:
        page = cmyk_print_page(doc)
        if name == "gradient_chars":  # the per-character gradients: DeviceCMYK shadings
            shadings = [p.Shading for p in page.Resources.get("/Pattern", {}).values() if "/Shading" in p]
            assert len(shadings) >= 2 and all(x.ColorSpace == pikepdf.Name.DeviceCMYK for x in shadings)
        if name == "composite_masks":  # the flattened groups: CMYK images
            images = [x for x in page.Resources.XObject.values() if x.get("/Subtype") == "/Image"]
            assert len(images) >= 4 and all(x.ColorSpace == pikepdf.Name.DeviceCMYK for x in images)
    preview = draw_raster(layout, DPI, engine.icc, transparent=False, soft_proof=True)
    want = np.ndarray(buffer=preview.write_to_memory(), dtype=np.uint8, shape=(preview.height, preview.width, 3))
    got = rgb(ghostscript_png(path, tmp_path / "gs.png", DPI))
    ssim = structural_similarity(box_reduced(want, 4), box_reduced(got, 4), channel_axis=2, data_range=255)
    print(f"{name}: SSIM print vs preview = {ssim:.4f}")
    assert ssim >= 0.97
