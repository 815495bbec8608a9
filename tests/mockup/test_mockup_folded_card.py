"""The folded card's mockup (issue #18): its outside stands half open on a table, back and front panels each a
face of the scene (scripts/make_product_scenes.py). A design's pixels land where each panel's homography
(recomputed here with OpenCV from the scene's declared corners) puts them, at the scene's size."""

from __future__ import annotations

import io
import json
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from render_engine import render_mockup

ROOT = Path(__file__).resolve().parents[2]


def _rect(x: float, colour: str) -> dict[str, object]:
    box = {"x": x, "y": -3.175, "width": 127, "height": 184.15}
    return {"type": "shape", "shape": "rect", "fill": colour, "box": box}


def test_the_outside_stands_folded_with_each_panel_on_its_face() -> None:
    design = {"version": 1, "template": "card-folded-5x7", "surfaces": {"outside": {"layers": [
        {"type": "background", "color": "#ffffff"}, _rect(-3.175, "#e00000"), _rect(127, "#0000e0")]}}}  # fmt: skip
    png = render_mockup(design, width=1000, format="png", surface="outside")
    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int32)
    spec = json.loads((ROOT / "templates_print" / "card-folded-5x7.json").read_text(encoding="utf-8"))["mockup"]
    assert img.shape == (spec["size"][1], spec["size"][0], 3)
    faces = spec["mapping"]["faces"]
    assert [f["rect_mm"][0] for f in faces] == [0, 127.0], "back panel, then front panel"
    for f, want in zip(faces, ("red", "blue"), strict=True):
        x, y, w, h = (float(v) for v in f["rect_mm"])
        src = np.float32([[x, y], [x + w, y], [x + w, y + h], [x, y + h]])
        m = cv2.getPerspectiveTransform(src, np.float32(f["corners"]))
        for u, v in ((0.25, 0.25), (0.5, 0.5), (0.75, 0.75)):
            p = cv2.perspectiveTransform(np.float32([[[x + u * w, y + v * h]]]), m)[0, 0]
            r, g, b = img[round(float(p[1])), round(float(p[0]))]
            if want == "red":
                assert r > b + 60 and r > g + 60, (want, u, v, (r, g, b))
            else:
                assert b > r + 60 and b > g + 40, (want, u, v, (r, g, b))
    # the wall above the card shows no print
    r, g, b = img[60, 500]
    assert abs(r - b) < 25, (r, g, b)
