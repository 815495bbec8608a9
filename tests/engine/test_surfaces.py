"""Multi-surface and multi-page products (issue #18): the model, the parts written, read back independently.

Structure: every page's TrimBox / BleedBox in mm (pikepdf), CMYK only, one OutputIntent, deterministic bytes,
page counts, PNG sizes in px per surface. Pixels: each PDF page rasterised by Ghostscript equals the preview
of that surface (SSIM >= 0.97). Errors: every problem at once, each naming its field
(``surfaces.back.layers[2].box.width``). v1: a single-surface template is its own only surface.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pikepdf
import pytest
from PIL import Image
from skimage.metrics import structural_similarity

from render_engine import preflight, render_design, render_mockup
from render_engine.engine import Engine
from render_engine.model.design import load_design_file, parse_design
from render_engine.model.errors import DesignError, RenderError, TemplateError
from render_engine.model.surface_plan import plan_parts
from render_engine.model.templates import load_template_file
from render_engine.parts import prepare_parts, render_parts
from tests.conftest import EXAMPLES, MULTI_EXAMPLES, V1_EXAMPLES
from tests.pdf_support import box_reduced, ghostscript_png, rgb

PT_PER_MM = 72 / 25.4
CARD = EXAMPLES / "card-folded-5x7-birthday.json"
TSHIRT = EXAMPLES / "tshirt-dtg-front-back-sleeve.json"
PDF_EXAMPLES = [p for p in MULTI_EXAMPLES if "tshirt" not in p.name and "cushion" not in p.name]


def _box_mm(page: pikepdf.Page, name: str) -> tuple[float, ...]:
    return tuple(float(v) / PT_PER_MM for v in page.obj[name])


def _design(template: str, **surfaces: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "version": 1,
        "template": template,
        "surfaces": {k.replace("_", "-"): {"layers": v} for k, v in surfaces.items()},
    }


def _text(text: str, x: float, y: float, w: float = 60, h: float = 12) -> dict[str, Any]:
    return {
        "type": "text",
        "text": text,
        "font": {"family": "noto-sans"},
        "size": 12,
        "box": {"x": x, "y": y, "width": w, "height": h},
    }


@pytest.fixture(scope="module")
def parts(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    """Every multi-surface example rendered once: {example: {file name: path}}."""
    out: dict[str, dict[str, Path]] = {}
    for path in MULTI_EXAMPLES:
        folder = tmp_path_factory.mktemp(path.stem)
        prepared = prepare_parts(load_design_file(path), engine, path.parent)
        out[path.name] = {r.path.name: r.path for r in render_parts(prepared, engine, folder)}
    return out


# ------------------------------------------------------------------------------------------------ model


def test_v1_templates_are_their_own_only_surface(engine: Engine) -> None:
    for t in engine.templates.templates.values():
        if not t.is_multi:
            assert t.surface_template("anything") is t and t.part_specs() == [] and t.folds == []


def test_surfaces_inherit_and_override_the_template(engine: Engine) -> None:
    t = engine.templates.get("tshirt-dtg")
    front, sleeve = t.surface_template("front"), t.surface_template("sleeve-left")
    assert (front.trim_w, front.trim_h) == (304.8, 406.4)
    assert (sleeve.trim_w, sleeve.trim_h) == (101.6, 76.2) and sleeve.output == t.output
    assert t.surface_template("sleeve-left") is sleeve  # derived once
    assert [p.name for p in t.part_specs()] == ["front", "back", "sleeve-left"]
    card = engine.templates.get("card-folded-5x7")
    assert [(p.name, p.surfaces) for p in card.part_specs()] == [("card", ["outside", "inside"])]
    assert [f.at_mm for f in card.surface_template("inside").folds] == [127.0]


def test_a_bad_surface_override_names_its_field(tmp_path: Path) -> None:
    data = json.loads((Path(__file__).parents[2] / "templates_print" / "tshirt-dtg.json").read_text())
    data["surfaces"]["back"]["trim"] = {"width_mm": -1, "height_mm": 10}
    (tmp_path / "tshirt-dtg.json").write_text(json.dumps(data))
    with pytest.raises(TemplateError) as exc:
        load_template_file(tmp_path / "tshirt-dtg.json")
    assert exc.value.field == "surfaces.back.trim.width_mm"
    data["surfaces"]["back"]["trim"] = {"width_mm": 10, "height_mm": 10}
    data["parts"] = [{"name": "both", "surfaces": ["front", "back"]}]
    (tmp_path / "tshirt-dtg.json").write_text(json.dumps(data))
    with pytest.raises(TemplateError) as exc:
        load_template_file(tmp_path / "tshirt-dtg.json")
    assert exc.value.field == "parts[0].surfaces" and "PNG part holds exactly one surface" in exc.value.message


def test_every_problem_of_every_surface_at_once_each_naming_its_field(engine: Engine, tmp_path: Path) -> None:
    bad_box = {
        "type": "text",
        "text": "x",
        "font": {"family": "noto-sans"},
        "size": 12,
        "box": {"x": 0, "y": 0, "width": -5, "height": 10},
    }
    data = _design("tshirt-dtg", front=[_text("ok", 10, 10)], back=[_text("a", 0, 0), _text("b", 0, 20), bad_box])
    data["surfaces"]["bakc"] = {"layers": []}
    data["pages"] = [{"layers": [{"type": "image", "box": {"x": 0, "y": 0, "width": 5, "height": 5}}]}]
    with pytest.raises(DesignError) as exc:
        parse_design(data)
    fields = {p.field for p in exc.value.problems}
    assert "surfaces.back.layers[2].box.width" in fields and "pages[0].layers[0]" in fields, fields
    # after the schema: unknown surface, pages on a product without, assets of several surfaces, in one error
    data = _design("tshirt-dtg", front=[_text("ok", 10, 10)], bakc=[_text("a", 0, 0)])
    data["pages"] = [{"layers": []}]
    with pytest.raises(DesignError) as exc:
        prepare_parts(parse_design(data), engine, tmp_path)
    problems = {p.field: p.message for p in exc.value.problems}
    assert "did you mean back?" in problems["surfaces.bakc"] and "pages" in problems, problems
    missing = {"type": "image", "asset": "nope.jpg", "box": {"x": 0, "y": 0, "width": 50, "height": 50}}
    data = _design("tshirt-dtg", front=[_text("ok", 10, 10), missing], sleeve_left=[missing])
    with pytest.raises(RenderError) as exc:
        prepare_parts(parse_design(data), engine, tmp_path)
    fields = {p.field for p in exc.value.problems}
    assert fields == {"surfaces.front.layers[1].asset", "surfaces.sleeve-left.layers[0].asset"}, fields


def test_layers_on_a_multi_surface_product_and_surfaces_on_a_v1_one_are_refused(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(DesignError) as exc:
        prepare_parts(
            parse_design({"version": 1, "template": "tshirt-dtg", "layers": [_text("a", 0, 0)]}), engine, tmp_path
        )
    assert exc.value.field == "layers" and "surfaces.back" in exc.value.message
    with pytest.raises(DesignError) as exc:
        render_design(_design("mug-11oz", front=[_text("a", 0, 0)]), base_dir=tmp_path)
    assert exc.value.field == "surfaces"
    with pytest.raises(DesignError) as exc:
        parse_design({"version": 1, "template": "mug-11oz"})
    assert exc.value.field == "layers"


# ------------------------------------------------------------------------------------------------ PDF parts


@pytest.mark.parametrize("example", [p.name for p in PDF_EXAMPLES])
def test_pdf_parts_have_every_page_with_its_boxes_cmyk_only_one_intent(
    engine: Engine, parts: dict[str, dict[str, Path]], example: str
) -> None:
    design = load_design_file(EXAMPLES / example)
    t = engine.templates.get(design.template)
    for plan in plan_parts(design, t):  # a book's pages and its computed cover are in the plan, not the specs
        with pikepdf.open(parts[example][f"{plan.name}.pdf"]) as pdf:
            assert len(pdf.pages) == len(plan.surfaces)
            assert len(pdf.Root.OutputIntents) == 1 and pdf.Root.OutputIntents[0].S == "/GTS_PDFX"
            assert str(pdf.trailer.Info.GTS_PDFXVersion) == "PDF/X-4"
            for page, ref in zip(pdf.pages, plan.surfaces, strict=True):
                s = ref.template
                b = s.bleed_mm
                assert _box_mm(page, "/BleedBox") == pytest.approx((0, 0, s.trim_w + 2 * b, s.trim_h + 2 * b), abs=0.1)
                assert _box_mm(page, "/TrimBox") == pytest.approx((b, b, b + s.trim_w, b + s.trim_h), abs=0.1)
            raw = b"".join(obj.read_raw_bytes() if isinstance(obj, pikepdf.Stream) else b"" for obj in pdf.objects)
            names = {
                str(o.get("/ColorSpace"))
                for o in pdf.objects
                if isinstance(o, pikepdf.Dictionary | pikepdf.Stream)
                and "/ColorSpace" in o
                and isinstance(o.get("/ColorSpace"), pikepdf.Name)
            }
            assert "/DeviceRGB" not in names and "/DeviceGray" not in names, names
            assert b"/DeviceRGB" not in raw and b" rg\n" not in raw and b" RG\n" not in raw


def test_card_is_one_two_page_pdf_with_the_fold_in_the_middle(
    engine: Engine, parts: dict[str, dict[str, Path]]
) -> None:
    files = parts[CARD.name]
    assert list(files) == ["card.pdf"]
    with pikepdf.open(files["card.pdf"]) as pdf:
        trims = [_box_mm(p, "/TrimBox") for p in pdf.pages]
    assert len(trims) == 2
    for x0, y0, x1, y1 in trims:  # 10 x 7 in flat, 1/8 in bleed; the fold at the middle of the trim
        assert (x1 - x0, y1 - y0) == pytest.approx((254.0, 177.8), abs=0.05)
    fold = engine.templates.get("card-folded-5x7").surface_template("outside").folds[0]
    assert fold.axis == "vertical" and fold.at_mm == pytest.approx(254.0 / 2)


def test_keychain_pages_carry_the_cut_contour_spot_colour(parts: dict[str, dict[str, Path]]) -> None:
    with pikepdf.open(parts["keychain-acrylic-two-sided.json"]["keychain.pdf"]) as pdf:
        assert len(pdf.pages) == 2
        for page in pdf.pages:
            spaces = page.Resources.get("/ColorSpace", {})
            assert any(str(cs[1]) == "/CutContour" for cs in spaces.values()), dict(spaces)


def test_parts_are_deterministic_bytes(engine: Engine, tmp_path: Path) -> None:
    design = load_design_file(CARD)
    runs = []
    for n in range(2):
        prepared = prepare_parts(design, engine, CARD.parent)
        runs.append([r.path.read_bytes() for r in render_parts(prepared, engine, tmp_path / str(n))])
    assert runs[0] == runs[1]


@pytest.mark.skipif(shutil.which("gs") is None, reason="Ghostscript is installed by scripts/check.sh")
@pytest.mark.parametrize("example", [p.name for p in PDF_EXAMPLES])
def test_every_pdf_page_looks_like_its_surface_preview(engine: Engine, tmp_path: Path, example: str) -> None:
    """Ghostscript's rasterisation of each page (cut and white layers off, as a prepress viewer shows the
    artwork) against the raster backend's soft-proofed PNG of the same surface: SSIM >= 0.97 per page, at
    test_pdf's 160 DPI box-filtered 4x."""
    dpi = 160
    prepared = prepare_parts(load_design_file(EXAMPLES / example), engine, EXAMPLES)
    pdfs = render_parts(prepared, engine, tmp_path / "pdf")
    pngs = render_parts(prepared, engine, tmp_path / "png", fmt="png", dpi=dpi, soft_proof=True)
    by_surface = {r.surfaces[0]: r.path for r in pngs}
    for r in pdfs:
        for i, key in enumerate(r.surfaces):
            page = tmp_path / f"{r.part}-{i}.pdf"
            with pikepdf.open(r.path) as pdf, pikepdf.new() as one:
                one.pages.append(pdf.pages[i])
                ocgs = list(one.pages[0].Resources.get("/Properties", pikepdf.Dictionary()).values())
                if ocgs:
                    one.Root.OCProperties = pikepdf.Dictionary(
                        OCGs=pikepdf.Array(ocgs), D=pikepdf.Dictionary(OFF=pikepdf.Array(ocgs), ON=pikepdf.Array())
                    )
                one.save(page)
            gs = rgb(ghostscript_png(page, tmp_path / f"{key}-gs.png", dpi))
            preview = rgb(by_surface[key])
            assert gs.shape == preview.shape, (key, gs.shape, preview.shape)
            ssim = structural_similarity(box_reduced(gs, 4), box_reduced(preview, 4), channel_axis=2, data_range=255)
            print(f"{example} {r.part} page {i + 1} ({key}): SSIM print vs preview = {ssim:.4f}")
            assert ssim >= 0.97, (example, key, ssim)


# ------------------------------------------------------------------------------------------------ PNG parts


def test_tshirt_writes_one_png_per_surface_at_its_own_size(parts: dict[str, dict[str, Path]]) -> None:
    files = parts[TSHIRT.name]
    assert sorted(files) == ["back.png", "front.png", "sleeve-left.png"]
    sizes = {name: Image.open(path).size for name, path in files.items()}
    # 12 x 16 in at 300 DPI; the sleeve 4 x 3 in
    assert sizes == {"front.png": (3600, 4800), "back.png": (3600, 4800), "sleeve-left.png": (1200, 900)}
    for path in files.values():
        with Image.open(path) as im:
            assert im.mode == "RGBA"
            alpha = np.asarray(im.getchannel("A"))
        assert alpha.min() == 0 and alpha.max() == 255  # transparent garment, opaque ink


def test_cushion_sides_are_mirrored_transfers(engine: Engine, parts: dict[str, dict[str, Path]]) -> None:
    files = parts["cushion-40x40-photo.json"]
    assert sorted(files) == ["back.png", "front.png"]
    px = round((400 + 2 * 15) / 25.4 * 150)
    assert {Image.open(p).size for p in files.values()} == {(px, px)}
    assert engine.templates.get("cushion-40x40").surface_template("back").output.mirror


def test_a_surface_the_design_leaves_out_prints_no_file_but_a_card_page_prints_blank(
    engine: Engine, tmp_path: Path
) -> None:
    tee = prepare_parts(parse_design(_design("tshirt-dtg", back=[_text("7", 10, 10)])), engine, tmp_path)
    assert [r.path.name for r in render_parts(tee, engine, tmp_path / "tee")] == ["back.png"]
    card = prepare_parts(parse_design(_design("card-folded-5x7", inside=[_text("hi", 140, 20)])), engine, tmp_path)
    [pdf] = render_parts(card, engine, tmp_path / "card")
    assert pdf.surfaces == ("outside", "inside")
    with pikepdf.open(pdf.path) as doc:
        assert len(doc.pages) == 2


# ------------------------------------------------------------------------------------------------ review


def test_text_on_the_fold_is_a_warning_carrying_surface_part_and_page(tmp_path: Path) -> None:
    data = _design("card-folded-5x7", outside=[_text("across", 120, 50, 40)], inside=[_text("fine", 10, 50)])
    report = preflight(data, base_dir=tmp_path)
    [hit] = [f for f in report.findings if f.code == "layout.text_on_fold"]
    assert (hit.surface, hit.part, hit.page, hit.layer) == ("outside", "card", 1, 0)
    d = report.to_dict()
    assert [s["surface"] for s in d["surfaces"]] == ["outside", "inside"] and [s["page"] for s in d["surfaces"]] == [
        1,
        2,
    ]
    assert d["findings"][0]["surface"] == "outside"


def test_multi_surface_examples_have_no_blockers_and_v1_reports_are_unchanged(engine: Engine) -> None:
    for path in MULTI_EXAMPLES:
        report = preflight(path)
        assert report.ok, (path.name, [f.to_dict() for f in report.findings if f.severity == "blocker"])
        design = load_design_file(path)
        planned = [r for p in plan_parts(design, engine.templates.get(design.template)) for r in p.surfaces]
        assert len(report.surfaces) == len(planned) >= 1  # a notebook's cover wrap is its only surface
    v1 = preflight(V1_EXAMPLES[0]).to_dict()
    assert "surfaces" not in v1 and all("surface" not in f for f in v1["findings"])


def test_mockup_per_surface(tmp_path: Path) -> None:
    front = render_mockup(TSHIRT, width=300, format="png")
    back = render_mockup(TSHIRT, width=300, format="png", surface="back")
    assert front != back
    with pytest.raises(DesignError) as exc:
        render_mockup(TSHIRT, width=300, surface="bak")
    assert exc.value.field == "surface" and "did you mean back?" in exc.value.message
    card = render_mockup(CARD, width=300, format="png", page=None)
    assert Image.open(__import__("io").BytesIO(card)).size[0] == 300


def test_public_api_returns_files_per_part_and_keeps_v1(tmp_path: Path) -> None:
    r = render_design(TSHIRT, tmp_path / "tee", dpi=50)
    assert [p.part for p in r.parts] == ["front", "back", "sleeve-left"] and r.pages == 3
    assert all(p.path is not None and p.path.read_bytes() == p.data for p in r.parts)
    assert r.data == r.parts[0].data and r.format == "png"
    card = render_design(CARD)
    assert [(p.part, p.pages, p.format) for p in card.parts] == [("card", 2, "pdf")] and card.data.startswith(b"%PDF")
    with pytest.raises(DesignError) as exc:
        render_design(CARD, tmp_path / "card.pdf")
    assert exc.value.field == "out"
    v1 = render_design(V1_EXAMPLES[0], format="png", dpi=20)
    assert v1.parts == () and v1.part is None and v1.pages == 1


def test_a_photo_under_a_large_text_box_renders_on_every_garment_side(tmp_path: Path) -> None:
    """A full-bleed, enlarged photo under a name set in the whole print area (the demo's t-shirt back): the text
    tile blends over the page the photo was inserted into, reading the photo a second time; a sequential JPEG
    decode failed there ("out of order read", every PNG of such a design, v1 products too)."""
    photo = {
        "type": "image",
        "asset": "assets/landscape.jpg",
        "box": {"x": 0, "y": 0, "width": 304.8, "height": 406.4},
        "fit": "cover",
        "crop": "auto",
    }
    name = {
        "type": "text",
        "text": "Grandma Rose",
        "font": {"family": "dancing-script", "weight": 700},
        "size": 44,
        "box": {"x": 0, "y": 0, "width": 304.8, "height": 406.4},
        "align": "center",
        "valign": "middle",
        "shrink_to_fit": True,
    }
    v1 = render_design({"version": 1, "template": "tshirt-front-dtg", "layers": [photo, name]}, base_dir=EXAMPLES)
    back = render_design(_design("tshirt-dtg", back=[photo, name]), base_dir=EXAMPLES)
    assert v1.pixels == back.pixels == (3600, 4800)
    assert back.parts[0].part == "back" and back.data == v1.data  # same surface geometry: the same bytes
