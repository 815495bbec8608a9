"""Deterministic benchmark inputs: procedural photos (:mod:`render_engine.testing.synth`) and design JSON files.

Base photos are slow to make (a 24-megapixel one takes ~5 s), so they are cached in a folder keyed by a hash
of ``synth.py``. Every render then gets its *own copy* of its photo with distinct bytes (a JPEG COM marker
carries the copy's name): in production every order brings a new photo, and rendering the same file twice
lets libvips' operation cache serve the second render partly from the first (measured: W1 0.22 s instead of
0.30 s). Distinct bytes also defeat any future content-hash cache.
"""

from __future__ import annotations

import hashlib
import json
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from render_engine.files import PUBLIC, atomic_path
from render_engine.model.templates import Template
from render_engine.testing import synth

PHOTO_QUALITY = 88  # a typical phone/camera JPEG quality
FONT_FAMILY = "noto-sans"
NAMES = (
    "Emma", "Noah", "Olivia & Liam", "Grandma Rosa", "José", "Zoë", "Amelia", "Oskar", "Mia", "Lucas",
    "Happy Birthday Ava!", "Best Dad Ever", "Sophie + Max", "Chloé", "Team Hendrix", "Nana",
)  # fmt: skip

Json = dict[str, Any]


@dataclass(frozen=True)
class PhotoSpec:
    width: int
    height: int
    seed: int = 1
    kind: Literal["landscape", "portrait"] = "landscape"

    @property
    def filename(self) -> str:
        return f"{self.kind}-{self.width}x{self.height}-s{self.seed}.jpg"

    @property
    def megapixels(self) -> float:
        return self.width * self.height / 1e6


def synth_digest() -> str:
    """Short hash of the generator's source: cached photos are rebuilt when ``synth.py`` changes."""
    return hashlib.sha256(Path(synth.__file__).read_bytes()).hexdigest()[:12]


class PhotoCache:
    """Base photos, generated once per ``synth.py`` version into ``root/<digest>/``."""

    def __init__(self, root: Path) -> None:
        self.root = root / synth_digest()

    def clipart(self, width: int, height: int) -> Path:
        """An RGBA clip-art PNG (:func:`render_engine.testing.synth.clipart`), generated once."""
        path = self.root / f"clipart-{width}x{height}.png"
        if not path.is_file():
            with _cached(path) as tmp:
                synth.save_png(synth.clipart(width, height), tmp)
        return path

    def photo(self, spec: PhotoSpec) -> Path:
        path = self.root / spec.filename
        if not path.is_file():
            make = synth.portrait if spec.kind == "portrait" else synth.landscape
            with _cached(path) as tmp:
                synth.save_jpeg(make(spec.width, spec.height, seed=spec.seed), tmp, quality=PHOTO_QUALITY)
        return path


def _cached(path: Path) -> AbstractContextManager[Path]:
    """A temp file beside ``path`` renamed to it when written (:func:`render_engine.files.atomic_path`): a
    cache, so not fsynced; world-readable like any file this process writes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_path(path, prefix=f".{path.name}.", suffix=".part", fsync=False, mode=PUBLIC)


def tagged_copy(src: Path, dst: Path, tag: str) -> Path:
    """Copy a JPEG adding a COM segment with ``tag`` after the JFIF header: same pixels, distinct bytes."""
    data = src.read_bytes()
    if not data.startswith(b"\xff\xd8"):
        raise ValueError(f"{src} is not a JPEG")
    at = 2
    if data[2:4] == b"\xff\xe0":  # keep APP0 (JFIF) first, as the JFIF spec asks
        at = 4 + int.from_bytes(data[4:6], "big")
    payload = f"render-bench {tag}".encode()
    com = b"\xff\xfe" + (len(payload) + 2).to_bytes(2, "big") + payload
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(data[:at] + com + data[at:])
    return dst


def tagged_png_copy(src: Path, dst: Path, tag: str) -> Path:
    """Copy a PNG adding a tEXt chunk with ``tag`` after IHDR: same pixels, distinct bytes (a new file for
    every render, as with :func:`tagged_copy`)."""
    import zlib

    data = src.read_bytes()
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError(f"{src} is not a PNG")
    at = 8 + 8 + int.from_bytes(data[8:12], "big") + 4  # signature + IHDR chunk
    body = b"tEXt" + b"Comment\x00" + f"render-bench {tag}".encode()
    chunk = (len(body) - 4).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(data[:at] + chunk + data[at:])
    return dst


def write_design(path: Path, design: Json) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(design, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------------------------- designs


@dataclass(frozen=True)
class Geometry:
    """What design builders need to know about a template (mm, trim coordinates)."""

    id: str
    trim_w: float
    trim_h: float
    bleed: float
    safe: float
    rgba: bool  # transparent PNG output (DTG): no background layer
    die_cut: bool  # has a print-area outline: clip photos to it

    @property
    def bleed_box(self) -> Json:
        b = self.bleed
        return {"x": -b, "y": -b, "width": self.trim_w + 2 * b, "height": self.trim_h + 2 * b}

    def safe_box(self, fx: float = 0.0, fw: float = 1.0, fy: float = 0.0, fh: float = 1.0) -> Json:
        """A box inside the safe area: fractions (x, width, y, height) of the safe rectangle."""
        w, h = self.trim_w - 2 * self.safe, self.trim_h - 2 * self.safe
        return {"x": self.safe + fx * w, "y": self.safe + fy * h, "width": fw * w, "height": fh * h}

    def font_pt(self, fraction: float) -> float:
        """A font size (pt) whose em is ``fraction`` of the safe height, within 10..200 pt."""
        em_mm = (self.trim_h - 2 * self.safe) * fraction
        return round(min(200.0, max(10.0, em_mm * 72 / 25.4)), 1)


def geometry_of(t: Template) -> Geometry:
    return Geometry(
        id=t.id,
        trim_w=t.trim_w,
        trim_h=t.trim_h,
        bleed=t.bleed_mm,
        safe=t.safe_margin_mm,
        rgba=t.output.color == "rgba",
        die_cut=t.print_area is not None,
    )


def text_layer(text: str, box: Json, size: float, color: str | Json, weight: int = 700) -> Json:
    return {
        "type": "text",
        "text": text,
        "font": {"family": FONT_FAMILY, "weight": weight},
        "size": size,
        "color": color,
        "box": box,
        "align": "center",
        "valign": "middle",
        "wrap": False,
        "shrink_to_fit": True,
    }


def photo_text_design(g: Geometry, photo: str, text: str) -> Json:
    """W1/W2/W4 and the 'photo' batch variant: a photo cover-fitted over the bleed box and a name on it."""
    image: Json = {"type": "image", "asset": photo, "box": g.bleed_box, "fit": "cover"}
    if g.die_cut:
        image["clip"] = {"shape": "mask", "name": "print_area"}
    return {
        "version": 1,
        "template": g.id,
        "layers": [image, text_layer(text, g.safe_box(0.05, 0.9, 0.55, 0.4), g.font_pt(0.3), "#ffffff")],
        "meta": {"title": f"{text} - {g.id}", "order_id": "bench"},
    }


def framed_design(g: Geometry, photo: str, text: str) -> Json:
    """Batch variant: a coloured background, a photo in a rounded frame, clip-art and a name."""
    layers: list[Json] = []
    if not g.rgba:
        layers.append({"type": "background", "color": "#f4efe6"})
    layers += [
        {
            "type": "image",
            "asset": photo,
            "box": g.safe_box(0.0, 0.55, 0.0, 1.0),
            "fit": "cover",
            "clip": {"shape": "rounded_rect", "radius": max(1.0, g.trim_h * 0.04)},
        },
        {"type": "svg", "svg": synth.heart_svg(), "box": g.safe_box(0.62, 0.3, 0.05, 0.35)},
        text_layer(text, g.safe_box(0.58, 0.42, 0.5, 0.4), g.font_pt(0.15), "#333333"),
    ]
    return {"version": 1, "template": g.id, "layers": layers}


def graphic_design(g: Geometry, text: str) -> Json:
    """Batch variant without a photo: gradient, shapes, clip-art, two text layers."""
    layers: list[Json] = []
    if not g.rgba:
        layers.append(
            {
                "type": "background",
                "gradient": {
                    "angle": 30,
                    "stops": [{"offset": 0, "color": "#1d3557"}, {"offset": 1, "color": "#e63946"}],
                },
            }
        )
    layers += [
        {"type": "shape", "shape": "ellipse", "box": g.safe_box(0.1, 0.35, 0.1, 0.8), "fill": "#f1faee",
         "stroke": {"color": "#000000", "width": 1.0}},
        {"type": "svg", "svg": synth.star_svg(), "box": g.safe_box(0.15, 0.25, 0.2, 0.6), "rotation": 12},
        text_layer(text, g.safe_box(0.5, 0.48, 0.1, 0.45), g.font_pt(0.18), "#ffffff"),
        text_layer("since 2024", g.safe_box(0.5, 0.48, 0.6, 0.3), g.font_pt(0.08), {"cmyk": [0, 0, 0, 100]}, 400),
    ]  # fmt: skip
    return {"version": 1, "template": g.id, "layers": layers}


VARIANTS = ("photo", "framed", "graphic")


def batch_design(g: Geometry, variant: str, photo: str, text: str) -> Json:
    if variant == "photo":
        return photo_text_design(g, photo, text)
    if variant == "framed":
        return framed_design(g, photo, text)
    return graphic_design(g, text)
