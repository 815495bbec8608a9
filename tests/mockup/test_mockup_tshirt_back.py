"""The t-shirt's back surface on a t-shirt seen from behind (issue #18, scripts/make_mockup_scenes.py
make_tee(back=True), scene folder tshirt-dtg-back): the shallow back neckline, the print where the scene's
displace rectangle puts it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
from PIL import Image

from render_engine import render_mockup

ROOT = Path(__file__).resolve().parents[2]


def test_the_back_print_shows_on_a_shirt_seen_from_behind() -> None:
    design = {"version": 1, "template": "tshirt-dtg", "surfaces": {"back": {"layers": [
        {"type": "shape", "shape": "rect", "fill": "#e00000", "box": {"x": 0, "y": 0, "width": 304.8,
                                                                     "height": 406.4}}]}}}  # fmt: skip
    spec = json.loads((ROOT / "templates_print" / "tshirt-dtg.json").read_text(encoding="utf-8"))
    back = spec["surfaces"]["back"]["mockup"]
    assert back["scene"] == "tshirt-dtg-back" and back["default_view"] == "back"
    png = render_mockup(design, width=1000, format="png", surface="back")
    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int32)
    assert img.shape == (back["size"][1], back["size"][0], 3)
    x0, y0, x1, y1 = back["mapping"]["rect"]
    inner = img[int(y0) + 30 : int(y1) - 30, int(x0) + 30 : int(x1) - 30]
    red = (inner[..., 0] > inner[..., 2] + 80) & (inner[..., 0] > inner[..., 1] + 80)
    assert red.mean() > 0.97, red.mean()
    outside = img[int(y1) + 40 : int(y1) + 80, int(x0) : int(x1)]  # fabric below the print: no red
    assert not ((outside[..., 0] > outside[..., 2] + 80).any())

    def mask(folder: str) -> np.ndarray:
        return np.asarray(Image.open(ROOT / "mockups" / folder / "mask.png").convert("L"))

    # below the shoulder seam at the centre: the back of the shirt, the front's neckline opening
    assert mask("tshirt-dtg-back")[112, 500] > 200 and mask("tshirt-front-dtg")[112, 500] < 50
