"""Ghostscript as the independent PDF rasteriser of the preview-equals-print tests: one command line, so every
test reads the CMYK print file the same way (FOGRA39 as the default CMYK profile, relative colorimetric)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pikepdf
from PIL import Image

from tests.conftest import ROOT

FOGRA39 = ROOT / "icc_profiles" / "FOGRA39L-coated-300.icc"


def ghostscript_png(pdf: Path, out: Path, dpi: float, *, text_alpha: bool = True) -> Path:
    """Rasterise ``pdf`` to an RGB PNG at ``out``; fails the test with Ghostscript's stderr if it fails."""
    args = ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=png16m", f"-r{dpi}", "-dGraphicsAlphaBits=4"]
    args += ["-dTextAlphaBits=4"] if text_alpha else []
    args += [f"-sDefaultCMYKProfile={FOGRA39}", "-dRenderIntent=1", f"-sOutputFile={out}", str(pdf)]
    r = subprocess.run(args, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return out


def box_reduced(img: np.ndarray, factor: int) -> np.ndarray:
    """``img`` (H x W x 3, uint8) box-filtered down by ``factor`` (1: unchanged)."""
    if factor == 1:
        return img
    size = (img.shape[1] // factor, img.shape[0] // factor)
    return np.asarray(Image.fromarray(img).resize(size, Image.Resampling.BOX))


def rgb(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def cmyk_print_page(doc: pikepdf.Pdf) -> pikepdf.Page:
    """The first page of a print PDF, after checking what every print file must have: an output intent, trim and
    bleed boxes, no RGB colour space among its resources, and images only in DeviceCMYK or DeviceGray."""
    page = doc.pages[0]
    assert "/OutputIntents" in doc.Root and "/TrimBox" in page.obj and "/BleedBox" in page.obj
    text = json.dumps(str(page.obj.Resources))
    assert "DeviceRGB" not in text and "CalRGB" not in text
    for xobj in page.Resources.get("/XObject", {}).values():
        assert xobj.get("/ColorSpace") in (None, pikepdf.Name.DeviceCMYK, pikepdf.Name.DeviceGray)
    return page
