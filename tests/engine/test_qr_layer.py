"""The ``qr`` layer: parsed into a path shape of its dark modules, vector in the print PDF (filled paths, no
image), and readable: poppler's raster of the PDF and the engine's own PNG both decode (OpenCV) to the data."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pikepdf
import pytest

from render_engine.model.design import ShapeLayer, parse_design
from render_engine.model.errors import DesignError
from render_engine.pipeline import render_design

DATA = "https://shop.example/story/8f3a2c"


def card(**qr: Any) -> dict[str, Any]:
    layer = {"type": "qr", "data": DATA, "box": {"x": 20, "y": 30, "width": 40, "height": 50}, **qr}
    return {"version": 1, "template": "card-5x7", "layers": [{"type": "background", "color": "#ffffff"}, layer]}


def test_qr_layer_becomes_a_square_path_shape_and_refuses_unreadable_sizes() -> None:
    design = parse_design(card(color="#1d3557"))
    shape = design.layers[1]
    assert isinstance(shape, ShapeLayer) and shape.shape == "path"
    assert shape.box is not None and (shape.box.x, shape.box.y, shape.box.width, shape.box.height) == (20, 35, 40, 40)
    import segno

    modules = len(list(segno.make(DATA, error="m", micro=False).matrix_iter(border=4)))
    assert shape.d is not None and shape.d.startswith(f"M{4 * 40 / modules:.4f} {4 * 40 / modules:.4f}h")
    with pytest.raises(DesignError) as err:
        parse_design(card(data="x" * 400, box={"x": 0, "y": 0, "width": 12, "height": 12}))
    assert err.value.field == "layers[1]" and "at least" in err.value.message
    with pytest.raises(DesignError) as err:
        parse_design(card(error_correction="X"))
    assert err.value.field == "layers[1].error_correction"


def _decode(gray: np.ndarray) -> str:
    import cv2

    text, _, _ = cv2.QRCodeDetector().detectAndDecode(gray)
    return str(text)


def test_qr_layer_is_vector_in_the_pdf_and_decodes_from_pdf_and_png(tmp_path: Path, engine: Any) -> None:
    import cv2

    design = parse_design(card())
    pdf_path = render_design(design, engine, tmp_path / "card.pdf", base_dir=tmp_path, fmt="pdf").path
    pdf = pikepdf.open(pdf_path)
    page = pdf.pages[0]
    ops = [str(op) for _, op in pikepdf.parse_content_stream(page)]
    assert ops.count("re") + ops.count("h") > 100 and "Do" not in ops  # module paths, no placed image
    assert not page.get_images()
    png = subprocess.run(["pdftoppm", "-r", "200", "-gray", "-png", str(pdf_path)], capture_output=True,
                         check=True).stdout  # fmt: skip
    assert _decode(cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)) == DATA

    png_path = render_design(design, engine, tmp_path / "card.png", base_dir=tmp_path, fmt="png", dpi=150).path
    img = cv2.imread(str(png_path), cv2.IMREAD_GRAYSCALE)
    assert _decode(img) == DATA
