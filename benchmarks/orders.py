"""Designs that look like real orders (issue 22), each stating its inputs, for the R/C/T workloads.

Every render gets new files (a photo copy with its own JPEG COM marker, a clip-art copy with its own PNG tEXt
chunk, an SVG with its own comment), so no per-file cache can answer: the engine and the peer see the same
bytes, and neither has seen them before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from render_engine.testing import synth

from .inputs import FONT_FAMILY, Json, PhotoSpec, tagged_copy, tagged_png_copy, write_design
from .workloads import Context

CLIPART = (1600, 1250)  # a 2-megapixel RGBA clip-art PNG, as storefront clip-art libraries ship them
SECOND_PHOTO = PhotoSpec(2448, 3264, seed=4, kind="portrait")  # 8 MP phone portrait


@dataclass(frozen=True)
class Order:
    """One kind of order: a name, what it carries (shown in the report) and a builder of its design."""

    key: str
    name: str
    inputs: str
    build: Callable[[Context, Path, int], Json]  # (context, the render's folder, index) -> design JSON
    fabric: bool = False  # Fabric.js canvas JSON (the peer cannot read it)


def _photo(ctx: Context, folder: Path, i: int, spec: PhotoSpec | None = None, name: str = "photo") -> str:
    spec = spec or ctx.sizes.mug_photo
    return tagged_copy(ctx.photos.photo(spec), folder / f"{name}-{i:03d}.jpg", f"{folder.name}/{name}/{i}").name


def _clipart(ctx: Context, folder: Path, i: int) -> str:
    w, h = CLIPART if ctx.sizes.preview_width >= 800 else (160, 125)
    return tagged_png_copy(ctx.photos.clipart(w, h), folder / f"clipart-{i:03d}.png", f"{folder.name}/{i}").name


def _name(text: str, box: Json, size: float, color: str = "#ffffff", family: str = FONT_FAMILY) -> Json:
    return {
        "type": "text",
        "text": text,
        "font": {"family": family, "weight": 700},
        "size": size,
        "color": color,
        "box": box,
        "align": "center",
        "valign": "middle",
        "wrap": False,
        "shrink_to_fit": True,
    }


MUG_BLEED = {"x": -2, "y": -2, "width": 232.6, "height": 92.9}


def mug_clipart(ctx: Context, folder: Path, i: int) -> Json:
    photo, clip = _photo(ctx, folder, i), _clipart(ctx, folder, i)
    return {
        "version": 1,
        "template": "mug-11oz",
        "layers": [
            {"type": "image", "asset": photo, "box": MUG_BLEED, "fit": "cover"},
            {"type": "image", "asset": clip, "box": {"x": 150, "y": 12, "width": 60, "height": 47}, "fit": "contain"},
            _name("Emma", {"x": 12, "y": 52, "width": 120, "height": 28}, 40),
        ],
    }


def mug_svg(ctx: Context, folder: Path, i: int) -> Json:
    photo = _photo(ctx, folder, i)
    svg = folder / f"badge-{i:03d}.svg"
    svg.write_text(synth.badge_svg().replace("</svg>", f"<!-- {folder.name}/{i} --></svg>"), encoding="utf-8")
    return {
        "version": 1,
        "template": "mug-11oz",
        "layers": [
            {"type": "image", "asset": photo, "box": MUG_BLEED, "fit": "cover"},
            {"type": "svg", "file": svg.name, "box": {"x": 160, "y": 8, "width": 50, "height": 65}},
            _name("Best Dad Ever", {"x": 12, "y": 52, "width": 130, "height": 28}, 36),
        ],
    }


def two_photos(ctx: Context, folder: Path, i: int) -> Json:
    left = _photo(ctx, folder, i)
    right = _photo(ctx, folder, i, SECOND_PHOTO if ctx.sizes.preview_width >= 800 else None, "portrait")
    return {
        "version": 1,
        "template": "mug-11oz",
        "layers": [
            {"type": "background", "color": "#f4efe6"},
            {"type": "image", "asset": left, "box": {"x": -2, "y": -2, "width": 115, "height": 92.9}, "fit": "cover"},
            {
                "type": "image",
                "asset": right,
                "box": {"x": 116, "y": -2, "width": 114.6, "height": 92.9},
                "fit": "cover",
            },
            _name("Olivia & Liam", {"x": 40, "y": 62, "width": 150, "height": 20}, 30),
        ],
    }


CARD_TEXT = (
    "Dear Grandma Rosa, thank you for the wonderful summer at the lake. We still talk about the pancakes, "
    "the thunderstorm on the porch and the fish that got away. Zoë has learned to swim and José can finally "
    "row the old boat across the bay without help. We miss you and can't wait to see you at Christmas!"
)


def card_text(ctx: Context, folder: Path, i: int) -> Json:
    body = {
        "type": "text",
        "font": {"family": "noto-serif", "weight": 400},
        "size": 13,
        "color": "#333333",
        "align": "left",
        "valign": "top",
        "wrap": True,
        "line_height": 1.35,
    }
    return {
        "version": 1,
        "template": "card-5x7",
        "layers": [
            {"type": "background", "color": "#fbf7f0"},
            _name("Thank you!", {"x": 10, "y": 12, "width": 107, "height": 22}, 34, "#9d0208", "dancing-script"),
            {**body, "text": CARD_TEXT, "box": {"x": 12, "y": 40, "width": 103, "height": 60}},
            {
                **body,
                "text": CARD_TEXT[::-1].capitalize()[:180] + ".",
                "box": {"x": 12, "y": 100, "width": 103, "height": 40},
            },
            {
                **body,
                "text": "With love,\nNoah, Zoë, José & Mia",
                "size": 16,
                "box": {"x": 12, "y": 145, "width": 103, "height": 22},
            },
        ],
    }


def fabric_design(ctx: Context, folder: Path, i: int) -> Json:
    """A Fabric.js 5 canvas (1200 x 466 px editor canvas for the 11oz mug): a photo, a textbox, a shape."""
    photo = _photo(ctx, folder, i)
    w, h = ctx.sizes.mug_photo.width, ctx.sizes.mug_photo.height
    s = max(1200 / w, 466 / h)
    return {
        "template": "mug-11oz",
        "canvas": {"width": 1200, "height": 466},
        "fabric": {
            "version": "5.3.0",
            "objects": [
                {"type": "image", "left": 0, "top": 0, "width": w, "height": h, "scaleX": s, "scaleY": s, "src": photo},
                {
                    "type": "textbox",
                    "left": 80,
                    "top": 300,
                    "width": 560,
                    "text": "Happy Birthday Ava!",
                    "fontSize": 56,
                    "fontFamily": "Noto Sans",
                    "fontWeight": "bold",
                    "fill": "#ffffff",
                    "textAlign": "center",
                },
                {
                    "type": "circle",
                    "left": 960,
                    "top": 60,
                    "radius": 80,
                    "fill": "#e63946",
                    "stroke": "#ffffff",
                    "strokeWidth": 6,
                },
            ],
        },
    }


ORDERS: dict[str, Order] = {
    o.key: o
    for o in (
        Order(
            "R1",
            "mug-clipart-pdf",
            "11oz mug: 12-MP JPEG cover over the bleed + 2-MP RGBA clip-art PNG "
            "(1600x1250) placed 60x47 mm + a name; CMYK PDF/X-4",
            mug_clipart,
        ),
        Order("R2", "mug-clipart-png", "R1's design as a 300-DPI RGB PNG", mug_clipart),
        Order(
            "R3",
            "mug-clipart-preview",
            "R1's design as an 800 px preview (engine: render_mockup on the mug scene; peer: the flat page at 800 px)",
            mug_clipart,
        ),
        Order(
            "R4",
            "mug-svg-pdf",
            "11oz mug: 12-MP JPEG + SVG clip-art (gradient, 40 shapes) 50x65 mm + a name; PDF",
            mug_svg,
        ),
        Order(
            "R5",
            "two-photos-pdf",
            "11oz mug: background + 12-MP landscape JPEG + 8-MP portrait JPEG side by side + a name; PDF",
            two_photos,
        ),
        Order(
            "R6",
            "card-text-pdf",
            "5x7 in card: background, script title, three wrapped serif paragraphs (~700 characters); PDF",
            card_text,
        ),
        Order(
            "R7",
            "fabric-pdf",
            "Fabric.js 5 canvas (1200x466) for the 11oz mug: 12-MP photo image, textbox, "
            "stroked circle; PDF (engine only: the peer reads no Fabric JSON)",
            fabric_design,
            fabric=True,
        ),
    )
}
FORMATS = {"R2": "png", "R3": None}  # others: pdf; R3 is a preview (a job with a width)


def order_designs(ctx: Context, order: Order, count: int, tag: str = "") -> list[Path]:
    """``count`` designs of ``order``, each with new asset files, in ``scratch/<key><tag>/``."""
    folder = ctx.scratch / f"{order.key.lower()}{tag}"
    folder.mkdir(parents=True, exist_ok=True)
    return [write_design(folder / f"design-{i:03d}.json", order.build(ctx, folder, i)) for i in range(count)]
