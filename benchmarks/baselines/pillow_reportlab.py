"""Baseline: W1, W2 and W4 the way a competent shop writes them in an afternoon with Pillow + ReportLab.

Not a straw man — it does what the engine does for these designs, with the usual speed care:

* reduced-size JPEG decoding (``Image.draft``: libjpeg's DCT scaling) whenever the placement allows it;
* one ``resize`` with a source ``box`` (crop and resample in one pass, no intermediate copy), Lanczos as the
  engine uses;
* sRGB -> CMYK through the *same* ICC profile file as the engine (``icc_profiles/profiles.json`` ->
  ``fogra39l-coated``, photos perceptual, flat colours relative colorimetric + black-point compensation),
  with littleCMS transforms built once per process;
* the CMYK JPEG (quality 90, 4:4:4, optimised Huffman tables: the engine's settings) is written once and
  embedded by ReportLab as-is (``drawImage`` of a JPEG *file* is a pass-through; an ``ImageReader`` would
  decode it again to hash it), no ASCII85 (``rl_config.useA85 = 0``), compressed page streams;
* page = bleed box, ``TrimBox``/``BleedBox`` set, a PDF/X output intent carrying the CMYK profile, the name
  in the bundled TTF font (embedded subset);
* PNG (W4): 300-DPI RGB with the sRGB profile and pHYs, zlib level 3 — measured on the W4 image
  (2747 x 1097): level 1 0.22 s / 3.81 MB, level 3 0.33 s / 3.55 MB, level 6 (Pillow's default)
  0.89 s / 3.56 MB, level 9 2.2 s / 3.36 MB: level 3 gives level 6's size at a third of its time.

Like most such code it composes the page at the output resolution: for W2 (a 24x36 in poster at 300 DPI)
the photo is resampled to the full 7296 x 10896 bleed-box raster before it is converted and embedded.

It reads the benchmark's design JSON (one image layer, one text layer) with the ``json`` module and the
same template, font and ICC folders as the engine (``RENDER_ENGINE_*_DIR`` or the repository's), and never
imports the engine.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from PIL import Image, ImageCms, ImageDraw, ImageFont
from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFArray, PDFCatalog, PDFDictionary, PDFName, PDFStream, PDFString
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from .steps import Steps

ROOT = Path(__file__).resolve().parents[2]
MM_PER_INCH = 25.4
PT_PER_MM = 72 / MM_PER_INCH
CMYK_PROFILE_ID = "fogra39l-coated"
JPEG_QUALITY = 90
PNG_COMPRESS_LEVEL = 3
DEFAULT_DPI = 300.0


def _dir(env: str, default: str) -> Path:
    packaged = ROOT / "render_engine" / "data" / default  # an installed wheel carries the data there (setup.py)
    return Path(os.environ.get(env, str(packaged if packaged.is_dir() else ROOT / default)))


@dataclass(frozen=True)
class Job:
    """The benchmark design, read as plain data: page geometry in mm, photo box, one line of text."""

    trim_w: float
    trim_h: float
    bleed: float
    photo: Path
    photo_box: tuple[float, float, float, float]  # x, y, w, h in bleed-box mm, y down
    text: str
    text_box: tuple[float, float, float, float]
    text_pt: float
    text_rgb: tuple[int, int, int]
    font_family: str
    font_weight: int

    @property
    def page_w(self) -> float:
        return self.trim_w + 2 * self.bleed

    @property
    def page_h(self) -> float:
        return self.trim_h + 2 * self.bleed


class Baseline:
    """One per process: ICC transforms, fonts and templates are loaded once (a warm process)."""

    def __init__(self) -> None:
        self.templates_dir = _dir("RENDER_ENGINE_TEMPLATES_DIR", "templates_print")
        self.fonts_dir = _dir("RENDER_ENGINE_FONTS_DIR", "fonts")
        self.icc_dir = _dir("RENDER_ENGINE_ICC_DIR", "icc_profiles")
        rl_config.useA85 = 0  # binary streams: ASCII85 only makes files 25 % bigger and slower to write
        self._fonts: dict[tuple[str, int], Path] = {}
        self._flat_cmyk: dict[tuple[int, int, int], tuple[float, float, float, float]] = {}

    # ---------------------------------------------------------------------------------- loaded once

    @cached_property
    def _profiles(self) -> dict[str, Path]:
        data = json.loads((self.icc_dir / "profiles.json").read_text(encoding="utf-8"))
        return {p["id"]: self.icc_dir / p["file"] for p in data["profiles"]}

    @cached_property
    def cmyk_profile_bytes(self) -> bytes:
        return self._profiles[CMYK_PROFILE_ID].read_bytes()

    @cached_property
    def srgb_profile(self) -> ImageCms.ImageCmsProfile:
        path = self._profiles.get("srgb")
        return ImageCms.getOpenProfile(str(path)) if path else ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))

    @cached_property
    def srgb_profile_bytes(self) -> bytes:
        return bytes(self.srgb_profile.tobytes())

    @cached_property
    def photo_transform(self) -> ImageCms.ImageCmsTransform:
        cmyk = ImageCms.getOpenProfile(str(self._profiles[CMYK_PROFILE_ID]))
        return ImageCms.buildTransform(self.srgb_profile, cmyk, "RGB", "CMYK", ImageCms.Intent.PERCEPTUAL)

    @cached_property
    def flat_transform(self) -> ImageCms.ImageCmsTransform:
        cmyk = ImageCms.getOpenProfile(str(self._profiles[CMYK_PROFILE_ID]))
        return ImageCms.buildTransform(
            self.srgb_profile,
            cmyk,
            "RGB",
            "CMYK",
            ImageCms.Intent.RELATIVE_COLORIMETRIC,
            ImageCms.Flags.BLACKPOINTCOMPENSATION,
        )

    def font_file(self, family: str, weight: int) -> Path:
        key = (family, weight)
        if key not in self._fonts:
            catalog = json.loads((self.fonts_dir / "catalog.json").read_text(encoding="utf-8"))
            fam = next(f for f in catalog["families"] if family in (f["id"], f["family"]))
            style = min(
                (s for s in fam["styles"] if s["style"] == "normal"), key=lambda s: abs(int(s["weight"]) - weight)
            )
            self._fonts[key] = self.fonts_dir / style["file"]
        return self._fonts[key]

    def reportlab_font(self, family: str, weight: int) -> str:
        name = f"{family}-{weight}"
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(self.font_file(family, weight))))
        return name

    def flat_cmyk(self, rgb: tuple[int, int, int]) -> tuple[float, float, float, float]:
        if rgb not in self._flat_cmyk:
            px = self.flat_transform.apply(Image.new("RGB", (1, 1), rgb)).getpixel((0, 0))
            assert isinstance(px, tuple)
            c, m, y, k = (float(v) / 255 for v in px)
            self._flat_cmyk[rgb] = (c, m, y, k)
        return self._flat_cmyk[rgb]

    # ------------------------------------------------------------------------------------------- render

    def render(
        self, design: Path, out: Path, *, fmt: str = "pdf", dpi: float | None = None
    ) -> tuple[int, dict[str, float]]:
        """Render the design to ``out`` (PDF or PNG); returns the file size and per-step seconds."""
        steps = Steps()
        with steps.step("parse"):
            job = self.read_job(design)
        dpi = dpi or DEFAULT_DPI
        out.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "png":
            self._png(job, out, dpi, steps)
        else:
            self._pdf(job, out, dpi, steps)
        return out.stat().st_size, steps.seconds

    def read_job(self, design: Path) -> Job:
        data: dict[str, Any] = json.loads(design.read_text(encoding="utf-8"))
        t = json.loads((self.templates_dir / f"{data['template']}.json").read_text(encoding="utf-8"))
        image = next(layer for layer in data["layers"] if layer["type"] == "image")
        text = next(layer for layer in data["layers"] if layer["type"] == "text")
        bleed = float(t["bleed_mm"])

        def box(b: dict[str, float]) -> tuple[float, float, float, float]:
            return b["x"] + bleed, b["y"] + bleed, b["width"], b["height"]

        return Job(
            trim_w=float(t["trim"]["width_mm"]),
            trim_h=float(t["trim"]["height_mm"]),
            bleed=bleed,
            photo=design.parent / image["asset"],
            photo_box=box(image["box"]),
            text=text["text"],
            text_box=box(text["box"]),
            text_pt=float(text["size"]),
            text_rgb=_hex_rgb(text.get("color", "#000000")),
            font_family=text["font"]["family"],
            font_weight=int(text["font"].get("weight", 400)),
        )

    def _photo(self, job: Job, dpi: float, steps: Steps) -> Image.Image:
        """Decode (reduced size when possible), cover-crop and resample to the box at ``dpi``: RGB."""
        _, _, bw, bh = job.photo_box
        tw, th = max(1, round(bw / MM_PER_INCH * dpi)), max(1, round(bh / MM_PER_INCH * dpi))
        with steps.step("decode"):
            im: Image.Image = Image.open(job.photo)
            full_w, full_h = im.size
            crop = _cover(full_w, full_h, tw / th)
            scale = max(tw / crop[2], th / crop[3])
            im.draft("RGB", (math.ceil(full_w * scale), math.ceil(full_h * scale)))  # DCT scaling
            im.load()
            if _exif_orientation(im) != 1:
                from PIL import ImageOps

                im = ImageOps.exif_transpose(im)
                crop = _cover(im.width, im.height, tw / th)
                full_w, full_h = im.size
            if im.mode != "RGB":
                im = im.convert("RGB")
        with steps.step("resize"):
            k = im.width / full_w  # what draft() actually chose
            box = (crop[0] * k, crop[1] * k, (crop[0] + crop[2]) * k, (crop[1] + crop[3]) * k)
            return im.resize((tw, th), Image.Resampling.LANCZOS, box=box)

    def _pdf(self, job: Job, out: Path, dpi: float, steps: Steps) -> None:
        rgb = self._photo(job, dpi, steps)
        with steps.step("colour"):
            cmyk = self.photo_transform.apply(rgb)
        tmp_jpeg = out.with_name(f".{out.name}.{os.getpid()}.jpg")
        try:
            with steps.step("encode"):
                cmyk.save(tmp_jpeg, "JPEG", quality=JPEG_QUALITY, subsampling=0, optimize=True)
            with steps.step("write"):
                self._write_pdf(job, tmp_jpeg, out)
        finally:
            tmp_jpeg.unlink(missing_ok=True)

    def _write_pdf(self, job: Job, jpeg: Path, out: Path) -> None:
        k = PT_PER_MM
        W, H = job.page_w * k, job.page_h * k
        c = Canvas(str(out), pagesize=(W, H), invariant=1, pageCompression=1)
        b = job.bleed * k
        c.setBleedBox((0, 0, W, H))
        c.setTrimBox((b, b, W - b, H - b))
        x, y, w, h = job.photo_box
        c.drawImage(str(jpeg), x * k, H - (y + h) * k, width=w * k, height=h * k)
        font = self.reportlab_font(job.font_family, job.font_weight)
        face = pdfmetrics.getFont(font).face
        tx, ty, tw, th = job.text_box
        baseline = H - (ty + th / 2) * k - (face.ascent + face.descent) / 2000 * job.text_pt
        c.setFillColorCMYK(*self.flat_cmyk(job.text_rgb))
        c.setFont(font, job.text_pt)
        c.drawCentredString((tx + tw / 2) * k, baseline, job.text)
        c.showPage()
        self._output_intent(c)
        c.save()

    def _output_intent(self, c: Canvas) -> None:
        """The PDF/X output intent (ReportLab has no API for it: add it to the document catalog)."""
        doc: Any = c._doc
        icc = PDFStream(PDFDictionary({"N": 4}), self.cmyk_profile_bytes)
        intent = PDFDictionary(
            {
                "Type": PDFName("OutputIntent"),
                "S": PDFName("GTS_PDFX"),
                "OutputConditionIdentifier": PDFString("FOGRA39"),
                "Info": PDFString("FOGRA39L coated"),
                "DestOutputProfile": doc.Reference(icc),
            }
        )
        catalog = doc.Catalog
        catalog.OutputIntents = PDFArray([intent])
        catalog.__NoDefault__ = [*PDFCatalog.__NoDefault__, "OutputIntents"]

    def _png(self, job: Job, out: Path, dpi: float, steps: Steps) -> None:
        im = self._photo(job, dpi, steps)
        with steps.step("text"):
            px = dpi / MM_PER_INCH
            size_px = job.text_pt / 72 * dpi
            font = ImageFont.truetype(str(self.font_file(job.font_family, job.font_weight)), max(1, round(size_px)))
            tx, ty, tw, th = job.text_box
            centre = ((tx + tw / 2) * px, (ty + th / 2) * px)
            ImageDraw.Draw(im).text(centre, job.text, fill=job.text_rgb, font=font, anchor="mm")
        with steps.step("encode"):
            im.save(out, "PNG", compress_level=PNG_COMPRESS_LEVEL, dpi=(dpi, dpi), icc_profile=self.srgb_profile_bytes)


def _cover(w: int, h: int, aspect: float) -> tuple[float, float, float, float]:
    """The largest centred window of ``aspect`` (w/h) in a w x h image."""
    if w / h > aspect:
        cw, ch = h * aspect, float(h)
    else:
        cw, ch = float(w), w / aspect
    return (w - cw) / 2, (h - ch) / 2, cw, ch


def _exif_orientation(im: Image.Image) -> int:
    return int(im.getexif().get(0x0112, 1))


def _hex_rgb(value: Any) -> tuple[int, int, int]:
    if not isinstance(value, str):
        return (0, 0, 0)
    h = value.lstrip("#")
    if len(h) == 3:
        h = "".join(ch * 2 for ch in h)
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)
