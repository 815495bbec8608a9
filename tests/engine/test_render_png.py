"""The raster print path: sizes in pixels and mm, pHYs, ICC, transparency, bleed coverage, sharp text."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms

from render_engine.engine import Engine
from render_engine.model.design import parse_design
from render_engine.pipeline import render_design, render_file
from tests.conftest import EXAMPLES, design, write_design

TEMPLATES = [
    "mug-11oz", "mug-15oz", "poster-24x36", "canvas-8x10", "card-5x7",
    "phone-case-iphone15", "coaster-95-round", "tshirt-front-dtg",
]


def _png_chunks(path: Path) -> dict[bytes, bytes]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        chunks.setdefault(kind, data[pos + 8 : pos + 8 + length])
        pos += 12 + length
    return chunks


@pytest.mark.parametrize("template", TEMPLATES)
def test_png_size_is_bleed_box_at_target_dpi_with_phys(engine: Engine, tmp_path: Path, template: str) -> None:
    t = engine.templates.get(template)
    d = parse_design(design(template, {"type": "background", "color": "#3366cc"}))
    out = render_design(d, engine, tmp_path / "o.png", base_dir=tmp_path, fmt="png").path
    with Image.open(out) as im:
        w, h = im.size
        mode = im.mode
    assert w == round((t.trim_w + 2 * t.bleed_mm) * t.dpi.target / 25.4)
    assert h == round((t.trim_h + 2 * t.bleed_mm) * t.dpi.target / 25.4)
    assert mode == ("RGBA" if t.output.color == "rgba" else "RGB")
    ppm_x, ppm_y, unit = struct.unpack(">IIB", _png_chunks(out)[b"pHYs"])
    assert unit == 1 and ppm_x == ppm_y == round(t.dpi.target / 0.0254)


def test_png_embeds_the_srgb_profile_and_no_timestamp(engine: Engine, tmp_path: Path) -> None:
    d = parse_design(design("card-5x7", {"type": "background", "color": "#ff0000"}))
    out = render_design(d, engine, tmp_path / "o.png", base_dir=tmp_path, fmt="png", dpi=50).path
    chunks = _png_chunks(out)
    assert b"tIME" not in chunks and b"eXIf" not in chunks
    _name, _, compressed = chunks[b"iCCP"].partition(b"\x00")
    profile = ImageCms.ImageCmsProfile(io.BytesIO(zlib.decompress(compressed[1:])))
    assert profile.profile.xcolor_space.strip() == "RGB"
    assert "srgb" in ImageCms.getProfileDescription(profile).lower()


def test_same_design_same_png_bytes(engine: Engine, tmp_path: Path) -> None:
    src = EXAMPLES / "mug-11oz-photo-name.json"
    a = render_file(src, engine, tmp_path / "a", fmt="png", dpi=60).path.read_bytes()
    b = render_file(src, engine, tmp_path / "b", fmt="png", dpi=60).path.read_bytes()
    assert a == b


def test_dtg_print_is_transparent_where_nothing_is_printed(engine: Engine, tmp_path: Path) -> None:
    out = render_file(EXAMPLES / "tshirt-front-dtg-team.json", engine, tmp_path, fmt="png", dpi=50).path
    with Image.open(out) as im:
        arr = np.asarray(im)
    assert arr.shape[2] == 4
    assert arr[0, 0, 3] == 0 and arr[-1, -1, 3] == 0, "corners of a DTG file carry no ink"
    assert (arr[..., 3] == 255).mean() > 0.1, "the design itself is opaque"


def test_mug_photo_covers_the_print_area_through_the_bleed(engine: Engine, tmp_path: Path) -> None:
    # The background under the photo is painted magenta, so any bleed pixel the photo leaves uncovered shows it,
    # whatever the photo's own colours are (the example's sky is near white).
    import json

    d = json.loads((EXAMPLES / "mug-11oz-photo-name.json").read_text())
    assert d["layers"][0]["type"] == "background" and d["layers"][1]["type"] == "image"
    d["layers"][0]["color"] = "#ff00ff"
    out = tmp_path / "mug.png"
    render_design(parse_design(d), engine, out, base_dir=EXAMPLES, fmt="png")
    with Image.open(out) as im:
        assert im.size == (2747, 1097)  # (228.6 + 4) x (88.9 + 4) mm at 300 DPI
        arr = np.asarray(im.convert("RGB")).astype(int)
    magenta = (arr[..., 0] > 180) & (arr[..., 1] < 90) & (arr[..., 2] > 180)
    assert not magenta[0, :].any() and not magenta[-1, :].any(), "top and bottom bleed rows carry the photo"
    assert not magenta[:, 0].any() and not magenta[:, -1].any(), "left and right bleed columns carry the photo"
    d["layers"][1]["box"]["x"] = 0  # the check can fail: a photo that stops at the trim leaves the bleed magenta
    render_design(parse_design(d), engine, out, base_dir=EXAMPLES, fmt="png")
    with Image.open(out) as im:
        arr = np.asarray(im.convert("RGB")).astype(int)
    assert ((arr[:, 0, 0] > 180) & (arr[:, 0, 1] < 90) & (arr[:, 0, 2] > 180)).all()


def test_text_edges_are_sharp_at_print_resolution(engine: Engine, tmp_path: Path) -> None:
    d = design(
        "card-5x7",
        {"type": "background", "color": "#ffffff"},
        {"type": "text", "text": "IIII", "font": {"family": "noto-sans", "weight": 700}, "size": 72,
         "color": "#000000", "box": {"x": 10, "y": 10, "width": 100, "height": 40}},
    )
    out = render_file(write_design(tmp_path, d), engine, tmp_path, fmt="png").path
    with Image.open(out) as im:
        grey = np.asarray(im.convert("L")).astype(int)
    row = grey[round((3.175 + 10 + 14) * 300 / 25.4)]  # a row through the stems
    edges = np.nonzero(np.abs(np.diff(row)) > 0)[0]
    assert len(edges) > 0
    # every dark->light transition completes within 2 pixels (anti-aliased, not blurred)
    mid = [(i, row[i]) for i in range(1, len(row) - 1) if 30 < row[i] < 225]
    runs = np.split(np.array([i for i, _ in mid]), np.nonzero(np.diff([i for i, _ in mid]) > 1)[0] + 1)
    assert max(len(r) for r in runs) <= 2
    assert (row < 30).sum() > 50 and (row > 225).sum() > 500


def test_contain_fit_leaves_the_box_margins_untouched(engine: Engine, tmp_path: Path, assets_dir: Path) -> None:
    d = design(
        "card-5x7",
        {"type": "background", "color": "#ffffff"},
        {"type": "image", "asset": "photo-1200x800.jpg", "fit": "contain",
         "box": {"x": 0, "y": 0, "width": 127, "height": 177.8}},
    )
    out = render_file(write_design(assets_dir, d, "contain.json"), engine, tmp_path, fmt="png", dpi=100).path
    with Image.open(out) as im:
        arr = np.asarray(im).astype(int)
    # a 3:2 photo contained in a 127 x 177.8 mm box: 127 x 84.67 mm, centred vertically
    top_px = round((3.175 + (177.8 - 127 / 1.5) / 2) * 100 / 25.4)
    assert arr[top_px - 3, 200].min() > 245, "above the photo: white"
    assert arr[top_px + 3, 200].min() < 245, "inside the photo: not white"
