"""Raster backend: draws a :class:`~render_engine.layout.plan.Layout` with libvips, lazily.

The canvas is the bleed box at the requested DPI. Every item becomes an RGBA tile no bigger than its own
bounding box (a photo decoded at reduced size and resized once, text and shapes rasterised from vector
outlines by librsvg) and all tiles are composited in one ``composite`` call. Nothing is computed until the
image is written, and libvips streams the result in strips, so an 80-megapixel poster never exists as one
array in memory.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING
from xml.sax.saxutils import quoteattr

import pyvips

from ..inputs.assets import render_svg_pixels, svg_with_root_attributes
from ..inputs.color import ColorConverter, IccCatalog, Role
from ..layout.plan import PLAIN_STROKE, BackgroundItem, ImageItem, Layout, ShapeItem, StrokeStyle, SvgItem, TextItem
from ..model.deadline import check as check_deadline
from ..model.design import CMYK, RGB
from ..model.errors import LimitExceeded, asset_errors
from ..model.geometry import Matrix, Path
from ..model.paint import Gradient, Pattern
from ..model.units import mm_to_px, pixels_per_mm
from . import ahead
from .common import Canvas, Tile, needs_raster
from .hinting import hinted_runs
from .imaging import MATERIALISE_MAX_PIXELS, placed_pixels, with_alpha
from .raster_paint import ScreenPaint, composite, pattern_image, screen_paint, svg_paint
from .raster_place import affine_tile, rotate_tile, span_to_dest, unscale

if TYPE_CHECKING:
    import numpy as np

ColourFn = Callable[[RGB | CMYK, Role], tuple[int, int, int]]  # a design colour in its role -> sRGB on screen


def draw_raster(
    layout: Layout,
    dpi: float,
    icc: IccCatalog,
    *,
    transparent: bool,
    max_pixels: int | None = None,
    soft_proof: bool = False,
) -> pyvips.Image:
    """Compose the layout at ``dpi`` over the bleed box. Returns a lazy RGBA (transparent) or RGB image.

    ``soft_proof`` (CMYK products) shows every item as it will print: flat colours through the PDF
    backend's colour rules (pure-K text, rich black, explicit CMYK), photos and clip-art through the
    output profile with the same intents, each shown back in sRGB (relative colorimetric + BPC).
    """
    canvas = Canvas.for_layout(layout, dpi)
    if max_pixels is not None and canvas.width * canvas.height > max_pixels:
        raise LimitExceeded(
            f"output would be {canvas.width}x{canvas.height} pixels, over the {max_pixels} pixel limit", field="dpi"
        )
    proof = _proof_converter(layout, icc) if soft_proof else None

    def paint(color: RGB | CMYK, role: Role) -> tuple[int, int, int]:
        if proof is not None:
            return proof.proof_flat(color, role)
        return icc.to_srgb(color, layout.template.output.icc_profile)

    proofed: dict[int, Pattern] = {}

    def screen(p: object, role: Role) -> ScreenPaint:
        if proof is not None and isinstance(p, Pattern):  # the tile as the PDF prints it (photo intent)
            hit = proofed.get(id(p))
            if hit is None:
                hit = proofed[id(p)] = _proofed_pattern(p, proof)
            p = hit
        return screen_paint(p, lambda col: paint(col, role))  # type: ignore[arg-type]

    placed = _placed_ahead(layout, canvas)
    try:
        tiles = _tiles(layout, canvas, paint, screen, proof, placed)
    finally:
        ahead.settle(list(placed.values()))
    out = compose(canvas, tiles, transparent)
    ppm = pixels_per_mm(dpi)
    return out.copy(interpretation="srgb", xres=ppm, yres=ppm)


def _tiles(
    layout: Layout,
    canvas: Canvas,
    paint: ColourFn,
    screen: Callable[[object, Role], ScreenPaint],
    proof: ColorConverter | None,
    placed: dict[int, Future[pyvips.Image]],
) -> list[tuple[Tile, str]]:
    tiles: list[tuple[Tile, str]] = []
    for item in layout.items:
        check_deadline()
        tile: Tile | None
        if isinstance(item, BackgroundItem) and isinstance(item.color, Gradient | Pattern):
            tile = path_tile(canvas, Path.rect(item.rect), screen(item.color, "area"), None, 0.0, 1.0)
        elif isinstance(item, BackgroundItem):
            tile = _background(item, canvas, paint)
        elif isinstance(item, ImageItem):
            job = placed.pop(id(item), None)
            tile = _image(item, canvas, None if job is None else job.result())
            if tile is not None and proof is not None:
                tile = (proof.proof_image(tile[0]), tile[1], tile[2])
        elif isinstance(item, TextItem):  # one tile per colour (text spans), then the strokes over them
            # glyph outlines hinted for this pixel grid, as cairo fills them (hinting.py); colour glyph layers
            # and anything else keep their exact outlines
            hinted = hinted_runs(item.block, canvas)
            text_tiles = [
                path_tile(canvas, hinted.get(id(outline), outline), screen(run_colour, "text"), None, 0.0, item.opacity)
                for run_colour, outline in item.paint_runs
                if not outline.empty
            ]
            text_tiles += [  # the strokes over every fill
                path_tile(
                    canvas,
                    hinted.get(id(st.path), st.path),
                    None,
                    screen(st.stroke, proof.stroke_role(st.stroke_width_mm) if proof else "thin"),
                    st.stroke_width_mm,
                    st.opacity,
                    st.style,
                    False,
                )
                for st in item.strokes
            ]
            tiles += [(t, item.blend) for t in text_tiles[:-1] if t is not None]
            tile = text_tiles[-1] if text_tiles else None
        elif isinstance(item, ShapeItem):
            stroke_role: Role = proof.stroke_role(item.stroke_width_mm) if proof else "thin"
            tile = path_tile(
                canvas,
                item.path,
                screen(item.fill, "area") if item.fill is not None else None,
                screen(item.stroke, stroke_role) if item.stroke is not None else None,
                item.stroke_width_mm,
                item.opacity,
                item.style,
                item.stroke_first,
            )
        else:
            tile = svg_tile(item, canvas)
            if tile is not None and proof is not None:
                # the PDF keeps SVG flat colours (the flat intent); an SVG with paint servers, images or
                # filters it places as a CMYK image (the photo intent, pdf._svg)
                flat = not (needs_raster(item.doc.data) or b"<filter" in item.doc.data)
                tile = (proof.proof_image(tile[0], flat=flat), tile[1], tile[2])
        if tile is not None:
            tiles.append((tile, item.blend))
    return tiles


def _proofed_pattern(pat: Pattern, proof: ColorConverter) -> Pattern:
    """``pat`` with its tile shown as it will print: through the output profile (the PDF places the tile as
    a CMYK image, :func:`..backends.pdf._set_pattern`) and back to sRGB."""
    from dataclasses import replace

    from ..inputs.assets import to_srgb

    with asset_errors("paint", "pattern image"):
        tile = pyvips.Image.new_from_buffer(pat.image, "", fail_on="error")
        if tile.width * tile.height > 16_000_000:
            raise LimitExceeded("a pattern tile may have at most 16 megapixels", field="paint")
        tile = to_srgb(tile).cast("uchar")
    return replace(pat, image=proof.proof_image(tile).pngsave_buffer(compression=1))


def compose(canvas: Canvas, tiles: list[tuple[Tile, str]], transparent: bool) -> pyvips.Image:
    """Tiles (with their blend modes) over a white (or transparent white) canvas, in order. Opaque RGB tiles
    in normal mode are *inserted* (a photo covering the page becomes the page: no per-pixel work); other
    tiles are blended over the part of the canvas they cover and inserted back, so compositing costs what
    the tile's pixels cost, not the page's."""
    bands = 4 if transparent else 3
    out = _solid(canvas.width, canvas.height, (255, 255, 255, 0) if transparent else (255, 255, 255))
    for (img, x, y), mode in tiles:
        visible = clip_to_canvas((x, y, img.width, img.height), canvas)
        if visible is None:
            continue
        vx, vy, vw, vh = visible
        if img.bands == 1:
            img = img.bandjoin([img, img])
        if img.bands == 3 and mode == "normal":  # opaque
            out = out.insert(img.bandjoin(255) if bands == 4 else img, x, y)
            continue
        part = img if (vw, vh) == (img.width, img.height) else img.crop(vx - x, vy - y, vw, vh)
        part = with_alpha(part).copy(interpretation="srgb")
        under = out.crop(vx, vy, vw, vh)
        if mode == "normal":
            over = under.composite2(part, "over", compositing_space="srgb").cast("uchar")
        else:
            over = composite(with_alpha(under), [((part, 0, 0), mode)]).cast("uchar")
        out = out.insert(over if bands == 4 else over.extract_band(0, n=3), vx, vy)
    return out.cast("uchar")


def _proof_converter(layout: Layout, icc: IccCatalog) -> ColorConverter | None:
    """The PDF backend's colour converter, for showing a CMYK product's colours as they will print."""
    if layout.template.output.color != "cmyk":
        return None
    return icc.converter(layout.template.output.icc_profile)


def _solid(w: int, h: int, colour: tuple[int, ...]) -> pyvips.Image:
    return (pyvips.Image.black(w, h) + list(colour)).cast("uchar").copy(interpretation="srgb")


# -------------------------------------------------------------------------------------------- background


def _background(item: BackgroundItem, c: Canvas, paint: ColourFn) -> Tile:
    if item.color is not None:
        assert not isinstance(item.color, Gradient | Pattern)
        return _solid(c.width, c.height, paint(item.color, "area")), 0, 0
    grad = item.gradient
    assert grad is not None
    lut = gradient_lut([(s.offset, paint(s.color, "area")) for s in grad.stops])
    theta = math.radians(grad.angle)
    dx, dy = math.cos(theta), math.sin(theta)
    length = abs(c.width * dx) + abs(c.height * dy)  # CSS gradient-line length: corners reach 0 and 1
    xy = pyvips.Image.xyz(c.width, c.height)
    t = (xy[0] - c.width / 2 + 0.5) * (dx / length) + (xy[1] - c.height / 2 + 0.5) * (dy / length) + 0.5
    index = (t * 255).cast("uchar")  # cast clamps to 0..255
    lut_img = pyvips.Image.new_from_memory(lut[:, :3].tobytes(), 256, 1, 3, "uchar").copy(interpretation="srgb")
    return index.maplut(lut_img), 0, 0


def gradient_lut(stops: list[tuple[float, tuple[int, int, int]]]) -> np.ndarray:
    """256 RGBA entries interpolated linearly (in sRGB) between gradient stops."""
    import numpy as np  # only gradients need it: a render without one never loads numpy

    pos = np.linspace(0.0, 1.0, 256)
    offsets = np.array([s[0] for s in stops])
    cols = np.array([s[1] for s in stops], dtype=np.float64)
    lut = np.empty((256, 4), dtype=np.uint8)
    for ch in range(3):
        lut[:, ch] = np.round(np.interp(pos, offsets, cols[:, ch])).astype(np.uint8)
    lut[:, 3] = 255
    return lut


# ------------------------------------------------------------------------------------------------- images


def _placed_ahead(layout: Layout, c: Canvas) -> dict[int, Future[pyvips.Image]]:
    """Every image layer's placed pixels started on the shared pool (:mod:`.ahead`) when the page starts, so
    the photo's decode + resize and a clip-art's decode + resample run side by side (issue 22); none when
    called from a pool job (a preview's item), which must not wait for the pool it occupies."""
    if ahead.on_pool():
        return {}
    return {id(i): ahead.submit(_placed, i, c) for i in layout.items if isinstance(i, ImageItem)}


def _placed(item: ImageItem, c: Canvas) -> pyvips.Image:
    """An image layer's placed pixels. Up to :data:`MATERIALISE_MAX_PIXELS` they are computed into memory
    here (the JPEG decoded top to bottom, resized as its rows arrive: the same pixels, ~30 ms less CPU for the
    mug's photo than a random-access decode); a larger placement stays lazy, decoded
    for random access: a photo inserted into the page is read again by every tile blended over it (text,
    shapes), and two readers drifting apart fail a sequential JPEG decode ("out of order read")."""
    _x, _y, w, h = c.span(item.dest)
    small = w * h <= MATERIALISE_MAX_PIXELS
    # a pixelated enlargement stays random access: libvips' box shrink of a sequential source rounds
    # differently (±1 level), and its pixels must not change
    seq = small and not item.pixelated
    img = placed_pixels(item.info, item.crop, w, h, f"layers[{item.layer}]", sequential=seq, pixelated=item.pixelated)
    if small:
        with asset_errors(f"layers[{item.layer}]", "image"):
            img = img.copy_memory()
    return img


def _image(item: ImageItem, c: Canvas, img: pyvips.Image | None = None) -> Tile | None:
    """``img``: the layer's placed pixels when prepared ahead (:func:`_placed_ahead`)."""
    x0, y0, w, h = c.span(item.dest)
    field = f"layers[{item.layer}]"
    upright = not item.rotation % 360 and item.transform is None
    if img is None:
        img = _placed(item, c)
    plain = upright and item.opacity >= 1 and item.clip is None and item.page_clip is None and not item.extra_clips
    if plain:  # opaque RGB tiles are inserted, not composited
        return img.copy(interpretation="srgb"), x0, y0
    with asset_errors(field, "image"):
        img = with_alpha(img)
        alpha = img[3]
        if item.opacity < 1:
            alpha = alpha * item.opacity
        # a turned tile is mapped exactly onto ``dest`` (its whole-pixel span rounds each edge), its clips
        # with it, so the picture lands where the PDF's matrix puts it
        snap = Matrix() if upright else span_to_dest(c, (x0, y0, w, h), item.dest)
        for clip in (item.clip, *item.extra_clips) if item.clip is not None else ():
            alpha = alpha * (_mask(c, clip.transformed(unscale(snap)), (x0, y0, w, h)) / 255.0)
        img = img.extract_band(0, n=3).bandjoin(alpha.cast("uchar"))
        x, y = x0, y0
        if not upright:
            img, x, y = affine_tile(img, snap.then(item.placement), c, x0, y0)
        if item.page_clip is not None:
            m = _mask(c, item.page_clip, (x, y, img.width, img.height))
            img = img.extract_band(0, n=3).bandjoin((img[3] * (m / 255.0)).cast("uchar"))
    return img.copy(interpretation="srgb"), x, y


# -------------------------------------------------------------------------------------------- vectors


def _svg_doc(c: Canvas, px: tuple[int, int, int, int], body: str) -> bytes:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{px[2]}" height="{px[3]}" '
        f'viewBox="{c.viewbox(px)}">{body}</svg>'
    ).encode()


def _mask(c: Canvas, path: Path, px: tuple[int, int, int, int]) -> pyvips.Image:
    """An 8-bit coverage mask of ``path`` over the pixel rectangle ``px`` (anti-aliased)."""
    rule = "evenodd" if path.evenodd else "nonzero"
    body = f'<path d="{path.svg_d()}" fill="#fff" fill-rule="{rule}"/>'
    img = pyvips.Image.svgload_buffer(_svg_doc(c, px, body), unlimited=False)
    m = img[3]
    if m.width != px[2] or m.height != px[3]:
        m = m.gravity("north-west", px[2], px[3])
    return m


def path_tile(
    c: Canvas,
    path: Path,
    fill: ScreenPaint | None,
    stroke: ScreenPaint | None,
    stroke_mm: float,
    opacity: float,
    style: StrokeStyle = PLAIN_STROKE,
    stroke_first: bool = False,
) -> Tile | None:
    """``path`` filled and/or stroked (flat colours or gradients, sRGB on screen) as a tile of its bounds."""
    bounds = path.bounds()
    if bounds is None:
        return None
    reach = max(1.0, style.miter_limit) if style.join == "miter" else 1.0
    if style.cap == "square":
        reach = max(reach, 1.5)
    pad = mm_to_px(stroke_mm, c.dpi) / 2 * reach + 2
    visible = clip_to_canvas(c.outer(bounds, pad), c)
    if visible is None:
        return None
    if isinstance(fill, Pattern) or isinstance(stroke, Pattern):
        return _pattern_path_tile(c, path, fill, stroke, stroke_mm, opacity, style, stroke_first, visible)
    rule = "evenodd" if path.evenodd else "nonzero"
    defs = ""
    attrs = ['fill="none"']
    if fill is not None:
        d, value = svg_paint(fill, "f")
        defs += d
        attrs = [f'fill="{value}"']
    attrs.append(f'fill-rule="{rule}"')
    if stroke is not None:
        d, value = svg_paint(stroke, "s")
        defs += d
        attrs.append(f'stroke="{value}" stroke-width="{stroke_mm:.6f}"')
        if style != PLAIN_STROKE or stroke_first:
            attrs.append(
                f'stroke-linecap="{style.cap}" stroke-linejoin="{style.join}" '
                f'stroke-miterlimit="{style.miter_limit:.6g}"'
            )
            if style.dash:
                attrs.append(
                    f'stroke-dasharray="{" ".join(f"{v:.6f}" for v in style.dash)}" '
                    f'stroke-dashoffset="{style.dash_offset:.6f}"'
                )
            if stroke_first:
                attrs.append('paint-order="stroke"')
    if opacity < 1:
        attrs.append(f'opacity="{opacity:.4f}"')
    body = (f"<defs>{defs}</defs>" if defs else "") + f'<path d="{path.svg_d()}" {" ".join(attrs)}/>'
    img = pyvips.Image.svgload_buffer(_svg_doc(c, visible, body), unlimited=False)
    return img.cast("uchar").copy(interpretation="srgb"), visible[0], visible[1]


def _pattern_path_tile(
    c: Canvas,
    path: Path,
    fill: ScreenPaint | None,
    stroke: ScreenPaint | None,
    stroke_mm: float,
    opacity: float,
    style: StrokeStyle,
    stroke_first: bool,
    area: tuple[int, int, int, int],
) -> Tile:
    """A fill and/or stroke where one is a pattern: each part is its coverage (librsvg) times its paint (the
    tiled pattern, or the flat / gradient part drawn as usual), composited in paint order over ``area``."""
    x, y, w, h = area
    k = pixels_per_mm(c.dpi)
    to_px = Matrix(a=k, d=k, e=-c.origin.x * k - x, f=-c.origin.y * k - y)
    white = (255, 255, 255)
    parts: list[pyvips.Image] = []
    for part in ("stroke", "fill") if stroke_first else ("fill", "stroke"):
        paint = fill if part == "fill" else stroke
        if paint is None:
            continue
        as_fill = part == "fill"
        if isinstance(paint, Pattern):
            cover = path_tile(c, path, white if as_fill else None, None if as_fill else white, stroke_mm, 1.0, style)
            img = pattern_image(paint, to_px, w, h, "pattern")
        else:
            cover = None
            drawn = path_tile(c, path, paint if as_fill else None, None if as_fill else paint, stroke_mm, 1.0, style)
            if drawn is None:
                continue
            img = drawn[0]
        if cover is not None:
            img = img.extract_band(0, n=3).bandjoin((img[3] * (cover[0][3] / 255.0)).cast("uchar"))
        parts.append(img)
    out = pyvips.Image.black(w, h, bands=4).cast("uchar").copy(interpretation="srgb")
    if parts:
        out = out.composite(parts, ["over"] * len(parts), compositing_space="srgb").cast("uchar")
    if opacity < 1:
        out = out.extract_band(0, n=3).bandjoin((out[3] * opacity).cast("uchar"))
    return out.copy(interpretation="srgb"), x, y


def clip_to_canvas(px: tuple[int, int, int, int], c: Canvas) -> tuple[int, int, int, int] | None:
    x, y, w, h = px
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(c.width, x + w), min(c.height, y + h)
    if x1 <= x0 or y1 <= y0:
        return None
    return x0, y0, x1 - x0, y1 - y0


def svg_tile(item: SvgItem, c: Canvas, *, visible_only: bool = True) -> Tile | None:
    """Customer clip-art, rendered by librsvg in a helper process with a time budget. Unrotated, only the
    part on the canvas is rendered (``visible_only``; the PDF backend's fallback wants the whole box)."""
    x0, y0, w, h = c.span(item.dest)
    crop = (0, 0, w, h)
    if visible_only and not item.rotation % 360:
        visible = clip_to_canvas((x0, y0, w, h), c)
        if visible is None:
            return None
        crop = (visible[0] - x0, visible[1] - y0, visible[2], visible[3])
    doc = item.doc
    field = f"layers[{item.layer}]"
    aspect = "none" if item.stretch else "xMidYMid meet"
    vb = f"0 0 {doc.width} {doc.height}"
    wrapper = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox={quoteattr(vb)} '
        f'preserveAspectRatio="{aspect}">'
    ).encode()
    # nest the (sanitised) document so its own size attributes cannot change ours
    inner = doc.data
    if inner.startswith(b"<?xml"):
        inner = inner[inner.index(b"?>") + 2 :]
    # the nested <svg> fills the wrapper's viewport
    nested = svg_with_root_attributes(
        inner, x="0", y="0", width=str(doc.width), height=str(doc.height), preserveAspectRatio=aspect
    )
    data = wrapper + nested + b"</svg>"
    img = render_svg_pixels(data, doc, field, size=(w, h), crop=crop)
    with asset_errors(field, "SVG"):
        img = img.cast("uchar")
        if item.opacity < 1:
            img = img.extract_band(0, n=3).bandjoin((img[3] * item.opacity).cast("uchar"))
        x, y = x0 + crop[0], y0 + crop[1]
        if item.rotation % 360:
            img, x, y = rotate_tile(img, item.rotation, c, item.dest, x, y)
    return img.copy(interpretation="srgb"), x, y
