"""What Fabric's Node render draws that the engine drew differently (issue 17's residue), against Fabric 6.9.1's
own renders at 1x and 2x (tests/fabric_corpus/fabdraw/v6, made by ``node tools/fabric-corpus/fabdraw.js 6``;
docs/fabric.md, "Where Node puts glyphs and pictures"):

* ``bold_emoji`` — emoji of bold lines in ``"Noto Sans, Noto Emoji"`` / ``"Dancing Script, Noto Emoji"``:
  node-canvas asks fontconfig for the weight of the bold face it picked, and fontconfig emboldens the regular
  emoji face (FreeType, 1/24 em). Before (regular emoji): 0.9806 / 1.30 % (1x), 0.9800 / 1.10 % (2x).
* ``measured_background`` — centred Arabic and Devanagari lines with ``textBackgroundColor``: Fabric draws an
  ``ltr`` object's line from its left with ``textAlign: left`` (an Arabic one too) and paints the background
  over its per-character measure. Before: 0.9632 / 1.86 %, 0.9711 / 1.73 %.
* ``knockout_group`` — ``destination-out`` text in an uncached group erasing the canvas under it (flattened):
  0.9977 / 0.00 % (1x), 1.0000 / 0.00 % (2x) before and after.
* ``group_bg_shadow_text`` — text in groups with ``backgroundColor`` and a shadow: the group's
  ``_renderBackground`` takes the shadow off after painting, so the children cast none. Before (every child
  casting it): 0.9799 / 2.98 %, 0.9863 / 3.03 %.
* ``dashed_text_stroke`` — dashed text strokes, one with charSpacing, one ``strokeUniform`` at 1.6x: text
  ignores ``strokeUniform`` (``_renderTextStroke`` never unscales). Before: 0.9674 / 2.26 %, 0.9704 / 1.71 %.
* ``indic_spaced`` — letter-spaced Devanagari (``charSpacing``), drawn by Fabric one grapheme at a time, by
  Fabric 5 one code point at a time (tests/fabric_corpus/fabdraw/v5, ``node fabdraw.js 5``).

Thresholds sit between the scores before and after (SSIM, share of pixels off by more than 32 levels, over
white, as tools/fabric-corpus/score_corpus.py measures).
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from PIL import Image
from skimage.metrics import structural_similarity

from render_engine import render_design
from render_engine.backends.raster import draw_raster
from render_engine.engine import Engine
from render_engine.fabric import FabricOptions, load_fabric_json
from render_engine.layout.text import layout_text
from render_engine.pipeline import prepare
from tests.pdf_support import box_reduced, cmyk_print_page, ghostscript_png, rgb
from tests.toolkit import cmyk_layout, write_pdfx

ROOT = Path(__file__).resolve().parents[1] / "fabric_corpus" / "fabdraw" / "v6"
# name: (SSIM at least, pixels off at most) — after, 1x / 2x: bold_emoji 0.9998 / 0.07 %, 0.9999 / 0.01 %;
# measured_background 0.9999 / 0.01 %, 0.9998 / 0.01 %; knockout_group 0.9977 / 0.00 %, 1.0000 / 0.00 %;
# group_bg_shadow_text 0.9965 / 0.05 %, 0.9990 / 0.01 %; dashed_text_stroke 0.9922 / 0.78 %, 0.9949 / 0.48 %
CASES = {
    "bold_emoji": (0.995, 0.005),
    "measured_background": (0.995, 0.005),
    "knockout_group": (0.995, 0.002),
    "group_bg_shadow_text": (0.993, 0.005),
    "dashed_text_stroke": (0.985, 0.012),
    "indic_spaced": (0.997, 0.003),  # Fabric 6 draws graphemes: 0.9993 / 0.13 %, 0.9996 / 0.05 % (unchanged)
}
# Fabric 5 (1x): letter-spaced Devanagari drawn one code point at a time, as Fabric 5's graphemeSplit splits it
# (virama and vowel signs on their own): 0.9018 / 4.67 % drawn by grapheme before, 1.0000 / 0.01 % after
CASES_V5 = {"indic_spaced": (0.995, 0.008)}


def _on_white(im: Image.Image) -> np.ndarray:
    a = np.asarray(im.convert("RGBA")).astype(float)
    alpha = a[..., 3:4] / 255
    return (a[..., :3] * alpha + 255 * (1 - alpha)).round().astype(np.uint8)


@pytest.mark.parametrize(
    ("version", "name", "scale"),
    [("v6", n, s) for n in sorted(CASES) for s in (1, 2)] + [("v5", n, 1) for n in sorted(CASES_V5)],
)
def test_fabdraw_design_matches_fabric(version: str, name: str, scale: int) -> None:
    ssim_min, off_max = (CASES if version == "v6" else CASES_V5)[name]
    root = ROOT.parent / version
    res = render_design(root / f"{name}.json", scale=scale)
    ref = Image.open(root / f"{name}@{scale}x.png")
    ours = Image.open(io.BytesIO(res.data))
    assert ours.size == ref.size
    a, b = _on_white(ours), _on_white(ref)
    ssim = structural_similarity(a, b, channel_axis=2)
    off = float((np.abs(a.astype(int) - b.astype(int)).max(axis=2) > 32).mean())
    assert ssim >= ssim_min and off <= off_max, (ssim, off)


def _emoji_ink(tmp_path: Path, weight: str, family: str) -> tuple[float, bool]:
    """The width of a 🎂's outline in a Fabric text of ``weight``, and whether the import asks for synthetic bold."""
    obj = {"type": "text", "version": "6.9.1", "text": "🎂", "fontFamily": family, "fontWeight": weight,
           "fontSize": 72, "left": 100, "top": 50, "originX": "center", "originY": "center", "width": 92,
           "height": 81}  # fmt: skip
    doc = {"version": "6.9.1", "objects": [obj], "width": 200, "height": 100}
    engine = Engine()
    imported = load_fabric_json(doc, engine, tmp_path, None, FabricOptions())
    (layer,) = [x for x in imported.design.layers if x.type == "text"]
    block = layout_text(layer, engine.fonts, "t")
    assert block.bounds is not None
    return block.bounds.w / (block.size_pt * 25.4 / 72), layer.font.synthetic_bold


def test_emoji_of_a_bold_line_are_emboldened_by_a_24th_of_an_em(tmp_path: Path) -> None:
    regular, asked = _emoji_ink(tmp_path, "normal", "Noto Sans, Noto Emoji")
    bold, asked_bold = _emoji_ink(tmp_path, "bold", "Noto Sans, Noto Emoji")
    # a family without a bold face: node-canvas asks for that face's own (regular) weight, nothing emboldened
    no_bold, _ = _emoji_ink(tmp_path, "bold", "Kaushan Script, Noto Emoji")
    assert (asked, asked_bold) == (False, True)
    assert bold - regular == pytest.approx(1 / 24, abs=2e-3)  # FT_GlyphSlot_Embolden: em / 24 wider
    assert no_bold == pytest.approx(regular, abs=1e-6)


def test_text_ignores_stroke_uniform_as_fabric_does(tmp_path: Path) -> None:
    """Text._renderTextStroke strokes in the object's scaled space: a 2x text's 2 px stroke is 4 px wide, with
    strokeUniform or without (the import is the same)."""

    def imported(uniform: bool) -> str:
        obj = {"type": "text", "version": "6.9.1", "text": "Hi", "fontFamily": "Noto Sans", "fontSize": 40,
               "stroke": "#000000", "strokeWidth": 2, "strokeUniform": uniform, "scaleX": 2, "scaleY": 2,
               "left": 100, "top": 50, "originX": "center", "originY": "center", "width": 40, "height": 45}  # fmt: skip
        doc = {"version": "6.9.1", "objects": [obj], "width": 200, "height": 100}
        return load_fabric_json(doc, Engine(), tmp_path, None, FabricOptions()).design.model_dump_json()

    assert imported(True) == imported(False)


@pytest.mark.skipif(shutil.which("gs") is None, reason="Ghostscript is installed by scripts/check.sh")
@pytest.mark.parametrize("name", sorted(CASES))
def test_fabdraw_designs_print_as_they_preview(engine: Engine, tmp_path: Path, name: str) -> None:
    """The CMYK PDF reads back with no RGB, boxes and an output intent, and Ghostscript's render of it matches
    the soft-proofed preview (the emboldened emoji are the same outlines in both)."""
    imp = load_fabric_json(json.loads((ROOT / f"{name}.json").read_text()), engine, tmp_path)
    layout = cmyk_layout(prepare(imp.design, engine, tmp_path).layout)
    path = write_pdfx(layout, engine, tmp_path / f"{name}.pdf", name)
    with pikepdf.open(path) as doc:
        cmyk_print_page(doc)
    preview = draw_raster(layout, 150, engine.icc, transparent=False, soft_proof=True)
    want = np.ndarray(buffer=preview.write_to_memory(), dtype=np.uint8, shape=(preview.height, preview.width, 3))
    got = rgb(ghostscript_png(path, tmp_path / "gs.png", 150))
    ssim = structural_similarity(box_reduced(want, 4), box_reduced(got, 4), channel_axis=2, data_range=255)
    assert ssim >= 0.97, ssim
