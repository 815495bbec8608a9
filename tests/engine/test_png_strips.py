"""The strip PNG encoder (issue 22): rows deflated in strips on the pool, joined into one zlib stream.

Read back by decoders that did not write it (Pillow, libvips, Python's zlib on the raw IDAT stream): the
same pixels as libvips' own ``pngsave`` of the same image, one complete zlib stream with the right Adler-32,
the same bytes on every run whether the strips are deflated on the pool or inline.
"""

from __future__ import annotations

import io
import random
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
import pyvips
from PIL import Image

from render_engine.backends import ahead, png_strips, writers
from render_engine.backends.png_strips import adler32_combine, write_png_strips
from render_engine.backends.writers import write_png
from render_engine.engine import Engine
from render_engine.pipeline import render_file
from tests.conftest import EXAMPLES


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, out = 8, []
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + n]
        assert struct.unpack(">I", data[pos + 8 + n : pos + 12 + n])[0] == zlib.crc32(kind + body)
        out.append((kind, body))
        pos += 12 + n
    return out


def _noise(w: int, h: int, bands: int, seed: int) -> pyvips.Image:
    """A photo-like image (smooth gradients + noise) with hard edges; alpha varies when bands == 4."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([(x * 255 // max(1, w - 1)), (y * 255 // max(1, h - 1)), ((x + y) % 256)], axis=-1)
    arr = (base + rng.integers(-6, 7, base.shape)).clip(0, 255).astype(np.uint8)
    arr[h // 3 : h // 2, w // 4 : w // 2] = (200, 30, 90)
    if bands == 4:
        arr = np.dstack([arr, ((x * 3 + y) % 256).astype(np.uint8)])
    img = pyvips.Image.new_from_memory(np.ascontiguousarray(arr).tobytes(), w, h, bands, "uchar")
    return img.copy(interpretation="srgb", xres=11.811, yres=11.811)


def _pixels(img: pyvips.Image) -> np.ndarray:
    return np.ndarray(buffer=img.write_to_memory(), dtype=np.uint8, shape=(img.height, img.width, img.bands))


def _encode(img: pyvips.Image, icc: bytes) -> bytes:
    f = io.BytesIO()
    write_png_strips(img, f, icc, img.xres)
    return f.getvalue()


@pytest.mark.parametrize(("w", "h", "bands"), [(613, 257, 3), (613, 257, 4), (1, 1, 3), (5, 1, 4), (1, 300, 3)])
def test_strips_decode_to_the_same_pixels_as_libvips_pngsave(
    monkeypatch: pytest.MonkeyPatch, w: int, h: int, bands: int
) -> None:
    monkeypatch.setattr(png_strips, "STRIP_BYTES", 4000)  # many strips, the last one short
    img = _noise(w, h, bands, seed=w * h)
    data = _encode(img, b"icc-test")
    ours = np.asarray(Image.open(io.BytesIO(data))).reshape(h, w, bands)
    theirs = np.asarray(Image.open(io.BytesIO(img.pngsave_buffer(compression=6)))).reshape(h, w, bands)
    assert np.array_equal(ours, theirs)
    assert np.array_equal(_pixels(pyvips.Image.new_from_buffer(data, "")), _pixels(img))


def test_one_zlib_stream_with_the_adler32_of_every_filtered_row(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(png_strips, "STRIP_BYTES", 10_000)
    img = _noise(700, 90, 3, seed=3)
    chunks = _chunks(_encode(img, b"profile"))
    kinds = [k for k, _ in chunks]
    assert kinds[:3] == [b"IHDR", b"iCCP", b"pHYs"] and kinds[-1] == b"IEND"
    assert set(kinds[3:-1]) == {b"IDAT"}
    stream = b"".join(body for k, body in chunks if k == b"IDAT")
    d = zlib.decompressobj()
    raw = d.decompress(stream)  # raises on a bad Adler-32 or a broken stream
    assert d.eof and d.unused_data == b""
    stride = 700 * 3
    assert len(raw) == 90 * (stride + 1)
    rows = np.frombuffer(raw, np.uint8).reshape(90, stride + 1)
    assert (rows[:, 0] == 1).all()  # filter "sub" on every row
    ihdr = struct.unpack(">IIBBBBB", chunks[0][1])
    assert ihdr == (700, 90, 8, 2, 0, 0, 0)
    name, _, rest = chunks[1][1].partition(b"\x00")
    assert name == b"icc" and rest[0] == 0 and zlib.decompress(rest[1:]) == b"profile"
    assert struct.unpack(">IIB", chunks[2][1]) == (11811, 11811, 1)


def test_same_bytes_on_the_pool_and_inline_and_every_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(png_strips, "STRIP_BYTES", 20_000)
    img = _noise(500, 200, 4, seed=7)
    first, second = _encode(img, b"p"), _encode(img, b"p")
    inline = ahead.submit(_encode, img, b"p").result()  # a pool job deflates its strips itself
    assert first == second == inline


def test_flat_strips_deflate_at_the_flat_level_photo_strips_at_level_3() -> None:
    flat = png_strips._filtered(np.full((40, 300), 255, np.uint8), 3)
    noisy = png_strips._filtered(
        np.frombuffer(_noise(100, 40, 3, seed=1).write_to_memory(), np.uint8).reshape(40, 300), 3
    )
    assert png_strips._level(flat) == png_strips.FLAT_LEVEL != png_strips.LEVEL == png_strips._level(noisy)


def test_a_flat_page_is_small_and_shows_the_same_pixels() -> None:
    white = pyvips.Image.black(2000, 900, bands=4).new_from_image([255, 255, 255, 0]).cast("uchar")
    white = white.copy(interpretation="srgb")
    data = _encode(white.copy(xres=11.811, yres=11.811), b"p")
    assert len(data) < 40_000  # 7.2 MB of transparent white
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(data))), _pixels(white))


def test_adler32_combine_matches_zlib() -> None:
    rng = random.Random(5)
    for _ in range(50):
        a = rng.randbytes(rng.randrange(0, 70_000))
        b = rng.randbytes(rng.randrange(0, 70_000))
        assert adler32_combine(zlib.adler32(a), zlib.adler32(b), len(b)) == zlib.adler32(a + b)


@pytest.mark.parametrize("example", ["mug-11oz-photo-name.json", "tshirt-front-dtg-team.json"])
def test_a_rendered_print_png_shows_what_libvips_pngsave_showed(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, example: str
) -> None:
    """A print PNG (RGB mug, RGBA t-shirt) through the strip encoder and through libvips' pngsave: Pillow
    reads the same pixels, profile and resolution; the strip file is at most ~10 % larger."""
    ours = render_file(EXAMPLES / example, engine, tmp_path / "a", fmt="png", dpi=100).path
    monkeypatch.setattr(writers, "STRIPS", False)
    ref = render_file(EXAMPLES / example, engine, tmp_path / "b", fmt="png", dpi=100).path
    with Image.open(ours) as a, Image.open(ref) as b:
        assert a.mode == b.mode and a.size == b.size and a.info["dpi"] == b.info["dpi"]
        assert a.info["icc_profile"] == b.info["icc_profile"] == engine.icc.srgb_profile_data()
        assert np.array_equal(np.asarray(a), np.asarray(b))
    assert ours.read_bytes() != ref.read_bytes()  # two encoders really ran
    assert ours.stat().st_size <= 1.1 * ref.stat().st_size


def test_write_png_keeps_libvips_for_other_formats(tmp_path: Path) -> None:
    grey = pyvips.Image.black(40, 30) + 77
    out = write_png(grey.cast("uchar").copy(xres=4.0, yres=4.0), tmp_path / "g.png", b"not-used")
    with Image.open(out) as im:
        assert im.mode == "L" and np.asarray(im).max() == 77
