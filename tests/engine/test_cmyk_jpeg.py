"""The PDF's CMYK JPEG encoded from memory by Pillow's libjpeg (render_engine/backends/cmyk_jpeg.py, issue 22):
byte for byte what libvips' jpegsave writes, so the warm table path and the cold littleCMS path give the same
PDF whichever encoder ran."""

from __future__ import annotations

import io

import numpy as np
import pytest
import pyvips
from PIL import Image

from render_engine.backends import cmyk_jpeg

SAVE = {"keep": "none", "subsample_mode": "off"}


def _cmyk(w: int, h: int, seed: int) -> bytes:
    """Noise in the top half (every coefficient busy), smooth ramps below, odd sizes (partial MCUs)."""
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 256, (h, w, 4), dtype=np.uint8)
    ramp = (np.add.outer(np.arange(h), np.arange(w))[:, :, None] * np.array([1, 2, 3, 5]) % 256).astype(np.uint8)
    return np.ascontiguousarray(np.where(np.arange(h)[:, None, None] < h // 2, noise, ramp)).tobytes()


def test_pillow_and_libvips_agree_on_this_machine() -> None:
    assert cmyk_jpeg.agrees()


@pytest.mark.parametrize(("w", "h", "q"), [(1, 1, 90), (17, 9, 90), (709, 554, 90), (640, 481, 75), (64, 64, 100)])
def test_encode_writes_libvips_bytes(w: int, h: int, q: int) -> None:
    data = _cmyk(w, h, w * h)
    ours = cmyk_jpeg.encode(data, w, h, q)
    vips = pyvips.Image.new_from_memory(data, w, h, 4, "uchar").copy(interpretation="cmyk")
    assert ours == bytes(vips.jpegsave_buffer(Q=q, **SAVE))
    # and it reads back as the same CMYK JPEG in two decoders (Adobe-inverted, no subsampling)
    back = pyvips.Image.jpegload_buffer(ours)
    assert (back.width, back.height, back.bands, back.interpretation) == (w, h, 4, "cmyk")
    with Image.open(io.BytesIO(ours)) as im:
        assert im.mode == "CMYK" and im.size == (w, h)
        assert im.tobytes() == back.write_to_memory()


def test_a_disagreeing_pillow_falls_back_to_libvips(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cmyk_jpeg, "_agrees", None)
    monkeypatch.setattr(cmyk_jpeg, "_pillow", lambda *a: b"other bytes")
    assert not cmyk_jpeg.agrees()
    data = _cmyk(33, 20, 1)
    vips = pyvips.Image.new_from_memory(data, 33, 20, 4, "uchar").copy(interpretation="cmyk")
    assert cmyk_jpeg.encode(data, 33, 20, 90) == bytes(vips.jpegsave_buffer(Q=90, **SAVE))
