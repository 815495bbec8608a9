"""Layout step: design + resolved resources -> a :class:`Layout` of drawable items, all in mm.

Layout is computed once per render and is the only thing backends see: the raster backend (print PNG,
preview) and the PDF backend draw the same items, so they cannot disagree about geometry, crops or text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..inputs.assets import Focus, ImageInfo, SvgDoc
from ..inputs.font_catalog import FontCatalog
from ..model import fast_validate
from ..model.deadline import check as check_deadline
from ..model.design import (
    CMYK,
    RGB,
    BackgroundLayer,
    Design,
    EllipseClip,
    ImageLayer,
    LinearGradient,
    MaskClip,
    NormRect,
    PathClip,
    RectClip,
    RoundedRectClip,
    ShapeLayer,
    SvgLayer,
    TextLayer,
)
from ..model.fit import contain_size, cover_crop
from ..model.geometry import Matrix, Path, Rect
from ..model.paint import ResolvedPaint, resolve_paint
from ..model.templates import Template
from ..model.units import MM_PER_INCH, pt_to_mm
from .resolve import Resources
from .text import TextBlock, layout_text

Color = RGB | CMYK


@dataclass(frozen=True)
class StrokeStyle:
    """How a stroke is drawn, in page mm (dash lengths already converted from pt)."""

    dash: tuple[float, ...] = ()
    dash_offset: float = 0.0
    cap: str = "butt"  # butt | round | square
    join: str = "miter"  # miter | round | bevel
    miter_limit: float = 4.0


PLAIN_STROKE = StrokeStyle()  # solid, butt caps, mitred joins (limit 4): SVG's defaults


@dataclass(frozen=True)
class BackgroundItem:
    layer: int
    rect: Rect  # the bleed box
    color: ResolvedPaint | None
    gradient: LinearGradient | None
    blend: str = "normal"


@dataclass(frozen=True)
class ImageItem:
    layer: int
    info: ImageInfo
    crop: tuple[float, float, float, float]  # source pixels (upright): x, y, w, h
    box: Rect  # the layer's box
    dest: Rect  # where the crop lands (== box for cover/stretch; fitted inside it for contain)
    rotation: float  # degrees clockwise about the box centre
    opacity: float
    clip: Path | None  # in page mm, before rotation (it turns with the image)
    page_clip: Path | None  # template mask, in page mm (does not turn)
    focus: Focus | None
    transform: Matrix | None = None  # page mm -> page mm after the rotation (skew, mirroring, ...)
    blend: str = "normal"
    extra_clips: tuple[Path, ...] = ()  # more clips like ``clip``, all intersected
    pixelated: bool = False  # raster preview: enlarge as squares of source pixels (ImageLayer.rendering)

    @property
    def placement(self) -> Matrix:
        """Page mm of the unrotated box -> page mm: the rotation about the box centre, then ``transform``."""
        m = Matrix.rotate(self.rotation, self.box.cx, self.box.cy) if self.rotation % 360 else Matrix()
        return m if self.transform is None else m.then(self.transform)

    @property
    def effective_dpi(self) -> float:
        """Source pixels per inch at the placed size (the lower of the two axes)."""
        sx = sy = 1.0
        if self.transform is not None:
            t = self.transform
            sx, sy = math.hypot(t.a, t.b), math.hypot(t.c, t.d)
        return min(self.crop[2] / (self.dest.w * sx / MM_PER_INCH), self.crop[3] / (self.dest.h * sy / MM_PER_INCH))


@dataclass(frozen=True)
class TextItem:
    layer: int
    block: TextBlock
    color: ResolvedPaint
    opacity: float
    box: Rect
    size_pt: float
    # (span paint or None for ``color``, outline) split by text spans; () means the whole outline in ``color``
    runs: tuple[tuple[ResolvedPaint | None, Path], ...] = ()
    blend: str = "normal"
    # the outlines to stroke over every fill (the layer's and spans' strokes), as stroke-only shapes
    strokes: tuple[ShapeItem, ...] = ()

    @property
    def paint_runs(self) -> tuple[tuple[ResolvedPaint, Path], ...]:
        """What to fill with which colour: every backend draws these."""
        runs = ((self.color, self.block.outline),) if not self.runs else tuple(
            (self.color if c is None else c, p) for c, p in self.runs
        )
        # colour glyphs (emoji layers) over the text, in their palette colours
        return runs + tuple(
            (self.color if c is None else RGB(hex=c), p) for c, p in self.block.color_glyphs
        )


@dataclass(frozen=True)
class ShapeItem:
    layer: int
    path: Path  # page mm, rotation applied
    fill: ResolvedPaint | None
    stroke: ResolvedPaint | None
    stroke_width_mm: float
    opacity: float
    style: StrokeStyle = StrokeStyle()
    stroke_first: bool = False  # paint order: the stroke under the fill
    blend: str = "normal"


@dataclass(frozen=True)
class SvgItem:
    layer: int
    doc: SvgDoc
    dest: Rect
    stretch: bool
    rotation: float
    opacity: float
    blend: str = "normal"


Item = BackgroundItem | ImageItem | TextItem | ShapeItem | SvgItem


@dataclass(frozen=True)
class Layout:
    template: Template
    bleed: Rect
    trim: Rect
    safe: Rect
    items: tuple[Item, ...]


def plan_layout(design: Design, res: Resources, fonts: FontCatalog) -> Layout:
    t = res.template
    trim = Rect(0.0, 0.0, t.trim_w, t.trim_h)
    bleed = Rect(-t.bleed_mm, -t.bleed_mm, t.bleed_w, t.bleed_h)
    items: list[Item] = []
    for i, layer in enumerate(design.layers):
        check_deadline()
        if isinstance(layer, BackgroundLayer):
            colour = None if layer.color is None else resolve_paint(layer.color, bleed, Matrix())
            items.append(BackgroundItem(i, bleed, colour, layer.gradient, layer.blend))
        elif isinstance(layer, ImageLayer):
            items.append(_image_item(i, layer, res.images[i], res.focus.get(i), t))
        elif isinstance(layer, TextLayer):
            block = layout_text(layer, fonts, f"layers[{i}]", t.text.emoji)
            tbox = _rect(layer.box)
            place = Matrix.rotate(layer.rotation, tbox.cx, tbox.cy) if layer.rotation % 360 else Matrix()
            runs: tuple[tuple[ResolvedPaint | None, Path], ...] = ()
            if layer.spans:
                runs = tuple(
                    (
                        None
                        if k < 0 or layer.spans[k].color is None
                        else resolve_paint(layer.spans[k].color, tbox, place),
                        path,
                    )
                    for k, path in block.color_runs
                )
            colour = resolve_paint(layer.color, tbox, place)
            strokes = _text_strokes(i, layer, block, tbox, place)
            items.append(TextItem(i, block, colour, layer.opacity, tbox, block.size_pt, runs, layer.blend, strokes))
        elif isinstance(layer, ShapeLayer):
            items.append(_shape_item(i, layer))
        elif isinstance(layer, SvgLayer):
            items.append(_svg_item(i, layer, res.svgs[i]))
    return Layout(t, bleed, trim, trim.inset(t.safe_margin_mm), tuple(items))


def _text_strokes(i: int, layer: TextLayer, block: TextBlock, box: Rect, place: Matrix) -> tuple[ShapeItem, ...]:
    """The text's outlines to stroke: each paint run with its span's stroke, else the layer's, as stroke-only
    shapes (so both backends stroke them as they stroke shapes). A stroke scales with shrink-to-fit like the
    text it outlines."""
    shrink = block.size_pt / layer.size
    out: list[ShapeItem] = []
    for k, path in block.color_runs or ((-1, block.outline),):
        span_stroke = layer.spans[k].stroke if k >= 0 else None
        stroke = span_stroke or layer.stroke
        if stroke is None or path.empty:
            continue
        style = StrokeStyle(
            tuple(pt_to_mm(v) * shrink for v in stroke.dash),
            pt_to_mm(stroke.dash_offset) * shrink,
            stroke.cap,
            stroke.join,
            stroke.miter_limit,
        )
        paint = resolve_paint(stroke.color, box, place)
        width = pt_to_mm(stroke.width) * shrink
        out.append(ShapeItem(i, path, None, paint, width, layer.opacity, style, False, layer.blend))
    return tuple(out)


def _rect(box: object) -> Rect:
    return Rect(box.x, box.y, box.width, box.height)  # type: ignore[attr-defined]


def contain_rect(box: Rect, aspect: float) -> Rect:
    w, h = contain_size(box.w, box.h, aspect)
    return Rect(box.x + (box.w - w) / 2, box.y + (box.h - h) / 2, w, h)


def _image_item(i: int, layer: ImageLayer, info: ImageInfo, focus: Focus | None, t: Template) -> ImageItem:
    box = _rect(layer.box)
    W, H = float(info.width), float(info.height)
    nr = layer.crop if isinstance(layer.crop, NormRect) else fast_validate.construct(NormRect)
    region = (nr.x * W, nr.y * H, nr.width * W, nr.height * H)
    focus_px = (focus.x * W, focus.y * H) if focus is not None else None
    if layer.fit == "cover":
        crop = cover_crop(region, box.w / box.h, focus_px)
        dest = box
    elif layer.fit == "contain":
        crop = region
        dest = contain_rect(box, region[2] / region[3])
    else:
        crop = region
        dest = box
    turning: list[Path] = []  # clips that turn with the image
    fixed: list[Path] = []  # template masks (page mm, do not turn)
    for c in ([layer.clip] if layer.clip is not None else []) + list(layer.clips):
        if isinstance(c, RectClip):
            turning.append(Path.rect(box))
        elif isinstance(c, RoundedRectClip):
            turning.append(Path.rounded_rect(box, c.radius))
        elif isinstance(c, EllipseClip):
            turning.append(Path.ellipse(box))
        elif isinstance(c, PathClip):
            turning.append(Path.from_svg(c.d, Matrix.translate(box.x, box.y)))
        elif isinstance(c, MaskClip):
            d = t.mask_path(c.name)
            assert d is not None  # checked in resolve
            fixed.append(Path.from_svg(d, evenodd=True))
    clip = turning[0] if turning else None
    page_clip = fixed[0] if fixed else None
    extra = tuple(turning[1:])  # (one template mask at most: the model checks)
    transform = None if layer.transform is None else Matrix(*layer.transform)
    return ImageItem(
        i, info, crop, box, dest, layer.rotation, layer.opacity, clip, page_clip, focus, transform, layer.blend,
        extra, layer.rendering == "pixelated",
    )


def _shape_item(i: int, layer: ShapeLayer) -> ShapeItem:
    if layer.shape == "line":
        assert layer.start is not None and layer.end is not None
        path = Path.line((layer.start.x, layer.start.y), (layer.end.x, layer.end.y))
        cx, cy = (layer.start.x + layer.end.x) / 2, (layer.start.y + layer.end.y) / 2
        x0, y0 = min(layer.start.x, layer.end.x), min(layer.start.y, layer.end.y)
        box = Rect(x0, y0, max(1e-6, abs(layer.end.x - layer.start.x)), max(1e-6, abs(layer.end.y - layer.start.y)))
    else:
        assert layer.box is not None
        box = _rect(layer.box)
        if layer.shape == "path":
            assert layer.d is not None
            path = Path.from_svg(layer.d, Matrix.translate(box.x, box.y), evenodd=layer.fill_rule == "evenodd")
        elif layer.shape == "ellipse":
            path = Path.ellipse(box)
        else:
            path = Path.rounded_rect(box, layer.corner_radius)
        cx, cy = box.cx, box.cy
    place = Matrix.rotate(layer.rotation, cx, cy) if layer.rotation else Matrix()
    if layer.rotation:
        path = path.transformed(place)
    stroke = layer.stroke
    style = StrokeStyle()
    if stroke is not None:
        style = StrokeStyle(
            tuple(pt_to_mm(v) for v in stroke.dash),
            pt_to_mm(stroke.dash_offset),
            stroke.cap,
            stroke.join,
            stroke.miter_limit,
        )
    fill = layer.fill if layer.shape != "line" else None
    return ShapeItem(
        i,
        path,
        None if fill is None else resolve_paint(fill, box, place),
        resolve_paint(stroke.color, box, place) if stroke else None,
        pt_to_mm(stroke.width) if stroke else 0.0,
        layer.opacity,
        style,
        layer.paint_order == "stroke",
        layer.blend,
    )


def _svg_item(i: int, layer: SvgLayer, doc: SvgDoc) -> SvgItem:
    box = _rect(layer.box)
    dest = box if layer.fit == "stretch" else contain_rect(box, doc.width / doc.height)
    return SvgItem(i, doc, dest, layer.fit == "stretch", layer.rotation, layer.opacity, layer.blend)
