"""Cushion and keychain scenes of their own, front and back (issue #18, scripts/make_gift_scenes.py): a print
shows on the product where the scene's quad puts it and nowhere else; the back is the product turned over (its
scene mirrored); the keychain's ring is drawn over the print; the licence is recorded beside the PNGs."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from render_engine import render_mockup

ROOT = Path(__file__).resolve().parents[2]
SIZES = {"cushion-40x40": (400.0, 400.0), "keychain-acrylic-50x60": (50.0, 60.0)}


def _mask(folder: str) -> np.ndarray:
    return np.asarray(Image.open(ROOT / "mockups" / folder / "mask.png").convert("L"), dtype=np.int32)


@pytest.mark.parametrize("template_id", list(SIZES))
@pytest.mark.parametrize("surface", ["front", "back"])
def test_a_red_print_lands_on_the_product_of_its_own_scene(template_id: str, surface: str) -> None:
    spec = json.loads((ROOT / "templates_print" / f"{template_id}.json").read_text(encoding="utf-8"))
    section = spec["mockup"] if surface == "front" else spec["surfaces"]["back"]["mockup"]
    folder = section.get("scene", template_id)
    assert folder == (template_id if surface == "front" else f"{template_id}-back")  # not another product's
    assert "procedural" in json.loads((ROOT / "mockups" / folder / "scene.json").read_text())["licence"]
    w, h = SIZES[template_id]
    box = {"x": -5, "y": -5, "width": w + 10, "height": h + 10}
    layer = {"type": "shape", "shape": "rect", "fill": "#e00000", "box": box}
    design = {"version": 1, "template": template_id, "surfaces": {surface: {"layers": [layer]}}}
    png = render_mockup(design, width=section["size"][0], format="png", surface=surface)
    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int32)
    red = (img[..., 0] > img[..., 1] + 70) & (img[..., 0] > img[..., 2] + 70)
    mask = _mask(folder)
    inside, outside = mask > 250, mask < 5
    assert red[inside].mean() > 0.9, red[inside].mean()  # the print covers the product (ring, glare aside)
    assert red[outside].mean() < 0.001  # and nothing else
    (corners,) = [f["corners"] for f in section["mapping"]["faces"]]
    cx, cy = np.mean([c[0] for c in corners]), np.mean([c[1] for c in corners])
    ys, xs = np.nonzero(red)
    assert abs(xs.mean() - cx) < 25 and abs(ys.mean() - cy) < 25  # where the quad says


@pytest.mark.parametrize("template_id", list(SIZES))
def test_the_back_is_the_product_turned_over(template_id: str) -> None:
    front, back = _mask(template_id), _mask(f"{template_id}-back")
    mirrored, same = np.abs(front[:, ::-1] - back).mean(), np.abs(front - back).mean()
    assert mirrored < 1.0 and same > 5 * mirrored, (mirrored, same)  # mirrored left for right, not the same


def test_the_keychains_ring_is_drawn_over_the_print() -> None:
    occ = np.asarray(Image.open(ROOT / "mockups" / "keychain-acrylic-50x60" / "occluder.png").convert("RGBA"))
    mask = _mask("keychain-acrylic-50x60")
    assert ((occ[..., 3] > 200) & (mask > 250)).sum() > 100  # the ring passes in front of the acrylic
