"""The raster backend prepares image layers ahead on the pool (issue 22): the pixels are those of the old
inline, random-access path, for a photo (decoded sequentially now) and for a pixelated enlargement (kept
random access: libvips' box shrink rounds differently on a sequential source)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from render_engine import load_design, render_design
from render_engine.backends import imaging, raster
from tests.conftest import EXAMPLES, ROOT


def _old_placed(item: raster.ImageItem, c: raster.Canvas) -> object:
    _x, _y, w, h = c.span(item.dest)
    return imaging.placed_pixels(
        item.info, item.crop, w, h, f"layers[{item.layer}]", sequential=False, pixelated=item.pixelated
    )


def _png(design: object, base: Path | None) -> np.ndarray:
    data = render_design(design, format="png", dpi=100, base_dir=base).data  # type: ignore[arg-type]
    return np.asarray(Image.open(io.BytesIO(data)))


@pytest.mark.parametrize("case", ["mug-11oz-photo-name", "fabric:canvas_images"])
def test_ahead_pixels_equal_the_inline_random_access_pixels(monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    if case.startswith("fabric:"):
        corpus = ROOT / "tests" / "fabric_corpus"
        m = json.loads((corpus / "manifest.json").read_text())
        size = (float(m["canvas"]["width"]), float(m["canvas"]["height"]))
        design, base = load_design(corpus / f"{case[7:]}.fabric.json", template=m["template"], canvas_size=size), None
    else:
        design, base = load_design(EXAMPLES / f"{case}.json"), EXAMPLES
    new = _png(design, base)
    monkeypatch.setattr(raster, "_placed_ahead", lambda layout, c: {})
    monkeypatch.setattr(raster, "_placed", _old_placed)
    assert np.array_equal(new, _png(design, base))
