"""CMYK PDF/X-4 print files, read back with independent readers (pikepdf/qpdf, Ghostscript, poppler).

What a print unit checks before it accepts a file: boxes, output intent, colour spaces, fonts, cut
contours, ink limits, and that the file renders without warnings. And what the customer was promised:
the PDF looks like the preview (SSIM against the raster backend's PNG).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from PIL import Image
from skimage.metrics import structural_similarity

from render_engine.engine import Engine
from render_engine.pipeline import render_file
from tests.conftest import EXAMPLES, V1_EXAMPLES
from tests.pdf_support import box_reduced, ghostscript_png, rgb

pytestmark = pytest.mark.skipif(shutil.which("gs") is None, reason="Ghostscript is installed by scripts/check.sh")

PT_PER_MM = 72 / 25.4
CMYK_EXAMPLES = [p.name for p in V1_EXAMPLES if "tshirt" not in p.name]  # multi-surface: test_surfaces.py
DIE_CUT = ["coaster-95-round-arc.json", "phone-case-iphone15-photo.json"]


@pytest.fixture(scope="module")
def pdfs(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("pdf")
    return {name: render_file(EXAMPLES / name, engine, out, fmt="pdf").path for name in CMYK_EXAMPLES}


def _box_mm(page: pikepdf.Page, name: str) -> tuple[float, ...]:
    return tuple(float(v) / PT_PER_MM for v in page.obj[name])


@pytest.mark.parametrize("example", CMYK_EXAMPLES)
def test_boxes_are_trim_and_bleed_in_mm(engine: Engine, pdfs: dict[str, Path], example: str) -> None:
    import json

    t = engine.templates.get(json.loads((EXAMPLES / example).read_text())["template"])
    with pikepdf.open(pdfs[example]) as pdf:
        page = pdf.pages[0]
        media, bleed, trim = _box_mm(page, "/MediaBox"), _box_mm(page, "/BleedBox"), _box_mm(page, "/TrimBox")
    assert media == pytest.approx(bleed, abs=0.01)
    assert bleed == pytest.approx((0, 0, t.trim_w + 2 * t.bleed_mm, t.trim_h + 2 * t.bleed_mm), abs=0.1)
    b = t.bleed_mm
    assert trim == pytest.approx((b, b, b + t.trim_w, b + t.trim_h), abs=0.1)


@pytest.mark.parametrize("example", CMYK_EXAMPLES)
def test_pdfx4_output_intent_and_metadata(pdfs: dict[str, Path], example: str) -> None:
    with pikepdf.open(pdfs[example]) as pdf:
        intents = pdf.Root.OutputIntents
        assert len(intents) == 1 and intents[0].S == "/GTS_PDFX"
        profile = intents[0].DestOutputProfile
        assert int(profile.N) == 4
        assert profile.read_bytes()[16:20] == b"CMYK", "the output intent carries a CMYK ICC profile"
        assert str(intents[0].OutputConditionIdentifier)
        assert str(pdf.trailer.Info.GTS_PDFXVersion) == "PDF/X-4"
        assert pdf.trailer.Info.Trapped == "/False"
        assert "D:2026" in str(pdf.trailer.Info.CreationDate), "creation date comes from the job, not the clock"
        assert len(pdf.trailer.ID) == 2
        with pdf.open_metadata() as meta:
            assert meta.get("pdfxid:GTS_PDFXVersion") == "PDF/X-4"
        assert pdf.pdf_version >= "1.6"


def _all_names(obj: object, seen: set[int] | None = None) -> set[str]:
    seen = set() if seen is None else seen
    out: set[str] = set()
    if isinstance(obj, pikepdf.Name):
        out.add(str(obj))
    elif isinstance(obj, pikepdf.Dictionary | pikepdf.Stream | pikepdf.Array):
        if obj.is_indirect:
            if obj.objgen in seen:
                return out
            seen.add(obj.objgen)
        items = obj.values() if not isinstance(obj, pikepdf.Array) else list(obj)
        for v in items:
            out |= _all_names(v, seen)
    return out


@pytest.mark.parametrize("example", CMYK_EXAMPLES)
def test_nothing_in_the_file_is_rgb(pdfs: dict[str, Path], example: str) -> None:
    with pikepdf.open(pdfs[example]) as pdf:
        names = _all_names(pdf.Root) | _all_names(pdf.pages[0].obj)
        assert not names & {"/DeviceRGB", "/CalRGB", "/RGB"}
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image":
                cs = obj.get("/ColorSpace")
                assert cs in ("/DeviceCMYK", "/DeviceGray"), f"image colour space {cs}"
                if cs == "/DeviceGray":
                    assert any(o.get("/SMask") == obj for o in pdf.objects if isinstance(o, pikepdf.Stream)), (
                        "grey images may only be soft masks"
                    )
            if isinstance(obj, pikepdf.Array) and len(obj) == 2 and obj[0] == "/ICCBased":
                assert int(obj[1].N) == 4
        for operands, op in pikepdf.parse_content_stream(pdf.pages[0]):
            assert str(op) not in ("rg", "RG"), "no RGB colour operators"
            if str(op) in ("k", "K"):
                assert all(0 <= float(v) <= 1 for v in operands)


@pytest.mark.parametrize("example", CMYK_EXAMPLES)
def test_text_is_vector_outlines_not_fonts_or_pixels(pdfs: dict[str, Path], example: str) -> None:
    result = subprocess.run(["pdffonts", str(pdfs[example])], capture_output=True, text=True, check=True)
    assert len(result.stdout.strip().splitlines()) == 2, "outlined text: the file needs no fonts"


def test_explicit_cmyk_passes_through_and_black_text_is_pure_k(pdfs: dict[str, Path]) -> None:
    with pikepdf.open(pdfs["card-5x7-multilingual.json"]) as pdf:
        fills = [tuple(round(float(v), 4) for v in ops) for ops, op in pikepdf.parse_content_stream(pdf.pages[0])
                 if str(op) == "k"]
    assert (0.04, 0.02, 0.12, 0.0) in fills, "the background's explicit CMYK is written untouched"
    assert (0.0, 0.0, 0.0, 1.0) in fills, "#000000 text becomes 0/0/0/100"


@pytest.mark.parametrize("example", DIE_CUT)
def test_die_cut_products_carry_a_cutcontour_separation(pdfs: dict[str, Path], example: str) -> None:
    with pikepdf.open(pdfs[example]) as pdf:
        page = pdf.pages[0]
        spaces = page.Resources.ColorSpace
        seps = {str(cs[1]): cs for cs in spaces.values() if cs[0] == "/Separation"}
        assert "/CutContour" in seps
        assert seps["/CutContour"][2] == "/DeviceCMYK"
        ocgs = [str(o.Name) for o in pdf.Root.OCProperties.OCGs]
        assert "CutContour" in ocgs, "the cut line sits on its own optional-content layer"
        overprint = [g for g in page.Resources.ExtGState.values() if g.get("/OP") is True]
        assert overprint, "the cut line overprints"
        ops = [str(op) for _, op in pikepdf.parse_content_stream(page)]
        assert "SCN" in ops and "S" in ops


def _gs(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", *args], capture_output=True, text=True)


@pytest.mark.parametrize("example", CMYK_EXAMPLES)
def test_ghostscript_renders_without_warnings(pdfs: dict[str, Path], example: str) -> None:
    r = _gs(["-sDEVICE=nullpage", "-r36", str(pdfs[example])])
    assert r.returncode == 0 and r.stdout.strip() == "" and r.stderr.strip() == "", r.stdout + r.stderr


@pytest.mark.parametrize("example", CMYK_EXAMPLES)
def test_total_ink_stays_within_the_profile_limit(pdfs: dict[str, Path], tmp_path: Path, example: str) -> None:
    tif = tmp_path / "sep.tif"
    r = _gs(["-sDEVICE=tiff32nc", "-r50", f"-sOutputFile={tif}", str(pdfs[example])])
    assert r.returncode == 0, r.stderr
    with Image.open(tif) as im:
        cmyk = np.asarray(im).astype(np.float64) / 255 * 100
    tac = cmyk.sum(axis=2)
    # 300 % is the FOGRA39L build's limit; JPEG ringing at hard edges may add a few percent on single pixels
    assert np.percentile(tac, 99.9) <= 305, f"TAC p99.9 {np.percentile(tac, 99.9):.0f} %"


def test_same_design_same_pdf_bytes(engine: Engine, tmp_path: Path) -> None:
    src = EXAMPLES / "coaster-95-round-arc.json"
    a = render_file(src, engine, tmp_path / "a", fmt="pdf").path.read_bytes()
    b = render_file(src, engine, tmp_path / "b", fmt="pdf").path.read_bytes()
    assert a == b


# ----------------------------------------------------------------------- preview equals print (SSIM)


def _without_cut_layer(src: Path, dst: Path) -> Path:
    """A copy with the CutContour/White layers switched off, as a prepress viewer shows the artwork."""
    with pikepdf.open(src) as pdf:
        if "/OCProperties" in pdf.Root:
            props = pdf.Root.OCProperties
            props.D.OFF = pikepdf.Array(list(props.OCGs))
            props.D.ON = pikepdf.Array([])
        pdf.save(dst)
    return dst

DPI = 160  # both rasterised at 160 DPI, then box-filtered 4x (Ghostscript point-samples images)
# lower bounds that differ from 0.97, with the reason
SSIM_FLOOR: dict[str, float] = {
    # a 35 %-opaque black panel over the photo: the press blends transparency in CMYK (the PDF's page group)
    # with the rich black 60/60/60/100, the preview blends in sRGB, so the panel prints darker than it
    # previews. Measured 0.961; the rest of the poster matches like the other examples.
    "poster-24x36-landscape.json": 0.955,
}


@pytest.mark.parametrize("example", CMYK_EXAMPLES)
def test_pdf_looks_like_the_raster_preview(
    engine: Engine, pdfs: dict[str, Path], tmp_path: Path, example: str
) -> None:
    raster = render_file(EXAMPLES / example, engine, tmp_path, fmt="png", dpi=DPI, soft_proof=True).path
    pdf_path = _without_cut_layer(pdfs[example], tmp_path / "view.pdf")
    png = ghostscript_png(pdf_path, tmp_path / "gs.png", DPI)
    want, got = box_reduced(rgb(raster), 4), box_reduced(rgb(png), 4)
    ssim = structural_similarity(want, got, channel_axis=2, data_range=255)
    floor = SSIM_FLOOR.get(example, 0.97)
    print(f"{example}: SSIM print vs preview = {ssim:.4f}")
    assert ssim >= floor, f"SSIM {ssim:.4f} < {floor}"


def test_svg_clip_art_stays_vector_in_cmyk(pdfs: dict[str, Path]) -> None:
    with pikepdf.open(pdfs["mug-15oz-anniversary.json"]) as pdf:
        xobjects = pdf.pages[0].Resources.XObject
        kinds = {str(x.Subtype) for x in xobjects.values()}
        assert kinds == {"/Form"}, "the two hearts are vector forms, not images"
        for form in xobjects.values():
            ops = {str(i.operator) for i in pikepdf.parse_content_stream(form)}
            assert "k" in ops and not ops & {"rg", "RG", "g", "G", "sc", "scn"}


def test_white_underbase_and_cut_offset_are_options(engine: Engine, tmp_path: Path) -> None:
    from render_engine.backends.pdf import PdfOptions
    from render_engine.model.design import load_design_file
    from render_engine.pipeline import render_design

    d = load_design_file(EXAMPLES / "coaster-95-round-arc.json")
    opts = PdfOptions(white_underbase=True, cut_offset_mm=2.0)
    out = render_design(d, engine, tmp_path / "c.pdf", base_dir=EXAMPLES, fmt="pdf", pdf_options=opts).path
    with pikepdf.open(out) as pdf:
        page = pdf.pages[0]
        seps = {str(cs[1]) for cs in page.Resources.ColorSpace.values() if cs[0] == "/Separation"}
        assert {"/White", "/CutContour"} <= seps
        # the cut circle grows by 2 mm on each side: its path spans 95 + 4 mm
        xs: list[float] = []
        in_cut = False
        for inst in pikepdf.parse_content_stream(page):
            op = str(inst.operator)
            if op == "BDC":
                in_cut = True
            elif op == "EMC":
                in_cut = False
            elif in_cut and op in ("m", "l", "c"):
                xs += [float(v) for v in inst.operands[0::2]]
        # the last marked-content section is the cut line; page space is mm there
        assert max(xs) - min(xs) == pytest.approx(99.0, abs=0.05)


def test_photos_keep_their_resolution_but_are_downsampled_far_above_target(
    engine: Engine, tmp_path: Path, assets_dir: Path
) -> None:
    from render_engine.model.design import parse_design
    from render_engine.pipeline import render_design
    from tests.conftest import design

    def stored_width(box_w: float) -> int:
        d = parse_design(design("card-5x7", {"type": "image", "asset": "photo-1200x800.jpg", "fit": "stretch",
                                             "box": {"x": 0, "y": 0, "width": box_w, "height": box_w / 1.5}}))
        out = render_design(d, engine, tmp_path / f"{box_w}.pdf", base_dir=assets_dir, fmt="pdf").path
        with pikepdf.open(out) as pdf:
            (img,) = [x for x in pdf.pages[0].Resources.XObject.values()]
            return int(img.Width)

    # 1200 px over 110 mm = 277 DPI (below the 300 DPI target): stored as is, never upsampled
    assert stored_width(110.0) == 1200
    # 1200 px over 20 mm = 1524 DPI: stored at the 300 DPI target
    assert stored_width(20.0) == round(20 / 25.4 * 300)


def test_photo_with_alpha_gets_a_soft_mask(engine: Engine, tmp_path: Path, assets_dir: Path) -> None:
    from render_engine.model.design import parse_design
    from render_engine.pipeline import render_design
    from tests.conftest import design

    d = parse_design(design("card-5x7", {"type": "image", "asset": "grey-alpha.png", "fit": "contain",
                                         "box": {"x": 10, "y": 10, "width": 50, "height": 50}}))
    out = render_design(d, engine, tmp_path / "a.pdf", base_dir=assets_dir, fmt="pdf").path
    with pikepdf.open(out) as pdf:
        (img,) = list(pdf.pages[0].Resources.XObject.values())
        assert img.ColorSpace == "/DeviceCMYK" and img.SMask.ColorSpace == "/DeviceGray"
        assert pdf.pages[0].Group.CS == "/DeviceCMYK"


def test_svg_using_a_gradient_skips_cairosvg_and_is_placed_as_a_raster(engine: Engine) -> None:
    """A referenced gradient, pattern or mask (or an <image>) would come back from CairoSVG as shadings or soft
    masks, which the Form path refuses: such documents go straight to librsvg's raster (issue 22)."""
    from render_engine.backends.pdf import needs_raster
    from render_engine.inputs.assets import load_svg
    from render_engine.testing import synth

    def raster(svg: str) -> bool:
        return needs_raster(load_svg(svg.encode(), "svg", engine.settings).data)

    head = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><defs><linearGradient id="g">'
    grad = head + '<stop offset="0" stop-color="red"/><stop offset="1" stop-color="blue"/></linearGradient></defs>'
    assert raster(synth.badge_svg())
    assert raster(grad + '<rect width="5" height="5" fill="url(#g)"/></svg>')
    assert raster(grad + '<rect width="5" height="5" style="fill:url(#g)"/></svg>')
    assert not raster(grad + '<rect width="5" height="5" fill="blue"/></svg>')  # defined, never used
    assert not raster(synth.heart_svg()) and not raster(synth.star_svg())
