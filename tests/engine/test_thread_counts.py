"""Outputs do not depend on how many threads render them (issue 22, "threads vs processes"): libvips' thread
pool size (``VIPS_CONCURRENCY``, ``pyvips.concurrency_set``) changes which thread computes which tile, never a
byte of the PDF (photo + RGBA clip-art through littleCMS on a process's first page and through the exact colour
table after it) or of the print PNG (the strip encoder)."""

from __future__ import annotations

from pathlib import Path

import pytest
import pyvips

from render_engine import Engine, render_design
from render_engine.model.settings import Settings
from render_engine.testing import synth


@pytest.fixture(scope="module")
def design(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, object], Path]:
    folder = tmp_path_factory.mktemp("threads")
    synth.save_jpeg(synth.landscape(1600, 1200), folder / "photo.jpg")
    synth.save_png(synth.clipart(640, 500), folder / "clip.png")
    return {
        "version": 1,
        "template": "mug-11oz",
        "layers": [
            {"type": "image", "asset": "photo.jpg", "box": {"x": -2, "y": -2, "width": 232.6, "height": 92.9},
             "fit": "cover"},
            {"type": "image", "asset": "clip.png", "box": {"x": 150, "y": 12, "width": 60, "height": 47},
             "fit": "contain"},
            {"type": "text", "text": "Emma", "font": {"family": "noto-sans", "weight": 700}, "size": 40,
             "color": "#ffffff", "box": {"x": 12, "y": 52, "width": 120, "height": 28}},
        ],
    }, folder  # fmt: skip


def _outputs(design: dict[str, object], folder: Path, out: Path, lut_dir: Path) -> list[bytes]:
    engine = Engine(Settings(color_lut=True, color_cache_dir=lut_dir))
    files = []
    for name, fmt in (("first.pdf", "pdf"), ("table.pdf", "pdf"), ("page.png", "png")):
        res = render_design(design, out / name, format=fmt, dpi=150 if fmt == "png" else None, engine=engine,
                            base_dir=folder)  # fmt: skip
        files.append(Path(res.path).read_bytes())
    return files


def test_the_same_bytes_on_one_thread_and_on_four(design: tuple[dict[str, object], Path], tmp_path: Path) -> None:
    doc, folder = design
    before = pyvips.concurrency_get()
    try:
        runs = []
        for n in (1, 4):
            pyvips.concurrency_set(n)
            runs.append(_outputs(doc, folder, tmp_path / str(n), tmp_path / "luts"))
    finally:
        pyvips.concurrency_set(before)
    one, four = runs
    assert [len(b) > 10_000 for b in one] == [True, True, True]
    assert one[0] == one[1]  # littleCMS on the first page, the exact table on the second: the same PDF
    assert one == four
