"""The print, drawn for a mockup: the layout at preview DPI, soft-proofed cheaply, photos cached.

The layout's items are drawn in groups by the raster backend (:func:`render_engine.raster.draw_raster`), in
layer order, and composited:

* runs of flat items (background, text, shapes) are drawn together. For a soft proof their colours are
  first replaced by what the PDF backend will print, shown back in sRGB (``ColorConverter.proof_flat``:
  pure-K text, rich black, explicit CMYK, flat intent) — the same rule ``draw_raster(soft_proof=True)``
  applies — using one converter per output profile for the whole process;
* each photo and clip-art item is drawn on its own and proofed through a 64x64x64 lookup table built
  once per profile and intent from ``ColorConverter.proof_image`` (photo intent for photos, the flat intent
  for clip-art, as the PDF does). Quantising to 64 levels per channel costs < 1 ΔE00 on average and makes
  the proof a single array lookup instead of two littleCMS transforms per request;
* the drawn, proofed photo tiles are kept for an edit session, keyed by the item itself (crop, box,
  rotation, clip), the source file's size and mtime, the DPI and the proof setting: changing a name
  re-uses the decoded, cropped, resized photo; changing the photo or its placement draws it again.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyvips

from ..assets import open_image
from ..color import ColorConverter
from ..design import CMYK, RGB, LinearGradient
from ..errors import asset_errors
from ..layout import BackgroundItem, ImageItem, Item, Layout, ShapeItem, SvgItem, TextItem
from ..raster import Canvas, draw_raster
from ..resolve import Engine
from .render_cache import Lru

_TILES = Lru(24)  # drawn photo / clip-art tiles (full canvas RGBA, in memory)
_MASKS = Lru(64)
_LUTS = Lru(8)
LUT_LEVELS = 64
PREVIEW_UPSAMPLE = 1.25  # decode a JPEG at 1/k when that is at most this much smaller than needed


def clear() -> None:
    _TILES.clear()
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

    return _LUTS.get(("lut", id(engine), profile_id, flat), build)


def _rgb(conv: ColorConverter, color: RGB | CMYK, role: Any) -> RGB:
    r, g, b = conv.proof_flat(color, role)
    return RGB(hex=f"#{r:02x}{g:02x}{b:02x}")


def proofed_item(item: Item, conv: ColorConverter) -> Item:
    """A flat item with its colours replaced by their printed appearance (the soft proof's flat rules)."""
    if isinstance(item, BackgroundItem):
        grad = item.gradient
        if grad is not None:
            stops = [s.model_copy(update={"color": _rgb(conv, s.color, "area")}) for s in grad.stops]
            grad = LinearGradient.model_validate({"angle": grad.angle, "stops": [s.model_dump() for s in stops]})
        color = _rgb(conv, item.color, "area") if item.color is not None else None
        return dataclasses.replace(item, color=color, gradient=grad)
    if isinstance(item, TextItem):
        return dataclasses.replace(item, color=_rgb(conv, item.color, "text"))
    if isinstance(item, ShapeItem):
        return dataclasses.replace(
            item,
            fill=_rgb(conv, item.fill, "area") if item.fill is not None else None,
            stroke=_rgb(conv, item.stroke, conv.stroke_role(item.stroke_width_mm)) if item.stroke is not None else None,
        )
    return item


# ------------------------------------------------------------------------------------------------- draw


@dataclass(frozen=True)
class Tile:
    """One item drawn on the canvas: premultiplied RGBA uint8 cropped to where it has ink."""

    x: int
    y: int
    rgba: np.ndarray  # (4, h, w) premultiplied channel planes
    opaque: bool  # alpha is 255 everywhere in the crop


_QUANT = ((np.arange(256, dtype=np.uint32) * (LUT_LEVELS - 1) + 127) // 255).astype(np.uint32)


def lut_proof(rgb: np.ndarray, lut: np.ndarray) -> np.ndarray:
    """(..., 3) uint8 sRGB through a proof LUT."""
    flat = rgb.reshape(-1, 3)
    q = np.take(_QUANT, flat)
    idx = (q[:, 0] << 12) | (q[:, 1] << 6) | q[:, 2]
    return np.take(lut, idx, axis=0).reshape(rgb.shape)


def _fast_image(item: ImageItem, layout: Layout, dpi: float) -> tuple[pyvips.Image, int, int] | None:
    """The common photo placement (no rotation, clip or opacity) drawn for a preview: decoded with
    JPEG shrink-on-load, cropped, and resized once with a bilinear kernel — the print path's crop and
    destination from the same ImageItem, a cheaper resampler (the preview is at about 1:1 on screen).
    The decode scale may be up to ``PREVIEW_UPSAMPLE`` below the needed size (a 4000 px photo on the
    800 px mug decodes at 1/4 instead of 1/2: ~3x less decoding for a 1.13x upsample nobody sees)."""
    if item.rotation % 360 or item.clip is not None or item.page_clip is not None or item.opacity < 1:
        return None
    c = Canvas.for_layout(layout, dpi)
    x0, y0, w, h = c.span(item.dest)
    cx, cy, cw, ch = item.crop
    shrink = min(cw / w, ch / h)
    for k_jpeg in (8, 4, 2):  # a preview accepts up to 1.25x upsampling to reach the next JPEG scale
        if shrink >= k_jpeg / PREVIEW_UPSAMPLE:
            shrink = max(shrink, k_jpeg)
            break
    img, k = open_image(item.info, shrink, f"layers[{item.layer}]")
    with asset_errors(f"layers[{item.layer}]", "image"):
        left, top = math.floor(cx / k), math.floor(cy / k)
        right = min(img.width, max(left + 1, math.ceil((cx + cw) / k)))
        bottom = min(img.height, max(top + 1, math.ceil((cy + ch) / k)))
        img = img.crop(left, top, right - left, bottom - top)
        if img.bands == 3:
            img = img.bandjoin(255)
        if (img.width, img.height) != (w, h):
            img = img.resize(w / img.width, vscale=h / img.height, kernel="linear")
            if (img.width, img.height) != (w, h):
                img = img.gravity("north-west", w, h, extend="copy")
        return img.cast("uchar"), x0, y0


def _tile(item: Item, layout: Layout, dpi: float, engine: Engine, lut: np.ndarray | None) -> Tile | None:
    fast = _fast_image(item, layout, dpi) if isinstance(item, ImageItem) else None
    if fast is not None:
        img, ox, oy = fast
    else:
        img = draw_raster(
            dataclasses.replace(layout, items=(item,)),
            dpi,
            engine.icc,
            transparent=True,
            max_pixels=engine.settings.max_output_pixels,
        )
        ox = oy = 0
    if img.bands == 3:
        img = img.bandjoin(255)
    arr = np.ndarray(buffer=img.write_to_memory(), dtype=np.uint8, shape=(img.height, img.width, 4))
    alpha = arr[:, :, 3]
    opaque = bool(alpha.min() == 255)
    if opaque:
        y0, y1, x0, x1 = 0, arr.shape[0], 0, arr.shape[1]
    else:
        rows = np.flatnonzero(alpha.any(axis=1))
        cols = np.flatnonzero(alpha.any(axis=0))
        if rows.size == 0:
            return None
        y0, y1, x0, x1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    crop = arr[y0:y1, x0:x1].copy()
    if lut is not None:
        crop[:, :, :3] = lut_proof(crop[:, :, :3], lut)
    if not opaque:
        a = crop[:, :, 3:4].astype(np.uint16)
        crop[:, :, :3] = ((crop[:, :, :3].astype(np.uint16) * a + 127) // 255).astype(np.uint8)
        opaque = bool((crop[:, :, 3] == 255).all())
    return Tile(ox + x0, oy + y0, np.ascontiguousarray(crop.transpose(2, 0, 1)), opaque)


def _file_key(item: Item) -> tuple[str, int, int] | None:
    if not isinstance(item, ImageItem):
        return None
    st = item.info.path.stat()
    return str(item.info.path), st.st_size, st.st_mtime_ns


def item_tile(item: Item, layout: Layout, dpi: float, engine: Engine, proof: bool) -> Tile | None:
    """An item's tile, from the edit-session cache when the same item was drawn at this DPI before."""
    t = layout.template
    key = ("tile", t.id, id(t), round(dpi, 6), proof, repr(item), _file_key(item))

    def build() -> Tile | None:
        lut = None
        drawn = item
        if proof:
            if isinstance(item, ImageItem | SvgItem):
                lut = proof_lut(engine, t.output.icc_profile, flat=isinstance(item, SvgItem))
            else:
                drawn = proofed_item(item, converter(engine, t.output.icc_profile))
        return _tile(drawn, layout, dpi, engine, lut)

    return _TILES.get(key, build)


def canvas_size(layout: Layout, dpi: float) -> tuple[int, int]:
    return Canvas.for_layout(layout, dpi).width, Canvas.for_layout(layout, dpi).height


def draw_print(layout: Layout, dpi: float, engine: Engine, *, soft_proof: bool) -> np.ndarray:
    """The layout over the bleed box at ``dpi`` as premultiplied float32 RGBA channel planes
    (4, H + 2, W + 2) — colour 0..255, alpha 0..1 — with one transparent pixel of padding on every side
    (for the bilinear warp).

    Opaque products start from white paper; DTG (rgba) from transparent. Items are drawn one by one by
    the raster backend (cached, see the module doc) and composited "over" here, in layer order.
    """
    t = layout.template
    proof = soft_proof and t.output.color == "cmyk"
    w, h = canvas_size(layout, dpi)
    acc = np.zeros((4, h + 2, w + 2), dtype=np.float32)
    if t.output.color != "rgba":
        acc[:3, 1:-1, 1:-1] = 255.0
        acc[3, 1:-1, 1:-1] = 1.0
    for item in layout.items:
        tile = item_tile(item, layout, dpi, engine, proof)
        if tile is None:
            continue
        x0, y0 = max(0, tile.x), max(0, tile.y)
        x1, y1 = min(w, tile.x + tile.rgba.shape[2]), min(h, tile.y + tile.rgba.shape[1])
        if x1 <= x0 or y1 <= y0:
            continue
        src = tile.rgba[:, y0 - tile.y : y1 - tile.y, x0 - tile.x : x1 - tile.x].astype(np.float32)
        src[3] *= 1.0 / 255.0
        region = acc[:, y0 + 1 : y1 + 1, x0 + 1 : x1 + 1]
        if tile.opaque:
            region[...] = src
        else:
            region *= 1.0 - src[3]
            region += src
    return acc


def print_area_mask(layout: Layout, dpi: float) -> np.ndarray:
    """Where the product carries ink, over the bleed-box canvas at ``dpi`` (float32 0..1, padded by one
    empty pixel like :func:`draw_print`): the print area (even-odd, so a phone case's camera opening is
    a hole), inside the cut line on die-cut goods. The trim is the edge of every product's print."""
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
        out = np.zeros((h + 2, w + 2), dtype=np.float32)
        out[1:-1, 1:-1] = arr / 255.0
        return out

    return _MASKS.get(("mask", t.id, id(t), w, h), build)
