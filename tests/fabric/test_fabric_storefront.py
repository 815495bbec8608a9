"""Storefront canvases from Fabric 5, 6 and 7 rendered as they are, through the public API, against Fabric's own
renders at 1x and 2x (tests/fabric_corpus/storefront/v<N>/, made by tools/fabric-corpus/storefront.js).

Each design is what a shop editor saves: ``canvas.toJSON()`` plus ``width``/``height``, no template. The
engine renders it with ``render_design(path, scale=…)`` — a PNG of exactly the canvas size (twice that at
scale 2), transparent where the canvas has no background — and the test composites both over white and
compares. One design uses the shop's own font ("Shop Script"), given to the engine as a storefront fonts
folder. Designs whose features the importer cannot draw yet must be refused with a DesignError naming the
field (KNOWN_GAPS); when one starts rendering it is scored like the rest.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from fontTools.ttLib import TTFont
from PIL import Image
from skimage.metrics import structural_similarity

from render_engine import render_design
from render_engine.engine import Engine
from render_engine.model.errors import DesignError
from render_engine.model.settings import Settings, bundled_dir

ROOT = Path(__file__).resolve().parents[1] / "fabric_corpus" / "storefront"
VERSIONS = sorted(p.name for p in ROOT.iterdir() if (p / "manifest.json").is_file())
CASES = [
    (v, name)
    for v in VERSIONS
    for name in json.loads((ROOT / v / "manifest.json").read_text(encoding="utf-8"))["designs"]
]
SSIM_MIN = 0.97
OFF_MAX = 0.01  # share of pixels whose largest channel difference exceeds 32 levels
# held at their measured share plus about 0.2 % (docs/fabric.md; text is drawn from hinted outlines, as cairo
# draws it, so body text and plain text strokes match to a few levels): a photo upscaled 2-3x by different
# kernels (libvips vs cairo); text measured at 0.00 % held there (borders_arcs_pattern_text's dashed strokeUniform
# text, 1.53 % / 1.37 % while text took strokeUniform, is 0.06 % / 0.12 %: under the default)
OFF_MAX_AT = {
    ("tshirt_slogan", 1): 0.002,
    ("tshirt_slogan", 2): 0.002,
    ("textbox_styles_lines", 1): 0.002,
    ("textbox_styles_lines", 2): 0.002,
    ("styled_message", 1): 0.002,
    ("wedding_invite", 1): 0.002,
    ("mug_photo_name", 1): 0.006,
}
# Fabric 5's references (node-canvas 2.11 under Fabric 5.3) differ from 6's by up to 21 levels along every
# upscaled photo edge and stroked glyph: three designs measure 1.2 % (sticker_printable_area), 1.19 %
# (mug_photo_name) and 0.74 % (multiply_texture) at 1x against Fabric 5, 0.77 %, 0.40 % and 0.40 % against 6 and 7.
OFF_MAX_V5 = {("sticker_printable_area", 1): 0.0125, ("mug_photo_name", 1): 0.014, ("multiply_texture", 1): 0.0095}
# Fabric's reference cannot show colour emoji: node-canvas's cairo 1.16 draws a COLR font's (empty) base glyphs
# and finds no other emoji font, so its render has tofu boxes or nothing where the engine draws Twemoji.
# Scored with its own floor (measured 0.946 / 3.3 % at 1x, 0.964 / 2.8 % at 2x), elsewhere it matches like the rest.
SSIM_MIN_AT = {"emoji_text": 0.93}
OFF_MAX_AT.update({("emoji_text", 1): 0.035, ("emoji_text", 2): 0.03})
# refused today, each naming its field, with the owner of the drawing feature: (field, reason)
KNOWN_GAPS: dict[str, tuple[str, str]] = {}


@pytest.fixture(scope="module")
def shop_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """An engine with the storefront fonts folder: the bundled Kaushan Script file as the shop's "Shop Script"
    (storefront.js registers the same file under that name for Fabric)."""
    folder = tmp_path_factory.mktemp("shop-fonts")
    font = TTFont(bundled_dir("fonts") / "kaushan-script" / "KaushanScript-Regular.otf")
    for rec in font["name"].names:
        if rec.nameID in (1, 16):
            rec.string = "Shop Script"
    font.save(folder / "ShopScript-Regular.otf")
    return Engine(Settings(extra_fonts_dir=folder))


def _on_white(im: Image.Image) -> np.ndarray:
    a = np.asarray(im.convert("RGBA")).astype(float)
    alpha = a[..., 3:4] / 255
    return (a[..., :3] * alpha + 255 * (1 - alpha)).round().astype(np.uint8)


@pytest.mark.parametrize(("version", "name"), CASES, ids=[f"{v}-{n}" for v, n in CASES])
def test_storefront_canvas_matches_fabric(shop_engine: Engine, version: str, name: str) -> None:
    folder = ROOT / version
    # Fabric 5: 1x, and 2x where its reference is kept (the two designs out of issue 17's bar at 2x; every v5
    # design's 2x score is in docs/fabric.md, tools/fabric-corpus/audit_corpus.py)
    scales = [s for s in (1, 2) if (folder / f"{name}@{s}x.png").is_file()]
    for scale in scales:
        try:
            res = render_design(folder / f"{name}.json", engine=shop_engine, scale=scale)
        except DesignError as exc:
            if name not in KNOWN_GAPS:
                raise
            fields = [p.field for p in exc.problems] or [exc.field]
            assert KNOWN_GAPS[name][0] in " ".join(str(f) for f in fields), fields
            pytest.xfail(f"not drawn yet: {KNOWN_GAPS[name][1]}")
        ref = Image.open(folder / f"{name}@{scale}x.png")
        ours = Image.open(io.BytesIO(res.data))
        assert ours.size == ref.size, (ours.size, ref.size)
        a, b = _on_white(ours), _on_white(ref)
        ssim = structural_similarity(a, b, channel_axis=2)
        off = float((np.abs(a.astype(int) - b.astype(int)).max(axis=2) > 32).mean())
        floor, most_off = SSIM_MIN_AT.get(name, SSIM_MIN), OFF_MAX_AT.get((name, scale), OFF_MAX)
        if version == "v5":
            most_off = OFF_MAX_V5.get((name, scale), most_off)
        assert ssim >= floor and off <= most_off, (scale, ssim, off)


def test_corpus_covers_fabric_5_6_and_7() -> None:
    majors = {json.loads((ROOT / v / "manifest.json").read_text(encoding="utf-8"))["major"] for v in VERSIONS}
    assert majors == {5, 6, 7}
    v7 = json.loads((ROOT / "v7" / "include_defaults_false.json").read_text(encoding="utf-8"))
    assert v7["version"].startswith("7.") and "originX" not in v7["objects"][0]  # the centre default, left out
