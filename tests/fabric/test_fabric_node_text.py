"""Where Fabric's Node render (node-canvas: pango + cairo) puts glyphs and pictures, and the engine with it:
right-to-left lines anchored by whole-pixel widths, half the pair kerning on a path, rtl decorations in visual
order, and a turned image placed by its exact matrix in the raster preview (as in the PDF).

Each was measured against Fabric 6.9.1 under Node (docs/fabric.md, "Fidelity against Fabric itself").
"""

from __future__ import annotations

import base64
import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import uharfbuzz as hb
from PIL import Image

from render_engine import render_design
from render_engine.engine import Engine
from render_engine.fabric import load_fabric_json
from render_engine.layout.text import layout_text
from render_engine.model.design import Box, FontRef, TextLayer

SWEEP = Path(__file__).resolve().parents[1] / "fabric_corpus" / "sweep"
FONTS = Path(__file__).resolve().parents[2] / "fonts"


def _layer(text: str, family: str, **kw: Any) -> TextLayer:
    box = kw.pop("box", Box(x=10, y=10, width=150, height=40))
    return TextLayer(type="text", text=text, font=FontRef(family=family), size=24, box=box, **kw)


def test_rtl_line_sits_left_by_its_width_rounded_up_to_whole_pixels(engine: Engine) -> None:
    """node-canvas anchors a right-aligned run at its right end by ``pango_layout_get_pixel_extents``' width,
    which rounds up: the glyphs move left by ceil(w) - w pixels (Fabric's rtl text, Text._renderChars)."""
    px = 0.37  # mm per pixel of the space the text is drawn in
    plain = layout_text(_layer("שלום עולם", "noto-sans-hebrew", direction="rtl", align="right"), engine.fonts, "t")
    snapped = layout_text(
        _layer("שלום עולם", "noto-sans-hebrew", direction="rtl", align="right", rtl_pixel=px), engine.fonts, "t"
    )
    (line,) = plain.lines
    w_px = line.width_mm / px
    expected = (math.ceil(w_px) - w_px) * px
    assert 0.01 < expected < px  # the case is not trivial
    moves = [a.matrix.e - b.matrix.e for a, b in zip(plain.glyphs, snapped.glyphs, strict=True)]
    assert moves == pytest.approx([expected] * len(moves), abs=px / 1024)  # pango measures in 1/1024 px
    assert snapped.lines[0].x_mm == pytest.approx(line.x_mm)  # decorations keep the exact place
    # a left-to-right line is never moved
    ltr = layout_text(_layer("Hello there", "noto-sans", align="right", rtl_pixel=px), engine.fonts, "t")
    ref = layout_text(_layer("Hello there", "noto-sans", align="right"), engine.fonts, "t")
    assert [g.matrix.e for g in ltr.glyphs] == [g.matrix.e for g in ref.glyphs]


def test_rtl_style_runs_are_anchored_one_by_one(engine: Engine) -> None:
    """Fabric draws a styled rtl line a style run at a time: each run is rounded on its own width."""
    px = 0.37
    spans = [{"start": 0, "end": 4, "color": "#ff0000"}]
    kw: dict[str, Any] = {"direction": "rtl", "align": "right", "spans": spans}
    plain = layout_text(_layer("שלום עולם", "noto-sans-hebrew", **kw), engine.fonts, "t")
    snapped = layout_text(_layer("שלום עולם", "noto-sans-hebrew", rtl_pixel=px, **kw), engine.fonts, "t")
    moves = {g.cluster: a.matrix.e - g.matrix.e for a, g in zip(plain.glyphs, snapped.glyphs, strict=True)}
    first = {moves[c] for c in range(4)}
    rest = {round(moves[c], 9) for c in moves if c >= 4}
    assert len(first) == 1 and len(rest) == 1  # one move per run
    (m_first,) = first
    xs = {g.cluster: g.matrix.e for g in plain.glyphs}
    w_px = (max(xs[c] for c in range(4)) - min(xs[c] for c in range(4))) / px
    assert 0 <= m_first < px and 0 <= next(iter(rest)) < px
    assert m_first != pytest.approx(next(iter(rest)))  # two runs, two roundings
    assert w_px > 0


def test_path_text_moves_each_character_by_half_its_kerning(engine: Engine) -> None:
    """Fabric centres a character on the middle of its kerned width along the path and draws it from half its
    own width before that (_setGraphemeOnPath, _renderChars): half the pair kerning moves it."""
    text = "AVAV"
    flat = layout_text(_layer(text, "noto-sans", wrap=False, shaping="per_character"), engine.fonts, "t")
    on_path = layout_text(
        _layer(text, "noto-sans", wrap=False, shaping="per_character", path={"d": "M 0 30 L 400 30"}),
        engine.fonts,
        "t",
    )
    # the pair kerning of the font (HarfBuzz): a pair shaped together against its characters alone
    font = hb.Font(hb.Face(hb.Blob.from_file_path(str(FONTS / "noto-sans" / "NotoSans-Regular.ttf"))))

    def advance(s: str) -> int:
        buf = hb.Buffer()
        buf.add_str(s)
        buf.guess_segment_properties()
        hb.shape(font, buf, {})
        return sum(p.x_advance for p in buf.glyph_positions)

    em_mm = 24 * 25.4 / 72 / font.face.upem
    kerns = [0.0] + [
        (advance(text[i - 1 : i + 1]) - advance(text[i - 1]) - advance(text[i])) * em_mm for i in (1, 2, 3)
    ]
    assert all(k < -0.1 for k in kerns[1:])  # "AV" and "VA" kern in Noto Sans
    xs_flat = [g.matrix.e for g in flat.glyphs]
    xs_path = [g.matrix.e for g in on_path.glyphs]
    d0 = xs_path[0] - xs_flat[0]  # where the path starts against the box: the same for every character
    # flat: each character at P + kern; on the path at P + kern / 2
    shifts = [xp - xf - d0 for xp, xf in zip(xs_path, xs_flat, strict=True)]
    assert shifts == pytest.approx([-k / 2 for k in kerns], abs=1e-6)


def test_rtl_underline_spans_the_whole_line_in_visual_order(engine: Engine, tmp_path: Path) -> None:
    """An underlined right-aligned rtl textbox with a red first word: each line's underline runs from its left
    end to its right end, run after run (mirrored, as Fabric's _renderTextDecoration draws rtl)."""
    data = json.loads((SWEEP / "v6" / "rtl_textbox_styles.json").read_text(encoding="utf-8"))
    imp = load_fabric_json(data, engine, tmp_path, None)
    rects = [layer.box for layer in imp.design.layers if layer.type == "shape"]
    assert len(rects) == 3  # line 1: the red word's run and the rest; line 2: one run
    by_line: dict[float, list[tuple[float, float]]] = {}
    for r in rects:
        by_line.setdefault(round(r.y, 3), []).append((r.x, r.x + r.width))
    first, second = (sorted(v) for _y, v in sorted(by_line.items()))
    assert len(first) == 2 and first[0][1] == pytest.approx(first[1][0])  # the two runs meet
    assert first[1][1] == pytest.approx(second[0][1], abs=1e-6)  # right-aligned lines end together
    assert first[0][0] < second[0][0]  # the longer first line starts further left
    text = next(layer for layer in imp.design.layers if layer.type == "text")
    box_right = text.box.x + text.box.width
    assert first[1][1] == pytest.approx(box_right, abs=0.5)  # the lines' right end is the box's (mm)


def _png(w: int, h: int, colour: tuple[int, int, int]) -> str:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), colour).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def test_turned_image_is_centred_where_its_matrix_puts_it() -> None:
    """A turned, mirrored image of odd size at a fractional place: the raster preview's picture is centred on
    the object's centre (libvips' rotate had it up to 1.7 px off; the PDF's matrix never was)."""
    cx, cy = 300.3, 200.7
    image = {
        "type": "Image",
        "src": _png(161, 121, (0, 0, 0)),
        "left": cx,
        "top": cy,
        "width": 161,
        "height": 121,
        "scaleX": 1.5,
        "scaleY": 1.5,
        "angle": 15,
        "flipX": True,
        "originX": "center",
        "originY": "center",
        "strokeWidth": 0,
    }
    doc = {"version": "6.9.1", "width": 600, "height": 400, "objects": [image]}
    res = render_design(doc, unsupported="approximate")
    alpha = np.asarray(Image.open(io.BytesIO(res.data)).convert("RGBA"))[..., 3].astype(float) / 255
    ys, xs = np.mgrid[0 : alpha.shape[0], 0 : alpha.shape[1]]
    mx = float((alpha * (xs + 0.5)).sum() / alpha.sum())
    my = float((alpha * (ys + 0.5)).sum() / alpha.sum())
    assert (mx, my) == pytest.approx((cx, cy), abs=0.15)
    assert alpha.sum() == pytest.approx(161 * 121 * 1.5 * 1.5, rel=0.01)
