"""The single-surface products of issue #18: phone cases from one dimension table, photo prints for frames, an
A5 kiss-cut sticker sheet, an A4 jigsaw and a folding-carton gift box.

Each example renders to a PDF read back with pikepdf: boxes in mm equal the *cited spec's* numbers (written
here from the spec, not read from the template), CMYK only with an output intent, the product's spot colours
by name, the same bytes twice. (tests/engine/test_pdf.py runs its own read-backs — Ghostscript without warnings, total
ink, no RGB, preview equals print by SSIM — over every example, these included.)
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from render_engine.engine import Engine
from render_engine.mockup.spec import mockup_spec
from render_engine.model.geometry import Path as VPath
from render_engine.model.product_tables import load_table
from render_engine.model.templates import TemplateCatalog
from render_engine.pipeline import render_file
from tests.conftest import EXAMPLES, ROOT
from tests.toolkit import STOREFRONT, app_client

pytestmark = [
    pytest.mark.skipif(shutil.which("gs") is None, reason="Ghostscript is installed by scripts/check.sh"),
    pytest.mark.filterwarnings("ignore:Using `httpx`"),
]

PT_PER_MM = 72 / 25.4
TABLE = ROOT / "templates_print" / "tables" / "phone-cases.json"
INCH = 25.4

# example -> (trim w, trim h, bleed) in mm as the cited spec states them, and the spot colours it must carry
SPEC: dict[str, tuple[float, float, float, set[str]]] = {
    "photo-print-5x7-photo.json": (5 * INCH, 7 * INCH, INCH / 8, set()),
    "photo-print-8x10-photo.json": (8 * INCH, 10 * INCH, INCH / 8, set()),
    "photo-print-a4-photo.json": (210.0, 297.0, 3.0, set()),
    "sticker-sheet-a5-stickers.json": (148.0, 210.0, 2.0, {"CutContour", "KissCut"}),
    "jigsaw-a4-photo.json": (297.0, 210.0, 3.0, {"CutContour"}),
    "gift-box-70-birthday.json": (15 + 4 * 70, 70 + 2 * (70 + 15), 3.0, {"CutContour", "Crease"}),
    # Apple / Samsung / Google body sizes + 2 mm case wall per side
    "phone-case-iphone-16-photo.json": (71.6 + 4, 147.6 + 4, 3.0, {"CutContour"}),
    "phone-case-galaxy-s24-photo.json": (70.6 + 4, 147.0 + 4, 3.0, {"CutContour"}),
    "phone-case-pixel-9-photo.json": (72.0 + 4, 152.8 + 4, 3.0, {"CutContour"}),
}
NEW_TEMPLATES = {
    "photo-print-5x7", "photo-print-8x10", "photo-print-a4", "sticker-sheet-a5", "jigsaw-a4", "gift-box-70",
    "phone-case-iphone-16", "phone-case-iphone-16-plus", "phone-case-iphone-16-pro", "phone-case-iphone-16-pro-max",
    "phone-case-galaxy-s24", "phone-case-galaxy-s24-ultra", "phone-case-galaxy-s25", "phone-case-pixel-9",
}


@pytest.fixture(scope="module")
def pdfs(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("products")
    return {name: render_file(EXAMPLES / name, engine, out, fmt="pdf").path for name in SPEC}


def test_every_template_loads_and_the_catalogue_lists_the_new_products(engine: Engine) -> None:
    catalog = TemplateCatalog(ROOT / "templates_print")
    assert set(catalog.templates) >= NEW_TEMPLATES
    assert len(catalog.templates) >= 8 + len(NEW_TEMPLATES)
    for t in catalog.templates.values():
        assert len(t.spec_source) > 20, t.id
        for private in ("shared/", "PRINT-FACTS", ".md", "/work/", "internal"):
            assert private not in t.spec_source, (t.id, private)
    out = subprocess.run([sys.executable, "-m", "render_engine.cli", "templates"], capture_output=True, text=True,
                         cwd=ROOT, timeout=120, check=True).stdout
    listed = {line.split()[0] for line in out.splitlines()[1:]}
    assert listed >= NEW_TEMPLATES


def test_the_api_lists_and_serves_table_templates(engine: Engine, tmp_path: Path) -> None:
    from render_engine.farm.settings import ServiceSettings

    key = STOREFRONT
    settings = ServiceSettings(storage_root=tmp_path, redis_url=None, api_keys=f"storefront:{key}")
    with app_client(settings, engine) as c:
        ids = {t["id"] for t in c.get("/v1/templates", headers={"X-API-Key": key}).json()["templates"]}
        assert ids >= NEW_TEMPLATES
        one = c.get("/v1/templates/phone-case-galaxy-s24", headers={"X-API-Key": key}).json()
        assert one["trim"] == {"width_mm": 74.6, "height_mm": 151.0}
        box = c.get("/v1/templates/gift-box-70", headers={"X-API-Key": key}).json()
        assert [d["kind"] for d in box["dielines"]] == ["crease"] and box["dielines"][0]["d"].startswith("M")


def test_phone_case_table_gives_a_template_per_model_with_the_tables_sizes(engine: Engine) -> None:
    raw: dict[str, Any] = json.loads(TABLE.read_text())
    table = load_table(TABLE)
    assert len(table.models) >= 6
    wall = raw["case"]["wall_mm"]
    for model_id, row in raw["models"].items():
        t = engine.templates.get(f"phone-case-{model_id}")
        w, h = row["body_mm"][0] + 2 * wall, row["body_mm"][1] + 2 * wall
        assert (t.trim_w, t.trim_h) == pytest.approx((w, h), abs=1e-6)
        assert t.cut_path is not None
        cut = VPath.from_svg(t.cut_path.d).bounds()
        assert cut is not None and (cut.x, cut.y, cut.w, cut.h) == pytest.approx((0, 0, w, h), abs=1e-3)
        cam, hole = row["camera"], VPath.from_svg(t.masks["camera"].d).bounds()
        assert hole is not None
        assert (hole.x, hole.y, hole.w, hole.h) == pytest.approx(
            (cam["x"], cam["y"], cam["width_mm"], cam["height_mm"]), abs=1e-3)
        assert row["name"] in t.spec_source and row["source"] in t.spec_source
        assert t.print_area is not None and t.print_area.d == t.cut_path.d + t.masks["camera"].d
    # the single-file iPhone 15 template is untouched by the table
    assert engine.templates.get("phone-case-iphone15").trim_w == 75.6


@pytest.mark.parametrize("example", sorted(SPEC))
def test_example_pdf_boxes_match_the_spec_and_carry_its_spot_colours(pdfs: dict[str, Path], example: str) -> None:
    w, h, b, spots = SPEC[example]
    with pikepdf.open(pdfs[example]) as pdf:
        page = pdf.pages[0]
        trim = [float(v) / PT_PER_MM for v in page.obj.TrimBox]
        bleed = [float(v) / PT_PER_MM for v in page.obj.BleedBox]
        assert bleed == pytest.approx([0, 0, w + 2 * b, h + 2 * b], abs=0.01)
        assert trim == pytest.approx([b, b, b + w, b + h], abs=0.01)
        assert pdf.Root.OutputIntents[0].S == "/GTS_PDFX"
        assert int(pdf.Root.OutputIntents[0].DestOutputProfile.N) == 4
        spaces = page.Resources.get("/ColorSpace", {})
        seps = {str(cs[1])[1:] for cs in spaces.values() if cs[0] == "/Separation"}
        assert seps == spots
        layers = [str(o.Name) for o in pdf.Root.OCProperties.OCGs] if "/OCProperties" in pdf.Root else []
        assert sorted(layers) == sorted(spots), "one optional-content layer per spot colour"
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image":
                assert obj.ColorSpace in ("/DeviceCMYK", "/DeviceGray")


@pytest.mark.parametrize("example", ["gift-box-70-birthday.json", "jigsaw-a4-photo.json",
                                     "sticker-sheet-a5-stickers.json", "phone-case-pixel-9-photo.json"])
def test_same_design_same_bytes(engine: Engine, pdfs: dict[str, Path], tmp_path: Path, example: str) -> None:
    again = render_file(EXAMPLES / example, engine, tmp_path, fmt="pdf").path
    assert hashlib.sha256(again.read_bytes()).digest() == hashlib.sha256(pdfs[example].read_bytes()).digest()


def test_jigsaw_pieces_and_sticker_outlines_are_in_their_spot_colours(pdfs: dict[str, Path], tmp_path: Path) -> None:
    """Ghostscript's separations: the jigsaw's CutContour plate carries 6 x 8 pieces' cuts (inked along every
    inner row and column line), the sticker sheet's KissCut plate 12 closed outlines and nothing on the sheet
    edge."""
    import numpy as np
    from PIL import Image

    def plate(pdf: Path, name: str, dpi: int) -> np.ndarray:
        d = tmp_path / pdf.stem
        d.mkdir()
        subprocess.run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=tiffsep", f"-r{dpi}",
                        f"-sOutputFile={d / 'p.tif'}", str(pdf)], check=True, capture_output=True)
        with Image.open(d / f"p({name}).tif") as im:
            return 1.0 - np.asarray(im.convert("L"), dtype=np.float64) / 255

    dpi = 50
    cut = plate(pdfs["jigsaw-a4-photo.json"], "CutContour", dpi)
    px = dpi / 25.4
    x0, x1 = round(3 * px), round(300 * px)
    for r in range(1, 6):
        y = round((3 + r * 35) * px)
        on_line = cut[y - 1 : y + 2].max(axis=0)[x0:x1] > 0.5
        assert 0.4 < on_line.mean() < 0.8, "straight between the tabs, leaving the line at each neck and knob"
        band = cut[y - round(8 * px) : y + round(8 * px) + 1].max(axis=0)[x0:x1] > 0.5
        assert band.mean() > 0.97, "the cut is continuous across the puzzle (knobs within 8 mm of the line)"
    kiss = plate(pdfs["sticker-sheet-a5-stickers.json"], "KissCut", dpi)
    from skimage.measure import label

    assert int(label(kiss > 0.3).max()) == 12, "twelve separate sticker outlines"
    edge = kiss[: round(3 * px)].max()
    assert edge == 0, "no kiss-cut on the sheet's edge (that is the CutContour)"


@pytest.mark.parametrize("template_id", sorted(NEW_TEMPLATES))
def test_every_new_product_has_a_mockup_scene(engine: Engine, template_id: str) -> None:
    t = engine.templates.get(template_id)
    spec = mockup_spec(t)
    folder = ROOT / "mockups" / template_id
    for name in spec.files():
        assert (folder / name).is_file(), f"{template_id}: {name}"


@pytest.mark.parametrize("example", sorted(SPEC))
def test_every_new_example_renders_a_mockup(engine: Engine, example: str) -> None:
    from render_engine.mockup.render import render_mockup
    from render_engine.model.design import load_design_file
    from render_engine.pipeline import prepare

    prep = prepare(load_design_file(EXAMPLES / example), engine, EXAMPLES)
    jpeg = render_mockup(prep, engine, width=300, fmt="jpeg")
    assert jpeg[:3] == b"\xff\xd8\xff" and len(jpeg) > 3000


def test_a_bad_table_row_is_a_template_error_naming_its_field(tmp_path: Path) -> None:
    from render_engine.model.errors import TemplateError

    raw: dict[str, Any] = json.loads(TABLE.read_text())
    folder = tmp_path / "templates"
    (folder / "tables").mkdir(parents=True)
    bad = json.loads(json.dumps(raw))
    bad["models"]["pixel-9"]["camera"]["x"] = 70.0  # 70 + 58 mm wide: past the 76 mm case
    (folder / "tables" / "phone-cases.json").write_text(json.dumps(bad))
    with pytest.raises(TemplateError) as exc:
        _ = TemplateCatalog(folder).templates
    assert exc.value.field == "models.pixel-9.camera" and "76 x 156.8 mm" in str(exc.value)
    bad = json.loads(json.dumps(raw))
    bad["models"]["galaxy-s24"]["body_mm"] = [70.6]
    (folder / "tables" / "phone-cases.json").write_text(json.dumps(bad))
    with pytest.raises(TemplateError) as exc:
        _ = TemplateCatalog(folder).templates
    assert exc.value.field.startswith("models.galaxy-s24.body_mm")
    (folder / "tables" / "phone-cases.json").write_text(json.dumps(raw))
    same = json.loads((ROOT / "templates_print" / "phone-case-iphone15.json").read_text())
    (folder / "phone-case-iphone-16.json").write_text(json.dumps({**same, "id": "phone-case-iphone-16"}))
    with pytest.raises(TemplateError) as exc:  # a file and a table row may not share an id
        _ = TemplateCatalog(folder).templates
    assert "phone-case-iphone-16" in str(exc.value) and "twice" in str(exc.value)


def test_a_product_with_its_own_file_loads_without_the_rest_of_the_catalog(tmp_path: Path) -> None:
    # issue 22 (cold start): `render-engine render` of a mug reads and validates the mug's file only; the whole
    # catalog (every file, every table row, their dielines) loads when listed, and still refuses a broken file
    from render_engine.model.errors import TemplateError

    folder = tmp_path / "templates"
    folder.mkdir()
    shutil.copy(ROOT / "templates_print" / "mug-11oz.json", folder)
    (folder / "broken.json").write_text("{not json")
    catalog = TemplateCatalog(folder)
    mug = catalog.get("mug-11oz")
    assert mug.id == "mug-11oz" and catalog.get("mug-11oz") is mug
    assert "templates" not in catalog.__dict__, "the catalog was loaded for one product"
    with pytest.raises(TemplateError) as exc:
        _ = catalog.templates
    assert "broken.json: cannot read template" in str(exc.value)
    (folder / "broken.json").unlink()
    assert catalog.templates["mug-11oz"] is mug  # one id, one object
    renamed = TemplateCatalog(folder)
    (folder / "mug-12oz.json").write_text((folder / "mug-11oz.json").read_text())
    with pytest.raises(TemplateError) as exc:  # the id is still checked against the file name
        renamed.get("mug-12oz")
    assert exc.value.field == "id" and "must equal the file name" in str(exc.value)
    (folder / "mug-12oz.json").unlink()
    with pytest.raises(TemplateError) as exc:  # an id is a file name only when it is a template id
        TemplateCatalog(folder).get("mug-11oz\n")
    assert "unknown template" in str(exc.value)
