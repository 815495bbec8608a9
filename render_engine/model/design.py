"""Design model v1: what a customer personalised, on which product template.

Geometry is in millimetres in the template's *trim* coordinate space: the origin is the top-left corner
of the trim box, x grows right, y grows down, and the bleed lies outside it (negative coordinates and
coordinates beyond the trim size are legal and reach into the bleed). Layers draw in order, first at the
bottom. ``docs/design.schema.json`` is generated from these models (``render-engine schema``).

Why one module over 500 lines: it is the design JSON's schema — one discriminated union of layer types whose
JSON Schema (``docs/design.schema.json``) is generated from this module; the shared building blocks
(:mod:`.design_base`) and paint (:mod:`.paint`) are already modules of their own.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args

from pydantic import Field, PrivateAttr, ValidationError, field_validator, model_validator

from . import fast_validate
from .design_base import CMYK as CMYK
from .design_base import HEX_COLOR as HEX_COLOR
from .design_base import MAX_MM, NUMBER, RGB, Color, Degrees, Flag, Mm, Model, Number, Opacity, PositiveMm
from .errors import DesignError, RenderError, TemplateError, several
from .json_input import load_json, read_input_file
from .paint import BlendMode, Paint

if TYPE_CHECKING:
    from .calendar_grid import Grid
from .settings import Settings
from .size_limits import check_native
from .templates import TemplateCatalog

Blend = Annotated[BlendMode, Field(description="How the layer mixes with what is under it (PDF /BM names).")]

DESIGN_VERSION = 1


def _rgb(hex_colour: str) -> RGB:
    """``RGB(hex=...)`` for a class-level default, without building RGB's validator (issue 22)."""
    return fast_validate.construct(RGB, hex=hex_colour)

TEMPLATE_ID = r"^[a-z0-9][a-z0-9-]{0,63}$"


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


class FontRef(Model):
    family: Annotated[str, Field(min_length=1, max_length=128)] = Field(
        description="Catalog id ('noto-sans') or family name ('Noto Sans')."
    )
    weight: Annotated[int, Field(ge=100, le=900), NUMBER] = 400
    style: Literal["normal", "italic"] = "normal"
    fallback: Annotated[list[Annotated[str, Field(min_length=1, max_length=128)]], Field(max_length=8)] = Field(
        default_factory=list,
        description="More families (ids or names), as a CSS font-family list goes on: each character is printed "
        "in the first of family, then these, that has it, then in the engine's fallback chain.",
    )


class Arc(Model):
    """Set the text on a circle: its baseline follows a circle of ``radius`` mm around ``center``."""

    radius: PositiveMm
    center: Point | None = Field(None, description="Defaults to the centre of the text box.")
    side: Literal["top", "bottom"] = Field(
        "top", description="'top': text runs clockwise over the top; 'bottom': it reads along the bottom."
    )


class Stroke(Model):
    color: Paint = Field(_rgb("#000000"), description="A colour or a gradient.")
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


class TextPath(Model):
    """Set the text along an arbitrary path: each glyph's advance centre sits on the path at its arc length,
    the glyph turned to the path's tangent (SVG ``textPath``, Fabric's text on a path).

    The layer's ``align`` places each line along the path (left: from the start, center, right: ending at
    the path's end); text longer than the path wraps around to its start, as Fabric does (preflight
    reports it as overflow). Further lines sit one line pitch further below the path (``lines: "stacked"``)
    or all on the path itself (``"same_path"``, as Fabric draws multi-line text on a path).
    """

    d: Annotated[str, Field(min_length=1, max_length=20_000)] = Field(
        description="SVG path data in mm, relative to the text box's top-left corner (it turns with the layer)."
    )
    start_offset: Annotated[float, Field(ge=-MAX_MM * 10, le=MAX_MM * 10), NUMBER] = Field(
        0.0, description="Distance (mm) along the path added to where the aligned line starts."
    )
    side: Literal["left", "right"] = Field(
        "left",
        description="'left': glyphs stand on the left of the path's direction of travel (y down: above a "
        "left-to-right path); 'right': on the other side, reading the other way.",
    )
    vertical_align: Literal["baseline", "center", "ascender", "descender"] = Field(
        "baseline",
        description="What of each glyph sits on the path: its baseline, the middle of the font's ascent and "
        "descent, its ascent line (the text hangs below) or its descent line (the text stands above).",
    )
    lines: Literal["stacked", "same_path"] = Field(
        "stacked",
        description="Further lines: 'stacked' one line pitch below the one before; 'same_path': every line on "
        "the path itself, each aligned along it by its own width (Fabric's multi-line text on a path).",
    )

    @field_validator("d")
    @classmethod
    def _drawable(cls, v: str) -> str:
        return check_path_data(v)


class TextSpan(Model):
    """A range of the text drawn in another colour, face, size, baseline, stroke or spacing (a storefront's
    bold word, a red name, a superscript "th")."""

    start: Annotated[int, Field(ge=0, le=20_000), NUMBER] = Field(description="First character (code point index).")
    end: Annotated[int, Field(gt=0, le=20_000), NUMBER] = Field(description="One past the last character.")
    color: Paint | None = Field(None, description="Defaults to the layer colour (a colour or a gradient).")
    font: FontRef | None = Field(None, description="Defaults to the layer font.")
    size: Annotated[float | None, Field(gt=0, le=2000), NUMBER] = Field(
        None,
        description="Font size in pt (defaults to the layer's). A line is as tall as its largest size; "
        "shrink-to-fit scales span sizes with the layer size.",
    )
    baseline_shift: Annotated[float, Field(ge=-2000, le=2000), NUMBER] = Field(
        0.0, description="Raise (+) or lower (-) the characters' baseline, in pt (superscript, subscript)."
    )
    stroke: Stroke | None = Field(None, description="Outline the characters (drawn over the fill).")
    letter_spacing: Annotated[float | None, Field(ge=-0.5, le=2), NUMBER] = Field(
        None, description="Extra space after each of these characters, in em of the layer size."
    )

    @model_validator(mode="after")
    def _range(self) -> TextSpan:
        if self.end <= self.start:
            raise ValueError("a span needs end > start")
        if (
            self.color is None
            and self.font is None
            and self.size is None
            and not self.baseline_shift
            and self.stroke is None
            and self.letter_spacing is None
        ):
            raise ValueError(
                "a span needs at least one of 'color', 'font', 'size', 'baseline_shift', 'stroke', 'letter_spacing'"
            )
        return self


class TextLayer(Model):
    type: Literal["text"]
    text: Annotated[str, Field(min_length=1, max_length=20_000)]
    font: FontRef
    size: Annotated[float, Field(gt=0, le=2000), NUMBER] = Field(description="Font size in pt.")
    color: Paint = Field(_rgb("#000000"), description="A colour or a gradient (box units span the text box).")
    box: Box
    align: Literal["left", "center", "right", "justify"] = Field(
        "left", description="'justify' stretches the spaces of every line but a paragraph's last to the box width."
    )
    align_last: Literal["left", "center", "right", "justify"] = Field(
        "left", description="With align 'justify': how a paragraph's last line (every line without wrap) aligns."
    )
    justify_across_breaks: Flag = Field(
        False,
        description="With align 'justify': only the text's very last line takes align_last; every other line"
        " stretches, line breaks included (Fabric's Text and IText).",
    )
    valign: Literal["top", "middle", "bottom"] = "top"
    line_height: Annotated[float, Field(gt=0, le=10), NUMBER] = 1.2
    letter_spacing: Annotated[float, Field(ge=-0.5, le=2), NUMBER] = Field(
        0.0, description="Extra space between characters, in em."
    )
    wrap: Flag = True
    shrink_to_fit: Flag = False
    min_size: Annotated[float, Field(gt=0, le=2000), NUMBER] = Field(
        6.0, description="Smallest size (pt) shrink-to-fit may use."
    )
    arc: Arc | None = None
    path: TextPath | None = Field(None, description="Set the text along a path instead of in lines in the box.")
    stroke: Stroke | None = Field(None, description="Outline every glyph (drawn over the fill).")
    direction: Literal["auto", "ltr", "rtl"] = Field(
        "auto",
        description="Paragraph direction: 'auto' takes it from each paragraph's first strong character "
        "(Unicode bidi); 'rtl' makes neutral-led and mixed paragraphs right-to-left.",
    )
    wrap_by: Literal["word", "grapheme"] = Field(
        "word",
        description="Where lines may break: at word boundaries (UAX #14), or between any two graphemes "
        "(CJK editors' character wrapping; Fabric's splitByGrapheme).",
    )
    measure: Literal["shaped", "per_character", "per_code_point"] = Field(
        "shaped",
        description="How lines are measured for wrapping and alignment: the shaped text (default), or each "
        "grapheme on its own kerned against the one before, as canvas editors (Fabric.js 6+) measure; they "
        "differ for joining scripts such as Arabic and for Indic conjuncts. per_code_point: each code point on "
        "its own (Fabric.js 5, whose graphemeSplit keeps only surrogate pairs together). A line that is not "
        "wrapped is still aligned by that width.",
    )
    shaping: Literal["run", "per_character"] = Field(
        "run",
        description="How glyphs are chosen and placed: runs of text shaped together (default: ligatures, "
        "contextual forms), or each character shaped on its own and advanced by its width kerned against the "
        "one before, as canvas editors (Fabric.js) paint letter-spaced text, one character at a time.",
    )
    rtl_pixel: Annotated[float | None, Field(gt=0, le=1000), NUMBER] = Field(
        None,
        description="Right-to-left lines placed as node-canvas places right-aligned text (Fabric.js under Node): "
        "from the line's right end by its width rounded up to whole pixels of this size (mm), so each line sits "
        "up to a pixel toward its start. Glyphs only; decorations and backgrounds keep the exact width.",
    )
    line_ascent: Annotated[float | None, Field(gt=0, le=10), NUMBER] = Field(
        None,
        description="Where each baseline sits below the top of its line, in em of the line's largest size "
        "(Fabric: 1.13 x 0.778). Default: the font's ascent and descent centred in the line.",
    )
    spans: Annotated[list[TextSpan], Field(max_length=1000)] = Field(
        default_factory=list,
        description="Character ranges in another colour, face, size, baseline, stroke or spacing; no overlaps.",
    )
    writing_mode: Literal["horizontal-tb", "vertical-rl"] = Field(
        "horizontal-tb",
        description="'vertical-rl': CJK columns top to bottom, right to left (CSS writing-mode); Latin runs "
        "turn 90° clockwise. 'align' places text along each column (left = top), 'valign' the columns across "
        "the box (top = at its right edge). Not with 'arc' or 'path'; spans may not change size or baseline.",
    )
    rotation: Degrees = 0.0
    opacity: Opacity = 1.0
    blend: Blend = "normal"

    @model_validator(mode="after")
    def _spans_inside(self) -> TextLayer:
        end = 0
        for span in sorted(self.spans, key=lambda s: s.start):
            if span.start < end:
                raise ValueError("text spans must not overlap")
            end = span.end
        if end > len(self.text):
            raise ValueError("a text span ends after the text")
        if self.arc is not None and self.path is not None:
            raise ValueError("a text layer takes 'arc' or 'path', not both")
        if self.writing_mode == "vertical-rl":
            if self.arc is not None or self.path is not None:
                raise ValueError("vertical text ('writing_mode': 'vertical-rl') cannot also take 'arc' or 'path'")
            if any(span.size is not None or span.baseline_shift for span in self.spans):
                raise ValueError("in vertical text, spans may set colour, font, stroke and letter spacing, "
                                 "not size or baseline_shift")
        return self

    @field_validator("text")
    @classmethod
    def _no_nul(cls, v: str) -> str:
        if "\x00" in v:
            raise ValueError("text must not contain NUL characters")
        if any(0xD800 <= ord(c) <= 0xDFFF for c in v):
            raise ValueError("text must not contain unpaired surrogates")
        return v


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


class QrLayer(Model):
    """A QR code (certificates, "scan to hear the story" gifts). Parsed into a ``shape`` layer (a path of its
    dark modules, :mod:`render_engine.model.qr`), so it is vector in the PDF and drawn like any shape."""

    type: Literal["qr"]
    data: Annotated[str, Field(min_length=1, max_length=500, description="What the code holds (a URL, text).")]
    box: Box = Field(description="The code is the largest square centred in the box, quiet zone included.")
    color: Paint = Field(_rgb("#000000"), description="Dark modules (light ones show what is beneath).")
    error_correction: Literal["L", "M", "Q", "H"] = "M"
    quiet_zone: Annotated[int, Field(ge=0, le=10), NUMBER] = Field(
        4, description="Light modules around the code (4 per ISO 18004)."
    )
    rotation: Degrees = 0.0
    opacity: Opacity = 1.0

    def as_shape(self) -> ShapeLayer:
        from .qr import module_path, qr_code

        code = qr_code(self.data, self.error_correction, self.quiet_zone)
        side = min(self.box.width, self.box.height)
        module = side / code.size
        x = self.box.x + (self.box.width - side) / 2
        y = self.box.y + (self.box.height - side) / 2
        return ShapeLayer(
            type="shape", shape="path", box=Box(x=x, y=y, width=side, height=side), d=module_path(code, module),
            fill=self.color, rotation=self.rotation, opacity=self.opacity,
        )  # fmt: skip

    @model_validator(mode="after")
    def _readable(self) -> QrLayer:
        from .qr import MIN_MODULE_MM, qr_code

        code = qr_code(self.data, self.error_correction, self.quiet_zone)
        module = min(self.box.width, self.box.height) / code.size
        if module < MIN_MODULE_MM:
            need = MIN_MODULE_MM * code.size
            raise ValueError(
                f"QR modules would be {module:.2f} mm (under {MIN_MODULE_MM} mm: unreadable in print); make the box"
                f" at least {need:.1f} x {need:.1f} mm, or hold less data"
            )
        return self


class Holiday(Model):
    date: dt.date = Field(description="ISO date (YYYY-MM-DD); only the calendar month's own dates are drawn.")
    label: Annotated[str, Field(max_length=60)] = Field("", description="Printed small in the day's cell.")

    @field_validator("date", mode="before")
    @classmethod
    def _iso(cls, v: Any) -> Any:
        if not isinstance(v, str | dt.date):  # lax mode read a number as seconds since 1970
            raise ValueError("a date is a string 'YYYY-MM-DD'")
        return v

    @field_validator("label")
    @classmethod
    def _plain(cls, v: str) -> str:
        if "\x00" in v or any(0xD800 <= ord(c) <= 0xDFFF for c in v):
            raise ValueError("label must not contain NUL characters or unpaired surrogates")
        return v


class CalendarLayer(Model):
    """A month of a calendar: the localised title, the weekday heads and the day grid in ``box``. Parsed into
    text and shape layers (:meth:`as_layers`, geometry in :mod:`render_engine.model.calendar_grid`), so
    everything downstream draws and checks it as ordinary text and lines."""

    type: Literal["calendar"]
    year: Annotated[int, Field(ge=1583, le=9999, description="Gregorian year."), NUMBER]
    month: Annotated[int, Field(ge=1, le=12, description="1 = January."), NUMBER]
    box: Box
    locale: Literal["en", "hi", "zh-Hans"] = Field("en", description="Language of month and weekday names.")
    week_start: Literal["monday", "sunday", "saturday"] = "monday"
    rows: Literal["auto", "six"] = Field("auto", description="'auto': 4 to 6 rows as the month needs; 'six': always 6.")
    holidays: Annotated[list[Holiday], Field(max_length=400)] = Field(
        default_factory=list, description="Days marked in 'holiday_color' (a year's list may be given to every month)."
    )
    font: FontRef | None = Field(
        None, description="Title, weekday and holiday label face; default: one that has the locale's script."
    )
    number_font: FontRef = fast_validate.construct(FontRef, family="noto-sans")
    title: Flag = True
    title_size: Annotated[float, Field(gt=0, le=400), NUMBER] = 28.0
    weekday_size: Annotated[float, Field(gt=0, le=200), NUMBER] = 10.0
    day_size: Annotated[float, Field(gt=0, le=400), NUMBER] = 14.0
    label_size: Annotated[float, Field(gt=0, le=100), NUMBER] = 6.0
    day_position: Literal["top_left", "top_right", "center"] = "top_left"
    color: Paint = Field(_rgb("#000000"), description="Title, heads and day numbers.")
    weekend_color: Paint | None = Field(None, description="Saturday and Sunday heads and numbers.")
    holiday_color: Paint = Field(_rgb("#c62828"), description="Holiday numbers and labels.")
    holiday_fill: Paint | None = Field(None, description="Fills the cell of a holiday.")
    grid: Stroke | None = Field(
        fast_validate.construct(Stroke, color=_rgb("#9e9e9e"), width=0.5),
        description="Lines around the day cells (null: none).",
    )

    @model_validator(mode="after")
    def _fits(self) -> CalendarLayer:
        seen: set[dt.date] = set()
        for h in self.holidays:
            if h.date in seen:
                raise ValueError(f"holiday {h.date.isoformat()} is listed twice")
            seen.add(h.date)
        self.grid_plan()  # ValueError when the bands leave no room for the days
        return self

    def grid_plan(self) -> Grid:
        """Where the title, heads and days go (:func:`render_engine.model.calendar_grid.plan_grid`)."""
        from .calendar_grid import plan_grid

        b = self.box
        return plan_grid(
            (b.x, b.y, b.width, b.height), self.year, self.month, self.locale, self.week_start,
            title_pt=self.title_size if self.title else None, head_pt=self.weekday_size, six_rows=self.rows == "six",
        )  # fmt: skip

    def as_layers(self) -> list[tuple[str, TextLayer | ShapeLayer]]:
        """The month as native layers, bottom first: holiday fills, grid lines, title, heads, numbers, labels;
        each with the field of this layer it draws (``font`` for a text in that face, ``number_font``, ``grid``,
        ``holiday_fill``), so a problem found later names that field."""
        from .calendar_grid import WEEKEND, grid_lines_d, month_title
        from .units import pt_to_mm

        g = self.grid_plan()
        font = self.font or FontRef(family={"hi": "noto-sans-devanagari", "zh-Hans": "droid-sans-fallback"}.get(
            self.locale, "noto-sans"))  # fmt: skip
        marked = {h.date.day: h.label for h in self.holidays if (h.date.year, h.date.month) == (self.year, self.month)}

        def text(s: str, box: tuple[float, float, float, float], size: float, colour: Paint, face: FontRef,
                 align: str = "center", valign: str = "middle", **more: Any) -> TextLayer:  # fmt: skip
            x, y, w, h = box
            return TextLayer(
                type="text", text=s, font=face, size=size, color=colour, box=Box(x=x, y=y, width=w, height=h),
                align=align, valign=valign, **({"wrap": False} | more),
            )  # fmt: skip

        def tint(weekday: int) -> Paint:
            return self.weekend_color if self.weekend_color is not None and weekday in WEEKEND else self.color

        out: list[tuple[str, TextLayer | ShapeLayer]] = []
        gx, gy, gw, gh = g.grid
        if self.holiday_fill is not None and marked:
            d = "".join(
                f"M{c.x - gx:.4f} {c.y - gy:.4f}h{c.w:.4f}v{c.h:.4f}h{-c.w:.4f}Z" for c in g.cells if c.day in marked
            )
            out.append(("holiday_fill", ShapeLayer(type="shape", shape="path", box=Box(x=gx, y=gy, width=gw,
                        height=gh), d=d, fill=self.holiday_fill)))  # fmt: skip
        if self.grid is not None:
            out.append(("grid", ShapeLayer(type="shape", shape="path", box=Box(x=gx, y=gy, width=gw, height=gh),
                                           d=grid_lines_d(g), stroke=self.grid)))  # fmt: skip
        if g.title is not None:
            out.append(("font", text(month_title(self.year, self.month, self.locale), g.title, self.title_size,
                                     self.color, font, valign="top", shrink_to_fit=True)))  # fmt: skip
        for wd, name, band in g.heads:
            out.append(("font", text(name, band, self.weekday_size, tint(wd), font, shrink_to_fit=True)))
        number_h = pt_to_mm(self.day_size) * 1.5
        for c in g.cells:
            pad = min(c.w, c.h) * 0.08
            colour = self.holiday_color if c.day in marked else tint(c.weekday)
            if self.day_position == "center":  # the upper half when a holiday label takes the lower one
                box, align = (c.x, c.y, c.w, c.h / 2 if marked.get(c.day) else c.h), "center"
            else:
                box = (c.x + pad, c.y + pad, c.w - 2 * pad, min(number_h, c.h - 2 * pad))
                align = "left" if self.day_position == "top_left" else "right"
            out.append(("number_font", text(str(c.day), box, self.day_size, colour, self.number_font, align,
                                            shrink_to_fit=True)))  # fmt: skip
        for c in g.cells:
            label = marked.get(c.day, "")
            if not label:
                continue
            pad = min(c.w, c.h) * 0.08
            box = (c.x + pad, c.y + c.h / 2, c.w - 2 * pad, c.h / 2 - pad)
            out.append(("font", text(label, box, self.label_size, self.holiday_color, font, valign="bottom",
                                     shrink_to_fit=True, wrap=True, min_size=min(4.0, self.label_size))))  # fmt: skip
        return out


Layer = Annotated[
    BackgroundLayer | ImageLayer | TextLayer | SvgLayer | ShapeLayer | QrLayer | CalendarLayer,
    Field(discriminator="type"),
]
LAYER_TYPES = frozenset({"background", "image", "text", "svg", "shape", "qr", "calendar"})
_UNION_TAGS = {  # a discriminated union's kinds, named when an object leaves its tag out
    "type": ", ".join(sorted(LAYER_TYPES)),
    "shape": ", ".join(get_args(c.model_fields["shape"].annotation)[0] for c in get_args(get_args(Clip)[0])),
}


class DesignMeta(Model):
    """Job facts that end up in output files (never the wall clock: outputs are deterministic)."""

    title: Annotated[str, Field(max_length=200)] | None = None
    order_id: Annotated[str, Field(max_length=128)] | None = None
    created: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")] | None = Field(
        None, description="UTC timestamp written as the PDF creation date; default 2000-01-01T00:00:00Z."
    )
    words: Annotated[list[Annotated[str, Field(min_length=1, max_length=64)]], Field(max_length=500)] = Field(
        default_factory=list,
        description="Spellings the customer or the shop confirmed (names, brand words, local spellings): the"
        " spelling check accepts them in any case. Never printed.",
    )


def _qr_shapes(layers: list[Any]) -> list[Any] | None:
    """``qr`` layers as the path shapes they draw (same index), or None when there are none: nothing
    downstream knows QR codes."""
    if not any(isinstance(layer, QrLayer) for layer in layers):
        return None
    return [layer.as_shape() if isinstance(layer, QrLayer) else layer for layer in layers]


class SurfaceDesign(Model):
    """The layers on one surface or page of a multi-surface product (coordinates in that surface's trim mm).
    Its ``calendar`` layers expand in the v1 :class:`Design` :mod:`.surface_plan` makes of it (so a problem
    found later in a generated layer still names the calendar's field)."""

    layers: Annotated[list[Layer], Field(max_length=1000)]

    @model_validator(mode="after")
    def _qr_as_shapes(self) -> SurfaceDesign:
        layers = _qr_shapes(self.layers)
        return self if layers is None else self.model_copy(update={"layers": layers})


SurfaceName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,31}$")]


class Design(Model):
    """A customer's design for one product template: ``layers`` for a single-surface product, or
    ``surfaces`` (by name) and/or ``pages`` (in reading order) for a multi-surface one (docs/products.md)."""

    version: Literal[1]
    template: Annotated[str, Field(pattern=TEMPLATE_ID)]
    layers: Annotated[list[Layer], Field(max_length=1000)] = Field(
        default_factory=list, description="The layers of a single-surface product."
    )
    surfaces: dict[SurfaceName, SurfaceDesign] = Field(
        default_factory=dict, description="Layers per named surface of a multi-surface product (front, back…)."
    )
    pages: Annotated[list[SurfaceDesign], Field(max_length=1000)] = Field(
        default_factory=list, description="Layers per page of a multi-page product, in reading order."
    )
    paper: Annotated[str | None, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")] = Field(
        None, description="Book products: the interior paper, a name from the template's book.papers (its caliper "
        "sizes the spine); default book.default_paper."
    )
    direction: Literal["ltr", "rtl"] | None = Field(
        None, description="Book products: 'rtl' binds a right-to-left book (Arabic, Hebrew, manga) on the right: "
        "mirrored cover, gutters and spreads (docs/books.md); default the template's book.direction."
    )
    meta: DesignMeta = fast_validate.construct(DesignMeta)

    _sources: tuple[str, ...] = PrivateAttr(default=())

    @model_validator(mode="after")
    def _expand(self) -> Design:
        """``qr`` layers become the path shapes they draw (same index), ``calendar`` layers the text and shape
        layers of their month (in their place; later layers move up): nothing downstream knows either. A
        surface's or page's calendars expand here too, in the v1 design :mod:`.surface_plan` makes of it."""
        if not any(isinstance(layer, QrLayer | CalendarLayer) for layer in self.layers):
            return self
        layers, sources = expand_layers(self.layers)
        # in place: a validator's other return value is dropped when the design is built with Design(...)
        # (as surface_plan builds each surface's), so a copy would leave the calendar layers unexpanded
        self.__dict__["layers"] = layers
        self._sources = sources
        return self

    def source_field(self, field: str | None) -> str | None:
        """A field ``layers[<i>]…`` of the expanded layers renamed to where the layer came from: a layer a
        calendar made names the calendar (``layers[2].font.family`` of a day number ->
        ``layers[1].number_font.family``), a later layer its index in the design as written."""
        m = re.match(r"^layers\[(\d+)\]", field or "")
        if field is None or m is None or int(m.group(1)) >= len(self._sources):
            return field
        source, _, part = self._sources[int(m.group(1))].partition(":")
        rest = field[m.end() :]
        if not part:
            return source + rest
        if "font" not in part:
            return f"{source}.{part}"  # grid lines, holiday fills
        return f"{source}.{part}{rest[len('.font'):]}" if rest.startswith(".font") else source

    @property
    def is_multi(self) -> bool:
        """True when the design addresses surfaces or pages (a multi-surface product's design)."""
        return bool(self.surfaces) or bool(self.pages)


def expand_layers(layers: list[Any]) -> tuple[list[Any], tuple[str, ...]]:
    """``layers`` with ``qr`` and ``calendar`` layers replaced by the native layers they draw, and for each
    resulting layer the ``layers[<i>]`` it came from (``layers[<i>]:<field>`` for a calendar's)."""
    out: list[Any] = []
    sources: list[str] = []
    for i, layer in enumerate(layers):
        if isinstance(layer, CalendarLayer):
            for part, made in layer.as_layers():
                out.append(made)
                sources.append(f"layers[{i}]:{part}")
        else:
            out.append(layer.as_shape() if isinstance(layer, QrLayer) else layer)
            sources.append(f"layers[{i}]")
    return out, tuple(sources)


_UNION_MEMBER = re.compile(r"^(dict|list|tuple|set|frozenset)\[.*\]$")


def field_path(loc: tuple[Any, ...]) -> str:
    """Turn a pydantic error location into ``layers[2].box.width``, dropping union tags."""
    out = ""
    prev: Any = None
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif (isinstance(prev, int) and part in LAYER_TYPES) or (prev == "clip" and part in CLIP_SHAPES):
            pass  # discriminator tag pydantic inserts into the location
        elif isinstance(part, str) and (
            part.startswith("function-") or part.startswith("paint:") or part in {"literal['auto']"}
            or _UNION_MEMBER.match(part) is not None  # a union's member tag: "dict[str,str]", "list[dict[...]]"
        ):
            pass
        else:
            out += ("." if out else "") + safe_key(str(part))
        prev = part
    return out or "design"


MAX_KEY_CHARS = 64


def safe_key(key: str) -> str:
    """An object key as a field path shows it: a key the client made up (an unknown field) is input, so it is
    cut to :data:`MAX_KEY_CHARS` characters and its control characters escaped: a 1 MB key came back whole in
    the error, and an escape sequence in one reached the terminal of whoever ran the command line."""
    if len(key) <= MAX_KEY_CHARS and key.isprintable():
        return key
    shown = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in key[:MAX_KEY_CHARS])
    return shown + ("…" if len(key) > MAX_KEY_CHARS else "")


def error_message(err: Any) -> str:
    """A message that never echoes the (possibly hostile) input value."""
    msg = str(err.get("msg", "invalid value"))
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if err.get("type") == "union_tag_invalid":
        ctx = err.get("ctx") or {}
        msg = f"unknown {ctx.get('discriminator', 'type')}; expected one of {ctx.get('expected_tags', '')}"
    if err.get("type") == "union_tag_not_found":  # was pydantic's "Unable to extract tag using discriminator"
        key = str((err.get("ctx") or {}).get("discriminator", "'type'")).strip("'")
        loc = tuple(err.get("loc") or ())
        layer = len(loc) >= 2 and loc[-2] == "layers"  # a slot, a mockup mapping have a 'type' of their own
        kinds = _UNION_TAGS.get(key) if key == "shape" or layer else None
        msg = f"'{key}' is missing" + (f": one of {kinds}" if kinds else "")
    if err.get("type") == "extra_forbidden":
        msg = "unknown field"
    if err.get("type") == "string_unicode":  # was "unable to parse raw data as a unicode string"
        msg = "not Unicode text: it holds a lone surrogate (a \\ud800-\\udfff escape without its pair)"
    return msg


def validation_error_to_design_error(exc: ValidationError) -> DesignError:
    """Every problem pydantic found, each a :class:`DesignError` with its field (:func:`several`)."""
    errors = exc.errors(include_input=False, include_url=False)
    by_field: dict[str, str] = {}  # a union's alternatives each fail at the same field: its first message
    for e in errors:
        by_field.setdefault(field_path(tuple(e["loc"])), error_message(e))
    return several([DesignError(message, field=field) for field, message in by_field.items()])


@functools.cache
def _default_settings() -> Settings:
    return fast_validate.construct(Settings)  # Settings(), without its schema build (issue 22)


def parse_design(data: Any, settings: Settings | None = None) -> Design:
    """Validate a decoded JSON value as a :class:`Design`, raising :class:`DesignError`. Size limits
    (layers, text, inline SVG: :func:`render_engine.model.size_limits.check_native`, ``settings`` or the
    environment's) are checked first, so an oversized document is a 413 naming its field, never a schema
    message or work. A design refused for its fields is also checked for an unknown ``template``, so both come
    in one list (the template was reported only once every field was fixed)."""
    if not isinstance(data, dict):
        raise DesignError("a design is a JSON object", field="design")
    settings = settings or _default_settings()
    problems: list[RenderError] = []
    version = data.get("version")
    if isinstance(version, bool) or version != DESIGN_VERSION:  # True == 1 in Python: refused by name
        what = "a number is needed here, not true/false" if isinstance(version, bool) else "unsupported design version"
        problems.append(DesignError(f"{what}; this engine reads version {DESIGN_VERSION}", field="version"))
    if "layers" not in data and "surfaces" not in data and "pages" not in data:
        problems.append(
            DesignError("Field required (or 'surfaces' / 'pages' for a multi-surface product)", field="layers")
        )
    if not problems:
        check_native(data, settings)
        try:
            # the same as Design.model_validate, without its ~35 ms schema build in a cold process (issue 22)
            return fast_validate.validate(Design, data, fast=_small(data))
        except ValidationError as exc:
            err = validation_error_to_design_error(exc)
            problems.extend(err.problems or (err,))
    if (unknown := _template_problem(data, settings)) is not None:
        problems.append(unknown)
    raise several(problems)


def _small(data: dict[str, Any]) -> bool:
    """A single-surface design of a few layers: one the fast path validates faster than pydantic's schema build
    (~35 ms) plus validation (a 10 kB, 240-layer book: 16 ms against pydantic's 1.6 ms once built)."""
    layers = data.get("layers")
    return isinstance(layers, list) and len(layers) <= 32 and not data.get("surfaces") and not data.get("pages")


@functools.cache
def _catalog(directory: Path) -> TemplateCatalog:
    return TemplateCatalog(directory)


def _template_problem(data: dict[str, Any], settings: Settings) -> RenderError | None:
    """The unknown-template error of a design refused for other fields (None when its template is known, or
    missing or malformed: the schema names that)."""
    template = data.get("template")
    if not isinstance(template, str) or re.fullmatch(TEMPLATE_ID, template) is None:
        return None
    try:
        _catalog(settings.templates_dir).get(template)
    except TemplateError as exc:
        return exc
    return None


def load_design_json(text: str | bytes) -> Design:
    return parse_design(load_json(text))  # strict: UTF-8, no NaN, no huge numbers, no duplicate keys


def load_design_file(path: Path) -> Design:
    return load_design_json(read_input_file(path))


def design_json_schema() -> dict[str, Any]:
    schema = Design.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "render-engine/design.schema.json"
    return schema
