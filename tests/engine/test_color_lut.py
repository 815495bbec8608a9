"""The exact sRGB -> CMYK table (render_engine/inputs/color_lut.py, issue 22): the same bytes as littleCMS,
used by warm processes only, rebuilt rather than trusted when the stored file is wrong."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import pyvips

from render_engine import Engine, render_design
from render_engine.backends.pdf_images import encode_jpeg, table_jpeg
from render_engine.inputs import color_lut
from render_engine.model.settings import Settings
from tests.conftest import EXAMPLES


@pytest.fixture(scope="module")
def lut_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("luts")


def _converter(lut_dir: Path):  # type: ignore[no-untyped-def]
    return Engine(Settings(color_lut=True, color_cache_dir=lut_dir)).icc.converter(None)


def _photo_like(w: int = 640, h: int = 480) -> pyvips.Image:
    rng = np.random.default_rng(7)
    noise = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)  # every corner of the cube, not just smooth ramps
    ramp = np.linspace(0, 255, w, dtype=np.float64)[None, :, None] * np.ones((h, 1, 3))
    arr = np.where(np.arange(h)[:, None, None] < h // 2, noise, ramp.astype(np.uint8))
    arr = np.ascontiguousarray(arr)
    return pyvips.Image.new_from_memory(arr.data, w, h, 3, "uchar").copy(interpretation="srgb")


def test_the_table_gives_littlecms_bytes_exactly(lut_dir: Path) -> None:
    conv = _converter(lut_dir)
    img = _photo_like()
    assert conv.page_table([img]) is None  # a process's first page goes through littleCMS
    table = conv.page_table([img])
    assert table is not None
    stored = list(lut_dir.glob("srgb-cmyk-*.npy"))
    assert len(stored) == 1 and stored[0].stat().st_size > 64 * 2**20
    by_table = table.convert(img)
    by_lcms = conv.image(img)
    assert by_table.interpretation == "cmyk" and by_table.bands == 4
    assert by_table.write_to_memory() == by_lcms.cast("uchar").write_to_memory()


def test_a_damaged_table_is_rebuilt_not_used(lut_dir: Path) -> None:
    conv = _converter(lut_dir)
    conv.page_table([_photo_like(8, 8)])
    assert conv.page_table([_photo_like(8, 8)]) is not None  # stored by now (or by the test before)
    path = next(lut_dir.glob("srgb-cmyk-*.npy"))
    table = np.load(path, mmap_mode="r+")
    table[:] = 0  # every colour prints as paper white
    table.flush()
    del table
    fresh = _converter(lut_dir)
    assert fresh.preload_table()  # mapped, not yet checked
    lut = fresh.page_table([_photo_like(8, 8)])
    assert lut is not None
    img = _photo_like(64, 64)
    assert lut.convert(img).write_to_memory() == fresh.image(img).cast("uchar").write_to_memory()
    assert np.load(path, mmap_mode="r")[0] != 0  # black inks again: the file on disk was rebuilt as well


def test_pdf_bytes_are_the_same_with_and_without_the_table(tmp_path: Path, lut_dir: Path) -> None:
    design = json.loads((EXAMPLES / "mug-11oz-photo-name.json").read_text(encoding="utf-8"))
    shutil.copytree(EXAMPLES / "assets", tmp_path / "assets")
    outs = {}
    for on in (False, True):
        engine = Engine(Settings(color_lut=on, color_cache_dir=lut_dir))
        for n in range(2):  # the second page of a warm process uses the table
            out = tmp_path / f"{on}-{n}" / "mug.pdf"
            render_design(design, out, format="pdf", engine=engine, base_dir=tmp_path)
            outs[on, n] = out.read_bytes()
    assert outs[True, 1] == outs[False, 1] == outs[False, 0] == outs[True, 0]


def test_images_over_the_limit_stay_on_littlecms(lut_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conv = _converter(lut_dir)
    monkeypatch.setattr(color_lut, "LUT_MAX_PIXELS", 100)
    img = _photo_like(20, 20)
    assert conv.page_table([img]) is None and conv.page_table([img]) is None


def test_the_compressed_output_intent_profile_is_kept_and_checked(tmp_path: Path) -> None:
    import zlib

    def catalog_profile():  # type: ignore[no-untyped-def]
        return Engine(Settings(color_cache_dir=tmp_path)).icc.cmyk_profile(None)

    prof = catalog_profile()
    assert prof.deflated == zlib.compress(prof.data, 6)
    (stored,) = tmp_path.glob("deflate6-*.z")
    stored.write_bytes(zlib.compress(b"not the profile"))  # a wrong copy is not used
    assert catalog_profile().deflated == zlib.compress(prof.data, 6)
    assert zlib.decompress(stored.read_bytes()) == prof.data  # and was replaced


def test_the_streamed_lookup_of_a_sequential_jpeg_gives_littlecms_bytes(
    tmp_path: Path, lut_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 18: the table reads its source strip by strip as libvips writes it (a lazy, sequential JPEG decode
    and resize, as a book page's photo), even when the writes split pixels (here into 7-byte pieces); the JPEG is
    byte for byte littleCMS's."""
    path = tmp_path / "photo.jpg"
    _photo_like(1200, 900).jpegsave(str(path), Q=90)
    conv = _converter(lut_dir)
    conv.page_table([_photo_like(8, 8)])
    table = conv.page_table([_photo_like(8, 8)])
    assert table is not None

    def placed() -> pyvips.Image:
        img = pyvips.Image.new_from_file(str(path), access="sequential", fail_on="error")
        return img.crop(100, 0, 900, 900).resize(0.77, kernel="lanczos3").cast("uchar")

    by_lcms = encode_jpeg(conv.image(placed()), 92)
    assert table_jpeg(table, placed(), 92) == by_lcms
    writes: list[int] = []

    class Splitting(pyvips.TargetCustom):  # type: ignore[misc]
        def on_write(self, handler):  # type: ignore[no-untyped-def,override]
            def split(chunk):  # type: ignore[no-untyped-def]
                data = bytes(chunk)
                for i in range(0, len(data), 7):
                    writes.append(handler(data[i : i + 7]))
                return len(data)

            super().on_write(split)

    monkeypatch.setattr(color_lut.pyvips, "TargetCustom", Splitting)
    assert table_jpeg(table, placed(), 92) == by_lcms
    assert len(writes) > 1000 and set(writes) <= {7, 6, 5, 4, 3, 2, 1}
