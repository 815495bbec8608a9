"""PDF backend: draws a :class:`~render_engine.layout.plan.Layout` as a CMYK PDF/X-4 file.

One page; MediaBox = BleedBox = trim + bleed (plus a slug when crop marks are asked for), TrimBox = trim.
Colour rules (docs/color.md):

* explicit CMYK values pass through untouched;
* sRGB ``#000000`` text and thin strokes become pure K (0/0/0/100); large black fills become the
  configurable rich black; every other sRGB colour goes through the output profile (relative colorimetric
  with black-point compensation);
* photos go through the output profile (perceptual by default) and are stored as CMYK JPEG at their
  effective resolution, downsampled only when far above the template's target DPI;
* text is drawn as glyph outlines at exactly the positions the shaper produced (no font programs);
* nothing in the file is RGB: no DeviceRGB, no RGB ICC, in images, fills, strokes, shadings or groups.

The content stream is written directly with pikepdf (qpdf), so every operator and colour space is ours and
the bytes are deterministic: no wall-clock dates, /ID derived from the content.

Why one module over 500 lines: one page's content stream and resources (fonts, images, shadings, ExtGStates)
are built by a single writer whose per-item functions share that state; gradients and patterns are in
:mod:`.pdf_paint`, placed image pixels in :mod:`.imaging`.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import pikepdf
import pyvips
from pikepdf import Array, Dictionary, Name, Stream

from ..inputs.assets import render_svg_pdf, svg_with_root_attributes
from ..inputs.color import CMYKValue, ColorConverter, IccProfile, Role
from ..inputs.font_catalog import FontCatalog
from ..layout.plan import PLAIN_STROKE, BackgroundItem, ImageItem, Layout, ShapeItem, StrokeStyle, SvgItem, TextItem
from ..layout.text import layout_text
from ..model.design import RGB, Box, FontRef, TextLayer
from ..model.dielines import DIELINE_ORDER, DIELINE_SPOTS, Dieline
from ..model.errors import AssetError, LimitExceeded, asset_errors
from ..model.geometry import IDENTITY, Matrix, Rect
from ..model.geometry import Path as VPath
from ..model.paint import PDF_BLEND, Gradient, Pattern, ResolvedPaint
from ..model.units import mm_to_pt
from .common import needs_raster
from .pdf_colours import page_flat_colours
from .pdf_images import PageImages, Pending, Placed, encode_images, image_xobject, placed_now
from .pdf_options import PdfOptions
from .pdf_paint import has_sharp_join, opacity_mask, shading_pattern, srgb_interpolated
from .writers import write_atomic

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from ..engine import Engine
    from ..layout.prepared import Prepared
    from ..model.outputs import StepTimer


@dataclass
class _Page:
    """Accumulates content-stream operators and the resources they use."""

    pdf: pikepdf.Pdf
    ops: list[str] = field(default_factory=list)
    xobjects: dict[str, Stream] = field(default_factory=dict)
    gstates: dict[str, Dictionary] = field(default_factory=dict)
    colorspaces: dict[str, Array] = field(default_factory=dict)
    shadings: dict[str, Dictionary] = field(default_factory=dict)
    properties: dict[str, Dictionary] = field(default_factory=dict)
    patterns: dict[str, Dictionary | Stream] = field(default_factory=dict)
    base: Matrix = IDENTITY  # page mm -> default user space (pattern matrices are relative to it)
    images: list[tuple[Stream, Placed | Pending]] = field(default_factory=list)  # XObjects still to encode

    def op(self, s: str) -> None:
        self.ops.append(s)

    def gstate(self, **entries: object) -> str:
        key = "GS" + hashlib.sha1(repr(sorted(entries.items())).encode()).hexdigest()[:8]
        if key not in self.gstates:
            d = Dictionary(Type=Name.ExtGState)
            for k, v in entries.items():
                d[Name("/" + k)] = v
            self.gstates[key] = d
        return key


def _n(v: float) -> str:
    s = f"{v:.4f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _cmyk_ops(c: CMYKValue, stroke: bool) -> str:
    return f"{_n(c[0])} {_n(c[1])} {_n(c[2])} {_n(c[3])} {'K' if stroke else 'k'}"


def _path_ops(path: VPath) -> str:
    n = _n  # a text-heavy card has ~100k coordinates: no generator or attribute lookup per number
    out: list[str] = []
    add = out.append
    for op, pts in path.ops:
        if op == "C" and len(pts) == 3:
            (x1, y1), (x2, y2), (x3, y3) = pts
            add(f"{n(x1)} {n(y1)} {n(x2)} {n(y2)} {n(x3)} {n(y3)} c")
        elif op == "M":
            add(f"{n(pts[0][0])} {n(pts[0][1])} m")
        elif op == "L":
            add(f"{n(pts[0][0])} {n(pts[0][1])} l")
        elif op == "C":
            add(" ".join(f"{n(x)} {n(y)}" for x, y in pts) + " c")
        else:
            add("h")
    return "\n".join(out)


def _cm(m: Matrix) -> str:
    return f"{_n(m.a)} {_n(m.b)} {_n(m.c)} {_n(m.d)} {_n(m.e)} {_n(m.f)} cm"


def _separation(pdf: pikepdf.Pdf, name: str, alt: CMYKValue) -> Array:
    fn = Dictionary(FunctionType=2, Domain=[0, 1], C0=[0, 0, 0, 0], C1=list(alt), N=1)
    return Array([Name.Separation, Name("/" + name), Name.DeviceCMYK, pdf.make_indirect(fn)])


def build_pdf(
    layout: Layout,
    converter: ColorConverter,
    options: PdfOptions,
    label_outline: VPath | None = None,
    ahead: PageImages | None = None,
) -> pikepdf.Pdf:
    """The page as a PDF document in memory; ``ahead``: its image work, if started before (used when it was
    started for this layout's items and these options, else closed and started again)."""
    t = layout.template
    pdf = pikepdf.new()
    slug = options.slug_mm if options.marks else 0.0
    media = Rect(layout.bleed.x - slug, layout.bleed.y - slug, layout.bleed.w + 2 * slug, layout.bleed.h + 2 * slug)
    k = mm_to_pt(1.0)
    W, H = media.w * k, media.h * k
    # page space: mm, origin at the trim's top-left, y down
    base = Matrix(a=k, d=-k, e=-media.x * k, f=(media.h + media.y) * k)
    page = _Page(pdf, base=base)
    page.op(_cm(base))

    work = (layout.items, converter, t.dpi.target, options.downsample_above, options.jpeg_quality,
            options.lut_max_pixels)  # fmt: skip
    if ahead is None or not ahead.made_for(*work):
        if ahead is not None:
            ahead.close()
        ahead = PageImages(*work)  # every image layer's work starts now, on threads
    images = ahead
    pending: list[ImageItem] = []  # opaque image layers drawn before their work was done
    try:
        converter.warm(page_flat_colours(layout.items))  # one littleCMS transform, while the images convert
        try:
            for item in layout.items:
                page.op("q")
                if item.blend != "normal":  # blends in the page group's CMYK, as on press
                    page.op(f"/{page.gstate(BM=Name('/' + PDF_BLEND[item.blend]))} gs")
                if isinstance(item, BackgroundItem):
                    _background(page, item, converter)
                elif isinstance(item, ImageItem):
                    _image(page, item, images, pending)
                elif isinstance(item, TextItem):
                    _text(page, item, converter)
                elif isinstance(item, ShapeItem):
                    _shape(page, item, converter, options)
                elif isinstance(item, SvgItem):
                    _svg(page, item, converter, options, t.dpi.target)
                page.op("Q")
        except Exception:
            for item in pending:  # an image layer drawn earlier that failed is the page's first error, as before
                images.result(item)
            raise

        underbase = t.output.white_underbase if options.white_underbase is None else options.white_underbase
        if underbase:
            _white_underbase(page, layout)
        if t.cut_path is not None:
            _cut_contour(page, layout, options)
        lines = t.finishing_lines()
        if lines:
            _dielines(page, lines)
        if options.marks:
            _crop_marks(page, layout, label_outline)
        encode_images(page.images, converter, options.jpeg_quality, options.lut_max_pixels, images)
    finally:
        images.close()
    page.images.clear()

    content = "\n".join(page.ops).encode("ascii")
    resources = Dictionary()
    if page.xobjects:
        resources.XObject = Dictionary({"/" + k_: v for k_, v in page.xobjects.items()})
    if page.gstates:
        resources.ExtGState = Dictionary({"/" + k_: v for k_, v in page.gstates.items()})
    if page.colorspaces:
        resources.ColorSpace = Dictionary({"/" + k_: v for k_, v in page.colorspaces.items()})
    if page.shadings:
        resources.Shading = Dictionary({"/" + k_: v for k_, v in page.shadings.items()})
    if page.properties:
        resources.Properties = Dictionary({"/" + k_: v for k_, v in page.properties.items()})
    if page.patterns:
        resources.Pattern = Dictionary({"/" + k_: v for k_, v in page.patterns.items()})

    def box(r: Rect) -> Array:
        return Array(
            [
                round((r.x - media.x) * k, 4),
                round((media.y1 - r.y1) * k, 4),
                round((r.x1 - media.x) * k, 4),
                round((media.y1 - r.y) * k, 4),
            ]
        )

    page_dict = Dictionary(
        Type=Name.Page,
        MediaBox=Array([0, 0, round(W, 4), round(H, 4)]),
        BleedBox=box(layout.bleed),
        TrimBox=box(layout.trim),
        Resources=resources,
        Contents=pdf.make_stream(content),
    )
    translucent = any(("/ca" in g or "/CA" in g or "/BM" in g or "/SMask" in g) for g in page.gstates.values())
    if translucent or any("/SMask" in x for x in page.xobjects.values()):
        # transparency blends in the press's colour space (PDF/X-4), not in whatever a viewer uses
        page_dict.Group = Dictionary(S=Name.Transparency, CS=Name.DeviceCMYK, I=False, K=False)
    if options.marks:
        page_dict.CropBox = Array([0, 0, round(W, 4), round(H, 4)])
    pdf.pages.append(pikepdf.Page(page_dict))
    if page.properties:
        ocgs = Array([v for v in page.properties.values()])
        pdf.Root.OCProperties = Dictionary(OCGs=ocgs, D=Dictionary(Order=ocgs, ON=ocgs, Name=pikepdf.String("Layers")))
    return pdf


# ------------------------------------------------------------------------------------------------- items


def _set_paint(page: _Page, paint: ResolvedPaint, conv: ColorConverter, role: Role, stroke: bool, bbox: Rect) -> None:
    """Operators selecting ``paint`` for the next fill (or stroke): a CMYK colour, or a shading pattern
    (plus its stop opacities as a soft mask: call inside ``q``/``Q``, with the CTM at page mm)."""
    if isinstance(paint, Pattern):
        _set_pattern(page, paint, conv, stroke)
        return
    if not isinstance(paint, Gradient):
        page.op(_cmyk_ops(conv.flat(paint, role), stroke))
        return
    paint = srgb_interpolated(paint)
    conv.warm([c.rgb for _o, c, _a in paint.stops if isinstance(c, RGB)])  # one transform for every stop
    key = f"P{len(page.patterns)}"
    page.patterns[key] = shading_pattern(page.pdf, paint, [conv.flat(c, role) for _o, c, _a in paint.stops], page.base)
    if paint.translucent:
        name = f"GM{len(page.gstates)}"
        page.gstates[name] = Dictionary(Type=Name.ExtGState, SMask=opacity_mask(page.pdf, paint, bbox))
        page.op(f"/{name} gs")
    page.op(f"/Pattern {'CS' if stroke else 'cs'} /{key} {'SCN' if stroke else 'scn'}")


def _set_pattern(page: _Page, pat: Pattern, conv: ColorConverter, stroke: bool) -> None:
    """A tiling pattern (PatternType 1, coloured): one cell of ``pat.size`` pattern units holding the tile as
    a CMYK image at its own resolution; ``repeat-x`` / ``-y`` / ``no-repeat`` step so far the other way that
    only one row / column / cell meets the page. Its matrix is relative to the page (``page.base``)."""
    from ..inputs.assets import to_srgb

    with asset_errors("paint", "pattern image"):
        tile = pyvips.Image.new_from_buffer(pat.image, "", fail_on="error")
        if tile.width * tile.height > 16_000_000:
            raise LimitExceeded("a pattern tile may have at most 16 megapixels", field="paint")
        tile = to_srgb(tile).cast("uchar")
    key = _image_xobject(page, placed_now(tile))
    w, h = pat.size
    far = max(w, h) * 1e4
    xstep = w if pat.repeat in ("repeat", "repeat-x") else far
    ystep = h if pat.repeat in ("repeat", "repeat-y") else far
    m = pat.matrix.then(page.base)
    cell = Stream(
        page.pdf,
        f"q {_n(w)} 0 0 {_n(-h)} 0 {_n(h)} cm /Im0 Do Q".encode(),
        Type=Name.Pattern,
        PatternType=1,
        PaintType=1,
        TilingType=1,
        BBox=Array([0, 0, round(w, 6), round(h, 6)]),
        XStep=round(xstep, 6),
        YStep=round(ystep, 6),
        Matrix=Array([round(v, 6) for v in (m.a, m.b, m.c, m.d, m.e, m.f)]),
        Resources=Dictionary(XObject=Dictionary(Im0=page.xobjects[key])),
    )
    pk = f"P{len(page.patterns)}"
    page.patterns[pk] = page.pdf.make_indirect(cell)
    page.op(f"/Pattern {'CS' if stroke else 'cs'} /{pk} {'SCN' if stroke else 'scn'}")


def _stroke_style(page: _Page, style: StrokeStyle, stroked: VPath | None) -> None:
    """The stroke's caps, joins, miter limit and dashes; ``stroked``: the path when it is stroked."""
    if style == PLAIN_STROKE:
        if stroked is not None and has_sharp_join(stroked, style.miter_limit):  # PDF's default limit is 10
            page.op(f"{_n(style.miter_limit)} M")
        return
    cap = {"butt": 0, "round": 1, "square": 2}[style.cap]
    join = {"miter": 0, "round": 1, "bevel": 2}[style.join]
    page.op(f"{cap} J {join} j {_n(style.miter_limit)} M")
    if style.dash:
        page.op(f"[{' '.join(_n(v) for v in style.dash)}] {_n(style.dash_offset)} d")


def _padded(path: VPath, pad: float) -> Rect:
    b = path.bounds() or Rect(0, 0, 1, 1)
    return Rect(b.x - pad, b.y - pad, b.w + 2 * pad, b.h + 2 * pad)


def _background(page: _Page, item: BackgroundItem, conv: ColorConverter) -> None:
    r = item.rect
    if isinstance(item.color, Gradient | Pattern):
        _set_paint(page, item.color, conv, "area", False, r)
        page.op(f"{_n(r.x)} {_n(r.y)} {_n(r.w)} {_n(r.h)} re f")
        return
    if item.color is not None:
        page.op(_cmyk_ops(conv.flat(item.color, "area"), False))
        page.op(f"{_n(r.x)} {_n(r.y)} {_n(r.w)} {_n(r.h)} re f")
        return
    grad = item.gradient
    assert grad is not None
    stops = [conv.flat(s.color, "area") for s in grad.stops]
    offsets = [s.offset for s in grad.stops]
    fns = [
        Dictionary(FunctionType=2, Domain=[0, 1], C0=list(stops[i]), C1=list(stops[i + 1]), N=1)
        for i in range(len(stops) - 1)
    ]
    if len(fns) == 1:
        fn: Dictionary = fns[0]
    else:
        fn = Dictionary(
            FunctionType=3,
            Domain=[0, 1],
            Functions=Array(fns),
            Bounds=Array(offsets[1:-1]),
            Encode=Array([v for _ in fns for v in (0, 1)]),
        )
    # same gradient line as the raster backend (CSS semantics: the corners reach offsets 0 and 1)
    theta = math.radians(grad.angle)
    dx, dy = math.cos(theta), math.sin(theta)
    half = (abs(r.w * dx) + abs(r.h * dy)) / 2
    x0, y0 = r.cx - dx * half, r.cy - dy * half
    x1, y1 = r.cx + dx * half, r.cy + dy * half
    # stretch the functions' domain so stops at offset 0 and 1 land on the corners
    sh = Dictionary(
        ShadingType=2,
        ColorSpace=Name.DeviceCMYK,
        Coords=Array([x0, y0, x1, y1]),
        Function=fn,
        Extend=Array([True, True]),
    )
    key = f"Sh{len(page.shadings)}"
    page.shadings[key] = sh
    page.op(f"{_n(r.x)} {_n(r.y)} {_n(r.w)} {_n(r.h)} re W n")
    page.op(f"/{key} sh")


def _text(page: _Page, item: TextItem, conv: ColorConverter) -> None:
    if item.block.outline.empty and not item.block.color_glyphs:
        return
    if item.opacity < 1:
        page.op(f"/{page.gstate(ca=item.opacity, CA=item.opacity)} gs")
    for colour, outline in item.paint_runs:  # one fill per colour (text spans)
        if outline.empty:
            continue
        if isinstance(colour, Gradient | Pattern):
            page.op("q")
            _set_paint(page, colour, conv, "text", False, _padded(outline, 1.0))
            page.op(_path_ops(outline))
            page.op("f Q")
            continue
        page.op(_cmyk_ops(conv.flat(colour, "text"), False))
        page.op(_path_ops(outline))
        page.op("f")
    for stroke in item.strokes:  # outlines over every fill (Fabric's and SVG's order), as shapes stroke
        page.op("q")
        page.op(f"{_n(stroke.style.miter_limit)} M")  # PDF's default limit is 10, SVG's and Fabric's 4
        _shape_parts(page, stroke, conv)
        page.op("Q")


def _shape(page: _Page, item: ShapeItem, conv: ColorConverter, options: PdfOptions) -> None:
    if item.opacity < 1:
        page.op(f"/{page.gstate(ca=item.opacity, CA=item.opacity)} gs")
    if item.stroke_first or isinstance(item.fill, Gradient | Pattern) or isinstance(item.stroke, Gradient | Pattern):
        _shape_parts(page, item, conv)
        return
    _stroke_style(page, item.style, item.path if item.stroke is not None else None)
    page.op(_path_ops(item.path))
    paint = ""
    if item.fill is not None:
        page.op(_cmyk_ops(conv.flat(item.fill, "area"), False))
        paint = "f*" if item.path.evenodd else "f"
    if item.stroke is not None:
        page.op(_cmyk_ops(conv.flat(item.stroke, conv.stroke_role(item.stroke_width_mm)), True))
        page.op(f"{_n(item.stroke_width_mm)} w")
        paint = "B*" if (paint and item.path.evenodd) else ("B" if paint else "S")
    page.op(paint or "n")


def _shape_parts(page: _Page, item: ShapeItem, conv: ColorConverter) -> None:
    """Fill and stroke painted one after the other (gradients, or the stroke first), each in its own q/Q."""
    parts = [p for p in ("fill", "stroke") if getattr(item, p) is not None]
    if item.stroke_first:
        parts.reverse()
    for part in parts:
        page.op("q")
        if part == "fill":
            assert item.fill is not None
            _set_paint(page, item.fill, conv, "area", False, _padded(item.path, 1.0))
            page.op(_path_ops(item.path))
            page.op("f*" if item.path.evenodd else "f")
        else:
            assert item.stroke is not None
            role = conv.stroke_role(item.stroke_width_mm)
            reach = item.stroke_width_mm * max(2.0, item.style.miter_limit) + 1.0
            _set_paint(page, item.stroke, conv, role, True, _padded(item.path, reach))
            _stroke_style(page, item.style, item.path)
            page.op(f"{_n(item.stroke_width_mm)} w")
            page.op(_path_ops(item.path))
            page.op("S")
        page.op("Q")


def _clip(page: _Page, path: VPath | None) -> None:
    if path is not None:
        page.op(_path_ops(path))
        page.op("W* n" if path.evenodd else "W n")


def _image_xobject(page: _Page, placed: Placed | Pending) -> str:
    """Add placed pixels as a CMYK JPEG XObject (alpha as a greyscale soft mask). The colour is converted and
    encoded by :func:`~.pdf_images.encode_images` (or was, ahead, on a thread: :class:`~.pdf_images.PageImages`)."""
    xobj, smask = image_xobject(page.pdf, placed)
    if smask is not None:
        xobj.SMask = page.pdf.make_indirect(smask)
    key = f"Im{len(page.xobjects)}"
    page.xobjects[key] = ref = page.pdf.make_indirect(xobj)
    page.images.append((ref, placed))
    return key


def _image(page: _Page, item: ImageItem, images: PageImages, pending: list[ImageItem]) -> None:
    """An image layer; an opaque one still converting is drawn as :class:`~.pdf_images.Pending` (listed in
    ``pending``) and its JPEG collected by :func:`~.pdf_images.encode_images`, so the page's later layers are
    drawn while the photo encodes (issue 22); a transparent one is waited for (whether it keeps a soft mask
    decides the objects made)."""
    placed: Placed | Pending | None = images.pending(item)
    if placed is None:
        placed = images.result(item)
    else:
        pending.append(item)
    if item.opacity < 1:
        page.op(f"/{page.gstate(ca=item.opacity, CA=item.opacity)} gs")
    _clip(page, item.page_clip)
    placement = item.placement  # rotation about the box centre, then any affine transform (skew)
    if not placement.is_identity():
        page.op(_cm(placement))
    _clip(page, item.clip)
    for extra in item.extra_clips:  # clips intersect: each narrows the clipping path
        _clip(page, extra)
    key = _image_xobject(page, placed)
    d = item.dest
    # image space is the unit square, y up: map it onto the destination rectangle (y down)
    page.op(_cm(Matrix(a=d.w, d=-d.h, e=d.x, f=d.y + d.h)))
    page.op(f"/{key} Do")


def _svg(page: _Page, item: SvgItem, conv: ColorConverter, options: PdfOptions, target_dpi: int) -> None:
    """SVG clip-art stays vector: CairoSVG draws it as PDF operators, which are recoloured to CMYK and placed
    as a Form XObject. Documents that use anything but flat colours (gradients, images, masks, patterns)
    are rasterised at the template's target DPI and placed as a CMYK image instead."""
    d = item.dest
    if item.opacity < 1:
        page.op(f"/{page.gstate(ca=item.opacity, CA=item.opacity)} gs")
    if item.rotation % 360:
        page.op(_cm(Matrix.rotate(item.rotation, d.cx, d.cy)))
    form = None if needs_raster(item.doc.data) else _svg_form(page, item, conv)
    if form is not None:
        key, (w, h) = form
        page.op(_cm(Matrix(a=d.w / w, d=-d.h / h, e=d.x, f=d.y + d.h)))  # form space is y-up points
        page.op(f"/{key} Do")
        return
    from .common import Canvas
    from .raster import svg_tile

    flat = SvgItem(item.layer, item.doc, d, item.stretch, 0.0, 1.0)
    tile = svg_tile(flat, Canvas(d, target_dpi, 1, 1), visible_only=False)
    if tile is None:
        return
    key = _image_xobject(page, placed_now(tile[0]))
    page.op(_cm(Matrix(a=d.w, d=-d.h, e=d.x, f=d.y + d.h)))
    page.op(f"/{key} Do")


# a CairoSVG page outside these sizes (pt) cannot be mapped onto a layer box (division by ~0, overflow)
_MIN_FORM_PT, _MAX_FORM_PT = 1e-3, 1e7

# operators that paint with something other than a flat colour, or change colour space: not recolourable
_SVG_UNSUPPORTED = frozenset({"cs", "CS", "sc", "SC", "scn", "SCN", "sh", "BI", "ID", "EI", "Do", "d0", "d1"})


def _svg_form(page: _Page, item: SvgItem, conv: ColorConverter) -> tuple[str, tuple[float, float]] | None:
    """The SVG as a CMYK Form XObject and its size in points, or None when it cannot stay vector."""
    import io

    aspect = "none" if item.stretch else "xMidYMid meet"
    field = f"layers[{item.layer}]"
    data = svg_with_root_attributes(item.doc.data, preserveAspectRatio=aspect)
    try:
        raw = render_svg_pdf(data, item.doc, field)  # CairoSVG in a helper, with a time budget
    except AssetError as exc:
        # CairoSVG could not draw a document the sanitiser accepted (its own bugs: e.g. a pattern fill on an
        # element with no size raises TypeError): librsvg draws it as a raster instead; the budget still binds
        log.warning("CairoSVG failed on %s (%s); placing it as a raster", field, exc.message)
        return None
    with asset_errors(field, "SVG"):
        src = pikepdf.open(io.BytesIO(raw))
    with src:
        if len(src.pages) != 1:  # CairoSVG writes no page at all for a document of a huge size (width="1e30")
            log.warning("CairoSVG gave %s %d pages; placing it as a raster", field, len(src.pages))
            return None
        sp = src.pages[0]
        res = sp.obj.get("/Resources", Dictionary())
        if set(res.keys()) - {"/ExtGState"}:
            return None
        for gs in res.get("/ExtGState", Dictionary()).values():
            if set(gs.keys()) - {"/CA", "/ca", "/Type", "/LW", "/LC", "/LJ", "/ML"}:
                return None
        out: list[pikepdf.ContentStreamInstruction] = []
        for inst in pikepdf.parse_content_stream(sp):
            if isinstance(inst, pikepdf.ContentStreamInlineImage):
                return None
            name = str(inst.operator)
            if name in _SVG_UNSUPPORTED:
                return None
            if name in ("rg", "RG", "g", "G"):
                vals = [float(v) for v in inst.operands]
                rgb = tuple(round(v * 255) for v in (vals * 3 if len(vals) == 1 else vals))
                cmyk = conv.flat(RGB(hex="#{:02x}{:02x}{:02x}".format(*rgb)), "area" if name in "rgg" else "thin")
                op = pikepdf.Operator("k" if name in ("rg", "g") else "K")
                out.append(pikepdf.ContentStreamInstruction([round(v, 4) for v in cmyk], op))
                continue
            out.append(inst)
        box = [float(v) for v in sp.MediaBox]
        w, h = box[2] - box[0], box[3] - box[1]
        if not (_MIN_FORM_PT < w < _MAX_FORM_PT and _MIN_FORM_PT < h < _MAX_FORM_PT):
            # CairoSVG's page for a degenerate size (a viewBox or width of 1e-300, or 1e30) cannot be scaled
            # onto the layer's box: librsvg draws it into the box as a raster instead
            log.warning("CairoSVG gave %s a %gx%g pt page; placing it as a raster", field, w, h)
            return None
        form = Stream(
            page.pdf,
            pikepdf.unparse_content_stream(out),
            Type=Name.XObject,
            Subtype=Name.Form,
            BBox=Array(box),
            Resources=page.pdf.copy_foreign(res) if len(res.keys()) else Dictionary(),
        )
        if item.opacity < 1 or item.blend != "normal":
            # a transparency group: the layer's opacity applies to the drawing as a whole (as in the raster
            # backend), and the SVG's own ExtGState alphas inside cannot override it
            form.Group = Dictionary(S=Name.Transparency)
    key = f"Fm{len(page.xobjects)}"
    page.xobjects[key] = page.pdf.make_indirect(form)
    return key, (w, h)


def _layer(page: _Page, name: str) -> str:
    key = f"OC{len(page.properties)}"
    page.properties[key] = page.pdf.make_indirect(Dictionary(Type=Name.OCG, Name=pikepdf.String(name)))
    return key


def _cut_contour(page: _Page, layout: Layout, options: PdfOptions) -> None:
    t = layout.template
    assert t.cut_path is not None
    offset = t.cut_path.offset_mm if options.cut_offset_mm is None else options.cut_offset_mm
    path = VPath.from_svg(t.cut_path.d)
    if offset:
        path = offset_path(path, offset)
    page.colorspaces["CSCut"] = _separation(page.pdf, "CutContour", (0.0, 1.0, 0.0, 0.0))
    oc = _layer(page, "CutContour")
    gs = page.gstate(OP=True, op=True, OPM=1)
    page.op(f"/OC /{oc} BDC q /{gs} gs /CSCut CS 1 SCN 0.25 w")  # 0.25 mm hairline
    page.op(_path_ops(path))
    page.op("S Q EMC")


def _dielines(page: _Page, dielines: list[Dieline]) -> None:
    """Each dieline kind in its own spot colour and optional-content layer (model/dielines.py), a 0.25 mm
    overprinting hairline; ``cut`` lines share the ``CutContour`` colour and layer of the cut path."""
    gs = page.gstate(OP=True, op=True, OPM=1)
    for kind in DIELINE_ORDER:
        lines = [dl for dl in dielines if dl.kind == kind]
        if not lines:
            continue
        spot, alt = DIELINE_SPOTS[kind]
        cs = "CSCut" if spot == "CutContour" else "CS" + re.sub(r"[^A-Za-z0-9]", "", spot)
        if cs not in page.colorspaces:
            page.colorspaces[cs] = _separation(page.pdf, spot, alt)
        oc = next((k for k, v in page.properties.items() if str(v.get("/Name")) == spot), None) or _layer(page, spot)
        page.op(f"/OC /{oc} BDC q /{gs} gs /{cs} CS 1 SCN 0.25 w")
        for dl in lines:
            page.op(_path_ops(VPath.from_svg(dl.d)))
            page.op("S")
        page.op("Q EMC")


def offset_path(path: VPath, offset_mm: float) -> VPath:
    """Grow (+) or shrink (-) a closed outline by scaling it about its centre.

    Exact for circles and a close approximation for convex rounded outlines (the die-cut shapes this
    engine ships); a general polygon offset is not needed for them.
    """
    b = path.bounds()
    if b is None:
        return path
    sx = (b.w + 2 * offset_mm) / b.w
    sy = (b.h + 2 * offset_mm) / b.h
    m = Matrix.translate(-b.cx, -b.cy).then(Matrix.scale(sx, sy)).then(Matrix.translate(b.cx, b.cy))
    return path.transformed(m)


def _white_underbase(page: _Page, layout: Layout) -> None:
    t = layout.template
    area = VPath.from_svg(t.print_area.d, evenodd=True) if t.print_area else VPath.rect(layout.bleed)
    page.colorspaces["CSWhite"] = _separation(page.pdf, "White", (0.0, 0.0, 0.0, 0.0))
    oc = _layer(page, "White")
    gs = page.gstate(OP=True, op=True, OPM=1)
    page.op(f"/OC /{oc} BDC q /{gs} gs /CSWhite cs 1 scn")
    page.op(_path_ops(area))
    page.op("f* Q EMC" if area.evenodd else "f Q EMC")


def _crop_marks(page: _Page, layout: Layout, label_outline: VPath | None) -> None:
    """Crop marks at the trim corners, outside the bleed, in registration colour (/All)."""
    page.colorspaces["CSAll"] = _separation(page.pdf, "All", (1.0, 1.0, 1.0, 1.0))
    tr, bl = layout.trim, layout.bleed
    gap = (tr.x - bl.x) + 1.0  # start 1 mm outside the bleed
    length = 6.0
    page.op("q /CSAll CS 1 SCN 0.1 w")
    for x, y, sx, sy in ((tr.x, tr.y, -1, -1), (tr.x1, tr.y, 1, -1), (tr.x, tr.y1, -1, 1), (tr.x1, tr.y1, 1, 1)):
        page.op(f"{_n(x + sx * gap)} {_n(y)} m {_n(x + sx * (gap + length))} {_n(y)} l S")
        page.op(f"{_n(x)} {_n(y + sy * gap)} m {_n(x)} {_n(y + sy * (gap + length))} l S")
    page.op("Q")
    if label_outline is not None and not label_outline.empty:
        page.op("q /CSAll cs 1 scn")
        page.op(_path_ops(label_outline))
        page.op("f Q")


# ------------------------------------------------------------------------------------------- PDF/X-4


def _pdf_date(iso: str) -> str:
    # "2026-11-23T12:00:00Z" -> "D:20261123120000Z"
    digits = iso.replace("-", "").replace(":", "").replace("T", "").rstrip("Z")
    return f"D:{digits}Z"


def _xmp(title: str, created: str, doc_id: str, producer: str) -> bytes:
    esc = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
    xmlns:pdfxid="http://www.npes.org/pdfx/ns/id/">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{esc}</rdf:li></rdf:Alt></dc:title>
   <xmp:CreateDate>{created}</xmp:CreateDate>
   <xmp:ModifyDate>{created}</xmp:ModifyDate>
   <xmp:MetadataDate>{created}</xmp:MetadataDate>
   <xmp:CreatorTool>{producer}</xmp:CreatorTool>
   <pdf:Producer>{producer}</pdf:Producer>
   <pdf:Trapped>False</pdf:Trapped>
   <xmpMM:DocumentID>uuid:{doc_id}</xmpMM:DocumentID>
   <xmpMM:InstanceID>uuid:{doc_id}</xmpMM:InstanceID>
   <xmpMM:VersionID>1</xmpMM:VersionID>
   <xmpMM:RenditionClass>default</xmpMM:RenditionClass>
   <pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>""".encode()


def finish_pdfx(
    pdf: pikepdf.Pdf, profile: IccProfile, title: str, created: str, producer: str, content_hash: str | None = None
) -> None:
    """OutputIntent, Info, XMP and Trapped: the PDF/X-4 document-level requirements. The XMP document ID
    derives from ``content_hash`` (default: SHA-256 of the pages' content streams)."""
    icc = Stream(pdf, b"", N=4)
    icc.write(profile.deflated, filter=Name.FlateDecode)  # compressed once per process, not per save
    intent = Dictionary(
        Type=Name.OutputIntent,
        S=Name.GTS_PDFX,
        OutputConditionIdentifier=pikepdf.String(profile.output_condition_identifier),
        OutputCondition=pikepdf.String(profile.output_condition),
        RegistryName=pikepdf.String(profile.registry_name),
        Info=pikepdf.String(profile.description or profile.output_condition_identifier),
        DestOutputProfile=pdf.make_indirect(icc),
    )
    pdf.Root.OutputIntents = Array([pdf.make_indirect(intent)])
    date = _pdf_date(created)
    if content_hash is None:
        content_hash = hashlib.sha256(b"".join(bytes(p.Contents.read_bytes()) for p in pdf.pages)).hexdigest()
    h = content_hash
    doc_id = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
    pdf.trailer.Info = pdf.make_indirect(
        Dictionary(
            Title=pikepdf.String(title),
            Producer=pikepdf.String(producer),
            Creator=pikepdf.String(producer),
            CreationDate=pikepdf.String(date),
            ModDate=pikepdf.String(date),
            Trapped=Name("/False"),
            GTS_PDFXVersion=pikepdf.String("PDF/X-4"),
        )
    )
    meta = Stream(pdf, _xmp(title, created, doc_id, producer))
    meta.Type = Name.Metadata
    meta.Subtype = Name.XML
    pdf.Root.Metadata = pdf.make_indirect(meta)


class _Sink(io.RawIOBase):
    """The file qpdf writes into. An ``OSError`` (disk full, I/O error) is kept, not raised: pikepdf's
    atomic ``save(path)`` lets it escape as a C++ exception where qpdf cannot catch it, and the process
    *aborts* (``terminate called after throwing QPDFSystemError``) — one full disk would kill a worker or
    the API. :func:`save_pdf` re-raises it after qpdf has returned."""

    def __init__(self, fh: BinaryIO) -> None:
        super().__init__()
        self.fh = fh
        self.error: OSError | None = None

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        if self.error is None:
            try:
                self.fh.write(b)
            except OSError as exc:
                self.error = exc
        return len(b)


def save_pdf(pdf: pikepdf.Pdf, path: Path) -> None:
    with open(path, "wb") as fh:
        sink = _Sink(fh)
        pdf.save(
            sink,  # type: ignore[arg-type]  # a RawIOBase is a binary file to pikepdf
            min_version="1.6",
            deterministic_id=True,
            compress_streams=True,
            object_stream_mode=pikepdf.ObjectStreamMode.disable,
            linearize=False,
            fix_metadata_version=False,
        )
        if sink.error is not None:
            raise sink.error


PRODUCER = "render-engine"
DEFAULT_CREATED = "2000-01-01T00:00:00Z"


def _label_outline(layout: Layout, fonts: FontCatalog, label: str, options: PdfOptions) -> VPath | None:
    """The job label in the slug, below the trim, as glyph outlines of the first bundled family."""
    fam = next(iter(fonts.families))
    box = Box(x=layout.bleed.x, y=layout.bleed.y1 + 2.0, width=max(10.0, layout.bleed.w), height=options.slug_mm - 3)
    layer = TextLayer(type="text", text=label[:200], font=FontRef(family=fam), size=6.0, box=box, wrap=False)
    return layout_text(layer, fonts, "marks").outline


def label_outline(prep: Prepared, engine: Engine, options: PdfOptions, suffix: str = "") -> VPath | None:
    """The slug's job label (template, order, trim and bleed; ``suffix`` after it, e.g. the page number)."""
    t, meta = prep.layout.template, prep.design.meta
    text = f"{t.id}  {meta.order_id or ''}  trim {t.trim_w:g} x {t.trim_h:g} mm  bleed {t.bleed_mm:g} mm"
    return _label_outline(prep.layout, engine.fonts, f"{text}  {suffix}" if suffix else text, options)


def draw_pdf(
    prep: Prepared, engine: Engine, options: PdfOptions | None = None, ahead: PageImages | None = None
) -> pikepdf.Pdf:
    """The prepared layout drawn as a PDF/X-4 document in memory (the pipeline's draw step for a one-page PDF;
    ``ahead``: the page's image work started early, :func:`render_engine.steps.start_pdf_images`)."""
    options = options or PdfOptions()
    layout = prep.layout
    t = layout.template
    profile = engine.icc.cmyk_profile(t.output.icc_profile)
    conv = engine.icc.converter(profile.id, options.colors)
    meta = prep.design.meta
    created = meta.created or DEFAULT_CREATED
    title = meta.title or f"{t.name}" + (f" - order {meta.order_id}" if meta.order_id else "")
    label = label_outline(prep, engine, options) if options.marks else None
    pdf = build_pdf(layout, conv, options, label, ahead)
    finish_pdfx(pdf, profile, title, created, PRODUCER)
    return pdf


def write_drawn_pdf(pdf: pikepdf.Pdf, out: Path) -> Path:
    """A drawn PDF written atomically to ``out`` (the pipeline's write step)."""
    write_atomic(out, lambda tmp: save_pdf(pdf, tmp))
    return out


def write_pdf(
    prep: Prepared, engine: Engine, out: Path, *, timer: StepTimer, options: PdfOptions | None = None
) -> Path:
    """Draw the prepared layout as PDF/X-4 and write it atomically to ``out``."""
    with timer.step("draw"):
        pdf = draw_pdf(prep, engine, options)
    with timer.step("write"):
        return write_drawn_pdf(pdf, out)
