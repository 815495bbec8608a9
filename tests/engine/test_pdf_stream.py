"""Many pages in one PDF/X-4, one page in memory at a time (backends/pdf_stream.py).

Read back with independent readers: pikepdf/qpdf (structure, boxes per page, colour spaces, syntax check),
poppler's pdfinfo (page count, PDF/X subtype) and Ghostscript (every page renders). Each page must carry
exactly the content stream and boxes the one-page writer produces for the same design."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pikepdf
import pytest

from render_engine.backends.pdf_stream import write_layout_pages
from render_engine.engine import Engine
from render_engine.layout.plan import Layout
from render_engine.model.design import load_design_file
from render_engine.model.units import mm_to_pt
from render_engine.pipeline import prepare, render_design

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ["mug-11oz-photo-name.json", "card-5x7-multilingual.json", "coaster-95-round-arc.json"]


def _layouts(engine: Engine) -> list[Layout]:
    out = []
    for name in EXAMPLES:
        path = ROOT / "examples" / name
        out.append(prepare(load_design_file(path), engine, path.parent).layout)
    return out


def _write(engine: Engine, out: Path, workers: int) -> Path:
    layouts = _layouts(engine)
    pages = [lambda lay=lay: lay for lay in layouts]
    return write_layout_pages(pages, engine, out, icc_profile="fogra39l-coated", title="three products",
                           created="2026-12-07T00:00:00Z", workers=workers)  # fmt: skip


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    engine = Engine()
    folder = tmp_path_factory.mktemp("pages")
    return _write(engine, folder / "one-worker.pdf", 1), _write(engine, folder / "two-workers.pdf", 2)


def test_pages_in_order_with_their_own_boxes_and_the_one_page_writers_content(
    three: tuple[Path, Path], tmp_path: Path
) -> None:
    engine = Engine()
    with pikepdf.open(three[0]) as pdf:
        assert len(pdf.pages) == 3
        assert pdf.check_pdf_syntax() == []
        for page, (name, lay) in zip(pdf.pages, zip(EXAMPLES, _layouts(engine), strict=True), strict=True):
            t = lay.template
            trim = [float(v) for v in page.TrimBox]
            bleed = [float(v) for v in page.BleedBox]
            assert trim[2] - trim[0] == pytest.approx(mm_to_pt(t.trim_w), abs=1e-3), name
            assert trim[3] - trim[1] == pytest.approx(mm_to_pt(t.trim_h), abs=1e-3), name
            assert bleed[2] - bleed[0] == pytest.approx(mm_to_pt(t.bleed_w), abs=1e-3), name
            assert [float(v) for v in page.MediaBox] == bleed
            single = render_design(load_design_file(ROOT / "examples" / name), engine, tmp_path / f"{name}.pdf",
                                   base_dir=ROOT / "examples", fmt="pdf")  # fmt: skip
            with pikepdf.open(single.path) as one:
                assert page.Contents.read_bytes() == one.pages[0].Contents.read_bytes(), name
                assert [float(v) for v in one.pages[0].TrimBox] == trim


def test_pdfx_document_level_and_cmyk_only(three: tuple[Path, Path]) -> None:
    with pikepdf.open(three[0]) as pdf:
        (intent,) = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFX" and int(intent.DestOutputProfile.N) == 4
        assert str(pdf.trailer.Info.GTS_PDFXVersion) == "PDF/X-4" and len(pdf.trailer.ID) == 2
        with pdf.open_metadata() as meta:
            assert meta.get("pdfxid:GTS_PDFXVersion") == "PDF/X-4"
        # the coaster's cut contour layer is listed in the catalog
        assert len(pdf.Root.OCProperties.OCGs) >= 1
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image":
                assert obj.get("/ColorSpace") in ("/DeviceCMYK", "/DeviceGray")
            if isinstance(obj, pikepdf.Name):
                assert str(obj) not in ("/DeviceRGB", "/CalRGB")
        for page in pdf.pages:
            for _operands, op in pikepdf.parse_content_stream(page):
                assert str(op) not in ("rg", "RG")
    info = subprocess.run(["pdfinfo", str(three[0])], capture_output=True, text=True, check=True).stdout
    assert "Pages:           3" in info and "PDF/X-4" in info


def test_same_bytes_whatever_the_number_of_workers(three: tuple[Path, Path], tmp_path: Path) -> None:
    assert three[0].read_bytes() == three[1].read_bytes()
    again = _write(Engine(), tmp_path / "again.pdf", 2)
    assert again.read_bytes() == three[0].read_bytes()


def test_ghostscript_renders_every_page(three: tuple[Path, Path], tmp_path: Path) -> None:
    subprocess.run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=png16m", "-r20",
                    f"-sOutputFile={tmp_path}/p%d.png", str(three[0])], check=True, timeout=120)  # fmt: skip
    assert sorted(p.name for p in tmp_path.glob("p*.png")) == ["p1.png", "p2.png", "p3.png"]
