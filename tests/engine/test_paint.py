"""Paint (gradients), blend modes, stroke styles and affine images in the native model, both backends.

Pixel oracles compute expected probe values independently (linear interpolation along the gradient line,
the PDF 1.7 blend formulas by hand); PDFs are read back with pikepdf (shading types, functions, /BM, soft
masks, no RGB) and rasterised by Ghostscript to compare with the soft-proofed raster preview (SSIM).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pikepdf
import pytest
from PIL import Image
from skimage.metrics import structural_similarity

from render_engine.engine import Engine
from render_engine.model.design import parse_design
from render_engine.model.errors import DesignError
from render_engine.pipeline import render_file
from tests import fixtures
from tests.conftest import design, write_design
from tests.pdf_support import box_reduced, ghostscript_png, rgb

MUG_BLEED = 2.0  # mug-11oz: 228.6 x 88.9 mm trim, 2 mm bleed


def _png(engine: Engine, folder: Path, d: dict[str, Any], dpi: float = 100, **kw: Any) -> np.ndarray:
    path = render_file(write_design(folder, d), engine, folder / "out", fmt="png", dpi=dpi, **kw).path
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB")).astype(np.int32)


def _px(mm_x: float, mm_y: float, dpi: float = 100) -> tuple[int, int]:
    """Canvas pixel (row, col) of the trim point (mm), for the mug's 2 mm bleed."""
    k = dpi / 25.4
    return int((mm_y + MUG_BLEED) * k), int((mm_x + MUG_BLEED) * k)


def _rect(x: float, y: float, w: float, h: float, **kw: Any) -> dict[str, Any]:
    return {"type": "shape", "shape": "rect", "box": {"x": x, "y": y, "width": w, "height": h}, **kw}


BLACK_WHITE = [{"offset": 0, "color": "#000000"}, {"offset": 1, "color": "#ffffff"}]


# ------------------------------------------------------------------------------------------- the model


def test_paint_is_accepted_wherever_a_colour_is() -> None:
    grad = {"type": "linear", "stops": BLACK_WHITE}
    d = parse_design(
        design(
            "mug-11oz",
            {"type": "background", "color": grad},
            _rect(0, 0, 10, 10, fill=grad, stroke={"color": {**grad, "type": "radial"}, "width": 2}),
            {
                "type": "text",
                "text": "ab",
                "font": {"family": "noto-sans"},
                "size": 20,
                "color": grad,
                "box": {"x": 0, "y": 0, "width": 50, "height": 20},
                "spans": [{"start": 0, "end": 1, "color": grad}],
            },
        )
    )
    assert d.layers[1].fill.type == "linear"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("paint", "field"),
    [
        (
            {"type": "linear", "stops": [{"offset": 0.6, "color": "#000"}, {"offset": 0.2, "color": "#fff"}]},
            "layers[0].fill",
        ),
        ({"type": "radial", "r": -1, "stops": BLACK_WHITE}, "layers[0].fill.r"),
        ({"type": "linear", "stops": [{"offset": 0, "color": "red"}]}, "layers[0].fill.stops[0].color"),
        ({"type": "linear", "stops": BLACK_WHITE, "transform": [0, 0, 0, 0, 1, 1]}, "layers[0].fill"),
    ],
)
def test_bad_paint_names_the_field(paint: dict[str, Any], field: str) -> None:
    with pytest.raises(DesignError) as exc:
        parse_design(design("mug-11oz", _rect(0, 0, 10, 10, fill=paint)))
    assert exc.value.field == field


# ---------------------------------------------------------------------------------------- pixel oracles


def test_linear_gradient_probe_points(engine: Engine, tmp_path: Path) -> None:
    """Black -> white across a 100 mm box (box units): the value at x is 255 * (x - x0) / w."""
    layer = _rect(50, 10, 100, 40, fill={"type": "linear", "stops": BLACK_WHITE})
    img = _png(engine, tmp_path, design("mug-11oz", layer))
    for frac in (0.1, 0.25, 0.5, 0.75, 0.9):
        r, c = _px(50 + 100 * frac, 30)
        x_mm = (c + 0.5) / (100 / 25.4) - MUG_BLEED  # the pixel centre
        want = 255 * (x_mm - 50) / 100
        assert abs(img[r, c, 0] - want) <= 3, (frac, img[r, c], want)
        assert img[r, c, 0] == img[r, c, 1] == img[r, c, 2]


def test_radial_gradient_focal_point_and_pad(engine: Engine, tmp_path: Path) -> None:
    """A focal circle of radius fr is all stop-0 colour; the end circle and beyond (pad) all stop-1."""
    paint = {
        "type": "radial",
        "units": "absolute",
        "cx": 100,
        "cy": 40,
        "r": 30,
        "fx": 90,
        "fy": 40,
        "fr": 5,
        "stops": [{"offset": 0, "color": "#ff0000"}, {"offset": 1, "color": "#0000ff"}],
    }
    img = _png(engine, tmp_path, design("mug-11oz", _rect(40, 0, 120, 88, fill=paint)))
    assert tuple(img[_px(90, 40)]) == (255, 0, 0)  # focal centre
    assert tuple(img[_px(93, 40)]) == (255, 0, 0)  # inside the focal circle
    assert tuple(img[_px(135, 40)]) == (0, 0, 255)  # beyond the end circle: padded
    r, c = _px(115, 40)  # halfway between the focal circle's right edge (95) and the end circle's (130)
    assert abs(img[r, c, 0] - img[r, c, 2]) < 40 and 90 < img[r, c, 0] < 170


def test_per_stop_opacity_shows_what_is_under(engine: Engine, tmp_path: Path) -> None:
    paint = {
        "type": "linear",
        "stops": [{"offset": 0, "color": "#000000", "opacity": 0}, {"offset": 1, "color": "#000000", "opacity": 1}],
    }
    img = _png(engine, tmp_path, design("mug-11oz", _rect(50, 10, 100, 40, fill=paint)))
    assert img[_px(51, 30)][0] > 245  # nearly transparent: white paper
    assert abs(img[_px(100, 30)][0] - 128) < 6
    assert img[_px(149, 30)][0] < 10


def test_blend_modes_follow_the_pdf_formulas(engine: Engine, tmp_path: Path) -> None:
    base = _rect(0, 0, 228.6, 88.9, fill="#ff8000")
    grey = "#808080"
    d = design(
        "mug-11oz",
        base,
        _rect(10, 10, 30, 30, fill=grey, blend="multiply"),
        _rect(50, 10, 30, 30, fill=grey, blend="screen"),
        _rect(90, 10, 30, 30, fill=grey, blend="difference"),
        _rect(130, 10, 30, 30, fill="#ff0000", blend="color"),
        _rect(170, 10, 30, 30, fill="#00ff00", blend="luminosity"),
    )
    img = _png(engine, tmp_path, d)
    b = np.array([255, 128, 0]) / 255
    s = np.array([128, 128, 128]) / 255
    want = {
        25: b * s,
        65: b + s - b * s,
        105: np.abs(b - s),
    }
    for x, v in want.items():
        assert np.abs(img[_px(x, 25)] - v * 255).max() <= 2, (x, img[_px(x, 25)], v * 255)

    def lum(c: np.ndarray) -> float:
        return float(0.3 * c[0] + 0.59 * c[1] + 0.11 * c[2])

    def set_lum(c: np.ndarray, lu: float) -> np.ndarray:  # PDF 1.7 SetLum + ClipColor, written out
        c = c + (lu - lum(c))
        lo, hi, l2 = c.min(), c.max(), lum(c)
        if lo < 0:
            c = l2 + (c - l2) * l2 / (l2 - lo)
        if hi > 1:
            c = l2 + (c - l2) * (1 - l2) / (hi - l2)
        return c

    assert np.abs(img[_px(145, 25)] - set_lum(np.array([1.0, 0, 0]), lum(b)) * 255).max() <= 2
    assert np.abs(img[_px(185, 25)] - set_lum(b, lum(np.array([0, 1.0, 0]))) * 255).max() <= 2


def test_dashes_caps_and_paint_order(engine: Engine, tmp_path: Path) -> None:
    line = {
        "type": "shape",
        "shape": "line",
        "start": {"x": 20, "y": 40},
        "end": {"x": 200, "y": 40},
        "stroke": {"color": "#000000", "width": 8, "dash": [28.3465, 28.3465]},
    }  # 10 mm on, 10 mm off
    under = _rect(20, 60, 40, 20, fill="#ff0000", stroke={"color": "#0000ff", "width": 20}, paint_order="stroke")
    img = _png(engine, tmp_path, design("mug-11oz", line, under))
    on = [img[_px(20 + 20 * i + 5, 40)][0] for i in range(8)]
    off = [img[_px(20 + 20 * i + 15, 40)][0] for i in range(8)]
    assert max(on) < 20 and min(off) > 235
    # the stroke is under the fill: the box edge shows the fill, the outer half of the stroke shows blue
    assert tuple(img[_px(21, 70)]) == (255, 0, 0)
    assert tuple(img[_px(18, 70)]) == (0, 0, 255)


def test_skewed_image_moves_its_rows(engine: Engine, tmp_path: Path) -> None:
    fixtures.quadrants(200, 100).write_to_file(str(tmp_path / "q.png"))
    # skewX: x' = x + 0.5 * (y - 20): the bottom edge (y = 60) shifts 20 mm right
    layer = {
        "type": "image",
        "asset": "q.png",
        "box": {"x": 50, "y": 20, "width": 80, "height": 40},
        "fit": "stretch",
        "transform": [1, 0, 0.5, 1, -10, 0],
    }
    img = _png(engine, tmp_path, design("mug-11oz", layer))
    assert img[_px(42, 22)].min() > 240  # left of the top edge: paper
    assert img[_px(75, 58)].min() < 200  # the bottom row starts 20 mm further right
    assert img[_px(62, 58)].min() > 240


# ------------------------------------------------------------------------------------------------- PDF

SHOWCASE = design(
    "mug-11oz",
    {
        "type": "background",
        "color": {
            "type": "linear",
            "x2": 1,
            "y2": 1,
            "stops": [
                {"offset": 0, "color": "#ffe0a0"},
                {"offset": 0.5, "color": {"cmyk": [60, 0, 20, 0]}},
                {"offset": 1, "color": "#3050c0"},
            ],
        },
    },
    _rect(
        10,
        10,
        60,
        60,
        corner_radius=6,
        fill={
            "type": "radial",
            "fx": 0.3,
            "fy": 0.3,
            "fr": 0.05,
            "stops": [{"offset": 0, "color": "#ffffff"}, {"offset": 1, "color": "#d02020", "opacity": 0.3}],
        },
    ),
    {
        "type": "shape",
        "shape": "ellipse",
        "box": {"x": 80, "y": 10, "width": 60, "height": 40},
        "fill": "#20a040",
        "stroke": {"color": {"type": "linear", "stops": BLACK_WHITE}, "width": 6, "dash": [12, 6], "cap": "round"},
        "paint_order": "stroke",
    },
    _rect(150, 5, 40, 70, fill="#808080", blend="multiply"),
    {
        "type": "text",
        "text": "Gradient",
        "font": {"family": "noto-sans", "weight": 700},
        "size": 40,
        "box": {"x": 10, "y": 70, "width": 120, "height": 20},
        "color": {"type": "linear", "stops": [{"offset": 0, "color": "#ff0000"}, {"offset": 1, "color": "#0000ff"}]},
    },
)


@pytest.fixture(scope="module")
def showcase_pdf(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("paint")
    return render_file(write_design(folder, SHOWCASE), engine, folder, fmt="pdf").path


def _walk(obj: object, seen: set[int]) -> list[pikepdf.Dictionary]:
    out = []
    if isinstance(obj, pikepdf.Object) and obj.is_indirect:
        if obj.objgen in seen:
            return out
        seen.add(obj.objgen)
    if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
        out.append(obj)
        for k in list(obj.keys()):
            out += _walk(obj[k], seen)
    elif isinstance(obj, pikepdf.Array):
        for v in obj:
            out += _walk(v, seen)
    return out


def test_gradients_are_cmyk_shadings_not_pixels(showcase_pdf: Path) -> None:
    with pikepdf.open(showcase_pdf) as pdf:
        page = pdf.pages[0]
        dicts = _walk(page.obj, set())
        shadings = [d for d in dicts if "/ShadingType" in d]
        types = sorted({int(d.ShadingType) for d in shadings})
        assert types == [2, 3]
        colour = [d for d in shadings if d.ColorSpace == pikepdf.Name.DeviceCMYK]
        grey = [d for d in shadings if d.ColorSpace == pikepdf.Name.DeviceGray]
        assert len(colour) == 4 and len(grey) == 1  # the one with stop opacity has a grey soft-mask twin
        stitched = [d for d in colour if int(d.Function.FunctionType) == 3]
        # the background: sRGB -> CMYK -> sRGB stops, one piece per pair (CMYK interpolates in CMYK)
        three = [d for d in stitched if len(d.Function.Functions) == 2]
        assert three and list(three[0].Function.Bounds) == [0.5]
        # two sRGB stops (the text) follow the preview's sRGB interpolation: 16 converted pieces
        assert any(len(d.Function.Functions) == 16 for d in stitched)
        # the CMYK stop passes untouched
        assert [float(v) for v in three[0].Function.Functions[1].C0] == [0.6, 0.0, 0.2, 0.0]
        assert all(list(d.Extend) == [True, True] for d in shadings)
        masks = [d for d in dicts if "/SMask" in d and "/Type" in d and d.Type == pikepdf.Name.ExtGState]
        assert masks
        assert str(masks[0].SMask.S) == "/Luminosity"
        assert not [d for d in dicts if d.get("/Subtype") == pikepdf.Name.Image]  # nothing rasterised
        names = {str(v) for d in dicts for v in d.values() if isinstance(v, pikepdf.Name)}
        assert not names & {"/DeviceRGB", "/CalRGB"}
        assert "/Multiply" in names
        assert str(page.obj.Group.CS) == "/DeviceCMYK"
        assert "/OutputIntents" in pdf.Root


@pytest.mark.skipif(shutil.which("gs") is None, reason="Ghostscript is installed by scripts/check.sh")
def test_gradient_pdf_looks_like_the_preview(engine: Engine, showcase_pdf: Path, tmp_path: Path) -> None:
    dpi = 150
    raster = render_file(write_design(tmp_path, SHOWCASE), engine, tmp_path, fmt="png", dpi=dpi, soft_proof=True).path
    png = ghostscript_png(showcase_pdf, tmp_path / "gs.png", dpi)
    want, got = rgb(raster), rgb(png)
    ssim = structural_similarity(want, got, channel_axis=2, data_range=255)
    print(f"paint showcase: SSIM print vs preview = {ssim:.4f}")
    assert ssim >= 0.97


# --------------------------------------------------------------------------------------------- patterns


def _checker_url() -> str:
    import base64

    import pyvips

    tile = (
        pyvips.Image.black(20, 20)
        .new_from_image([240, 200, 80])
        .draw_rect([200, 40, 40], 0, 0, 10, 10, fill=True)
        .draw_rect([40, 90, 200], 10, 10, 10, 10, fill=True)
        .copy(interpretation="srgb")
    )
    return "data:image/png;base64," + base64.b64encode(tile.pngsave_buffer()).decode()


def _pattern(**kw: Any) -> dict[str, Any]:
    return {"type": "pattern", "image": _checker_url(), "width": 10, "height": 10, "units": "absolute", **kw}


def test_pattern_tiles_probe_points(engine: Engine, tmp_path: Path) -> None:
    """A 10 mm checker tile (red top-left, blue bottom-right, yellow elsewhere) from the trim origin."""
    img = _png(
        engine,
        tmp_path,
        design(
            "mug-11oz", _rect(0, 0, 100, 40, fill=_pattern()), _rect(0, 50, 100, 30, fill=_pattern(repeat="repeat-x"))
        ),
    )
    red, blue, yellow = (200, 40, 40), (40, 90, 200), (240, 200, 80)
    for x0 in (0, 10, 50, 90):
        for y0 in (0, 20):
            assert np.abs(img[_px(x0 + 2.5, y0 + 2.5)] - red).max() <= 3
            assert np.abs(img[_px(x0 + 7.5, y0 + 7.5)] - blue).max() <= 3
            assert np.abs(img[_px(x0 + 7.5, y0 + 2.5)] - yellow).max() <= 3
    # repeat-x: one row of tiles from the pattern origin (y 0..10), nothing below it inside the rect
    assert img[_px(42.5, 55)].min() > 245
    # the repeated row starts at the trim origin, above this rect: no tile at y 50..80
    assert img[_px(12.5, 52.5)].min() > 245


def test_pattern_is_a_tiling_pattern_in_the_pdf(engine: Engine, tmp_path: Path) -> None:
    d = design("mug-11oz", _rect(5, 5, 100, 40, fill=_pattern(transform=[1, 0.2, 0, 1, 0, 0]), rotation=10))
    pdf_path = render_file(write_design(tmp_path, d), engine, tmp_path, fmt="pdf").path
    with pikepdf.open(pdf_path) as pdf:
        (pat,) = pdf.pages[0].Resources.Pattern.values()
        assert int(pat.PatternType) == 1 and int(pat.PaintType) == 1
        assert (float(pat.XStep), float(pat.YStep)) == (10.0, 10.0)
        (tile,) = pat.Resources.XObject.values()
        assert str(tile.ColorSpace) == "/DeviceCMYK" and (int(tile.Width), int(tile.Height)) == (20, 20)
    raster = render_file(write_design(tmp_path, d), engine, tmp_path, fmt="png", dpi=150, soft_proof=True).path
    png = ghostscript_png(pdf_path, tmp_path / "gs.png", 150, text_alpha=False)
    # box-filtered 4x: Ghostscript point-samples images (test_pdf)
    want, got = box_reduced(rgb(raster), 4), box_reduced(rgb(png), 4)
    ssim = structural_similarity(want, got, channel_axis=2, data_range=255)
    print(f"pattern: SSIM print vs preview = {ssim:.4f}")
    assert ssim >= 0.97
