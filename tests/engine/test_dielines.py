"""Dielines (issue #18): cut, crease, fold, kiss-cut and perforation lines from template data, each kind a named
Separation on its own optional-content layer, overprinting; guides in the proof, absent from the customer's
preview; preflight warns about text on a fold.

Read back with independent readers: pikepdf (colour spaces, layers, the content stream), Ghostscript's
``tiffsep`` (one plate per separation: where each spot colour actually inks) and poppler's ``pdftoppm``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from PIL import Image

from render_engine.checks.preflight import preflight
from render_engine.checks.proof import proof_image
from render_engine.checks.report import PreflightReport
from render_engine.engine import Engine
from render_engine.model.design import load_design_file, parse_design
from render_engine.model.dielines import GridSpec, JigsawSpec, grid_d, jigsaw_d
from render_engine.model.errors import TemplateError
from render_engine.model.geometry import Path as VPath
from render_engine.model.templates import Template
from render_engine.pipeline import prepare, render_file
from tests.conftest import EXAMPLES, design

pytestmark = pytest.mark.skipif(shutil.which("gs") is None, reason="Ghostscript is installed by scripts/check.sh")

GIFT_BOX = EXAMPLES / "gift-box-70-birthday.json"
BLEED = 3.0
# points of the 70 mm carton's flat layout (trim mm): one only on a crease, one only on the cut outline
ON_CREASE = (85.0, 120.0)  # the fold between the left side panel and the front panel
ON_CUT = (260.0, 0.0)  # the top edge of the lid's tuck flap
NEITHER = (146.0, 100.0)  # inside the front panel, right of the star


@pytest.fixture(scope="module")
def box_pdf(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render_file(GIFT_BOX, engine, tmp_path_factory.mktemp("box"), fmt="pdf").path


def _layers_and_spots(pdf: pikepdf.Pdf) -> list[tuple[str, str]]:
    """(optional-content layer name, Separation name) for every stroke inside a marked-content /OC block."""
    page = pdf.pages[0]
    props = page.Resources.Properties
    spaces = page.Resources.ColorSpace
    out: list[tuple[str, str]] = []
    layer = None
    for operands, op in pikepdf.parse_content_stream(page):
        name = str(op)
        if name == "BDC" and str(operands[0]) == "/OC":
            layer = str(props[str(operands[1])].Name)
        elif name == "EMC":
            layer = None
        elif name == "CS" and layer is not None:
            cs = spaces[str(operands[0])]
            assert cs[0] == "/Separation" and cs[2] == "/DeviceCMYK"
            out.append((layer, str(cs[1])[1:]))
    return out


def test_cut_and_crease_are_separate_named_spots_each_on_its_own_layer(box_pdf: Path) -> None:
    with pikepdf.open(box_pdf) as pdf:
        ocgs = [str(o.Name) for o in pdf.Root.OCProperties.OCGs]
        assert ocgs == ["CutContour", "Crease"], "one layer per dieline kind, the cut first"
        assert _layers_and_spots(pdf) == [("CutContour", "CutContour"), ("Crease", "Crease")]
        default = pdf.Root.OCProperties.D
        assert [str(o.Name) for o in default.ON] == ocgs, "both layers are on by default"
        overprint = [g for g in pdf.pages[0].Resources.ExtGState.values() if g.get("/OP") is True]
        assert overprint and all(g.get("/op") is True for g in overprint), "dielines overprint"


def _plates(pdf: Path, tmp: Path, dpi: int) -> dict[str, np.ndarray]:
    """Ghostscript's separations: plate name -> ink coverage 0..1 (tiffsep writes 0 = full ink)."""
    out = tmp / "sep.tif"
    r = subprocess.run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=tiffsep", f"-r{dpi}",
                        f"-sOutputFile={out}", str(pdf)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    plates = {}
    for f in tmp.glob("sep(*).tif"):
        with Image.open(f) as im:
            plates[f.name[4:-5]] = 1.0 - np.asarray(im.convert("L"), dtype=np.float64) / 255
    return plates


def _px(pt: tuple[float, float], dpi: float, bleed: float = BLEED) -> tuple[int, int]:
    return round((pt[1] + bleed) * dpi / 25.4), round((pt[0] + bleed) * dpi / 25.4)


def _near(plate: np.ndarray, pt: tuple[float, float], dpi: float, r: int = 2) -> float:
    y, x = _px(pt, dpi)
    return float(plate[y - r : y + r + 1, x - r : x + r + 1].max())


def test_each_spot_inks_only_its_own_lines_and_knocks_nothing_out(box_pdf: Path, tmp_path: Path) -> None:
    dpi = 100
    plates = _plates(box_pdf, tmp_path, dpi)
    assert {"Cyan", "Magenta", "Yellow", "Black", "CutContour", "Crease"} <= set(plates)
    crease, cut, cyan = plates["Crease"], plates["CutContour"], plates["Cyan"]
    assert _near(crease, ON_CREASE, dpi) > 0.9 and _near(cut, ON_CREASE, dpi) == 0
    assert _near(cut, ON_CUT, dpi) > 0.9 and _near(crease, ON_CUT, dpi) == 0
    assert _near(crease, NEITHER, dpi) == 0 and _near(cut, NEITHER, dpi) == 0
    # hairlines: 0.25 mm is ~1 px at 100 DPI; the crease plate inks a few per cent of the page, not areas
    assert 0.002 < float((crease > 0.5).mean()) < 0.05
    # overprint: the process plates under the crease are the background's, not knocked out to paper
    y, x = _px(ON_CREASE, dpi)
    assert abs(cyan[y, x] - cyan[y, x + 6]) < 0.05 and cyan[y, x] > 0.5


def _rgb_at(img: np.ndarray, pt: tuple[float, float], dpi: float) -> np.ndarray:
    y, x = _px(pt, dpi)
    return img[y, x].astype(np.float64)


def test_lines_show_in_the_pdf_and_proof_but_not_in_the_customer_preview(
    engine: Engine, box_pdf: Path, tmp_path: Path
) -> None:
    dpi = 100
    # poppler, layers as the file says (on): the crease is drawn in its alternate colour (cyan)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(box_pdf), str(tmp_path / "pop")],
                   check=True)
    with Image.open(tmp_path / "pop.png") as im:
        pop = np.asarray(im.convert("RGB"))
    bg = _rgb_at(pop, NEITHER, dpi)
    y, x = _px(ON_CREASE, dpi)
    line = pop[y, x - 2 : x + 3].astype(np.float64)
    assert np.abs(line - bg).sum(axis=1).max() > 60, "the crease is visible with its layer on"
    # the customer's PNG preview (raster backend): no dieline anywhere
    png = render_file(GIFT_BOX, engine, tmp_path, fmt="png", dpi=dpi).path
    with Image.open(png) as im:
        prev = np.asarray(im.convert("RGB"))
    bg = _rgb_at(prev, NEITHER, dpi)
    for pt in (ON_CREASE, (15.0, 120.0), (155.0, 120.0)):
        y, x = _px(pt, dpi)
        assert np.abs(prev[y - 2 : y + 3, x - 2 : x + 3].astype(np.float64) - bg).max() < 12, pt
    # the proof: dashed guide in the crease colour along the fold
    prep = prepare(load_design_file(GIFT_BOX), engine, EXAMPLES)
    proof = proof_image(preflight(prep, engine), prep, engine, dpi=dpi)
    arr = np.ndarray(buffer=proof.write_to_memory(), dtype=np.uint8, shape=(proof.height, proof.width, 3))
    ys = range(_px((85.0, 90.0), dpi)[0], _px((85.0, 150.0), dpi)[0])
    x = _px(ON_CREASE, dpi)[1]
    guide = np.array([0, 160, 224], dtype=np.float64)
    close = [np.abs(arr[yy, x - 1 : x + 2].astype(np.float64) - guide).sum(axis=1).min() < 90 for yy in ys]
    assert 0.3 < np.mean(close) < 0.95, "a dashed guide: mostly drawn, with gaps"


def test_text_on_a_crease_is_a_preflight_warning(engine: Engine) -> None:
    def text_at(x: float) -> dict[str, object]:
        return {"type": "text", "text": "Happy Birthday", "font": {"family": "noto-sans"}, "size": 12,
                "color": "#000000", "box": {"x": x, "y": 110, "width": 40, "height": 10}}

    def report(x: float) -> PreflightReport:
        return preflight(prepare(parse_design(design("gift-box-70", text_at(x))), engine, EXAMPLES), engine)

    on = report(66.0)  # spans the crease at x = 85
    finding = next(f for f in on.findings if f.code == "layout.text_on_fold")
    assert finding.severity == "warning" and finding.extra == {"dieline": "crease"}
    assert finding.region is not None and finding.region.x <= 85 <= finding.region.x1
    assert finding.measured == 0 and finding.unit == "mm", "the crease runs through the letters"
    near = report(85.5)  # starts just right of the crease: ink within the 1.5 mm clearance, not crossed
    f2 = next(f for f in near.findings if f.code == "layout.text_on_fold")
    assert 0 < f2.measured < 1.5
    assert "layout.text_on_fold" not in report(100.0).codes(), "inside the front panel, 15 mm from either crease"


# ------------------------------------------------------------------------------------- generated lines


def _subpaths(d: str) -> list[list[tuple[float, float]]]:
    out: list[list[tuple[float, float]]] = []
    for op, pts in VPath.from_svg(d).ops:
        if op == "M":
            out.append([pts[0]])
        elif pts:
            out[-1].append(pts[-1])
    return out


def test_jigsaw_cuts_are_deterministic_and_cross_the_whole_puzzle() -> None:
    rect = (0.0, 0.0, 297.0, 210.0)
    spec = JigsawSpec(type="jigsaw", rows=6, cols=8, border=False)
    d = jigsaw_d(spec, rect)
    assert d == jigsaw_d(JigsawSpec(type="jigsaw", rows=6, cols=8, border=False), rect), "same numbers, same cuts"
    assert d != jigsaw_d(JigsawSpec(type="jigsaw", rows=6, cols=8, border=False, seed=1), rect)
    subs = _subpaths(d)
    assert len(subs) == (6 - 1) + (8 - 1), "one cut per inner row line and column line"
    assert d.count("C") == 4 * ((6 - 1) * 8 + (8 - 1) * 6), "four curves per piece edge (neck and knob)"
    for s in subs[:5]:  # row lines run from the left edge to the right edge
        assert s[0][0] == 0 and s[-1][0] == pytest.approx(297)
    for s in subs[5:]:
        assert s[0][1] == 0 and s[-1][1] == pytest.approx(210)
    # every piece keeps a body: tabs reach at most 0.22 of the shorter piece side from their line
    pw, ph = 297 / 8, 210 / 6
    for r, s in enumerate(subs[:5], 1):
        ys = [p[1] for p in s]
        assert max(abs(y - r * ph) for y in ys) <= 0.22 * min(pw, ph) + 1e-6
    signs = {s[2][1] > r * ph for r, s in enumerate(subs[:5], 1)}
    assert signs == {True, False}, "tabs point both ways"


def test_sticker_grid_keeps_sticker_apps_spacing() -> None:
    """StickerApp's sheet rule: >= 2 mm between cutlines and from cutlines to the sheet edge."""
    g = GridSpec(type="grid", rows=4, cols=3, width_mm=40, height_mm=44, radius_mm=4, margin_mm=4)
    subs = _subpaths(grid_d(g, (4, 4, 140, 202)))
    assert len(subs) == 12
    boxes = []
    for s in subs:
        b = VPath.from_svg("M" + "L".join(f"{x} {y}" for x, y in s)).bounds()
        assert b is not None and b.w == pytest.approx(40) and b.h == pytest.approx(44)
        assert min(b.x, b.y, 148 - b.x1, 210 - b.y1) >= 2
        boxes.append(b)
    gaps = [max(b.x - a.x1, a.x - b.x1, b.y - a.y1, a.y - b.y1) for i, a in enumerate(boxes) for b in boxes[i + 1 :]]
    assert min(gaps) >= 2


def test_a_bad_generator_is_a_template_error_naming_its_field(tmp_path: Path) -> None:
    import json

    from render_engine.model.templates import load_template_file

    data = json.loads((EXAMPLES.parent / "templates_print" / "jigsaw-a4.json").read_text())
    data["dielines"][0]["generate"]["rows"] = 1
    bad = tmp_path / "jigsaw-a4.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(TemplateError) as exc:
        load_template_file(bad)
    assert exc.value.field.startswith("dielines.0.generate") and exc.value.field.endswith("rows")
    ok = Template.model_validate({**data, "dielines": []})
    assert ok.dielines == []


def test_a_cards_fold_line_is_a_fold_separation_on_its_own_layer(engine: Engine, tmp_path: Path) -> None:
    """The folded card's straight fold (Template.folds, at 127 mm of its 254 mm spread) is drawn as the
    ``Fold`` spot colour on every page of card.pdf, inked along the fold and nowhere else."""
    from render_engine.parts import prepare_parts, render_parts

    prepared = prepare_parts(load_design_file(EXAMPLES / "card-folded-5x7-birthday.json"), engine, EXAMPLES)
    (card,) = render_parts(prepared, engine, tmp_path)
    with pikepdf.open(card.path) as pdf:
        assert "Fold" in [str(o.Name) for o in pdf.Root.OCProperties.OCGs]
        for page in pdf.pages:
            seps = {str(cs[1])[1:] for cs in page.Resources.ColorSpace.values() if cs[0] == "/Separation"}
            assert "Fold" in seps
    with pikepdf.open(card.path) as pdf, pikepdf.new() as one:
        one.pages.append(pdf.pages[0])
        one.save(tmp_path / "page1.pdf")
    dpi = 50
    fold = _plates(tmp_path / "page1.pdf", tmp_path, dpi)["Fold"]
    bleed = 3.175
    cols = np.nonzero(fold.max(axis=0) > 0.5)[0]
    assert len(cols) and abs((cols.mean() + 0.5) / dpi * 25.4 - bleed - 127.0) < 0.6, "one line at x = 127 mm"
    rows = np.nonzero(fold.max(axis=1) > 0.5)[0]
    assert (rows.max() - rows.min()) / dpi * 25.4 > 177.8 - 1.5, "across the whole trim height"
