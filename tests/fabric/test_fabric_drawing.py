"""Fabric drawing details measured against Fabric itself or against the Canvas 2D / PDF rules they follow:
enlarged images as squares of their pixels (Fabric's Node render through cairo), the PDF's miter limit for
sharp corners (Fabric's and SVG's 4, PDF's default 10), and preflight with ``unsupported="approximate"``."""

from __future__ import annotations

import re
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pikepdf
import pytest
import pyvips

from render_engine import preflight, render_design
from render_engine.backends.imaging import pixelated_resize
from render_engine.backends.pdf_paint import has_sharp_join
from render_engine.model.errors import DesignError
from render_engine.model.geometry import Path as VPath
from render_engine.model.geometry import Rect


def _stripes(n: int) -> pyvips.Image:
    row = np.array([[0 if i % 2 == 0 else 255 for i in range(n)]], dtype=np.uint8)
    return pyvips.Image.new_from_memory(row.tobytes(), n, 1, 1, "uchar")


def _row(img: pyvips.Image) -> list[int]:
    return list(np.ndarray(buffer=img.write_to_memory(), dtype=np.uint8, shape=(img.height, img.width))[0])


def test_pixelated_enlargement_averages_each_output_pixel_over_its_area() -> None:
    # 10x: every source pixel is a 10 px square with hard edges (a smooth kernel ramps over several pixels)
    assert _row(pixelated_resize(_stripes(2), 20, 1)) == [0] * 10 + [255] * 10
    # 2.5x: a source edge inside an output pixel gives the area-weighted mix (px 2 = half black, half white)
    assert _row(pixelated_resize(_stripes(4), 10, 1)) == [0, 0, 128, 255, 255, 0, 0, 128, 255, 255]


def test_fabric_images_enlarge_pixelated_and_native_ones_smoothly(tmp_path: Path) -> None:
    tile = pyvips.Image.black(2, 1).draw_rect(255, 1, 0, 1, 1).cast("uchar")
    src = tmp_path / "two.png"
    tile.bandjoin([tile, tile]).write_to_file(str(src))
    doc = {
        "version": "6.9.1", "width": 40, "height": 10, "background": "#808080",
        "objects": [{"type": "Image", "src": "two.png", "left": 0, "top": 0, "width": 2, "height": 1,
                     "scaleX": 20, "scaleY": 10, "strokeWidth": 0}],
    }  # fmt: skip
    png = render_design(doc, base_dir=tmp_path, format="png").data
    row = _row(pyvips.Image.new_from_buffer(png, "")[0].crop(0, 5, 40, 1))
    assert row == [0] * 20 + [255] * 20  # Fabric (node-canvas/cairo): hard squares, at most one mixed pixel


def test_sharp_joins_get_fabrics_miter_limit_in_the_pdf(tmp_path: Path) -> None:
    assert has_sharp_join(VPath.from_svg("M0 0 L100 18 L0 36"), 4)  # 20 degrees: mitre 5.8 widths long
    star = "M50 0 L61 35 L98 35 L68 57 L79 91 L50 70 L21 91 L32 57 L2 35 L39 35 Z"  # 36 degree tips: 3.2
    assert not has_sharp_join(VPath.from_svg(star), 4)
    assert not has_sharp_join(VPath.rect(Rect(0, 0, 10, 10)), 4)

    def pdf_ops(objects: list[dict[str, Any]]) -> str:
        doc = {"version": "6.9.1", "width": 300, "height": 200, "objects": objects}
        out = tmp_path / "x.pdf"
        render_design(doc, out, format="pdf")
        with pikepdf.open(out) as pdf:
            return "".join(
                zlib.decompress(bytes(c.read_raw_bytes())).decode("latin-1")
                if c.get("/Filter") == "/FlateDecode"
                else c.read_bytes().decode("latin-1")
                for c in ([pdf.pages[0].Contents] if isinstance(pdf.pages[0].Contents, pikepdf.Stream)
                          else list(pdf.pages[0].Contents))
            )  # fmt: skip

    thin = {"type": "Polygon", "left": 20, "top": 20, "fill": "", "stroke": "#000000", "strokeWidth": 4,
            "points": [{"x": 0, "y": 0}, {"x": 200, "y": 36}, {"x": 0, "y": 72}]}  # fmt: skip
    assert re.search(r"(^|\s)4 M(\s|$)", pdf_ops([thin]))
    box = {"type": "Rect", "left": 20, "top": 20, "width": 100, "height": 50, "fill": "", "stroke": "#000000"}
    assert not re.search(r"(^|\s)\d+(\.\d+)? M(\s|$)", pdf_ops([box]))  # no sharp corner: bytes as before


def test_preflight_can_approximate_like_render_design() -> None:
    doc = {
        "version": "6.9.1", "width": 400, "height": 300,
        "objects": [{"type": "Rect", "left": 10, "top": 10, "width": 50, "height": 50, "fill": "#ff0000",
                     "globalCompositeOperation": "plus-darker"}],
    }  # fmt: skip
    with pytest.raises(DesignError) as exc:
        preflight(doc)
    assert exc.value.field == "objects[0].globalCompositeOperation"
    report = preflight(doc, unsupported="approximate")
    found = [f for f in report.findings if f.code == "fabric.approximated"]
    assert [f.extra["field"] for f in found] == ["objects[0].globalCompositeOperation"]
    assert all(f.severity == "warning" for f in found)


def test_pattern_source_file_next_to_the_design(tmp_path: Path) -> None:
    tile = pyvips.Image.black(4, 4).draw_rect(255, 0, 0, 2, 2, fill=True).cast("uchar")
    tile.bandjoin([tile, tile]).write_to_file(str(tmp_path / "tile.png"))
    pat = {"type": "pattern", "repeat": "repeat"}
    rect = {"type": "Rect", "left": 0, "top": 0, "width": 40, "height": 40, "strokeWidth": 0}
    doc = {"version": "6.9.1", "width": 40, "height": 40, "objects": [dict(rect, fill=dict(pat, source="tile.png"))]}
    png = pyvips.Image.new_from_buffer(render_design(doc, base_dir=tmp_path, format="png").data, "")
    px = np.ndarray(buffer=png[0].write_to_memory(), dtype=np.uint8, shape=(40, 40))
    assert px[1, 1] == 255 and px[1, 3] == 0 and px[5, 5] == 255  # the 4 px tile repeats from the origin
    bad = [dict(rect, fill=dict(pat, source=s)) for s in ("../tile.png", "https://example.com/t.png")]
    with pytest.raises(DesignError) as exc:
        render_design({"version": "6.9.1", "width": 40, "height": 40, "objects": bad}, base_dir=tmp_path / "sub")
    assert [p.field for p in exc.value.problems] == ["objects[0].fill.source", "objects[1].fill.source"]
