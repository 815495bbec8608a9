"""A seventh adversarial pass: leftovers of the sixth (:mod:`tests.api.test_hostile_sixth`).

Known defects fixed here, each pinned by a test that fails without its fix:

1. ``POST /v1/batches`` (and ``/v1/batches/upload``) with a product the design template is not made for named
   the product alone; the rows' problems came only once it was fixed: now one list.
2. An SVG saved as UTF-16 or UTF-32 was "not a supported image format" (the sniffer looked for ``<svg`` in
   ASCII), or, UTF-16 without a byte-order mark and declaration, "not well-formed XML": it is read as the
   UTF-8 document it is (libxml2 reads most of them; librsvg renders the sanitised UTF-8 copy), and stored as
   the very asset the UTF-8 file is; bytes that are not the encoding they start as are refused naming it.
3. ``render-engine validate`` on a Fabric canvas said "version: unsupported design version"; ``preflight``
   explained it: now both say it is a Fabric canvas and that ``render`` takes Fabric JSON.
4. A multi-side Fabric design's notes said ``objects[0]: … left out`` without the side (and the same object
   index on two sides was one note); ``render``'s preflight warnings said ``layers[1]``: both name the side
   (``surfaces.inside.objects[1]``, ``surfaces.inside.layers[1]``).
5. A preview of 300 colour emoji cost ~1.2 s CPU (median of 5, warm): the mockup drew each colour run of a text
   (spans, then every emoji layer: ~1400 for 300 emoji) as its own librsvg document and tile. It draws a
   text's runs as one document now (~0.33 s), the same picture up to a rounding step at anti-aliased edges.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from render_engine.engine import Engine
from tests.api.test_hostile_sixth import client
from tests.toolkit import STOREFRONT
from tests.toolkit import run_cli as _cli

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")
S = {"X-API-Key": STOREFRONT}
__all__ = ["client"]  # the sixth pass's API client fixture (its keys), used by name


def _fields(out: dict[str, Any]) -> list[str]:
    return [p["field"] for p in out.get("problems", [out])]


# ------------------------------------------------------------------ 1. a batch's wrong product and its rows

BATCH = {"design_template": "birthday-balloons", "product": "coaster-95-round",
         "rows": [{"name": "A" * 40}, {"name": "Bo"}]}  # fmt: skip
EXPECTED = ["product", "rows[1].slots.name", "rows[1].photos.photo", "rows[2].photos.photo"]


def test_a_batchs_wrong_product_comes_with_its_rows_problems(client: Any) -> None:
    r = client.post("/v1/batches", json=BATCH, headers=S)
    assert r.status_code == 422, r.text
    assert _fields(r.json()) == EXPECTED, r.json()
    assert "not made for this product" in r.json()["problems"][0]["message"]
    assert r.json()["field"] == "product"


def test_an_uploaded_batchs_wrong_product_comes_with_its_rows_problems(client: Any) -> None:
    options = {k: v for k, v in BATCH.items() if k != "rows"}
    files = {"file": ("rows.csv", b"name\n" + b"A" * 40 + b"\nBo\n", "text/csv"),
             "options": (None, json.dumps(options))}  # fmt: skip
    r = client.post("/v1/batches/upload", files=files, headers=S)
    assert r.status_code == 422, r.text
    assert _fields(r.json()) == EXPECTED, r.json()


# ------------------------------------------------------------------ 2. UTF-16 / UTF-32 SVG

SVG = ('<?xml version="1.0" encoding="{}"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
       '<rect width="20" height="20" fill="#e00000"/><text x="20" y="15">Zoë 日本</text></svg>')  # fmt: skip


def _upload_svg(client: Any, data: bytes) -> Any:
    return client.post("/v1/assets", content=data, headers={**S, "Content-Type": "image/svg+xml"})


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"])
@pytest.mark.parametrize("declared", [True, False])
def test_a_utf16_or_utf32_svg_is_the_same_asset_as_its_utf8_file(client: Any, codec: str, declared: bool) -> None:
    utf8 = _upload_svg(client, SVG.format("UTF-8").encode())
    assert utf8.status_code == 201, utf8.text
    text = SVG.format(codec.upper()) if declared else SVG.split("\n", 1)[1]
    r = _upload_svg(client, text.encode(codec))
    assert r.status_code == 201, r.text
    assert r.json()["asset_id"] == utf8.json()["asset_id"] and r.json()["format"] == "svg", r.json()
    assert (r.json()["width"], r.json()["height"]) == (40, 20)


def test_bytes_that_are_not_the_encoding_they_start_as_are_named(client: Any) -> None:
    bad = SVG.format("UTF-16").encode("utf-16")[:40] + b"\x00\xdc" + SVG.encode("utf-16-le")[40:]
    r = _upload_svg(client, bad)
    assert r.status_code == 422 and r.json()["field"] == "body", r.text
    assert "starts as UTF-16 text but byte 40 is not UTF-16" in r.json()["message"], r.json()


# ------------------------------------------------------------------ 3. validate on a Fabric canvas

NEAR = {"type": "Rect", "left": 10, "top": 10, "width": 100, "height": 100, "fill": "#00ff00"}
CARD = {"template": "card-folded-5x7", "canvas": {"width": 1000, "height": 700},
        "surfaces": {"outside": {"version": "6.9.1", "objects": [NEAR]}}}  # fmt: skip


def test_validate_says_a_fabric_canvas_is_one(tmp_path: Path) -> None:
    path = tmp_path / "card.json"
    path.write_text(json.dumps(CARD))
    r = _cli("validate", str(path))
    out = (r.stdout + r.stderr).splitlines()
    problems = [line for line in out if "INVALID" in line]
    assert r.returncode == 1 and "Traceback" not in r.stderr and len(problems) == 1, r
    assert problems[0] == (f"{path}: INVALID design: a Fabric canvas: validate reads native designs; "
                           "`render-engine render` takes Fabric JSON and prints its preflight findings "
                           "(`render-engine preflight` lists them all)")  # fmt: skip


def test_preflight_checks_a_fabric_canvas_naming_its_objects(tmp_path: Path) -> None:
    """(It refused a Fabric canvas as validate does; tests/fabric/test_fabric_messages.py: the storefront
    developer's route checks a canvas as ``render`` draws it.)"""
    path = tmp_path / "card.json"
    path.write_text(json.dumps(SIDES))
    r = _cli("preflight", str(path))
    assert "Traceback" not in r.stderr and "INVALID" not in r.stdout + r.stderr, r
    assert "safe.text_outside" in r.stdout and "surfaces.inside.objects[2] (Textbox)" in r.stdout, r.stdout


# ------------------------------------------------------------------ 4. the side of a multi-side Fabric note

FAR = {"type": "Rect", "left": 10_000_000, "top": 0, "width": 100, "height": 100, "fill": "#ff0000"}
EDGE_TEXT = {"type": "Textbox", "left": 3, "top": 10, "width": 300, "text": "Asha", "fontFamily": "Noto Sans",
             "fontSize": 40}  # fmt: skip
SIDES = {"template": "card-folded-5x7", "canvas": {"width": 1000, "height": 700},
         "surfaces": {"outside": {"version": "6.9.1", "objects": [FAR, NEAR]},
                      "inside": {"version": "6.9.1", "objects": [FAR, NEAR, EDGE_TEXT]}}}  # fmt: skip


def test_a_multi_side_fabric_designs_notes_name_their_side(client: Any) -> None:
    r = client.post("/v1/preflight", json={"dialect": "fabric", "design": SIDES}, headers=S)
    assert r.status_code == 200, r.text
    left_out = "entirely off the page and beyond the native model's range: left out"
    notes = r.json()["source"]["notes"]
    assert notes == [f"surfaces.outside.objects[0] (Rect): {left_out}",
                     f"surfaces.inside.objects[0] (Rect): {left_out}"], r.json()["source"]  # fmt: skip


def test_renders_preflight_warnings_on_a_multi_side_fabric_design_name_their_side(tmp_path: Path) -> None:
    path = tmp_path / "card.json"
    path.write_text(json.dumps(SIDES))
    r = _cli("render", str(path), "--out", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    warned = [line for line in r.stderr.splitlines() if "[safe.text_outside]" in line]
    # named by side and by the Fabric object (test_fabric_messages.py), not the native layer
    assert warned and all(f"{path}: WARNING surfaces.inside.objects[2] (Textbox)" in line for line in warned), r.stderr


# ------------------------------------------------------------------ 5. emoji text in a preview: one document


def _emoji_item(engine: Engine, tmp_path: Path, opacity: float = 1.0) -> tuple[Any, Any]:
    from render_engine.layout.plan import TextItem
    from render_engine.model.design import parse_design
    from render_engine.pipeline import prepare
    from tests.toolkit import coaster, text_layer

    faces = "".join(chr(0x1F600 + i) for i in range(40))
    layer = text_layer("Zoë " + faces, size=9, opacity=opacity, spans=[{"start": 0, "end": 2, "color": "#e63946"}],
                       box={"x": 5, "y": 20, "width": 85, "height": 50})  # fmt: skip
    prep = prepare(parse_design(coaster(layer)), engine, tmp_path)
    item = next(i for i in prep.layout.items if isinstance(i, TextItem))
    assert len(item.paint_runs) > 100  # the spans, the rest of the text, ~4 layers per emoji
    return prep.layout, item


@pytest.mark.parametrize("opacity", [1.0, 0.6])
def test_an_emoji_texts_preview_tile_is_one_svg_document_and_the_same_picture(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, opacity: float
) -> None:
    import numpy as np
    import pyvips
    from skimage.metrics import structural_similarity

    from render_engine.backends.common import Canvas
    from render_engine.backends.raster import path_tile
    from render_engine.backends.raster_paint import screen_paint
    from render_engine.mockup.print_cache import canvas_size, item_tiles

    layout, item = _emoji_item(engine, tmp_path, opacity)
    dpi = 150.0
    w, h = canvas_size(layout, dpi)
    documents = []
    load = pyvips.Image.svgload_buffer
    monkeypatch.setattr(pyvips.Image, "svgload_buffer", lambda data, **kw: documents.append(data) or load(data, **kw))
    tiles = item_tiles(item, layout, dpi, engine, False, (0, 0, w, h))
    assert len(documents) == 1 and len(tiles) == 1, len(documents)

    # the oracle: every run drawn as its own tile (the raster backend's path_tile) and composited in order
    canvas = Canvas.for_layout(layout, dpi)
    profile = layout.template.output.icc_profile
    acc = np.zeros((h, w, 4), np.float64)
    for colour, outline in item.paint_runs:
        drawn = path_tile(canvas, outline, screen_paint(colour, lambda c: engine.icc.to_srgb(c, profile)), None,
                          0.0, item.opacity)  # fmt: skip
        if drawn is None:
            continue
        img, x, y = drawn
        src = img.numpy().astype(np.float64) / 255
        src[..., :3] *= src[..., 3:4]
        dst = acc[y : y + img.height, x : x + img.width]
        dst[...] = src + dst * (1 - src[..., 3:4])
    one = tiles[0]
    th, tw = one.rgba.shape[:2]
    got = np.zeros((h, w, 4), np.float64)
    got[one.y : one.y + th, one.x : one.x + tw] = one.rgba / 255
    diff = np.abs(got - acc) * 255
    assert acc[..., 3].sum() > 1000 and diff.max() <= 4, diff.max()  # a rounding step at anti-aliased edges
    ssim = structural_similarity((got * 255).astype(np.uint8), (acc * 255).round().astype(np.uint8),
                                 channel_axis=2)  # fmt: skip
    assert ssim >= 0.9999, ssim
