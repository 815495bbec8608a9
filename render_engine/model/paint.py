"""Paint: what fills or strokes an area — a flat colour, a linear gradient or a radial gradient — and blend
modes.

Two halves, both pure (no pixels):

* the **design model** (:data:`Paint`, pydantic): accepted wherever a colour is accepted (shape fill and
  stroke, text colour and span colours, the background layer). In JSON a paint is a colour (``"#rrggbb"`` or
  ``{"cmyk": [...]}``) or a gradient object ``{"type": "linear" | "radial", ...}`` with SVG 1.1/2 semantics:
  any number of stops with per-stop opacity, ``units`` ``"box"`` (SVG ``objectBoundingBox``: 0..1 across the
  layer's box, before its rotation) or ``"absolute"`` (trim millimetres, SVG ``userSpaceOnUse``), a
  ``transform`` (SVG ``gradientTransform``, applied in those units) and spread ``pad``. A radial gradient is
  two circles as Canvas 2D / SVG 2 define it: the focal circle (``fx``, ``fy``, ``fr``) and the end circle
  (``cx``, ``cy``, ``r``).
* the **resolved paint** (:class:`Gradient`): what layout hands the backends, the geometry mapped once into
  page millimetres (:func:`resolve_paint`). Backends only convert the stop colours: the raster backend draws
  it as an SVG gradient through librsvg, the PDF backend as a DeviceCMYK shading (``pdf_paint``).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, model_validator

from .design_base import CMYK, NUMBER, RGB, Color, Model, Opacity
from .geometry import Matrix, Rect

MAX_STOPS = 256
Coord = Annotated[float, Field(ge=-100_000, le=100_000), NUMBER]
NonNegCoord = Annotated[float, Field(ge=0, le=100_000), NUMBER]

BlendMode = Literal[
    "normal",
    "multiply",
    "screen",
    "overlay",
    "darken",
    "lighten",
    "color-dodge",
    "color-burn",
    "hard-light",
    "soft-light",
    "difference",
    "exclusion",
    "hue",
    "saturation",
    "color",
    "luminosity",
]
#: Blend modes that mix hue / saturation / luminosity (not channel by channel): PDF calls them non-separable.
NON_SEPARABLE = frozenset({"hue", "saturation", "color", "luminosity"})
#: The PDF name of each blend mode (``/BM`` in an ExtGState).
PDF_BLEND = {
    "normal": "Normal",
    "multiply": "Multiply",
    "screen": "Screen",
    "overlay": "Overlay",
    "darken": "Darken",
    "lighten": "Lighten",
    "color-dodge": "ColorDodge",
    "color-burn": "ColorBurn",
    "hard-light": "HardLight",
    "soft-light": "SoftLight",
    "difference": "Difference",
    "exclusion": "Exclusion",
    "hue": "Hue",
    "saturation": "Saturation",
    "color": "Color",
    "luminosity": "Luminosity",
}


class PaintStop(Model):
    """A gradient stop: colour (sRGB hex or CMYK) and its own opacity."""

    offset: Annotated[float, Field(ge=0, le=1), NUMBER]
    color: Color
    opacity: Opacity = 1.0


class _Gradient(Model):
    units: Literal["box", "absolute"] = Field(
        "box",
        description="'box': coordinates 0..1 across the layer's box (SVG objectBoundingBox); "
        "'absolute': trim millimetres (SVG userSpaceOnUse).",
    )
    transform: tuple[Coord, Coord, Coord, Coord, Coord, Coord] | None = Field(
        None, description="SVG gradientTransform [a, b, c, d, e, f], applied in the gradient's units."
    )
    spread: Literal["pad"] = "pad"
    stops: Annotated[list[PaintStop], Field(min_length=1, max_length=MAX_STOPS)]

    @model_validator(mode="after")
    def _ordered(self) -> Any:
        offsets = [s.offset for s in self.stops]
        if offsets != sorted(offsets):
            raise ValueError("gradient stop offsets must be in increasing order")
        t = self.transform
        if t is not None and abs(t[0] * t[3] - t[1] * t[2]) < 1e-12:
            raise ValueError("a gradient transform must be invertible")
        return self


class LinearGradientPaint(_Gradient):
    """The gradient runs from (x1, y1) (offset 0) to (x2, y2) (offset 1); lines across it have one colour."""

    type: Literal["linear"]
    x1: Coord = 0.0
    y1: Coord = 0.0
    x2: Coord = 1.0
    y2: Coord = 0.0


class RadialGradientPaint(_Gradient):
    """Circles interpolated from the focal circle (fx, fy, fr: offset 0) to the end circle (cx, cy, r:
    offset 1), as SVG 2 and Canvas 2D ``createRadialGradient`` define them. ``fx``/``fy`` default to the
    centre."""

    type: Literal["radial"]
    cx: Coord = 0.5
    cy: Coord = 0.5
    r: NonNegCoord = 0.5
    fx: Coord | None = None
    fy: Coord | None = None
    fr: NonNegCoord = 0.0


MAX_TILE_BYTES = 4_000_000  # a pattern tile is a small image: a data URL of at most this many characters


class PatternPaint(Model):
    """An image tile repeated over the painted area (Canvas 2D ``createPattern``): pattern space has the
    tile's top-left at its origin and the tile ``width`` x ``height`` units large; ``units: "box"`` puts the
    origin at the layer box's top-left (mm, turning with the layer), ``"absolute"`` at the trim origin (mm);
    ``transform`` maps pattern space on (as SVG's ``patternTransform``)."""

    type: Literal["pattern"]
    image: Annotated[str, Field(min_length=30, max_length=MAX_TILE_BYTES)] = Field(
        description="The tile: a base64 PNG or JPEG data URL (the design carries it; nothing is fetched)."
    )
    width: Annotated[float, Field(gt=0, le=100_000), NUMBER]
    height: Annotated[float, Field(gt=0, le=100_000), NUMBER]
    repeat: Literal["repeat", "repeat-x", "repeat-y", "no-repeat"] = "repeat"
    units: Literal["box", "absolute"] = "box"
    transform: tuple[Coord, Coord, Coord, Coord, Coord, Coord] | None = None

    @model_validator(mode="after")
    def _check(self) -> PatternPaint:
        if not re.match(r"^data:image/(png|jpeg|jpg);base64,", self.image[:40]):
            raise ValueError("a pattern image is a base64 PNG or JPEG data: URL")
        try:
            head = base64.b64decode(self.image[self.image.index(",") + 1 :], validate=True)[:8]
        except (binascii.Error, ValueError):
            raise ValueError("the pattern image is not valid base64") from None
        if not (head.startswith(b"\x89PNG") or head.startswith(b"\xff\xd8")):
            raise ValueError("the pattern image is not a PNG or JPEG")
        t = self.transform
        if t is not None and abs(t[0] * t[3] - t[1] * t[2]) < 1e-12:
            raise ValueError("a pattern transform must be invertible")
        return self


def _paint_tag(value: Any) -> str:
    if isinstance(value, dict) and "type" in value:
        return {"radial": "paint:radial", "pattern": "paint:pattern"}.get(str(value.get("type")), "paint:linear")
    if isinstance(value, LinearGradientPaint):
        return "paint:linear"
    if isinstance(value, RadialGradientPaint):
        return "paint:radial"
    if isinstance(value, PatternPaint):
        return "paint:pattern"
    return "paint:flat"


Paint = Annotated[
    Annotated[Color, Tag("paint:flat")]
    | Annotated[LinearGradientPaint, Tag("paint:linear")]
    | Annotated[RadialGradientPaint, Tag("paint:radial")]
    | Annotated[PatternPaint, Tag("paint:pattern")],
    Discriminator(_paint_tag),
]
GradientPaint = LinearGradientPaint | RadialGradientPaint


# ------------------------------------------------------------------------------------------ resolved


@dataclass(frozen=True)
class Gradient:
    """A gradient resolved by layout: ``coords`` in gradient space, ``matrix`` maps it to page mm.

    ``coords`` are (x1, y1, x2, y2) for ``linear`` and (fx, fy, fr, cx, cy, r) for ``radial`` — the order of
    PDF's ``/Coords`` for axial and radial shadings. Stops are (offset, colour, opacity), offsets
    non-decreasing in 0..1."""

    kind: Literal["linear", "radial"]
    coords: tuple[float, ...]
    matrix: Matrix
    stops: tuple[tuple[float, RGB | CMYK, float], ...]

    @property
    def translucent(self) -> bool:
        return any(a < 1 for _o, _c, a in self.stops)

    def representative(self) -> RGB | CMYK:
        """One colour standing for the gradient (contrast checks, thumbnails): its middle stop."""
        return self.stops[len(self.stops) // 2][1]


@dataclass(frozen=True)
class Pattern:
    """A pattern resolved by layout: ``matrix`` maps pattern space (tile ``size`` units, origin at the
    tile's top-left) to page mm; ``image`` is the decoded tile's encoded bytes (PNG / JPEG)."""

    image: bytes
    size: tuple[float, float]
    repeat: str
    matrix: Matrix

    def representative(self) -> RGB:
        return RGB(hex="#808080")


#: A paint as the backends see it: a flat colour, a resolved gradient or a resolved pattern.
ResolvedPaint = RGB | CMYK | Gradient | Pattern


def resolve_paint(paint: Any, box: Rect, placement: Matrix) -> ResolvedPaint:
    """Map a design :data:`Paint` onto the page: ``box`` is the layer's box (mm, before its rotation) and
    ``placement`` carries that box onto the page (its rotation). Absolute units are trim mm, unrotated."""
    if isinstance(paint, RGB | CMYK):
        return paint
    m = Matrix() if paint.transform is None else Matrix(*paint.transform)
    if isinstance(paint, PatternPaint):
        if paint.units == "box":
            m = m.then(Matrix.translate(box.x, box.y)).then(placement)
        data = base64.b64decode(paint.image[paint.image.index(",") + 1 :])
        return Pattern(data, (paint.width, paint.height), paint.repeat, m)
    if paint.units == "box":
        m = m.then(Matrix(a=box.w, d=box.h, e=box.x, f=box.y)).then(placement)
    stops = tuple((s.offset, s.color, s.opacity) for s in paint.stops)
    if isinstance(paint, LinearGradientPaint):
        return Gradient("linear", (paint.x1, paint.y1, paint.x2, paint.y2), m, stops)
    fx = paint.cx if paint.fx is None else paint.fx
    fy = paint.cy if paint.fy is None else paint.fy
    return Gradient("radial", (fx, fy, paint.fr, paint.cx, paint.cy, paint.r), m, stops)


def flat_colour(paint: ResolvedPaint) -> RGB | CMYK:
    """The colour standing for ``paint`` where one colour is needed (thumbnails)."""
    return paint.representative() if isinstance(paint, Gradient | Pattern) else paint


def paint_colours(paint: ResolvedPaint) -> tuple[RGB | CMYK, ...]:
    """Every colour ``paint`` shows (a gradient: each visible stop), e.g. for contrast checks."""
    if isinstance(paint, Gradient):
        return tuple(c for _o, c, a in paint.stops if a > 0) or (paint.stops[0][1],)
    if isinstance(paint, Pattern):
        return ()  # an image: no flat colour to judge contrast by
    return (paint,)


__all__ = [
    "NON_SEPARABLE",
    "PDF_BLEND",
    "BlendMode",
    "Gradient",
    "GradientPaint",
    "LinearGradientPaint",
    "Paint",
    "PaintStop",
    "Pattern",
    "PatternPaint",
    "RadialGradientPaint",
    "ResolvedPaint",
    "flat_colour",
    "paint_colours",
    "resolve_paint",
]
