"""Every example renders like its approved golden image (40 DPI PNG), within a stated tolerance.

Tolerance: SSIM >= 0.99 and PSNR >= 35 dB against tests/golden/<example>.png. Small differences come
from libvips/librsvg anti-aliasing and JPEG decoder versions; a layout change (a moved line, a different
crop, a wrong colour) drops SSIM well below 0.99.

Goldens are regenerated only on request:

    RENDER_ENGINE_UPDATE_GOLDENS=1 python -m pytest tests/engine/test_golden.py

then look at the images in tests/golden/ before committing them.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from render_engine.engine import Engine
from render_engine.pipeline import render_file
from tests.conftest import EXAMPLES, ROOT, V1_EXAMPLES

GOLDEN = ROOT / "tests" / "golden"
DPI = 40
UPDATE = os.environ.get("RENDER_ENGINE_UPDATE_GOLDENS") == "1"


def _rgb(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        if im.mode == "RGBA":  # compare transparent prints over a fixed grey, as a person would see them
            bg = Image.new("RGBA", im.size, (128, 128, 128, 255))
            im = Image.alpha_composite(bg, im)
        return np.asarray(im.convert("RGB"))


@pytest.mark.parametrize("example", [p.name for p in V1_EXAMPLES])  # multi-surface: test_surfaces.py
def test_example_matches_golden(engine: Engine, tmp_path: Path, example: str) -> None:
    out = render_file(EXAMPLES / example, engine, tmp_path, fmt="png", dpi=DPI).path
    golden = GOLDEN / f"{example.removesuffix('.json')}.png"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        golden.write_bytes(out.read_bytes())
        pytest.skip(f"golden written: {golden.relative_to(ROOT)}")
    if not golden.exists():
        pytest.fail(f"missing golden {golden.relative_to(ROOT)}: run RENDER_ENGINE_UPDATE_GOLDENS=1 "
                    "python -m pytest tests/engine/test_golden.py and check the image")
    got, want = _rgb(out), _rgb(golden)
    assert got.shape == want.shape
    ssim = structural_similarity(want, got, channel_axis=2, data_range=255)
    psnr = peak_signal_noise_ratio(want, got, data_range=255) if not np.array_equal(want, got) else float("inf")
    assert ssim >= 0.99, f"SSIM {ssim:.4f} < 0.99"
    assert psnr >= 35, f"PSNR {psnr:.1f} dB < 35"
