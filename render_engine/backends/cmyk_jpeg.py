"""The print PDF's CMYK JPEG from CMYK pixels in memory: libjpeg-turbo through Pillow, byte for byte what
libvips' ``jpegsave`` writes with the same settings, for about two thirds of its CPU.

Why: on a warm mug PDF the photo's CMYK JPEG (3 megapixels, 4:4:4, Q90) is the last link of the critical
path, ~30-34 ms of CPU in libvips' ``jpegsave_buffer`` against ~21 ms for the same libjpeg work called
directly by Pillow's encoder (issue 22; libvips feeds libjpeg one scanline at a time through its sink and
write-behind thread). Both are baseline libjpeg encoders with the islow DCT, the standard quantisation tables
scaled to the quality, libjpeg's standard Huffman tables (no ``optimize_coding``), no subsampling, an Adobe
``APP14`` marker and inverted CMYK, so they write the same bytes; :func:`agrees` checks that on a fixed
image once per process (~1 ms), and the callers fall back to libvips when it does not hold (another libjpeg
build), so the output never depends on which encoder ran.

Pillow holds the GIL while it encodes (in 64 kB pieces of output: other threads run between them). It is
imported only where a CMYK JPEG is made from memory (a warm process's exact-colour-table path), never by a
fresh ``render-engine render``, whose first page streams through littleCMS and libvips' encoder.
"""

from __future__ import annotations

import io
import threading
from typing import Any

import pyvips

_agrees: bool | None = None
_lock = threading.Lock()


def _vips(data: Any, width: int, height: int, quality: int) -> bytes:
    mem = pyvips.Image.new_from_memory(data, width, height, 4, "uchar")
    try:
        # no optimize_coding: libjpeg would buffer every coefficient of the image (~400 MB for 24 MP CMYK)
        return bytes(mem.copy(interpretation="cmyk").jpegsave_buffer(Q=quality, keep="none", subsample_mode="off"))
    finally:
        mem.invalidate()  # drops the operations on it from libvips' cache (they would keep the pixels alive)


def _pillow(data: Any, width: int, height: int, quality: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.frombuffer("CMYK", (width, height), data, "raw", "CMYK", 0, 1).save(
        out, "JPEG", quality=quality, subsampling=0, optimize=False, progressive=False
    )
    return out.getvalue()


def _probe() -> bytes:
    """A fixed 40 x 24 CMYK image: gradients in every band, an edge and flat areas (both encoders' paths)."""
    return bytes(((x * 7 + y * 3 + b * 61) % 256 if (x // 8 + y // 8) % 3 else (b * 85 + 17) % 256)
                 for y in range(24) for x in range(40) for b in range(4))  # fmt: skip


def agrees() -> bool:
    """Whether Pillow's libjpeg writes what libvips' does, on :func:`_probe` at a few qualities (once a
    process; False when Pillow cannot load)."""
    global _agrees
    with _lock:
        if _agrees is None:
            try:
                probe = _probe()
                _agrees = all(_pillow(probe, 40, 24, q) == _vips(probe, 40, 24, q) for q in (50, 90, 100))
            except (ImportError, OSError, ValueError):
                _agrees = False
        return _agrees


def encode(data: Any, width: int, height: int, quality: int) -> bytes:
    """CMYK pixels (``width * height * 4`` bytes, any buffer) as the PDF's JPEG: Q ``quality``, 4:4:4, no
    metadata, inverted CMYK with an Adobe marker (what ``jpegsave_buffer(Q=quality, keep="none",
    subsample_mode="off")`` writes)."""
    if agrees():
        return _pillow(data, width, height, quality)
    return _vips(data, width, height, quality)
