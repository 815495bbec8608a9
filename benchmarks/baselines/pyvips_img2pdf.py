"""Peer: the same designs through a hand-written pyvips + img2pdf pipeline, the way an expert writes it.

This is the reference point of issue 22 ("a competent hand-written pyvips pipeline"): not the engine, not a
straw man. It composes the page raster at the output resolution with libvips and lets img2pdf wrap it:

* every image through ``pyvips.Image.thumbnail`` (shrink-on-load for JPEG/WebP, alpha premultiplied for the
  resize, EXIF orientation), cover-cropped with ``crop="centre"`` or contained, at its placed pixel size;
* SVG clip-art through librsvg (``svgload_buffer`` at the placed size), text through Pango
  (``Image.text`` with the bundled TTF as ``fontfile``, wrapped to the box width, centred in the box);
* one ``composite`` of every layer over the background;
* PDF: the page ``icc_transform``-ed to the *same* FOGRA39L profile as the engine (perceptual), a CMYK JPEG
  (Q90, 4:4:4: the engine's settings) wrapped by ``img2pdf`` with TrimBox/BleedBox — img2pdf only embeds
  images, so the text and clip-art are rasterised into the page (the engine keeps them vector);
* PNG: the page with the sRGB profile and its resolution (pHYs), libvips ``pngsave`` defaults otherwise
  (zlib level 6, no row filter: what a hand-written pipeline gets unless it tunes them);
* preview: the flat page at the preview width (thumbnail scale, Q85 JPEG), no product scene.

Layers it understands: ``background`` (flat colour), ``image`` (fit cover/contain/stretch), ``svg`` (inline or
file, contain), ``text`` (one colour). Anything else is refused (:class:`Unsupported`), so a workload that
uses more is not compared. It reads the design JSON and the repository's template, font and ICC folders
directly and never imports the engine.
"""

from __future__ import annotations

import json
import os
from functools import cached_property
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pyvips

from .steps import Steps

ROOT = Path(__file__).resolve().parents[2]
MM_PER_INCH = 25.4
CMYK_PROFILE_ID = "fogra39l-coated"
JPEG_QUALITY = 90


class Unsupported(ValueError):
    """The design uses something this hand-written pipeline does not do."""


def _dir(env: str, default: str) -> Path:
    return Path(os.environ.get(env, str(ROOT / default)))


def _hex(value: str) -> tuple[int, int, int]:
    v = value.lstrip("#")
    if len(v) == 3:
        v = "".join(c * 2 for c in v)
    return int(v[0:2], 16), int(v[2:4], 16), int(v[4:6], 16)


class Peer:
    """One per process: profiles, templates and font files are looked up once (a warm process)."""

    def __init__(self) -> None:
        self.templates_dir = _dir("RENDER_ENGINE_TEMPLATES_DIR", "templates_print")
        self.fonts_dir = _dir("RENDER_ENGINE_FONTS_DIR", "fonts")
        self.icc_dir = _dir("RENDER_ENGINE_ICC_DIR", "icc_profiles")
        self._templates: dict[str, dict[str, Any]] = {}

    @cached_property
    def profiles(self) -> dict[str, str]:
        data = json.loads((self.icc_dir / "profiles.json").read_text(encoding="utf-8"))
        return {p["id"]: str(self.icc_dir / p["file"]) for p in data["profiles"]}

    @cached_property
    def srgb_profile_bytes(self) -> bytes:
        return Path(self.profiles["srgb"]).read_bytes()

    @cached_property
    def font_catalog(self) -> list[dict[str, Any]]:
        families: list[dict[str, Any]] = json.loads((self.fonts_dir / "catalog.json").read_text("utf-8"))["families"]
        return families

    def template(self, name: str) -> dict[str, Any]:
        if name not in self._templates:
            self._templates[name] = json.loads((self.templates_dir / f"{name}.json").read_text(encoding="utf-8"))
        return self._templates[name]

    def font(self, ref: dict[str, Any]) -> tuple[str, str]:
        """(font file, Pango family name) of a design's font reference."""
        family, weight = ref.get("family", "noto-sans"), int(ref.get("weight", 400))
        fam = next((f for f in self.font_catalog if family in (f["id"], f["family"])), None)
        if fam is None:
            raise Unsupported(f"font {family}")
        style = min((s for s in fam["styles"] if s["style"] == "normal"), key=lambda s: abs(int(s["weight"]) - weight))
        return str(self.fonts_dir / style["file"]), str(fam["family"])

    # --------------------------------------------------------------------------------------------- render

    def render(self, design: Path, out: Path, *, fmt: str = "pdf", dpi: float | None = None,
               width: int | None = None) -> tuple[int, dict[str, float]]:  # fmt: skip
        """Render ``design`` to ``out`` as ``pdf``, ``png`` or ``jpeg`` (preview ``width`` px wide)."""
        steps = Steps()
        with steps.step("parse"):
            data: dict[str, Any] = json.loads(design.read_text(encoding="utf-8"))
            t = self.template(data["template"])
        bleed = float(t["bleed_mm"])
        page_w, page_h = float(t["trim"]["width_mm"]) + 2 * bleed, float(t["trim"]["height_mm"]) + 2 * bleed
        if fmt == "jpeg":
            dpi = (width or 800) / page_w * MM_PER_INCH
        dpi = float(dpi or t["dpi"]["target"])
        with steps.step("compose"):
            page = self.compose(data, design.parent, bleed, page_w, page_h, dpi)
        out.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "pdf":
            self._pdf(page, out, page_w, page_h, bleed, steps)
        elif fmt == "png":
            with steps.step("encode"):
                ppm = dpi / MM_PER_INCH
                img = page.copy(xres=ppm, yres=ppm)
                img.set_type(pyvips.GValue.blob_type, "icc-profile-data", self.srgb_profile_bytes)
                img.pngsave(str(out), keep="icc")
        else:
            with steps.step("encode"):
                page.jpegsave(str(out), Q=85, keep="none")
        return out.stat().st_size, steps.seconds

    def _pdf(self, page: pyvips.Image, out: Path, page_w: float, page_h: float, bleed: float, steps: Steps) -> None:
        import img2pdf

        with steps.step("colour+encode"):
            cmyk = page.icc_transform(self.profiles[CMYK_PROFILE_ID], input_profile=self.profiles["srgb"],
                                      intent="perceptual")  # fmt: skip
            jpeg = cmyk.jpegsave_buffer(Q=JPEG_QUALITY, subsample_mode="off", keep="none")
        with steps.step("write"):
            pt = 72 / MM_PER_INCH
            size = (page_w * pt, page_h * pt)
            pdf = img2pdf.convert(
                jpeg,
                layout_fun=img2pdf.get_layout_fun(size),
                trimborder=(bleed * pt, bleed * pt),
                bleedborder=(0.0, 0.0),
                nodate=True,
            )
            out.write_bytes(pdf)

    def compose(self, data: dict[str, Any], base: Path, bleed: float, page_w: float, page_h: float,
                dpi: float) -> pyvips.Image:  # fmt: skip
        ppm = dpi / MM_PER_INCH
        W, H = max(1, round(page_w * ppm)), max(1, round(page_h * ppm))
        background = (255, 255, 255)
        tiles: list[tuple[pyvips.Image, int, int]] = []
        for layer in data["layers"]:
            kind = layer["type"]
            if kind == "background" and "color" in layer and isinstance(layer["color"], str):
                background = _hex(layer["color"])
                tiles.clear()
                continue
            if kind not in ("image", "svg", "text"):
                raise Unsupported(f"layer type {kind}")
            if any(layer.get(k) for k in ("rotation", "clip", "spans", "arc")) or layer.get("opacity", 1) < 1:
                raise Unsupported(f"{kind} layer options")
            b = layer["box"]
            x, y = round((b["x"] + bleed) * ppm), round((b["y"] + bleed) * ppm)
            w, h = max(1, round(b["width"] * ppm)), max(1, round(b["height"] * ppm))
            if kind == "image":
                tile, dx, dy = self._image(base / layer["asset"], w, h, layer.get("fit", "cover"))
            elif kind == "svg":
                svg = layer.get("svg") or (base / layer["file"]).read_text(encoding="utf-8")
                tile, dx, dy = self._svg(svg, w, h)
            else:
                tile, dx, dy = self._text(layer, w, h, dpi)
            tiles.append((tile, x + dx, y + dy))
        page = (pyvips.Image.black(W, H, bands=3) + list(background)).cast("uchar").copy(interpretation="srgb")
        if not tiles:
            return page
        out = page.composite([t[0] for t in tiles], "over", x=[t[1] for t in tiles], y=[t[2] for t in tiles])
        return out.extract_band(0, n=3).cast("uchar")

    @staticmethod
    def _image(path: Path, w: int, h: int, fit: str) -> tuple[pyvips.Image, int, int]:
        if fit == "cover":
            img = pyvips.Image.thumbnail(str(path), w, height=h, crop="centre")
        elif fit == "stretch":
            img = pyvips.Image.thumbnail(str(path), w, height=h, size="force")
        else:
            img = pyvips.Image.thumbnail(str(path), w, height=h)
        if img.bands == 1:
            img = img.colourspace("srgb")
        if not img.hasalpha():
            img = img.bandjoin(255)
        return img, (w - img.width) // 2, (h - img.height) // 2

    @staticmethod
    def _svg(svg: str, w: int, h: int) -> tuple[pyvips.Image, int, int]:
        probe = pyvips.Image.svgload_buffer(svg.encode())
        scale = min(w / probe.width, h / probe.height)
        img = pyvips.Image.svgload_buffer(svg.encode(), scale=scale)
        return img, (w - img.width) // 2, (h - img.height) // 2

    def _text(self, layer: dict[str, Any], w: int, h: int, dpi: float) -> tuple[pyvips.Image, int, int]:
        fontfile, family = self.font(layer.get("font", {}))
        weight = "Bold" if int(layer.get("font", {}).get("weight", 400)) >= 600 else ""
        size = float(layer.get("size", 12))
        markup = escape(layer["text"])
        wrap = layer.get("wrap", True)
        opts: dict[str, Any] = {"fontfile": fontfile, "dpi": round(dpi), "align": _ALIGN[layer.get("align", "left")]}
        if wrap:
            opts["width"] = w
        mask = pyvips.Image.text(markup, font=f"{family} {weight} {size}", **opts)
        if mask.width > w and layer.get("shrink_to_fit"):  # shrink to fit the box width, once
            size = size * w / mask.width
            mask = pyvips.Image.text(markup, fontfile=fontfile, font=f"{family} {weight} {size:.2f}",
                                     dpi=round(dpi), align=_ALIGN[layer.get("align", "left")])  # fmt: skip
        r, g, b = _hex(layer.get("color", "#000000") if isinstance(layer.get("color"), str) else "#000000")
        colour = pyvips.Image.black(mask.width, mask.height, bands=3).new_from_image([r, g, b]).cast("uchar")
        tile = colour.bandjoin(mask).copy(interpretation="srgb")
        dx = {"left": 0, "center": (w - tile.width) // 2, "right": w - tile.width}[layer.get("align", "left")]
        dy = {"top": 0, "middle": (h - tile.height) // 2, "bottom": h - tile.height}[layer.get("valign", "top")]
        return tile, dx, dy


_ALIGN = {"left": "low", "center": "centre", "right": "high", "justify": "low"}


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.baselines.pyvips_img2pdf DESIGN.json OUT.(pdf|png|jpg)``: one cold render, as a
    print unit's script would run the peer (the cold-process comparison of render-bench)."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m benchmarks.baselines.pyvips_img2pdf DESIGN.json OUT.(pdf|png|jpg)", file=sys.stderr)
        return 2
    out = Path(args[1])
    fmt = {".pdf": "pdf", ".png": "png"}.get(out.suffix.lower(), "jpeg")
    Peer().render(Path(args[0]), out, fmt=fmt)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
