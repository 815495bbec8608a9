"""The design model's picture layers and their building blocks: points, boxes, crops, gradients, clips, strokes,
and the ``background``, ``image``, ``svg`` and ``shape`` layers (:mod:`.design` puts every layer type in one union).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, field_validator, model_validator

from . import fast_validate
from .design_base import MAX_MM, NUMBER, RGB, Color, Degrees, Flag, Mm, Model, Number, Opacity, PositiveMm
from .paint import BlendMode, Paint

if TYPE_CHECKING:
    pass

Blend = Annotated[BlendMode, Field(description="How the layer mixes with what is under it (PDF /BM names).")]


def rgb_default(hex_colour: str) -> RGB:
    """``RGB(hex=...)`` for a class-level default, without building RGB's validator (issue 22)."""
    return fast_validate.construct(RGB, hex=hex_colour)


class Point(Model):
    x: Mm
    y: Mm


class Box(Model):
    """A rectangle in trim coordinates (mm), or relative to a book cover's panel (``panel``)."""

    x: Mm
    y: Mm
    width: PositiveMm
    height: PositiveMm
    panel: Literal["back", "spine", "front", "hinge_back", "hinge_front"] | None = Field(
        None,
        description="Book covers: x and y are relative to this panel of the computed cover sheet, so the layer "
        "follows the panel when the page count changes the spine (model/cover.py).",
    )
    origin: Literal["top_left", "center"] = Field(
        "top_left",
        description="With a panel: top_left = x, y is the box's corner from the panel's corner; center = x, y is "
        "the box centre's offset from the panel centre (a spine title with x 0 stays centred on the spine).",
    )
    spread: Flag = Field(
        False,
        description="Book pages: the layer spans the two-page spread that starts at this left-hand (even) page; "
        "x is measured from the left page's trim edge across both pages (the right page starts at the page "
        "width), and the layer is drawn on both facing pages, each clipped to its own bleed (a photo across "
        "the gutter).",
    )


class NormRect(Model):
    """A crop rectangle in normalised source coordinates (0..1, after EXIF orientation)."""

    x: Annotated[float, Field(ge=0, lt=1), NUMBER] = 0.0
    y: Annotated[float, Field(ge=0, lt=1), NUMBER] = 0.0
    width: Annotated[float, Field(gt=0, le=1), NUMBER] = 1.0
    height: Annotated[float, Field(gt=0, le=1), NUMBER] = 1.0

    @model_validator(mode="after")
    def _inside(self) -> NormRect:
        if self.x + self.width > 1.0 + 1e-9 or self.y + self.height > 1.0 + 1e-9:
            raise ValueError("crop rectangle must lie inside the image (x + width <= 1, y + height <= 1)")
        return self


class GradientStop(Model):
    offset: Annotated[float, Field(ge=0, le=1), NUMBER]
    color: Color


class LinearGradient(Model):
    """A linear gradient across the bleed box. ``angle`` 0 runs left -> right, 90 top -> bottom."""

    angle: Degrees = 0.0
    stops: Annotated[list[GradientStop], Field(min_length=2, max_length=32)]

    @model_validator(mode="after")
    def _check(self) -> LinearGradient:
        offsets = [s.offset for s in self.stops]
        if offsets != sorted(offsets):
            raise ValueError("gradient stop offsets must be in increasing order")
        kinds = {type(s.color) for s in self.stops}
        if len(kinds) != 1:
            raise ValueError("gradient stops must be all sRGB or all CMYK")
        return self


class BackgroundLayer(Model):
    """Fills the whole bleed box with a paint (colour or gradient; box units span the bleed box) or the
    angle ``gradient``."""

    type: Literal["background"]
    color: Paint | None = None
    gradient: LinearGradient | None = None
    blend: Blend = "normal"

    @model_validator(mode="after")
    def _one(self) -> BackgroundLayer:
        if (self.color is None) == (self.gradient is None):
            raise ValueError("a background needs exactly one of 'color' or 'gradient'")
        return self


class RectClip(Model):
    shape: Literal["rect"]


class RoundedRectClip(Model):
    shape: Literal["rounded_rect"]
    radius: PositiveMm


class EllipseClip(Model):
    shape: Literal["ellipse"]


def check_path_data(v: str) -> str:
    """SVG path data that parses, with finite coordinates, drawing at least one line or curve (else a
    ValueError the model reports with the field's path, instead of failing later in layout)."""
    from .geometry import Path

    try:
        path = Path.from_svg(v)
    except ArithmeticError:  # fontTools divides by an arc radius of 1e-300 squared (0.0)
        raise ValueError("not valid SVG path data: an arc's radii are too small or too large to draw") from None
    except (ValueError, IndexError):
        raise ValueError("not valid SVG path data") from None
    if any(not math.isfinite(c) or abs(c) > MAX_MM * 10 for _op, pts in path.ops for p in pts for c in p):
        raise ValueError(f"path coordinates must be finite and within {MAX_MM * 10:g} mm")
    if path.empty:
        raise ValueError("path data needs at least one line or curve")
    return v


class PathClip(Model):
    """SVG path data in mm, relative to the layer box's top-left corner."""

    shape: Literal["path"]
    d: Annotated[str, Field(min_length=1, max_length=100_000)]

    @field_validator("d")
    @classmethod
    def _drawable(cls, v: str) -> str:
        return check_path_data(v)


class MaskClip(Model):
    """A named mask of the template (e.g. ``print_area``), in trim coordinates."""

    shape: Literal["mask"]
    name: Annotated[str, Field(pattern=r"^[a-z0-9_-]{1,64}$")]


Clip = Annotated[RectClip | RoundedRectClip | EllipseClip | PathClip | MaskClip, Field(discriminator="shape")]
CLIP_SHAPES = frozenset({"rect", "rounded_rect", "ellipse", "path", "mask"})


class ImageLayer(Model):
    """A photo or bitmap asset placed in a box."""

    type: Literal["image"]
    asset: Annotated[str | None, Field(max_length=1024)] = Field(
        None, description="File path relative to the design file."
    )
    asset_id: Annotated[str | None, Field(pattern=r"^[A-Za-z0-9_-]{1,128}$")] = Field(
        None, description="Asset id resolved by the caller's asset loader (e.g. the API's asset store)."
    )
    box: Box
    fit: Literal["cover", "contain", "stretch"] = "cover"
    crop: NormRect | Literal["auto", "auto-pets"] | None = Field(
        None,
        description="Explicit crop (normalised rect) or 'auto': keep faces, else the most salient region; "
        "'auto-pets': as 'auto', with cat faces (OpenCV's cat-face cascades) looked for where no human face is "
        "found, before the salient region (what a design template's face-aware photo slot asks for).",
    )
    rotation: Degrees = 0.0
    transform: tuple[Number, Number, Number, Number, Number, Number] | None = Field(
        None,
        description="An affine matrix [a, b, c, d, e, f] in trim mm applied to the placed (and rotated) image, "
        "its clip included: skew, mirroring, any placement. (x, y) -> (a*x + c*y + e, b*x + d*y + f).",
    )
    opacity: Opacity = 1.0
    clip: Clip | None = None
    clips: Annotated[list[Clip], Field(max_length=16)] = Field(
        default_factory=list,
        description="More clips, intersected with 'clip' (an object's own clip, its groups', the canvas's).",
    )
    blend: Blend = "normal"
    rendering: Literal["smooth", "pixelated"] = Field(
        "smooth",
        description="How the raster preview enlarges the image: 'smooth' (Lanczos), or 'pixelated' (each source "
        "pixel a square, its edges box-filtered: what Fabric draws through node-canvas/cairo). The PDF keeps the "
        "source pixels either way.",
    )

    @model_validator(mode="after")
    def _one_source(self) -> ImageLayer:
        if (self.asset is None) == (self.asset_id is None):
            raise ValueError("an image needs exactly one of 'asset' or 'asset_id'")
        if sum(isinstance(c, MaskClip) for c in [self.clip, *self.clips]) > 1:
            raise ValueError("at most one template mask clip per image")
        t = self.transform
        if t is not None:
            if not all(abs(v) <= 1e6 for v in t):
                raise ValueError("transform values must be finite and below 1e6")
            if abs(t[0] * t[3] - t[1] * t[2]) < 1e-9:
                raise ValueError("transform must be invertible")
        return self


class Stroke(Model):
    color: Paint = Field(rgb_default("#000000"), description="A colour or a gradient.")
    width: Annotated[float, Field(gt=0, le=500), NUMBER] = Field(1.0, description="Stroke width in pt.")
    dash: Annotated[list[Annotated[float, Field(ge=0, le=5000), NUMBER]], Field(max_length=64)] = Field(
        default_factory=list, description="Dash and gap lengths in pt, alternating (SVG stroke-dasharray)."
    )
    dash_offset: Annotated[float, Field(ge=-100_000, le=100_000), NUMBER] = Field(
        0.0, description="Where the dash pattern starts, in pt along the path."
    )
    cap: Literal["butt", "round", "square"] = "butt"
    join: Literal["miter", "round", "bevel"] = "miter"
    miter_limit: Annotated[float, Field(ge=1, le=100), NUMBER] = Field(4.0, description="As SVG's stroke-miterlimit.")

    @model_validator(mode="after")
    def _dashes(self) -> Stroke:
        if self.dash and sum(self.dash) <= 0:
            raise ValueError("a dash pattern needs a positive length")
        return self


class SvgLayer(Model):
    """Vector clip-art. External references are never fetched."""

    type: Literal["svg"]
    svg: Annotated[str | None, Field(max_length=2_000_000)] = Field(None, description="Inline SVG document.")
    file: Annotated[str | None, Field(max_length=1024)] = Field(None, description="Path relative to the design.")
    asset_id: Annotated[str | None, Field(pattern=r"^[A-Za-z0-9_-]{1,128}$")] = Field(
        None, description="An SVG uploaded to the asset store (POST /v1/assets), resolved by the caller's loader."
    )
    box: Box
    fit: Literal["contain", "stretch"] = "contain"
    rotation: Degrees = 0.0
    opacity: Opacity = 1.0
    blend: Blend = "normal"

    @model_validator(mode="after")
    def _one_source(self) -> SvgLayer:
        if sum(v is not None for v in (self.svg, self.file, self.asset_id)) != 1:
            raise ValueError("an svg layer needs exactly one of 'svg', 'file' or 'asset_id'")
        return self


class ShapeLayer(Model):
    type: Literal["shape"]
    shape: Literal["rect", "ellipse", "line", "path"]
    box: Box | None = Field(None, description="For rect, ellipse and path (its gradients' 'box' units).")
    d: Annotated[str | None, Field(min_length=1, max_length=200_000)] = Field(
        None, description="For path: SVG path data in mm, relative to the box's top-left corner."
    )
    fill_rule: Literal["nonzero", "evenodd"] = "nonzero"

    @field_validator("d")
    @classmethod
    def _drawable(cls, v: str | None) -> str | None:
        return None if v is None else check_path_data(v)

    start: Point | None = Field(None, description="For line.")
    end: Point | None = Field(None, description="For line.")
    corner_radius: Annotated[float, Field(ge=0, le=MAX_MM), NUMBER] = 0.0
    fill: Paint | None = None
    stroke: Stroke | None = None
    paint_order: Literal["fill", "stroke"] = Field(
        "fill", description="'stroke': the stroke is painted first, under the fill (SVG paint-order)."
    )
    rotation: Degrees = 0.0
    opacity: Opacity = 1.0
    blend: Blend = "normal"

    @model_validator(mode="after")
    def _geometry(self) -> ShapeLayer:
        if self.shape == "line":
            if self.start is None or self.end is None:
                raise ValueError("a line needs 'start' and 'end'")
            if self.stroke is None:
                raise ValueError("a line needs a 'stroke'")
        elif self.box is None:
            raise ValueError(f"a {self.shape} needs a 'box'")
        if (self.shape == "path") != (self.d is not None):
            raise ValueError("'d' is for path shapes, and a path needs it")
        if self.fill is None and self.stroke is None:
            raise ValueError("a shape needs a 'fill', a 'stroke' or both")
        return self
