"""A source image as the decoders see it: its format sniffed from the bytes, its header, its pixels
normalised to 8-bit sRGB. Only pyvips and the standard library: the command line starts a design's image work
with it (:mod:`render_engine.backends.early`) before the design model and its pydantic schemas load (issue 22);
:mod:`.assets` adds the limits, the asset paths and the SVG sandbox on top.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyvips

# formats we accept, sniffed from the bytes (never the file name), each decoded by its own libvips loader
LOADERS = {"jpeg": "jpegload", "png": "pngload", "webp": "webpload", "heif": "heifload", "tiff": "tiffload",
           "gif": "gifload"}  # fmt: skip
SUPPORTED = "JPEG, PNG, WebP, HEIF/AVIF, TIFF, GIF"
"""The raster formats accepted, as messages name them (GIF: its first frame, what a still print shows)."""
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis")


def sniff_format(head: bytes) -> str | None:
    """Identify an image format from its first bytes."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "heif"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    return None


@dataclass(frozen=True)
class ImageInfo:
    """What layout needs to know about a source image, read from its header."""

    path: Path
    format: str
    width: int  # after EXIF orientation
    height: int
    orientation: int  # EXIF 1..8
    bands: int
    interpretation: str
    has_alpha: bool
    frames: int = 1  # an animated GIF's frame count (only the first frame is read and printed)


def read_header(path: Path, fmt: str) -> tuple[ImageInfo, int]:
    """The header of an image file of format ``fmt`` (no pixel decoded): its :class:`ImageInfo` (size after
    EXIF orientation) and its page count (a GIF counts as one page: only its first frame is read). libvips'
    errors propagate (callers convert them)."""
    img = pyvips.Operation.call(LOADERS[fmt], str(path), access="sequential", fail_on="error")
    pages = int(img.get("n-pages")) if img.get_typeof("n-pages") else 1
    orientation = int(img.get("orientation")) if img.get_typeof("orientation") else 1
    w, h = img.width, img.height
    frames = 1
    if fmt == "gif":  # only the first frame is ever decoded (a still print of an animation shows its first)
        frames, pages = max(1, pages), 1
    if orientation not in range(1, 9):
        orientation = 1
    if orientation >= 5:
        w, h = h, w
    info = ImageInfo(
        path=path,
        format=fmt,
        width=w,
        height=h,
        orientation=orientation,
        bands=img.bands,
        interpretation=str(img.interpretation),
        has_alpha=img.hasalpha(),
        frames=frames,
    )
    return info, pages


def jpeg_shrink_factor(info: ImageInfo, shrink: float) -> int:
    """The JPEG shrink-on-load factor (8, 4, 2 or 1; always 1 for other formats) :func:`open_image` uses."""
    if info.format == "jpeg":
        for k in (8, 4, 2):
            if shrink >= k:
                return k
    return 1


def to_srgb(img: pyvips.Image) -> pyvips.Image:
    """Normalise any decoded image to 8-bit sRGB, keeping alpha: CMYK (through its embedded profile or the
    built-in fallback), greyscale, 16-bit, Lab all end up the same."""
    interp = str(img.interpretation)
    if interp == "cmyk" or ((img.bands - (1 if img.hasalpha() else 0)) == 4 and interp != "srgb"):
        if img.get_typeof("icc-profile-data") != 0:
            img = img.icc_transform("srgb", embedded=True, intent="relative")
        else:  # no profile: libvips' built-in generic CMYK profile
            img = img.icc_transform("srgb", input_profile="cmyk", intent="relative")
    elif interp not in ("srgb", "rgb") or img.format != "uchar":
        img = img.colourspace("srgb")
    if img.format != "uchar":
        img = img.cast("uchar")
    if img.bands == 2:  # grey + alpha that colourspace left alone
        img = img[0].bandjoin([img[0], img[0], img[1]])
    elif img.bands == 1:
        img = img.bandjoin([img, img])
    if img.bands > 4:
        img = img.extract_band(0, n=4)
    return img
