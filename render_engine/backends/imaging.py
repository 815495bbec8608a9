"""Placed pixels: a source image reduced to exactly what one placement needs, before any colour conversion
or encoding.

Both backends (raster and PDF) call :func:`placed_pixels`, so a 2-megapixel clip-art PNG placed 5 cm wide
costs what its ~0.4 placed megapixels cost after the decode, not what its source costs:

* **shrink-on-load** where the decoder can: JPEG (DCT scaling 1/2, 1/4, 1/8) and WebP (libwebp's scaler)
  decode at the largest reduction that still leaves at least the placed size; PNG, TIFF and HEIF decode in
  full (their formats have no reduced decode), streamed top to bottom when the placement allows it;
* **alpha handled once**: a transparent source is resampled premultiplied in 8 bits (no float pipeline:
  the error stays under half a level after compositing, where premultiplied float was ~5x the cost), then
  materialised *once* at its placed size, so the PDF's colour JPEG and its soft mask, or the raster
  composite, read memory instead of decoding and resampling the source twice; an alpha band that turns out
  fully opaque is dropped (no soft mask, no compositing);
* opaque photos stay 8-bit RGB end to end (one Lanczos resize).

Only pyvips, the standard library and the model's plain modules: the command line starts a design's image
work with this module (:mod:`.early`) while the design model is still being imported (issue 22).
"""

from __future__ import annotations

import math

import pyvips

from ..inputs.image_source import LOADERS, ImageInfo, jpeg_shrink_factor, to_srgb
from ..model.errors import asset_errors
from ..model.units import MM_PER_INCH

# a transparent placement up to this size is materialised once (4 bytes a pixel: 64 MB at the limit); larger
# ones (an RGBA poster) stay lazy and stream, at the price of resampling twice in the PDF (colour + mask)
MATERIALISE_MAX_PIXELS = 16_000_000


def load_factor(info: ImageInfo, shrink: float) -> int:
    """The shrink-on-load factor the decoder will apply (1 when it cannot reduce this format)."""
    if info.format == "jpeg":
        return jpeg_shrink_factor(info, shrink)
    if info.format == "webp" and shrink >= 2:
        return int(shrink)
    return 1


def open_reduced(info: ImageInfo, shrink: float, field: str, *, sequential: bool) -> tuple[pyvips.Image, float]:
    """Decode (lazily) at 1/k of full size with k <= ``shrink``: upright, 8-bit sRGB(+alpha). Returns the
    image and the factor actually used (source pixels per decoded pixel)."""
    k = load_factor(info, shrink)
    access = "sequential" if sequential and info.orientation == 1 else "random"
    options: dict[str, object] = {"fail_on": "error", "access": access}
    if k > 1:
        options["shrink" if info.format == "jpeg" else "scale"] = k if info.format == "jpeg" else 1.0 / k
    with asset_errors(field, "image"):
        img = pyvips.Operation.call(LOADERS[info.format], str(info.path), **options)
        img = to_srgb(img.autorot())
    return img, info.width / img.width


def placed_pixels(
    info: ImageInfo,
    crop: tuple[float, float, float, float],
    w: int,
    h: int,
    field: str,
    *,
    sequential: bool = True,
    pixelated: bool = False,
) -> pyvips.Image:
    """``crop`` (source pixels, upright) of the image at exactly ``w`` x ``h``: RGB uchar when opaque, RGBA
    uchar (straight alpha) when the source has alpha that is not all opaque. Lazy for opaque sources;
    materialised for transparent ones up to :data:`MATERIALISE_MAX_PIXELS`. ``pixelated``: an enlargement
    shows each source pixel as a square (:func:`pixelated_resize`)."""
    cx, cy, cw, ch = crop
    transparent = info.has_alpha
    materialise = transparent and w * h <= MATERIALISE_MAX_PIXELS
    # a lazy transparent image is read twice by the PDF (colour, then mask): keep its decode in memory
    img, k = open_reduced(info, min(cw / w, ch / h), field, sequential=sequential and (materialise or not transparent))
    with asset_errors(field, "image"):
        # integer crop in the decoded image, then one resize to the exact destination size
        left, top = math.floor(cx / k), math.floor(cy / k)
        right = min(img.width, max(left + 1, math.ceil((cx + cw) / k)))
        bottom = min(img.height, max(top + 1, math.ceil((cy + ch) / k)))
        img = img.crop(left, top, right - left, bottom - top)
        resize = pixelated_resize if pixelated and w > img.width and h > img.height else resize_exact
        if not img.hasalpha():
            return resize(img, w, h)
        img = resize(img, w, h)
        if materialise:
            img = img.copy_memory()
            if img.extract_band(img.bands - 1).min() >= 255:
                img = img.extract_band(0, n=img.bands - 1)
    return img


def stored_size(
    crop_w: float, crop_h: float, dest_w_mm: float, target_dpi: int, downsample_above: float
) -> tuple[int, int]:
    """Pixels a PDF stores for a crop of ``crop_w`` x ``crop_h`` source pixels placed ``dest_w_mm`` wide: the
    source's own resolution, unless far above the target DPI (``downsample_above`` x it)."""
    target_w = dest_w_mm / MM_PER_INCH * target_dpi
    out_w = crop_w if crop_w <= target_w * downsample_above else target_w
    scale = out_w / crop_w
    return max(1, round(crop_w * scale)), max(1, round(crop_h * scale))


def split_alpha(img: pyvips.Image) -> tuple[pyvips.Image, pyvips.Image | None]:
    """An image's colour bands as sRGB (or grey) and its alpha band, if any."""
    alpha = img[3] if img.bands == 4 else None
    rgb = img.extract_band(0, n=3) if img.bands >= 3 else img
    return rgb.copy(interpretation="srgb"), alpha


def encode_jpeg(cmyk: pyvips.Image, quality: int) -> bytes:
    """A lazy CMYK image (littleCMS streaming) as the PDF's JPEG, libvips encoding as the rows arrive."""
    # no optimize_coding: libjpeg then buffers every coefficient of the image (~400 MB for 24 MP CMYK)
    return bytes(cmyk.jpegsave_buffer(Q=quality, keep="none", subsample_mode="off"))


def resize_exact(img: pyvips.Image, w: int, h: int) -> pyvips.Image:
    """Resize to exactly w x h (Lanczos 3), 8-bit in and out. With alpha, premultiplied so transparent edges
    do not bleed dark halos; premultiplied *8-bit* (rounded), so libvips' integer resamplers run instead of
    a float pipeline."""
    if img.width == w and img.height == h:
        return img
    hs, vs = w / img.width, h / img.height
    if img.hasalpha():
        pre = _round_uchar(img.premultiply())
        out = _round_uchar(pre.resize(hs, vscale=vs, kernel="lanczos3").unpremultiply())
    else:
        out = img.resize(hs, vscale=vs, kernel="lanczos3")
    if out.width != w or out.height != h:
        out = out.gravity("north-west", w, h, extend="copy")
    return out.cast("uchar")


# supersampling of a pixelated enlargement: the box filter's precision (1/8 px) against its cost, bounded
_PIXELATED_SUPERSAMPLE = 8
_PIXELATED_MAX_WORK = 256_000_000  # supersampled pixels; above it the factor drops (2 at the least)


def pixelated_resize(img: pyvips.Image, w: int, h: int) -> pyvips.Image:
    """Enlarge to exactly w x h with each source pixel a square and the output pixel the average over its area
    (nearest neighbour at n x n supersampling, then an n x n box): what cairo draws for an enlarged image in
    Fabric's Node render (node-canvas), a hard step where a source pixel edge falls on an output pixel edge and
    one blended pixel where it falls inside one. Premultiplied, 8-bit in and out."""
    n = _PIXELATED_SUPERSAMPLE
    while n > 2 and w * h * n * n > _PIXELATED_MAX_WORK:
        n //= 2
    src = _round_uchar(img.premultiply()) if img.hasalpha() else img
    big = src.resize(w * n / img.width, vscale=h * n / img.height, kernel="nearest")
    if big.width != w * n or big.height != h * n:
        big = big.gravity("north-west", w * n, h * n, extend="copy")
    out = big.shrink(n, n)
    out = _round_uchar(out.unpremultiply()) if img.hasalpha() else _round_uchar(out)
    return out.cast("uchar")


def _round_uchar(img: pyvips.Image) -> pyvips.Image:
    """Float -> uchar rounded to nearest (a plain cast truncates), clamped to 0..255 by the cast."""
    return (img + 0.5).cast("uchar")


def with_alpha(img: pyvips.Image) -> pyvips.Image:
    return img if img.bands == 4 else img.bandjoin(255)
