"""The print, drawn for a mockup: the layout at preview DPI, soft-proofed cheaply, tiles cached.

The layout's items are drawn one by one, in layer order, and composited here in 8-bit premultiplied RGBA —
only inside the scene's *window*, the part of the print canvas the warp reads (the visible half of a mug's
wrap, say). Every item comes from the layout the print path draws (same crops, boxes, shaped text):

* text and shapes: the raster backend's own vector tile (``raster.path_tile``, what ``draw_raster`` composites),
  clipped to the item's ink, without ``draw_raster``'s full-canvas composite;
* a solid background: a colour fill;
* photos in the common placement (no rotation / clip / opacity): JPEG shrink-on-load, decoded top to bottom
  only down to the crop's last row, then resampled once (OpenCV, bilinear; area-averaged first when
  shrinking) straight into the window — the print path's crop and destination, a cheaper resampler (the
  preview is at about 1:1 on screen, see ``PREVIEW_UPSAMPLE``);
* anything else (gradients, clip-art, rotated / clipped / translucent photos): ``draw_raster`` of that item.

For a soft proof, flat colours are first replaced by what the PDF backend will print, shown back in sRGB
(``ColorConverter.proof_flat``: pure-K text, rich black, explicit CMYK) — the rule
``draw_raster(soft_proof=True)`` applies — with one converter per output profile for the whole process.
Photos and clip-art go through a 64x64x64 lookup table built once per profile and intent from
``ColorConverter.proof_image`` (photo intent for photos, the flat intent for clip-art, as the PDF does).
Quantising to 64 levels per channel costs < 1 ΔE00 on average and makes the proof one table lookup.

Drawn tiles are kept for an edit session, keyed by the item itself (crop, box, rotation, clip, text outline,
colour …), the source file's size and mtime, the DPI, the proof setting and (photos) the window: changing a
name redraws only that text; the decoded, cropped, resampled, proofed photo is reused.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import pyvips

from ..backends import ahead
from ..backends.common import Canvas
from ..backends.common import Tile as RasterTile
from ..backends.raster import clip_to_canvas, draw_raster, path_tile  # path_tile: the backend's per-item vector tile
from ..backends.raster_paint import screen_paint, svg_paint
from ..engine import Engine
from ..inputs import photo_decode
from ..inputs.color import ColorConverter
from ..inputs.lru import Lru
from ..inputs.photo_decode import decoded_crop
from ..layout.plan import BackgroundItem, ImageItem, Item, Layout, ShapeItem, SvgItem, TextItem
from ..model.design import CMYK, RGB, LinearGradient
from ..model.geometry import Path, union_bounds
from ..model.paint import Gradient, Pattern, ResolvedPaint
from ..model.templates import template_key

Window = tuple[int, int, int, int]  # x0, y0, x1, y1 on the print canvas (pixels)

_TILES = Lru(24)  # drawn items' tiles (cropped to their ink / the window)
_MASKS = Lru(64)
_LUTS = Lru(8)
LUT_LEVELS = 64
PREVIEW_UPSAMPLE = 1.25  # decode a JPEG at 1/k when that is at most this much smaller than needed


def clear() -> None:
    _TILES.clear()
    photo_decode.clear()
    _MASKS.clear()


# ------------------------------------------------------------------------------------------- soft proof


def converter(engine: Engine, profile_id: str) -> ColorConverter:
    return engine.icc.converter(profile_id)


def proof_lut(engine: Engine, profile_id: str, flat: bool) -> np.ndarray:
    """(64**3, 3) uint8: sRGB quantised to 64 levels -> the sRGB the press will show."""

    def build() -> np.ndarray:
        n = LUT_LEVELS
        levels = np.rint(np.arange(n) * 255.0 / (n - 1)).astype(np.uint8)
        r, g, b = np.meshgrid(levels, levels, levels, indexing="ij")
        grid = np.ascontiguousarray(np.stack([r, g, b], axis=-1).reshape(512, 512, 3))
        img = pyvips.Image.new_from_memory(grid, 512, 512, 3, "uchar").copy(interpretation="srgb")
        out = converter(engine, profile_id).proof_image(img, flat=flat)
        arr = np.ndarray(buffer=out.write_to_memory(), dtype=np.uint8, shape=(512, 512, out.bands))
        return np.ascontiguousarray(arr[:, :, :3].reshape(-1, 3))

    return _LUTS.get(("lut", engine.icc.cmyk_profile(profile_id).digest, flat), build)


def packed_lut(engine: Engine, profile_id: str, flat: bool) -> np.ndarray:
    """:func:`proof_lut` as one little-endian RGBA uint32 per entry (alpha 255): one gather gives an
    opaque RGBA pixel."""

    def build() -> np.ndarray:
        lut = proof_lut(engine, profile_id, flat).astype(np.uint32)
        return np.ascontiguousarray(lut[:, 0] | (lut[:, 1] << 8) | (lut[:, 2] << 16) | np.uint32(0xFF000000))

    return _LUTS.get(("packed", engine.icc.cmyk_profile(profile_id).digest, flat), build)


_QUANT = ((np.arange(256, dtype=np.uint32) * (LUT_LEVELS - 1) + 127) // 255).astype(np.uint32)
_QR, _QG, _QB = _QUANT << 12, _QUANT << 6, _QUANT  # a channel value -> its part of the LUT index


def _lut_index(rgb: np.ndarray) -> np.ndarray:
    idx = np.take(_QR, rgb[..., 0])
    idx |= np.take(_QG, rgb[..., 1])
    idx |= np.take(_QB, rgb[..., 2])
    return idx


def lut_proof(rgb: np.ndarray, lut: np.ndarray) -> np.ndarray:
    """(..., 3) uint8 sRGB through a proof LUT (:func:`proof_lut`)."""
    return np.take(lut, _lut_index(rgb), axis=0)


def lut_proof_rgba(rgb: np.ndarray, packed: np.ndarray) -> np.ndarray:
    """(h, w, 3) uint8 sRGB through a packed proof LUT (:func:`packed_lut`): (h, w, 4) opaque RGBA."""
    return np.take(packed, _lut_index(rgb)).view(np.uint8).reshape(*rgb.shape[:2], 4)


def _rgb(conv: ColorConverter, color: RGB | CMYK, role: Any) -> RGB:
    r, g, b = conv.proof_flat(color, role)
    return RGB(hex=f"#{r:02x}{g:02x}{b:02x}")


def _proofed(conv: ColorConverter, paint: ResolvedPaint, role: Any) -> RGB | Gradient | Pattern:
    if isinstance(paint, Pattern):
        return paint  # an image tile: shown as it is
    if isinstance(paint, Gradient):
        return dataclasses.replace(paint, stops=tuple((o, _rgb(conv, c, role), a) for o, c, a in paint.stops))
    return _rgb(conv, paint, role)


def proofed_item(item: Item, conv: ColorConverter) -> Item:
    """A flat item with its colours replaced by their printed appearance (the soft proof's flat rules)."""
    if isinstance(item, BackgroundItem):
        grad = item.gradient
        if grad is not None:
            stops = [s.model_copy(update={"color": _rgb(conv, s.color, "area")}) for s in grad.stops]
            grad = LinearGradient.model_validate({"angle": grad.angle, "stops": [s.model_dump() for s in stops]})
        color = _proofed(conv, item.color, "area") if item.color is not None else None
        return dataclasses.replace(item, color=color, gradient=grad)
    if isinstance(item, TextItem):
        runs = tuple((None if c is None else _proofed(conv, c, "text"), path) for c, path in item.runs)
        return dataclasses.replace(item, color=_proofed(conv, item.color, "text"), runs=runs)
    if isinstance(item, ShapeItem):
        role = conv.stroke_role(item.stroke_width_mm)
        return dataclasses.replace(
            item,
            fill=_proofed(conv, item.fill, "area") if item.fill is not None else None,
            stroke=_proofed(conv, item.stroke, role) if item.stroke is not None else None,
        )
    return item


# ------------------------------------------------------------------------------------------------- draw


@dataclass(frozen=True)
class Tile:
    """One item drawn on the canvas: premultiplied RGBA uint8, cropped to where it has ink."""

    x: int
    y: int
    rgba: np.ndarray  # (h, w, 4), premultiplied; may be a broadcast (read-only) view for a solid fill
    opaque: bool  # alpha is 255 everywhere in the crop


def _resample(arr: np.ndarray, ax: float, bx: float, ay: float, by: float, w: int, h: int) -> np.ndarray:
    """``out[v, u] = arr(u * ax + bx, v * ay + by)`` (pixel centres at integers), bilinear; where that
    shrinks, area-averaged first down to about 1:1 (bilinear alone would alias)."""
    if ax > 1.0 or ay > 1.0:
        sh, sw = arr.shape[:2]
        dw, dh = max(1, round(sw / max(1.0, ax))), max(1, round(sh / max(1.0, ay)))
        fx, fy = sw / dw, sh / dh
        arr = cv2.resize(arr, (dw, dh), interpolation=cv2.INTER_AREA)
        ax, bx = ax / fx, (bx + 0.5) / fx - 0.5  # old pixel p is new pixel (p + 0.5) / f - 0.5
        ay, by = ay / fy, (by + 0.5) / fy - 0.5
    m = np.array([[ax, 0.0, bx], [0.0, ay, by]], dtype=np.float64)
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    return cv2.warpAffine(arr, m, (w, h), flags=flags, borderMode=cv2.BORDER_REPLICATE)


def _fast_path(item: Item) -> bool:
    """The common photo placement, drawn by :func:`_fast_image`: no rotation, clip or opacity."""
    return (
        isinstance(item, ImageItem)
        and not item.rotation % 360
        and item.clip is None
        and not item.extra_clips
        and item.page_clip is None
        and item.opacity >= 1
        and item.transform is None
    )


def _fast_image(item: ImageItem, layout: Layout, dpi: float, window: Window, packed: np.ndarray | None) -> Tile | None:
    """The common photo placement for a preview (:func:`_fast_path`), only inside ``window``; None when
    none of it is there.

    The decode scale may be up to ``PREVIEW_UPSAMPLE`` below the needed size (a 4000 px photo on the
    800 px mug decodes at 1/4 instead of 1/2: ~3x less decoding for a 1.13x upsample nobody sees). The
    crop and destination are the ImageItem's, mapped with sub-pixel precision (the print path crops whole
    decoded pixels, at full resolution)."""
    c = Canvas.for_layout(layout, dpi)
    x0, y0, w, h = c.span(item.dest)
    vx0, vy0 = max(x0, window[0]), max(y0, window[1])
    vx1, vy1 = min(x0 + w, window[2]), min(y0 + h, window[3])
    if vx1 <= vx0 or vy1 <= vy0:
        return None
    cx, cy, cw, ch = item.crop
    shrink = min(cw / w, ch / h)
    for k_jpeg in (8, 4, 2):  # a preview accepts up to 1.25x upsampling to reach the next JPEG scale
        if shrink >= k_jpeg / PREVIEW_UPSAMPLE:
            shrink = max(shrink, k_jpeg)
            break
    src = decoded_crop(item.info, item.crop, shrink, f"layers[{item.layer}]")
    k = src.k
    # canvas pixel X shows decoded pixel (X - x0 + 0.5) * ax + cx / k - 0.5 (pixel centres at integers)
    ax, ay = cw / k / w, ch / k / h
    bx = cx / k + (vx0 - x0 + 0.5) * ax - 0.5 - src.left
    by = cy / k + (vy0 - y0 + 0.5) * ay - 0.5 - src.top
    # only the decoded columns/rows this window reads (plus the filters' reach)
    sh, sw = src.pixels.shape[:2]
    left = min(sw - 1, max(0, math.floor(bx - max(1.0, ax)) - 1))
    top = min(sh - 1, max(0, math.floor(by - max(1.0, ay)) - 1))
    right = max(left + 1, min(sw, math.ceil(bx + (vx1 - vx0) * ax + max(1.0, ax)) + 1))
    bottom = max(top + 1, min(sh, math.ceil(by + (vy1 - vy0) * ay + max(1.0, ay)) + 1))
    part = src.pixels[top:bottom, left:right]
    out = _resample(part, ax, bx - left, ay, by - top, vx1 - vx0, vy1 - vy0)
    if part.shape[2] == 3:
        rgba = lut_proof_rgba(out, packed) if packed is not None else cv2.cvtColor(out, cv2.COLOR_RGB2RGBA)
        return Tile(vx0, vy0, rgba, True)
    if packed is not None:
        out[:, :, :3] = lut_proof_rgba(np.ascontiguousarray(out[:, :, :3]), packed)[:, :, :3]
    return _premultiplied_tile(out, vx0, vy0)


def _premultiplied_tile(arr: np.ndarray, x: int, y: int) -> Tile | None:
    """A straight-alpha RGBA array cropped to its ink and premultiplied."""
    alpha = arr[:, :, 3]
    if bool(alpha.min() == 255):
        return Tile(x, y, arr, True)
    rows = np.flatnonzero(alpha.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(alpha.any(axis=0))
    y0, y1, x0, x1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    crop = arr[y0:y1, x0:x1].copy()
    a = crop[:, :, 3:4].astype(np.uint16)
    crop[:, :, :3] = ((crop[:, :, :3].astype(np.uint16) * a + 127) // 255).astype(np.uint8)
    return Tile(x + x0, y + y0, crop, bool((crop[:, :, 3] == 255).all()))


def _vectors(item: TextItem | ShapeItem, layout: Layout, dpi: float, engine: Engine) -> list[RasterTile]:
    """Text (one tile per colour: text spans) or a shape as the raster backend draws it, each clipped to its
    ink (colours already proofed)."""
    c = Canvas.for_layout(layout, dpi)
    profile = layout.template.output.icc_profile

    def to_rgb(color: RGB | CMYK) -> tuple[int, int, int]:
        return engine.icc.to_srgb(color, profile)

    def paint(p: ResolvedPaint | None) -> Any:
        return None if p is None else screen_paint(p, to_rgb)

    if isinstance(item, TextItem):
        runs = [(paint(colour), outline) for colour, outline in item.paint_runs if not outline.empty]
        if len(runs) > 1 and not any(isinstance(p, Pattern) for p, _ in runs):
            one = _runs_tile(c, runs, item.opacity)
            return [] if one is None else [one]
        drawn = [path_tile(c, outline, p, None, 0.0, item.opacity) for p, outline in runs]
    else:
        drawn = [
            path_tile(
                c,
                item.path,
                paint(item.fill),
                paint(item.stroke),
                item.stroke_width_mm,
                item.opacity,
                item.style,
                item.stroke_first,
            )
        ]
    return [t for t in drawn if t is not None]


def _runs_tile(c: Canvas, runs: list[tuple[Any, Path]], opacity: float) -> RasterTile | None:
    """A text's fills (its spans' colours, then each colour emoji layer: ~5 a glyph) in order, as one tile of
    their union: one librsvg document instead of one per run. 300 emoji were ~1400 documents, ~1 s of a
    preview's CPU. Overlapping runs are composited by cairo rather than here (8-bit premultiplied "over"
    both): the same picture up to a rounding step at anti-aliased edges; the print raster is unchanged."""
    boxes = [b for _, p in runs if (b := p.bounds()) is not None]
    bounds = union_bounds(boxes)
    visible = None if bounds is None else clip_to_canvas(c.outer(bounds, 2.0), c)
    if visible is None:
        return None
    defs, body = [], []
    for i, (p, outline) in enumerate(runs):
        d, value = svg_paint(p, f"r{i}")
        defs.append(d)
        rule = "evenodd" if outline.evenodd else "nonzero"
        alpha = f' opacity="{opacity:.4f}"' if opacity < 1 else ""
        body.append(f'<path d="{outline.svg_d()}" fill="{value}" fill-rule="{rule}"{alpha}/>')
    gradients = "".join(defs)
    doc = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{visible[2]}" height="{visible[3]}" '
           f'viewBox="{c.viewbox(visible)}">' + (f"<defs>{gradients}</defs>" if gradients else "")
           + "".join(body) + "</svg>")  # fmt: skip
    img = pyvips.Image.svgload_buffer(doc.encode(), unlimited=False)
    return img.cast("uchar").copy(interpretation="srgb"), visible[0], visible[1]


def _tiles(
    item: Item, layout: Layout, dpi: float, engine: Engine, lut: np.ndarray | None, window: Window
) -> tuple[Tile, ...]:
    """An item drawn: its tiles in drawing order (none when it has no ink — in the window, for photos)."""
    if isinstance(item, ImageItem) and _fast_path(item):
        packed = None if lut is None else packed_lut(engine, layout.template.output.icc_profile, flat=False)
        fast = _fast_image(item, layout, dpi, window, packed)
        return () if fast is None else (fast,)
    if isinstance(item, BackgroundItem) and item.gradient is None and isinstance(item.color, RGB | CMYK):
        c = Canvas.for_layout(layout, dpi)
        r, g, b = engine.icc.to_srgb(item.color, layout.template.output.icc_profile)
        return (Tile(0, 0, np.broadcast_to(np.array([r, g, b, 255], np.uint8), (c.height, c.width, 4)), True),)
    if isinstance(item, TextItem | ShapeItem):
        drawn = _vectors(item, layout, dpi, engine)
    else:
        img = draw_raster(
            dataclasses.replace(layout, items=(item,)),
            dpi,
            engine.icc,
            transparent=True,
            max_pixels=engine.settings.max_output_pixels,
        )
        drawn = [(img, 0, 0)]
    out = []
    for img, ox, oy in drawn:
        if img.bands == 3:
            img = img.bandjoin(255)
        arr = np.ndarray(buffer=img.write_to_memory(), dtype=np.uint8, shape=(img.height, img.width, 4))
        if lut is not None:
            arr = arr.copy()
            arr[:, :, :3] = lut_proof(arr[:, :, :3], lut)
        tile = _premultiplied_tile(arr, ox, oy)
        if tile is not None:
            out.append(tile)
    return tuple(out)


def _file_key(item: Item) -> tuple[str, int, int] | None:
    if not isinstance(item, ImageItem):
        return None
    st = item.info.path.stat()
    return str(item.info.path), st.st_size, st.st_mtime_ns


def _item_key(item: Item) -> object:
    """The item itself as a cache key (its frozen fields compare by value; hashing a text item is ~50x
    cheaper than its repr, which spells out every outline point), or its repr when a field is unhashable
    (a gradient's list of stops)."""
    try:
        hash(item)
    except TypeError:
        return repr(item)
    return item


def item_tiles(item: Item, layout: Layout, dpi: float, engine: Engine, proof: bool, window: Window) -> tuple[Tile, ...]:
    """An item's tiles, from the edit-session cache when the same item was drawn at this DPI before."""
    t = layout.template
    # only fast-path photos are drawn for the window alone; other tiles serve every view
    win = window if _fast_path(item) else None
    key = ("tile", template_key(t), round(dpi, 6), proof, win, _item_key(item), _file_key(item))

    def build() -> tuple[Tile, ...]:
        lut = None
        drawn = item
        if proof:
            if isinstance(item, ImageItem | SvgItem):
                lut = proof_lut(engine, t.output.icc_profile, flat=isinstance(item, SvgItem))
            else:
                drawn = proofed_item(item, converter(engine, t.output.icc_profile))
        return _tiles(drawn, layout, dpi, engine, lut, window)

    return _TILES.get(key, build)


def canvas_size(layout: Layout, dpi: float) -> tuple[int, int]:
    c = Canvas.for_layout(layout, dpi)
    return c.width, c.height


def draw_print(layout: Layout, dpi: float, engine: Engine, *, soft_proof: bool, window: Window) -> np.ndarray:
    """The layout at ``dpi``, the canvas's ``window`` of it (x0, y0, x1, y1 in canvas pixels), as
    premultiplied RGBA uint8 (y1 - y0, x1 - x0, 4).

    Opaque products start from white paper; DTG (rgba) from transparent. Items are drawn one by one
    (cached, see the module doc) and composited "over" here, in layer order, in 8 bits.
    """
    t = layout.template
    proof = soft_proof and t.output.color == "cmyk"
    wx0, wy0, wx1, wy1 = window
    if any(item.blend != "normal" for item in layout.items):
        # blend modes mix with everything under them: the raster backend draws the whole layout
        img = draw_raster(
            layout,
            dpi,
            engine.icc,
            transparent=t.output.color == "rgba",
            max_pixels=engine.settings.max_output_pixels,
            soft_proof=proof,
        ).crop(wx0, wy0, wx1 - wx0, wy1 - wy0)
        if img.bands == 3:
            img = img.bandjoin(255)
        arr = np.ndarray(buffer=img.write_to_memory(), dtype=np.uint8, shape=(img.height, img.width, 4)).copy()
        a = arr[:, :, 3:4].astype(np.uint16)
        arr[:, :, :3] = ((arr[:, :, :3].astype(np.uint16) * a + 127) // 255).astype(np.uint8)
        return arr
    acc = np.full((wy1 - wy0, wx1 - wx0, 4), 0 if t.output.color == "rgba" else 255, dtype=np.uint8)
    # every item is drawn at once on the shared pool (a photo's decode beside a clip-art's: issue 22), then
    # composited here in layer order; an error is raised for the first failing layer, as drawn one by one
    jobs = [ahead.submit(item_tiles, item, layout, dpi, engine, proof, window) for item in layout.items]
    try:
        drawn = [job.result() for job in jobs]
    finally:
        ahead.settle(jobs)
    for tile in (t for tiles in drawn for t in tiles):
        th, tw = tile.rgba.shape[:2]
        x0, y0 = max(wx0, tile.x), max(wy0, tile.y)
        x1, y1 = min(wx1, tile.x + tw), min(wy1, tile.y + th)
        if x1 <= x0 or y1 <= y0:
            continue
        src = tile.rgba[y0 - tile.y : y1 - tile.y, x0 - tile.x : x1 - tile.x]
        dst = acc[y0 - wy0 : y1 - wy0, x0 - wx0 : x1 - wx0]
        if tile.opaque:
            dst[...] = src
        else:  # premultiplied "over": dst = src + dst (255 - src alpha) / 255
            keep = 255 - src[:, :, 3:4].astype(np.uint16)
            dst[...] = src + ((dst * keep + 127) // 255).astype(np.uint8)
    return acc


def print_area_mask(layout: Layout, dpi: float) -> np.ndarray:
    """Where the product carries ink, over the bleed-box canvas at ``dpi`` (float32 0..1, (h, w)): the
    print area (even-odd, so a phone case's camera opening is a hole), inside the cut line on die-cut goods.
    The trim is the edge of every product's print."""
    t = layout.template
    w, h = canvas_size(layout, dpi)

    def build() -> np.ndarray:
        b = layout.bleed
        body = f'<path d="{t.mask_path("print_area")}" fill="#fff" fill-rule="evenodd"/>'
        if t.cut_path is not None:
            body = f'<clipPath id="c"><path d="{t.cut_path.d}"/></clipPath><g clip-path="url(#c)">{body}</g>'
        svg = (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
            f'viewBox="{b.x} {b.y} {b.w} {b.h}" preserveAspectRatio="none">{body}</svg>'
        )
        m = pyvips.Image.svgload_buffer(svg.encode(), unlimited=False)[3]
        if m.width != w or m.height != h:
            m = m.gravity("north-west", w, h)
        arr = np.ndarray(buffer=m.write_to_memory(), dtype=np.uint8, shape=(h, w))
        return (arr / np.float32(255.0)).astype(np.float32)

    return _MASKS.get(("mask", template_key(t), w, h), build)
