"""Randomised storefront designs from Fabric 5, 6 and 7 against Fabric's own renders at 1x and 2x
(tests/fabric_corpus/random/v<N>/, a subset of what tools/fabric-corpus/random_corpus.js makes).

Each design is what a shop editor saves — personalised mugs, tees, cards, posters, phone cases and stickers:
photos with filters, shadows and rounded or circular clips, names in the bundled Google fonts with strokes,
shadows, charSpacing and lineHeight, justified and wrapped textboxes, IText with coloured or bold words,
SVG and PNG clip-art, shapes with gradients and dashes — as ``canvas.toJSON()`` plus its size, rendered
through the public API with no template. Over white: SSIM >= 0.97 and at most 1 % of pixels off by more
than 32 levels, as tests/fabric/test_fabric_storefront.py measures. The whole generated corpus (~70 designs) is
scored by tools/fabric-corpus/score_corpus.py; docs/fabric.md has the numbers.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage.metrics import structural_similarity

from render_engine import render_design

ROOT = Path(__file__).resolve().parents[1] / "fabric_corpus" / "random"
CASES = [
    (v.name, name)
    for v in sorted(ROOT.iterdir())
    if (v / "manifest.json").is_file()
    for name in json.loads((v / "manifest.json").read_text(encoding="utf-8"))["designs"]
]
SSIM_MIN = 0.97
OFF_MAX = 0.01  # share of pixels whose largest channel difference exceeds 32 levels


def _on_white(im: Image.Image) -> np.ndarray:
    a = np.asarray(im.convert("RGBA")).astype(float)
    alpha = a[..., 3:4] / 255
    return (a[..., :3] * alpha + 255 * (1 - alpha)).round().astype(np.uint8)


@pytest.mark.parametrize(("version", "name"), CASES, ids=[f"{v}-{n}" for v, n in CASES])
def test_random_storefront_design_matches_fabric(version: str, name: str) -> None:
    folder = ROOT / version
    scales = [s for s in (1, 2) if (folder / f"{name}@{s}x.png").is_file()]
    assert scales
    for scale in scales:
        res = render_design(folder / f"{name}.json", scale=scale)
        ref = Image.open(folder / f"{name}@{scale}x.png")
        ours = Image.open(io.BytesIO(res.data))
        assert ours.size == ref.size, (ours.size, ref.size)
        a, b = _on_white(ours), _on_white(ref)
        ssim = structural_similarity(a, b, channel_axis=2)
        off = float((np.abs(a.astype(int) - b.astype(int)).max(axis=2) > 32).mean())
        assert ssim >= SSIM_MIN and off <= OFF_MAX, (scale, ssim, off)


def test_random_corpus_covers_fabric_5_6_and_7() -> None:
    majors = {json.loads((ROOT / v / "manifest.json").read_text(encoding="utf-8"))["major"] for v, _ in CASES}
    assert majors == {5, 6, 7}
