"""The storefront developer's route for Fabric.js canvases: a canvas rendered as it is (no template), every
unsupported property in one error or approximated on request, storefront fonts added from a folder, and image
``src`` paths next to the JSON file (confined to its folder)."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pikepdf
import pytest
from fontTools.ttLib import TTFont
from PIL import Image
from skimage.metrics import structural_similarity

from render_engine.cli import main
from render_engine.engine import Engine
from render_engine.fabric import FabricOptions, load_fabric_json, render_fabric
from render_engine.inputs.font_catalog import FontCatalog
from render_engine.model.design import ShapeLayer, TextLayer
from render_engine.model.errors import DesignError
from render_engine.model.settings import Settings, bundled_dir
from render_engine.model.templates import canvas_template_id

CORPUS = Path(__file__).resolve().parents[1] / "fabric_corpus"


def _corpus(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CORPUS / f"{name}.fabric.json").read_text(encoding="utf-8"))
    data.pop("template", None)
    return data


def _rgba(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGBA"))


def _on_white(arr: np.ndarray) -> np.ndarray:
    a = arr[..., 3:4].astype(float) / 255
    return (arr[..., :3] * a + 255 * (1 - a)).round().astype(np.uint8)


def _png(w: int, h: int, colour: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), colour).save(buf, "PNG")
    return buf.getvalue()


# ------------------------------------------------------------------------------------ canvas as it is


def test_canvas_renders_at_its_own_pixel_size_and_matches_fabric(engine: Engine, tmp_path: Path) -> None:
    """No template: a PNG exactly the canvas size at scale 1, twice at scale 2, same picture as Fabric's."""
    data = _corpus("text")
    res = render_fabric(data, engine, tmp_path / "a.png")
    assert res.template == "canvas-600x800" and res.pixels == (600, 800)
    ours, ref = _rgba(res.path), _rgba(CORPUS / "text.png")
    assert ours.shape == ref.shape
    ssim = structural_similarity(_on_white(ours), _on_white(ref), channel_axis=2)
    assert ssim >= 0.97, ssim
    res2 = render_fabric(data, engine, tmp_path / "b.png", scale=2)
    assert res2.pixels == (1200, 1600)
    small = np.asarray(Image.fromarray(_on_white(_rgba(res2.path))).resize((600, 800), Image.Resampling.BOX))
    assert structural_similarity(small, _on_white(ref), channel_axis=2) >= 0.97


def test_canvas_without_background_is_transparent_and_background_fills_it(engine: Engine, tmp_path: Path) -> None:
    rect = {"type": "Rect", "left": 10, "top": 10, "width": 20, "height": 10, "fill": "#ff0000", "strokeWidth": 0}
    doc = {"version": "6.9.1", "objects": [rect], "width": 100, "height": 50}
    res = render_fabric(doc, engine, tmp_path / "t.png")
    px = _rgba(res.path)
    assert px.shape == (50, 100, 4)
    assert px[0, 0, 3] == 0 and tuple(px[15, 20]) == (255, 0, 0, 255)  # transparent canvas, the rect opaque
    res = render_fabric({**doc, "background": "rgba(0, 0, 255, 0.5)"}, engine, tmp_path / "bg.png")
    px = _rgba(res.path)
    assert abs(int(px[45, 90, 3]) - 128) <= 1 and px[45, 90, 2] == 255  # a translucent canvas background, as is
    res = render_fabric({**doc, "background": "#00ff00"}, engine, tmp_path / "g.png")
    assert tuple(_rgba(res.path)[45, 90]) == (0, 255, 0, 255)


def test_canvas_pdf_is_the_canvas_at_three_quarter_points_per_px(engine: Engine, tmp_path: Path) -> None:
    res = render_fabric(_corpus("rects"), engine, tmp_path / "r.pdf", fmt="pdf")
    with pikepdf.open(res.path) as pdf:
        page = pdf.pages[0]
        assert [round(float(v), 2) for v in page.MediaBox] == [0, 0, 450, 600]
        assert [round(float(v), 2) for v in page.TrimBox] == [0, 0, 450, 600]


def test_canvas_size_comes_from_the_wrapper_the_json_or_an_option(engine: Engine, tmp_path: Path) -> None:
    bare = {"version": "6.9.1", "objects": []}
    with pytest.raises(DesignError) as exc:
        load_fabric_json(bare, engine, tmp_path)
    assert exc.value.field == "canvas" and "width" in exc.value.message
    assert load_fabric_json(bare, engine, tmp_path, options=FabricOptions(canvas_size=(300, 200))).design.template == (
        "canvas-300x200"
    )
    assert load_fabric_json({**bare, "width": 320.5, "height": 240}, engine, tmp_path).design.template == (
        "canvas-320p5x240"
    )
    assert canvas_template_id(1200, 466.7) == "canvas-1200x466p7"
    with pytest.raises(DesignError) as exc:
        load_fabric_json({**bare, "width": "wide", "height": 2}, engine, tmp_path)
    assert exc.value.field == "canvas.width"
    tpl = engine.templates.get("canvas-1200x466p7")
    assert tpl.trim_w == pytest.approx(1200 * 25.4 / 96) and tpl.bleed_mm == 0 and tpl.dpi.target == 96


def test_cli_renders_a_canvas_without_template(tmp_path: Path) -> None:
    src = tmp_path / "card.json"
    src.write_text(json.dumps(_corpus("circles")), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["render", str(src), "--out", str(out), "--quiet"]) == 0
    assert Image.open(out / "card.png").size == (600, 800)
    assert main(["render", str(src), "--out", str(out / "2x"), "--scale", "2", "--quiet"]) == 0
    assert Image.open(out / "2x" / "card.png").size == (1200, 1600)
    assert main(["render", str(src), "--out", str(out), "--format", "pdf", "--quiet"]) == 0
    assert (out / "card.pdf").stat().st_size > 1000


# ------------------------------------------------------------------------ every problem, or approximate


def _bad_canvas() -> dict[str, Any]:
    base = {"left": 10, "top": 10, "width": 50, "height": 40, "fill": "#ff0000"}
    return {
        "canvas": {"width": 600, "height": 800},
        "fabric": {
            "version": "6.9.1",
            "objects": [
                {"type": "Rect", **base, "globalCompositeOperation": "plus-darker", "clipPath": {"type": "Image"}},
                {"type": "Rect", **base},
                {"type": "Sprite", **base},
                {
                    "type": "Textbox",
                    **base,
                    "text": "Hello world",
                    "fontFamily": "Noto Sans",
                    "styles": [{"start": 0, "end": 5, "style": {"fontSize": 80, "fill": "#00ff00"}}],
                    "direction": "weird",
                },
            ],
        },
    }


def test_one_error_lists_every_unsupported_property(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(DesignError) as exc:
        load_fabric_json(_bad_canvas(), engine, tmp_path)
    fields = [p.field for p in exc.value.problems]
    for f in (
        "fabric.objects[0].globalCompositeOperation",
        "fabric.objects[0].clipPath.type",
        "fabric.objects[2].type",
        "fabric.objects[3].direction",
    ):
        assert f in fields, fields
    assert exc.value.field == fields[0]
    body = exc.value.to_dict()
    assert isinstance(body["problems"], list) and len(body["problems"]) == len(fields) >= 4
    assert len(set(fields)) == len(fields)  # each problem once


def test_cli_prints_one_line_per_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "bad.json"
    src.write_text(json.dumps(_bad_canvas()), encoding="utf-8")
    assert main(["render", str(src), "--out", str(tmp_path), "--quiet"]) == 1
    lines = [ln for ln in capsys.readouterr().err.splitlines() if "FAILED" in ln]
    assert len(lines) >= 4 and any("objects[2].type" in ln for ln in lines), lines
    assert main(["render", str(src), "--out", str(tmp_path), "--unsupported", "approximate", "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "fabric.objects[0].globalCompositeOperation" in err and "WARNING" in err
    assert (tmp_path / "bad.png").is_file()


def test_approximate_draws_the_closest_supported_thing(engine: Engine, tmp_path: Path) -> None:
    imp = load_fabric_json(_bad_canvas(), engine, tmp_path, options=FabricOptions(unsupported="approximate"))
    fields = [f for f, _ in imp.approximations]
    assert "fabric.objects[0].globalCompositeOperation" in fields and "fabric.objects[2].type" in fields
    assert any("left out" in msg for f, msg in imp.approximations if f == "fabric.objects[2].type")
    # the sprite is left out; both rects and the text are drawn
    assert "fabric.objects[0]" in imp.sources and "fabric.objects[1]" in imp.sources
    assert "fabric.objects[3]" in imp.sources and "fabric.objects[2]" not in imp.sources


# ------------------------------------------------------------------------------------- storefront fonts


def _storefront_font(folder: Path, family: str, source: str, weight: int = 400) -> Path:
    """A bundled font file renamed to another family (generated: no binary fixture)."""
    font = TTFont(bundled_dir("fonts") / source)
    for rec in font["name"].names:
        if rec.nameID in (1, 16):
            rec.string = family
    font["OS/2"].usWeightClass = weight
    path = folder / f"{family.replace(' ', '')}-{weight}.ttf"
    font.save(path)
    return path


def test_fonts_folder_adds_storefront_families(tmp_path: Path) -> None:
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    _storefront_font(fonts, "Shop Script", "kaushan-script/KaushanScript-Regular.otf")
    _storefront_font(fonts, "Shop Script", "dancing-script/DancingScript-Regular.otf", weight=700)
    cat = FontCatalog(bundled_dir("fonts"), fonts)
    assert "noto-sans" in cat.families  # added, not replaced
    fid = cat.family_id("shop script")
    assert fid == cat.family_id("ShopScript") == cat.family_id("Shop-Script") == "shop-script"
    assert {(s.weight, s.style) for s in cat.families[fid].styles} == {(400, "normal"), (700, "normal")}
    engine = Engine(Settings(extra_fonts_dir=fonts))
    text = {"type": "Text", "left": 10, "top": 10, "text": "Hi", "fontFamily": "Shop Script", "fill": "#000"}
    imp = load_fabric_json({"version": "6.9.1", "objects": [text], "width": 200, "height": 100}, engine, tmp_path)
    layer = imp.design.layers[0]
    assert isinstance(layer, TextLayer) and layer.font.family == "shop-script"  # the storefront's, not a guess
    (fonts / "broken.ttf").write_bytes(b"not a font")
    with pytest.raises(Exception, match=r"broken\.ttf"):
        FontCatalog(bundled_dir("fonts"), fonts)


def test_cli_fonts_dir_option(tmp_path: Path) -> None:
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    _storefront_font(fonts, "Great Vibes", "kaushan-script/KaushanScript-Regular.otf")
    text = {"type": "Text", "left": 10, "top": 10, "text": "Hi", "fontFamily": "great vibes", "fill": "#000"}
    src = tmp_path / "t.json"
    src.write_text(json.dumps({"objects": [text], "width": 120, "height": 60}), encoding="utf-8")
    assert main(["render", str(src), "--out", str(tmp_path / "o"), "--fonts-dir", str(fonts), "--quiet"]) == 0


# ------------------------------------------------------------------------------------ image src paths


def test_image_src_paths_are_read_next_to_the_json_and_confined(tmp_path: Path) -> None:
    folder = tmp_path / "design"
    (folder / "img").mkdir(parents=True)
    (folder / "img" / "red photo.png").write_bytes(_png(40, 20, (255, 0, 0)))
    (tmp_path / "secret.png").write_bytes(_png(4, 4, (0, 0, 0)))
    img = {"type": "Image", "left": 0, "top": 0, "width": 40, "height": 20, "strokeWidth": 0}
    out = tmp_path / "out"
    good = ["img/red photo.png", f"file://{folder}/img/red%20photo.png", "./img/../img/red photo.png"]
    for n, src in enumerate(good):
        path = folder / f"ok{n}.json"
        path.write_text(json.dumps({"objects": [{**img, "src": src}], "width": 40, "height": 20}), encoding="utf-8")
        assert main(["render", str(path), "--out", str(out), "--quiet"]) == 0, src
        assert tuple(_rgba(out / f"ok{n}.png")[10, 20]) == (255, 0, 0, 255)
    bad = ["../secret.png", str(tmp_path / "secret.png"), "https://cdn.example.com/a.png", "nope.png"]
    for n, src in enumerate(bad):
        path = folder / f"bad{n}.json"
        path.write_text(json.dumps({"objects": [{**img, "src": src}], "width": 40, "height": 20}), encoding="utf-8")
        assert main(["render", str(path), "--out", str(out), "--quiet"]) == 1, src
        assert not (out / f"bad{n}.png").exists()


def test_data_url_images_still_work_without_a_folder(engine: Engine, tmp_path: Path) -> None:
    src = "data:image/png;base64," + base64.b64encode(_png(10, 10, (0, 0, 255))).decode()
    img = {"type": "Image", "left": 0, "top": 0, "width": 10, "height": 10, "strokeWidth": 0, "src": src}
    res = render_fabric({"objects": [img], "width": 10, "height": 10}, engine, tmp_path / "d.png")
    assert tuple(_rgba(res.path)[5, 5]) == (0, 0, 255, 255)
    with pytest.raises(DesignError) as exc:
        load_fabric_json({"objects": [{**img, "src": "photo.png"}], "width": 10, "height": 10}, engine, tmp_path)
    assert exc.value.field == "objects[0].src"


def test_public_api_renders_a_canvas_as_it_is(engine: Engine, tmp_path: Path) -> None:
    from render_engine import render_design

    data = _corpus("rects")
    png = render_design(data, engine=engine)
    assert png.format == "png" and png.pixels == (600, 800) and png.template == "canvas-600x800"
    assert Image.open(io.BytesIO(png.data)).size == (600, 800)
    assert render_design(data, engine=engine, scale=2).pixels == (1200, 1600)
    pdf = render_design(data, tmp_path / "r.pdf", engine=engine)
    assert pdf.format == "pdf" and pdf.data.startswith(b"%PDF")
    with pytest.raises(DesignError) as exc:
        render_design(_bad_canvas(), engine=engine)
    assert len(exc.value.problems) >= 4
    approx = render_design(_bad_canvas(), engine=engine, unsupported="approximate")
    assert any(w.startswith("fabric.objects[2].type (Sprite): ") for w in approx.warnings)  # its object named


# ------------------------------------------------------------------------------------ Fabric 5 / 6 / 7


def test_fabric7_default_origin_is_the_centre_when_defaults_are_left_out(engine: Engine, tmp_path: Path) -> None:
    """includeDefaultValues: false drops originX/originY equal to the default: centre in 7, top-left before."""
    rect = {"type": "Rect", "left": 50, "top": 40, "width": 20, "height": 10, "fill": "#ff0000", "strokeWidth": 0}
    boxes = {}
    for version in ("5.3.0", "6.9.1", "7.4.0"):
        doc = {"version": version, "objects": [{**rect, "version": version}], "width": 100, "height": 100}
        (layer,) = load_fabric_json(doc, engine, tmp_path).design.layers
        assert isinstance(layer, ShapeLayer) and layer.box is not None
        boxes[version] = (round(layer.box.x / (25.4 / 96), 3), round(layer.box.y / (25.4 / 96), 3))
    assert boxes["5.3.0"] == boxes["6.9.1"] == (50, 40)
    assert boxes["7.4.0"] == (40, 35)
    # an object's own version wins over the canvas's; explicit origins are always honoured
    doc = {"version": "7.4.0", "objects": [{**rect, "originX": "left", "originY": "top"}], "width": 100, "height": 100}
    (layer,) = load_fabric_json(doc, engine, tmp_path).design.layers
    assert isinstance(layer, ShapeLayer) and layer.box is not None and round(layer.box.x / (25.4 / 96), 3) == 50


def test_fabric5_circle_angles_in_radians_are_a_full_circle(engine: Engine, tmp_path: Path) -> None:
    circle = {"type": "circle", "version": "5.3.0", "left": 0, "top": 0, "radius": 10, "fill": "#00f",
              "startAngle": 0, "endAngle": 6.283185307179586}
    doc = {"version": "5.3.0", "objects": [circle], "width": 40, "height": 40}
    (layer,) = load_fabric_json(doc, engine, tmp_path).design.layers
    assert layer.type == "shape"


def test_text_decoration_color(engine: Engine, tmp_path: Path) -> None:
    """Fabric 7.3's textDecorationColor (object and per character) colours underlines instead of the fill."""
    text = {"type": "Text", "version": "7.4.0", "left": 10, "top": 10, "text": "Hello", "fontFamily": "Noto Sans",
            "fill": "#000000", "underline": True, "textDecorationColor": "#ff0000",
            "styles": [{"start": 3, "end": 5, "style": {"textDecorationColor": "#0000ff"}}]}
    imp = load_fabric_json({"objects": [text], "width": 200, "height": 80}, engine, tmp_path)
    colours = [getattr(layer.fill, "hex", None) for layer in imp.design.layers if isinstance(layer, ShapeLayer)]
    assert colours == ["#ff0000", "#0000ff"], colours


def test_properties_that_move_or_erase_are_never_dropped_silently(engine: Engine, tmp_path: Path) -> None:
    """Fabric 5's eraser and Fabric 6's exactBoundingBox change the picture: refused (or approximated), never
    ignored; an empty eraser changes nothing."""
    rect = {"type": "rect", "version": "5.3.0", "left": 0, "top": 0, "width": 20, "height": 20, "fill": "#00f"}
    line = {"type": "Polyline", "points": [{"x": 0, "y": 0}, {"x": 20, "y": 10}], "stroke": "#000", "fill": ""}
    doc = {"width": 50, "height": 50, "objects": [
        {**rect, "eraser": {"type": "eraser", "objects": [{"type": "path", "path": [["M", 0, 0], ["L", 5, 5]]}]}},
        {**rect, "eraser": {"type": "eraser", "objects": []}},
        {**line, "exactBoundingBox": True},
    ]}  # fmt: skip
    with pytest.raises(DesignError) as exc:
        load_fabric_json(doc, engine, tmp_path)
    assert [p.field for p in exc.value.problems] == ["objects[0].eraser", "objects[2].exactBoundingBox"]
    imp = load_fabric_json(doc, engine, tmp_path, options=FabricOptions(unsupported="approximate"))
    assert [f for f, _ in imp.approximations] == ["objects[0].eraser", "objects[2].exactBoundingBox"]
    assert imp.sources == ("objects[0]", "objects[1]", "objects[2]")
