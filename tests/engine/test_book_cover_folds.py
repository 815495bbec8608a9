"""A book cover's spine edges, hinges and turn-ins are printed as the ``Fold`` spot colour (issue #18): cover_template
emits them as folds of kind 'fold' from model/cover.py's fold list, and the PDF writer draws them as it draws a
card's score. Read back with pikepdf (the Separation and its optional-content layer) and ghostscript's
separations (where the Fold plate is inked), against the case geometry written out from the product's spec."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pikepdf
from PIL import Image

from render_engine import preflight, render_design

IN = 25.4
BLEED = 3.175


def _fold_positions(pages: int) -> list[float]:
    """PrintNinja's case: 0.8 in wrap, board = page width - 0.16 in, 0.4 in hinge each side of the spine;
    Cloudprinter's spine (170 gsm x bulk 0.90 x leaves / 1000 + 2 x 3 mm board). The vertical lines: the
    left turn-in (the back board's outer edge), the hinges and spine edges, the right turn-in."""
    spine = 170 * 0.90 * pages / 2 / 1000 + 6.0
    hinge_back = 0.8 * IN + 8 * IN - 0.16 * IN
    inner = [hinge_back, hinge_back + 0.4 * IN, hinge_back + 0.4 * IN + spine, hinge_back + 0.8 * IN + spine]
    return [0.8 * IN, *inner, inner[-1] + 8 * IN - 0.16 * IN]


def _runs(inked: np.ndarray, dpi: float) -> list[float]:
    """Centres (mm from the trim's edge) of the runs of inked columns / rows."""
    idx = np.nonzero(inked)[0]
    return [(run.mean() + 0.5) / dpi * IN - BLEED for run in np.split(idx, np.nonzero(np.diff(idx) > 1)[0] + 1)]


def _design(pages: int) -> dict[str, object]:
    return {
        "version": 1,
        "template": "photo-book-8x8-hardcover",
        "meta": {"created": "2026-12-07T00:00:00Z"},
        "surfaces": {"cover": {"layers": [{"type": "background", "color": {"cmyk": [60, 30, 0, 30]}}]}},
        "pages": [{"layers": [{"type": "background", "color": {"cmyk": [0, 0, 0, 5]}}]} for _ in range(pages)],
    }


def test_cover_spine_edges_hinges_and_turn_ins_are_fold_lines_on_the_fold_separation(tmp_path: Path) -> None:
    pages = 20
    r = render_design(_design(pages), tmp_path / "book")
    cover = next(p.path for p in r.parts if p.part == "cover")
    with pikepdf.open(cover) as pdf:
        assert "Fold" in [str(o.Name) for o in pdf.Root.OCProperties.OCGs]
        page = pdf.pages[0]
        seps = {str(cs[1])[1:] for cs in page.Resources.ColorSpace.values() if cs[0] == "/Separation"}
        assert "Fold" in seps
    dpi = 100
    out = tmp_path / "sep.tif"
    gs = ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=tiffsep", f"-r{dpi}", f"-sOutputFile={out}"]
    subprocess.run([*gs, str(cover)], check=True, timeout=120)
    with Image.open(tmp_path / "sep(Fold).tif") as im:
        fold = 1.0 - np.asarray(im.convert("L"), dtype=np.float64) / 255
    inked = fold > 0.5
    # vertical lines run the whole sheet height, horizontal ones its whole width
    found = _runs(inked.mean(axis=0) > 0.9, dpi)
    expected = _fold_positions(pages)
    assert len(found) == 6, found
    assert np.allclose(found, expected, atol=0.3), (found, expected)
    # the top and bottom turn-ins: the boards' edges, 0.8 in from the sheet's top and bottom (board height
    # = page height + 0.27 in)
    rows = _runs(inked.mean(axis=1) > 0.9, dpi)
    assert np.allclose(rows, [0.8 * IN, 0.8 * IN + 8.27 * IN], atol=0.3), rows
    # the interior carries no fold lines, and the fold lines add no preflight finding of their own
    interior = next(p.path for p in r.parts if p.part == "interior")
    with pikepdf.open(interior) as pdf:
        assert "/OCProperties" not in pdf.Root
    codes = {f.code for f in preflight(_design(pages)).findings}
    assert not any(c.startswith("layout.") and "fold" in c for c in codes), codes
