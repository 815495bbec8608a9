"""Text as a Fabric clipPath (a photo shaped by a word): one vector clip of glyph outlines in both backends.

Independent readers: the preview's pixels against the engine's own drawing of the same word as plain text
(the photo must show exactly where the word is inked), pikepdf for the PDF's clipping path (``W n`` after path
operators, no font resource for the clip).
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import numpy as np
import pikepdf
import pytest
import pyvips
from PIL import Image

from render_engine.backends.common import Canvas
from render_engine.backends.raster import path_tile
from render_engine.engine import Engine
from render_engine.fabric import FabricOptions, import_fabric
from render_engine.layout.plan import TextItem
from render_engine.model.design import ImageLayer, SvgLayer
from render_engine.model.errors import DesignError
from render_engine.pipeline import prepare, render_design

TEMPLATE = "tshirt-front-dtg"  # 600 x 800 canvas px; 50 DPI renders it 1:1
RED = (200, 30, 30)


def _photo() -> str:
    rgb = pyvips.Image.black(300, 200).new_from_image(list(RED)).copy(interpretation="srgb")
    return "data:image/png;base64," + base64.b64encode(rgb.pngsave_buffer()).decode()


WORD: dict[str, Any] = {
    "type": "Text",
    "text": "LOVE",
    "fontFamily": "Noto Sans",
    "fontWeight": "bold",
    "fontSize": 120,
    "originX": "center",
    "originY": "center",
    "width": 300,
    "height": 136,
}


def _canvas(*objects: dict[str, Any]) -> dict[str, Any]:
    return {"canvas": {"width": 600, "height": 800}, "fabric": {"version": "6.9.1", "objects": list(objects)}}


def _image(clip: dict[str, Any]) -> dict[str, Any]:
    box = {"left": 150, "top": 300, "width": 300, "height": 200, "strokeWidth": 0}  # Fabric 6 images: no stroke
    return {"type": "Image", "src": _photo(), **box, "clipPath": clip}


def _render(engine: Engine, data: dict[str, Any], tmp_path: Path, fmt: str, name: str) -> tuple[Any, Path]:
    imp = import_fabric(data, engine.templates.get(TEMPLATE), engine.fonts, tmp_path, FabricOptions())
    out = tmp_path / f"{name}.{fmt}"
    render_design(imp.design, engine, out, base_dir=tmp_path, fmt=fmt, dpi=50)  # type: ignore[arg-type]
    return imp, out


def _alpha(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGBA"))[:, :, 3].astype(float) / 255


def _word_mask(engine: Engine, tmp_path: Path, **where: Any) -> np.ndarray:
    """The same word laid out by the engine as ordinary text at the clip's canvas position, its exact outline
    filled as the raster fills paths (the raster hints plain text's glyphs as cairo does; a clip path is the
    exact outline, in the PDF too)."""
    data = _canvas({**WORD, "fill": "#000000", **where})
    imp = import_fabric(data, engine.templates.get(TEMPLATE), engine.fonts, tmp_path, FabricOptions())
    layout = prepare(imp.design, engine, tmp_path).layout
    (item,) = [it for it in layout.items if isinstance(it, TextItem)]
    canvas = Canvas.for_layout(layout, 50)
    tile = path_tile(canvas, item.block.outline, (0, 0, 0), None, 0.0, 1.0)
    assert tile is not None
    img, x, y = tile
    mask = np.zeros((canvas.height, canvas.width))
    mask[y : y + img.height, x : x + img.width] = img[3].numpy().astype(float) / 255
    return mask


def test_image_clipped_by_bold_text_shows_the_photo_only_inside_the_glyphs(engine: Engine, tmp_path: Path) -> None:
    imp, png = _render(engine, _canvas(_image({**WORD, "left": 0, "top": 0})), tmp_path, "png", "clipped")
    (layer,) = imp.design.layers
    assert isinstance(layer, ImageLayer) and layer.clip is not None and layer.clip.shape == "path"
    px = np.asarray(Image.open(png).convert("RGBA")).astype(int)
    # the clip sits in the image's centred space: the word's centre is the image's centre (300, 400)
    word = _word_mask(engine, tmp_path, left=300, top=400)
    inside, outside = word > 0.99, word < 0.01
    assert inside.sum() > 10_000  # a bold 120 px word
    assert np.abs(px[inside][:, :3] - RED).max() <= 2 and px[inside][:, 3].min() >= 250
    assert px[outside][:, 3].max() <= 3  # transparent everywhere else, the photo's rect and O's counter too
    image_rect = np.zeros_like(word, dtype=bool)
    image_rect[305:495, 155:445] = True
    assert (image_rect & outside).sum() > 20_000  # most of the photo is clipped away
    # the edge agrees too: the clipped photo's alpha is the word's coverage
    assert np.abs(_alpha(png) - word).mean() < 0.002


def test_text_clip_is_a_vector_clipping_path_in_the_pdf(engine: Engine, tmp_path: Path) -> None:
    _imp, pdf_path = _render(engine, _canvas(_image({**WORD, "left": 0, "top": 0})), tmp_path, "pdf", "clipped")
    with pikepdf.open(pdf_path) as pdf:
        page = pdf.pages[0]
        assert "/Font" not in page.Resources  # the clip is outlines, not text
        ops = [str(op) for _operands, op in pikepdf.parse_content_stream(page)]
        assert "Tj" not in ops and "TJ" not in ops
        at = ops.index("W")
        assert ops[at + 1] == "n"
        clip_ops = ops[:at]
        start = max(i for i, op in enumerate(clip_ops) if op in ("q", "cm", "Q")) + 1
        path = clip_ops[start:]
        assert path.count("m") == 5  # L, O (outer + counter), V, E
        assert "c" in path and "h" in path  # the O's curves, closed subpaths
        assert "Do" in ops[at:]  # the photo drawn inside the clip


def test_inverted_and_absolute_text_clips(engine: Engine, tmp_path: Path) -> None:
    inverted = {**WORD, "left": 0, "top": 0, "inverted": True}
    _imp, png = _render(engine, _canvas(_image(inverted)), tmp_path, "png", "inv")
    word = _word_mask(engine, tmp_path, left=300, top=400)
    px = np.asarray(Image.open(png).convert("RGBA")).astype(int)
    image_rect = np.zeros_like(word, dtype=bool)
    image_rect[302:498, 152:448] = True
    shown = image_rect & (word < 0.01)
    assert np.abs(px[shown][:, :3] - RED).max() <= 2 and px[shown][:, 3].min() >= 250
    assert px[word > 0.99][:, 3].max() <= 3  # the word is a hole in the photo
    # absolutePositioned: the clip's left/top are canvas px (word centred at 320, 390), whatever the image
    absolute = {**WORD, "left": 320, "top": 390, "absolutePositioned": True}
    _imp, png = _render(engine, _canvas(_image(absolute)), tmp_path, "png", "abs")
    word = _word_mask(engine, tmp_path, left=320, top=390)
    assert np.abs(_alpha(png) - word * image_rect).mean() < 0.002


def test_text_clip_in_a_group_clip_on_text_and_errors(engine: Engine, tmp_path: Path) -> None:
    group_clip = {"type": "Group", "left": -150, "top": -100, "width": 300, "height": 200, "objects": [WORD]}
    imp, _png = _render(engine, _canvas(_image(group_clip)), tmp_path, "png", "group")
    (layer,) = imp.design.layers
    assert isinstance(layer, ImageLayer) and layer.clip is not None
    # a text object clipped by text: its clipped outlines are one svg layer with a <clipPath>
    target = {**WORD, "text": "XXXX", "left": 300, "top": 400, "fill": "#0000ff", "clipPath": {**WORD, "left": 0}}
    (svg_layer,) = import_fabric(_canvas(target), engine.templates.get(TEMPLATE), engine.fonts, tmp_path).design.layers
    assert isinstance(svg_layer, SvgLayer) and svg_layer.svg is not None and "<clipPath" in svg_layer.svg
    for bad, field in (({**WORD, "text": 5}, "fabric.objects[0].clipPath.text"),):
        with pytest.raises(DesignError) as exc:
            import_fabric(_canvas(_image(bad)), engine.templates.get(TEMPLATE), engine.fonts, tmp_path)
        assert exc.value.field == field or any(p.field == field for p in exc.value.problems or ())


KNOCKOUT = {**WORD, "left": 0, "top": 0, "fill": "#000000", "globalCompositeOperation": "destination-out"}
PANEL = {"type": "Rect", "left": -150, "top": -100, "width": 300, "height": 200, "fill": "#c81e1e", "strokeWidth": 0}


def test_knockout_text_in_a_group_is_an_inverted_clip_on_the_layers_below(engine: Engine, tmp_path: Path) -> None:
    after = {**PANEL, "left": 100, "top": -20, "width": 40, "height": 40, "fill": "#0000ff"}  # drawn after: kept
    group = {"type": "Group", "left": 150, "top": 300, "width": 300, "height": 200, "objects": [PANEL, KNOCKOUT, after],
             "objectCaching": True}  # fmt: skip  # cached (uncached, as Node draws it, it erases the canvas)
    imp, png = _render(engine, _canvas(group), tmp_path, "png", "knock")
    assert imp.sources == ("fabric.objects[0].objects[0]", "fabric.objects[0].objects[2]")
    px = np.asarray(Image.open(png).convert("RGBA")).astype(int)
    word = _word_mask(engine, tmp_path, left=300, top=400)
    panel = np.zeros_like(word, dtype=bool)
    panel[302:498, 152:448] = True
    panel[380:420, 400:440] = False  # the blue square drawn after the text
    assert px[(word > 0.99) & panel][:, 3].max() <= 3  # the word is cut out of the panel
    shown = panel & (word < 0.01)
    assert np.abs(px[shown][:, :3] - (200, 30, 30)).max() <= 2 and px[shown][:, 3].min() >= 250
    assert (px[385:415, 405:435, :3] == (0, 0, 255)).all()
    _imp, pdf_path = _render(engine, _canvas(group), tmp_path, "pdf", "knock")
    with pikepdf.open(pdf_path) as pdf:
        page = pdf.pages[0]
        streams = [page, *(x for x in page.Resources.XObject.values() if x.Subtype == "/Form")]
        ops = [str(op) for s in streams for _operands, op in pikepdf.parse_content_stream(s)]
        assert "W" in ops or "W*" in ops  # the panel drawn inside the word's inverted clipping path
        assert "Tj" not in ops and "TJ" not in ops  # outlines, no text


@pytest.mark.parametrize(
    "change",
    [{"opacity": 0.5}, {"fill": "rgba(0,0,0,0.5)"}, {"stroke": "#000", "strokeWidth": 2}, {"underline": True}],
)
def test_knockout_that_is_not_exactly_a_clip_is_still_refused(
    engine: Engine, tmp_path: Path, change: dict[str, Any]
) -> None:
    group = {
        "type": "Group",
        "left": 150,
        "top": 300,
        "width": 300,
        "height": 200,
        "objects": [PANEL, {**KNOCKOUT, **change}],
    }
    with pytest.raises(DesignError) as exc:
        import_fabric(_canvas(group), engine.templates.get(TEMPLATE), engine.fonts, tmp_path)
    fields = [p.field for p in exc.value.problems or ()] or [exc.value.field]
    assert "fabric.objects[0].objects[1].globalCompositeOperation" in fields
    # on a canvas with a background colour the text would erase the background too: refused
    canvas = _canvas(PANEL | {"left": 150, "top": 300}, KNOCKOUT | {"left": 300, "top": 400})
    canvas["fabric"]["background"] = "#ffffff"
    with pytest.raises(DesignError):
        import_fabric(canvas, engine.templates.get(TEMPLATE), engine.fonts, tmp_path)
